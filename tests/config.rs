//! Kafka's controller configuration file: the properties syntax, the sample file shapes, the
//! defaults, the bad values and the rules between keys. The expected outcomes were checked
//! against Apache Kafka 4.3.1's own `java.util.Properties` and `KafkaConfig`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use yakt::config::{
    ConfigError, ControllerConfig, Endpoint, HostPort, ProcessRole, Properties, PropertiesError,
    QuorumTimeouts, QuorumVoter, SecurityProtocol,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/config")
        .join(name)
}

/// A minimal valid controller of a dynamic quorum, plus `extra` lines (later keys win).
fn minimal(extra: &str) -> String {
    format!(
        "process.roles=controller\nnode.id=1\ncontroller.quorum.bootstrap.servers=localhost:9093\n\
         listeners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n{extra}\n"
    )
}

fn error_of(text: &str) -> ConfigError {
    match ControllerConfig::parse_str(text) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(error) => error,
    }
}

fn voter(id: i32, host: &str, port: u16) -> QuorumVoter {
    QuorumVoter {
        id,
        host: host.to_owned(),
        port,
    }
}

#[test]
fn kafka_sample_shape_with_bootstrap_servers() {
    let config = ControllerConfig::load(&data("controller-dynamic.properties")).unwrap();
    assert_eq!(config.node_id, 1);
    assert_eq!(config.process_roles, vec![ProcessRole::Controller]);
    assert_eq!(
        config.listeners,
        vec![Endpoint::new("CONTROLLER", "", 9093)]
    );
    assert_eq!(
        config.advertised_listeners,
        vec![Endpoint::new("CONTROLLER", "localhost", 9093)]
    );
    assert_eq!(config.controller_listener_names, vec!["CONTROLLER"]);
    assert_eq!(config.controller_endpoints(), vec![&config.listeners[0]]);
    assert_eq!(
        config.security_protocol("CONTROLLER"),
        Some(SecurityProtocol::Plaintext)
    );
    assert!(config.quorum_voters.is_empty());
    assert!(!config.is_static_quorum());
    assert_eq!(
        config.quorum_bootstrap_servers,
        vec![HostPort {
            host: "localhost".into(),
            port: 9093
        }]
    );
    assert_eq!(
        config.log_dirs,
        vec![PathBuf::from("/tmp/kraft-controller-logs")]
    );
    assert_eq!(
        config.metadata_log_dir,
        PathBuf::from("/tmp/kraft-controller-logs")
    );
    assert_eq!(config.socket_request_max_bytes, 104_857_600);
    assert_eq!(config.socket_send_buffer_bytes, 102_400);
    assert_eq!(config.socket_receive_buffer_bytes, 102_400);
    assert_eq!(
        config.unused_keys(),
        [
            "num.network.threads",
            "num.io.threads",
            "num.recovery.threads.per.data.dir",
            "offsets.topic.replication.factor",
            "transaction.state.log.replication.factor",
            "transaction.state.log.min.isr",
            "share.coordinator.state.topic.replication.factor",
            "share.coordinator.state.topic.min.isr",
            "log.retention.hours",
            "log.segment.bytes",
            "log.retention.check.interval.ms",
        ]
    );
}

