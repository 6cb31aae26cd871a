//! Broker lifecycle against Kafka's rules: BrokerRegistration's checks and epochs,
//! BrokerHeartbeat's unfencing rule, controlled shutdown, session-timeout fencing,
//! UnregisterBroker and ControllerRegistration. Where a real Kafka controller wrote the
//! same transition into a fixture log, the records must match it.

mod controller_support;

use controller_support::*;
use kafka_protocol::messages::controller_registration_request::Listener as ControllerListener;
use kafka_protocol::messages::{BrokerId, ControllerRegistrationRequest, UnregisterBrokerRequest};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt::controller::brokers::heartbeat::BrokerControlState;
use yakt_wire::{MetadataRecord, PartitionChangeRecord, Uuid};

const TOPIC: Uuid = Uuid::new(0xAB, 0xCD);

fn code(error: ResponseError) -> i16 {
    error.code()
}

#[test]
fn a_new_broker_is_registered_fenced_with_the_next_offset_as_epoch() {
    for (mv, version, has_dirs) in [(16, 2, false), (25, 3, true), (30, 4, true)] {
        let mut h = Harness::new(mv, false);
        let request = registration(2, Uuid::new(9, 2), &[dir_of(2)]);
        let result = h.controller.register_broker(&request, 4, 77, h.now_ms);
        assert_eq!(result.response.error_code, 0);
        assert_eq!(result.response.broker_epoch, 77);
        assert!(result.atomic);
        let [(MetadataRecord::RegisterBroker(record), record_version)] = result.records.as_slice()
        else {
            panic!("{:?}", result.records);
        };
        assert_eq!(*record_version, version, "metadata.version {mv}");
        assert_eq!(record.broker_epoch, 77);
        assert!(record.fenced);
        assert_eq!(record.log_dirs.is_empty(), !has_dirs);
        assert_eq!(record.end_points[0].port, 9094);
        assert_eq!(record.features.len(), 7);
    }
}

/// A setup-and-request that returns the response's error code.
type Case = Box<dyn Fn(&mut Harness) -> i16>;

