//! GROUP and CLIENT_METRICS config changes against Kafka's own classes:
//! `tests/java/GroupConfigProbe.java` builds a controller's `KafkaConfig` from the same
//! properties and asks Kafka's `ControllerConfigurationValidator` (`GroupConfig.validate`
//! with the controller's `group.*` settings, `ClientMetricsConfigs.validate`) about each
//! change; yakt's controller, given the same properties, current configs and change through
//! IncrementalAlterConfigs, must accept what Kafka accepts and refuse the rest with Kafka's
//! error code and message. `tests/java/GroupDescribeProbe.java` has Kafka's `ConfigHelper`
//! describe GROUP and CLIENT_METRICS resources over the same controller properties and
//! stored configs; yakt's DescribeConfigs must give the same entries in the same order
//! (name, value, source, sensitivity, read-only, type, documentation, synonyms). Needs Java
//! 17 and `scripts/kafka fetch`; fails without them.

mod controller_support;
mod support;

use std::fmt::Write as _;
use std::fs;

use controller_support::{Harness, CLUSTER_ID};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::{DescribeConfigsRequest, IncrementalAlterConfigsRequest};
use kafka_protocol::protocol::StrBytes;
use support::{compile_java, expect_success, kafka_version, KafkaTool};
use yakt::config::ControllerConfig;
use yakt::controller::configs::group_keys::is_group_config_key;
use yakt::controller::ControllerSettings;
use yakt_wire::ConfigRecord;

const GROUP: i8 = 32;
const CLIENT_METRICS: i8 = 16;

const BASE: &str =
    "process.roles=controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\n\
     listeners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n";

