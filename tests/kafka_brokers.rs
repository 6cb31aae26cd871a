//! A Kafka cluster on yakt, judged by Kafka's own tools: three `yakt run` controllers (a static
//! quorum formatted by `yakt format` at the default release 4.0) and three real brokers (two of
//! the newest release, one of the 4.0 line). One cluster runs the whole scenario, step by step:
//! registration and unfencing (observers in `kafka-metadata-quorum`), topics created, described,
//! refused with Kafka's errors, grown and deleted, an idempotent producer and a consumer,
//! topic and broker configs through controllers and brokers, finalized features, kill -9 of a
//! broker (new leaders, smaller ISRs, rejoin), kill -9 of the active controller while a
//! producer runs, and the whole quorum stopped and restarted (what the controllers serve
//! themselves, then what the brokers see through them). Each controller's admin API and
//! metrics are checked against what Kafka's tools report.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::thread;
use std::time::{Duration, Instant};

use support::{
    as_pairs, compile_java, expect_success, format_storage, free_port, kafka_old_version,
    kafka_version, wait_until, write_properties, KafkaBroker, KafkaTool, YaktProcess,
};

/// The brokers' node ids.
const BROKER_IDS: [i32; 3] = [101, 102, 103];
/// The broker of the 4.0 line.
const OLD_BROKER_ID: i32 = 103;
/// Kafka's default `broker.session.timeout.ms`.
const SESSION_TIMEOUT: Duration = Duration::from_millis(9_000);
/// Room on a loaded 2-core machine for a Kafka tool's JVM to start and report (not protocol).
const TOOL_SLACK: Duration = Duration::from_secs(15);
/// How long three brokers starting together may take to be unfenced.
const BROKER_STARTUP: Duration = Duration::from_secs(120);
/// How long a condition observed through Kafka's tools may take to hold.
const CONVERGENCE: Duration = Duration::from_secs(60);
/// Records each producer run sends.
const RECORDS: u32 = 20_000;
/// New metadata bytes between snapshots: small, so a restart replays a snapshot plus a log.
const SNAPSHOT_BYTES: &str = "2048";

/// One row of `kafka-topics --describe`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PartitionRow {
    topic: String,
    partition: i32,
    leader: i32,
    replicas: Vec<i32>,
    isr: Vec<i32>,
}

/// A real broker and what it takes to restart it.
struct Broker {
    version: String,
    port: u16,
    dir: PathBuf,
    properties: Vec<(String, String)>,
    node: Option<KafkaBroker>,
}

/// Three yakt controllers and three brokers.
struct Cluster {
    root: PathBuf,
    cluster_id: String,
    controller_ports: BTreeMap<i32, u16>,
    /// Each controller's admin listener (JSON API and metrics).
    admin_ports: BTreeMap<i32, u16>,
    controllers: BTreeMap<i32, YaktProcess>,
    brokers: BTreeMap<i32, Broker>,
    runtime: tokio::runtime::Runtime,
}

impl Cluster {
    fn start_controller(&mut self, id: i32) {
        let dir = self.root.join(format!("controller-{id}"));
        let admin = format!("127.0.0.1:{}", self.admin_ports[&id]);
        let extra = [
            (
                "metadata.log.max.record.bytes.between.snapshots",
                SNAPSHOT_BYTES,
            ),
            ("yakt.admin.listener", admin.as_str()),
        ];
        let process =
            YaktProcess::start_voter(&dir, &self.cluster_id, id, &self.controller_ports, &extra);
        self.controllers.insert(id, process);
    }