#[test]
fn static_quorum_with_tuned_timings() {
    let config = ControllerConfig::load(&data("controller-static.properties")).unwrap();
    assert_eq!(config.node_id, 2);
    assert_eq!(
        config.quorum_voters,
        vec![
            voter(1, "controller-1.example.com", 9093),
            voter(2, "controller-2.example.com", 9093),
            voter(3, "controller-3.example.com", 9093),
        ]
    );
    assert!(config.is_static_quorum());
    assert!(config.quorum_bootstrap_servers.is_empty());
    assert_eq!(
        config.listeners,
        vec![Endpoint::new("CONTROLLER", "", 9093)]
    );
    // A wildcard host on the first controller listener advertises this voter's own entry.
    assert_eq!(
        config.advertised_listeners,
        vec![Endpoint::new(
            "CONTROLLER",
            "controller-2.example.com",
            9093
        )]
    );
    assert_eq!(
        config.log_dirs,
        vec![
            PathBuf::from("/var/lib/kafka/data-a"),
            PathBuf::from("/var/lib/kafka/data-b")
        ]
    );
    assert_eq!(
        config.metadata_log_dir,
        PathBuf::from("/var/lib/kafka/metadata")
    );
    assert_eq!(
        config.quorum,
        QuorumTimeouts {
            election_timeout_ms: 1500,
            fetch_timeout_ms: 3000,
            election_backoff_max_ms: 1200,
            request_timeout_ms: 2500,
            retry_backoff_ms: 50,
            append_linger_ms: 10,
        }
    );
    assert_eq!(config.broker_heartbeat_interval_ms, 1000);
    assert_eq!(config.broker_session_timeout_ms, 6000);
    assert_eq!(config.metadata_max_idle_interval_ms, 250);
    assert_eq!(config.metadata_log_segment_bytes, 16 * 1024 * 1024);
    assert_eq!(config.socket_request_max_bytes, 50 * 1024 * 1024);
    assert!(
        config.unused_keys().is_empty(),
        "{:?}",
        config.unused_keys()
    );
}

#[test]
fn defaults_equal_kafkas() {
    let config = ControllerConfig::parse_str(&minimal("")).unwrap();
    let q = config.quorum;
    assert_eq!(
        (
            q.election_timeout_ms,
            q.fetch_timeout_ms,
            q.election_backoff_max_ms
        ),
        (1000, 2000, 1000)
    );
    assert_eq!(
        (q.request_timeout_ms, q.retry_backoff_ms, q.append_linger_ms),
        (2000, 20, 25)
    );
    assert!(!config.quorum_auto_join_enable);
    assert_eq!(config.quorum_fetch_max_bytes, 1_048_576);
    assert_eq!(config.quorum_fetch_snapshot_max_bytes, 1_048_576);
    assert_eq!(config.broker_heartbeat_interval_ms, 2000);
    assert_eq!(config.broker_session_timeout_ms, 9000);
    assert_eq!(config.metadata_max_idle_interval_ms, 500);
    assert_eq!(config.metadata_log_segment_bytes, 1_073_741_824);
    assert_eq!(config.metadata_log_segment_ms, 604_800_000);
    assert_eq!(config.metadata_max_retention_bytes, 104_857_600);
    assert_eq!(config.metadata_max_retention_ms, 604_800_000);
    assert_eq!(config.metadata_snapshot_max_new_record_bytes, 20_971_520);
    assert_eq!(config.metadata_snapshot_max_interval_ms, 3_600_000);
    assert_eq!(config.socket_request_max_bytes, 104_857_600);
    assert_eq!(config.num_partitions, 1);
    assert_eq!(config.default_replication_factor, 1);
    assert_eq!(config.min_insync_replicas, 1);
    assert_eq!(config.sasl_mechanism_controller_protocol, "GSSAPI");
    assert_eq!(config.log_dirs, vec![PathBuf::from("/tmp/kafka-logs")]);
    assert_eq!(config.metadata_log_dir, PathBuf::from("/tmp/kafka-logs"));
    // No advertised.listeners: the listener itself, its wildcard host left for the listener
    // to resolve (a dynamic quorum has no voter entry to take it from).
    assert_eq!(config.advertised_listeners, config.listeners);
    let expected_map: BTreeMap<String, SecurityProtocol> = [
        ("CONTROLLER", SecurityProtocol::Plaintext),
        ("PLAINTEXT", SecurityProtocol::Plaintext),
        ("SSL", SecurityProtocol::Ssl),
        ("SASL_PLAINTEXT", SecurityProtocol::SaslPlaintext),
        ("SASL_SSL", SecurityProtocol::SaslSsl),
    ]
    .into_iter()
    .map(|(name, protocol)| (name.to_owned(), protocol))
    .collect();
    assert_eq!(config.listener_security_protocol_map, expected_map);
}