/// A change to check: resource type and name, the controller's extra properties, the
/// resource's current configs (by name) and the keys set.
struct Case {
    resource_type: i8,
    name: String,
    controller: Vec<(String, String)>,
    existing: Vec<(String, String)>,
    change: Vec<(String, String)>,
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn case(resource_type: i8, name: &str, change: &[(&str, &str)]) -> Case {
    Case {
        resource_type,
        name: name.to_owned(),
        controller: Vec::new(),
        existing: Vec::new(),
        change: owned(change),
    }
}

fn field(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "-".to_owned();
    }
    let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    joined.join("\u{1f}")
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// Kafka's verdict on every case, one line each.
fn kafka_verdicts(cases: &[Case]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("controller.properties");
    fs::write(&base, BASE).unwrap();
    let mut lines = String::new();
    for c in cases {
        let _ = writeln!(
            lines,
            "{}\t{}\t{}\t{}\t{}",
            c.resource_type,
            c.name,
            field(&c.controller),
            field(&c.existing),
            field(&c.change)
        );
    }
    let file = dir.path().join("cases.tsv");
    fs::write(&file, lines).unwrap();
    let version = kafka_version();
    let classes = compile_java(&version, "GroupConfigProbe");
    let output = KafkaTool::new(&version, "GroupConfigProbe")
        .classpath(&classes)
        .args(&[
            "check",
            &base.display().to_string(),
            &file.display().to_string(),
        ])
        .output();
    let text = expect_success(&output, "GroupConfigProbe check");
    text.lines().map(str::to_owned).collect()
}

/// A controller of `BASE` and `controller`'s properties whose resource holds `existing`.
fn harness(c: &Case) -> Harness {
    let mut file = BASE.to_owned();
    for (k, v) in &c.controller {
        let _ = writeln!(file, "{k}={v}");
    }
    let config = ControllerConfig::parse_str(&file).expect("a valid controller file");
    let settings = ControllerSettings::from_config(&config, CLUSTER_ID);
    let mut h = Harness::with_settings(25, false, settings);
    let records: Vec<_> = c
        .existing
        .iter()
        .map(|(k, v)| {
            ConfigRecord {
                resource_type: c.resource_type,
                resource_name: c.name.clone(),
                name: k.clone(),
                value: Some(v.clone()),
                ..Default::default()
            }
            .into()
        })
        .collect();
    h.replay(&records);
    h
}

/// yakt's verdict on one case, in the probe's format.
fn yakt_verdict(c: &Case) -> String {
    let h = harness(c);
    let configs = c
        .change
        .iter()
        .map(|(k, v)| {
            AlterableConfig::default()
                .with_name(StrBytes::from_string(k.clone()))
                .with_config_operation(0)
                .with_value(Some(StrBytes::from_string(v.clone())))
        })
        .collect();
    let request = IncrementalAlterConfigsRequest::default().with_resources(vec![
        AlterConfigsResource::default()
            .with_resource_type(c.resource_type)
            .with_resource_name(StrBytes::from_string(c.name.clone()))
            .with_configs(configs),
    ]);
    let result = h.controller.incremental_alter_configs(&request);
    let response = &result.response.responses[0];
    match response.error_code {
        0 => "ok".to_owned(),
        code => format!(
            "{code}\t{}",
            escape(response.error_message.as_deref().unwrap_or("\\N"))
        ),
    }
}

/// Every case where yakt and Kafka differ, and how many cases Kafka refused.
fn compare(cases: &[Case]) -> (Vec<String>, usize) {
    let kafka = kafka_verdicts(cases);
    assert_eq!(kafka.len(), cases.len(), "the probe answers every case");
    let mut differences = Vec::new();
    for (c, kafka) in cases.iter().zip(&kafka) {
        let ours = yakt_verdict(c);
        if &ours != kafka {
            differences.push(format!(
                "{} {:?} controller {:?} existing {:?} change {:?}\n  kafka: {kafka}\n  yakt:  {ours}",
                c.resource_type, c.name, c.controller, c.existing, c.change
            ));
        }
    }
    let refused = kafka.iter().filter(|v| *v != "ok").count();
    (differences, refused)
}

fn assert_same(cases: &[Case]) {
    let (differences, refused) = compare(cases);
    assert!(
        differences.is_empty(),
        "{} of {} cases differ:\n{}",
        differences.len(),
        cases.len(),
        differences.join("\n")
    );
    // The cases exercise both outcomes.
    assert!(refused > 0 && refused < cases.len(), "{refused} refused");
}

#[test]
fn the_group_keys_are_kafkas() {
    let version = kafka_version();
    let classes = compile_java(&version, "GroupConfigProbe");
    let output = KafkaTool::new(&version, "GroupConfigProbe")
        .classpath(&classes)
        .args(&["keys"])
        .output();
    let text = expect_success(&output, "GroupConfigProbe keys");
    let group: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("group "))
        .collect();
    assert_eq!(group.len(), 17, "{text}");
    for key in group {
        assert!(is_group_config_key(key), "{key}");
    }
    assert!(
        text.contains("client-metrics interval.ms\nclient-metrics match\nclient-metrics metrics")
    );
}

const INT_KEYS: &[&str] = &[
    "consumer.session.timeout.ms",
    "consumer.heartbeat.interval.ms",
    "consumer.assignment.interval.ms",
    "share.session.timeout.ms",
    "share.heartbeat.interval.ms",
    "share.record.lock.duration.ms",
    "share.delivery.count.limit",
    "share.partition.max.record.locks",
    "share.assignment.interval.ms",
    "streams.session.timeout.ms",
    "streams.heartbeat.interval.ms",
    "streams.num.standby.replicas",
    "streams.initial.rebalance.delay.ms",
    "streams.assignment.interval.ms",
];

const INT_VALUES: &[&str] = &[
    "-1",
    "0",
    "1",
    "2",
    "3",
    "99",
    "100",
    "999",
    "1000",
    "4000",
    "4001",
    "4999",
    "5000",
    "10",
    "11",
    "14999",
    "15000",
    "15001",
    "44999",
    "45000",
    "59999",
    "60000",
    "60001",
    "2147483647",
    "2147483648",
    " 5000 ",
    "+5000",
    "5000.0",
    "",
    "abc",
    "0x10",
];

#[test]
fn every_group_number_as_kafka_checks_it() {
    let mut cases = Vec::new();
    for key in INT_KEYS {
        for value in INT_VALUES {
            cases.push(case(GROUP, "g", &[(key, value)]));
        }
    }
    assert_same(&cases);
}

