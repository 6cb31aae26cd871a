//! Dynamic quorum membership in the sans-IO engine (KIP-853): AddRaftVoter, RemoveRaftVoter and
//! UpdateRaftVoter on the leader with each of Kafka's refusals, answers sent when the new
//! VotersRecord commits or the deadline passes, uncommitted voter sets that count at once and
//! vanish with truncation, a leader that removed itself resigning, and the voter set rebuilt
//! from the log on restart.

use std::collections::BTreeMap;

use bytes::Bytes;
use kafka_protocol::messages::{
    add_raft_voter_request, update_raft_voter_request, AddRaftVoterRequest, AddRaftVoterResponse,
    RemoveRaftVoterRequest, RemoveRaftVoterResponse, UpdateRaftVoterRequest,
    UpdateRaftVoterResponse,
};
use kafka_protocol::protocol::StrBytes;
use yakt::raft::control::voters_batch;
use yakt::raft::messages::{self, FetchParams, FetchReply};
use yakt::raft::types::error_code;
use yakt::raft::voters::VoterSet;
mod raft_support;

use raft_support::{flush, response_to, sends, Engine};
use yakt::raft::{
    Endpoint, Event, MemLog, MemStore, NodeId, Output, RaftConfig, RaftEngine, RaftLog,
    RaftRequest, RaftResponse, RequestId, RoleKind,
};
use yakt_wire::Uuid;

const CLUSTER: &str = "test-cluster";
const LISTENER: &str = "CONTROLLER";

fn directory(id: NodeId) -> Uuid {
    Uuid::new(1_000 + id as u64, 7)
}

fn endpoint(id: NodeId) -> Endpoint {
    Endpoint {
        host: format!("node{id}"),
        port: 9000 + id as u16,
    }
}

fn config(node_id: NodeId, voters: &[NodeId], kraft_version: i16) -> RaftConfig {
    let endpoints: BTreeMap<NodeId, Endpoint> =
        voters.iter().map(|id| (*id, endpoint(*id))).collect();
    let mut config = RaftConfig::new(node_id, CLUSTER, endpoints);
    config.kraft_version = kraft_version;
    if kraft_version >= 1 {
        config.voter_directory_ids = voters.iter().map(|id| (*id, directory(*id))).collect();
    }
    config.directory_id = directory(node_id);
    config
}

fn start(config: RaftConfig) -> Engine {
    RaftEngine::new(config, MemLog::new(), MemStore::new(), 7, 0).unwrap()
}

/// A single-voter kraft.version 1 leader (node 1) whose first epoch has committed.
fn committed_leader() -> Engine {
    let mut leader = start(config(1, &[1], 1));
    assert_eq!(leader.role().kind(), RoleKind::Leader);
    flush(&mut leader, 1);
    assert_eq!(leader.high_watermark(), Some(leader.log().log_end_offset()));
    leader.take_outputs();
    leader
}

fn request(engine: &mut Engine, now: u64, id: u64, req: RaftRequest) -> Vec<Output> {
    engine
        .step(
            now,
            Event::Request {
                request_id: RequestId(id),
                api_version: 0,
                request: req,
            },
        )
        .unwrap();
    engine.take_outputs()
}

fn fetch(engine: &mut Engine, now: u64, id: u64, replica: NodeId, offset: i64) -> Vec<Output> {
    let last_epoch = engine.log().last_fetched_epoch();
    let params = FetchParams {
        replica_id: replica,
        replica_directory_id: directory(replica),
        epoch: engine.epoch(),
        fetch_offset: offset,
        last_fetched_epoch: last_epoch,
        high_watermark: i64::MAX,
        max_wait_ms: 0,
        max_bytes: 1 << 20,
    };
    let req = RaftRequest::Fetch(messages::fetch_request(CLUSTER, params));
    request(engine, now, id, req)
}

