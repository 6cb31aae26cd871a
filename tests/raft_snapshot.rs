//! Snapshot transfer (KIP-630) between two engines wired back to back: a fetcher behind the
//! leader's log start is sent the snapshot id, downloads it with FetchSnapshot in chunks, and
//! restarts its log there; the leader's FetchSnapshot errors; the bootstrap snapshot 0-0 is
//! never served.

use std::collections::BTreeMap;

use bytes::Bytes;
use yakt::raft::messages::{self, FetchParams};
use yakt::raft::types::error_code;
use yakt::raft::{
    Endpoint, Event, MemLog, MemStore, NodeId, OffsetAndEpoch, Output, RaftConfig, RaftEngine,
    RaftLog, RaftRequest, RaftResponse, RequestId, RoleKind,
};

const CLUSTER: &str = "snapshot-test";
type Engine = RaftEngine<MemLog, MemStore>;

fn config(node_id: NodeId) -> RaftConfig {
    let voters: BTreeMap<NodeId, Endpoint> = [(
        1,
        Endpoint {
            host: "leader".into(),
            port: 9093,
        },
    )]
    .into();
    let mut config = RaftConfig::new(node_id, CLUSTER, voters);
    config.fetch_snapshot_max_bytes = 100;
    config
}

/// A single-voter leader whose log holds `batches` one-record batches after its
/// LeaderChangeMessage, with a snapshot at the end of the log and the log before it deleted.
fn leader_with_snapshot(batches: usize) -> (Engine, OffsetAndEpoch) {
    let mut leader = RaftEngine::new(config(1), MemLog::new(), MemStore::new(), 1, 0).unwrap();
    assert_eq!(leader.role().kind(), RoleKind::Leader);
    for i in 0..batches {
        let value = Bytes::from(format!("record-{i}"));
        let epoch = leader.epoch();
        leader.append(1, epoch, &[value]).unwrap();
    }
    leader.log_mut().flush().unwrap();
    leader.step(2, Event::FlushCompleted).unwrap();
    let end = leader.log().log_end_offset();
    assert_eq!(leader.high_watermark(), Some(end));
    let id = OffsetAndEpoch::new(end, 1);
    let content = leader.log().read(0, usize::MAX).unwrap();
    leader.log_mut().create_snapshot(id, content).unwrap();
    assert!(leader.log_mut().delete_before_latest_snapshot());
    leader.take_outputs();
    (leader, id)
}

fn fetch_at(
    leader: &mut Engine,
    offset: i64,
    last_epoch: i32,
) -> kafka_protocol::messages::FetchResponse {
    let request = messages::fetch_request(
        CLUSTER,
        FetchParams {
            replica_id: 5,
            replica_directory_id: Default::default(),
            epoch: 1,
            fetch_offset: offset,
            last_fetched_epoch: last_epoch,
            high_watermark: i64::MAX,
            max_wait_ms: 0,
            max_bytes: 1 << 20,
        },
    );
    leader
        .step(
            10,
            Event::Request {
                request_id: RequestId(1),
                api_version: 17,
                request: RaftRequest::Fetch(request),
            },
        )
        .unwrap();
    match leader.take_outputs().into_iter().find_map(|o| match o {
        Output::Respond {
            response: RaftResponse::Fetch(f),
            ..
        } => Some(f),
        _ => None,
    }) {
        Some(f) => f,
        None => panic!("no fetch response"),
    }
}

#[test]
fn a_fetcher_behind_the_log_start_is_sent_the_snapshot_id() {
    let (mut leader, id) = leader_with_snapshot(5);
    for (offset, epoch) in [(0, 0), (2, 1)] {
        let response = fetch_at(&mut leader, offset, epoch);
        let p = messages::fetch_response_partition(&response).unwrap();
        assert_eq!(p.error_code, error_code::NONE);
        assert_eq!(
            (p.snapshot_id.end_offset, p.snapshot_id.epoch),
            (id.offset, id.epoch),
            "offset {offset}"
        );
        assert_eq!(p.log_start_offset, id.offset);
    }
    // At the snapshot's end offset and epoch the fetcher is in line with the log.
    let response = fetch_at(&mut leader, id.offset, 1);
    let p = messages::fetch_response_partition(&response).unwrap();
    assert_eq!(p.snapshot_id.epoch, -1);
    assert_eq!(p.diverging_epoch.epoch, -1);
}

fn fetch_snapshot(
    leader: &mut Engine,
    id: OffsetAndEpoch,
    position: u64,
) -> messages::SnapshotChunk {
    let request = messages::fetch_snapshot_request(CLUSTER, 5, 1, id, position, 64);
    leader
        .step(
            10,
            Event::Request {
                request_id: RequestId(2),
                api_version: 1,
                request: RaftRequest::FetchSnapshot(request),
            },
        )
        .unwrap();
    let response = leader
        .take_outputs()
        .into_iter()
        .find_map(|o| match o {
            Output::Respond {
                response: RaftResponse::FetchSnapshot(f),
                ..
            } => Some(f),
            _ => None,
        })
        .expect("a FetchSnapshot response");
    let p = messages::fetch_snapshot_response_partition(&response).unwrap();
    messages::SnapshotChunk {
        error_code: p.error_code,
        epoch: p.current_leader.leader_epoch,
        leader_id: Some(p.current_leader.leader_id.0),
        snapshot_id: OffsetAndEpoch::new(p.snapshot_id.end_offset, p.snapshot_id.epoch),
        size: p.size,
        position: p.position,
        bytes: p.unaligned_records.clone(),
    }
}