#[test]
fn group_strings_booleans_names_and_unknown_keys() {
    let mut cases = Vec::new();
    for value in [
        "earliest",
        "latest",
        "none",
        "EARLIEST",
        " latest ",
        "by_duration:PT1H",
        "by_duration:P1DT2H3M4.5S",
        "by_duration:-PT1H",
        "by_duration:PT-0.5S",
        "by_duration:PT0S",
        "by_duration:",
        "by_duration",
        "by_duration:1H",
        "by_duration:PT",
        "by_duration:P9999999999999999D",
        "",
        "x",
    ] {
        cases.push(case(GROUP, "g", &[("share.auto.offset.reset", value)]));
    }
    for value in [
        "read_committed",
        "read_uncommitted",
        "READ_COMMITTED",
        " read_committed ",
        "",
        "x",
    ] {
        cases.push(case(GROUP, "g", &[("share.isolation.level", value)]));
    }
    for value in ["true", "FALSE", " true ", "yes", "", "1"] {
        cases.push(case(
            GROUP,
            "g",
            &[("share.renew.acknowledge.enable", value)],
        ));
    }
    for keys in [
        &["nonsense"][..],
        &["consumer.assignor.offload.enable"],
        &["group.consumer.session.timeout.ms"],
        &["a", "b", "c", "nonsense", "zzz"],
        // Thirteen keys: Kafka's maps grow to 32 buckets. (Keys sharing a bucket are named in
        // the request's order, which yakt does not keep: x.7 and x.12 would differ.)
        &[
            "x.1", "x.2", "x.3", "x.4", "x.5", "x.6", "x.8", "x.9", "x.10", "x.11", "x.12", "x.13",
            "y",
        ],
    ] {
        let change: Vec<(&str, &str)> = keys.iter().map(|k| (*k, "1")).collect();
        cases.push(case(GROUP, "g", &change));
    }
    cases.push(case(GROUP, "", &[("consumer.session.timeout.ms", "50000")]));
    cases.push(case(GROUP, "", &[("nonsense", "1")]));
    cases.push(case(
        GROUP,
        "g",
        &[
            ("consumer.session.timeout.ms", "x"),
            ("share.isolation.level", "x"),
            ("nonsense", "1"),
        ],
    ));
    cases.push(case(
        GROUP,
        "g",
        &[
            ("share.isolation.level", "x"),
            ("consumer.session.timeout.ms", "x"),
        ],
    ));
    assert_same(&cases);
}

#[test]
fn group_bounds_follow_the_controllers_settings() {
    let controllers: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("group.consumer.max.heartbeat.interval.ms", "60000"),
            ("group.share.max.heartbeat.interval.ms", "60000"),
            ("group.streams.max.heartbeat.interval.ms", "60000"),
        ],
        &[
            ("group.consumer.min.session.timeout.ms", "10000"),
            ("group.consumer.session.timeout.ms", "20000"),
            ("group.consumer.min.heartbeat.interval.ms", "1000"),
            ("group.consumer.heartbeat.interval.ms", "2000"),
            ("group.consumer.min.assignment.interval.ms", "500"),
            ("group.consumer.max.assignment.interval.ms", "2000"),
            ("group.share.min.record.lock.duration.ms", "1000"),
            ("group.share.max.delivery.count.limit", "8"),
            ("group.streams.max.standby.replicas", "1"),
            ("group.streams.num.standby.replicas", "1"),
        ],
    ];
    let changes: &[&[(&str, &str)]] = &[
        &[],
        &[("consumer.heartbeat.interval.ms", "50000")],
        &[
            ("consumer.heartbeat.interval.ms", "45000"),
            ("consumer.session.timeout.ms", "45000"),
        ],
        &[
            ("consumer.heartbeat.interval.ms", "44999"),
            ("consumer.session.timeout.ms", "45000"),
        ],
        &[
            ("share.heartbeat.interval.ms", "50000"),
            ("share.session.timeout.ms", "50000"),
        ],
        &[
            ("streams.heartbeat.interval.ms", "59999"),
            ("streams.session.timeout.ms", "60000"),
        ],
        &[("streams.heartbeat.interval.ms", "60000")],
        &[
            ("consumer.session.timeout.ms", "15000"),
            ("consumer.heartbeat.interval.ms", "1500"),
        ],
        &[("consumer.assignment.interval.ms", "400")],
        &[("consumer.assignment.interval.ms", "2500")],
        &[("share.record.lock.duration.ms", "1000")],
        &[("share.delivery.count.limit", "9")],
        &[("streams.num.standby.replicas", "2")],
        &[("streams.num.standby.replicas", "1")],
        &[("streams.initial.rebalance.delay.ms", "0")],
    ];
    let mut cases = Vec::new();
    for controller in controllers {
        for change in changes {
            let mut c = case(GROUP, "g", change);
            c.controller = owned(controller);
            cases.push(c);
        }
    }
    // The current configs are checked with the change.
    let mut c = case(GROUP, "g", &[("consumer.session.timeout.ms", "45000")]);
    c.existing = owned(&[
        ("consumer.heartbeat.interval.ms", "15000"),
        ("share.isolation.level", "x"),
    ]);
    cases.push(c);
    let mut c = case(GROUP, "g", &[("consumer.session.timeout.ms", "46000")]);
    c.existing = owned(&[
        ("consumer.heartbeat.interval.ms", "15000"),
        ("nonsense", "1"),
    ]);
    cases.push(c);
    assert_same(&cases);
}

