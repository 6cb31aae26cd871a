//! `GET /metrics` on a single-node quorum in this process: the active-controller and raft
//! gauges before any client request, then the request counters, the latency histogram and
//! the image's topic, partition and broker counts after a broker registers and creates a
//! topic. The exposition text is parsed into samples, not searched for substrings.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use support::{http, start_in_process_controller, KafkaConnection};

/// Election and activation of one node take well under a second; 30 s is ample.
const DEADLINE: Duration = Duration::from_secs(30);
/// The node id [`start_in_process_controller`] gives its controller.
const NODE_ID: i32 = 1;
const BROKER_ID: i32 = 7;

/// One sample: its metric name and its labels, sorted.
type Key = (String, BTreeMap<String, String>);

/// A scrape: every sample's value, and each family's declared type.
#[derive(Debug, Default)]
struct Scrape {
    samples: BTreeMap<Key, f64>,
    types: BTreeMap<String, String>,
}

impl Scrape {
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples.get(&(name.to_string(), labels)).copied()
    }

    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no sample {name}{labels:?}"))
    }

    /// The samples other than histogram buckets that are not zero (to report a failure).
    fn non_zero(&self) -> Vec<(&Key, f64)> {
        self.samples
            .iter()
            .filter(|((name, _), value)| !name.ends_with("_bucket") && **value != 0.0)
            .map(|(key, value)| (key, *value))
            .collect()
    }

    fn requests(&self, api: &str) -> f64 {
        self.value("kafka_controller_requests_total", &[("request", api)])
    }
}

/// Parses the text exposition format: `# TYPE` lines, and `name{k="v",...} value` lines with
/// label values unescaped. Every sample must belong to a family declared before it.
fn parse(text: &str) -> Scrape {
    let mut scrape = Scrape::default();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            scrape.types.insert(name.into(), kind.into());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (name, labels, value) = parse_sample(line);
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .filter_map(|suffix| name.strip_suffix(suffix))
            .find(|base| scrape.types.get(*base).map(String::as_str) == Some("histogram"))
            .unwrap_or(&name)
            .to_string();
        assert!(scrape.types.contains_key(&family), "{name} has no # TYPE");
        let previous = scrape.samples.insert((name, labels), value);
        assert!(previous.is_none(), "duplicate sample: {line}");
    }
    scrape
}

fn parse_sample(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let name_end = line.find(['{', ' ']).expect("a name");
    let name = line[..name_end].to_string();
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut key = String::new();
        loop {
            let (i, c) = chars.next().expect("unterminated labels");
            match c {
                '}' => {
                    rest = &inner[i + 1..];
                    break;
                }
                ',' => {}
                '=' => {
                    assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                    let mut value = String::new();
                    loop {
                        match chars.next().expect("unterminated value").1 {
                            '"' => break,
                            '\\' => match chars.next().expect("escape").1 {
                                'n' => value.push('\n'),
                                other => value.push(other),
                            },
                            other => value.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                other => key.push(other),
            }
        }
    }
    let value = match rest.trim() {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        number => number
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}")),
    };
    (name, labels, value)
}

#[test]
fn the_parser_reads_labels_escapes_and_histograms() {
    let scrape = parse(
        "# TYPE a gauge\na 1\n# TYPE h histogram\n\
         h_bucket{request=\"x\\\"y\\\\z\\n\",le=\"+Inf\"} 2\nh_count{request=\"q\"} 3\n",
    );
    assert_eq!(scrape.get("a", &[]), Some(1.0));
    assert_eq!(
        scrape.get("h_bucket", &[("request", "x\"y\\z\n"), ("le", "+Inf")]),
        Some(2.0)
    );
    assert_eq!(scrape.get("h_count", &[("request", "q")]), Some(3.0));
}

async fn scrape(admin: SocketAddr) -> Scrape {
    let response = http::request(admin, "/metrics").await;
    assert_eq!(response.status, 200);
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&response.text())
}