#[test]
fn fetch_snapshot_serves_chunks_and_refuses_what_it_cannot() {
    let (mut leader, id) = leader_with_snapshot(5);
    let size = leader.log().snapshot_size(id).unwrap() as i64;
    let first = fetch_snapshot(&mut leader, id, 0);
    assert_eq!(first.error_code, error_code::NONE);
    assert_eq!(
        (first.size, first.position, first.bytes.len()),
        (size, 0, 64)
    );
    let last = fetch_snapshot(&mut leader, id, (size - 10) as u64);
    assert_eq!(last.bytes.len(), 10);
    let beyond = fetch_snapshot(&mut leader, id, size as u64);
    assert_eq!(beyond.error_code, error_code::POSITION_OUT_OF_RANGE);
    let unknown = fetch_snapshot(&mut leader, OffsetAndEpoch::new(3, 1), 0);
    assert_eq!(unknown.error_code, error_code::SNAPSHOT_NOT_FOUND);
}

#[test]
fn the_bootstrap_snapshot_is_never_served() {
    let mut log = MemLog::new();
    let bootstrap = OffsetAndEpoch::new(0, 0);
    log.create_snapshot(bootstrap, Bytes::from_static(b"bootstrap records"))
        .unwrap();
    let mut leader = RaftEngine::new(config(1), log, MemStore::new(), 1, 0).unwrap();
    leader.take_outputs();
    let chunk = fetch_snapshot(&mut leader, bootstrap, 0);
    assert_eq!(chunk.error_code, error_code::SNAPSHOT_NOT_FOUND);
    let response = fetch_at(&mut leader, 0, 0);
    let p = messages::fetch_response_partition(&response).unwrap();
    assert_eq!(
        p.snapshot_id.epoch, -1,
        "an empty fetcher reads the log, not 0-0"
    );
    assert!(!p.records.as_ref().unwrap().is_empty());
}

/// Delivers messages between `a` (index 0) and `b` (index 1) until both are quiet, running
/// every flush at once. Returns the number of messages delivered.
fn exchange(nodes: &mut [Engine; 2], ids: [NodeId; 2], mut now: u64) -> usize {
    let mut pending: Vec<(usize, Output)> = Vec::new();
    for (i, node) in nodes.iter_mut().enumerate() {
        pending.extend(node.take_outputs().into_iter().map(|o| (i, o)));
    }
    let mut answers: BTreeMap<(usize, u64), (NodeId, u64)> = BTreeMap::new();
    let mut next_request = 100;
    let mut delivered = 0;
    while let Some((from, output)) = (!pending.is_empty()).then(|| pending.remove(0)) {
        now += 1;
        let to = 1 - from;
        match output {
            Output::Send {
                destination,
                correlation_id,
                request,
            } => {
                assert_eq!(destination, ids[to]);
                next_request += 1;
                answers.insert((to, next_request), (ids[from], correlation_id));
                let event = Event::Request {
                    request_id: RequestId(next_request),
                    api_version: 17,
                    request,
                };
                nodes[to].step(now, event).unwrap();
                delivered += 1;
                pending.extend(nodes[to].take_outputs().into_iter().map(|o| (to, o)));
            }
            Output::Respond {
                request_id,
                response,
            } => {
                let (source, correlation_id) = answers.remove(&(from, request_id.0)).unwrap();
                let _ = source;
                let event = Event::Response {
                    source: ids[from],
                    correlation_id,
                    response,
                };
                nodes[to].step(now, event).unwrap();
                delivered += 1;
                pending.extend(nodes[to].take_outputs().into_iter().map(|o| (to, o)));
            }
            Output::FlushLog => {
                nodes[from].log_mut().flush().unwrap();
                nodes[from].step(now, Event::FlushCompleted).unwrap();
                pending.extend(nodes[from].take_outputs().into_iter().map(|o| (from, o)));
            }
            _ => {}
        }
        if delivered > 200 {
            break;
        }
    }
    delivered
}

#[test]
fn an_empty_observer_loads_the_snapshot_then_fetches_from_its_end() {
    let (leader, id) = leader_with_snapshot(20);
    let leader_end = leader.log().log_end_offset();
    let observer = RaftEngine::new(config(5), MemLog::new(), MemStore::new(), 2, 0).unwrap();
    let mut nodes = [leader, observer];
    exchange(&mut nodes, [1, 5], 10);
    let observer = &nodes[1];
    assert_eq!(observer.role().kind(), RoleKind::Follower);
    assert_eq!(observer.leader_id(), Some(1));
    assert_eq!(
        observer.log().log_start_offset(),
        id.offset,
        "the log restarts at the snapshot"
    );
    assert_eq!(observer.log().latest_snapshot_id(), Some(id));
    assert_eq!(
        observer.log().snapshot(id),
        nodes[0].log().snapshot(id),
        "byte for byte"
    );
    assert_eq!(observer.log().log_end_offset(), leader_end);
    assert_eq!(observer.high_watermark(), Some(leader_end));
}