#[test]
fn client_metrics_as_kafka_checks_them() {
    let mut cases = Vec::new();
    for (key, value) in [
        ("metrics", "*"),
        (
            "metrics",
            "org.apache.kafka.producer., org.apache.kafka.consumer.",
        ),
        ("metrics", ""),
        ("metrics", "a,,b"),
        ("metrics", "a,"),
        ("metrics", "a,a"),
        ("interval.ms", "99"),
        ("interval.ms", "100"),
        ("interval.ms", "3600000"),
        ("interval.ms", "3600001"),
        ("interval.ms", "-1"),
        ("interval.ms", " 1000 "),
        ("interval.ms", "abc"),
        ("interval.ms", "2147483648"),
        ("match", "client_id=abc"),
        ("match", "client_id=a.*, client_software_name = java "),
        ("match", ""),
        ("match", "bogus=1"),
        ("match", "client_id"),
        ("match", "client_id="),
        ("match", "=abc"),
        ("match", "client_id=a=b"),
        ("match", "client_id=a,,b"),
        ("nonsense", "1"),
    ] {
        cases.push(case(CLIENT_METRICS, "s", &[(key, value)]));
    }
    for pattern in [
        "a*",
        "*a",
        "a**",
        "a*+",
        "a*?",
        "a???",
        "a{2}",
        "a{2,}",
        "a{2,1}",
        "a{x}",
        "a{,3}",
        "{",
        "a{1",
        "(a",
        ")",
        "a)",
        "(?:a)",
        "(?<n>a)",
        "(?<1n>a)",
        "(?=a)",
        "(?<!a)",
        "(?i)a",
        "(?z)a",
        "(?i:a)",
        "[]a]",
        "[]",
        "[^]a]",
        "[a-z]",
        "[z-a]",
        "[a-]",
        "[",
        "\\d+",
        "\\y",
        "\\",
        "\\Qa(b\\E",
        "\\Qa(b",
        "\\x4",
        "\\x41",
        "\\x{41}",
        "\\u00e9",
        "\\0",
        "\\07",
        "\\pL",
        "\\p{Lu}",
        "a|*b",
        "a||b",
        "|",
        "\\1",
        "(a)\\1",
        "\\k<n>",
        "[\\d-z]",
        "[a-\\x41]",
        ".*java.*",
        "^1\\.2\\..*$",
    ] {
        cases.push(case(
            CLIENT_METRICS,
            "s",
            &[("match", &format!("client_id={pattern}"))],
        ));
    }
    cases.push(case(CLIENT_METRICS, "", &[("metrics", "*")]));
    cases.push(case(
        CLIENT_METRICS,
        "s",
        &[("a", "1"), ("nonsense", "1"), ("zzz", "1")],
    ));
    cases.push(case(
        CLIENT_METRICS,
        "s",
        &[
            ("metrics", "a,,b"),
            ("interval.ms", "x"),
            ("match", "bogus"),
        ],
    ));
    cases.push(case(
        CLIENT_METRICS,
        "s",
        &[("interval.ms", "1"), ("match", "bogus")],
    ));
    let mut c = case(CLIENT_METRICS, "s", &[("metrics", "*")]);
    c.existing = owned(&[("interval.ms", "5")]);
    cases.push(c);
    assert_same(&cases);
}

