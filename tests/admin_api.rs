//! The JSON admin API and its stream of metadata changes on one in-process controller with
//! `yakt.admin.listener=127.0.0.1:0`: a broker registers and a topic is created through
//! Kafka's protocol, and the API shows what committed: the records on `/v1/stream` with
//! their offsets, the topic on `/v1/topics`, the leader and high watermark on `/v1/status`.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::broker_registration_request::{Feature, Listener};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::{
    ApiKey, BrokerHeartbeatRequest, BrokerHeartbeatResponse, BrokerId, BrokerRegistrationRequest,
    BrokerRegistrationResponse, CreateTopicsRequest, CreateTopicsResponse, RequestHeader,
    ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::Instant;
use yakt::commands::quickstart::{prepare, QuickstartOptions};
use yakt::config::ControllerConfig;
use yakt::controller::feature_updates::supported_features;
use yakt::node::Node;
use yakt_wire::Uuid;

/// An election of one voter and a few commits: 30 s is ample.
const DEADLINE: Duration = Duration::from_secs(30);
const TOPIC: &str = "orders";
const PARTITIONS: i32 = 3;
const BROKER: i32 = 7;

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// One controller formatted as the quickstart formats it, with the admin listener on an
/// ephemeral port.
async fn start_node(dir: &std::path::Path) -> (Node, String) {
    let prepared = prepare(&QuickstartOptions {
        dir: dir.to_path_buf(),
        controllers: 1,
        base_port: free_port(),
        host: "127.0.0.1".into(),
    })
    .unwrap();
    let controller = &prepared.controllers[0];
    let mut properties = std::fs::read_to_string(&controller.properties_path).unwrap();
    properties.push_str("\nyakt.admin.listener=127.0.0.1:0\n");
    std::fs::write(&controller.properties_path, properties).unwrap();
    let config = ControllerConfig::load(&controller.properties_path).unwrap();
    (Node::start(&config).await.unwrap(), prepared.cluster_id)
}

/// An HTTP/1.1 response: status, headers (names lower-cased) and the connection positioned
/// at the body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: BufReader<TcpStream>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, value)| value.as_str())
    }
}

async fn send_get(addr: SocketAddr, path: &str) -> Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut body = BufReader::new(stream);
    let mut status_line = String::new();
    body.read_line(&mut status_line).await.unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        body.read_line(&mut line).await.unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_lowercase(), value.trim().to_owned()));
    }
    Response {
        status,
        headers,
        body,
    }
}

/// A connection that asked for the status without `Connection: close` and read the whole
/// answer: idle, kept alive by the server.
async fn keep_alive_status(addr: SocketAddr) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /v1/status HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reader = BufReader::new(stream);
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        let line = line.trim_end().to_lowercase();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length.expect("a Content-Length framed answer")];
    reader.read_exact(&mut body).await.unwrap();
    reader
}

/// A whole JSON answer (Content-Length framed).
async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let mut response = send_get(addr, path).await;
    assert_eq!(response.header("content-type"), Some("application/json"));
    let length: usize = response.header("content-length").unwrap().parse().unwrap();
    let mut body = vec![0; length];
    response.body.read_exact(&mut body).await.unwrap();
    (response.status, serde_json::from_slice(&body).unwrap())
}

/// `/v1/stream` read line by line from its chunked body.
struct Stream {
    response: Response,
    pending: Vec<u8>,
}

impl Stream {
    async fn open(addr: SocketAddr) -> Stream {
        let response = send_get(addr, "/v1/stream").await;
        assert_eq!(response.status, 200);
        assert_eq!(
            response.header("content-type"),
            Some("application/x-ndjson")
        );
        assert_eq!(response.header("transfer-encoding"), Some("chunked"));
        Stream {
            response,
            pending: Vec::new(),
        }
    }

    /// The next line, as JSON.
    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return serde_json::from_slice(&line).unwrap();
            }
            self.read_chunk().await;
        }
    }

    async fn read_chunk(&mut self) {
        assert!(self.try_read_chunk().await, "the stream ended");
    }

    /// Reads one chunk; false at the last (empty) chunk, which ends the body.
    async fn try_read_chunk(&mut self) -> bool {
        let body = &mut self.response.body;
        let mut size = String::new();
        body.read_line(&mut size).await.unwrap();
        let size = usize::from_str_radix(size.trim_end(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        body.read_exact(&mut chunk).await.unwrap();
        assert!(chunk.ends_with(b"\r\n"));
        self.pending.extend_from_slice(&chunk[..size]);
        size > 0
    }

    /// Reads until the body ends.
    async fn until_end(&mut self) {
        while self.try_read_chunk().await {}
    }
}

/// Polls `check` until it gives a value; fails after [`DEADLINE`].
async fn wait_for<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends one request at `version` (flexible: header v2) on a new connection to `addr` and
/// decodes the answer.
async fn call<Req: Encodable, Resp: Decodable>(
    addr: SocketAddr,
    api_key: ApiKey,
    version: i16,
    request: Req,
) -> Resp {
    let header = RequestHeader::default()
        .with_request_api_key(api_key as i16)
        .with_request_api_version(version)
        .with_correlation_id(1)
        .with_client_id(Some(text("admin-api-test")));
    let mut payload = BytesMut::new();
    header.encode(&mut payload, 2).unwrap();
    request.encode(&mut payload, version).unwrap();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(&(payload.len() as i32).to_be_bytes())
        .await
        .unwrap();
    stream.write_all(&payload).await.unwrap();
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).await.unwrap();
    let mut frame = vec![0u8; i32::from_be_bytes(size) as usize];
    stream.read_exact(&mut frame).await.unwrap();
    let mut frame = Bytes::from(frame);
    ResponseHeader::decode(&mut frame, 1).unwrap();
    Resp::decode(&mut frame, version).unwrap()
}

