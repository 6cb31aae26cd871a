//! `yakt dump-log` against Kafka's own `kafka-dump-log --cluster-metadata-decoder`: the same
//! text for files Kafka wrote, and a clean failure on bytes that are not a log.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{expect_success, format_storage, kafka_version, write_properties, KafkaTool};

fn yakt(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yakt"))
        .arg("dump-log")
        .args(args)
        .output()
        .expect("yakt runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A controller directory formatted by Kafka's own `kafka-storage format` (static quorum).
fn kafka_formatted(dir: &Path) -> PathBuf {
    let metadata = dir.join("metadata");
    let config = dir.join("controller.properties");
    let metadata_text = metadata.display().to_string();
    write_properties(
        &config,
        &[
            ("process.roles", "controller"),
            ("node.id", "1"),
            ("listeners", "CONTROLLER://127.0.0.1:19093"),
            ("controller.listener.names", "CONTROLLER"),
            ("controller.quorum.voters", "1@127.0.0.1:19093"),
            ("log.dirs", &metadata_text),
        ],
    );
    format_storage(&kafka_version(), "MkU3OEVBNTcwNTJENDM2Qg", &config);
    metadata
}

#[test]
fn bootstrap_checkpoint_formatted_by_kafka_dumps_as_kafka_dumps_it() {
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = kafka_formatted(dir.path()).join("bootstrap.checkpoint");
    let ours = yakt(&[&bootstrap]);
    let ours = expect_success(&ours, "yakt dump-log");
    let features: Vec<&str> = ours
        .lines()
        .filter(|line| line.contains(r#"payload: {"type":"FEATURE_LEVEL_RECORD""#))
        .collect();
    for name in ["metadata.version", "group.version", "transaction.version"] {
        assert!(
            features
                .iter()
                .any(|line| line.contains(&format!(r#""name":"{name}""#))),
            "{name} missing from\n{ours}"
        );
    }
    let file = bootstrap.to_str().unwrap();
    let kafka = KafkaTool::run(
        &kafka_version(),
        "dump-log",
        &["--cluster-metadata-decoder", "--files", file],
    );
    let kafka = expect_success(&kafka, "kafka-dump-log");
    assert_eq!(ours, kafka);
}

/// A real Java controller's log and snapshots, kept with Kafka's dump of each.
#[test]
fn a_java_controllers_log_and_snapshots_dump_as_kafka_dumped_them() {
    let fixtures = support::repo_root().join("wire/tests/fixtures/kafka-4.3.1");
    let partition = fixtures.join("__cluster_metadata-0");
    let mut files: Vec<PathBuf> = fs::read_dir(&partition)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            name.ends_with(".log") || name.ends_with(".checkpoint")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let kafka =
            fs::read_to_string(fixtures.join(format!("__cluster_metadata-0_{name}.dump.txt")))
                .unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_yakt"))
            .current_dir(&fixtures)
            .args(["dump-log", &format!("__cluster_metadata-0/{name}")])
            .output()
            .unwrap();
        let ours = expect_success(&output, "yakt dump-log");
        assert_eq!(ours, kafka, "{name}");
    }
}

#[test]
fn garbage_fails_cleanly_naming_the_invalid_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("00000000000000000000.log");
    let bytes: Vec<u8> = (0..500u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    fs::write(&garbage, &bytes).unwrap();
    let output = yakt(&[&garbage]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("Found 500 invalid bytes at the end of 00000000000000000000.log"),
        "{stdout}"
    );
    assert!(text(&output.stderr).contains("500 invalid bytes at position 0"));
}

#[test]
fn a_torn_snapshot_prints_its_valid_batches_then_fails() {
    let dir = tempfile::tempdir().unwrap();
    let source = support::repo_root().join("wire/tests/fixtures/kafka-4.3.1/bootstrap.checkpoint");
    let bytes = fs::read(source).unwrap();
    let torn = dir.path().join("bootstrap.checkpoint");
    fs::write(&torn, &bytes[..bytes.len() - 10]).unwrap();
    let output = yakt(&[&torn]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("SnapshotHeader"), "{stdout}");
    assert!(stdout.contains("FEATURE_LEVEL_RECORD"), "{stdout}");
    assert!(!stdout.contains("SnapshotFooter"), "{stdout}");
    assert!(stdout.contains("invalid bytes at the end of bootstrap.checkpoint"));
    assert!(
        text(&output.stderr).contains("truncated"),
        "{}",
        text(&output.stderr)
    );

    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    fs::write(&torn, &flipped).unwrap();
    let output = yakt(&[&torn]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("CRC"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn missing_and_unknown_files_are_problems() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("00000000000000000000.log");
    let unknown = dir.path().join("notes.txt");
    fs::write(&unknown, "hello").unwrap();
    let output = yakt(&[&missing, &unknown]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(stderr.contains("Ignoring unknown file"), "{stderr}");
}
