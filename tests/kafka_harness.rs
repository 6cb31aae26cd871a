//! The real-Kafka harness checked against Kafka itself: a Java KRaft controller started from
//! the Maven jars elects itself, answers Kafka's tools and the ApiVersions probe, stops
//! cleanly on SIGTERM, and leaves a metadata log Kafka's dump tool decodes; a Java broker
//! joins it and serves a topic created with Kafka's tool. If these fail, the harness is
//! broken, not yakt.
//!
//! Needs `scripts/kafka fetch` (Java 17 and the jars); without them these tests fail.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::{
    as_pairs, compile_java, expect_success, free_port, kafka_old_version, kafka_version,
    random_cluster_id, wait_for_port, KafkaBroker, KafkaTool, STARTUP_TIMEOUT,
};

/// A running Java controller: voter 1 of a one-voter static quorum.
struct JavaController {
    node: KafkaBroker,
    address: String,
    cluster_id: String,
    metadata_dir: PathBuf,
}

/// Formats and starts a Java controller of Kafka `version` under `dir`, waiting for its
/// listener.
fn start_java_controller(version: &str, dir: &Path) -> JavaController {
    let address = format!("127.0.0.1:{}", free_port());
    let metadata_dir = dir.join("metadata");
    let listeners = format!("CONTROLLER://{address}");
    let voters = format!("1@{address}");
    let metadata_dir_text = metadata_dir.display().to_string();
    let properties = [
        ("node.id", "1"),
        ("process.roles", "controller"),
        ("listeners", listeners.as_str()),
        ("controller.listener.names", "CONTROLLER"),
        ("listener.security.protocol.map", "CONTROLLER:PLAINTEXT"),
        ("controller.quorum.voters", voters.as_str()),
        ("metadata.log.dir", metadata_dir_text.as_str()),
        // Kafka 4.0's format also writes log.dirs, which defaults to /tmp/kafka-logs.
        ("log.dirs", metadata_dir_text.as_str()),
    ];
    let cluster_id = random_cluster_id(version);
    let mut node = KafkaBroker::start_formatted(version, &cluster_id, &properties, dir);
    wait_for_port(address.parse().expect("socket address"), node.process());
    JavaController {
        node,
        address,
        cluster_id,
        metadata_dir,
    }
}

fn java_controller_round_trip(version: &str) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let JavaController {
        node: mut controller,
        address,
        cluster_id,
        metadata_dir,
    } = start_java_controller(version, dir.path());

    let quorum = KafkaTool::run(
        version,
        "metadata-quorum",
        &["--bootstrap-controller", &address, "describe", "--status"],
    );
    let quorum = expect_success(&quorum, "kafka-metadata-quorum describe --status");
    assert!(
        quorum.contains(&format!("ClusterId:              {}", cluster_id)),
        "{quorum}"
    );
    assert!(quorum.contains("LeaderId:               1"), "{quorum}");

    let classes = compile_java(version, "ApiVersionsProbe");
    let probe = KafkaTool::new(version, "ApiVersionsProbe")
        .classpath(&classes)
        .args(&[&address, "10000"])
        .output();
    let probe = expect_success(&probe, "ApiVersionsProbe against a Java controller");
    assert!(probe.lines().any(|line| line == "api 18 0 4"), "{probe}");
    assert!(
        probe.lines().any(|line| line.starts_with("api 55 ")),
        "a controller serves DescribeQuorum: {probe}"
    );

    let status = controller.stop();
    // The JVM reports SIGTERM as 128 + 15 even after its shutdown hook ran to the end.
    assert_eq!(status.code(), Some(143), "Java controller exit status");
    let server_log = std::fs::read_to_string(controller.process().log_dir().join("server.log"))
        .expect("read server.log");
    assert!(
        server_log.contains("[RaftManager id=1] Graceful shutdown completed"),
        "no graceful raft shutdown in server.log"
    );

    let log = metadata_dir.join("__cluster_metadata-0/00000000000000000000.log");
    let dump = KafkaTool::new(version, "dump-log")
        .args(&[
            "--cluster-metadata-decoder",
            "--files",
            log.to_str().expect("utf-8 path"),
        ])
        .timeout(Duration::from_secs(60))
        .output();
    let dump = expect_success(&dump, "kafka-dump-log --cluster-metadata-decoder");
    assert!(dump.contains("FEATURE_LEVEL_RECORD"), "{dump}");
    assert!(dump.contains("REGISTER_CONTROLLER_RECORD"), "{dump}");
}

#[test]
fn newest_java_controller_round_trip() {
    java_controller_round_trip(&kafka_version());
}

#[test]
fn kafka_4_0_java_controller_round_trip() {
    java_controller_round_trip(&kafka_old_version());
}

/// Every `scripts/kafka` shortcut (broker, storage, dump-log, metadata-quorum, ...) names a
/// main class present in each release's jars; classes move between releases.
#[test]
fn every_shortcut_names_a_class_in_both_releases() {
    for version in [kafka_version(), kafka_old_version()] {
        support::kafka_libs(&version);
        let output = std::process::Command::new(support::repo_root().join("scripts/kafka"))
            .args(["check", &version])
            .output()
            .expect("run scripts/kafka check");
        let stdout = expect_success(&output, &format!("scripts/kafka check {version}"));
        assert!(
            stdout.contains("dump-log") && stdout.contains("metadata-quorum"),
            "{stdout}"
        );
    }
}

/// The flow yakt must serve one day, shown with Kafka on both sides: a broker formatted with
/// the controller's cluster id registers, is unfenced, and a topic created through it gets
/// its partitions.
#[test]
fn java_broker_joins_a_java_controller_and_serves_a_topic() {
    let version = kafka_version();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut controller = start_java_controller(&version, &dir.path().join("controller"));
    let broker_port = free_port();
    let broker_dir = dir.path().join("broker");
    let properties = KafkaBroker::broker_properties(
        2,
        broker_port,
        &format!("1@{}", controller.address),
        &broker_dir,
    );
    let mut broker = KafkaBroker::start_formatted(
        &version,
        &controller.cluster_id,
        &as_pairs(&properties),
        &broker_dir,
    );
    // A broker logs this only once the controller has unfenced it.
    broker.wait_for_log("Kafka Server started", STARTUP_TIMEOUT);

    let bootstrap = format!("127.0.0.1:{broker_port}");
    let topics = |args: &[&str]| {
        let mut all = vec!["--bootstrap-server", bootstrap.as_str()];
        all.extend_from_slice(args);
        expect_success(
            &KafkaTool::run(&version, "topics", &all),
            &format!("kafka-topics {}", args.join(" ")),
        )
    };
    topics(&[
        "--create",
        "--topic",
        "judged",
        "--partitions",
        "2",
        "--replication-factor",
        "1",
    ]);
    let described = topics(&["--describe", "--topic", "judged"]);
    assert_eq!(
        described.matches("Leader: 2").count(),
        2,
        "both partitions led by broker 2:\n{described}"
    );

    assert_eq!(broker.stop().code(), Some(143), "broker exit status");
    assert_eq!(
        controller.node.stop().code(),
        Some(143),
        "controller exit status"
    );
}
