//! A bare Kafka-protocol client over one TCP connection, for tests that play a broker or an
//! admin client against a controller: any request of kafka-protocol's message types, framed
//! with the request and response header versions its API key and version call for; and the
//! steps a broker takes to join (ApiVersions, BrokerRegistration with the controller's
//! features, heartbeats until unfenced) and to create a topic.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::broker_registration_request::{Feature, Listener};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, BrokerHeartbeatRequest, BrokerId,
    BrokerRegistrationRequest, CreateTopicsRequest, RequestHeader, ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, Request, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::POLL_INTERVAL;

/// How long a broker may stay fenced after registering.
pub const UNFENCE_TIMEOUT: Duration = Duration::from_secs(30);
/// The one listener a registered broker advertises: `PLAINTEXT://127.0.0.1:9092`.
pub const BROKER_LISTENER_PORT: u16 = 9092;
/// The largest answer read (Kafka's `socket.request.max.bytes` default).
const MAX_FRAME_BYTES: usize = 100 * 1024 * 1024;

/// One Kafka-protocol connection: one request at a time, answers checked against their
/// correlation id and decoded whole.
pub struct KafkaConnection {
    stream: TcpStream,
    correlation_id: i32,
}

impl KafkaConnection {
    /// Connects to a Kafka listener at `addr`.
    pub async fn connect(addr: SocketAddr) -> KafkaConnection {
        let stream = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        KafkaConnection {
            stream,
            correlation_id: 0,
        }
    }

    /// Sends `request` at `version` and decodes its answer.
    pub async fn send<R: Request>(&mut self, version: i16, request: R) -> R::Response {
        let key = ApiKey::try_from(R::KEY).expect("a known API key");
        self.correlation_id += 1;
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(StrBytes::from_static_str("yakt-test")));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, key.request_header_version(version))
            .unwrap();
        request.encode(&mut body, version).unwrap();
        let size = i32::try_from(body.len()).expect("a request under 2 GiB");
        self.stream.write_all(&size.to_be_bytes()).await.unwrap();
        self.stream.write_all(&body).await.unwrap();

        let size = self.stream.read_i32().await.unwrap();
        let size = usize::try_from(size).expect("a non-negative frame size");
        assert!(size <= MAX_FRAME_BYTES, "an answer of {size} bytes");
        let mut frame = vec![0; size];
        self.stream.read_exact(&mut frame).await.unwrap();
        let mut frame = Bytes::from(frame);
        let header =
            ResponseHeader::decode(&mut frame, key.response_header_version(version)).unwrap();
        assert_eq!(header.correlation_id, self.correlation_id);
        let answer = R::Response::decode(&mut frame, version).unwrap();
        assert!(
            !frame.has_remaining(),
            "bytes left after the {key:?} answer"
        );
        answer
    }

    /// ApiVersions v3; it must succeed.
    pub async fn api_versions(&mut self) -> ApiVersionsResponse {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("yakt-test"))
            .with_client_software_version(StrBytes::from_static_str("1"));
        let answer = self.send(3, request).await;
        assert_eq!(answer.error_code, 0, "{answer:?}");
        answer
    }

    /// Registers broker `broker_id` (BrokerRegistration v4) in `cluster_id` with one
    /// PLAINTEXT listener on 127.0.0.1:[`BROKER_LISTENER_PORT`] and the features the
    /// controller's ApiVersions lists (one ApiVersions request); returns its broker epoch.
    pub async fn register_broker(&mut self, cluster_id: &str, broker_id: i32) -> i64 {
        let versions = self.api_versions().await;
        let listener = Listener::default()
            .with_name(StrBytes::from_static_str("PLAINTEXT"))
            .with_host(StrBytes::from_static_str("127.0.0.1"))
            .with_port(BROKER_LISTENER_PORT)
            .with_security_protocol(0);
        let request = BrokerRegistrationRequest::default()
            .with_broker_id(BrokerId(broker_id))
            .with_cluster_id(StrBytes::from_string(cluster_id.to_owned()))
            .with_incarnation_id(yakt_wire::Uuid::random().into())
            .with_listeners(vec![listener])
            .with_features(supported_features(&versions))
            .with_log_dirs(vec![yakt_wire::Uuid::random().into()])
            .with_previous_broker_epoch(-1);
        let answer = self.send(4, request).await;
        assert_eq!(answer.error_code, 0, "{answer:?}");
        answer.broker_epoch
    }

    /// Heartbeats (BrokerHeartbeat v1, caught up to `broker_epoch`) until the controller
    /// unfences broker `broker_id`; every answer must succeed.
    pub async fn unfence_broker(&mut self, broker_id: i32, broker_epoch: i64) {
        let deadline = Instant::now() + UNFENCE_TIMEOUT;
        loop {
            let request = BrokerHeartbeatRequest::default()
                .with_broker_id(BrokerId(broker_id))
                .with_broker_epoch(broker_epoch)
                .with_current_metadata_offset(broker_epoch)
                .with_want_fence(false);
            let answer = self.send(1, request).await;
            assert_eq!(answer.error_code, 0, "{answer:?}");
            if !answer.is_fenced {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "broker {broker_id} still fenced after {UNFENCE_TIMEOUT:?}"
            );
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Creates topic `name` (CreateTopics v7) with `partitions` partitions of one replica;
    /// it must succeed. Returns the topic's id.
    pub async fn create_topic(&mut self, name: &str, partitions: i32) -> yakt_wire::Uuid {
        let topic = CreatableTopic::default()
            .with_name(TopicName(StrBytes::from_string(name.to_owned())))
            .with_num_partitions(partitions)
            .with_replication_factor(1);
        let request = CreateTopicsRequest::default()
            .with_topics(vec![topic])
            .with_timeout_ms(10_000);
        let answer = self.send(7, request).await;
        assert_eq!(answer.topics.len(), 1, "{answer:?}");
        assert_eq!(answer.topics[0].error_code, 0, "{answer:?}");
        yakt_wire::Uuid::from(answer.topics[0].topic_id)
    }
}

/// Every feature the controller supports, at the controller's own range, and every other
/// finalized feature up to its finalized level: each finalized level is then in range.
fn supported_features(versions: &ApiVersionsResponse) -> Vec<Feature> {
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
    for finalized in &versions.finalized_features {
        if !features.iter().any(|f| f.name == finalized.name) {
            let feature = Feature::default()
                .with_name(finalized.name.clone())
                .with_min_supported_version(0)
                .with_max_supported_version(finalized.max_version_level);
            features.push(feature);
        }
    }
    features
}
