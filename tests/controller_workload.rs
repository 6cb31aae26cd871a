//! A seeded random workload of broker lifecycles and topic operations: whatever the
//! handlers compute must replay without error (a handler never writes a record the image
//! refuses), the partition invariants hold after every step, and the final image survives a
//! snapshot round trip.

mod controller_support;

use controller_support::*;
use kafka_protocol::messages::alter_partition_reassignments_request::{
    ReassignablePartition, ReassignableTopic,
};
use kafka_protocol::messages::alter_partition_request::{BrokerState, PartitionData, TopicData};
use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, AlterPartitionRequest, BrokerId, CreatePartitionsRequest,
    CreateTopicsRequest, DeleteTopicsRequest, ElectLeadersRequest, TopicName,
    UnregisterBrokerRequest,
};
use kafka_protocol::protocol::StrBytes;
use yakt::controller::rng::ControllerRng;
use yakt::controller::{MetadataImage, Replayer};
use yakt_wire::{MetadataRecord, Uuid};

fn name(text: String) -> TopicName {
    TopicName(StrBytes::from_string(text))
}

fn check_invariants(image: &MetadataImage, step: usize) {
    for (topic, index, p) in image.topics.partitions() {
        let at = format!("step {step}: {}-{index} {p:?}", topic.name);
        let mut distinct = p.replicas.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), p.replicas.len(), "{at}");
        assert_eq!(p.directories.len(), p.replicas.len(), "{at}");
        assert!(p.isr.iter().all(|r| p.replicas.contains(r)), "{at}");
        assert!(p.leader == -1 || p.isr.contains(&p.leader), "{at}");
        assert!(p.elr.iter().all(|r| !p.isr.contains(r)), "{at}");
    }
}

struct Workload {
    h: Harness,
    rng: ControllerRng,
    incarnations: [u64; 6],
    epochs: [i64; 6],
}

impl Workload {
    fn broker(&mut self) -> i32 {
        1 + self.rng.below(5) as i32
    }

    fn step(&mut self, step: usize) {
        match self.rng.below(12) {
            0 | 1 => self.register(),
            2..=4 => self.heartbeat(),
            5 => self.fence_stale(),
            6 => self.create_topic(step),
            7 => self.delete_topic(),
            8 => self.alter_partition(),
            9 => self.create_partitions(),
            10 => self.elect_or_reassign(),
            _ => self.unregister(),
        }
        let image = self.h.controller.image().clone();
        check_invariants(&image, step);
    }

    fn register(&mut self) {
        let id = self.broker();
        if self.rng.below(3) == 0 {
            self.incarnations[id as usize] += 1;
        }
        let incarnation = Uuid::new(id as u64, self.incarnations[id as usize]);
        let request = registration(id, incarnation, &[dir_of(id)]);
        let result =
            self.h
                .controller
                .register_broker(&request, 4, self.h.next_offset, self.h.now_ms);
        if result.response.error_code == 0 {
            self.epochs[id as usize] = result.response.broker_epoch;
        }
        self.h.commit(result);
    }

    fn heartbeat(&mut self) {
        let id = self.broker();
        let want_fence = self.rng.below(6) == 0;
        let want_shut_down = self.rng.below(8) == 0;
        let request = heartbeat(
            id,
            self.epochs[id as usize],
            self.h.next_offset,
            want_fence,
            want_shut_down,
        );
        let result = self.h.controller.broker_heartbeat(&request, self.h.now_ms);
        let shutting_down = result.response.1.is_some_and(|o| {
            o.next == yakt::controller::brokers::heartbeat::BrokerControlState::ControlledShutdown
        });
        self.h.commit(result);
        if shutting_down {
            let end = self.h.next_offset - 1;
            self.h.controller.controlled_shutdown_written(id, end);
        }
    }

    fn fence_stale(&mut self) {
        self.h.now_ms += 1_000 * self.rng.below(12) as i64;
        while let Some(result) = self.h.controller.fence_stale_broker(self.h.now_ms) {
            self.h.commit(result);
        }
    }

    fn create_topic(&mut self, step: usize) {
        let topic = CreatableTopic::default()
            .with_name(name(format!("t{step}")))
            .with_num_partitions(1 + self.rng.below(6) as i32)
            .with_replication_factor(1 + self.rng.below(3) as i16);
        let result = self
            .h
            .controller
            .create_topics(&CreateTopicsRequest::default().with_topics(vec![topic]), 7);
        self.h.commit(result);
    }