fn add_request(id: NodeId, directory_id: Uuid, listener: &str) -> RaftRequest {
    let e = endpoint(id);
    RaftRequest::AddRaftVoter(
        AddRaftVoterRequest::default()
            .with_cluster_id(Some(StrBytes::from_static_str(CLUSTER)))
            .with_timeout_ms(30_000)
            .with_voter_id(id)
            .with_voter_directory_id(directory_id.into())
            .with_listeners(vec![add_raft_voter_request::Listener::default()
                .with_name(StrBytes::from_string(listener.to_owned()))
                .with_host(StrBytes::from_string(e.host))
                .with_port(e.port)]),
    )
}

fn remove_request(id: NodeId, directory_id: Uuid) -> RaftRequest {
    RaftRequest::RemoveRaftVoter(
        RemoveRaftVoterRequest::default()
            .with_cluster_id(Some(StrBytes::from_static_str(CLUSTER)))
            .with_voter_id(id)
            .with_voter_directory_id(directory_id.into()),
    )
}

fn update_request(id: NodeId, epoch: i32, port: u16, kraft: (i16, i16)) -> RaftRequest {
    RaftRequest::UpdateRaftVoter(
        UpdateRaftVoterRequest::default()
            .with_cluster_id(Some(StrBytes::from_static_str(CLUSTER)))
            .with_current_leader_epoch(epoch)
            .with_voter_id(id)
            .with_voter_directory_id(directory(id).into())
            .with_listeners(vec![update_raft_voter_request::Listener::default()
                .with_name(StrBytes::from_static_str(LISTENER))
                .with_host(StrBytes::from_string(format!("node{id}")))
                .with_port(port)])
            .with_k_raft_version_feature(
                update_raft_voter_request::KRaftVersionFeature::default()
                    .with_min_supported_version(kraft.0)
                    .with_max_supported_version(kraft.1),
            ),
    )
}

fn add_answer(outputs: &[Output], id: u64) -> Option<AddRaftVoterResponse> {
    match response_to(outputs, RequestId(id))? {
        RaftResponse::AddRaftVoter(r) => Some(r),
        other => panic!("expected AddRaftVoter, got {other:?}"),
    }
}

fn remove_answer(outputs: &[Output], id: u64) -> Option<RemoveRaftVoterResponse> {
    match response_to(outputs, RequestId(id))? {
        RaftResponse::RemoveRaftVoter(r) => Some(r),
        other => panic!("expected RemoveRaftVoter, got {other:?}"),
    }
}

fn update_answer(outputs: &[Output], id: u64) -> UpdateRaftVoterResponse {
    match response_to(outputs, RequestId(id)) {
        Some(RaftResponse::UpdateRaftVoter(r)) => r,
        other => panic!("expected UpdateRaftVoter, got {other:?}"),
    }
}

fn voter_ids(engine: &Engine) -> Vec<NodeId> {
    engine.voter_set().ids().collect()
}

/// Leader 1 with node 2 added and committed: voters {1, 2}.
fn two_voter_leader() -> Engine {
    let mut leader = committed_leader();
    let end = leader.log().log_end_offset();
    fetch(&mut leader, 2, 100, 2, end);
    let outputs = request(&mut leader, 3, 1, add_request(2, directory(2), LISTENER));
    assert!(add_answer(&outputs, 1).is_none(), "waits for the commit");
    flush(&mut leader, 4);
    let end = leader.log().log_end_offset();
    let outputs = fetch(&mut leader, 5, 101, 2, end);
    assert_eq!(
        add_answer(&outputs, 1).unwrap().error_code,
        error_code::NONE
    );
    leader
}

