//! The metadata image against logs and snapshots written by real Kafka controllers
//! (`wire/tests/fixtures/kafka-4.3.1` and `kafka-4.0.2`, see their README): every record
//! replays, the image holds what the capture put in with Kafka's tools, the image at each of
//! Kafka's snapshot offsets equals the image Kafka's own snapshot gives, and an image written
//! as snapshot records replays into an equal image.

use yakt::controller::image::configs::resource_type::{BROKER, TOPIC};
use yakt::controller::{MetadataImage, Replayer};
use yakt_log::snapshot::{list_snapshots, read_snapshot_file, SnapshotId};
use yakt_log::RealFs;
use yakt_wire::{decode_frame, encode_frame, MetadataRecord};

mod controller_support;

use controller_support::{fixture, fixture_log as log_records};

/// The snapshots of the fixture, oldest first.
fn snapshot_ids(version: &str) -> Vec<SnapshotId> {
    let dir = fixture(version).join("__cluster_metadata-0");
    let mut ids = list_snapshots(&RealFs, &dir).unwrap();
    ids.sort_by_key(|id| id.end_offset);
    ids
}

fn snapshot_records(version: &str, id: SnapshotId) -> Vec<MetadataRecord> {
    let dir = fixture(version).join("__cluster_metadata-0");
    let file = read_snapshot_file(&RealFs, &dir.join(id.file_name(".checkpoint"))).unwrap();
    file.records
        .iter()
        .map(|value| decode_frame(value).unwrap().0)
        .collect()
}

/// The image of the log's records below `end_offset`.
fn replay_log(version: &str, end_offset: i64) -> Replayer {
    let mut replayer = Replayer::new();
    for (offset, record) in log_records(version) {
        if offset < end_offset {
            replayer.replay_log_record(&record, offset).unwrap();
        }
    }
    replayer
}

fn image_of(records: &[(MetadataRecord, i16)]) -> MetadataImage {
    let mut replayer = Replayer::new();
    replayer
        .load_snapshot(records.iter().map(|(r, _)| r), 0)
        .unwrap();
    replayer.image().clone()
}

fn assert_captured_metadata(image: &MetadataImage, mv: i16) {
    assert_eq!(image.features.metadata_version_level(), Some(mv));
    let topics = &image.topics;
    let partition_counts: Vec<(&str, usize)> = topics
        .by_id()
        .values()
        .map(|t| (t.name.as_str(), t.partitions.len()))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    assert_eq!(
        partition_counts,
        [("__consumer_offsets", 3), ("alpha", 3), ("beta", 2)]
    );
    assert!(topics.topic_named("doomed").is_none());
    let beta = topics.topic_named("beta").unwrap();
    assert_eq!(beta.partitions[&0].replicas, [3]);
    assert_eq!(beta.partitions[&1].replicas, [2, 3]);
    assert!(!beta.partitions[&0].is_reassigning());

    let configs = &image.configs;
    assert_eq!(
        configs.get(TOPIC, "alpha", "cleanup.policy"),
        Some("compact")
    );
    assert_eq!(
        configs.get(TOPIC, "alpha", "min.insync.replicas"),
        Some("2")
    );
    assert_eq!(configs.get(TOPIC, "beta", "retention.ms"), Some("3600000"));
    assert_eq!(
        configs.get(TOPIC, "beta", "max.message.bytes"),
        Some("2000000")
    );
    assert_eq!(configs.get(BROKER, "2", "log.cleaner.threads"), Some("2"));
    assert_eq!(
        configs.get(BROKER, "", "log.retention.ms"),
        Some("86400000")
    );
    assert_eq!(configs.resource(BROKER, "3"), None);
    assert_eq!(configs.resource(TOPIC, "doomed"), None);

    let quotas = image.client_quotas.quotas();
    assert_eq!(quotas.len(), 3, "{quotas:?}");
    let alice = [("user".to_owned(), Some("alice".to_owned()))].into();
    assert_eq!(quotas[&alice].len(), 2);
    let default_user = [("user".to_owned(), None)].into();
    assert_eq!(quotas[&default_user]["producer_byte_rate"], 4096.0);

    let scram: Vec<(&str, i8)> = image
        .scram
        .credentials()
        .keys()
        .map(|(name, mechanism)| (name.as_str(), *mechanism))
        .collect();
    assert_eq!(scram, [("alice", 1), ("bob", 1)]);
    assert_eq!(image.acls.acls().len(), 4);
    assert_eq!(image.producer_ids.next_producer_id(), 1000);
    assert_eq!(
        image.cluster.brokers().keys().copied().collect::<Vec<_>>(),
        [2, 3]
    );
    assert_eq!(
        image
            .cluster
            .controllers()
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [1]
    );
}

fn check_fixture(version: &str, mv: i16) {
    let replayer = replay_log(version, i64::MAX);
    assert_eq!(replayer.transaction_start_offset(), None);
    assert_captured_metadata(replayer.image(), mv);
    let last = log_records(version).last().unwrap().0;
    assert_eq!(replayer.last_committed_offset(), last);
    // The session ended with both brokers shut down.
    for broker in replayer.image().cluster.brokers().values() {
        assert!(broker.fenced && broker.in_controlled_shutdown, "{broker:?}");
    }
}

