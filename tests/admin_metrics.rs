//! `GET /metrics` on a single-node quorum in this process: the active-controller and raft
//! gauges before any client request, then the request counters, the latency histogram and
//! the image's topic, partition and broker counts after a broker registers and creates a
//! topic. The exposition text is parsed into samples, not searched for substrings.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::broker_registration_request::{Feature, Listener};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, BrokerHeartbeatRequest, BrokerId,
    BrokerRegistrationRequest, CreateTopicsRequest, RequestHeader, RequestKind, ResponseHeader,
    ResponseKind, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yakt::commands::quickstart::{prepare, QuickstartOptions};
use yakt::config::HostPort;
use yakt::node::Node;

/// Election and activation of one node take well under a second; 30 s is ample.
const DEADLINE: Duration = Duration::from_secs(30);
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

/// `GET /metrics` over HTTP/1.1: the Content-Type and the body.
async fn get_metrics(admin: SocketAddr) -> (String, String) {
    let mut stream = TcpStream::connect(admin).await.unwrap();
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {admin}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.lines();
    let status = lines.next().unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = match headers.get("transfer-encoding").map(String::as_str) {
        Some("chunked") => dechunk(body),
        _ => body.to_string(),
    };
    (
        headers.get("content-type").cloned().unwrap_or_default(),
        body,
    )
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").expect("a chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex chunk size");
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
}

async fn scrape(admin: SocketAddr) -> Scrape {
    let (content_type, body) = get_metrics(admin).await;
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&body)
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

/// A bare Kafka-protocol connection: one request at a time.
struct KafkaConnection {
    stream: TcpStream,
    correlation_id: i32,
}

impl KafkaConnection {
    async fn call(&mut self, key: ApiKey, version: i16, request: RequestKind) -> ResponseKind {
        self.correlation_id += 1;
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(StrBytes::from_static_str("admin-metrics-test")));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, key.request_header_version(version))
            .unwrap();
        request.encode(&mut body, version).unwrap();
        let mut frame = (body.len() as i32).to_be_bytes().to_vec();
        frame.extend_from_slice(&body);
        self.stream.write_all(&frame).await.unwrap();
        let size = self.stream.read_i32().await.unwrap();
        let mut response = vec![0; usize::try_from(size).unwrap()];
        self.stream.read_exact(&mut response).await.unwrap();
        let mut response = Bytes::from(response);
        let header =
            ResponseHeader::decode(&mut response, key.response_header_version(version)).unwrap();
        assert_eq!(header.correlation_id, self.correlation_id);
        let answer = ResponseKind::decode(key, &mut response, version).unwrap();
        assert!(!response.has_remaining());
        answer
    }

    async fn api_versions(&mut self) -> ApiVersionsResponse {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("yakt-test"))
            .with_client_software_version(StrBytes::from_static_str("1"));
        match self
            .call(ApiKey::ApiVersions, 3, RequestKind::ApiVersions(request))
            .await
        {
            ResponseKind::ApiVersions(r) if r.error_code == 0 => r,
            other => panic!("{other:?}"),
        }
    }
}

/// Registers broker [`BROKER_ID`] with every feature at the controller's ranges (as the
/// load benchmark's brokers do); returns its broker epoch.
async fn register_broker(
    kafka: &mut KafkaConnection,
    cluster_id: &str,
    versions: &ApiVersionsResponse,
) -> i64 {
    let mut features: Vec<Feature> = versions
        .supported_features
        .iter()
        .map(|f| {
            Feature::default()
                .with_name(f.name.clone())
                .with_min_supported_version(f.min_version)
                .with_max_supported_version(f.max_version)
        })
        .collect();
    // A finalized feature the controller does not list is supported up to its level.
    for finalized in &versions.finalized_features {
        if !features.iter().any(|f| f.name == finalized.name) {
            features.push(
                Feature::default()
                    .with_name(finalized.name.clone())
                    .with_min_supported_version(0)
                    .with_max_supported_version(finalized.max_version_level),
            );
        }
    }
    let listener = Listener::default()
        .with_name(StrBytes::from_static_str("PLAINTEXT"))
        .with_host(StrBytes::from_static_str("127.0.0.1"))
        .with_port(9092)
        .with_security_protocol(0);
    let request = BrokerRegistrationRequest::default()
        .with_broker_id(BrokerId(BROKER_ID))
        .with_cluster_id(StrBytes::from_string(cluster_id.to_owned()))
        .with_incarnation_id(yakt_wire::Uuid::random().into())
        .with_listeners(vec![listener])
        .with_features(features)
        .with_log_dirs(vec![yakt_wire::Uuid::random().into()]);
    match kafka
        .call(
            ApiKey::BrokerRegistration,
            4,
            RequestKind::BrokerRegistration(request),
        )
        .await
    {
        ResponseKind::BrokerRegistration(r) if r.error_code == 0 => r.broker_epoch,
        other => panic!("{other:?}"),
    }
}

/// Heartbeats until the broker is unfenced.
async fn unfence_broker(kafka: &mut KafkaConnection, broker_epoch: i64) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let request = BrokerHeartbeatRequest::default()
            .with_broker_id(BrokerId(BROKER_ID))
            .with_broker_epoch(broker_epoch)
            .with_current_metadata_offset(broker_epoch)
            .with_want_fence(false);
        let answer = kafka
            .call(
                ApiKey::BrokerHeartbeat,
                1,
                RequestKind::BrokerHeartbeat(request),
            )
            .await;
        match answer {
            ResponseKind::BrokerHeartbeat(r) if r.error_code == 0 && !r.is_fenced => return,
            ResponseKind::BrokerHeartbeat(r) if r.error_code == 0 => {}
            other => panic!("{other:?}"),
        }
        assert!(tokio::time::Instant::now() < deadline, "still fenced");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn create_topic(kafka: &mut KafkaConnection, name: &'static str, partitions: i32) {
    let topic = CreatableTopic::default()
        .with_name(TopicName(StrBytes::from_static_str(name)))
        .with_num_partitions(partitions)
        .with_replication_factor(1);
    let request = CreateTopicsRequest::default()
        .with_topics(vec![topic])
        .with_timeout_ms(10_000);
    match kafka
        .call(ApiKey::CreateTopics, 7, RequestKind::CreateTopics(request))
        .await
    {
        ResponseKind::CreateTopics(r) => {
            assert_eq!(r.topics.len(), 1);
            assert_eq!(r.topics[0].error_code, 0, "{r:?}");
        }
        other => panic!("{other:?}"),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_the_active_controller_requests_and_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let prepared = prepare(&QuickstartOptions {
        dir: dir.path().to_path_buf(),
        controllers: 1,
        base_port: free_port(),
        host: "127.0.0.1".into(),
    })
    .unwrap();
    let mut config = prepared.controllers.into_iter().next().unwrap().config;
    assert_eq!(config.node_id, NODE_ID);
    config.admin_listener = Some(HostPort {
        host: "127.0.0.1".into(),
        port: 0,
    });
    let node = Node::start(&config).await.unwrap();
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

    let stream = TcpStream::connect(kafka_addr).await.unwrap();
    let mut kafka = KafkaConnection {
        stream,
        correlation_id: 0,
    };
    let versions = kafka.api_versions().await;
    let broker_epoch = register_broker(&mut kafka, &prepared.cluster_id, &versions).await;
    unfence_broker(&mut kafka, broker_epoch).await;
    create_topic(&mut kafka, "metrics-topic", 3).await;

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