#[test]
fn add_voter_refusals() {
    // Not the leader.
    let mut follower = start(config(2, &[1, 2, 3], 1));
    let outputs = request(&mut follower, 1, 1, add_request(4, directory(4), LISTENER));
    let code = add_answer(&outputs, 1).unwrap().error_code;
    assert_eq!(code, error_code::NOT_LEADER_OR_FOLLOWER);

    // kraft.version 0: no reconfiguration.
    let mut static_leader = start(config(1, &[1], 0));
    flush(&mut static_leader, 1);
    let end = static_leader.log().log_end_offset();
    fetch(&mut static_leader, 2, 100, 2, end);
    let outputs = request(
        &mut static_leader,
        3,
        1,
        add_request(2, directory(2), LISTENER),
    );
    let code = add_answer(&outputs, 1).unwrap().error_code;
    assert_eq!(code, error_code::UNSUPPORTED_VERSION);

    // The leader's epoch has not committed yet.
    let mut fresh = start(config(1, &[1], 1));
    let outputs = request(&mut fresh, 1, 1, add_request(2, directory(2), LISTENER));
    let code = add_answer(&outputs, 1).unwrap().error_code;
    assert_eq!(code, error_code::REQUEST_TIMED_OUT);

    let mut leader = committed_leader();
    let cases: Vec<(RaftRequest, i16, &str)> = vec![
        (
            add_request(1, directory(1), LISTENER),
            error_code::DUPLICATE_VOTER,
            "already a voter",
        ),
        (
            add_request(2, directory(2), LISTENER),
            error_code::REQUEST_TIMED_OUT,
            "not fetching",
        ),
        (
            add_request(2, directory(2), "OTHER"),
            error_code::INVALID_REQUEST,
            "no endpoint on the controller listener",
        ),
    ];
    for (i, (req, code, why)) in cases.into_iter().enumerate() {
        let outputs = request(&mut leader, 2, 10 + i as u64, req);
        let answer = add_answer(&outputs, 10 + i as u64).unwrap();
        assert_eq!(answer.error_code, code, "{why}");
        assert!(answer.error_message.is_some(), "{why}");
    }
    // An observer fetching with another directory is not the voter asked for.
    let end = leader.log().log_end_offset();
    fetch(&mut leader, 3, 100, 2, end);
    let outputs = request(
        &mut leader,
        4,
        20,
        add_request(2, Uuid::new(5, 5), LISTENER),
    );
    let code = add_answer(&outputs, 20).unwrap().error_code;
    assert_eq!(code, error_code::REQUEST_TIMED_OUT);
    // Another cluster.
    let RaftRequest::AddRaftVoter(mut other) = add_request(2, directory(2), LISTENER) else {
        unreachable!()
    };
    other.cluster_id = Some(StrBytes::from_static_str("other"));
    let outputs = request(&mut leader, 4, 21, RaftRequest::AddRaftVoter(other));
    let code = add_answer(&outputs, 21).unwrap().error_code;
    assert_eq!(code, error_code::INCONSISTENT_CLUSTER_ID);
    assert_eq!(voter_ids(&leader), vec![1], "nothing changed");
}

#[test]
fn an_added_voter_counts_at_once_and_the_answer_waits_for_the_commit() {
    let mut leader = committed_leader();
    let end = leader.log().log_end_offset();
    fetch(&mut leader, 2, 100, 2, end);
    let outputs = request(&mut leader, 3, 1, add_request(2, directory(2), LISTENER));
    assert!(add_answer(&outputs, 1).is_none());
    assert_eq!(voter_ids(&leader), vec![1, 2], "uncommitted, yet in force");
    let record_at = end;
    assert_eq!(leader.log().log_end_offset(), record_at + 1);

    // One change at a time.
    let outputs = request(&mut leader, 3, 2, remove_request(2, directory(2)));
    let code = remove_answer(&outputs, 2).unwrap().error_code;
    assert_eq!(code, error_code::REQUEST_TIMED_OUT);

    // The leader's own flush is no longer a majority of {1, 2}.
    let outputs = flush(&mut leader, 4);
    assert!(add_answer(&outputs, 1).is_none());
    assert_eq!(leader.high_watermark(), Some(record_at));
    let outputs = fetch(&mut leader, 5, 101, 2, record_at + 1);
    assert_eq!(
        add_answer(&outputs, 1).unwrap().error_code,
        error_code::NONE
    );
    assert_eq!(leader.high_watermark(), Some(record_at + 1));

    // DescribeQuorum lists node 2 as a voter, with its directory and endpoint.
    let describe = RaftRequest::DescribeQuorum(messages::describe_quorum_request());
    let outputs = request(&mut leader, 6, 3, describe);
    let Some(RaftResponse::DescribeQuorum(d)) = response_to(&outputs, RequestId(3)) else {
        panic!("no DescribeQuorum answer")
    };
    let partition = &d.topics[0].partitions[0];
    let voters: Vec<(i32, Uuid)> = partition
        .current_voters
        .iter()
        .map(|v| (v.replica_id.0, v.replica_directory_id.into()))
        .collect();
    assert_eq!(voters, vec![(1, directory(1)), (2, directory(2))]);
    assert!(partition.observers.is_empty());
    assert_eq!(d.nodes.len(), 2);
    assert_eq!(d.nodes[1].listeners[0].port, 9002);
}

