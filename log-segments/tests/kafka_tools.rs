//! Kafka's own `kafka-dump-log` (the release `scripts/kafka-versions` names, from the jars
//! `scripts/kafka fetch` caches) reads a multi-segment log and a snapshot yakt-log wrote, record
//! by record, and verifies its indexes. Fails when the jars are not in the cache.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use yakt_log::snapshot::{SnapshotId, SnapshotWriter};
use yakt_log::{Log, LogConfig, RealFs};
use yakt_wire::batch::BatchBuilder;

const NO_OP: &[u8] = &[1, 20, 0, 0];

fn feature_level(level: u8) -> Vec<u8> {
    let name = b"metadata.version";
    let mut out = vec![1, 12, 0, name.len() as u8 + 1];
    out.extend_from_slice(name);
    out.extend_from_slice(&[0, level, 0]);
    out
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The newest Kafka release the project is judged against (`YAKT_KAFKA_VERSION`).
fn kafka_version() -> String {
    if let Ok(version) = std::env::var("YAKT_KAFKA_VERSION") {
        return version;
    }
    let versions = std::fs::read_to_string(repo_root().join("scripts/kafka-versions")).unwrap();
    versions
        .lines()
        .find_map(|line| line.strip_prefix("YAKT_KAFKA_VERSION="))
        .expect("scripts/kafka-versions names YAKT_KAFKA_VERSION")
        .trim()
        .to_string()
}

fn dump_log(args: &[&str]) -> Option<String> {
    let root = repo_root();
    let version = kafka_version();
    let cache =
        std::env::var_os("YAKT_KAFKA_CACHE").map_or(root.join(".cache/kafka"), PathBuf::from);
    assert!(
        cache.join(&version).join("libs").is_dir(),
        "Kafka {version} jars are not cached: run scripts/kafka fetch"
    );
    let out = Command::new(root.join("scripts/kafka"))
        .args(["run", &version, "dump-log"])
        .args(args)
        .output()
        .expect("run scripts/kafka");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn kafka_dump_log_reads_what_yakt_log_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("__cluster_metadata-0");
    let config = LogConfig {
        segment_bytes: 4 * 1024,
        ..LogConfig::default()
    };
    let mut log = Log::open(Arc::new(RealFs), &dir, config).unwrap();
    let mut records = 0;
    for i in 0..150u8 {
        let mut batch = BatchBuilder::new(0, 0, 1_700_000_000_000 + i64::from(i));
        batch.push(None, Some(&feature_level(i % 30)));
        for _ in 0..i % 4 {
            batch.push(None, Some(NO_OP));
        }
        records += 1 + usize::from(i % 4);
        log.append_as_leader(&batch.build(), 1 + i32::from(i / 50))
            .unwrap();
    }
    let id = SnapshotId {
        end_offset: log.log_end_offset(),
        epoch: 3,
    };
    let mut w = SnapshotWriter::create(Arc::new(RealFs), &dir, id, 1, 2, &[]).unwrap();
    w.append_records(&[feature_level(25), NO_OP.to_vec()])
        .unwrap();
    w.freeze().unwrap();
    let segments = log.segment_base_offsets();
    assert!(segments.len() >= 3);
    log.close().unwrap();

    let file = |base: i64, suffix: &str| {
        dir.join(format!("{base:020}{suffix}"))
            .display()
            .to_string()
    };
    let logs: Vec<String> = segments.iter().map(|&b| file(b, ".log")).collect();
    let Some(text) = dump_log(&["--cluster-metadata-decoder", "--files", &logs.join(",")]) else {
        return;
    };
    let dumped = text.lines().filter(|l| l.starts_with("| offset:")).count();
    assert_eq!(dumped, records);
    assert_eq!(text.matches("FEATURE_LEVEL_RECORD").count(), 150);
    assert!(!text.contains("isvalid: false"));

    let snapshot = dir.join(id.file_name(".checkpoint")).display().to_string();
    let text = dump_log(&["--cluster-metadata-decoder", "--files", &snapshot]).unwrap();
    assert!(
        text.contains("SnapshotHeader") && text.contains("SnapshotFooter"),
        "{text}"
    );
    assert_eq!(text.matches("| offset:").count(), 4);

    let indexes: Vec<String> = segments
        .iter()
        .flat_map(|&b| [file(b, ".index"), file(b, ".timeindex")])
        .collect();
    let text = dump_log(&["--verify-index-only", "--files", &indexes.join(",")]).unwrap();
    assert!(
        !text.contains("Mismatches") && !text.contains("ERROR"),
        "{text}"
    );
}
