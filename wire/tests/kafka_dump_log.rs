//! The other direction: Kafka's own `kafka-dump-log --cluster-metadata-decoder` reads a segment
//! in which yakt wrote every metadata record type at its newest version (pseudo-random values,
//! unknown tagged fields included) followed by a start-of-epoch control batch (LeaderChange,
//! KRaftVersion, Voters), and prints the field values yakt put there.
//!
//! Needs Java 17 and Kafka's jars (`scripts/kafka fetch`); without them the test fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use yakt_wire::metadata::{latest_version, valid_versions, MetadataRecord};
use yakt_wire::*;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The Kafka release `key` (`YAKT_KAFKA_VERSION`, `YAKT_KAFKA_OLD_VERSION`) names in
/// `scripts/kafka-versions` (or the environment).
fn kafka_version(key: &str) -> String {
    if let Ok(version) = std::env::var(key) {
        return version;
    }
    let text = std::fs::read_to_string(repo_root().join("scripts/kafka-versions")).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("{key} in scripts/kafka-versions"))
        .trim()
        .to_string()
}

fn kafka_available(version: &str) -> bool {
    let script = repo_root().join("scripts/kafka");
    let libs = Command::new(&script).args(["libs", version]).output();
    let java = Path::new("/usr/lib/jvm/java-17-openjdk-amd64/bin/java").exists()
        || std::env::var_os("JAVA_HOME").is_some();
    matches!(libs, Ok(out) if out.status.success()) && java
}

/// Every record type a Kafka release knows, three values each, at the newest version it knows
/// (`newest(api_key)`, `None` for a type it lacks).
fn records(newest: impl Fn(i16) -> Option<i16>) -> Vec<(MetadataRecord, i16)> {
    let mut out = Vec::new();
    for &api_key in API_KEYS {
        let Some(version) = newest(api_key) else {
            continue;
        };
        for seed in 0..3u64 {
            let mut record = MetadataRecord::sample(api_key, version, seed * 7919 + 1).unwrap();
            if let MetadataRecord::ClientQuota(quota) = &mut record {
                // JSON has no infinities; Kafka's tool would print a bare `Infinity`.
                if !quota.value.is_finite() {
                    quota.value = 0.25;
                }
            }
            out.push((record, version));
        }
    }
    out
}

/// A start-of-epoch control batch as a leader writes it when kraft.version is 1.
fn control_batch(base_offset: i64) -> bytes::Bytes {
    use kafka_protocol::messages::{
        leader_change_message, voters_record, BrokerId, KRaftVersionRecord, LeaderChangeMessage,
        VotersRecord,
    };
    use kafka_protocol::protocol::StrBytes;
    let leader_voters: Vec<_> = [1, 2, 3]
        .map(|id| leader_change_message::Voter::default().with_voter_id(id))
        .into();
    let leader_change = LeaderChangeMessage::default()
        .with_leader_id(BrokerId(1))
        .with_voters(leader_voters.clone())
        .with_granting_voters(leader_voters[..2].to_vec());
    let voters: Vec<_> = [1, 2, 3]
        .map(|id| {
            voters_record::Voter::default()
                .with_voter_id(BrokerId(id))
                .with_voter_directory_id(::uuid::Uuid::from_u128(0x1000 + id as u128))
                .with_endpoints(vec![voters_record::Endpoint::default()
                    .with_name(StrBytes::from_string("CONTROLLER".into()))
                    .with_host(StrBytes::from_string(format!("controller-{id}")))
                    .with_port(9090 + id as u16)])
                .with_k_raft_version_feature(
                    voters_record::KRaftVersionFeature::default().with_max_supported_version(1),
                )
        })
        .into();
    let mut builder = BatchBuilder::new(base_offset, 1, 1_700_000_001_000).control();
    for record in [
        ControlRecord::LeaderChange(leader_change),
        ControlRecord::KRaftVersion(KRaftVersionRecord::default().with_k_raft_version(1)),
        ControlRecord::Voters(VotersRecord::default().with_voters(voters)),
    ] {
        push_control(&mut builder, &record).unwrap();
    }
    builder.build()
}

/// Newest versions in Kafka 4.1-4.3: key 29 arrived after 4.3.
fn newest_in_4_3(api_key: i16) -> Option<i16> {
    (api_key != 29).then(|| latest_version(api_key)).flatten()
}

/// Newest versions in Kafka 4.0: RegisterBrokerRecord v3, BrokerRegistrationChangeRecord v2.
fn newest_in_4_0(api_key: i16) -> Option<i16> {
    match api_key {
        0 => Some(3),
        17 => Some(2),
        _ => newest_in_4_3(api_key),
    }
}