#[test]
fn a_change_that_does_not_commit_in_time_is_answered_request_timed_out() {
    let mut leader = committed_leader();
    let end = leader.log().log_end_offset();
    fetch(&mut leader, 2, 100, 2, end);
    let RaftRequest::AddRaftVoter(add) = add_request(2, directory(2), LISTENER) else {
        unreachable!()
    };
    let add = add.with_timeout_ms(1_000);
    request(&mut leader, 3, 1, RaftRequest::AddRaftVoter(add));
    flush(&mut leader, 4);
    assert!(leader.next_deadline_ms() <= 3 + 1_000);
    leader.step(1_003, Event::Tick).unwrap();
    let outputs = leader.take_outputs();
    let code = add_answer(&outputs, 1).unwrap().error_code;
    assert_eq!(code, error_code::REQUEST_TIMED_OUT);
}

#[test]
fn a_leader_that_loses_its_role_answers_not_leader() {
    let mut leader = committed_leader();
    let end = leader.log().log_end_offset();
    fetch(&mut leader, 2, 100, 2, end);
    request(&mut leader, 3, 1, add_request(2, directory(2), LISTENER));
    leader.resign(4).unwrap();
    let outputs = leader.take_outputs();
    let code = add_answer(&outputs, 1).unwrap().error_code;
    assert_eq!(code, error_code::NOT_LEADER_OR_FOLLOWER);
}

#[test]
fn remove_voter_refusals_and_commit() {
    let mut leader = two_voter_leader();
    let cases: Vec<(RaftRequest, i16, &str)> = vec![
        (
            remove_request(3, directory(3)),
            error_code::VOTER_NOT_FOUND,
            "not a voter",
        ),
        (
            remove_request(2, Uuid::new(5, 5)),
            error_code::VOTER_NOT_FOUND,
            "another directory",
        ),
    ];
    for (i, (req, code, why)) in cases.into_iter().enumerate() {
        let outputs = request(&mut leader, 10, 10 + i as u64, req);
        assert_eq!(
            remove_answer(&outputs, 10 + i as u64).unwrap().error_code,
            code,
            "{why}"
        );
    }
    let outputs = request(&mut leader, 11, 1, remove_request(2, directory(2)));
    assert!(remove_answer(&outputs, 1).is_none());
    assert_eq!(voter_ids(&leader), vec![1]);
    // Alone again, the leader's flush commits the removal.
    let outputs = flush(&mut leader, 12);
    let code = remove_answer(&outputs, 1).unwrap().error_code;
    assert_eq!(code, error_code::NONE);
    assert_eq!(leader.role().kind(), RoleKind::Leader);

    let outputs = request(&mut leader, 13, 2, remove_request(1, directory(1)));
    let code = remove_answer(&outputs, 2).unwrap().error_code;
    assert_eq!(code, error_code::INVALID_REQUEST, "the last voter stays");
}