#[test]
fn registration_errors_are_kafkas() {
    let other_dir = Uuid::new(0x77, 0x77);
    let cases: Vec<(&str, Case, ResponseError)> = vec![
        (
            "wrong cluster id",
            Box::new(|h| {
                let request = registration(2, Uuid::new(9, 2), &[dir_of(2)])
                    .with_cluster_id(StrBytes::from_static_str("other"));
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::InconsistentClusterId,
        ),
        (
            "no log dirs",
            Box::new(|h| {
                let request = registration(2, Uuid::new(9, 2), &[]);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::InvalidRegistration,
        ),
        (
            "reserved log dir",
            Box::new(|h| {
                let request = registration(2, Uuid::new(9, 2), &[Uuid::new(0, 5)]);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::InvalidRegistration,
        ),
        (
            "duplicate log dir",
            Box::new(|h| {
                let request = registration(2, Uuid::new(9, 2), &[dir_of(2), dir_of(2)]);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::InvalidRegistration,
        ),
        (
            "another broker's log dir",
            Box::new(move |h| {
                h.register(3, &[other_dir]);
                let request = registration(2, Uuid::new(9, 2), &[other_dir]);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::InvalidRegistration,
        ),
        (
            "metadata.version out of the broker's range",
            Box::new(|h| {
                let mut features = broker_features();
                features[0].max_supported_version = 20;
                let request =
                    registration(2, Uuid::new(9, 2), &[dir_of(2)]).with_features(features);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::UnsupportedVersion,
        ),
        (
            "a finalized feature the broker does not name",
            Box::new(|h| {
                h.replay(&[feature("group.version", 1)]);
                let features = broker_features()
                    .into_iter()
                    .filter(|f| f.name.as_str() != "group.version");
                let request = registration(2, Uuid::new(9, 2), &[dir_of(2)])
                    .with_features(features.collect());
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::UnsupportedVersion,
        ),
        (
            "kraft.version out of the broker's range",
            Box::new(|h| {
                h.controller.set_kraft_version(1);
                let mut features = broker_features();
                features[1].max_supported_version = 0;
                let request =
                    registration(2, Uuid::new(9, 2), &[dir_of(2)]).with_features(features);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::UnsupportedVersion,
        ),
        (
            "a ZooKeeper broker",
            Box::new(|h| {
                let request = registration(2, Uuid::new(9, 2), &[dir_of(2)])
                    .with_is_migrating_zk_broker(true);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::BrokerIdNotRegistered,
        ),
        (
            "another incarnation with a live session",
            Box::new(|h| {
                h.add_broker(2);
                let request = registration(2, Uuid::new(8, 8), &[dir_of(2)]);
                h.controller
                    .register_broker(&request, 4, h.next_offset, h.now_ms)
                    .response
                    .error_code
            }),
            ResponseError::DuplicateBrokerRegistration,
        ),
    ];
    for (name, case, expected) in cases {
        let mut h = Harness::new(25, false);
        assert_eq!(case(&mut h), code(expected), "{name}");
    }
}

#[test]
fn the_same_incarnation_keeps_its_epoch_and_a_new_one_gets_a_new_epoch() {
    let mut h = Harness::new(25, false);
    let epoch = h.add_broker(2);
    let again = registration(2, Uuid::new(9, 2), &[dir_of(2)]);
    let result = h.controller.register_broker(&again, 4, 500, h.now_ms);
    assert_eq!(result.response.broker_epoch, epoch);
    let MetadataRecord::RegisterBroker(record) = &result.records[0].0 else {
        panic!()
    };
    assert!(!record.fenced, "an amended registration keeps its state");

    // Silent past the session timeout, another incarnation may take the id.
    h.now_ms += 9_001;
    let other = registration(2, Uuid::new(8, 8), &[dir_of(2)]);
    let result = h.controller.register_broker(&other, 4, 600, h.now_ms);
    assert_eq!(result.response.error_code, 0);
    assert_eq!(result.response.broker_epoch, 600);
}

#[test]
fn heartbeats_with_a_wrong_epoch_are_stale() {
    let mut h = Harness::new(25, false);
    let epoch = h.register(2, &[dir_of(2)]);
    for request in [
        heartbeat(2, epoch + 1, 0, false, false),
        heartbeat(5, epoch, 0, false, false),
    ] {
        let result = h.controller.broker_heartbeat(&request, h.now_ms);
        assert_eq!(
            result.response.0.error_code,
            code(ResponseError::StaleBrokerEpoch)
        );
        assert!(result.records.is_empty());
    }
}

/// The cordoned-directory change a heartbeat wrote, if any (KIP-1066).
fn cordoned_change(records: &[(MetadataRecord, i16)]) -> Option<(Vec<Uuid>, i16)> {
    records.iter().find_map(|(record, version)| match record {
        MetadataRecord::BrokerRegistrationChange(change) => change
            .cordoned_log_dirs
            .clone()
            .map(|dirs| (dirs, *version)),
        _ => None,
    })
}

#[test]
fn heartbeats_record_cordoned_log_dirs_from_metadata_version_4_3() {
    // A Kafka 4.3 broker at metadata.version 4.3-IV0 sends BrokerHeartbeat v2 with its
    // cordoned directories ([] when none) once it has recovered; null means no report.
    let with = |request: kafka_protocol::messages::BrokerHeartbeatRequest,
                dirs: Option<&[Uuid]>| {
        request.with_cordoned_log_dirs(dirs.map(|d| d.iter().map(|u| (*u).into()).collect()))
    };
    let mut h = Harness::new(30, false);
    let epoch = h.add_broker(2);
    let beat = |h: &mut Harness, dirs: Option<&[Uuid]>| {
        let request = with(heartbeat(2, epoch, h.next_offset, false, false), dirs);
        let result = h.controller.broker_heartbeat(&request, h.now_ms);
        assert_eq!(result.response.0.error_code, 0);
        assert!(!result.response.0.is_fenced);
        let change = cordoned_change(&result.records);
        h.commit(result);
        change
    };
    assert_eq!(beat(&mut h, None), None, "null is no report");
    // The registration holds no cordoned directories yet: even [] is recorded, once.
    assert_eq!(beat(&mut h, Some(&[])), Some((vec![], 3)));
    assert_eq!(beat(&mut h, Some(&[])), None);
    assert_eq!(beat(&mut h, Some(&[dir_of(2)])), Some((vec![dir_of(2)], 3)));
    assert_eq!(beat(&mut h, Some(&[dir_of(2)])), None);
    assert_eq!(
        h.controller
            .image()
            .cluster
            .broker(2)
            .unwrap()
            .cordoned_directories,
        Some(vec![dir_of(2)])
    );
    assert_eq!(beat(&mut h, None), None, "null keeps what was reported");

    // Before 4.3-IV0 the field is ignored.
    let mut h = Harness::new(27, false);
    let epoch = h.add_broker(2);
    let request = with(heartbeat(2, epoch, h.next_offset, false, false), Some(&[]));
    let result = h.controller.broker_heartbeat(&request, h.now_ms);
    assert_eq!(cordoned_change(&result.records), None);
}

#[test]
fn a_broker_is_unfenced_once_caught_up_to_its_registration() {
    let mut h = Harness::new(25, false);
    let epoch = h.register(2, &[dir_of(2)]);
    let registration_offset = h.next_offset - 1;
    // (want_fence, offset) -> (still fenced, caught up)
    let cases = [
        (true, registration_offset, true, true),
        (false, -1, true, false),
        (false, registration_offset - 1, true, false),
        (false, registration_offset, false, true),
    ];
    for (want_fence, offset, fenced, caught_up) in cases {
        let result = h
            .controller
            .broker_heartbeat(&heartbeat(2, epoch, offset, want_fence, false), h.now_ms);
        let (response, outcome) = &result.response;
        assert_eq!(response.error_code, 0);
        assert_eq!(response.is_fenced, fenced, "{want_fence} {offset}");
        assert_eq!(response.is_caught_up, caught_up, "{want_fence} {offset}");
        assert_eq!(result.records.is_empty(), fenced);
        if !fenced {
            assert_eq!(outcome.unwrap().next, BrokerControlState::Unfenced);
            let MetadataRecord::BrokerRegistrationChange(change) = &result.records[0].0 else {
                panic!()
            };
            assert_eq!(
                (change.broker_id, change.broker_epoch, change.fenced),
                (2, epoch, -1)
            );
            assert_eq!(result.records[0].1, 0);
            h.commit(result);
        }
    }
    assert!(!h.controller.image().cluster.broker(2).unwrap().fenced);
}

#[test]
fn unfencing_elects_leaders_for_leaderless_partitions() {
    let mut h = Harness::new(25, false);
    h.add_broker(2);
    let epoch3 = h.register(3, &[dir_of(3)]);
    h.add_topic("t", TOPIC, &[(&[3, 2], &[3], -1), (&[2, 3], &[2], 2)]);
    let result = h
        .controller
        .broker_heartbeat(&heartbeat(3, epoch3, h.next_offset, false, false), h.now_ms);
    let changes: Vec<&PartitionChangeRecord> = result
        .records
        .iter()
        .filter_map(|(r, _)| match r {
            MetadataRecord::PartitionChange(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].partition_id, changes[0].leader), (0, 3));
    h.commit(result);
    let partition = h.controller.image().topics.partition(TOPIC, 0).unwrap();
    assert_eq!((partition.leader, partition.leader_epoch), (3, 1));
}

#[test]
fn controlled_shutdown_moves_leaders_then_lets_the_broker_go() {
    let mut h = Harness::new(25, false);
    let epoch2 = h.add_broker(2);
    let epoch3 = h.add_broker(3);
    h.add_topic("t", TOPIC, &[(&[2, 3], &[2, 3], 2)]);
    let request = heartbeat(2, epoch2, h.next_offset, false, true);
    let result = h.controller.broker_heartbeat(&request, h.now_ms);
    let (response, outcome) = result.response.clone();
    assert_eq!(
        outcome.unwrap().next,
        BrokerControlState::ControlledShutdown
    );
    assert!(!response.should_shut_down && !response.is_fenced);
    let MetadataRecord::BrokerRegistrationChange(change) = &result.records[0].0 else {
        panic!()
    };
    assert_eq!((change.in_controlled_shutdown, result.records[0].1), (1, 1));
    let MetadataRecord::PartitionChange(moved) = &result.records[1].0 else {
        panic!()
    };
    assert_eq!((moved.leader, moved.isr.clone()), (3, Some(vec![3])));
    h.commit(result);
    h.controller
        .controlled_shutdown_written(2, h.next_offset - 1);

    // Broker 3 has not yet seen the shutdown offset: broker 2 must wait.
    let stale_view = heartbeat(3, epoch3, h.next_offset - 3, false, false);
    let result = h.controller.broker_heartbeat(&stale_view, h.now_ms);
    h.commit(result);
    let result = h.controller.broker_heartbeat(&request, h.now_ms);
    assert!(!result.response.0.should_shut_down);
    let caught_up = heartbeat(3, epoch3, h.next_offset, false, false);
    let result = h.controller.broker_heartbeat(&caught_up, h.now_ms);
    h.commit(result);
    let result = h.controller.broker_heartbeat(&request, h.now_ms);
    assert!(result.response.0.should_shut_down && result.response.0.is_fenced);
    h.commit(result);
    assert!(h.controller.image().cluster.broker(2).unwrap().fenced);
}

#[test]
fn a_silent_broker_is_fenced_after_the_session_timeout() {
    let mut h = Harness::new(25, false);
    h.add_broker(2);
    let epoch3 = h.add_broker(3);
    h.add_topic("t", TOPIC, &[(&[2, 3], &[2, 3], 2)]);
    h.now_ms += 5_000;
    let result = h
        .controller
        .broker_heartbeat(&heartbeat(3, epoch3, h.next_offset, false, false), h.now_ms);
    h.commit(result);
    h.now_ms += 4_001;
    assert!(
        h.controller.fence_stale_broker(h.now_ms - 2).is_none(),
        "not yet"
    );
    let result = h.controller.fence_stale_broker(h.now_ms).unwrap();
    assert_eq!(result.response, 2);
    assert!(
        h.controller.fence_stale_broker(h.now_ms).is_none(),
        "once until committed"
    );
    h.commit(result);
    let partition = h.controller.image().topics.partition(TOPIC, 0).unwrap();
    assert_eq!((partition.leader, partition.isr.clone()), (3, vec![3]));
    assert!(h.controller.image().cluster.broker(2).unwrap().fenced);
}

#[test]
fn unregistering_removes_the_broker_from_isrs() {
    let mut h = Harness::new(25, false);
    h.add_broker(2);
    h.add_broker(3);
    h.add_topic("t", TOPIC, &[(&[2, 3], &[2, 3], 2)]);
    let result = h
        .controller
        .unregister_broker(&UnregisterBrokerRequest::default().with_broker_id(BrokerId(2)));
    assert_eq!(result.response.error_code, 0);
    h.commit(result);
    assert!(h.controller.image().cluster.broker(2).is_none());
    assert_eq!(
        h.controller.image().topics.partition(TOPIC, 0).unwrap().isr,
        [3]
    );
    let again = h
        .controller
        .unregister_broker(&UnregisterBrokerRequest::default().with_broker_id(BrokerId(2)));
    assert_eq!(
        again.response.error_code,
        code(ResponseError::BrokerIdNotRegistered)
    );
}

#[test]
fn controllers_register_from_metadata_version_3_7() {
    let request = ControllerRegistrationRequest::default()
        .with_controller_id(1)
        .with_incarnation_id(Uuid::new(3, 3).into())
        .with_listeners(vec![ControllerListener::default()
            .with_name(StrBytes::from_static_str("CONTROLLER"))
            .with_host(StrBytes::from_static_str("localhost"))
            .with_port(9093)]);
    let old = Harness::new(14, false);
    let result = old.controller.register_controller(&request);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::UnsupportedVersion)
    );
    let mut h = Harness::new(25, false);
    let result = h.controller.register_controller(&request);
    assert_eq!(result.response.error_code, 0);
    h.commit(result);
    let controller = &h.controller.image().cluster.controllers()[&1];
    assert_eq!(controller.listeners[0].port, 9093);
}

/// Sorts partition changes by topic and partition, other records keep their place.
fn by_partition(records: Vec<MetadataRecord>) -> (Vec<MetadataRecord>, Vec<PartitionChangeRecord>) {
    let (mut changes, mut others) = (Vec::new(), Vec::new());
    for record in records {
        match record {
            MetadataRecord::PartitionChange(c) => changes.push(c),
            other => others.push(other),
        }
    }
    changes.sort_by_key(|c| (c.topic_id, c.partition_id));
    (others, changes)
}

/// A controlled shutdown recomputed from a Kafka log matches what Kafka wrote.
fn check_kafka_controlled_shutdown(version: &str, broker: i32, epoch: i64, from: i64, to: i64) {
    let mut h = fixture_controller(version, from);
    let request = heartbeat(broker, epoch, from, false, true);
    let result = h.controller.broker_heartbeat(&request, h.now_ms);
    assert_eq!(
        result.response.1.unwrap().next,
        BrokerControlState::ControlledShutdown
    );
    let ours = by_partition(result.records.into_iter().map(|(r, _)| r).collect());
    let kafkas = by_partition(fixture_records(version, from, to));
    assert_eq!(ours, kafkas, "Kafka {version} offsets {from}..{to}");
}

#[test]
fn controlled_shutdown_matches_kafka_4_3_1_with_elr() {
    check_kafka_controlled_shutdown("4.3.1", 3, 29, 217, 226);
    check_kafka_controlled_shutdown("4.3.1", 2, 30, 233, 241);
}

#[test]
fn controlled_shutdown_matches_kafka_4_0_2() {
    check_kafka_controlled_shutdown("4.0.2", 3, 29, 237, 246);
    check_kafka_controlled_shutdown("4.0.2", 2, 27, 253, 261);
}

/// The fixture's record at `offset`.
fn fixture_record(version: &str, offset: i64) -> MetadataRecord {
    fixture_records(version, offset, offset + 1).pop().unwrap()
}

/// A registration rebuilt from the RegisterBrokerRecord Kafka wrote writes that record.
fn check_kafka_registration(version: &str, offset: i64) {
    use kafka_protocol::messages::broker_registration_request::{Feature, Listener};
    let MetadataRecord::RegisterBroker(kafka) = fixture_record(version, offset) else {
        panic!()
    };
    let mut h = fixture_controller(version, offset);
    let request = registration(kafka.broker_id, kafka.incarnation_id, &kafka.log_dirs)
        .with_listeners(
            kafka
                .end_points
                .iter()
                .map(|e| {
                    Listener::default()
                        .with_name(StrBytes::from_string(e.name.clone()))
                        .with_host(StrBytes::from_string(e.host.clone()))
                        .with_port(e.port)
                        .with_security_protocol(e.security_protocol)
                })
                .collect(),
        )
        .with_features(
            kafka
                .features
                .iter()
                .map(|f| {
                    Feature::default()
                        .with_name(StrBytes::from_string(f.name.clone()))
                        .with_min_supported_version(f.min_supported_version)
                        .with_max_supported_version(f.max_supported_version)
                })
                .collect(),
        )
        .with_rack(None);
    let result = h.controller.register_broker(&request, 4, offset, h.now_ms);
    assert_eq!(result.response.broker_epoch, offset);
    let ours: Vec<MetadataRecord> = result.records.into_iter().map(|(r, _)| r).collect();
    assert_eq!(
        ours,
        vec![MetadataRecord::RegisterBroker(kafka)],
        "Kafka {version} offset {offset}"
    );
    h.next_offset = offset;
}

#[test]
fn registration_writes_what_kafka_wrote() {
    check_kafka_registration("4.3.1", 29);
    check_kafka_registration("4.3.1", 30);
    check_kafka_registration("4.0.2", 27);
    check_kafka_registration("4.0.2", 29);
}

#[test]
fn unfencing_writes_what_kafka_4_0_2_wrote() {
    let mut h = fixture_controller("4.0.2", 32);
    let result = h
        .controller
        .broker_heartbeat(&heartbeat(3, 29, 31, false, false), h.now_ms);
    assert!(!result.response.0.is_fenced);
    let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
    assert_eq!(ours, fixture_records("4.0.2", 32, 33));
    h.commit(result);
}

/// After its controlled shutdown, a broker is told to shut down once the others have seen
/// it, and is fenced as Kafka fenced it.
fn check_kafka_shutdown(
    version: &str,
    broker: i32,
    epoch: i64,
    offset: i64,
    other: Option<(i32, i64)>,
) {
    let mut h = fixture_controller(version, offset);
    if let Some((other, other_epoch)) = other {
        let seen = heartbeat(other, other_epoch, offset - 1, false, false);
        let result = h.controller.broker_heartbeat(&seen, h.now_ms);
        assert!(result.records.is_empty());
    }
    let result = h
        .controller
        .broker_heartbeat(&heartbeat(broker, epoch, offset - 1, false, true), h.now_ms);
    assert!(
        result.response.0.should_shut_down,
        "Kafka {version} offset {offset}"
    );
    let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
    assert_eq!(
        ours,
        vec![fixture_record(version, offset)],
        "Kafka {version} offset {offset}"
    );
}

#[test]
fn shutting_down_fences_as_kafka_did() {
    check_kafka_shutdown("4.3.1", 3, 29, 231, Some((2, 30)));
    check_kafka_shutdown("4.3.1", 2, 30, 241, None);
    check_kafka_shutdown("4.0.2", 3, 29, 250, Some((2, 27)));
    check_kafka_shutdown("4.0.2", 2, 27, 261, None);
}