    /// The running controllers, as `--bootstrap-controller` takes them.
    fn bootstrap_controllers(&self) -> String {
        self.controllers
            .keys()
            .map(|id| format!("127.0.0.1:{}", self.controller_ports[id]))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The running brokers, as `--bootstrap-server` takes them.
    fn bootstrap_servers(&self) -> String {
        self.brokers
            .values()
            .filter(|broker| broker.node.is_some())
            .map(|broker| format!("127.0.0.1:{}", broker.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A JSON answer of controller `id`'s admin API.
    fn admin_json(&self, id: i32, path: &str) -> serde_json::Value {
        let addr = ([127, 0, 0, 1], self.admin_ports[&id]).into();
        let (status, body) = self.runtime.block_on(support::http::get_json(addr, path));
        assert_eq!(status, 200, "GET {path} on controller {id}: {body}");
        body
    }

    /// An unlabelled sample of controller `id`'s `/metrics`.
    fn metric(&self, id: i32, name: &str) -> Option<f64> {
        let addr = ([127, 0, 0, 1], self.admin_ports[&id]).into();
        let (status, text) = self.runtime.block_on(support::http::get(addr, "/metrics"));
        assert_eq!(status, 200, "GET /metrics on controller {id}");
        text.lines()
            .filter_map(|line| line.split_once(' '))
            .find(|(sample, _)| *sample == name)
            .and_then(|(_, value)| value.trim().parse().ok())
    }

    /// The leader every running controller names through DescribeCluster, once they agree.
    fn agreed_leader(&self) -> Option<i32> {
        let ports = self.controllers.keys().map(|id| self.controller_ports[id]);
        self.runtime.block_on(support::agreed_controller(ports))
    }

    /// Waits for a leader the running controllers agree on, other than `not`.
    fn wait_for_leader(&self, not: Option<i32>, within: Duration) -> i32 {
        let mut leader = None;
        wait_until("an agreed controller leader", within, || {
            leader = self.agreed_leader().filter(|id| Some(*id) != not);
            leader.is_some()
        });
        leader.expect("a leader after wait_until")
    }

    /// Formats the broker's directory with its own release's `kafka-storage format`.
    fn prepare_broker(&self, id: i32, version: &str) -> Broker {
        let port = free_port();
        let dir = self.root.join(format!("broker-{id}"));
        let properties = KafkaBroker::broker_properties(
            id as u32,
            port,
            &support::static_voters(&self.controller_ports),
            &dir,
        );
        fs::create_dir_all(&dir).expect("create the broker directory");
        let format_path = dir.join("format.properties");
        write_properties(&format_path, &as_pairs(&properties));
        Broker {
            version: version.to_string(),
            port,
            dir,
            properties,
            node: None,
        }
    }

    fn start_broker(&mut self, id: i32) {
        let broker = self.brokers.get_mut(&id).expect("a known broker");
        broker.node = Some(KafkaBroker::start(
            &broker.version,
            &as_pairs(&broker.properties),
            &broker.dir,
        ));
    }

    /// Waits until the broker's newest run logs that the controller unfenced it.
    fn wait_for_broker_unfenced(&mut self, id: i32, within: Duration) {
        let broker = self.brokers.get_mut(&id).expect("a known broker");
        let node = broker.node.as_mut().expect("a running broker");
        node.wait_for_log("The broker has been unfenced", within);
    }

    /// Runs a Kafka tool of the newest release; returns its output, whatever its status.
    fn tool(&self, name: &str, args: &[&str]) -> Output {
        KafkaTool::run(&kafka_version(), name, args)
    }

    /// `kafka-topics --bootstrap-server <brokers> ARGS`.
    fn topics(&self, args: &[&str]) -> Output {
        let servers = self.bootstrap_servers();
        let mut all = vec!["--bootstrap-server", servers.as_str()];
        all.extend_from_slice(args);
        self.tool("topics", &all)
    }

    /// `kafka-topics --describe --topic <topic>`, parsed.
    /// A failed tool's output is the error, for [`eventually`] to retry.
    fn describe(&self, topic: &str) -> Result<Vec<PartitionRow>, String> {
        let output = self.topics(&["--describe", "--topic", topic]);
        succeeded(&output).map(|text| parse_describe(&text))
    }

    /// `kafka-topics --list`, without internal topics; a failed tool's output is the error.
    fn list(&self) -> Result<BTreeSet<String>, String> {
        let output = self.topics(&["--list", "--exclude-internal"]);
        let text = succeeded(&output)?;
        Ok(text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// kill -9 of broker `id`; the returned guard has exited.
    fn kill_broker(&mut self, id: i32) {
        let broker = self.brokers.get_mut(&id).expect("a known broker");
        let mut node = broker.node.take().expect("a running broker");
        node.process().kill_9();
    }
}

/// A tool's stdout if it exited 0, else all it printed.
fn succeeded(output: &Output) -> Result<String, String> {
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "failed with {}:\n{}",
            output.status,
            all_text(output)
        ))
    }
}

/// Stdout and stderr of a tool, together.
fn all_text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Panics unless the tool failed with `needle` (the exception class Kafka's client maps the
/// error code to) in its output.
fn expect_failure(output: &Output, needle: &str, what: &str) {
    let text = all_text(output);
    assert!(
        !output.status.success() && text.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: expected a failure mentioning {needle:?}, got {}:\n{text}",
        output.status
    );
}

/// The partition rows of `kafka-topics --describe` (tab-separated `Key: value` fields).
fn parse_describe(text: &str) -> Vec<PartitionRow> {
    let ids = |value: &str| -> Vec<i32> {
        value
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    };
    text.lines()
        .filter(|line| line.contains("Partition: "))
        .map(|line| {
            let fields: BTreeMap<&str, &str> = line
                .split('\t')
                .filter_map(|field| field.split_once(':'))
                .map(|(key, value)| (key.trim(), value.trim()))
                .collect();
            PartitionRow {
                topic: fields.get("Topic").unwrap_or(&"").to_string(),
                partition: fields
                    .get("Partition")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(-1),
                leader: fields
                    .get("Leader")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(-1),
                replicas: ids(fields.get("Replicas").unwrap_or(&"")),
                isr: ids(fields.get("Isr").unwrap_or(&"")),
            }
        })
        .collect()
}

/// Node ids after each `"id": ` in a `--status` value such as CurrentObservers.
fn ids_in(value: &str) -> BTreeSet<i32> {
    value
        .split("\"id\": ")
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

/// The observers `kafka-metadata-quorum describe --replication` and `--status` list.
fn quorum_observers(cluster: &Cluster) -> (BTreeSet<i32>, BTreeSet<i32>) {
    let controllers = cluster.bootstrap_controllers();
    let describe = |flag: &str| {
        let output = cluster.tool(
            "metadata-quorum",
            &["--bootstrap-controller", &controllers, "describe", flag],
        );
        expect_success(&output, &format!("kafka-metadata-quorum describe {flag}"))
    };
    let replication = describe("--replication")
        .lines()
        .skip(1)
        .filter(|line| line.split_whitespace().last() == Some("Observer"))
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect();
    let status = describe("--status");
    let observers = status
        .lines()
        .find_map(|line| line.trim().strip_prefix("CurrentObservers:"))
        .map(ids_in)
        .unwrap_or_default();
    (replication, observers)
}

/// Polls `check` (which runs Kafka tools) until it returns `Ok`; panics with its last error.
fn eventually<T>(what: &str, within: Duration, mut check: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + within;
    loop {
        match check() {
            Ok(value) => return value,
            Err(last) if Instant::now() >= deadline => {
                panic!("{what}: not true within {within:?}; last seen:\n{last}")
            }
            Err(_) => thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// Bytes in the `.log` segments of `topic`'s partitions under a broker's data directory.
fn topic_log_bytes(data_dir: &Path, topic: &str) -> u64 {
    let Ok(entries) = fs::read_dir(data_dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.rsplit_once('-')
                .is_some_and(|(base, partition)| base == topic && partition.parse::<u32>().is_ok())
        })
        .filter_map(|entry| fs::read_dir(entry.path()).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter(|file| file.path().extension().is_some_and(|ext| ext == "log"))
        .filter_map(|file| file.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}

/// Runs `kafka-producer-perf-test` (idempotent, acks=all) of `RECORDS` records to `topic`.
fn produce(servers: String, topic: String, throughput: &str) -> Output {
    let records = RECORDS.to_string();
    let bootstrap = format!("bootstrap.servers={servers}");
    KafkaTool::new(&kafka_version(), "producer-perf-test")
        .args(&[
            "--topic",
            &topic,
            "--num-records",
            &records,
            "--record-size",
            "100",
            "--throughput",
            throughput,
            "--producer-props",
            &bootstrap,
            "enable.idempotence=true",
            "acks=all",
        ])
        .output()
}

/// Panics unless the producer sent every record.
fn expect_all_sent(output: &Output, what: &str) {
    let stdout = expect_success(output, what);
    assert!(
        stdout.contains(&format!("{RECORDS} records sent")),
        "{what}: not every record was sent:\n{stdout}"
    );
}

/// Step 1: three controllers elect a leader; three brokers register, are unfenced and are
/// the quorum's observers.
fn step_1_brokers_join(cluster: &mut Cluster) {
    for id in 1..=3 {
        cluster.start_controller(id);
    }
    cluster.wait_for_leader(None, Duration::from_secs(30));
    let versions = [
        (101, kafka_version()),
        (102, kafka_version()),
        (OLD_BROKER_ID, kafka_old_version()),
    ];
    let brokers: Vec<(i32, Broker)> = versions
        .iter()
        .map(|(id, version)| (*id, cluster.prepare_broker(*id, version)))
        .collect();
    let cluster_id = cluster.cluster_id.clone();
    thread::scope(|scope| {
        for (_, broker) in &brokers {
            let cluster_id = cluster_id.as_str();
            scope.spawn(move || {
                let config = broker.dir.join("format.properties");
                format_storage(&broker.version, cluster_id, &config);
            });
        }
    });
    cluster.brokers.extend(brokers);
    for id in BROKER_IDS {
        cluster.start_broker(id);
    }
    for id in BROKER_IDS {
        cluster.wait_for_broker_unfenced(id, BROKER_STARTUP);
    }
    let expected: BTreeSet<i32> = BROKER_IDS.into_iter().collect();
    let (replication, status) = eventually("brokers are observers", CONVERGENCE, || {
        let observers = quorum_observers(cluster);
        if observers.0 == expected && observers.1 == expected {
            Ok(observers)
        } else {
            Err(format!("{observers:?}"))
        }
    });
    assert_eq!(replication, expected, "step 1: --replication observers");
    assert_eq!(status, expected, "step 1: --status CurrentObservers");
    for id in BROKER_IDS {
        expect_every_forwardable_api_offered(cluster, id);
    }
    expect_admin_sees_the_brokers(cluster);
}

/// Every controller's admin API lists the three real brokers, unfenced with their PLAINTEXT
/// listener, and its metrics count them; exactly one controller reports itself active.
fn expect_admin_sees_the_brokers(cluster: &Cluster) {
    for id in cluster.controllers.keys().copied() {
        eventually("step 1: /v1/brokers lists the brokers", CONVERGENCE, || {
            let brokers = cluster.admin_json(id, "/v1/brokers");
            let listed: Vec<(i64, bool, i64)> = brokers
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| {
                    let port = b["listeners"][0]["port"].as_i64().unwrap_or(-1);
                    (b["id"].as_i64().unwrap_or(-1), b["fenced"] == true, port)
                })
                .collect();
            let expected: Vec<(i64, bool, i64)> = BROKER_IDS
                .iter()
                .map(|b| (i64::from(*b), false, i64::from(cluster.brokers[b].port)))
                .collect();
            (listed == expected)
                .then_some(())
                .ok_or(format!("controller {id}: {brokers}"))
        });
        eventually("step 1: /metrics counts the brokers", CONVERGENCE, || {
            let active = cluster.metric(id, "kafka_controller_active_broker_count");
            let fenced = cluster.metric(id, "kafka_controller_fenced_broker_count");
            (active == Some(3.0) && fenced == Some(0.0))
                .then_some(())
                .ok_or(format!(
                    "controller {id}: active {active:?}, fenced {fenced:?}"
                ))
        });
    }
    let active: Vec<f64> = cluster
        .controllers
        .keys()
        .map(|id| cluster.metric(*id, "kafka_controller_active_controller_count"))
        .map(|value| value.expect("every controller reports ActiveControllerCount"))
        .collect();
    assert_eq!(
        active.iter().sum::<f64>(),
        1.0,
        "step 1: one active controller: {active:?}"
    );
}

/// A broker offers a forwardable API to its clients only when the active controller
/// advertises it: every one its Kafka version forwards must be in its ApiVersions.
fn expect_every_forwardable_api_offered(cluster: &Cluster, broker_id: i32) {
    let broker = &cluster.brokers[&broker_id];
    let version = broker.version.as_str();
    let lines = |class: &str, args: &[&str]| -> Vec<Vec<String>> {
        let output = KafkaTool::new(version, class)
            .classpath(&compile_java(version, class))
            .args(args)
            .output();
        let stdout = expect_success(&output, &format!("{class} ({version})"));
        stdout
            .lines()
            .map(|line| line.split_whitespace().map(str::to_owned).collect())
            .collect()
    };
    let forwardable: BTreeMap<String, String> = lines("ForwardableApisProbe", &[])
        .into_iter()
        .filter(|f| f.len() == 3 && f[0] == "forwardable")
        .map(|f| (f[1].clone(), f[2].clone()))
        .collect();
    assert!(
        forwardable.len() >= 15,
        "Kafka {version} forwards more APIs than {forwardable:?}"
    );
    let address = format!("127.0.0.1:{}", broker.port);
    let offered: BTreeSet<String> = lines("ApiVersionsProbe", &[&address, "10000"])
        .into_iter()
        .filter(|f| f.first().map(String::as_str) == Some("api"))
        .filter_map(|f| f.get(1).cloned())
        .collect();
    let hidden: Vec<&String> = forwardable
        .iter()
        .filter(|(key, _)| !offered.contains(*key))
        .map(|(_, name)| name)
        .collect();
    assert!(
        hidden.is_empty(),
        "step 1: broker {broker_id} (Kafka {version}) hides forwardable APIs the controller does not advertise: {hidden:?}"
    );
}

/// Every partition led by a broker and with a full ISR.
fn fully_replicated(rows: &[PartitionRow], partitions: usize) -> Result<(), String> {
    let healthy = rows.len() == partitions
        && rows.iter().all(|row| {
            BROKER_IDS.contains(&row.leader)
                && row.replicas.len() == 3
                && row.isr.iter().collect::<BTreeSet<_>>() == row.replicas.iter().collect()
        });
    if healthy {
        Ok(())
    } else {
        Err(format!("{rows:#?}"))
    }
}

/// Step 2: topics created, described, refused with Kafka's errors, grown and deleted.
fn step_2_topics(cluster: &Cluster) {
    let create = |topic: &str, partitions: &str, replication_factor: &str| {
        cluster.topics(&[
            "--create",
            "--topic",
            topic,
            "--partitions",
            partitions,
            "--replication-factor",
            replication_factor,
        ])
    };
    expect_success(&create("orders", "12", "3"), "step 2: create orders");
    eventually(
        "step 2: orders has 12 fully replicated partitions",
        CONVERGENCE,
        || fully_replicated(&cluster.describe("orders")?, 12),
    );
    expect_failure(
        &create("orders", "12", "3"),
        "TopicExistsException",
        "step 2: creating orders again",
    );
    expect_failure(
        &create("too-wide", "1", "4"),
        "InvalidReplicationFactorException",
        "step 2: RF 4 on 3 brokers",
    );
    expect_failure(
        &create("bad/name", "1", "1"),
        "InvalidTopicException",
        "step 2: an invalid topic name",
    );
    let altered = cluster.topics(&["--alter", "--topic", "orders", "--partitions", "16"]);
    expect_success(&altered, "step 2: alter orders to 16 partitions");
    eventually("step 2: orders has 16 partitions", CONVERGENCE, || {
        fully_replicated(&cluster.describe("orders")?, 16)
    });
    expect_success(&create("doomed", "3", "2"), "step 2: create doomed");
    eventually("step 2: doomed is listed", CONVERGENCE, || {
        let topics = cluster.list()?;
        topics
            .contains("doomed")
            .then_some(())
            .ok_or(format!("{topics:?}"))
    });
    let deleted = cluster.topics(&["--delete", "--topic", "doomed"]);
    expect_success(&deleted, "step 2: delete doomed");
    eventually("step 2: doomed is no longer listed", CONVERGENCE, || {
        let topics = cluster.list()?;
        (!topics.contains("doomed"))
            .then_some(())
            .ok_or(format!("{topics:?}"))
    });
    expect_admin_topics_match_kafka(cluster);
}

/// Every controller's admin API shows `orders` as Kafka's `kafka-topics --describe` does
/// (partitions and their replicas), and no longer lists the deleted topic.
fn expect_admin_topics_match_kafka(cluster: &Cluster) {
    let described = cluster.describe("orders").expect("step 2: describe orders");
    let expected: BTreeMap<i64, Vec<i64>> = described
        .iter()
        .map(|row| {
            let replicas = row.replicas.iter().map(|r| i64::from(*r)).collect();
            (i64::from(row.partition), replicas)
        })
        .collect();
    for id in cluster.controllers.keys().copied() {
        eventually("step 2: the admin API shows orders", CONVERGENCE, || {
            let topic = cluster.admin_json(id, "/v1/topics/orders");
            let shown: BTreeMap<i64, Vec<i64>> = topic["partitions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    let replicas = p["replicas"].as_array().into_iter().flatten();
                    let replicas = replicas.filter_map(|r| r.as_i64()).collect();
                    (p["partition"].as_i64().unwrap_or(-1), replicas)
                })
                .collect();
            let names: Vec<String> = cluster
                .admin_json(id, "/v1/topics")
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect();
            (shown == expected
                && names.contains(&"orders".to_owned())
                && !names.contains(&"doomed".to_owned()))
            .then_some(())
            .ok_or(format!("controller {id}: {topic}\ntopics: {names:?}"))
        });
    }
}

/// Step 3: an idempotent producer, then a consumer reading every record back.
fn step_3_produce_and_consume(cluster: &Cluster) {
    let output = produce(cluster.bootstrap_servers(), "orders".into(), "-1");
    expect_all_sent(&output, "step 3: idempotent producer-perf-test");
    consume_all(cluster, "orders", "step 3");
}

/// Panics unless `console-consumer` reads `RECORDS` records of `topic` from the beginning.
fn consume_all(cluster: &Cluster, topic: &str, step: &str) {
    let servers = cluster.bootstrap_servers();
    let records = RECORDS.to_string();
    let consumed = KafkaTool::new(&kafka_version(), "console-consumer")
        .args(&[
            "--bootstrap-server",
            &servers,
            "--topic",
            topic,
            "--from-beginning",
            "--max-messages",
            &records,
            "--timeout-ms",
            "60000",
        ])
        .output();
    let text = all_text(&consumed);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        consumed.status.success()
            && text.contains(&format!("Processed a total of {RECORDS} messages")),
        "{step}: the consumer did not read every record of {topic} back ({}):\n{}",
        consumed.status,
        lines[lines.len().saturating_sub(30)..].join("\n")
    );
}

/// `kafka-configs ARGS` against `--bootstrap-controller` or `--bootstrap-server`.
fn configs(cluster: &Cluster, via_controller: bool, args: &[&str]) -> String {
    let (flag, bootstrap) = if via_controller {
        ("--bootstrap-controller", cluster.bootstrap_controllers())
    } else {
        ("--bootstrap-server", cluster.bootstrap_servers())
    };
    let mut all = vec![flag, bootstrap.as_str()];
    all.extend_from_slice(args);
    let output = cluster.tool("configs", &all);
    expect_success(&output, &format!("kafka-configs {flag} {}", args.join(" ")))
}

/// Asserts, retrying while brokers replay the change, that `kafka-configs ... --describe`
/// through the controllers (`via_controller`) or the brokers shows `entry`.
fn expect_config(cluster: &Cluster, via_controller: bool, entity: &[&str], entry: &str) {
    let describe = [entity, &["--describe"]].concat();
    let via = if via_controller {
        "controllers"
    } else {
        "brokers"
    };
    let what = format!("{entry} in describe of {} via {via}", entity.join(" "));
    eventually(&what, CONVERGENCE, || {
        let described = configs(cluster, via_controller, &describe);
        described.contains(entry).then_some(()).ok_or(described)
    });
}

/// Step 4: topic and broker configs altered and described through controllers and brokers;
/// the finalized metadata.version. Kafka's `kafka-configs` checks a described entity exists
/// first, with the Metadata API for a topic (which controllers do not serve) and with
/// DescribeCluster for a broker (which lists controllers, not brokers, through
/// `--bootstrap-controller`), so through the controllers it alters topic and broker configs
/// and describes the cluster-wide broker defaults and a controller's own configs (a Kafka
/// controller describes no other node); a broker's configs are described by the brokers.
fn step_4_configs_and_features(cluster: &Cluster) {
    let topic = ["--entity-type", "topics", "--entity-name", "orders"];
    let alter = [
        &topic[..],
        &["--alter", "--add-config", "retention.ms=3600000"],
    ]
    .concat();
    configs(cluster, true, &alter);
    expect_config(cluster, false, &topic, "retention.ms=3600000");
    let broker = ["--entity-type", "brokers", "--entity-name", "101"];
    let alter = [
        &broker[..],
        &["--alter", "--add-config", "log.cleaner.threads=2"],
    ]
    .concat();
    configs(cluster, true, &alter);
    expect_config(cluster, false, &broker, "log.cleaner.threads=2");
    let default = ["--entity-type", "brokers", "--entity-default"];
    let alter = [
        &default[..],
        &["--alter", "--add-config", "log.cleaner.backoff.ms=20000"],
    ]
    .concat();
    configs(cluster, false, &alter);
    expect_config(cluster, true, &default, "log.cleaner.backoff.ms=20000");
    expect_config(cluster, false, &default, "log.cleaner.backoff.ms=20000");
    expect_controller_describes_itself(cluster);
    expect_metadata_version(cluster, "step 4");
}

/// A controller describes its own id as Kafka's does (`kafka-configs --bootstrap-controller
/// --entity-name <its id> --describe --all`): every config, with the file's keys as
/// STATIC_BROKER_CONFIG, Kafka's defaults as DEFAULT_CONFIG and the cluster-wide dynamic
/// default set above, each with its synonyms.
fn expect_controller_describes_itself(cluster: &Cluster) {
    let id = *cluster
        .controller_ports
        .keys()
        .next()
        .expect("a controller");
    let name = id.to_string();
    let describe = [
        "--entity-type",
        "brokers",
        "--entity-name",
        &name,
        "--describe",
        "--all",
    ];
    let expected = [
        format!("All configs for broker {id} are:"),
        format!("  node.id={id} sensitive=false synonyms={{STATIC_BROKER_CONFIG:node.id={id}}}"),
        format!(
            "  metadata.log.max.record.bytes.between.snapshots={SNAPSHOT_BYTES} sensitive=false \
             synonyms={{STATIC_BROKER_CONFIG:metadata.log.max.record.bytes.between.snapshots=\
             {SNAPSHOT_BYTES}, DEFAULT_CONFIG:metadata.log.max.record.bytes.between.snapshots=\
             20971520}}"
        ),
        "  num.partitions=1 sensitive=false synonyms={DEFAULT_CONFIG:num.partitions=1}".to_owned(),
        "  log.cleaner.backoff.ms=20000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:\
         log.cleaner.backoff.ms=20000, DEFAULT_CONFIG:log.cleaner.backoff.ms=15000}"
            .to_owned(),
    ];
    eventually("step 4: the controller's own configs", CONVERGENCE, || {
        let described = configs(cluster, true, &describe);
        let lines: Vec<&str> = described.lines().collect();
        let missing: Vec<&String> = expected
            .iter()
            .filter(|e| !lines.contains(&e.as_str()))
            .collect();
        let many = lines.len() > 300;
        (missing.is_empty() && many).then_some(()).ok_or(format!(
            "missing {missing:#?} in ({} lines):\n{described}",
            lines.len()
        ))
    });
}

/// Step 5: kill -9 of broker 102: new leaders and ISRs without it within the session
/// timeout; restarted, it is unfenced and rejoins every ISR.
fn step_5_broker_failure(cluster: &mut Cluster) {
    let victim = 102;
    let killed_at = Instant::now();
    cluster.kill_broker(victim);
    let bound = SESSION_TIMEOUT + TOOL_SLACK;
    eventually(
        "step 5: partitions move off the killed broker",
        bound,
        || {
            let rows = cluster.describe("orders")?;
            let moved = rows.len() == 16
                && rows.iter().all(|row| {
                    row.leader != victim
                        && BROKER_IDS.contains(&row.leader)
                        && !row.isr.contains(&victim)
                        && row.isr.len() == 2
                });
            moved.then_some(()).ok_or(format!("{rows:#?}"))
        },
    );
    eprintln!(
        "step 5: leaders and ISRs moved {:?} after kill -9",
        killed_at.elapsed()
    );
    // The fenced broker shows in every controller's metrics (the session timed out).
    for id in cluster.controllers.keys().copied() {
        eventually(
            "step 5: /metrics counts the fenced broker",
            CONVERGENCE,
            || {
                let fenced = cluster.metric(id, "kafka_controller_fenced_broker_count");
                let active = cluster.metric(id, "kafka_controller_active_broker_count");
                (fenced == Some(1.0) && active == Some(2.0))
                    .then_some(())
                    .ok_or(format!(
                        "controller {id}: fenced {fenced:?}, active {active:?}"
                    ))
            },
        );
    }
    cluster.start_broker(victim);
    cluster.wait_for_broker_unfenced(victim, BROKER_STARTUP);
    eventually(
        "step 5: the restarted broker rejoins every ISR",
        CONVERGENCE,
        || fully_replicated(&cluster.describe("orders")?, 16),
    );
}

/// Step 6: kill -9 of the active controller while an idempotent producer runs.
fn step_6_controller_failure(cluster: &mut Cluster) {
    let created = cluster.topics(&[
        "--create",
        "--topic",
        "before-failover",
        "--partitions",
        "6",
        "--replication-factor",
        "3",
    ]);
    expect_success(&created, "step 6: create before-failover");
    let leader = cluster.wait_for_leader(None, Duration::from_secs(10));
    let producer = {
        let servers = cluster.bootstrap_servers();
        thread::spawn(move || produce(servers, "before-failover".into(), "2000"))
    };
    // Production is under way once broker 101 holds a tenth of it on disk.
    let data_dir = cluster.brokers[&101].dir.join("data");
    wait_until("step 6: production to start", CONVERGENCE, || {
        topic_log_bytes(&data_dir, "before-failover") > u64::from(RECORDS) * 10
    });
    let mut killed = cluster
        .controllers
        .remove(&leader)
        .expect("the leader runs");
    killed.process().kill_9();
    let new_leader = cluster.wait_for_leader(Some(leader), Duration::from_secs(30));
    eprintln!("step 6: controller {leader} killed, {new_leader} leads");
    let output = producer.join().expect("the producer thread");
    expect_all_sent(&output, "step 6: production across the controller failover");
    consume_all(cluster, "before-failover", "step 6");
    let expected: BTreeSet<i32> = BROKER_IDS.into_iter().collect();
    eventually("step 6: brokers follow the new leader", CONVERGENCE, || {
        let observers = quorum_observers(cluster);
        (observers.0 == expected && observers.1 == expected)
            .then_some(())
            .ok_or(format!("{observers:?}"))
    });
    let created = cluster.topics(&[
        "--create",
        "--topic",
        "after-failover",
        "--partitions",
        "3",
        "--replication-factor",
        "3",
    ]);
    expect_success(&created, "step 6: create after-failover on the new leader");
    eventually("step 6: before-failover survives", CONVERGENCE, || {
        fully_replicated(&cluster.describe("before-failover")?, 6)
    });
    eventually(
        "step 6: orders keeps its 16 partitions",
        CONVERGENCE,
        || fully_replicated(&cluster.describe("orders")?, 16),
    );
    let topic = [
        "--entity-type",
        "topics",
        "--entity-name",
        "orders",
        "--describe",
    ];
    let described = configs(cluster, false, &topic);
    assert!(
        described.contains("retention.ms=3600000"),
        "step 6: the topic config survives the failover:\n{described}"
    );
    let broker = [
        "--entity-type",
        "brokers",
        "--entity-name",
        "101",
        "--describe",
    ];
    let described = configs(cluster, false, &broker);
    assert!(
        described.contains("log.cleaner.threads=2"),
        "step 6: the broker config survives the failover:\n{described}"
    );
}

/// The topics and their replica assignments.
fn assignments(
    cluster: &Cluster,
    topics: &BTreeSet<String>,
) -> Result<Vec<(String, i32, Vec<i32>)>, String> {
    let mut all = Vec::new();
    for topic in topics {
        let rows = cluster.describe(topic)?;
        all.extend(rows.into_iter().map(|r| (r.topic, r.partition, r.replicas)));
    }
    Ok(all)
}

/// Stops every running controller with SIGTERM (each exits 0), checks one left a snapshot,
/// and starts all three again on their data, until they agree on a leader.
fn restart_quorum(cluster: &mut Cluster) {
    for (id, controller) in cluster.controllers.iter_mut() {
        assert!(
            controller.stop().success(),
            "step 7: controller {id} exits 0 on SIGTERM"
        );
    }
    let snapshots = (1..=3)
        .flat_map(|id| {
            let dir = cluster
                .root
                .join(format!("controller-{id}/metadata/__cluster_metadata-0"));
            fs::read_dir(dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
        })
        .filter(|entry| {
            entry
                .path()
                .extension()
                .is_some_and(|ext| ext == "checkpoint")
        })
        .count();
    assert!(
        snapshots > 0,
        "step 7: no controller wrote a snapshot to restart from"
    );
    cluster.controllers.clear();
    for id in 1..=3 {
        cluster.start_controller(id);
    }
    cluster.wait_for_leader(None, Duration::from_secs(30));
}

/// Panics unless `kafka-features --bootstrap-controller describe` shows metadata.version
/// finalized at 4.0-IV3.
fn expect_metadata_version(cluster: &Cluster, step: &str) {
    let controllers = cluster.bootstrap_controllers();
    let features = cluster.tool(
        "features",
        &["--bootstrap-controller", &controllers, "describe"],
    );
    let features = expect_success(&features, &format!("{step}: kafka-features describe"));
    let metadata_version = features
        .lines()
        .find(|line| line.contains("Feature: metadata.version"))
        .unwrap_or_else(|| panic!("{step}: no metadata.version in\n{features}"));
    assert!(
        metadata_version.contains("FinalizedVersionLevel: 4.0-IV3"),
        "{step}: metadata.version is not finalized at 4.0-IV3:\n{features}"
    );
}

/// Step 7, what the controllers serve themselves: the whole quorum (the controller killed in
/// step 6 too) stopped with SIGTERM and restarted replays its snapshot and log: the finalized
/// features, the broker defaults, the brokers as observers, and brokers list every topic.
fn step_7_controllers_replay(cluster: &mut Cluster) {
    let topics = cluster.list().expect("step 7: --list before the restart");
    restart_quorum(cluster);
    expect_metadata_version(cluster, "step 7");
    let default = ["--entity-type", "brokers", "--entity-default"];
    expect_config(cluster, true, &default, "log.cleaner.backoff.ms=20000");
    let expected: BTreeSet<i32> = BROKER_IDS.into_iter().collect();
    eventually("step 7: brokers follow the new leader", CONVERGENCE, || {
        let observers = quorum_observers(cluster);
        (observers.0 == expected && observers.1 == expected)
            .then_some(())
            .ok_or(format!("{observers:?}"))
    });
    eventually("step 7: brokers list every topic", CONVERGENCE, || {
        let listed = cluster.list()?;
        (listed == topics)
            .then_some(())
            .ok_or(format!("{listed:?} != {topics:?}"))
    });
}

/// Step 7, through the brokers: after the quorum restarts, every topic is described as
/// before and a new topic is created.
fn step_7_brokers_see_every_topic(cluster: &mut Cluster) {
    let topics = cluster.list().expect("step 7: --list before the restart");
    let before = assignments(cluster, &topics).expect("step 7: --describe before the restart");
    restart_quorum(cluster);
    eventually(
        "step 7: brokers list every topic again",
        CONVERGENCE,
        || {
            let listed = cluster.list()?;
            (listed == topics)
                .then_some(())
                .ok_or(format!("{listed:?} != {topics:?}"))
        },
    );
    eventually("step 7: every partition as before", CONVERGENCE, || {
        let after = assignments(cluster, &topics)?;
        (after == before)
            .then_some(())
            .ok_or(format!("{after:?}\n!=\n{before:?}"))
    });
    let created = cluster.topics(&[
        "--create",
        "--topic",
        "after-restart",
        "--partitions",
        "3",
        "--replication-factor",
        "3",
    ]);
    expect_success(&created, "step 7: create a topic after the restart");
    eventually(
        "step 7: after-restart is fully replicated",
        CONVERGENCE,
        || fully_replicated(&cluster.describe("after-restart")?, 3),
    );
}

/// A step of the scenario: a name for the report and what it runs.
type Step = (&'static str, fn(&mut Cluster));

/// Runs `steps` in order on one new cluster, reporting each one's time.
fn run_scenario(steps: &[Step]) {
    // Kept next to the logs (and cleared by the next run) for a post-mortem.
    let root = support::test_log_dir("data");
    let mut cluster = Cluster {
        root,
        cluster_id: yakt_wire::Uuid::random().to_string(),
        controller_ports: (1..=3).map(|id| (id, free_port())).collect(),
        admin_ports: (1..=3).map(|id| (id, free_port())).collect(),
        controllers: BTreeMap::new(),
        brokers: BTreeMap::new(),
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    };
    let started = Instant::now();
    for (name, run) in steps {
        let at = Instant::now();
        run(&mut cluster);
        let (took, total) = (at.elapsed(), started.elapsed());
        eprintln!("{name} passed in {took:?} ({total:?} in all)");
    }
}

#[test]
fn kafka_brokers_run_on_a_yakt_quorum() {
    run_scenario(&[
        ("step 1 (brokers join)", step_1_brokers_join),
        ("step 2 (topics)", |c| step_2_topics(c)),
        ("step 3 (produce and consume)", |c| {
            step_3_produce_and_consume(c)
        }),
        ("step 4 (configs and features)", |c| {
            step_4_configs_and_features(c)
        }),
        ("step 5 (broker kill -9)", step_5_broker_failure),
        ("step 6 (controller kill -9)", step_6_controller_failure),
        (
            "step 7 (quorum restart, controllers)",
            step_7_controllers_replay,
        ),
        (
            "step 7 (quorum restart, brokers)",
            step_7_brokers_see_every_topic,
        ),
    ]);
}
