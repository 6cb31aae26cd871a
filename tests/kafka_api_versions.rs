//! Real Apache Kafka as the judge of yakt's listener: Kafka's own client library
//! (kafka-clients from Maven Central, driven by `tests/java/ApiVersionsProbe.java`) completes
//! the ApiVersions exchange against a running `yakt` and must see exactly the API ranges yakt
//! advertises, with the newest client and with the 4.0 line's.
//!
//! Needs `scripts/kafka fetch` (Java 17 and the jars); without them these tests fail.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use support::{
    compile_java, expect_success, kafka_old_version, kafka_version, random_cluster_id, KafkaTool,
    YaktProcess,
};

/// What the probe printed: the API ranges it learned, the API keys its client knows and the
/// newest stable version of each in that Kafka release.
struct ProbeResult {
    ranges: BTreeMap<i16, (i16, i16)>,
    client_keys: BTreeSet<i16>,
    latest: BTreeMap<i16, i16>,
}

/// Runs the ApiVersions probe with Kafka `version`'s client against `address`.
fn probe(version: &str, address: &str) -> ProbeResult {
    let classes = compile_java(version, "ApiVersionsProbe");
    let output = KafkaTool::new(version, "ApiVersionsProbe")
        .classpath(&classes)
        .args(&[address, "10000"])
        .output();
    let stdout = expect_success(&output, &format!("ApiVersionsProbe ({version}) {address}"));
    let mut result = ProbeResult {
        ranges: BTreeMap::new(),
        client_keys: BTreeSet::new(),
        latest: BTreeMap::new(),
    };
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let number = |i: usize| -> i16 {
            fields[i]
                .parse()
                .unwrap_or_else(|e| panic!("bad probe line {line:?}: {e}"))
        };
        match fields.first() {
            Some(&"api") => {
                result.ranges.insert(number(1), (number(2), number(3)));
            }
            Some(&"client-api") => {
                result.client_keys.insert(number(1));
                result.latest.insert(number(1), number(2));
            }
            _ => {}
        }
    }
    result
}

/// The ranges yakt advertises that a client knowing `client_keys` can see.
fn advertised(client_keys: &BTreeSet<i16>) -> BTreeMap<i16, (i16, i16)> {
    yakt::server::api::APIS
        .iter()
        .map(|api| (api.key as i16, (api.min_version, api.max_version)))
        .filter(|(key, _)| client_keys.contains(key))
        .collect()
}

fn kafka_client_sees_what_yakt_advertises(version: &str) {
    let dir = tempfile::tempdir().expect("temporary directory");
    // A cluster id from Kafka's own tool, formatted into yakt's directories by yakt.
    let cluster_id = random_cluster_id(version);
    let mut yakt = YaktProcess::start_formatted(dir.path(), &cluster_id, &[]);
    let seen = probe(version, &yakt.address());
    assert_eq!(
        seen.ranges.get(&18),
        Some(&(0, 4)),
        "Kafka {version}'s client must see ApiVersions 0-4"
    );
    assert_eq!(
        seen.ranges,
        advertised(&seen.client_keys),
        "Kafka {version}'s client saw other API ranges than yakt advertises"
    );
    let status = yakt.stop();
    assert!(status.success(), "yakt exited with {status} after SIGTERM");
}

#[test]
fn newest_kafka_client_completes_api_versions_with_yakt() {
    kafka_client_sees_what_yakt_advertises(&kafka_version());
}

/// Every API yakt serves goes up to the newest version the newest Kafka release has, so a
/// broker or tool of that release never falls back (or fails, as a 4.3 broker's heartbeat
/// did when its fields needed v2).
#[test]
fn yakt_serves_each_api_up_to_the_newest_kafka_version() {
    let version = kafka_version();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut yakt = YaktProcess::start_formatted(dir.path(), &random_cluster_id(&version), &[]);
    let seen = probe(&version, &yakt.address());
    let behind: Vec<String> = yakt::server::api::APIS
        .iter()
        .filter_map(|api| {
            let latest = *seen.latest.get(&(api.key as i16))?;
            (api.max_version < latest)
                .then(|| format!("{:?} v{} < v{latest}", api.key, api.max_version))
        })
        .collect();
    assert!(behind.is_empty(), "yakt lags Kafka {version}: {behind:?}");
    assert!(yakt.stop().success());
}

#[test]
fn kafka_4_0_client_completes_api_versions_with_yakt() {
    kafka_client_sees_what_yakt_advertises(&kafka_old_version());
}

/// The probe must fail, not pass vacuously, when nothing answers.
#[test]
fn probe_fails_when_no_node_listens() {
    let version = kafka_version();
    let classes = compile_java(&version, "ApiVersionsProbe");
    let address = format!("127.0.0.1:{}", support::free_port());
    let output = KafkaTool::new(&version, "ApiVersionsProbe")
        .classpath(&classes)
        .args(&[&address, "2000"])
        .output();
    assert_eq!(output.status.code(), Some(1), "probe of a closed port");
    assert!(output.stdout.is_empty(), "no API ranges from a closed port");
}

/// The harness itself: a Kafka tool from each fetched release runs and prints a Kafka Uuid.
#[test]
fn kafka_storage_tool_prints_a_random_uuid() {
    for version in [kafka_version(), kafka_old_version()] {
        let output = KafkaTool::run(&version, "storage", &["random-uuid"]);
        let stdout = expect_success(&output, &format!("kafka-storage {version} random-uuid"));
        let id = stdout.trim();
        assert_eq!(id.len(), 22, "Kafka {version} uuid {id:?}");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "Kafka {version} uuid {id:?} is not base64url"
        );
    }
}
