//! The JSON admin API and its stream of metadata changes on one in-process controller with
//! `yakt.admin.listener=127.0.0.1:0`: a broker registers and a topic is created through
//! Kafka's protocol, and the API shows what committed: the records on `/v1/stream` with
//! their offsets, the topic on `/v1/topics`, the leader and high watermark on `/v1/status`.

mod support;

use std::time::Duration;

use support::http::{self, NdjsonStream};
use support::{poll_until, start_in_process_controller, KafkaConnection, BROKER_LISTENER_PORT};

/// An election of one voter and a few commits: 30 s is ample.
const DEADLINE: Duration = Duration::from_secs(30);
const TOPIC: &str = "orders";
const PARTITIONS: i32 = 3;
const BROKER: i32 = 7;

/// Reads the stream until the topic's record and its partitions' records went by: their
/// offsets, topic first.
async fn topic_records(stream: &mut NdjsonStream, topic_id: &str) -> (i64, Vec<(i64, i64)>) {
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
    let (node, cluster_id) = start_in_process_controller(dir.path()).await;
    let admin = node.admin_addr().expect("the admin listener is configured");
    let kafka = node
        .listener_addr("CONTROLLER")
        .expect("the controller listener");

    let status = poll_until("the active controller", DEADLINE, || async {
        let (code, status) = http::get_json(admin, "/v1/status").await;
        assert_eq!(code, 200);
        (status["activeController"] == true).then_some(status)
    })
    .await;
    assert_eq!(status["nodeId"], 1);
    assert_eq!(status["clusterId"], cluster_id.as_str());
    assert_eq!(status["role"], "leader");
    assert_eq!(status["leaderId"], 1);
    assert_eq!(status["openStreams"], 0);

    let mut stream = NdjsonStream::open(admin, "/v1/stream").await;
    let mut client = KafkaConnection::connect(kafka).await;
    let broker_epoch = client.register_broker(&cluster_id, BROKER).await;
    client.unfence_broker(BROKER, broker_epoch).await;
    let topic_id = client.create_topic(TOPIC, PARTITIONS).await.to_string();
    let (topic_offset, mut partitions) = topic_records(&mut stream, &topic_id).await;
    partitions.sort();
    let indexes: Vec<i64> = partitions.iter().map(|(p, _)| *p).collect();
    assert_eq!(indexes, [0, 1, 2]);
    let last_offset = partitions.iter().map(|(_, o)| *o).max().unwrap();

    let (code, topics) = http::get_json(admin, "/v1/topics").await;
    assert_eq!(code, 200);
    let expected = serde_json::json!([{ "name": TOPIC, "topicId": topic_id, "partitions": 3 }]);
    assert_eq!(topics, expected);

    let (code, topic) = http::get_json(admin, &format!("/v1/topics/{TOPIC}")).await;
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

    let (code, status) = http::get_json(admin, "/v1/status").await;
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

    let (code, error) = http::get_json(admin, "/v1/topics/no-such-topic").await;
    assert_eq!(code, 404);
    assert_eq!(error["error"], "unknown topic: no-such-topic");

    let (code, error) = http::get_json(admin, "/v1/no-such-endpoint").await;
    assert_eq!(code, 404);
    assert_eq!(error["error"], "no such endpoint: /v1/no-such-endpoint");

    // The node registers itself (KIP-919) once its image caught up.
    let controllers = poll_until("the controller's registration", DEADLINE, || async {
        let (code, controllers) = http::get_json(admin, "/v1/controllers").await;
        assert_eq!(code, 200);
        (controllers.as_array().unwrap().len() == 1).then_some(controllers)
    })
    .await;
    assert_eq!(controllers[0]["id"], 1);
    let listener = &controllers[0]["listeners"][0];
    assert_eq!(listener["name"], "CONTROLLER");
    assert_eq!(listener["port"], kafka.port());
    assert_eq!(listener["securityProtocol"], "PLAINTEXT");

    let (code, brokers) = http::get_json(admin, "/v1/brokers").await;
    assert_eq!(code, 200);
    assert_eq!(brokers[0]["id"], BROKER);
    assert_eq!(brokers[0]["fenced"], false);
    let listener = serde_json::json!([{
        "name": "PLAINTEXT", "host": "127.0.0.1", "port": BROKER_LISTENER_PORT,
        "securityProtocol": "PLAINTEXT"
    }]);
    assert_eq!(brokers[0]["listeners"], listener);

    let (code, features) = http::get_json(admin, "/v1/features").await;
    assert_eq!(code, 200);
    let metadata_version = &features["finalized"]["metadata.version"];
    assert_eq!(metadata_version["level"], 25, "{features}");
    assert_eq!(metadata_version["name"], "4.0-IV3");

    // The client goes away: its stream ends on the server.
    drop(stream);
    poll_until("the stream closed on the server", DEADLINE, || async {
        let (_, status) = http::get_json(admin, "/v1/status").await;
        (status["openStreams"] == 0).then_some(())
    })
    .await;

    // The node stops: an open stream ends (the last chunk), it does not hang, and an idle
    // keep-alive connection is closed.
    let mut stream = NdjsonStream::open(admin, "/v1/stream").await;
    let mut idle = http::Connection::open(admin).await;
    let answer = idle.get("/v1/status").await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.header("content-length").is_some(),
        "a Content-Length framed answer: {answer:?}"
    );
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