#[test]
fn log_dir_is_used_when_log_dirs_is_not_set() {
    let config = ControllerConfig::parse_str(&minimal("log.dir=/a,/b")).unwrap();
    assert_eq!(
        config.log_dirs,
        vec![PathBuf::from("/a"), PathBuf::from("/b")]
    );
    assert_eq!(config.metadata_log_dir, PathBuf::from("/a"));
    let config = ControllerConfig::parse_str(&minimal("log.dir=/a\nlog.dirs=/c")).unwrap();
    assert_eq!(config.metadata_log_dir, PathBuf::from("/c"));
    let error = error_of(&minimal("log.dirs="));
    assert!(
        error.to_string().contains("at least one log directory"),
        "{error}"
    );
}

#[test]
fn admin_listener_is_optional_host_and_port() {
    let config = ControllerConfig::parse_str(&minimal("")).unwrap();
    assert_eq!(config.admin_listener, None);
    let config =
        ControllerConfig::parse_str(&minimal("yakt.admin.listener=127.0.0.1:9644")).unwrap();
    let admin = config.admin_listener.unwrap();
    assert_eq!((admin.host.as_str(), admin.port), ("127.0.0.1", 9644));
    let config = ControllerConfig::parse_str(&minimal("yakt.admin.listener=:9644")).unwrap();
    let admin = config.admin_listener.unwrap();
    assert_eq!((admin.host.as_str(), admin.port), ("0.0.0.0", 9644));
    for bad in ["9644", "host:port", "host:70000"] {
        let error = error_of(&minimal(&format!("yakt.admin.listener={bad}")));
        assert!(error.to_string().contains("yakt.admin.listener"), "{error}");
    }
}

// ---------------------------------------------------------------- properties syntax

