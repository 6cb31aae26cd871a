//! DescribeConfigs of BROKER resources against Kafka's own classes:
//! `tests/java/BrokerConfigsProbe.java` builds a controller's `KafkaConfig` from a properties
//! file, applies dynamic per-broker and cluster-default configs as a controller does, and
//! prints what `kafka.server.ConfigHelper` answers for this node's id, the empty name, another
//! id and a name that is not a number. yakt's controller, given the same file and the same
//! `ConfigRecord`s, must answer the same: every config, value, source, sensitivity, read-only
//! flag, type and synonym. The committed table of Kafka's broker keys
//! (`src/controller/configs/broker_keys.tsv`) must be what the probe prints
//! (`YAKT_BLESS=1` rewrites it). Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod controller_support;
mod support;

use std::fs;

use controller_support::{Harness, CLUSTER_ID};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse};
use kafka_protocol::protocol::StrBytes;
use support::{compile_java, expect_success, kafka_version, repo_root, KafkaTool};
use yakt::config::ControllerConfig;
use yakt::controller::ControllerSettings;
use yakt_wire::{ConfigRecord, MetadataRecord};

const BROKER: i8 = 4;

fn probe(args: &[&str]) -> String {
    let version = kafka_version();
    let classes = compile_java(&version, "BrokerConfigsProbe");
    let output = KafkaTool::new(&version, "BrokerConfigsProbe")
        .classpath(&classes)
        .args(args)
        .output();
    expect_success(&output, &format!("BrokerConfigsProbe {}", args.join(" ")))
}

#[test]
fn the_broker_key_table_is_kafkas() {
    let path = repo_root().join("src/controller/configs/broker_keys.tsv");
    let kafka = probe(&["table"]);
    if std::env::var_os("YAKT_BLESS").is_some() {
        fs::write(&path, &kafka).unwrap();
    }
    let ours = fs::read_to_string(&path).unwrap();
    assert!(
        ours == kafka,
        "{} differs from Kafka {}'s keys (YAKT_BLESS=1 rewrites it)",
        path.display(),
        kafka_version()
    );
}

fn escape(text: Option<&str>) -> String {
    match text {
        None => "\\N".to_owned(),
        Some(text) => text
            .replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r"),
    }
}

/// A response in the probe's format.
fn render(response: &DescribeConfigsResponse) -> String {
    let mut out = String::new();
    for result in &response.results {
        out += &format!(
            "== {} {} {}\n",
            escape(Some(&result.resource_name)),
            result.error_code,
            escape(result.error_message.as_deref())
        );
        let mut configs = result.configs.clone();
        configs.sort_by(|a, b| a.name.cmp(&b.name));
        for c in configs {
            out += &format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                escape(Some(&c.name)),
                escape(c.value.as_deref()),
                c.config_source,
                c.is_sensitive,
                c.read_only,
                c.config_type
            );
            for s in &c.synonyms {
                out += &format!(
                    "\t{}={}@{}",
                    escape(Some(&s.name)),
                    escape(s.value.as_deref()),
                    s.source
                );
            }
            out += "\n";
        }
    }
    out
}

fn config_records(name: &str, text: &str) -> Vec<MetadataRecord> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| {
            ConfigRecord {
                resource_type: BROKER,
                resource_name: name.to_owned(),
                name: key.to_owned(),
                value: Some(value.to_owned()),
                ..Default::default()
            }
            .into()
        })
        .collect()
}

/// What yakt's controller answers for the probe's four resources.
fn yakt_describe(file: &str, per_broker: &str, defaults: &str) -> String {
    let config = ControllerConfig::parse_str(file).expect("a valid controller file");
    let settings = ControllerSettings::from_config(&config, CLUSTER_ID);
    let node_id = settings.node_id;
    let mut h = Harness::with_settings(25, false, settings);
    h.replay(&config_records("", defaults));
    h.replay(&config_records(&node_id.to_string(), per_broker));
    let names = [
        node_id.to_string(),
        String::new(),
        (node_id + 1).to_string(),
        "x".to_owned(),
    ];
    let request = DescribeConfigsRequest::default()
        .with_include_synonyms(true)
        .with_resources(
            names
                .iter()
                .map(|name| {
                    DescribeConfigsResource::default()
                        .with_resource_type(BROKER)
                        .with_resource_name(StrBytes::from_string(name.clone()))
                        .with_configuration_keys(None)
                })
                .collect(),
        );
    render(&h.controller.describe_configs(&request, 4))
}

const BASE: &str =
    "process.roles=controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\n\
                    listeners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n";

