//! The replay path on its own: metadata transactions take effect at their end and vanish on
//! abort, offsets only grow, and a committed record that contradicts the image is a typed,
//! fatal error naming the offset and the record.

use yakt::controller::{Inconsistency, Replayer};
use yakt_wire::{
    AbortTransactionRecord, BeginTransactionRecord, BrokerRegistrationChangeRecord,
    EndTransactionRecord, FeatureLevelRecord, MetadataRecord, PartitionChangeRecord,
    PartitionRecord, ProducerIdsRecord, RegisterBrokerRecord, RemoveTopicRecord, TopicRecord,
    UnregisterBrokerRecord, Uuid,
};

const TOPIC_ID: Uuid = Uuid::new(7, 7);

fn mv(level: i16) -> MetadataRecord {
    FeatureLevelRecord {
        name: "metadata.version".into(),
        feature_level: level,
        ..Default::default()
    }
    .into()
}

fn topic(name: &str, id: Uuid) -> MetadataRecord {
    TopicRecord {
        name: name.into(),
        topic_id: id,
        ..Default::default()
    }
    .into()
}

fn partition(topic_id: Uuid, partition_id: i32) -> MetadataRecord {
    PartitionRecord {
        partition_id,
        topic_id,
        replicas: vec![1, 2],
        isr: vec![1, 2],
        leader: 1,
        leader_epoch: 0,
        partition_epoch: 0,
        ..Default::default()
    }
    .into()
}

fn broker(id: i32, epoch: i64, dirs: Vec<Uuid>) -> MetadataRecord {
    RegisterBrokerRecord {
        broker_id: id,
        broker_epoch: epoch,
        incarnation_id: Uuid::new(1, id as u64),
        log_dirs: dirs,
        fenced: true,
        ..Default::default()
    }
    .into()
}

fn replay_all(records: &[MetadataRecord]) -> Replayer {
    let mut replayer = Replayer::new();
    for (offset, record) in records.iter().enumerate() {
        replayer.replay(record, offset as i64).unwrap();
    }
    replayer
}

#[test]
fn a_transaction_takes_effect_at_its_end() {
    let mut replayer = replay_all(&[mv(25)]);
    replayer
        .replay(&BeginTransactionRecord::default().into(), 1)
        .unwrap();
    replayer.replay(&topic("t", TOPIC_ID), 2).unwrap();
    replayer.replay(&partition(TOPIC_ID, 0), 3).unwrap();
    assert!(replayer.image().topics.topic_named("t").is_none());
    assert_eq!(replayer.transaction_start_offset(), Some(1));
    assert_eq!(replayer.last_committed_offset(), 0);
    assert_eq!(replayer.last_applied_offset(), 3);

    replayer
        .replay(&EndTransactionRecord::default().into(), 4)
        .unwrap();
    assert_eq!(
        replayer
            .image()
            .topics
            .topic_named("t")
            .unwrap()
            .partitions
            .len(),
        1
    );
    assert_eq!(replayer.last_committed_offset(), 4);
    assert_eq!(replayer.transaction_start_offset(), None);
}

#[test]
fn an_aborted_transaction_leaves_no_trace() {
    let mut replayer = replay_all(&[mv(25)]);
    let before = replayer.image().clone();
    replayer
        .replay(&BeginTransactionRecord::default().into(), 1)
        .unwrap();
    replayer.replay(&topic("t", TOPIC_ID), 2).unwrap();
    replayer
        .replay(&AbortTransactionRecord::default().into(), 3)
        .unwrap();
    assert_eq!(replayer.image(), &before);
    assert_eq!(replayer.last_committed_offset(), 3);
    // The name is free again.
    replayer.replay(&topic("t", TOPIC_ID), 4).unwrap();
}