#[test]
fn every_properties_syntax_rule() {
    let properties = Properties::load(&data("syntax.properties"))
        .unwrap()
        .unwrap();
    let expected = [
        ("equals", "1"),
        ("colon", "2"),
        ("space", "3"),
        ("tab", "4"),
        ("formfeed", "5"),
        ("leading.whitespace", "6"),
        ("spaces.around.separator", "7"),
        ("second.separator.kept", "= 8"),
        ("trailing.whitespace.kept", "9  "),
        ("empty.value", ""),
        ("key.only", ""),
        ("escaped=key:with separators", "10"),
        (
            "escapes",
            "tab\there\nnewline\rreturn\u{c}formfeed\\backslash",
        ),
        ("unicode", "café ☃ 😀"),
        ("other.escapes", "qwe#!\""),
        ("continued", "one,two,three"),
        ("even.backslashes", "ends.here\\"),
        ("not.a.continuation", "11"),
        ("odd.backslashes", "continues\\here"),
        ("comment.inside.continuation", "a# not a comment"),
        ("empty.continuation", "last"),
        ("after.empty.continuation", "12"),
        ("overridden", "second"),
        ("value.with.hash", "a#b!c"),
    ];
    let actual: Vec<(&str, &str)> = properties
        .iter()
        .map(|p| (p.key.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(actual, expected);
}

#[test]
fn line_breaks_cr_lf_and_crlf() {
    let properties = Properties::load(&data("line-breaks.properties"))
        .unwrap()
        .unwrap();
    let actual: Vec<(&str, &str)> = properties
        .iter()
        .map(|p| (p.key.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        actual,
        [
            ("crlf.line", "1"),
            ("cr.line", "2"),
            ("lf.line", "3"),
            ("crlf.continuation", "xy"),
            ("cr.continuation", "pq"),
            ("last", "4"),
        ]
    );
    let lines: Vec<usize> = properties.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 6, 8]);
}

#[test]
fn files_are_read_as_latin1() {
    let properties = Properties::load(&data("latin1.properties"))
        .unwrap()
        .unwrap();
    assert_eq!(properties.get("latin1"), Some("café"));
}

#[test]
fn later_definitions_override_and_keep_first_place() {
    let properties = Properties::parse("a=1\nb=2\na=3\n").unwrap();
    let keys: Vec<&str> = properties.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(properties.get("a"), Some("3"));
    assert_eq!(properties.entry("a").unwrap().line, 3);
}

#[test]
fn malformed_unicode_escape_names_its_line() {
    for (text, line) in [
        ("a=\\u12", 1),
        ("a=1\n\nb=\\u12G4", 3),
        ("a=1\\\n  \\u00\nb=2", 1),
        ("\\uXYZW=1", 1),
    ] {
        assert_eq!(
            Properties::parse(text),
            Err(PropertiesError::MalformedUnicodeEscape { line }),
            "{text:?}"
        );
    }
    let error = error_of("process.roles=controller\nnode.id=\\u00x1\n");
    assert!(matches!(
        error,
        ConfigError::Syntax {
            source: PropertiesError::MalformedUnicodeEscape { line: 2 },
            ..
        }
    ));
    assert!(error.to_string().contains("line 2"), "{error}");
}

#[test]
fn lone_surrogate_escape_is_refused() {
    assert_eq!(
        Properties::parse("a=\\uD83D!"),
        Err(PropertiesError::UnpairedSurrogate {
            line: 1,
            unit: 0xD83D
        })
    );
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range(' ', '~'),
            Just('\t'),
            Just('\n'),
            Just('\r'),
            Just('\u{c}'),
            Just('\\'),
            Just('é'),
            Just('😀'),
        ],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn written_properties_read_back_unchanged(
        pairs in proptest::collection::vec((arbitrary_text(), arbitrary_text()), 0..8)
    ) {
        let mut properties = Properties::new();
        for (key, value) in &pairs {
            properties.insert(key.clone(), value.clone());
        }
        let reread = Properties::parse(&properties.to_text()).unwrap();
        let written: Vec<(&str, &str)> =
            properties.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect();
        let read: Vec<(&str, &str)> =
            reread.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect();
        prop_assert_eq!(written, read);
    }
}

// ---------------------------------------------------------------- bad values