    fn some_topic(&mut self) -> Option<(String, Uuid)> {
        let topics: Vec<(String, Uuid)> = self
            .h
            .controller
            .image()
            .topics
            .by_name()
            .iter()
            .map(|(n, i)| (n.clone(), *i))
            .collect();
        (!topics.is_empty()).then(|| topics[self.rng.below(topics.len())].clone())
    }

    fn delete_topic(&mut self) {
        if self.rng.below(3) != 0 {
            return;
        }
        if let Some((topic, _)) = self.some_topic() {
            let request = DeleteTopicsRequest::default().with_topic_names(vec![name(topic)]);
            let result = self.h.controller.delete_topics(&request);
            self.h.commit(result);
        }
    }

    fn alter_partition(&mut self) {
        let Some((_, id)) = self.some_topic() else {
            return;
        };
        let partition = self.h.controller.image().topics.partition(id, 0).cloned();
        let Some(p) = partition.filter(|p| p.leader >= 0) else {
            return;
        };
        let isr: Vec<i32> = if self.rng.below(2) == 0 {
            vec![p.leader]
        } else {
            p.replicas.clone()
        };
        let states = isr
            .iter()
            .map(|b| {
                BrokerState::default()
                    .with_broker_id(BrokerId(*b))
                    .with_broker_epoch(self.epochs[*b as usize])
            })
            .collect();
        let request = AlterPartitionRequest::default()
            .with_broker_id(BrokerId(p.leader))
            .with_broker_epoch(self.epochs[p.leader as usize])
            .with_topics(vec![TopicData::default()
                .with_topic_id(id.into())
                .with_partitions(vec![PartitionData::default()
                    .with_partition_index(0)
                    .with_leader_epoch(p.leader_epoch)
                    .with_partition_epoch(p.partition_epoch)
                    .with_new_isr_with_epochs(states)])]);
        let result = self.h.controller.alter_partition(&request, 3);
        self.h.commit(result);
    }

    fn create_partitions(&mut self) {
        let Some((topic, id)) = self.some_topic() else {
            return;
        };
        let count = self
            .h
            .controller
            .image()
            .topics
            .topic(id)
            .map_or(0, |t| t.partitions.len()) as i32;
        let request =
            CreatePartitionsRequest::default().with_topics(vec![CreatePartitionsTopic::default()
                .with_name(name(topic))
                .with_count(count + 1 + self.rng.below(2) as i32)
                .with_assignments(None)]);
        let result = self.h.controller.create_partitions(&request);
        self.h.commit(result);
    }

    fn elect_or_reassign(&mut self) {
        if self.rng.below(2) == 0 {
            let request = ElectLeadersRequest::default()
                .with_election_type(0)
                .with_topic_partitions(None);
            let result = self.h.controller.elect_leaders(&request);
            self.h.commit(result);
            return;
        }
        let Some((topic, _)) = self.some_topic() else {
            return;
        };
        let target: Option<Vec<BrokerId>> = match self.rng.below(3) {
            0 => None,
            n => Some(
                (1..=n as i32 + 1)
                    .map(|_| BrokerId(self.broker()))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            ),
        };
        let request = AlterPartitionReassignmentsRequest::default().with_topics(vec![
            ReassignableTopic::default()
                .with_name(name(topic))
                .with_partitions(vec![ReassignablePartition::default()
                    .with_partition_index(0)
                    .with_replicas(target)]),
        ]);
        let result = self.h.controller.alter_partition_reassignments(&request, 1);
        self.h.commit(result);
    }

    fn unregister(&mut self) {
        if self.rng.below(4) != 0 {
            return;
        }
        let id = self.broker();
        let result = self
            .h
            .controller
            .unregister_broker(&UnregisterBrokerRequest::default().with_broker_id(BrokerId(id)));
        self.h.commit(result);
    }
}

fn run(mv: i16, elr: bool, seed: u64) {
    let mut workload = Workload {
        h: Harness::new(mv, elr),
        rng: ControllerRng::new(seed),
        incarnations: [0; 6],
        epochs: [-1; 6],
    };
    for step in 0..600 {
        workload.step(step);
    }
    let image = workload.h.controller.image();
    assert!(
        !image.topics.by_id().is_empty(),
        "the workload created topics"
    );
    let changed = image
        .topics
        .partitions()
        .any(|(_, _, p)| p.partition_epoch > 3);
    assert!(changed, "the workload changed partitions");
    let records = image.to_records();
    let mut loaded = Replayer::new();
    loaded
        .load_snapshot(records.iter().map(|(r, _): &(MetadataRecord, i16)| r), 0)
        .unwrap();
    assert_eq!(loaded.image(), image);
}

#[test]
fn handlers_only_write_records_that_replay() {
    for seed in 0..8 {
        run(25, false, seed);
        run(27, true, seed);
    }
}
