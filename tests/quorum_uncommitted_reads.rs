//! An answer computed from records that have not committed waits for them, as Kafka's
//! `QuorumController` holds a read-only result until the highest pending write commits: the
//! active controller's working image holds what it appended, and those records may yet be
//! lost with it. Here the leader's followers are killed, so nothing it appends can commit; a
//! config it appended must not be described back (an acknowledgement of metadata that kill -9
//! of the leader would lose).
//!
//! Three `yakt run` processes; no Kafka needed.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::{
    describe_quorum_request, ApiKey, DescribeConfigsRequest, DescribeConfigsResponse,
    DescribeQuorumRequest, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
    RequestHeader, RequestKind, ResponseHeader, ResponseKind, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use support::{free_port, YaktProcess};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yakt::server::client::{Peer, PeerOptions};

/// ConfigResource type BROKER.
const BROKER: i8 = 4;
/// A cluster-wide broker default the controller keeps (and describes for itself).
const KEY: &str = "log.cleaner.backoff.ms";
const VALUE: &str = "20000";

fn peer(port: u16) -> Peer {
    Peer::new(
        SocketAddr::from(([127, 0, 0, 1], port)),
        PeerOptions::default(),
    )
}

/// The leader's own log end offset, from its DescribeQuorum answer.
async fn leader_log_end(port: u16, leader: i32) -> Option<i64> {
    let partition = describe_quorum_request::PartitionData::default().with_partition_index(0);
    let topic = describe_quorum_request::TopicData::default()
        .with_topic_name(TopicName(StrBytes::from_static_str("__cluster_metadata")))
        .with_partitions(vec![partition]);
    let request =
        RequestKind::DescribeQuorum(DescribeQuorumRequest::default().with_topics(vec![topic]));
    let Ok((_, ResponseKind::DescribeQuorum(response))) = peer(port)
        .call(request, 0..=2, Duration::from_secs(2))
        .await
    else {
        return None;
    };
    let partition = response.topics.first()?.partitions.first()?;
    (partition.error_code == 0 && partition.leader_id.0 == leader)
        .then(|| {
            partition
                .current_voters
                .iter()
                .find(|voter| voter.replica_id.0 == leader)
                .map(|voter| voter.log_end_offset)
        })
        .flatten()
}

/// Sends one request (header v1 or v2 as `flexible` says) on a new connection and decodes the
/// answer; `None` if none comes within `timeout`.
async fn call<Req: Encodable, Resp: Decodable>(
    port: u16,
    api_key: ApiKey,
    (version, flexible): (i16, bool),
    request: Req,
    timeout: Duration,
) -> Option<Resp> {
    let header = RequestHeader::default()
        .with_request_api_key(api_key as i16)
        .with_request_api_version(version)
        .with_correlation_id(1)
        .with_client_id(Some(StrBytes::from_static_str("uncommitted-reads")));
    let mut payload = BytesMut::new();
    header
        .encode(&mut payload, if flexible { 2 } else { 1 })
        .unwrap();
    request.encode(&mut payload, version).unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream
        .write_all(&(payload.len() as i32).to_be_bytes())
        .await
        .unwrap();
    stream.write_all(&payload).await.unwrap();
    let answer = async {
        let mut size = [0u8; 4];
        stream.read_exact(&mut size).await.ok()?;
        let mut body = vec![0u8; i32::from_be_bytes(size) as usize];
        stream.read_exact(&mut body).await.ok()?;
        Some(Bytes::from(body))
    };
    let mut frame = tokio::time::timeout(timeout, answer).await.ok()??;
    ResponseHeader::decode(&mut frame, if flexible { 1 } else { 0 }).unwrap();
    Some(Resp::decode(&mut frame, version).unwrap())
}

fn set_broker_default() -> IncrementalAlterConfigsRequest {
    let config = AlterableConfig::default()
        .with_name(StrBytes::from_static_str(KEY))
        .with_config_operation(0)
        .with_value(Some(StrBytes::from_static_str(VALUE)));
    let resource = AlterConfigsResource::default()
        .with_resource_type(BROKER)
        .with_resource_name(StrBytes::from_static_str(""))
        .with_configs(vec![config]);
    IncrementalAlterConfigsRequest::default().with_resources(vec![resource])
}

fn describe_own_config(id: i32) -> DescribeConfigsRequest {
    let resource = DescribeConfigsResource::default()
        .with_resource_type(BROKER)
        .with_resource_name(StrBytes::from_string(id.to_string()))
        .with_configuration_keys(Some(vec![StrBytes::from_static_str(KEY)]));
    DescribeConfigsRequest::default().with_resources(vec![resource])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_does_not_describe_a_config_its_followers_never_got() {
    let root = tempfile::tempdir().unwrap();
    let cluster_id = yakt_wire::Uuid::random().to_string();
    let ports: BTreeMap<i32, u16> = (1..=3).map(|id| (id, free_port())).collect();
    // No idle NoOpRecords: the leader's log grows only by what the test asks.
    let extra = [("metadata.max.idle.interval.ms", "0")];
    let mut nodes: BTreeMap<i32, YaktProcess> = ports
        .keys()
        .map(|id| {
            let dir = root.path().join(format!("node-{id}"));
            let node = YaktProcess::start_voter(&dir, &cluster_id, *id, &ports, &extra);
            (*id, node)
        })
        .collect();
    let mut leader = None;
    for _ in 0..300 {
        leader = support::agreed_controller(ports.values().copied()).await;
        if leader.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let leader = leader.expect("an agreed leader within 30 s");
    let leader_port = ports[&leader];
    let before = leader_log_end(leader_port, leader)
        .await
        .expect("the leader's log end offset");

    // Its followers die: nothing the leader appends from now on commits.
    for id in ports.keys().filter(|id| **id != leader) {
        nodes.get_mut(id).unwrap().process().kill_9();
    }
    let alter = tokio::spawn(async move {
        let timeout = Duration::from_secs(20);
        let alter = (ApiKey::IncrementalAlterConfigs, (1, true));
        call::<_, IncrementalAlterConfigsResponse>(
            leader_port,
            alter.0,
            alter.1,
            set_broker_default(),
            timeout,
        )
        .await
    });
    let mut appended = false;
    for _ in 0..100 {
        if leader_log_end(leader_port, leader)
            .await
            .is_some_and(|end| end > before)
        {
            appended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if !appended {
        let end = leader_log_end(leader_port, leader).await;
        panic!(
            "the leader did not append the config record: log end {end:?} (was {before}); \
             the alter: {:?}",
            alter.await
        );
    }

    // The leader's working image holds the new default; its answer must wait for the commit
    // (or be NOT_CONTROLLER once it resigns), never show the value.
    let describe = (ApiKey::DescribeConfigs, (4, true));
    let described: Option<DescribeConfigsResponse> = call(
        leader_port,
        describe.0,
        describe.1,
        describe_own_config(leader),
        Duration::from_secs(1),
    )
    .await;
    if let Some(response) = described {
        let shown: Vec<_> = response
            .results
            .iter()
            .flat_map(|result| &result.configs)
            .filter(|config| config.value.as_deref() == Some(VALUE))
            .collect();
        assert!(
            shown.is_empty(),
            "an uncommitted config was described: {response:?}"
        );
    }
    alter.abort();
    for node in nodes.values_mut() {
        node.stop();
    }
}