#[test]
fn a_leader_that_removed_itself_resigns_once_the_removal_commits() {
    let mut leader = two_voter_leader();
    let outputs = request(&mut leader, 10, 1, remove_request(1, directory(1)));
    assert!(remove_answer(&outputs, 1).is_none());
    assert!(!leader.is_voter());
    flush(&mut leader, 11);
    assert_eq!(leader.role().kind(), RoleKind::Leader, "not committed yet");
    let end = leader.log().log_end_offset();
    let outputs = fetch(&mut leader, 12, 100, 2, end);
    assert_eq!(
        remove_answer(&outputs, 1).unwrap().error_code,
        error_code::NONE
    );
    assert_eq!(leader.role().kind(), RoleKind::Resigned);
    let told: Vec<NodeId> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Send {
                destination,
                request: RaftRequest::EndQuorumEpoch(_),
                ..
            } => Some(*destination),
            _ => None,
        })
        .collect();
    assert_eq!(told, vec![2], "the remaining voter takes over");
}

#[test]
fn update_voter_rewrites_the_record_and_answers_at_once() {
    let mut leader = two_voter_leader();
    let epoch = leader.epoch();
    let end = leader.log().log_end_offset();
    let outputs = request(&mut leader, 10, 1, update_request(2, epoch, 7777, (0, 1)));
    let answer = update_answer(&outputs, 1);
    assert_eq!(answer.error_code, error_code::NONE);
    assert_eq!(answer.current_leader.leader_id.0, 1);
    assert_eq!(leader.log().log_end_offset(), end + 1, "a new VotersRecord");
    let voter = leader.voter_set().get(2).unwrap().clone();
    assert_eq!(voter.endpoint(LISTENER).unwrap().port, 7777);

    let cases = [
        (
            update_request(2, epoch, 7778, (0, 1)),
            error_code::REQUEST_TIMED_OUT,
            "the previous change has not committed",
        ),
        (
            update_request(2, epoch - 1, 7778, (0, 1)),
            error_code::FENCED_LEADER_EPOCH,
            "an old epoch",
        ),
    ];
    for (i, (req, code, why)) in cases.into_iter().enumerate() {
        let outputs = request(&mut leader, 11, 10 + i as u64, req);
        assert_eq!(
            update_answer(&outputs, 10 + i as u64).error_code,
            code,
            "{why}"
        );
    }
    flush(&mut leader, 12);
    fetch(&mut leader, 13, 100, 2, end + 1);
    let cases = [
        (
            update_request(2, epoch, 7778, (0, 0)),
            error_code::INVALID_REQUEST,
            "does not support the finalized kraft.version",
        ),
        (
            update_request(3, epoch, 7778, (0, 1)),
            error_code::VOTER_NOT_FOUND,
            "not a voter",
        ),
    ];
    for (i, (req, code, why)) in cases.into_iter().enumerate() {
        let outputs = request(&mut leader, 14, 20 + i as u64, req);
        assert_eq!(
            update_answer(&outputs, 20 + i as u64).error_code,
            code,
            "{why}"
        );
    }
}

#[test]
fn a_voter_with_a_stale_record_sends_update_voter_to_its_leader() {
    let mut config = config(2, &[1, 2], 1);
    config.local_endpoint = Some(Endpoint {
        host: "node2".into(),
        port: 5555,
    });
    let mut follower = start(config);
    // Leader 1 announces epoch 1, then a fetch succeeds.
    let begin = messages::begin_epoch_request(
        CLUSTER,
        (2, directory(2)),
        1,
        1,
        LISTENER,
        Some(&endpoint(1)),
    );
    let outputs = request(&mut follower, 1, 1, RaftRequest::BeginQuorumEpoch(begin));
    assert_eq!(follower.role().kind(), RoleKind::Follower);
    let (_, cid, _) = sends(&outputs)[0].clone();
    let reply = empty_fetch_reply(1, 0);
    follower
        .step(
            3,
            Event::Response {
                source: 1,
                correlation_id: cid,
                response: RaftResponse::Fetch(reply),
            },
        )
        .unwrap();
    let outputs = follower.take_outputs();
    let update = sends(&outputs)
        .into_iter()
        .find_map(|(to, _, r)| match r {
            RaftRequest::UpdateRaftVoter(u) => Some((to, u)),
            _ => None,
        })
        .expect("an UpdateRaftVoter");
    assert_eq!(update.0, 1);
    assert_eq!(update.1.listeners[0].port, 5555);
    assert_eq!(update.1.current_leader_epoch, 1);
}