#[test]
fn bad_values_name_key_value_and_expectation() {
    let cases = [
        (
            "controller.quorum.election.timeout.ms",
            "abc",
            "is not a valid int",
        ),
        ("controller.quorum.fetch.timeout.ms", "-1", "at least 0"),
        (
            "controller.quorum.election.backoff.max.ms",
            "1.5",
            "is not a valid int",
        ),
        (
            "controller.quorum.request.timeout.ms",
            "2147483648",
            "is not a valid int",
        ),
        (
            "controller.quorum.retry.backoff.ms",
            "",
            "is not a valid int",
        ),
        (
            "controller.quorum.append.linger.ms",
            "x",
            "is not a valid int",
        ),
        ("controller.quorum.auto.join.enable", "yes", "valid boolean"),
        ("controller.quorum.fetch.max.bytes", "0", "at least 1"),
        ("node.id", "-1", "at least 0"),
        ("node.id", "one", "is not a valid int"),
        ("broker.heartbeat.interval.ms", "2s", "is not a valid int"),
        ("broker.session.timeout.ms", "nine", "is not a valid int"),
        ("metadata.max.idle.interval.ms", "-5", "at least 0"),
        ("metadata.log.segment.bytes", "1048576", "at least 8388608"),
        ("metadata.log.segment.ms", "week", "is not a valid long"),
        (
            "metadata.max.retention.bytes",
            "100MB",
            "is not a valid long",
        ),
        (
            "metadata.log.max.record.bytes.between.snapshots",
            "0",
            "at least 1",
        ),
        ("metadata.log.max.snapshot.interval.ms", "-1", "at least 0"),
        ("socket.request.max.bytes", "0", "at least 1"),
        ("num.partitions", "0", "at least 1"),
        ("min.insync.replicas", "0", "at least 1"),
        ("listeners", "CONTROLLER:9093", "NAME://host:port"),
        ("listeners", "CONTROLLER://:65536", "NAME://host:port"),
        ("listeners", "CONTROLLER://:9093,", "without empty entries"),
        (
            "advertised.listeners",
            "CONTROLLER//localhost:9093",
            "NAME://host:port",
        ),
        (
            "controller.quorum.voters",
            "1localhost:9093",
            "{id}@{host}:{port}",
        ),
        (
            "controller.quorum.voters",
            "one@localhost:9093",
            "{id}@{host}:{port}",
        ),
        (
            "controller.quorum.voters",
            "1@localhost",
            "{id}@{host}:{port}",
        ),
        ("controller.quorum.voters", "1@0.0.0.0:9093", "routable"),
        (
            "controller.quorum.bootstrap.servers",
            "localhost",
            "{host}:{port}",
        ),
        (
            "listener.security.protocol.map",
            "CONTROLLER:TLS",
            "PLAINTEXT, SSL",
        ),
        (
            "listener.security.protocol.map",
            "CONTROLLER",
            "LISTENER_NAME:PROTOCOL",
        ),
        ("controller.listener.names", "", "non-empty list"),
        ("process.roles", "zookeeper", "broker, controller"),
        ("process.roles", "", "broker, controller"),
    ];
    for (key, value, expected) in cases {
        let error = error_of(&minimal(&format!("{key}={value}")));
        let message = error.to_string();
        assert_eq!(error.key(), Some(key), "{message}");
        assert!(
            matches!(error, ConfigError::InvalidValue { .. }),
            "{message}"
        );
        assert!(message.starts_with(&format!("{key}: ")), "{message}");
        assert!(message.contains(&format!("{value:?}")), "{message}");
        assert!(message.contains(expected), "{key}={value}: {message}");
    }
}

#[test]
fn bad_int_message_reads_as_documented() {
    let error = error_of(&minimal("controller.quorum.election.timeout.ms=abc"));
    assert_eq!(
        error.to_string(),
        "controller.quorum.election.timeout.ms: \"abc\" is not a valid int"
    );
}

#[test]
fn values_are_trimmed_like_kafkas_config_def() {
    let config = ControllerConfig::parse_str(&minimal(
        "controller.quorum.election.timeout.ms = 1234  \ncontroller.quorum.auto.join.enable=TRUE",
    ))
    .unwrap();
    assert_eq!(config.quorum.election_timeout_ms, 1234);
    assert!(config.quorum_auto_join_enable);
}

#[test]
fn missing_required_keys_are_named() {
    for key in ["process.roles", "node.id", "controller.listener.names"] {
        let text: String = minimal("")
            .lines()
            .filter(|line| !line.starts_with(&format!("{key}=")))
            .map(|line| format!("{line}\n"))
            .collect();
        let error = error_of(&text);
        assert!(
            matches!(&error, ConfigError::Missing { key: k } if k == key),
            "{error}"
        );
        assert!(error.to_string().contains(key), "{error}");
    }
}

// ---------------------------------------------------------------- roles

#[test]
fn broker_and_combined_roles_are_refused() {
    for roles in ["broker", "broker,controller", "controller, broker"] {
        let error = error_of(&minimal(&format!("process.roles={roles}")));
        assert!(matches!(&error, ConfigError::UnsupportedRoles { value } if value == roles));
        let message = error.to_string();
        assert!(message.contains("yakt runs controllers only"), "{message}");
        assert!(message.contains(roles), "{message}");
    }
}

#[test]
fn broker_role_is_refused_before_anything_else() {
    // A broker's file need not look like a controller's for the message to be about roles.
    let error = error_of("process.roles=broker\nnode.id=4\nlisteners=PLAINTEXT://:9092\n");
    assert!(
        matches!(error, ConfigError::UnsupportedRoles { .. }),
        "{error}"
    );
}