fn text(value: &str) -> StrBytes {
    StrBytes::from_string(value.to_owned())
}

/// Registers broker [`BROKER`] and heartbeats until it is unfenced.
async fn add_broker(kafka: SocketAddr, cluster_id: &str) {
    // The broker supports what this controller supports.
    let features = supported_features()
        .into_iter()
        .map(|(name, (min, max))| {
            Feature::default()
                .with_name(text(&name))
                .with_min_supported_version(min)
                .with_max_supported_version(max)
        })
        .collect();
    let registration = BrokerRegistrationRequest::default()
        .with_broker_id(BrokerId(BROKER))
        .with_cluster_id(text(cluster_id))
        .with_incarnation_id(Uuid::random().into())
        .with_listeners(vec![Listener::default()
            .with_name(text("PLAINTEXT"))
            .with_host(text("127.0.0.1"))
            .with_port(9092)
            .with_security_protocol(0)])
        .with_features(features)
        .with_log_dirs(vec![Uuid::random().into()])
        .with_previous_broker_epoch(-1);
    let registered: BrokerRegistrationResponse =
        call(kafka, ApiKey::BrokerRegistration, 4, registration).await;
    assert_eq!(registered.error_code, 0, "{registered:?}");
    let epoch = registered.broker_epoch;
    wait_for("the broker unfenced", || async {
        let heartbeat = BrokerHeartbeatRequest::default()
            .with_broker_id(BrokerId(BROKER))
            .with_broker_epoch(epoch)
            .with_current_metadata_offset(epoch)
            .with_want_fence(false);
        let answer: BrokerHeartbeatResponse =
            call(kafka, ApiKey::BrokerHeartbeat, 1, heartbeat).await;
        assert_eq!(answer.error_code, 0, "{answer:?}");
        (!answer.is_fenced).then_some(())
    })
    .await;
}

/// Creates [`TOPIC`]; its id in Kafka's base64 form.
async fn create_topic(kafka: SocketAddr) -> String {
    let topic = CreatableTopic::default()
        .with_name(TopicName(text(TOPIC)))
        .with_num_partitions(PARTITIONS)
        .with_replication_factor(1);
    let request = CreateTopicsRequest::default().with_topics(vec![topic]);
    let created: CreateTopicsResponse = call(kafka, ApiKey::CreateTopics, 7, request).await;
    let result = &created.topics[0];
    assert_eq!(result.error_code, 0, "{created:?}");
    Uuid::from(result.topic_id).to_string()
}