#[test]
fn kafka_4_3_1_log_loads_whole() {
    check_fixture("4.3.1", 30);
}

#[test]
fn kafka_4_0_2_log_loads_whole() {
    check_fixture("4.0.2", 25);
}

fn check_snapshots(version: &str) {
    let ids = snapshot_ids(version);
    assert!(ids.len() >= 2, "{ids:?}");
    for id in ids {
        let from_log = replay_log(version, id.end_offset);
        let records = snapshot_records(version, id);
        let mut from_snapshot = Replayer::new();
        from_snapshot
            .load_snapshot(&records, id.end_offset - 1)
            .unwrap();
        assert_eq!(from_log.image(), from_snapshot.image(), "snapshot {id:?}");
        assert_eq!(from_snapshot.last_committed_offset(), id.end_offset - 1);
    }
    let latest = *snapshot_ids(version).last().unwrap();
    let mut image = Replayer::new();
    image
        .load_snapshot(&snapshot_records(version, latest), latest.end_offset - 1)
        .unwrap();
    assert_captured_metadata_at_snapshot(image.image());
}

/// By the latest snapshot the capture had made every change but the shutdown.
fn assert_captured_metadata_at_snapshot(image: &MetadataImage) {
    assert!(image.topics.topic_named("alpha").is_some());
    assert!(image.topics.topic_named("doomed").is_none());
    assert_eq!(image.scram.credentials().len(), 2);
}

#[test]
fn kafka_4_3_1_snapshots_equal_the_log_at_their_offsets() {
    check_snapshots("4.3.1");
}

#[test]
fn kafka_4_0_2_snapshots_equal_the_log_at_their_offsets() {
    check_snapshots("4.0.2");
}

fn check_round_trip(version: &str) {
    let replayer = replay_log(version, i64::MAX);
    let records = replayer.image().to_records();
    for (record, version) in &records {
        let frame = encode_frame(record, *version).unwrap();
        assert_eq!(&decode_frame(&frame).unwrap(), &(record.clone(), *version));
    }
    assert_eq!(&image_of(&records), replayer.image());
    assert!(
        matches!(records[0].0, MetadataRecord::FeatureLevel(ref f) if f.name == "metadata.version")
    );
}

#[test]
fn images_round_trip_through_snapshot_records() {
    check_round_trip("4.3.1");
    check_round_trip("4.0.2");
}

#[test]
fn snapshot_records_come_in_kafkas_order() {
    let replayer = replay_log("4.3.1", i64::MAX);
    let order: Vec<i16> = replayer
        .image()
        .to_records()
        .iter()
        .map(|(r, _)| r.api_key())
        .collect();
    let rank = |key: i16| match key {
        12 => 0,     // FeatureLevel
        0 | 27 => 1, // RegisterBroker, RegisterController
        2 | 3 => 2,  // Topic, Partition
        4 => 3,      // Config
        14 => 4,     // ClientQuota
        15 => 5,     // ProducerIds
        18 => 6,     // AccessControlEntry
        11 => 7,     // UserScramCredential
        10 => 8,     // DelegationToken
        other => panic!("unexpected record type {other} in a snapshot"),
    };
    let ranks: Vec<i32> = order.iter().map(|key| rank(*key)).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
}

#[test]
fn a_snapshot_is_due_by_bytes_or_by_time() {
    use yakt::controller::snapshots::SnapshotPolicy;
    let mut policy = SnapshotPolicy::new(1000, 60_000);
    assert!(!policy.due(i64::MAX), "nothing new, nothing due");
    policy.on_commit(600, 10);
    assert!(!policy.due(20));
    assert_eq!(policy.deadline_ms(), Some(60_010));
    assert!(policy.due(60_010));
    policy.on_commit(400, 30);
    assert!(policy.due(31));
    policy.taken();
    assert!(!policy.due(i64::MAX));
}

#[test]
fn a_snapshot_written_from_the_image_loads_back_equal() {
    use yakt::controller::snapshots::snapshot_of;
    let replayer = replay_log("4.3.1", i64::MAX);
    let content = snapshot_of(&replayer).unwrap().unwrap();
    assert_eq!(content.end_offset, replayer.last_committed_offset() + 1);
    let records: Vec<MetadataRecord> = content
        .frames
        .iter()
        .map(|f| decode_frame(f).unwrap().0)
        .collect();
    let mut loaded = Replayer::new();
    loaded
        .load_snapshot(&records, content.end_offset - 1)
        .unwrap();
    assert_eq!(loaded.image(), replayer.image());
    let mut open = Replayer::new();
    open.replay(&yakt_wire::BeginTransactionRecord::default().into(), 0)
        .unwrap();
    assert_eq!(
        snapshot_of(&open).unwrap(),
        None,
        "never inside a transaction"
    );
}