#[test]
fn repeated_controller_role_is_accepted_as_kafka_does() {
    let config =
        ControllerConfig::parse_str(&minimal("process.roles=controller,controller")).unwrap();
    assert_eq!(config.process_roles, vec![ProcessRole::Controller]);
}

// ---------------------------------------------------------------- rules between keys

fn inconsistency(text: &str, key: &str, words: &str) {
    let error = error_of(text);
    assert!(matches!(error, ConfigError::Inconsistent { .. }), "{error}");
    assert_eq!(error.key(), Some(key), "{error}");
    assert!(error.to_string().contains(words), "{error}");
}

#[test]
fn a_controller_needs_voters_or_bootstrap_servers() {
    let text = minimal("").replace("controller.quorum.bootstrap.servers=localhost:9093\n", "");
    inconsistency(
        &text,
        "controller.quorum.voters",
        "controller.quorum.bootstrap.servers",
    );
}

#[test]
fn a_static_voter_set_must_hold_this_node() {
    inconsistency(
        &minimal("controller.quorum.voters=2@a:9093,3@b:9093"),
        "controller.quorum.voters",
        "node.id (1) must be one of the voters (2, 3)",
    );
    // A repeated id keeps its last address, as Kafka's voter map does.
    let config =
        ControllerConfig::parse_str(&minimal("controller.quorum.voters=1@a:9093,1@b:9093"))
            .unwrap();
    assert_eq!(config.quorum_voters, vec![voter(1, "b", 9093)]);
}

#[test]
fn listeners_must_all_be_controller_listeners() {
    inconsistency(
        &minimal("listeners=CONTROLLER://:9093,PLAINTEXT://:9092"),
        "listeners",
        "must only contain controller listeners",
    );
    // Kafka's default listeners (PLAINTEXT://:9092) are not a controller listener.
    let text = minimal("").replace("listeners=CONTROLLER://:9093\n", "");
    inconsistency(&text, "listeners", "must only contain controller listeners");
}

#[test]
fn controller_listener_names_must_be_in_listeners() {
    inconsistency(
        &minimal("controller.listener.names=CONTROLLER,OTHER"),
        "controller.listener.names",
        "OTHER does not appear in listeners",
    );
}

#[test]
fn listener_names_and_ports_must_differ() {
    inconsistency(
        &minimal("controller.listener.names=A,B\nlisteners=A://:9093,B://:9093"),
        "listeners",
        "different port",
    );
    inconsistency(
        &minimal("listeners=CONTROLLER://:9093,CONTROLLER://:9094"),
        "listeners",
        "different name",
    );
    // One IPv4 and one IPv6 address may share a port.
    let config = ControllerConfig::parse_str(&minimal(
        "controller.listener.names=A,B\nlisteners=A://127.0.0.1:9093,B://[::1]:9093",
    ))
    .unwrap();
    assert_eq!(
        config.listeners,
        vec![
            Endpoint::new("A", "127.0.0.1", 9093),
            Endpoint::new("B", "::1", 9093)
        ]
    );
}

#[test]
fn every_listener_needs_a_security_protocol() {
    // An explicit map replaces the implicit CONTROLLER:PLAINTEXT entry.
    inconsistency(
        &minimal("listener.security.protocol.map=PLAINTEXT:PLAINTEXT"),
        "listener.security.protocol.map",
        "no security protocol defined for listener CONTROLLER",
    );
    // A protocol-named controller listener disables the implicit PLAINTEXT entries.
    inconsistency(
        &minimal(
            "controller.listener.names=CONTROLLER,SSL\nlisteners=CONTROLLER://:9093,SSL://:9094",
        ),
        "listener.security.protocol.map",
        "listener CONTROLLER",
    );
    // Kafka upper-cases listener names but not controller.listener.names.
    inconsistency(
        &minimal("controller.listener.names=controller\nlisteners=controller://:9093"),
        "listener.security.protocol.map",
        "listener CONTROLLER",
    );
}

