//! Topic and partition requests against Kafka's rules and error codes: CreateTopics,
//! DeleteTopics, CreatePartitions, AlterPartition, ElectLeaders and reassignments. Where a
//! real Kafka controller made the same change in a fixture log, the records must match.

mod controller_support;

use controller_support::*;
use kafka_protocol::messages::alter_partition_reassignments_request::{
    ReassignablePartition, ReassignableTopic,
};
use kafka_protocol::messages::alter_partition_request::{BrokerState, PartitionData, TopicData};
use kafka_protocol::messages::create_partitions_request::{
    CreatePartitionsAssignment, CreatePartitionsTopic,
};
use kafka_protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::elect_leaders_request::TopicPartitions;
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, AlterPartitionRequest, BrokerId, CreatePartitionsRequest,
    CreateTopicsRequest, DeleteTopicsRequest, ElectLeadersRequest,
    ListPartitionReassignmentsRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt::controller::result::MAX_RECORDS_PER_USER_OP;
use yakt_wire::{MetadataRecord, PartitionRecord, Uuid};

fn name(text: &str) -> TopicName {
    TopicName(StrBytes::from_string(text.into()))
}

fn topic(text: &str, partitions: i32, factor: i16) -> CreatableTopic {
    CreatableTopic::default()
        .with_name(name(text))
        .with_num_partitions(partitions)
        .with_replication_factor(factor)
}

fn with_config(topic: CreatableTopic, key: &str, value: Option<&str>) -> CreatableTopic {
    let mut configs = topic.configs.clone();
    configs.push(
        CreatableTopicConfig::default()
            .with_name(StrBytes::from_string(key.into()))
            .with_value(value.map(|v| StrBytes::from_string(v.into()))),
    );
    topic.with_configs(configs)
}

fn create(topics: Vec<CreatableTopic>) -> CreateTopicsRequest {
    CreateTopicsRequest::default().with_topics(topics)
}

/// A controller with brokers 1..=n unfenced.
fn cluster(n: i32) -> Harness {
    let mut h = Harness::new(25, false);
    for id in 1..=n {
        h.add_broker(id);
    }
    h
}

