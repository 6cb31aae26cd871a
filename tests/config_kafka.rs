//! yakt and Apache Kafka read the same configuration files the same way.
//!
//! `tests/data/config/KafkaConfigProbe.java` loads each file with Kafka's own
//! `java.util.Properties` and `kafka.server.KafkaConfig` (the newest release in
//! `scripts/kafka-versions`) and prints what Kafka makes of it; this test prints the same
//! lines from yakt's [`ControllerConfig`] and compares. A file Kafka refuses must be refused
//! by yakt too, and the other way round. Needs Java 17 and `scripts/kafka fetch`: without
//! them the test fails, naming the fix.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::{expect_success, kafka_version, repo_root, KafkaTool};
use yakt::config::{ControllerConfig, Properties};

/// Valid and invalid controller files, as (name, text). Kafka and yakt must agree on each.
fn cases() -> Vec<(&'static str, String)> {
    let cases: &[(&str, &str)] = &[
        ("defaults", ""),
        ("log-dir", "log.dir=/a,/b"),
        ("log-dir-and-log-dirs", "log.dir=/a\nlog.dirs=/c"),
        ("ipv4-and-ipv6-share-a-port", "controller.listener.names=A,B\nlisteners=A://127.0.0.1:9093,B://[::1]:9093"),
        (
            "explicit-protocol-map",
            "controller.listener.names=SECURE,CONTROLLER\nlisteners=CONTROLLER://:9093,SECURE://[::1]:9094\n\
             listener.security.protocol.map=CONTROLLER:PLAINTEXT, secure:sasl_ssl",
        ),
        ("ssl-named-listener", "controller.listener.names=SSL\nlisteners=SSL://:9093"),
        // Keys a controller does not use still parse as their type in Kafka.
        ("unused-int-not-a-number", "group.consumer.session.timeout.ms=soon"),
        ("unused-int-decimal", "log.retention.hours=1.5"),
        ("unused-boolean", "auto.create.topics.enable=maybe"),
        ("unused-long", "log.retention.bytes=12345678901234"),
        ("unused-double", "log.cleaner.io.max.bytes.per.second=1e6"),
        ("unused-valid-values", "num.io.threads=8\nauto.create.topics.enable=FALSE\ngroup.consumer.session.timeout.ms= 50000 "),
        ("unknown-key", "no.such.key=whatever"),
        (
            "advertised-partly",
            "controller.listener.names=A,B\nlisteners=A://:9093,B://b-host:9094\nadvertised.listeners=A://a.example:19093",
        ),
        ("wildcard-dynamic", "listeners=CONTROLLER://0.0.0.0:9093"),
        ("wildcard-static", "listeners=CONTROLLER://0.0.0.0:9095\ncontroller.quorum.voters=1@c1:9093"),
        ("empty-host-static", "controller.quorum.voters=1@c1:9093,2@c2:9093"),
        (
            "ipv6",
            "listeners=CONTROLLER://[::1]:9093\ncontroller.quorum.voters=1@[::1]:9093\n\
             controller.quorum.bootstrap.servers=[fe80::1%eth0]:9093",
        ),
        ("repeated-voter", "controller.quorum.voters=1@a:9093,1@b:9093"),
        ("repeated-role", "process.roles=controller,controller"),
        ("trimmed", "controller.quorum.election.timeout.ms = 1234  \ncontroller.quorum.auto.join.enable=TRUE"),
        (
            "tuned",
            "metadata.log.segment.ms=1000\nmetadata.max.retention.bytes=-1\nmetadata.max.retention.ms=5\n\
             metadata.log.max.record.bytes.between.snapshots=1\nmetadata.log.max.snapshot.interval.ms=0\n\
             num.partitions=3\ndefault.replication.factor=3\nmin.insync.replicas=2\n\
             sasl.mechanism.controller.protocol=PLAIN\nmetadata.max.idle.interval.ms=0\nsocket.send.buffer.bytes=-1\nsocket.receive.buffer.bytes=65536",
        ),
        // Refused by both.
        ("bad-int", "controller.quorum.election.timeout.ms=abc"),
        ("negative-timeout", "controller.quorum.fetch.timeout.ms=-1"),
        ("int-overflow", "controller.quorum.request.timeout.ms=2147483648"),
        ("bad-boolean", "controller.quorum.auto.join.enable=yes"),
        ("negative-node-id", "node.id=-1"),
        ("small-segment", "metadata.log.segment.bytes=1048576"),
        ("zero-socket-request", "socket.request.max.bytes=0"),
        ("bad-socket-buffer", "socket.send.buffer.bytes=big"),
        ("bad-long", "metadata.log.segment.ms=week"),
        ("listener-without-scheme", "listeners=CONTROLLER:9093"),
        ("listener-empty-entry", "listeners=CONTROLLER://:9093,"),
        ("bad-voter", "controller.quorum.voters=1localhost:9093"),
        ("voter-without-port", "controller.quorum.voters=1@localhost"),
        ("unroutable-voter", "controller.quorum.voters=1@0.0.0.0:9093"),
        ("bad-bootstrap", "controller.quorum.bootstrap.servers=localhost"),
        ("unknown-protocol", "listener.security.protocol.map=CONTROLLER:TLS"),
        ("empty-controller-names", "controller.listener.names="),
        ("unknown-role", "process.roles=zookeeper"),
        ("broker-role", "process.roles=broker"),
        ("combined-roles", "process.roles=broker,controller"),
        ("no-quorum", "controller.quorum.bootstrap.servers="),
        ("node-not-a-voter", "controller.quorum.voters=2@a:9093,3@b:9093"),
        ("broker-listener", "listeners=CONTROLLER://:9093,PLAINTEXT://:9092"),
        ("controller-name-not-listening", "controller.listener.names=CONTROLLER,OTHER"),
        ("shared-port", "controller.listener.names=A,B\nlisteners=A://:9093,B://:9093"),
        ("shared-name", "listeners=CONTROLLER://:9093,CONTROLLER://:9094"),
        ("map-without-controller", "listener.security.protocol.map=PLAINTEXT:PLAINTEXT"),
        ("ssl-disables-implicit-plaintext", "controller.listener.names=CONTROLLER,SSL\nlisteners=CONTROLLER://:9093,SSL://:9094"),
        ("lower-case-controller-name", "controller.listener.names=controller\nlisteners=controller://:9093"),
        ("advertised-wildcard", "advertised.listeners=CONTROLLER://0.0.0.0:9093"),
        ("inter-broker-is-controller", "inter.broker.listener.name=CONTROLLER"),
        ("no-log-dirs", "log.dirs="),
    ];
    cases
        .iter()
        .map(|(name, extra)| {
            let text = format!(
                "process.roles=controller\nnode.id=1\ncontroller.quorum.bootstrap.servers=localhost:9093\n\
                 listeners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n{extra}\n"
            );
            (*name, text)
        })
        .collect()
}