#[test]
fn records_inside_a_transaction_are_checked_as_they_come() {
    let mut replayer = replay_all(&[mv(25), BeginTransactionRecord::default().into()]);
    let error = replayer.replay(&partition(TOPIC_ID, 0), 2).unwrap_err();
    assert_eq!(error.offset, 2);
    assert_eq!(error.record, "PartitionRecord");
    assert_eq!(
        error.inconsistency,
        Inconsistency::UnknownTopicId { topic_id: TOPIC_ID }
    );
}

#[test]
fn transaction_markers_must_pair() {
    let mut replayer = replay_all(&[BeginTransactionRecord::default().into()]);
    let nested = replayer.replay(&BeginTransactionRecord::default().into(), 1);
    assert_eq!(
        nested.unwrap_err().inconsistency,
        Inconsistency::NestedTransaction { start_offset: 0 }
    );
    let mut replayer = Replayer::new();
    for record in [
        MetadataRecord::from(EndTransactionRecord::default()),
        AbortTransactionRecord::default().into(),
    ] {
        let error = replayer.replay(&record, 0).unwrap_err();
        assert_eq!(error.inconsistency, Inconsistency::NoOpenTransaction);
    }
}

#[test]
fn offsets_only_grow() {
    let mut replayer = replay_all(&[mv(25)]);
    let error = replayer.replay(&mv(25), 0).unwrap_err();
    assert_eq!(
        error.inconsistency,
        Inconsistency::OffsetNotIncreasing {
            last_applied_offset: 0
        }
    );
}

/// Each case: records replayed from offset 0, then the record that must fail, and why.
#[test]
fn inconsistent_records_are_fatal() {
    let dir = Uuid::new(5, 500);
    let other_dir = Uuid::new(5, 501);
    let cases: Vec<(Vec<MetadataRecord>, MetadataRecord, Inconsistency)> = vec![
        (
            vec![],
            partition(TOPIC_ID, 0),
            Inconsistency::UnknownTopicId { topic_id: TOPIC_ID },
        ),
        (
            vec![topic("t", TOPIC_ID)],
            topic("t", Uuid::new(8, 8)),
            Inconsistency::DuplicateTopicName { name: "t".into() },
        ),
        (
            vec![topic("t", TOPIC_ID)],
            PartitionChangeRecord {
                topic_id: TOPIC_ID,
                partition_id: 3,
                ..Default::default()
            }
            .into(),
            Inconsistency::UnknownPartition {
                topic_id: TOPIC_ID,
                partition_id: 3,
            },
        ),
        (
            vec![],
            RemoveTopicRecord {
                topic_id: TOPIC_ID,
                ..Default::default()
            }
            .into(),
            Inconsistency::UnknownTopicId { topic_id: TOPIC_ID },
        ),
        (
            vec![topic("t", TOPIC_ID)],
            PartitionRecord {
                topic_id: TOPIC_ID,
                partition_id: 0,
                replicas: vec![1, 2],
                directories: vec![dir],
                ..Default::default()
            }
            .into(),
            Inconsistency::DirectoriesMismatch {
                replicas: 2,
                directories: 1,
            },
        ),
        (
            vec![broker(1, 10, vec![])],
            BrokerRegistrationChangeRecord {
                broker_id: 1,
                broker_epoch: 11,
                fenced: -1,
                ..Default::default()
            }
            .into(),
            Inconsistency::BrokerEpochMismatch {
                broker_id: 1,
                registered_epoch: 10,
                record_epoch: 11,
            },
        ),
        (
            vec![broker(1, 10, vec![])],
            BrokerRegistrationChangeRecord {
                broker_id: 1,
                broker_epoch: 10,
                fenced: 2,
                ..Default::default()
            }
            .into(),
            Inconsistency::InvalidFencingChange { value: 2 },
        ),
        (
            vec![],
            UnregisterBrokerRecord {
                broker_id: 4,
                broker_epoch: 1,
                ..Default::default()
            }
            .into(),
            Inconsistency::UnknownBroker { broker_id: 4 },
        ),
        (
            vec![broker(1, 10, vec![dir, other_dir])],
            broker(2, 11, vec![dir]),
            Inconsistency::DirectoryOwnedByOtherBroker {
                directory: dir,
                owner: 1,
            },
        ),
        (
            vec![],
            mv(3),
            Inconsistency::UnknownMetadataVersion { level: 3 },
        ),
        (
            vec![ProducerIdsRecord {
                next_producer_id: 2000,
                ..Default::default()
            }
            .into()],
            ProducerIdsRecord {
                next_producer_id: 1000,
                ..Default::default()
            }
            .into(),
            Inconsistency::ProducerIdNotIncreasing {
                current: 2000,
                next: 1000,
            },
        ),
    ];
    for (setup, record, expected) in cases {
        let mut replayer = replay_all(&setup);
        let error = replayer.replay(&record, setup.len() as i64).unwrap_err();
        assert_eq!(error.inconsistency, expected, "{record:?}");
        assert_eq!(error.offset, setup.len() as i64);
        assert_eq!(error.record, record.name());
    }
}