/// A DescribeConfigs to compare: the resource (`change` unused), what is asked to be
/// included, and the keys asked for (none: all).
struct Describe {
    case: Case,
    include_synonyms: bool,
    include_documentation: bool,
    keys: Option<Vec<&'static str>>,
}

/// Kafka's answer to every describe, each as its lines without the closing "end".
fn kafka_descriptions(describes: &[Describe]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("controller.properties");
    fs::write(&base, BASE).unwrap();
    let mut lines = String::new();
    for d in describes {
        let c = &d.case;
        let keys = d.keys.as_ref().map_or("-".to_owned(), |k| k.join("\u{1f}"));
        let _ = writeln!(
            lines,
            "{}\t{}\t{}\t{}\t{}\t{}\t{keys}",
            c.resource_type,
            c.name,
            field(&c.controller),
            field(&c.existing),
            d.include_synonyms,
            d.include_documentation,
        );
    }
    let file = dir.path().join("describes.tsv");
    fs::write(&file, lines).unwrap();
    let version = kafka_version();
    let classes = compile_java(&version, "GroupDescribeProbe");
    let output = KafkaTool::new(&version, "GroupDescribeProbe")
        .classpath(&classes)
        .args(&[&base.display().to_string(), &file.display().to_string()])
        .output();
    let text = expect_success(&output, "GroupDescribeProbe");
    let mut answers = vec![Vec::new()];
    for line in text.lines() {
        if line == "end" {
            answers.push(Vec::new());
        } else if let Some(answer) = answers.last_mut() {
            answer.push(line.to_owned());
        }
    }
    answers.pop();
    answers
}

fn nullable(value: Option<&str>) -> String {
    value.map_or("\\N".to_owned(), escape)
}

/// yakt's answer to one describe, in the probe's format.
fn yakt_description(d: &Describe) -> Vec<String> {
    let h = harness(&d.case);
    let keys = d.keys.as_ref().map(|keys| {
        keys.iter()
            .map(|k| StrBytes::from_static_str(k))
            .collect::<Vec<_>>()
    });
    let request = DescribeConfigsRequest::default()
        .with_include_synonyms(d.include_synonyms)
        .with_include_documentation(d.include_documentation)
        .with_resources(vec![DescribeConfigsResource::default()
            .with_resource_type(d.case.resource_type)
            .with_resource_name(StrBytes::from_string(d.case.name.clone()))
            .with_configuration_keys(keys)]);
    let response = h.controller.describe_configs(&request, 4);
    let result = &response.results[0];
    if result.error_code != 0 {
        return vec![format!(
            "error\t{}\t{}",
            result.error_code,
            nullable(result.error_message.as_deref())
        )];
    }
    result
        .configs
        .iter()
        .map(|entry| {
            let synonyms: Vec<String> = entry
                .synonyms
                .iter()
                .map(|s| {
                    let value = s.value.as_deref().unwrap_or("null");
                    format!("{}={value}={}", s.name.as_str(), s.source)
                })
                .collect();
            let synonyms = if synonyms.is_empty() {
                "-".to_owned()
            } else {
                escape(&synonyms.join("\u{1f}"))
            };
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{synonyms}",
                escape(entry.name.as_str()),
                nullable(entry.value.as_deref()),
                entry.config_source,
                entry.is_sensitive,
                entry.read_only,
                entry.config_type,
                nullable(entry.documentation.as_deref()),
            )
        })
        .collect()
}