fn follower_tick(engine: &mut Engine, now: u64) -> Vec<Output> {
    engine.step(now, Event::Tick).unwrap();
    engine.take_outputs()
}

fn empty_fetch_reply(
    leader: NodeId,
    high_watermark: i64,
) -> kafka_protocol::messages::FetchResponse {
    messages::fetch_response(FetchReply {
        error_code: error_code::NONE,
        records: Bytes::new(),
        high_watermark,
        log_start_offset: 0,
        epoch: 1,
        leader_id: Some(leader),
        leader_endpoint: Some(endpoint(leader)),
        diverging: None,
        snapshot_id: None,
    })
}

#[test]
fn a_fetched_voter_set_counts_at_once_and_truncation_reverts_it() {
    let mut follower = start(config(2, &[1, 2], 1));
    let begin = messages::begin_epoch_request(CLUSTER, (2, directory(2)), 1, 1, LISTENER, None);
    let outputs = request(&mut follower, 1, 1, RaftRequest::BeginQuorumEpoch(begin));
    let (_, cid, _) = sends(&outputs)[0].clone();
    // The leader's log: a VotersRecord adding node 3, in epoch 1, uncommitted.
    let bootstrap = follower.voter_set().clone();
    let mut third = bootstrap.get(1).unwrap().clone();
    third.directory_id = directory(3);
    let added: VoterSet = bootstrap.add(3, third).unwrap();
    let batch = voters_batch(0, 1, 0, &added);
    let mut reply = empty_fetch_reply(1, 0);
    reply.responses[0].partitions[0].records = Some(batch);
    follower
        .step(
            3,
            Event::Response {
                source: 1,
                correlation_id: cid,
                response: RaftResponse::Fetch(reply),
            },
        )
        .unwrap();
    assert_eq!(voter_ids(&follower), vec![1, 2, 3]);
    flush(&mut follower, 4);
    // A new leader whose log never had it: truncate to 0.
    let begin = messages::begin_epoch_request(CLUSTER, (2, directory(2)), 1, 2, LISTENER, None);
    let mut outputs = request(&mut follower, 5, 2, RaftRequest::BeginQuorumEpoch(begin));
    outputs.extend(follower_tick(&mut follower, 6));
    let (_, cid, _) = sends(&outputs)
        .into_iter()
        .find(|(to, _, _)| *to == 1)
        .expect("a fetch to the new leader");
    let mut reply = empty_fetch_reply(1, -1);
    let partition = &mut reply.responses[0].partitions[0];
    partition.current_leader.leader_epoch = 2;
    partition.diverging_epoch.epoch = 0;
    partition.diverging_epoch.end_offset = 0;
    follower
        .step(
            7,
            Event::Response {
                source: 1,
                correlation_id: cid,
                response: RaftResponse::Fetch(reply),
            },
        )
        .unwrap();
    assert_eq!(follower.log().log_end_offset(), 0);
    assert_eq!(
        voter_ids(&follower),
        vec![1, 2],
        "back to the bootstrap set"
    );
}

#[test]
fn a_restarted_node_rebuilds_its_voter_set_from_the_log() {
    let leader = two_voter_leader();
    let (log, store) = leader.into_parts();
    let restarted = RaftEngine::new(config(1, &[1], 1), log, store, 9, 100_000).unwrap();
    assert_eq!(voter_ids(&restarted), vec![1, 2]);
    assert_eq!(
        restarted.voter_set().directory_id(2),
        directory(2),
        "with the directory id the VotersRecord names"
    );
    assert_eq!(restarted.node_endpoint(2), Some(endpoint(2)));
}