/// (name, extra file lines, dynamic configs of node 1, cluster-wide dynamic defaults).
const CASES: &[(&str, &str, &str, &str)] = &[
    ("defaults", "", "", ""),
    (
        "static-keys",
        "log.dirs=/a, /b\nnum.partitions = 3 \nlog.retention.hours=24\nmy.custom.key=hello\n\
         ssl.keystore.password=secret\nlistener.name.controller.ssl.keystore.location=/k\n\
         log.cleaner.io.buffer.load.factor=0.90\nauto.create.topics.enable=FALSE\n\
         metadata.log.segment.ms=1000\n",
        "",
        "",
    ),
    (
        "dynamic",
        "log.retention.hours=24\nlistener.name.controller.ssl.keystore.location=/k\n",
        "log.cleaner.threads=2\nlog.retention.ms=1000\nnum.io.threads=4\nssl.keystore.location=/a\n\
         foo.bar=1\nbackground.threads=abc\nlistener.name.controller.ssl.keystore.location=/dyn\n\
         leader.replication.throttled.rate=100\nlog.roll.hours=2\n",
        "log.cleaner.backoff.ms=20000\nlog.cleaner.threads=3\n\
         listener.name.controller.ssl.truststore.location=/t\nlog.retention.minutes=5\n\
         num.network.threads=5\nlistener.name.controller.num.network.threads=6\n\
         log.roll.ms=7000\nmessage.max.bytes=2000\n",
    ),
];

#[test]
fn a_controller_describes_itself_as_kafka_does() {
    let dir = tempfile::tempdir().unwrap();
    for (name, extra, per_broker, defaults) in CASES {
        let file_text = format!("{BASE}{extra}");
        let file = dir.path().join(format!("{name}.properties"));
        let per_broker_file = dir.path().join(format!("{name}-broker.properties"));
        let defaults_file = dir.path().join(format!("{name}-default.properties"));
        fs::write(&file, &file_text).unwrap();
        fs::write(&per_broker_file, per_broker).unwrap();
        fs::write(&defaults_file, defaults).unwrap();
        let path = |p: &std::path::Path| p.display().to_string();
        let kafka = probe(&[
            "describe",
            &path(&file),
            "1",
            &path(&per_broker_file),
            &path(&defaults_file),
        ]);
        assert!(
            kafka.lines().count() > 300,
            "case {name}: Kafka said\n{kafka}"
        );
        let ours = yakt_describe(&file_text, per_broker, defaults);
        let differences: Vec<String> = diff(&kafka, &ours);
        assert!(
            differences.is_empty(),
            "case {name}: yakt (+) and Kafka (-) differ:\n{}",
            differences.join("\n")
        );
    }
}

/// The lines only one side has, `-` Kafka's and `+` yakt's.
fn diff(kafka: &str, ours: &str) -> Vec<String> {
    let kafka_lines: Vec<&str> = kafka.lines().collect();
    let our_lines: Vec<&str> = ours.lines().collect();
    let mut out: Vec<String> = kafka_lines
        .iter()
        .filter(|l| !our_lines.contains(l))
        .map(|l| format!("- {l}"))
        .collect();
    out.extend(
        our_lines
            .iter()
            .filter(|l| !kafka_lines.contains(l))
            .map(|l| format!("+ {l}")),
    );
    out
}

fn describe(
    h: &Harness,
    name: &str,
    keys: Option<&[&str]>,
    documentation: bool,
) -> kafka_protocol::messages::describe_configs_response::DescribeConfigsResult {
    let resource = DescribeConfigsResource::default()
        .with_resource_type(BROKER)
        .with_resource_name(StrBytes::from_string(name.to_owned()))
        .with_configuration_keys(keys.map(|keys| {
            keys.iter()
                .map(|k| StrBytes::from_string((*k).to_owned()))
                .collect()
        }));
    let request = DescribeConfigsRequest::default()
        .with_include_documentation(documentation)
        .with_resources(vec![resource]);
    h.controller.describe_configs(&request, 4).results[0].clone()
}

fn harness(file: &str) -> Harness {
    let config = ControllerConfig::parse_str(&format!("{BASE}{file}")).unwrap();
    Harness::with_settings(
        25,
        false,
        ControllerSettings::from_config(&config, CLUSTER_ID),
    )
}

#[test]
fn only_this_controller_and_the_defaults_are_described() {
    let mut h = harness("");
    h.add_broker(2);
    h.replay(&config_records("2", "log.cleaner.threads=2"));
    let other = describe(&h, "2", None, false);
    assert_eq!(
        (other.error_code, other.error_message.as_deref()),
        (
            42,
            Some("Unexpected broker id, expected 1 or empty string, but received 2")
        )
    );
    assert!(other.configs.is_empty());
    let own = describe(&h, "1", Some(&["log.cleaner.threads"]), false);
    let threads = &own.configs[0];
    assert_eq!(
        (threads.value.as_deref(), threads.config_source),
        (Some("1"), 5)
    );
}