fn assert_same_descriptions(describes: &[Describe]) {
    let kafka = kafka_descriptions(describes);
    assert_eq!(
        kafka.len(),
        describes.len(),
        "the probe answers every describe"
    );
    let mut differences = Vec::new();
    for (d, kafka) in describes.iter().zip(&kafka) {
        let ours = yakt_description(d);
        if &ours != kafka {
            differences.push(format!(
                "{} {:?} controller {:?} stored {:?} synonyms {} documentation {} keys {:?}\n  \
                 kafka:\n    {}\n  yakt:\n    {}",
                d.case.resource_type,
                d.case.name,
                d.case.controller,
                d.case.existing,
                d.include_synonyms,
                d.include_documentation,
                d.keys,
                kafka.join("\n    "),
                ours.join("\n    ")
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} describes differ:\n{}",
        differences.len(),
        describes.len(),
        differences.join("\n")
    );
}

/// Every combination of synonyms, documentation and the key filters for one resource.
fn describes_of(
    resource_type: i8,
    name: &str,
    controller: &[(&str, &str)],
    stored: &[(&str, &str)],
    filters: &[Option<Vec<&'static str>>],
) -> Vec<Describe> {
    let mut describes = Vec::new();
    for keys in filters {
        for (include_synonyms, include_documentation) in
            [(false, false), (true, false), (false, true), (true, true)]
        {
            let mut c = case(resource_type, name, &[]);
            c.controller = owned(controller);
            c.existing = owned(stored);
            describes.push(Describe {
                case: c,
                include_synonyms,
                include_documentation,
                keys: keys.clone(),
            });
        }
    }
    describes
}

#[test]
fn group_descriptions_are_kafkas() {
    let controllers: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("group.consumer.session.timeout.ms", "50000"),
            ("group.consumer.heartbeat.interval.ms", "6000"),
            ("group.consumer.assignment.interval.ms", "700"),
            ("group.consumer.min.assignment.interval.ms", "500"),
            ("group.share.delivery.count.limit", "7"),
            ("group.streams.num.standby.replicas", "1"),
            ("group.streams.initial.rebalance.delay.ms", "0"),
            ("group.share.assignment.interval.ms", "1000"),
        ],
    ];
    let stored: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("consumer.heartbeat.interval.ms", "7000"),
            ("share.auto.offset.reset", "by_duration:PT1H"),
            ("share.isolation.level", "read_committed"),
            ("share.renew.acknowledge.enable", "false"),
            ("streams.assignment.interval.ms", "2000"),
        ],
        // Values Kafka prints back parsed.
        &[
            ("consumer.session.timeout.ms", " 50000 "),
            ("share.delivery.count.limit", "+6"),
            ("share.renew.acknowledge.enable", "TRUE"),
            ("share.auto.offset.reset", " earliest "),
        ],
        // A key Kafka does not know (as replayed from elsewhere) is listed as sensitive.
        &[("consumer.session.timeout.ms", "50000"), ("nonsense", "1")],
        // A value Kafka cannot parse fails the resource.
        &[("consumer.session.timeout.ms", "x")],
        &[("share.record.lock.duration.ms", "999")],
    ];
    let filters = [
        None,
        Some(vec![
            "consumer.session.timeout.ms",
            "consumer.assignment.interval.ms",
            "share.isolation.level",
            "nonsense",
            "group.consumer.session.timeout.ms",
        ]),
        Some(vec!["unknown.key"]),
    ];
    let mut describes = Vec::new();
    for controller in controllers {
        for configs in stored {
            describes.extend(describes_of(GROUP, "g", controller, configs, &filters));
        }
    }
    describes.extend(describes_of(GROUP, "", &[], &[], &[None]));
    describes.extend(describes_of(GROUP, "other", &[], &[], &[None]));
    assert_same_descriptions(&describes);
}

#[test]
fn client_metrics_descriptions_are_kafkas() {
    let stored: &[&[(&str, &str)]] = &[
        &[],
        &[("interval.ms", "1000"), ("match", "client_id=a")],
        &[
            ("interval.ms", " 2000 "),
            ("match", "client_id=a.*, client_software_name = java "),
            (
                "metrics",
                " org.apache.kafka.producer. , org.apache.kafka.consumer.",
            ),
        ],
        &[("metrics", "*"), ("nonsense", "1")],
        &[("metrics", "")],
    ];
    let filters = [None, Some(vec!["match", "nonsense", "unknown.key"])];
    let mut describes = Vec::new();
    for configs in stored {
        describes.extend(describes_of(CLIENT_METRICS, "s", &[], configs, &filters));
    }
    describes.extend(describes_of(CLIENT_METRICS, "", &[], &[], &[None]));
    assert_same_descriptions(&describes);
}