#[test]
fn protocol_named_and_mapped_listeners() {
    let config = ControllerConfig::parse_str(&minimal(
        "controller.listener.names=SSL\nlisteners=SSL://:9093",
    ))
    .unwrap();
    assert_eq!(config.security_protocol("SSL"), Some(SecurityProtocol::Ssl));
    let config = ControllerConfig::parse_str(&minimal(
        "controller.listener.names=SECURE,CONTROLLER\n\
         listeners=CONTROLLER://:9093,SECURE://[::1]:9094\n\
         listener.security.protocol.map=CONTROLLER:PLAINTEXT, secure:sasl_ssl",
    ))
    .unwrap();
    assert_eq!(
        config.security_protocol("SECURE"),
        Some(SecurityProtocol::SaslSsl)
    );
    assert_eq!(
        config.security_protocol("CONTROLLER"),
        Some(SecurityProtocol::Plaintext)
    );
    assert_eq!(config.security_protocol("SSL"), None);
    let names: Vec<&str> = config
        .controller_endpoints()
        .iter()
        .map(|e| e.listener_name.as_str())
        .collect();
    assert_eq!(names, ["SECURE", "CONTROLLER"]);
    assert_eq!(
        config.advertised_listeners[0],
        Endpoint::new("SECURE", "::1", 9094)
    );
}

#[test]
fn advertised_listeners_follow_kafka() {
    // advertised.listeners wins; a name missing there falls back to listeners.
    let config = ControllerConfig::parse_str(&minimal(
        "controller.listener.names=A,B\nlisteners=A://:9093,B://b-host:9094\n\
         advertised.listeners=A://a.example:19093",
    ))
    .unwrap();
    assert_eq!(
        config.advertised_listeners,
        vec![
            Endpoint::new("A", "a.example", 19093),
            Endpoint::new("B", "b-host", 9094)
        ]
    );
    // 0.0.0.0 is never advertised: left for the listener to resolve in a dynamic quorum.
    let config =
        ControllerConfig::parse_str(&minimal("listeners=CONTROLLER://0.0.0.0:9093")).unwrap();
    assert_eq!(config.listeners[0].host, "0.0.0.0");
    assert_eq!(
        config.advertised_listeners,
        vec![Endpoint::new("CONTROLLER", "", 9093)]
    );
    // ... and taken, port too, from this node's voter entry in a static one.
    let config = ControllerConfig::parse_str(&minimal(
        "listeners=CONTROLLER://0.0.0.0:9095\ncontroller.quorum.voters=1@c1:9093",
    ))
    .unwrap();
    assert_eq!(
        config.advertised_listeners,
        vec![Endpoint::new("CONTROLLER", "c1", 9093)]
    );
    inconsistency(
        &minimal("advertised.listeners=CONTROLLER://0.0.0.0:9093"),
        "advertised.listeners",
        "0.0.0.0",
    );
}

#[test]
fn inter_broker_listener_may_not_be_a_controller_listener() {
    inconsistency(
        &minimal("inter.broker.listener.name=CONTROLLER"),
        "controller.listener.names",
        "inter.broker.listener.name",
    );
}

#[test]
fn ipv6_hosts_in_every_address() {
    let config = ControllerConfig::parse_str(&minimal(
        "listeners=CONTROLLER://[::1]:9093\ncontroller.quorum.voters=1@[::1]:9093\n\
         controller.quorum.bootstrap.servers=[fe80::1%eth0]:9093",
    ))
    .unwrap();
    assert_eq!(
        config.listeners,
        vec![Endpoint::new("CONTROLLER", "::1", 9093)]
    );
    assert_eq!(config.quorum_voters, vec![voter(1, "::1", 9093)]);
    assert_eq!(config.quorum_bootstrap_servers[0].host, "fe80::1%eth0");
    assert_eq!(config.listeners[0].to_string(), "CONTROLLER://[::1]:9093");
}