fn partitions_of(records: &[(MetadataRecord, i16)]) -> Vec<PartitionRecord> {
    records
        .iter()
        .filter_map(|(r, _)| match r {
            MetadataRecord::Partition(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn create_topics_errors_are_kafkas() {
    let long = "x".repeat(250);
    let assigned = topic("m", 2, -1).with_assignments(vec![CreatableReplicaAssignment::default()
        .with_partition_index(0)
        .with_broker_ids(vec![BrokerId(1)])]);
    let unknown_broker =
        topic("m", -1, -1).with_assignments(vec![CreatableReplicaAssignment::default()
            .with_partition_index(0)
            .with_broker_ids(vec![BrokerId(9)])]);
    let gap = topic("m", -1, -1).with_assignments(vec![CreatableReplicaAssignment::default()
        .with_partition_index(1)
        .with_broker_ids(vec![BrokerId(1)])]);
    let cases: Vec<(CreatableTopic, ResponseError)> = vec![
        (topic("", 1, 1), ResponseError::InvalidTopicException),
        (topic(".", 1, 1), ResponseError::InvalidTopicException),
        (topic("..", 1, 1), ResponseError::InvalidTopicException),
        (topic(&long, 1, 1), ResponseError::InvalidTopicException),
        (topic("a b", 1, 1), ResponseError::InvalidTopicException),
        (
            topic("exists.dot", 1, 1),
            ResponseError::InvalidTopicException,
        ),
        (topic("exists_dot", 1, 1), ResponseError::TopicAlreadyExists),
        (topic("t", 1, 4), ResponseError::InvalidReplicationFactor),
        (topic("t", 1, 0), ResponseError::InvalidReplicationFactor),
        (topic("t", 1, -2), ResponseError::InvalidReplicationFactor),
        (topic("t", 0, 1), ResponseError::InvalidPartitions),
        (topic("t", -5, 1), ResponseError::InvalidPartitions),
        (
            with_config(topic("t", 1, 1), "no.such.config", Some("1")),
            ResponseError::InvalidConfig,
        ),
        (
            with_config(topic("t", 1, 1), "retention.ms", Some("soon")),
            ResponseError::InvalidConfig,
        ),
        (
            with_config(topic("t", 1, 1), "min.insync.replicas", Some("0")),
            ResponseError::InvalidConfig,
        ),
        (
            with_config(topic("t", 1, 1), "cleanup.policy", Some("shred")),
            ResponseError::InvalidConfig,
        ),
        (
            with_config(topic("t", 1, 1), "retention.ms", None),
            ResponseError::InvalidConfig,
        ),
        (
            topic("__cluster_metadata", 1, 1),
            ResponseError::InvalidRequest,
        ),
        (assigned, ResponseError::InvalidRequest),
        (unknown_broker, ResponseError::InvalidReplicaAssignment),
        (gap, ResponseError::InvalidReplicaAssignment),
    ];
    for (case, expected) in cases {
        let mut h = cluster(3);
        let setup = h
            .controller
            .create_topics(&create(vec![topic("exists_dot", 1, 1)]), 7);
        h.commit(setup);
        let result = h.controller.create_topics(&create(vec![case.clone()]), 7);
        let answer = &result.response.topics[0];
        assert_eq!(
            answer.error_code,
            expected.code(),
            "{:?}: {:?}",
            case.name,
            answer.error_message
        );
        assert!(result.records.is_empty(), "{:?}", case.name);
    }
}

#[test]
fn duplicate_names_in_one_request_are_invalid() {
    let mut h = cluster(1);
    let result = h.controller.create_topics(
        &create(vec![topic("a", 1, 1), topic("a", 1, 1), topic("b", 1, 1)]),
        7,
    );
    let codes: Vec<(String, i16)> = result
        .response
        .topics
        .iter()
        .map(|t| (t.name.0.to_string(), t.error_code))
        .collect();
    assert_eq!(
        codes,
        [
            ("b".into(), 0),
            ("a".into(), ResponseError::InvalidRequest.code())
        ]
    );
}

#[test]
fn brokers_whose_log_directories_are_all_cordoned_get_no_new_replicas() {
    // metadata.version 4.3-IV0: broker 2 reports its only directory cordoned (KIP-1066).
    let mut h = Harness::new(30, false);
    for id in 1..=3 {
        h.add_broker(id);
    }
    let epoch = h.controller.image().cluster.broker(2).unwrap().epoch;
    let request = heartbeat(2, epoch, h.next_offset, false, false)
        .with_cordoned_log_dirs(Some(vec![dir_of(2).into()]));
    let result = h.controller.broker_heartbeat(&request, h.now_ms);
    h.commit(result);
    let result = h
        .controller
        .create_topics(&create(vec![topic("t", 12, 2)]), 7);
    assert_eq!(result.response.topics[0].error_code, 0);
    let partitions = partitions_of(&result.records);
    assert_eq!(partitions.len(), 12);
    for partition in &partitions {
        assert!(!partition.replicas.contains(&2), "{partition:?}");
    }
    // Three replicas need the cordoned broker too: there are not enough usable brokers.
    let result = h
        .controller
        .create_topics(&create(vec![topic("u", 1, 3)]), 7);
    assert_eq!(
        result.response.topics[0].error_code,
        ResponseError::InvalidReplicationFactor.code()
    );
}

#[test]
fn a_topic_is_created_with_its_configs_and_striped_partitions() {
    let mut h = cluster(3);
    let request = create(vec![with_config(
        topic("orders", 6, 3),
        "retention.ms",
        Some("1000"),
    )]);
    let result = h.controller.create_topics(&request, 7);
    assert!(result.atomic);
    let answer = &result.response.topics[0];
    assert_eq!(
        (
            answer.error_code,
            answer.num_partitions,
            answer.replication_factor
        ),
        (0, 6, 3)
    );
    let configs = answer.configs.as_ref().unwrap();
    let retention = configs
        .iter()
        .find(|c| c.name.as_str() == "retention.ms")
        .unwrap();
    assert_eq!(
        (retention.value.as_deref(), retention.config_source),
        (Some("1000"), 1)
    );
    let kinds: Vec<i16> = result.records.iter().map(|(r, _)| r.api_key()).collect();
    assert_eq!(kinds, [2, 4, 3, 3, 3, 3, 3, 3]);
    let partitions = partitions_of(&result.records);
    let mut leaders = [0; 4];
    for (index, p) in partitions.iter().enumerate() {
        assert_eq!(p.partition_id, index as i32);
        let mut sorted = p.replicas.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [1, 2, 3]);
        assert_eq!(p.isr, p.replicas);
        assert_eq!(p.leader, p.replicas[0]);
        assert_eq!((p.leader_epoch, p.partition_epoch), (0, 0));
        assert_eq!(
            p.directories,
            p.replicas.iter().map(|r| dir_of(*r)).collect::<Vec<_>>()
        );
        leaders[p.leader as usize] += 1;
    }
    assert_eq!(leaders[1..], [2, 2, 2], "leadership is striped");
    assert!(result
        .records
        .iter()
        .filter(|(r, _)| r.api_key() == 3)
        .all(|(_, v)| *v == 2));
    let id = Uuid::from(answer.topic_id);
    h.commit(result);
    assert_eq!(
        h.controller
            .image()
            .topics
            .topic_named("orders")
            .unwrap()
            .id,
        id
    );
}

#[test]
fn validate_only_writes_nothing() {
    let h = &mut cluster(1);
    let request = create(vec![topic("t", 1, 1)]).with_validate_only(true);
    let result = h.controller.create_topics(&request, 7);
    assert_eq!(result.response.topics[0].error_code, 0);
    assert!(result.records.is_empty());
}

#[test]
fn replicas_spread_over_racks() {
    let mut h = Harness::new(25, false);
    for id in 1..=6 {
        let rack = ["a", "b", "c"][(id as usize - 1) % 3];
        let request = registration(id, Uuid::new(9, id as u64), &[dir_of(id)])
            .with_rack(Some(StrBytes::from_string(rack.into())));
        let result = h
            .controller
            .register_broker(&request, 4, h.next_offset, h.now_ms);
        let epoch = h.commit(result).broker_epoch;
        let result = h
            .controller
            .broker_heartbeat(&heartbeat(id, epoch, h.next_offset, false, false), h.now_ms);
        h.commit(result);
    }
    let result = h
        .controller
        .create_topics(&create(vec![topic("t", 12, 3)]), 7);
    for p in partitions_of(&result.records) {
        let mut racks: Vec<i32> = p.replicas.iter().map(|r| (r - 1) % 3).collect();
        racks.sort_unstable();
        racks.dedup();
        assert_eq!(racks.len(), 3, "{:?}", p.replicas);
    }
}

#[test]
fn fenced_brokers_hold_followers_but_never_lead() {
    let mut h = cluster(2);
    h.register(3, &[dir_of(3)]);
    let result = h
        .controller
        .create_topics(&create(vec![topic("t", 6, 3)]), 7);
    for p in partitions_of(&result.records) {
        assert_ne!(p.leader, 3);
        assert!(!p.isr.contains(&3));
        assert_eq!(p.replicas.len(), 3);
    }
}

#[test]
fn defaults_come_from_the_settings() {
    let mut settings = yakt::controller::ControllerSettings::new(1, CLUSTER_ID);
    settings.default_num_partitions = 4;
    settings.default_replication_factor = 2;
    let mut h = Harness::with_settings(25, false, settings);
    h.add_broker(1);
    h.add_broker(2);
    let result = h
        .controller
        .create_topics(&create(vec![topic("t", -1, -1)]), 7);
    let answer = &result.response.topics[0];
    assert_eq!(
        (answer.num_partitions, answer.replication_factor),
        (4, 2),
        "{:?}",
        answer.error_message
    );
}

#[test]
fn more_than_ten_thousand_records_is_a_policy_violation() {
    let mut h = cluster(1);
    let count = MAX_RECORDS_PER_USER_OP as i32;
    let result = h
        .controller
        .create_topics(&create(vec![topic("t", count, 1)]), 7);
    assert_eq!(
        result.response.topics[0].error_code,
        ResponseError::PolicyViolation.code()
    );
    assert!(result.records.is_empty());
}

#[test]
fn explicit_assignments_are_used_as_given() {
    let mut h = cluster(3);
    let assignments = [[3, 1], [2, 3]]
        .iter()
        .enumerate()
        .map(|(i, brokers)| {
            CreatableReplicaAssignment::default()
                .with_partition_index(i as i32)
                .with_broker_ids(brokers.iter().map(|b| BrokerId(*b)).collect())
        })
        .collect();
    let result = h.controller.create_topics(
        &create(vec![topic("t", -1, -1).with_assignments(assignments)]),
        7,
    );
    let replicas: Vec<Vec<i32>> = partitions_of(&result.records)
        .into_iter()
        .map(|p| p.replicas)
        .collect();
    assert_eq!(replicas, [vec![3, 1], vec![2, 3]]);
}

#[test]
fn creating_a_topic_writes_what_kafka_4_3_1_wrote() {
    // Kafka created `alpha` (3 partitions, RF 2, compacted, min.insync.replicas=2) at 41..=47.
    let mut h = fixture_controller("4.3.1", 41);
    let request = create(vec![with_config(
        with_config(topic("alpha", 3, 2), "cleanup.policy", Some("compact")),
        "min.insync.replicas",
        Some("2"),
    )]);
    let result = h.controller.create_topics(&request, 7);
    let kafka = fixture_records("4.3.1", 41, 48);
    let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
    let shape =
        |records: &[MetadataRecord]| -> Vec<i16> { records.iter().map(|r| r.api_key()).collect() };
    assert_eq!(shape(&ours), shape(&kafka));
    assert_eq!(ours[1..4], kafka[1..4], "configs and ClearElrRecord");
    for (mine, theirs) in ours[4..].iter().zip(&kafka[4..]) {
        let (MetadataRecord::Partition(mine), MetadataRecord::Partition(theirs)) = (mine, theirs)
        else {
            panic!()
        };
        let mut sorted = mine.replicas.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [2, 3]);
        assert_eq!(
            (mine.isr.clone(), mine.leader),
            (mine.replicas.clone(), mine.replicas[0])
        );
        let dirs = |p: &PartitionRecord, r: i32| {
            p.directories[p.replicas.iter().position(|x| *x == r).unwrap()]
        };
        assert_eq!(dirs(mine, 2), dirs(theirs, 2));
        assert_eq!(dirs(mine, 3), dirs(theirs, 3));
    }
    h.commit(result);
}

#[test]
fn delete_topics_by_name_and_by_id() {
    let mut h = cluster(1);
    let setup = h
        .controller
        .create_topics(&create(vec![topic("a", 1, 1), topic("b", 2, 1)]), 7);
    h.commit(setup);
    let b = h.controller.image().topics.topic_named("b").unwrap().id;
    let request = DeleteTopicsRequest::default()
        .with_topic_names(vec![name("a"), name("ghost")])
        .with_topics(vec![
            DeleteTopicState::default().with_topic_id(b.into()),
            DeleteTopicState::default().with_topic_id(Uuid::new(5, 5).into()),
        ]);
    let result = h.controller.delete_topics(&request);
    let mut codes: Vec<i16> = result
        .response
        .responses
        .iter()
        .map(|r| r.error_code)
        .collect();
    codes.sort_unstable();
    let mut expected = vec![
        0,
        0,
        ResponseError::UnknownTopicOrPartition.code(),
        ResponseError::UnknownTopicId.code(),
    ];
    expected.sort_unstable();
    assert_eq!(codes, expected);
    assert_eq!(result.records.len(), 2);
    h.commit(result);
    assert!(h.controller.image().topics.by_id().is_empty());
    let duplicate = DeleteTopicsRequest::default().with_topic_names(vec![name("x"), name("x")]);
    let result = h.controller.delete_topics(&duplicate);
    assert_eq!(
        result.response.responses[0].error_code,
        ResponseError::InvalidRequest.code()
    );
}

#[test]
fn create_partitions_grows_a_topic() {
    let mut h = cluster(2);
    let setup = h
        .controller
        .create_topics(&create(vec![topic("t", 1, 2)]), 7);
    h.commit(setup);
    let grow = |count: i32, assignments: Option<Vec<Vec<i32>>>| {
        CreatePartitionsRequest::default().with_topics(vec![CreatePartitionsTopic::default()
            .with_name(name("t"))
            .with_count(count)
            .with_assignments(assignments.map(|a| {
                a.into_iter()
                    .map(|b| {
                        CreatePartitionsAssignment::default()
                            .with_broker_ids(b.into_iter().map(BrokerId).collect())
                    })
                    .collect()
            }))])
    };
    let cases = [
        (grow(1, None), ResponseError::InvalidPartitions.code()),
        (grow(0, None), ResponseError::InvalidPartitions.code()),
        (
            grow(3, Some(vec![vec![1, 2]])),
            ResponseError::InvalidReplicaAssignment.code(),
        ),
        (
            grow(2, Some(vec![vec![1]])),
            ResponseError::InvalidReplicaAssignment.code(),
        ),
        (grow(3, None), 0),
    ];
    for (request, code) in cases {
        let result = h.controller.create_partitions(&request);
        assert_eq!(
            result.response.results[0].error_code, code,
            "{:?}",
            result.response.results[0].error_message
        );
        if code == 0 {
            let ids: Vec<i32> = partitions_of(&result.records)
                .iter()
                .map(|p| p.partition_id)
                .collect();
            assert_eq!(ids, [1, 2]);
            h.commit(result);
        }
    }
    assert_eq!(
        h.controller
            .image()
            .topics
            .topic_named("t")
            .unwrap()
            .partitions
            .len(),
        3
    );
}

const T: Uuid = Uuid::new(0x71, 0x71);

fn alter_isr(
    broker: i32,
    epoch: i64,
    leader_epoch: i32,
    partition_epoch: i32,
    isr: &[(i32, i64)],
) -> AlterPartitionRequest {
    AlterPartitionRequest::default()
        .with_broker_id(BrokerId(broker))
        .with_broker_epoch(epoch)
        .with_topics(vec![TopicData::default()
            .with_topic_id(T.into())
            .with_partitions(vec![PartitionData::default()
                .with_partition_index(0)
                .with_leader_epoch(leader_epoch)
                .with_partition_epoch(partition_epoch)
                .with_new_isr_with_epochs(
                    isr.iter()
                        .map(|(b, e)| {
                            BrokerState::default()
                                .with_broker_id(BrokerId(*b))
                                .with_broker_epoch(*e)
                        })
                        .collect(),
                )])])
}

#[test]
fn alter_partition_checks_are_kafkas() {
    let mut h = Harness::new(25, false);
    let e1 = h.add_broker(1);
    let e2 = h.add_broker(2);
    let e3 = h.register(3, &[dir_of(3)]);
    h.add_topic("t", T, &[(&[1, 2, 3], &[1, 2], 1)]);
    let cases: Vec<(AlterPartitionRequest, ResponseError)> = vec![
        (
            alter_isr(1, e1, 0, 0, &[(1, e1)]),
            ResponseError::Unknown(0),
        ),
        (
            alter_isr(1, e1, 1, 0, &[(1, e1)]),
            ResponseError::NotController,
        ),
        (
            alter_isr(1, e1, 0, 1, &[(1, e1)]),
            ResponseError::NotController,
        ),
        (
            alter_isr(2, e2, 0, 0, &[(2, e2)]),
            ResponseError::InvalidRequest,
        ),
        (
            alter_isr(1, e1, 0, 0, &[(2, e2)]),
            ResponseError::InvalidRequest,
        ),
        (
            alter_isr(1, e1, 0, 0, &[(1, e1), (4, 1)]),
            ResponseError::InvalidRequest,
        ),
        (
            alter_isr(1, e1, 0, 0, &[(1, e1), (3, e3)]),
            ResponseError::IneligibleReplica,
        ),
        (
            alter_isr(1, e1, 0, 0, &[(1, e1), (2, e2 + 1)]),
            ResponseError::IneligibleReplica,
        ),
    ];
    for (request, expected) in cases {
        let result = h.controller.alter_partition(&request, 3);
        let answer = &result.response.topics[0].partitions[0];
        assert_eq!(answer.error_code, expected.code(), "{request:?}");
    }
    let stale = h
        .controller
        .alter_partition(&alter_isr(1, e1 + 5, 0, 0, &[(1, e1)]), 3);
    assert_eq!(
        stale.response.error_code,
        ResponseError::StaleBrokerEpoch.code()
    );
    let mut unknown = alter_isr(1, e1, 0, 0, &[(1, e1)]);
    unknown.topics[0].topic_id = Uuid::new(1, 1).into();
    let result = h.controller.alter_partition(&unknown, 3);
    assert_eq!(
        result.response.topics[0].partitions[0].error_code,
        ResponseError::UnknownTopicId.code()
    );

    // A shrink then a stale partition epoch.
    let result = h
        .controller
        .alter_partition(&alter_isr(1, e1, 0, 0, &[(1, e1)]), 3);
    let answer = result.response.topics[0].partitions[0].clone();
    assert_eq!(
        (
            answer.leader_id.0,
            answer.leader_epoch,
            answer.partition_epoch
        ),
        (1, 0, 1)
    );
    h.commit(result);
    let again = h
        .controller
        .alter_partition(&alter_isr(1, e1, 0, 0, &[(1, e1), (2, e2)]), 3);
    assert_eq!(
        again.response.topics[0].partitions[0].error_code,
        ResponseError::InvalidUpdateVersion.code()
    );
    let fenced_epoch = h
        .controller
        .alter_partition(&alter_isr(1, e1, -1, 1, &[(1, e1)]), 3);
    assert_eq!(
        fenced_epoch.response.topics[0].partitions[0].error_code,
        ResponseError::FencedLeaderEpoch.code()
    );
}

fn reassign(
    topic: &str,
    partition: i32,
    replicas: Option<&[i32]>,
) -> AlterPartitionReassignmentsRequest {
    AlterPartitionReassignmentsRequest::default().with_topics(vec![ReassignableTopic::default()
        .with_name(name(topic))
        .with_partitions(vec![ReassignablePartition::default()
            .with_partition_index(partition)
            .with_replicas(
                replicas.map(|r| r.iter().map(|b| BrokerId(*b)).collect()),
            )])])
}

#[test]
fn reassignment_matches_kafka_4_3_1() {
    // Kafka moved beta-0 from [2] to [3] (178, done at 182) and beta-1 from [3] to [2, 3]
    // (179, done at 181).
    let mut h = fixture_controller("4.3.1", 178);
    let beta = h.controller.image().topics.topic_named("beta").unwrap().id;
    let mut records = Vec::new();
    for (partition, target) in [(0, &[3][..]), (1, &[2, 3][..])] {
        let result = h
            .controller
            .alter_partition_reassignments(&reassign("beta", partition, Some(target)), 1);
        assert_eq!(result.response.responses[0].partitions[0].error_code, 0);
        records.extend(result.records.iter().map(|(r, _)| r.clone()));
        h.commit(result);
    }
    assert_eq!(records, fixture_records("4.3.1", 178, 180));
    let listed = h
        .controller
        .list_partition_reassignments(&ListPartitionReassignmentsRequest::default());
    assert_eq!(listed.topics[0].partitions.len(), 2);

    // beta-1's leader (3) reports the new replica in sync: the reassignment completes.
    let mut h = fixture_controller("4.3.1", 181);
    let partition = h
        .controller
        .image()
        .topics
        .partition(beta, 1)
        .unwrap()
        .clone();
    let mut request = alter_isr(
        3,
        29,
        partition.leader_epoch,
        partition.partition_epoch,
        &[(2, 30), (3, 29)],
    );
    request.topics[0].topic_id = beta.into();
    request.topics[0].partitions[0].partition_index = 1;
    let result = h.controller.alter_partition(&request, 3);
    let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
    assert_eq!(ours, fixture_records("4.3.1", 181, 182));
    h.commit(result);

    // beta-0's leader (2) reports 3 in sync: 2 is removed and leadership moves to 3.
    let partition = h
        .controller
        .image()
        .topics
        .partition(beta, 0)
        .unwrap()
        .clone();
    let mut request = alter_isr(
        2,
        30,
        partition.leader_epoch,
        partition.partition_epoch,
        &[(2, 30), (3, 29)],
    );
    request.topics[0].topic_id = beta.into();
    let result = h.controller.alter_partition(&request, 3);
    let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
    assert_eq!(ours, fixture_records("4.3.1", 182, 183));
    let answer = &result.response.topics[0].partitions[0];
    assert_eq!(answer.error_code, ResponseError::NewLeaderElected.code());
}

#[test]
fn cancelling_a_reassignment_restores_the_replicas() {
    let mut h = cluster(3);
    h.add_topic("t", T, &[(&[1, 2], &[1, 2], 1)]);
    let started = h
        .controller
        .alter_partition_reassignments(&reassign("t", 0, Some(&[2, 3])), 1);
    h.commit(started);
    let moving = h.controller.image().topics.partition(T, 0).unwrap().clone();
    assert_eq!(
        (
            moving.replicas.clone(),
            moving.adding_replicas.clone(),
            moving.removing_replicas.clone()
        ),
        (vec![2, 3, 1], vec![3], vec![1])
    );
    let result = h
        .controller
        .alter_partition_reassignments(&reassign("t", 0, None), 1);
    assert_eq!(result.response.responses[0].partitions[0].error_code, 0);
    h.commit(result);
    let back = h.controller.image().topics.partition(T, 0).unwrap();
    assert_eq!(
        (back.replicas.clone(), back.is_reassigning()),
        (vec![2, 1], false)
    );
    let none = h
        .controller
        .alter_partition_reassignments(&reassign("t", 0, None), 1);
    assert_eq!(
        none.response.responses[0].partitions[0].error_code,
        ResponseError::NoReassignmentInProgress.code()
    );
}

#[test]
fn a_reassignment_may_be_refused_a_new_replication_factor() {
    let mut h = cluster(3);
    h.add_topic("t", T, &[(&[1, 2], &[1, 2], 1)]);
    let fixed = |replicas: &[i32]| {
        let mut request = reassign("t", 0, Some(replicas));
        request.allow_replication_factor_change = false;
        request
    };
    let code = |result: &yakt::controller::ControllerResult<
        kafka_protocol::messages::AlterPartitionReassignmentsResponse,
    >| result.response.responses[0].partitions[0].error_code;
    let refused = h
        .controller
        .alter_partition_reassignments(&fixed(&[1, 2, 3]), 1);
    assert_eq!(
        code(&refused),
        ResponseError::InvalidReplicationFactor.code()
    );
    assert!(refused.records.is_empty());
    assert!(!refused.response.allow_replication_factor_change, "echoed");
    let message = refused.response.responses[0].partitions[0]
        .error_message
        .clone();
    assert_eq!(
        message.as_deref(),
        Some("The replication factor is changed from 2 to 3")
    );
    // Version 0 has no such option: the factor may change.
    let v0 = h
        .controller
        .alter_partition_reassignments(&fixed(&[1, 2, 3]), 0);
    assert_eq!(code(&v0), 0);

    // During a reassignment the factor is that of its target: [2, 3] while moving off 1.
    let started = h
        .controller
        .alter_partition_reassignments(&fixed(&[2, 3]), 1);
    assert_eq!(code(&started), 0);
    h.commit(started);
    let moving = h.controller.image().topics.partition(T, 0).unwrap().clone();
    assert_eq!(moving.replicas.len(), 3, "1 is still being removed");
    assert_eq!(
        code(
            &h.controller
                .alter_partition_reassignments(&fixed(&[3, 1]), 1)
        ),
        0
    );
    let grown = h
        .controller
        .alter_partition_reassignments(&fixed(&[1, 2, 3]), 1);
    assert_eq!(code(&grown), ResponseError::InvalidReplicationFactor.code());
}

#[test]
fn preferred_election_moves_leadership_home() {
    let mut h = cluster(2);
    h.add_topic("t", T, &[(&[1, 2], &[1, 2], 2), (&[2, 1], &[2, 1], 2)]);
    let request = ElectLeadersRequest::default()
        .with_election_type(0)
        .with_topic_partitions(Some(vec![TopicPartitions::default()
            .with_topic(name("t"))
            .with_partitions(vec![0, 1, 7])]));
    let result = h.controller.elect_leaders(&request);
    let codes: Vec<i16> = result.response.replica_election_results[0]
        .partition_result
        .iter()
        .map(|p| p.error_code)
        .collect();
    assert_eq!(
        codes,
        [
            0,
            ResponseError::ElectionNotNeeded.code(),
            ResponseError::UnknownTopicOrPartition.code()
        ]
    );
    h.commit(result);
    assert_eq!(
        h.controller.image().topics.partition(T, 0).unwrap().leader,
        1
    );
    let all = h.controller.elect_leaders(
        &ElectLeadersRequest::default()
            .with_election_type(0)
            .with_topic_partitions(None),
    );
    assert!(all.response.replica_election_results[0]
        .partition_result
        .is_empty());
}

#[test]
fn replicas_are_assigned_to_directories() {
    use kafka_protocol::messages::assign_replicas_to_dirs_request::{
        DirectoryData, PartitionData as DirPartition, TopicData as DirTopic,
    };
    use kafka_protocol::messages::AssignReplicasToDirsRequest;
    let mut h = Harness::new(25, false);
    let second_dir = Uuid::new(0x99, 0x99);
    let epoch = h.register(1, &[dir_of(1), second_dir]);
    let result = h
        .controller
        .broker_heartbeat(&heartbeat(1, epoch, h.next_offset, false, false), h.now_ms);
    h.commit(result);
    h.add_topic("t", T, &[(&[1], &[1], 1)]);
    let request = |dir: Uuid, topic: Uuid, partition: i32| {
        AssignReplicasToDirsRequest::default()
            .with_broker_id(BrokerId(1))
            .with_broker_epoch(epoch)
            .with_directories(vec![DirectoryData::default()
                .with_id(dir.into())
                .with_topics(vec![DirTopic::default()
                    .with_topic_id(topic.into())
                    .with_partitions(vec![
                        DirPartition::default().with_partition_index(partition)
                    ])])])
    };
    let code = |result: &yakt::controller::ControllerResult<
        kafka_protocol::messages::AssignReplicasToDirsResponse,
    >| { result.response.directories[0].topics[0].partitions[0].error_code };
    assert_eq!(
        code(
            &h.controller
                .assign_replicas_to_dirs(&request(second_dir, Uuid::new(3, 3), 0))
        ),
        ResponseError::UnknownTopicId.code()
    );
    assert_eq!(
        code(
            &h.controller
                .assign_replicas_to_dirs(&request(second_dir, T, 5))
        ),
        ResponseError::UnknownTopicOrPartition.code()
    );
    let result = h
        .controller
        .assign_replicas_to_dirs(&request(second_dir, T, 0));
    assert_eq!(code(&result), 0);
    h.commit(result);
    assert_eq!(
        h.controller
            .image()
            .topics
            .partition(T, 0)
            .unwrap()
            .directories,
        [second_dir]
    );
    let stale = h
        .controller
        .assign_replicas_to_dirs(&request(second_dir, T, 0).with_broker_epoch(epoch + 1));
    assert_eq!(
        stale.response.error_code,
        ResponseError::StaleBrokerEpoch.code()
    );

    // The directory fails: the broker reports it offline and leaves the partition's ISR.
    let report = heartbeat(1, epoch, h.next_offset, false, false)
        .with_offline_log_dirs(vec![second_dir.into()]);
    let result = h.controller.broker_heartbeat(&report, h.now_ms);
    h.commit(result);
    assert_eq!(
        h.controller.image().cluster.broker(1).unwrap().directories,
        [dir_of(1)]
    );
    let partition = h.controller.image().topics.partition(T, 0).unwrap();
    assert_eq!(partition.leader, -1);
}

#[test]
fn leader_balancing_returns_leadership_to_preferred_replicas() {
    let mut h = cluster(2);
    h.add_topic(
        "t",
        T,
        &[
            (&[1, 2], &[1, 2], 2),
            (&[2, 1], &[2, 1], 2),
            (&[1, 2], &[2], 2),
        ],
    );
    let result = h.controller.balance_partition_leaders(1000);
    assert!(!result.response);
    let moved: Vec<(i32, i32)> = result
        .records
        .iter()
        .filter_map(|(r, _)| match r {
            MetadataRecord::PartitionChange(c) => Some((c.partition_id, c.leader)),
            _ => None,
        })
        .collect();
    assert_eq!(
        moved,
        [(0, 1)],
        "partition 2's preferred replica is not in its ISR"
    );
    assert!(h.controller.balance_partition_leaders(0).response);
}
