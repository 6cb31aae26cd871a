//! Files written by Kafka's own `kafka-storage format --standalone` (4.3.1 and 4.0.2, in
//! tests/data): yakt-log reads them, and writes the same bytes from the same inputs (batch
//! timestamps and CRCs aside, since those depend on the clock).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yakt_log::control::{self, VoterSpec};
use yakt_log::format::{self, FormatRequest};
use yakt_log::snapshot::{self, SnapshotId};
use yakt_log::state::MetaProperties;
use yakt_log::{FileSystem, MemFs, RealFs};
use yakt_wire::batch::BatchHeader;

fn fixture(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("kafka-{version}"))
}

/// Batches with their timestamps and CRC zeroed.
fn normalized(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let size = BatchHeader::parse(bytes).unwrap().size_in_bytes();
        let mut batch = bytes[..size].to_vec();
        batch[17..21].fill(0);
        batch[27..43].fill(0);
        out.push(batch);
        bytes = &bytes[size..];
    }
    out
}

fn check_version(version: &str) {
    let dir = fixture(version);
    let kafka_meta_text = std::fs::read_to_string(dir.join("meta.properties")).unwrap();
    let meta = MetaProperties::parse(Path::new("meta.properties"), &kafka_meta_text).unwrap();
    let boot = snapshot::read_snapshot_file(&RealFs, &dir.join("bootstrap.checkpoint")).unwrap();
    assert_eq!(boot.epoch, 0);
    assert!(!boot.records.is_empty());
    let zero = snapshot::read_snapshot_file(
        &RealFs,
        &dir.join("00000000000000000000-0000000000.checkpoint"),
    )
    .unwrap();
    let directory_id = meta.directory_id.unwrap();
    let voter = VoterSpec {
        id: 1,
        directory_id,
        endpoints: vec![("CONTROLLER".into(), "localhost".into(), 19093)],
    };
    assert_eq!(
        zero.control_records,
        [
            control::kraft_version(1),
            control::voters(std::slice::from_ref(&voter))
        ]
    );

    let mem = MemFs::new();
    let fs: Arc<dyn FileSystem> = Arc::new(mem.clone());
    let ours = PathBuf::from("/meta");
    let request = FormatRequest {
        cluster_id: meta.cluster_id.clone().unwrap(),
        node_id: 1,
        directory_id,
        bootstrap_records: boot.records.clone(),
        dynamic_voters: Some(vec![voter]),
        is_metadata_log_dir: true,
        ignore_formatted: false,
        now_ms: zero.last_contained_log_timestamp,
    };
    format::format_controller_dir(Arc::clone(&fs), &ours, &request).unwrap();

    let kafka_boot = std::fs::read(dir.join("bootstrap.checkpoint")).unwrap();
    let our_boot = mem.contents(&ours.join("bootstrap.checkpoint")).unwrap();
    assert_eq!(
        normalized(&our_boot),
        normalized(&kafka_boot),
        "bootstrap.checkpoint"
    );
    let kafka_zero = std::fs::read(dir.join("00000000000000000000-0000000000.checkpoint")).unwrap();
    let zero_name = SnapshotId::BOOTSTRAP.file_name(snapshot::SNAPSHOT_SUFFIX);
    let our_zero = mem
        .contents(&ours.join("__cluster_metadata-0").join(zero_name))
        .unwrap();
    assert_eq!(
        normalized(&our_zero),
        normalized(&kafka_zero),
        "0-0 checkpoint"
    );

    let our_meta = String::from_utf8(mem.contents(&ours.join("meta.properties")).unwrap()).unwrap();
    let skip_date = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("#"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(skip_date(&our_meta), skip_date(&kafka_meta_text));
}

#[test]
fn kafka_4_3_1_format_output_is_read_and_reproduced() {
    check_version("4.3.1");
}

#[test]
fn kafka_4_0_2_format_output_is_read_and_reproduced() {
    check_version("4.0.2");
}

/// A log a real Kafka 4.3.1 controller wrote (and closed cleanly) opens, recovers nothing,
/// reads completely, and its files (indexes included) are left byte for byte as Kafka wrote
/// them.
#[test]
fn kafka_controller_log_is_opened_read_and_left_untouched() {
    let source = fixture("4.3.1-controller");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("__cluster_metadata-0");
    std::fs::create_dir_all(&dir).unwrap();
    let names = [
        "00000000000000000000.log",
        "00000000000000000000.index",
        "00000000000000000000.timeindex",
        "leader-epoch-checkpoint",
        "partition.metadata",
        "quorum-state",
    ];
    for name in names {
        std::fs::copy(source.join(name), dir.join(name)).unwrap();
    }
    let log = yakt_log::Log::open(Arc::new(RealFs), &dir, yakt_log::LogConfig::default()).unwrap();
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (0, 86));
    assert_eq!(log.latest_epoch(), Some(1));
    assert_eq!(log.end_offset_for_epoch(1), (1, 86));
    let mut offset = 0;
    let mut control_batches = 0;
    while offset < log.log_end_offset() {
        let bytes = log.read(offset, 1 << 20).unwrap();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let view = yakt_wire::batch::BatchView::parse(rest).unwrap();
            assert_eq!(view.header.base_offset, offset);
            control_batches += usize::from(view.header.is_control());
            assert_eq!(
                view.records().count() as i64,
                view.header.next_offset() - offset
            );
            offset = view.header.next_offset();
            rest = &rest[view.bytes.len()..];
        }
    }
    assert!(control_batches >= 1, "the leader change batch");
    for name in names {
        let ours = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(
            ours,
            std::fs::read(source.join(name)).unwrap(),
            "{name} changed"
        );
    }
    let quorum = yakt_log::state::read_quorum_state(&RealFs, &dir)
        .unwrap()
        .unwrap();
    assert_eq!(
        (quorum.leader_id, quorum.leader_epoch, quorum.data_version),
        (1, 1, 1)
    );
}

#[test]
fn dump_file_walks_kafka_batches_and_reports_a_torn_tail() {
    let log = fixture("4.3.1-controller").join("00000000000000000000.log");
    let dumped = yakt_log::dump::dump_file(&RealFs, &log).unwrap();
    assert!(dumped.problem.is_none());
    let last = dumped.batches.last().unwrap();
    assert_eq!(last.header.next_offset(), 86);
    let records: usize = dumped.batches.iter().map(|b| b.records.len()).sum();
    assert_eq!(records, 86);
    assert!(dumped
        .batches
        .windows(2)
        .all(|w| w[1].header.base_offset == w[0].header.next_offset()));

    let bytes = std::fs::read(&log).unwrap();
    let mem = MemFs::new();
    let path = Path::new("/x/00000000000000000000.log");
    mem.create_dir_all(Path::new("/x")).unwrap();
    mem.put_file(path, &bytes[..bytes.len() - 3]);
    let torn = yakt_log::dump::dump_file(&mem, path).unwrap();
    assert_eq!(torn.batches.len(), dumped.batches.len() - 1);
    let problem = torn.problem.unwrap();
    assert_eq!(problem.position, last.position);
    assert!(problem.reason.contains("truncated"), "{}", problem.reason);
}