/// Scrapes until `ready` holds.
async fn scrape_until(admin: SocketAddr, what: &str, ready: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let scrape = scrape(admin).await;
        if ready(&scrape) {
            return scrape;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; non-zero samples: {:?}",
            scrape.non_zero()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_the_active_controller_requests_and_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let (node, cluster_id) = start_in_process_controller(dir.path()).await;
    let admin = node.admin_addr().expect("the admin listener");
    let kafka_addr = node.local_addrs()[0].1;

    // Before any client request: active, leading, and registered with itself (KIP-919), so
    // the node's own requests are counted before the baseline.
    let before = scrape_until(admin, "the active controller", |s| {
        s.get("kafka_controller_active_controller_count", &[]) == Some(1.0)
            && s.get("kafka_raft_current_leader", &[]) == Some(f64::from(NODE_ID))
            && s.get(
                "kafka_controller_requests_total",
                &[("request", "ControllerRegistration")],
            ) >= Some(1.0)
    })
    .await;
    assert_eq!(
        before.value("kafka_raft_current_state", &[("state", "leader")]),
        1.0
    );
    assert_eq!(
        before.value("kafka_raft_current_state", &[("state", "follower")]),
        0.0
    );
    assert!(before.value("kafka_controller_new_active_controllers_total", &[]) >= 1.0);
    assert!(before.value("kafka_raft_current_epoch", &[]) >= 1.0);
    assert!(before.value("kafka_raft_high_watermark", &[]) > 0.0);
    assert!(before.value("kafka_controller_current_metadata_version", &[]) >= 7.0);
    assert!(before.value("yakt_process_resident_memory_bytes", &[]) > 0.0);
    assert_eq!(
        before.value("kafka_controller_global_topic_count", &[]),
        0.0
    );
    assert_eq!(before.requests("CreateTopics"), 0.0);

    let mut kafka = KafkaConnection::connect(kafka_addr).await;
    let broker_epoch = kafka.register_broker(&cluster_id, BROKER_ID).await;
    kafka.unfence_broker(BROKER_ID, broker_epoch).await;
    kafka.create_topic("metrics-topic", 3).await;

    let after = scrape_until(admin, "the topic in the committed image", |s| {
        s.get("kafka_controller_global_topic_count", &[]) == Some(1.0)
    })
    .await;
    assert_eq!(
        after.requests("ApiVersions") - before.requests("ApiVersions"),
        1.0
    );
    assert_eq!(
        after.requests("CreateTopics") - before.requests("CreateTopics"),
        1.0
    );
    assert_eq!(
        after.requests("BrokerRegistration") - before.requests("BrokerRegistration"),
        1.0
    );
    assert!(after.requests("BrokerHeartbeat") >= 1.0);
    for (name, value) in [
        ("kafka_controller_global_partition_count", 3.0),
        ("kafka_controller_offline_partitions_count", 0.0),
        ("kafka_controller_preferred_replica_imbalance_count", 0.0),
        ("kafka_controller_active_broker_count", 1.0),
        ("kafka_controller_fenced_broker_count", 0.0),
    ] {
        assert_eq!(after.value(name, &[]), value, "{name}");
    }
    assert!(
        after.value("kafka_controller_last_committed_record_offset", &[])
            > before.value("kafka_controller_last_committed_record_offset", &[])
    );

    // Every API's histogram counted each request once, in a bucket no wider than +Inf.
    let histogram = "kafka_controller_request_total_time_seconds";
    for ((name, labels), count) in &after.samples {
        if name != "kafka_controller_requests_total" {
            continue;
        }
        let api = labels["request"].as_str();
        let labels = [("request", api)];
        assert_eq!(
            after.value(&format!("{histogram}_count"), &labels),
            *count,
            "{api}"
        );
        let inf = [("request", api), ("le", "+Inf")];
        assert_eq!(
            after.value(&format!("{histogram}_bucket"), &inf),
            *count,
            "{api}"
        );
        assert_eq!(
            after.value("yakt_request_failures_total", &labels),
            0.0,
            "{api}"
        );
    }
    let create = [("request", "CreateTopics")];
    assert!(after.value(&format!("{histogram}_sum"), &create) > 0.0);

    node.shutdown().await;
}