/// What yakt makes of a file, in the probe's format.
fn render(path: &Path) -> String {
    let config = match ControllerConfig::load(path) {
        Ok(config) => config,
        Err(error) => return format!("error: {error}\n"),
    };
    let join = |items: Vec<String>| items.join(",");
    let mut voters = config.quorum_voters.clone();
    voters.sort_by_key(|voter| voter.id);
    let q = config.quorum;
    let lines = [
        format!("node.id={}", config.node_id),
        format!(
            "listeners={}",
            join(config.listeners.iter().map(ToString::to_string).collect())
        ),
        format!(
            "advertised={}",
            join(
                config
                    .advertised_listeners
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            )
        ),
        format!(
            "controller.listener.names={}",
            config.controller_listener_names.join(",")
        ),
        format!(
            "protocols={}",
            join(
                config
                    .listener_security_protocol_map
                    .iter()
                    .map(|(n, p)| format!("{n}:{p}"))
                    .collect()
            )
        ),
        format!(
            "voters={}",
            join(voters.iter().map(ToString::to_string).collect())
        ),
        format!(
            "bootstrap={}",
            join(
                config
                    .quorum_bootstrap_servers
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            )
        ),
        format!(
            "log.dirs={}",
            join(
                config
                    .log_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect()
            )
        ),
        format!("metadata.log.dir={}", config.metadata_log_dir.display()),
        format!(
            "controller.quorum.election.timeout.ms={}",
            q.election_timeout_ms
        ),
        format!("controller.quorum.fetch.timeout.ms={}", q.fetch_timeout_ms),
        format!(
            "controller.quorum.election.backoff.max.ms={}",
            q.election_backoff_max_ms
        ),
        format!(
            "controller.quorum.request.timeout.ms={}",
            q.request_timeout_ms
        ),
        format!("controller.quorum.retry.backoff.ms={}", q.retry_backoff_ms),
        format!("controller.quorum.append.linger.ms={}", q.append_linger_ms),
        format!(
            "broker.heartbeat.interval.ms={}",
            config.broker_heartbeat_interval_ms
        ),
        format!(
            "broker.session.timeout.ms={}",
            config.broker_session_timeout_ms
        ),
        format!(
            "metadata.max.idle.interval.ms={}",
            config.metadata_max_idle_interval_ms
        ),
        format!(
            "metadata.log.segment.bytes={}",
            config.metadata_log_segment_bytes
        ),
        format!(
            "socket.request.max.bytes={}",
            config.socket_request_max_bytes
        ),
        format!(
            "socket.send.buffer.bytes={}",
            config.socket_send_buffer_bytes
        ),
        format!(
            "socket.receive.buffer.bytes={}",
            config.socket_receive_buffer_bytes
        ),
        format!("num.partitions={}", config.num_partitions),
        format!(
            "default.replication.factor={}",
            config.default_replication_factor
        ),
        format!("min.insync.replicas={}", config.min_insync_replicas),
        format!("metadata.log.segment.ms={}", config.metadata_log_segment_ms),
        format!(
            "metadata.max.retention.bytes={}",
            config.metadata_max_retention_bytes
        ),
        format!(
            "metadata.max.retention.ms={}",
            config.metadata_max_retention_ms
        ),
        format!(
            "metadata.log.max.record.bytes.between.snapshots={}",
            config.metadata_snapshot_max_new_record_bytes
        ),
        format!(
            "metadata.log.max.snapshot.interval.ms={}",
            config.metadata_snapshot_max_interval_ms
        ),
        format!(
            "controller.quorum.auto.join.enable={}",
            config.quorum_auto_join_enable
        ),
        format!(
            "sasl.mechanism.controller.protocol={}",
            config.sasl_mechanism_controller_protocol
        ),
    ];
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// The keys and values yakt reads from a file, sorted by key, in the probe's format.
fn render_properties(path: &Path) -> String {
    let properties = match Properties::load(path).unwrap() {
        Ok(properties) => properties,
        Err(error) => return format!("error: {error}\n"),
    };
    let sorted: BTreeMap<Vec<u16>, (String, String)> = properties
        .iter()
        .map(|p| {
            (
                p.key.encode_utf16().collect(),
                (p.key.clone(), p.value.clone()),
            )
        })
        .collect();
    sorted
        .values()
        .map(|(key, value)| format!("{}={}\n", quote(key), quote(value)))
        .collect()
}

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for unit in text.encode_utf16() {
        match unit {
            0x20..=0x7e if unit != u16::from(b'"') && unit != u16::from(b'\\') => {
                out.push(char::from(unit as u8))
            }
            _ => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push('"');
    out
}

/// Runs the probe on `files` and splits its output by file.
fn kafka_reads(mode: &str, files: &[PathBuf]) -> BTreeMap<PathBuf, String> {
    let version = kafka_version();
    let classes = compile_probe(&version);
    let mut args = vec![mode.to_owned()];
    args.extend(files.iter().map(|file| file.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = KafkaTool::new(&version, "KafkaConfigProbe")
        .classpath(&classes)
        .args(&args)
        .output();
    let stdout = expect_success(&output, "KafkaConfigProbe");
    let mut sections = BTreeMap::new();
    let mut current: Option<(PathBuf, String)> = None;
    for line in stdout.lines() {
        if let Some(file) = line.strip_prefix("== ") {
            sections.extend(current.take());
            current = Some((PathBuf::from(file), String::new()));
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    sections.extend(current);
    sections
}

/// Compiles the probe against Kafka `version`'s jars.
fn compile_probe(version: &str) -> PathBuf {
    support::compile_java_source(
        version,
        &repo_root().join("tests/data/config/KafkaConfigProbe.java"),
    )
}

fn data(name: &str) -> PathBuf {
    repo_root().join("tests/data/config").join(name)
}

#[test]
fn kafka_and_yakt_read_controller_files_alike() {
    let directory = tempfile::tempdir().unwrap();
    let mut files = vec![
        data("controller-dynamic.properties"),
        data("controller-static.properties"),
    ];
    for (name, text) in cases() {
        let file = directory.path().join(format!("{name}.properties"));
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    let kafka = kafka_reads("config", &files);
    let mut disagreements = Vec::new();
    for file in &files {
        let theirs = kafka
            .get(file)
            .unwrap_or_else(|| panic!("no probe output for {}", file.display()));
        let ours = render(file);
        let agree = match (theirs.starts_with("error: "), ours.starts_with("error: ")) {
            (true, true) => true,
            (false, false) => theirs == &ours,
            _ => false,
        };
        if !agree {
            disagreements.push(format!(
                "{}\n--- Kafka\n{theirs}--- yakt\n{ours}",
                file.display()
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn kafka_and_yakt_read_properties_syntax_alike() {
    let files = [
        data("syntax.properties"),
        data("line-breaks.properties"),
        data("latin1.properties"),
    ];
    let kafka = kafka_reads("properties", &files);
    for file in &files {
        assert_eq!(kafka[file], render_properties(file), "{}", file.display());
    }
}
