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
