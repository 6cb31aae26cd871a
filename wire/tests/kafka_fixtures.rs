//! Test vectors from real Apache Kafka controllers (`tests/fixtures/kafka-*/`, see the README in
//! each): every batch of every log segment, snapshot and bootstrap checkpoint passes
//! `check_batch`; every record decodes and re-encodes to the same bytes; and every batch rebuilt
//! with `BatchBuilder` from its decoded records is byte-identical to Kafka's. Each metadata
//! record printed as Kafka's tools print it equals `kafka-dump-log`'s output in `*.dump.txt`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use yakt_wire::*;

/// The `.log` and `.checkpoint` files of one release's fixtures (`tests/fixtures/kafka-VERSION`).
fn fixture_files(release: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("log" | "checkpoint")
            ) && !path.ends_with("leader-epoch-checkpoint")
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(release);
    walk(&dir, &mut files);
    files.sort();
    files
}

/// The `payload: {...}` JSON of each metadata record in the `kafka-dump-log` output for `path`,
/// by offset (`<dir>/<relative path with / as _>.dump.txt`).
fn kafka_payloads(path: &Path) -> BTreeMap<i64, serde_json::Value> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let relative = path.strip_prefix(&fixtures).unwrap();
    let mut parts = relative.iter();
    let root = fixtures.join(parts.next().unwrap());
    let rest: Vec<_> = parts.map(|part| part.to_str().unwrap()).collect();
    let dump = root.join(format!("{}.dump.txt", rest.join("_")));
    let text =
        std::fs::read_to_string(&dump).unwrap_or_else(|err| panic!("{}: {err}", dump.display()));
    let mut payloads = BTreeMap::new();
    for line in text.lines() {
        let (Some(offset), Some((_, json))) = (
            line.strip_prefix("| offset: "),
            line.split_once(" payload: "),
        ) else {
            continue;
        };
        let offset: i64 = offset.split(' ').next().unwrap().parse().unwrap();
        payloads.insert(offset, serde_json::from_str(json).unwrap());
    }
    payloads
}

/// Re-encodes one record's value as yakt would write it.
fn reencode(log: &LogRecord) -> bytes::Bytes {
    match log {
        LogRecord::Metadata(record, version) => encode_frame(record, *version).unwrap(),
        LogRecord::Control(record) => record.encode_value().unwrap(),
    }
}

/// Checks one file; returns the (record type, version) pairs it holds.
fn check_file(path: &Path) -> BTreeSet<(String, i16)> {
    let bytes = std::fs::read(path).unwrap();
    let kafka_json = kafka_payloads(path);
    let mut printed = 0;
    let mut seen = BTreeSet::new();
    let mut position = 0;
    while position < bytes.len() {
        let rest = &bytes[position..];
        let Ok(Scan::Batch(header)) = check_batch(rest, 8 << 20) else {
            panic!(
                "{}: no whole valid batch at byte {position}",
                path.display()
            );
        };
        let view = BatchView::parse(rest).unwrap();
        let mut rebuilt = BatchBuilder::new(
            header.base_offset,
            header.partition_leader_epoch,
            header.base_timestamp,
        );
        if header.is_control() {
            rebuilt = rebuilt.control();
        }
        assert_eq!(header.max_timestamp, header.base_timestamp);
        for record in view.records() {
            let record = record.unwrap();
            let offset = header.base_offset + i64::from(record.offset_delta);
            let log = LogRecord::decode(&record, header.is_control(), offset)
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            assert_eq!(
                &reencode(&log)[..],
                record.value.unwrap(),
                "{}: offset {offset}",
                path.display()
            );
            match &log {
                LogRecord::Metadata(metadata, version) => {
                    seen.insert((metadata.name().to_string(), *version));
                    assert_eq!(
                        Some(&metadata.to_kafka_json(*version)),
                        kafka_json.get(&offset),
                        "{}: offset {offset}",
                        path.display()
                    );
                    printed += 1;
                    push_metadata(&mut rebuilt, metadata, *version).unwrap();
                }
                LogRecord::Control(control) => {
                    seen.insert((format!("{:?}", control.control_type()), 0));
                    push_control(&mut rebuilt, control).unwrap();
                }
            }
        }
        assert_eq!(
            &rebuilt.build()[..],
            view.bytes,
            "{}: batch at offset {} rebuilt differently",
            path.display(),
            header.base_offset
        );
        position += header.size_in_bytes();
    }
    assert_eq!(
        printed,
        kafka_json.len(),
        "{}: records Kafka printed",
        path.display()
    );
    seen
}

/// Checks every file of `release` and that the record types and versions in `expected` occur.
fn check_release(release: &str, expected: &[(&str, i16)]) {
    let files = fixture_files(release);
    assert!(files.len() >= 3, "{release} fixtures missing: {files:?}");
    let mut seen = BTreeSet::new();
    for file in &files {
        seen.extend(check_file(file));
    }
    for (name, version) in expected {
        assert!(
            seen.contains(&(name.to_string(), *version)),
            "{release}: {name} v{version} not found in {seen:?}"
        );
    }
}

/// Written by both releases with the workload in the READMEs.
const COMMON: &[(&str, i16)] = &[
    ("PartitionRecord", 2),
    ("PartitionChangeRecord", 2),
    ("RegisterControllerRecord", 0),
    ("UserScramCredentialRecord", 0),
    ("RemoveUserScramCredentialRecord", 0),
    ("AccessControlEntryRecord", 0),
    ("ClientQuotaRecord", 0),
    ("ProducerIdsRecord", 0),
    ("RemoveTopicRecord", 0),
    ("BeginTransactionRecord", 0),
    ("EndTransactionRecord", 0),
    ("LeaderChange", 0),
    ("SnapshotHeader", 0),
    ("SnapshotFooter", 0),
];

#[test]
fn kafka_4_3_1_records_decode_and_reencode_byte_for_byte() {
    let newer = [
        ("RegisterBrokerRecord", 4),
        ("BrokerRegistrationChangeRecord", 3),
    ];
    check_release("kafka-4.3.1", &[COMMON, &newer].concat());
}

#[test]
fn kafka_4_0_2_records_decode_and_reencode_byte_for_byte() {
    let older = [
        ("RegisterBrokerRecord", 3),
        ("BrokerRegistrationChangeRecord", 1),
    ];
    check_release("kafka-4.0.2", &[COMMON, &older].concat());
}

/// A dynamic quorum (kraft.version 1) also writes KRaftVersion and Voters control records.
const DYNAMIC: &[(&str, i16)] = &[("KRaftVersion", 0), ("Voters", 0)];

#[test]
fn kafka_4_3_1_dynamic_quorum_records_decode_and_reencode_byte_for_byte() {
    let newer = [
        ("RegisterBrokerRecord", 4),
        ("BrokerRegistrationChangeRecord", 3),
    ];
    check_release("kafka-4.3.1-dynamic", &[COMMON, DYNAMIC, &newer].concat());
}

#[test]
fn kafka_4_0_2_dynamic_quorum_records_decode_and_reencode_byte_for_byte() {
    let older = [
        ("RegisterBrokerRecord", 3),
        ("BrokerRegistrationChangeRecord", 1),
    ];
    check_release("kafka-4.0.2-dynamic", &[COMMON, DYNAMIC, &older].concat());
}