#[test]
fn a_broker_keeps_the_offset_of_its_registration() {
    let replayer = replay_all(&[mv(25), broker(1, 1, vec![Uuid::new(5, 500)])]);
    assert_eq!(replayer.image().cluster.registration_offset(1), Some(1));
    let mut reloaded = Replayer::new();
    let records = replayer.image().to_records();
    reloaded
        .load_snapshot(records.iter().map(|(r, _)| r), 41)
        .unwrap();
    assert_eq!(reloaded.image(), replayer.image());
    assert_eq!(reloaded.image().cluster.registration_offset(1), Some(41));
}

#[test]
fn a_deleted_topic_takes_its_configs() {
    let config = yakt_wire::ConfigRecord {
        resource_type: 2,
        resource_name: "t".into(),
        name: "retention.ms".into(),
        value: Some("1".into()),
        ..Default::default()
    };
    let replayer = replay_all(&[
        topic("t", TOPIC_ID),
        config.into(),
        RemoveTopicRecord {
            topic_id: TOPIC_ID,
            ..Default::default()
        }
        .into(),
    ]);
    assert!(replayer.image().configs.resources().is_empty());
    assert!(replayer.image().topics.by_id().is_empty());
}

mod active {
    use yakt::controller::{Controller, ControllerSettings};
    use yakt_wire::{MetadataRecord, TopicRecord, Uuid};

    fn topic(name: &str, id: u64) -> (MetadataRecord, i16) {
        let record = TopicRecord {
            name: name.into(),
            topic_id: Uuid::new(id, id),
            ..Default::default()
        };
        (record.into(), 0)
    }

    #[test]
    fn the_active_controller_computes_against_what_it_appended() {
        let mut controller = Controller::new(ControllerSettings::new(1, "c"), 1);
        controller.activate(0);
        controller.apply_appended(&[topic("a", 1)], 0).unwrap();
        assert!(controller.image().topics.topic_named("a").is_some());
        assert!(controller
            .committed()
            .image()
            .topics
            .topic_named("a")
            .is_none());
        controller.replay(&topic("a", 1).0, 0).unwrap();
        assert_eq!(controller.image(), controller.committed().image());
    }

    #[test]
    fn renouncing_forgets_what_was_not_committed() {
        let mut controller = Controller::new(ControllerSettings::new(1, "c"), 1);
        controller.activate(0);
        controller
            .apply_appended(&[topic("a", 1), topic("b", 2)], 0)
            .unwrap();
        controller.replay(&topic("a", 1).0, 0).unwrap();
        controller.renounce();
        assert!(!controller.is_active());
        assert!(controller.image().topics.topic_named("a").is_some());
        assert!(controller.image().topics.topic_named("b").is_none());
        // As a standby it replays what the new leader commits.
        controller.replay(&topic("c", 3).0, 1).unwrap();
        assert!(controller.image().topics.topic_named("c").is_some());
    }
}