/// Each metadata record type in `version`'s kafka-metadata jar, as (apiKey, validVersions)
/// read from its JSON schema.
fn kafka_record_versions(version: &str) -> Vec<(i16, String, std::ops::RangeInclusive<i16>)> {
    let libs = Command::new(repo_root().join("scripts/kafka"))
        .args(["libs", version])
        .output()
        .expect("scripts/kafka libs");
    let libs = PathBuf::from(String::from_utf8(libs.stdout).unwrap().trim());
    let jar = libs.join(format!("kafka-metadata-{version}.jar"));
    let unzip = |args: &[&str]| {
        let out = Command::new("unzip").args(args).output().expect("unzip");
        assert!(out.status.success(), "unzip {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let jar = jar.to_str().unwrap();
    let field = |text: &str, name: &str| -> String {
        let at = text
            .find(&format!("\"{name}\""))
            .unwrap_or_else(|| panic!("{name}"));
        let rest = text[at..].split_once(':').unwrap().1;
        let end = rest.find([',', '\n']).unwrap();
        rest[..end].trim().trim_matches('"').to_owned()
    };
    unzip(&["-Z1", jar])
        .lines()
        .filter(|entry| entry.starts_with("common/metadata/") && entry.ends_with("Record.json"))
        .map(|entry| {
            let schema = unzip(&["-p", jar, entry]);
            let api_key: i16 = field(&schema, "apiKey").parse().unwrap();
            let versions = field(&schema, "validVersions");
            let (low, high) = versions.split_once('-').unwrap_or((&versions, &versions));
            let name = entry.rsplit('/').next().unwrap().trim_end_matches(".json");
            (
                api_key,
                name.to_owned(),
                low.parse().unwrap()..=high.parse().unwrap(),
            )
        })
        .collect()
}

/// yakt reads and writes every metadata record type of the newest Kafka release at exactly
/// the versions Kafka's schemas give (a newer version Kafka writes would not decode).
#[test]
fn record_versions_are_those_of_the_newest_kafka() {
    let version = kafka_version("YAKT_KAFKA_VERSION");
    assert!(
        kafka_available(&version),
        "Kafka {version} jars: run scripts/kafka fetch"
    );
    let kafka = kafka_record_versions(&version);
    assert!(kafka.len() >= 25, "record schemas in the jar: {kafka:?}");
    let differ: Vec<String> = kafka
        .iter()
        .filter(|(api_key, _, versions)| valid_versions(*api_key).as_ref() != Some(versions))
        .map(|(api_key, name, versions)| {
            format!(
                "{name} ({api_key}): Kafka {versions:?}, yakt {:?}",
                valid_versions(*api_key)
            )
        })
        .collect();
    assert!(differ.is_empty(), "Kafka {version} differs: {differ:#?}");
}

#[test]
fn kafka_dump_log_prints_what_yakt_wrote() {
    dump_and_compare(&kafka_version("YAKT_KAFKA_VERSION"), newest_in_4_3);
}

#[test]
fn kafka_4_0_dump_log_prints_what_yakt_wrote_at_its_versions() {
    dump_and_compare(&kafka_version("YAKT_KAFKA_OLD_VERSION"), newest_in_4_0);
}

/// Writes the records and the control batch, runs Kafka `version`'s dump-log, compares.
fn dump_and_compare(version: &str, newest: impl Fn(i16) -> Option<i16>) {
    let version = version.to_string();
    assert!(
        kafka_available(&version),
        "Kafka {version} jars or Java 17 not found: run scripts/kafka fetch"
    );
    let dir = tempfile::tempdir().unwrap();
    let segment = dir.path().join("00000000000000000000.log");
    let records = records(newest);
    let mut bytes = Vec::new();
    for (offset, chunk) in records.chunks(3).enumerate() {
        let base_offset = offset as i64 * 3;
        let mut builder = BatchBuilder::new(base_offset, 1, 1_700_000_000_000 + base_offset);
        for (record, version) in chunk {
            push_metadata(&mut builder, record, *version).unwrap();
        }
        bytes.extend_from_slice(&builder.build());
    }
    let control_offset = records.len() as i64;
    bytes.extend_from_slice(&control_batch(control_offset));
    std::fs::write(&segment, &bytes).unwrap();

    let output = Command::new(repo_root().join("scripts/kafka"))
        .args([
            "run",
            &version,
            "dump-log",
            "--cluster-metadata-decoder",
            "--files",
        ])
        .arg(&segment)
        .env(
            "YAKT_KAFKA_JAVA_OPTS",
            "-Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dstdout.encoding=UTF-8",
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let printed: Vec<(i64, serde_json::Value)> = stdout
        .lines()
        .filter_map(|line| {
            let offset = line
                .strip_prefix("| offset: ")?
                .split(' ')
                .next()?
                .parse()
                .ok()?;
            let (_, json) = line.split_once(" payload: ")?;
            Some((offset, serde_json::from_str(json).unwrap()))
        })
        .collect();
    assert_eq!(printed.len(), records.len(), "{stdout}");
    let control: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("keySize: 4"))
        .collect();
    let voter = |id: i32| {
        serde_json::json!({
            "voterId": id,
            "voterDirectoryId": Uuid::new(0, 0x1000 + id as u64).to_string(),
            "endpoints": [{"name": "CONTROLLER", "host": format!("controller-{id}"), "port": 9090 + id}],
            "kRaftVersionFeature": {"minSupportedVersion": 0, "maxSupportedVersion": 1},
        })
    };
    let expected = [
        serde_json::json!({
            "version": 0, "leaderId": 1,
            "voters": [{"voterId": 1}, {"voterId": 2}, {"voterId": 3}],
            "grantingVoters": [{"voterId": 1}, {"voterId": 2}],
        }),
        serde_json::json!({"version": 0, "kRaftVersion": 1}),
        serde_json::json!({"version": 0, "voters": [voter(1), voter(2), voter(3)]}),
    ];
    assert_eq!(control.len(), expected.len(), "{stdout}");
    for (line, expected) in control.iter().zip(&expected) {
        match line.find('{') {
            Some(start) => assert_eq!(
                &serde_json::from_str::<serde_json::Value>(&line[start..]).unwrap(),
                expected,
                "{line}"
            ),
            // Kafka 4.0's tool prints only the type of a LeaderChange record.
            None => assert!(line.ends_with("controlType: LEADER_CHANGE(2)"), "{line}"),
        }
    }
    for ((offset, json), (i, (record, version))) in printed.iter().zip(records.iter().enumerate()) {
        assert_eq!(*offset, i as i64);
        assert_eq!(
            json,
            &record.to_kafka_json(*version),
            "offset {offset}: {}",
            record.name()
        );
    }
}