#[test]
fn a_snapshot_carries_the_voter_set_when_the_log_before_it_is_gone() {
    let leader = two_voter_leader();
    let end = leader.log().log_end_offset();
    let controls = leader.snapshot_control_records(end - 1);
    let types: Vec<i16> = controls.iter().map(|(t, _)| *t).collect();
    assert_eq!(types, vec![5, 6], "KRaftVersionRecord, VotersRecord");
    let mut builder = yakt_wire::batch::BatchBuilder::new(0, leader.epoch(), 0).control();
    for (record_type, value) in &controls {
        builder.push(
            Some(&yakt::raft::control::control_key(*record_type)),
            Some(value),
        );
    }
    let (mut log, store) = leader.into_parts();
    let id = yakt::raft::OffsetAndEpoch::new(end, 1);
    log.create_snapshot(id, builder.build()).unwrap();
    assert!(log.delete_before_latest_snapshot());
    assert_eq!(log.log_start_offset(), end);
    let restarted = RaftEngine::new(config(1, &[1], 1), log, store, 9, 100_000).unwrap();
    assert_eq!(voter_ids(&restarted), vec![1, 2]);
    assert!(
        start(config(1, &[1], 0))
            .snapshot_control_records(0)
            .is_empty(),
        "none at kraft.version 0"
    );
}

#[test]
fn add_voter_v1_without_ack_when_committed_is_answered_once_written() {
    use kafka_protocol::protocol::{Decodable, Encodable};
    let mut leader = committed_leader();
    let end = leader.log().log_end_offset();
    fetch(&mut leader, 2, 100, 2, end);
    let RaftRequest::AddRaftVoter(add) = add_request(2, directory(2), LISTENER) else {
        unreachable!()
    };
    let add = add.with_ack_when_committed(false);
    // The field exists from v1 on, and survives the wire.
    let mut bytes = bytes::BytesMut::new();
    add.encode(&mut bytes, 1).unwrap();
    let decoded = AddRaftVoterRequest::decode(&mut bytes.freeze(), 1).unwrap();
    assert!(!decoded.ack_when_committed);
    assert!(add.encode(&mut bytes::BytesMut::new(), 0).is_err());
    let outputs = request(&mut leader, 3, 1, RaftRequest::AddRaftVoter(decoded));
    let answer = add_answer(&outputs, 1).expect("answered at once");
    assert_eq!(answer.error_code, error_code::NONE);
    assert_eq!(voter_ids(&leader), vec![1, 2]);
    // Still one change at a time: the record has not committed.
    let outputs = request(&mut leader, 4, 2, remove_request(2, directory(2)));
    let code = remove_answer(&outputs, 2).unwrap().error_code;
    assert_eq!(code, error_code::REQUEST_TIMED_OUT);
}

#[test]
fn a_removed_leader_restarts_resigned_and_then_observes() {
    let mut leader = two_voter_leader();
    request(&mut leader, 10, 1, remove_request(1, directory(1)));
    flush(&mut leader, 11);
    let end = leader.log().log_end_offset();
    fetch(&mut leader, 12, 100, 2, end);
    let (log, store) = leader.into_parts();
    let mut restarted = RaftEngine::new(config(1, &[1], 1), log, store, 9, 20).unwrap();
    assert!(!restarted.is_voter(), "its log removed it");
    assert_eq!(restarted.role().kind(), RoleKind::Resigned);
    let epoch = restarted.epoch();
    restarted.step(10_000, Event::Tick).unwrap();
    assert_eq!(
        (restarted.role().kind(), restarted.epoch()),
        (RoleKind::Unattached, epoch + 1)
    );
    let outputs = restarted.take_outputs();
    let asked: Vec<NodeId> = sends(&outputs)
        .into_iter()
        .filter(|(_, _, r)| matches!(r, RaftRequest::Fetch(_)))
        .map(|(to, _, _)| to)
        .collect();
    assert_eq!(asked, vec![2], "an observer asks the voters it knows");
}