/// Reads the stream until the topic's record and its partitions' records went by: their
/// offsets, topic first.
async fn topic_records(stream: &mut Stream, topic_id: &str) -> (i64, Vec<(i64, i64)>) {
    let mut topic_offset = None;
    let mut partitions = Vec::new();
    let read = async {
        while partitions.len() < PARTITIONS as usize {
            let line = stream.next().await;
            let offset = line["offset"]
                .as_i64()
                .expect("every record line has an offset");
            assert!(line["epoch"].as_i64().is_some_and(|e| e >= 1), "{line}");
            match line["type"].as_str() {
                Some("TOPIC_RECORD") if line["data"]["name"] == TOPIC => {
                    assert_eq!(line["data"]["topicId"], topic_id, "{line}");
                    assert!(line["version"].is_i64());
                    topic_offset = Some(offset);
                }
                Some("PARTITION_RECORD") if line["data"]["topicId"] == topic_id => {
                    let topic_offset = topic_offset.expect("the TopicRecord comes first");
                    assert!(offset > topic_offset);
                    let partition = line["data"]["partitionId"].as_i64().unwrap();
                    assert_eq!(line["data"]["leader"], BROKER, "{line}");
                    partitions.push((partition, offset));
                }
                _ => {}
            }
        }
    };
    tokio::time::timeout(DEADLINE, read)
        .await
        .expect("the topic's records on the stream");
    (topic_offset.unwrap(), partitions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_shows_what_committed_and_streams_it() {
    let dir = tempfile::tempdir().unwrap();
    let (node, cluster_id) = start_node(dir.path()).await;
    let admin = node.admin_addr().expect("the admin listener is configured");
    let kafka = node
        .listener_addr("CONTROLLER")
        .expect("the controller listener");

    let status = wait_for("the active controller", || async {
        let (code, status) = get(admin, "/v1/status").await;
        assert_eq!(code, 200);
        (status["activeController"] == true).then_some(status)
    })
    .await;
    assert_eq!(status["nodeId"], 1);
    assert_eq!(status["clusterId"], cluster_id.as_str());
    assert_eq!(status["role"], "leader");
    assert_eq!(status["leaderId"], 1);
    assert_eq!(status["openStreams"], 0);

    let mut stream = Stream::open(admin).await;
    add_broker(kafka, &cluster_id).await;
    let topic_id = create_topic(kafka).await;
    let (topic_offset, mut partitions) = topic_records(&mut stream, &topic_id).await;
    partitions.sort();
    let indexes: Vec<i64> = partitions.iter().map(|(p, _)| *p).collect();
    assert_eq!(indexes, [0, 1, 2]);
    let last_offset = partitions.iter().map(|(_, o)| *o).max().unwrap();

    let (code, topics) = get(admin, "/v1/topics").await;
    assert_eq!(code, 200);
    let expected = serde_json::json!([{ "name": TOPIC, "topicId": topic_id, "partitions": 3 }]);
    assert_eq!(topics, expected);

    let (code, topic) = get(admin, &format!("/v1/topics/{TOPIC}")).await;
    assert_eq!(code, 200);
    assert_eq!(topic["topicId"], topic_id.as_str());
    let partitions = topic["partitions"].as_array().unwrap();
    assert_eq!(partitions.len(), 3);
    for (index, partition) in partitions.iter().enumerate() {
        assert_eq!(partition["partition"], index as i64, "{partition}");
        assert_eq!(partition["leader"], BROKER);
        assert_eq!(partition["replicas"], serde_json::json!([BROKER]));
        assert_eq!(partition["isr"], serde_json::json!([BROKER]));
        assert_eq!(partition["leaderEpoch"], 0);
    }

    let (code, status) = get(admin, "/v1/status").await;
    assert_eq!(code, 200);
    assert_eq!(status["leaderId"], 1);
    assert_eq!(status["openStreams"], 1);
    let high_watermark = status["highWatermark"].as_i64().expect("a high watermark");
    assert!(
        high_watermark > last_offset,
        "{status} vs offset {last_offset}"
    );
    let committed = status["committedOffset"]
        .as_i64()
        .expect("a committed offset");
    assert!(
        committed >= last_offset && committed > topic_offset,
        "{status}"
    );

    let (code, error) = get(admin, "/v1/topics/no-such-topic").await;
    assert_eq!(code, 404);
    assert_eq!(error["error"], "unknown topic: no-such-topic");

    let (code, error) = get(admin, "/v1/no-such-endpoint").await;
    assert_eq!(code, 404);
    assert_eq!(error["error"], "no such endpoint: /v1/no-such-endpoint");

    // The node registers itself (KIP-919) once its image caught up.
    let controllers = wait_for("the controller's registration", || async {
        let (code, controllers) = get(admin, "/v1/controllers").await;
        assert_eq!(code, 200);
        (controllers.as_array().unwrap().len() == 1).then_some(controllers)
    })
    .await;
    assert_eq!(controllers[0]["id"], 1);
    let listener = &controllers[0]["listeners"][0];
    assert_eq!(listener["name"], "CONTROLLER");
    assert_eq!(listener["port"], kafka.port());
    assert_eq!(listener["securityProtocol"], "PLAINTEXT");

    let (code, brokers) = get(admin, "/v1/brokers").await;
    assert_eq!(code, 200);
    assert_eq!(brokers[0]["id"], BROKER);
    assert_eq!(brokers[0]["fenced"], false);
    let listener = serde_json::json!([{
        "name": "PLAINTEXT", "host": "127.0.0.1", "port": 9092, "securityProtocol": "PLAINTEXT"
    }]);
    assert_eq!(brokers[0]["listeners"], listener);

    let (code, features) = get(admin, "/v1/features").await;
    assert_eq!(code, 200);
    let metadata_version = &features["finalized"]["metadata.version"];
    assert_eq!(metadata_version["level"], 25, "{features}");
    assert_eq!(metadata_version["name"], "4.0-IV3");

    // The client goes away: its stream ends on the server.
    drop(stream);
    wait_for("the stream closed on the server", || async {
        let (_, status) = get(admin, "/v1/status").await;
        (status["openStreams"] == 0).then_some(())
    })
    .await;

    // The node stops: an open stream ends (the last chunk), it does not hang, and an idle
    // keep-alive connection is closed.
    let mut stream = Stream::open(admin).await;
    let mut idle = keep_alive_status(admin).await;
    node.shutdown().await;
    tokio::time::timeout(DEADLINE, stream.until_end())
        .await
        .expect("the stream ended with the node");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(DEADLINE, idle.read_to_end(&mut rest)).await;
    assert!(
        matches!(read, Ok(Ok(0))),
        "an idle connection is closed with the node: {read:?}"
    );
}