#[test]
fn a_heartbeat_above_half_the_session_is_a_warning_not_an_error() {
    let config = ControllerConfig::parse_str(&minimal("")).unwrap();
    assert!(config.warnings().is_empty());
    let config = ControllerConfig::parse_str(&minimal(
        "broker.heartbeat.interval.ms=5000\nbroker.session.timeout.ms=9000",
    ))
    .unwrap();
    let warnings = config.warnings();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("broker.heartbeat.interval.ms (5000 ms)"),
        "{warnings:?}"
    );
}

// ---------------------------------------------------------------- unused keys

#[test]
fn unknown_keys_are_reported_once_not_fatal() {
    let config = ControllerConfig::parse_str(&minimal(
        "num.io.threads=8\nmade.up.key=1\nnum.io.threads=16\nlog.retention.hours=1",
    ))
    .unwrap();
    assert_eq!(
        config.unused_keys(),
        ["num.io.threads", "made.up.key", "log.retention.hours"]
    );
}

// ---------------------------------------------------------------- in code and on disk

#[test]
fn builder_makes_a_config_that_saves_and_loads() {
    let voters = [
        voter(1, "localhost", 19091),
        voter(2, "localhost", 19092),
        voter(3, "localhost", 19093),
    ];
    let directory = tempfile::tempdir().unwrap();
    let metadata = directory.path().join("node-2");
    let builder = ControllerConfig::builder(2)
        .listener("localhost", 19092)
        .quorum_voters(&voters)
        .metadata_log_dir(&metadata)
        .set("controller.quorum.election.timeout.ms", "700");
    let config = builder.build().unwrap();
    assert_eq!(config.node_id, 2);
    assert_eq!(config.quorum_voters, voters);
    assert_eq!(config.metadata_log_dir, metadata);
    assert_eq!(config.quorum.election_timeout_ms, 700);
    assert_eq!(
        config.controller_endpoints(),
        vec![&Endpoint::new("CONTROLLER", "localhost", 19092)]
    );
    assert!(config.unused_keys().is_empty());

    let file = directory.path().join("controller.properties");
    std::fs::write(&file, builder.properties().to_text()).unwrap();
    assert_eq!(ControllerConfig::load(&file).unwrap(), config);

    let bootstrap = [HostPort {
        host: "localhost".into(),
        port: 19091,
    }];
    let observer = ControllerConfig::builder(4)
        .listener("", 19094)
        .advertised_listener("::1", 19094)
        .quorum_bootstrap_servers(&bootstrap)
        .build()
        .unwrap();
    assert_eq!(observer.quorum_bootstrap_servers, bootstrap);
    assert_eq!(
        observer.advertised_listeners,
        vec![Endpoint::new("CONTROLLER", "::1", 19094)]
    );
}

#[test]
fn an_unreadable_file_names_its_path() {
    let path = data("no-such-file.properties");
    let error = ControllerConfig::load(&path).unwrap_err();
    assert!(matches!(error, ConfigError::Io { .. }));
    assert!(
        error.to_string().contains("no-such-file.properties"),
        "{error}"
    );
}

#[test]
fn debug_forms_never_print_secret_values() {
    let secret = "s3cret-never-printed";
    let config = ControllerConfig::parse_str(&minimal(&format!(
        "delegation.token.secret.key={secret}\nssl.key.password={secret}"
    )))
    .unwrap();
    let settings = yakt::controller::ControllerSettings::from_config(&config, "cluster");
    assert!(config
        .properties()
        .iter()
        .any(|(key, value)| key == "ssl.key.password" && value == secret));
    for form in [format!("{config:?}"), format!("{settings:?}")] {
        assert!(form.contains("ssl.key.password"), "{form}");
        assert!(!form.contains(secret), "{form}");
    }
}