#[test]
fn documentation_and_sensitive_values_as_asked() {
    let h = harness("ssl.key.password=secret\nmy.key=1\n");
    let own = describe(
        &h,
        "1",
        Some(&["node.id", "ssl.key.password", "my.key"]),
        true,
    );
    let find = |name: &str| {
        own.configs
            .iter()
            .find(|c| c.name.as_str() == name)
            .unwrap()
    };
    assert!(find("node.id")
        .documentation
        .as_deref()
        .is_some_and(|d| d.contains("node ID")));
    for name in ["ssl.key.password", "my.key"] {
        let config = find(name);
        assert_eq!(
            (
                config.value.as_deref(),
                config.is_sensitive,
                config.config_source
            ),
            (None, true, 4),
            "{name}"
        );
    }
    let without = describe(&h, "1", Some(&["node.id"]), false);
    assert_eq!(without.configs[0].documentation, None);
}

fn alter_one(h: &Harness, name: &str, key: &str, op: i8, value: Option<&str>) -> (i16, String) {
    use kafka_protocol::messages::incremental_alter_configs_request::{
        AlterConfigsResource, AlterableConfig,
    };
    let config = AlterableConfig::default()
        .with_name(StrBytes::from_string(key.to_owned()))
        .with_config_operation(op)
        .with_value(value.map(|v| StrBytes::from_string(v.to_owned())));
    let resource = AlterConfigsResource::default()
        .with_resource_type(BROKER)
        .with_resource_name(StrBytes::from_string(name.to_owned()))
        .with_configs(vec![config]);
    let request = kafka_protocol::messages::IncrementalAlterConfigsRequest::default()
        .with_resources(vec![resource]);
    let result = h.controller.incremental_alter_configs(&request);
    let response = &result.response.responses[0];
    (
        response.error_code,
        response
            .error_message
            .as_deref()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[test]
fn broker_alters_pass_the_controllers_checks_only() {
    const SET: i8 = 0;
    const DELETE: i8 = 1;
    let mut h = Harness::new(25, true);
    h.add_broker(2);
    // A Kafka controller leaves key and value checks of broker configs to the broker that
    // forwards the change: unknown, read-only, per-broker-only at the default, bad values.
    for (name, key, value) in [
        ("2", "no.such.key", "1"),
        ("2", "node.id", "7"),
        ("", "ssl.keystore.location", "/k"),
        ("", "log.cleaner.threads", "many"),
    ] {
        assert_eq!(
            alter_one(&h, name, key, SET, Some(value)),
            (0, String::new()),
            "{key}"
        );
    }
    let refused = [
        (
            alter_one(&h, "2", "min.insync.replicas", SET, Some("2")),
            "Broker-level min.insync.replicas cannot be altered while ELR is enabled.",
        ),
        (
            alter_one(&h, "", "min.insync.replicas", DELETE, None),
            "Cluster-level min.insync.replicas cannot be removed while ELR is enabled.",
        ),
        (
            alter_one(&h, "2", "cordoned.log.dirs", SET, Some("/a")),
            "The cordoned.log.dirs configuration value cannot be set because it requires \
             metadata.version >= 4.3-IV0",
        ),
        (
            alter_one(
                &h,
                "",
                "log.cleaner.threads",
                SET,
                Some(&"9".repeat(32_768)),
            ),
            "The configuration value cannot be added because it exceeds the maximum value \
             size of 32767 bytes.",
        ),
    ];
    for ((code, message), expected) in refused {
        assert_eq!((code, message.as_str()), (40, expected));
    }
    assert_eq!(
        alter_one(&h, "", "min.insync.replicas", SET, Some("2")).0,
        0
    );
}

#[test]
fn topic_values_are_checked_together_as_kafkas_log_config_does() {
    use kafka_protocol::messages::incremental_alter_configs_request::{
        AlterConfigsResource, AlterableConfig,
    };
    let mut h = Harness::new(25, false);
    h.add_broker(2);
    h.add_topic("t", yakt_wire::Uuid::new(4, 4), &[(&[2], &[2], 2)]);
    let alter = |pairs: &[(&str, &str)]| {
        let configs = pairs
            .iter()
            .map(|(k, v)| {
                AlterableConfig::default()
                    .with_name(StrBytes::from_string((*k).to_owned()))
                    .with_value(Some(StrBytes::from_string((*v).to_owned())))
            })
            .collect();
        let resource = AlterConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(StrBytes::from_string("t".to_owned()))
            .with_configs(configs);
        let request = kafka_protocol::messages::IncrementalAlterConfigsRequest::default()
            .with_resources(vec![resource]);
        let result = h.controller.incremental_alter_configs(&request);
        let response = result.response.responses[0].clone();
        (
            response.error_code,
            response.error_message.map(|m| m.to_string()),
        )
    };
    assert_eq!(
        alter(&[
            ("min.compaction.lag.ms", "10"),
            ("max.compaction.lag.ms", "5")
        ]),
        (
            40,
            Some(
                "conflict topic config setting min.compaction.lag.ms (10) > \
                 max.compaction.lag.ms (5)"
                    .to_owned()
            )
        )
    );
    assert_eq!(
        alter(&[
            ("min.compaction.lag.ms", "5"),
            ("max.compaction.lag.ms", "10")
        ])
        .0,
        0
    );
    assert_eq!(alter(&[("remote.storage.enable", "true")]).0, 40);
}
