//! Activation as Kafka does it: an empty log gets `bootstrap.checkpoint`'s records in a
//! metadata transaction (with `min.insync.replicas` when ELR is on), exactly as the real
//! Kafka 4.3.1 and 4.0.2 controllers wrote them; a half-written transaction is aborted; an
//! idle active controller writes NoOpRecords on time.

mod controller_support;

use controller_support::*;
use yakt::controller::activation::{ActivationError, NoOpTimer};
use yakt::controller::{Controller, ControllerSettings};
use yakt_log::snapshot::read_bootstrap_checkpoint;
use yakt_log::RealFs;
use yakt_wire::{decode_frame, BeginTransactionRecord, MetadataRecord, TopicRecord, Uuid};

fn bootstrap_records(version: &str) -> Vec<MetadataRecord> {
    let file = read_bootstrap_checkpoint(&RealFs, &fixture(version))
        .unwrap()
        .unwrap();
    file.records
        .iter()
        .map(|v| decode_frame(v).unwrap().0)
        .collect()
}

fn check_bootstrap_like_kafka(version: &str, end: i64) {
    let controller = Controller::new(ControllerSettings::new(1, CLUSTER_ID), 1);
    let result = controller
        .activation_records(&bootstrap_records(version))
        .unwrap();
    let ours: Vec<MetadataRecord> = result.records.iter().map(|(r, _)| r.clone()).collect();
    assert_eq!(
        ours,
        fixture_records(version, 1, end + 1),
        "Kafka {version}"
    );
    assert!(result.records.iter().all(|(_, v)| *v == 0));
}

#[test]
fn an_empty_log_is_bootstrapped_as_kafka_4_3_1_does() {
    check_bootstrap_like_kafka("4.3.1", 9);
}

#[test]
fn an_empty_log_is_bootstrapped_as_kafka_4_0_2_does() {
    check_bootstrap_like_kafka("4.0.2", 5);
}

#[test]
fn bootstrapping_needs_a_metadata_version() {
    let controller = Controller::new(ControllerSettings::new(1, CLUSTER_ID), 1);
    let error = controller.activation_records(&[]).unwrap_err();
    assert_eq!(error, ActivationError::NoBootstrapMetadataVersion);
}

#[test]
fn before_transactions_the_bootstrap_is_one_atomic_batch() {
    let controller = Controller::new(ControllerSettings::new(1, CLUSTER_ID), 1);
    let result = controller
        .activation_records(&[feature("metadata.version", 12)])
        .unwrap();
    assert!(result.atomic);
    assert_eq!(result.records.len(), 1);
}

#[test]
fn a_log_with_records_needs_nothing_new() {
    let h = Harness::new(25, false);
    let result = h
        .controller
        .activation_records(&bootstrap_records("4.0.2"))
        .unwrap();
    assert!(result.records.is_empty());
}

#[test]
fn a_half_written_transaction_is_aborted_on_failover() {
    let mut h = Harness::new(25, false);
    h.replay(&[
        BeginTransactionRecord::default().into(),
        TopicRecord {
            name: "t".into(),
            topic_id: Uuid::new(1, 1),
            ..Default::default()
        }
        .into(),
    ]);
    let result = h.controller.activation_records(&[]).unwrap();
    let [(MetadataRecord::AbortTransaction(abort), 0)] = result.records.as_slice() else {
        panic!("{:?}", result.records);
    };
    assert_eq!(abort.reason.as_deref(), Some("Controller failover"));
    h.commit(result);
    assert!(h.controller.image().topics.topic_named("t").is_none());
    assert_eq!(h.controller.replayer().transaction_start_offset(), None);
}

#[test]
fn no_op_records_come_every_interval() {
    let mut timer = NoOpTimer::new(500, 1_000);
    assert_eq!(timer.deadline_ms(), Some(1_500));
    assert!(timer.poll(1_499).is_none());
    let result = timer.poll(1_500).unwrap();
    assert!(matches!(
        result.records.as_slice(),
        [(MetadataRecord::NoOp(_), 0)]
    ));
    assert_eq!(timer.deadline_ms(), Some(2_000));
    let mut never = NoOpTimer::new(0, 1_000);
    assert_eq!(never.deadline_ms(), None);
    assert!(never.poll(i64::MAX).is_none());
}

#[test]
fn a_snapshot_without_metadata_records_leaves_the_log_empty() {
    let bootstrap = bootstrap_records("4.3.1");
    let mut controller = Controller::new(ControllerSettings::new(1, CLUSTER_ID), 1);
    // A snapshot taken when only control records (leader changes, voters) had committed.
    controller.load_snapshot(&[], 4).unwrap();
    let result = controller.activation_records(&bootstrap).unwrap();
    assert!(
        matches!(
            result.records.first(),
            Some((MetadataRecord::BeginTransaction(_), _))
        ) && result.records.len() > bootstrap.len(),
        "the bootstrap transaction is still written: {:?}",
        result.records
    );

    let mut controller = Controller::new(ControllerSettings::new(1, CLUSTER_ID), 1);
    controller.load_snapshot(&bootstrap, 9).unwrap();
    let result = controller.activation_records(&bootstrap).unwrap();
    assert!(
        result.records.is_empty(),
        "a snapshot holding the bootstrap records is not bootstrapped again"
    );
}
