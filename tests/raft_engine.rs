//! Behaviour of the sans-IO raft engine, asserted on the outputs each event produces: elections
//! with pre-vote, vote granting rules, replication, divergence, the high watermark, long polls,
//! epoch checks, check-quorum and graceful resignation. No sockets, no sleeps.

use std::collections::BTreeMap;

use bytes::Bytes;
use kafka_protocol::messages::{FetchResponse, VoteResponse};
use yakt::raft::messages::{self, FetchParams, VoteParams};
use yakt::raft::types::error_code;
mod raft_support;

use raft_support::{flush, response_to, sends, Engine};
use yakt::raft::{
    Endpoint, Event, MemLog, MemStore, NodeId, OffsetAndEpoch, Output, QuorumStateStore,
    RaftConfig, RaftEngine, RaftLog, RaftRequest, RaftResponse, RequestId, RoleKind,
};

const CLUSTER: &str = "test-cluster";

fn config(node_id: NodeId, voters: &[NodeId]) -> RaftConfig {
    let voters: BTreeMap<NodeId, Endpoint> = voters
        .iter()
        .map(|id| {
            let endpoint = Endpoint {
                host: format!("node{id}"),
                port: 9000 + *id as u16,
            };
            (*id, endpoint)
        })
        .collect();
    RaftConfig::new(node_id, CLUSTER, voters)
}

fn engine(node_id: NodeId, voters: &[NodeId]) -> Engine {
    RaftEngine::new(
        config(node_id, voters),
        MemLog::new(),
        MemStore::new(),
        42,
        0,
    )
    .unwrap()
}

fn vote_of(response: RaftResponse) -> VoteResponse {
    match response {
        RaftResponse::Vote(v) => v,
        other => panic!("expected a vote response, got {other:?}"),
    }
}

fn fetch_of(response: RaftResponse) -> FetchResponse {
    match response {
        RaftResponse::Fetch(f) => f,
        other => panic!("expected a fetch response, got {other:?}"),
    }
}

fn vote_request(
    candidate: NodeId,
    epoch: i32,
    last: OffsetAndEpoch,
    pre_vote: bool,
) -> RaftRequest {
    RaftRequest::Vote(messages::vote_request(
        CLUSTER,
        VoteParams {
            voter_id: -1,
            voter_directory_id: Default::default(),
            replica_id: candidate,
            replica_directory_id: Default::default(),
            replica_epoch: epoch,
            last,
            pre_vote,
        },
    ))
}

fn fetch_request(
    replica: NodeId,
    epoch: i32,
    offset: i64,
    last_epoch: i32,
    max_wait_ms: i32,
) -> RaftRequest {
    RaftRequest::Fetch(messages::fetch_request(
        CLUSTER,
        FetchParams {
            replica_id: replica,
            replica_directory_id: Default::default(),
            epoch,
            fetch_offset: offset,
            last_fetched_epoch: last_epoch,
            high_watermark: i64::MAX,
            max_wait_ms,
            max_bytes: 1 << 20,
        },
    ))
}

fn request(engine: &mut Engine, now: u64, id: u64, req: RaftRequest) -> Vec<Output> {
    let version = match &req {
        RaftRequest::Fetch(_) => 17,
        RaftRequest::Vote(_) => 2,
        _ => 1,
    };
    engine
        .step(
            now,
            Event::Request {
                request_id: RequestId(id),
                api_version: version,
                request: req,
            },
        )
        .unwrap();
    engine.take_outputs()
}

fn vote_granted(epoch: i32, granted: bool) -> RaftResponse {
    RaftResponse::Vote(messages::vote_response(
        error_code::NONE,
        epoch,
        None,
        granted,
        None,
    ))
}

/// Drives node 1 of voters {1,2,3} to leadership: timeout, pre-votes, votes.
fn elect_leader() -> Engine {
    elect_leader_with_outputs().0
}

/// As [`elect_leader`], with the outputs of the step that elected it.
fn elect_leader_with_outputs() -> (Engine, Vec<Output>) {
    let mut node = engine(1, &[1, 2, 3]);
    node.take_outputs();
    node.step(10_000, Event::Tick).unwrap();
    let out = node.take_outputs();
    assert_eq!(node.role().kind(), RoleKind::Prospective);
    let pre_votes = sends(&out);
    assert_eq!(pre_votes.len(), 2);
    let (dest, cid, _) = pre_votes[0].clone();
    node.step(
        10_001,
        Event::Response {
            source: dest,
            correlation_id: cid,
            response: vote_granted(0, true),
        },
    )
    .unwrap();
    assert_eq!(node.role().kind(), RoleKind::Candidate);
    let votes = sends(&node.take_outputs());
    let (dest, cid, _) = votes[0].clone();
    node.step(
        10_002,
        Event::Response {
            source: dest,
            correlation_id: cid,
            response: vote_granted(1, true),
        },
    )
    .unwrap();
    assert_eq!(node.role().kind(), RoleKind::Leader);
    let out = node.take_outputs();
    (node, out)
}

#[test]
fn a_single_voter_elects_itself_and_commits_its_leader_change() {
    let mut node = engine(1, &[1]);
    assert_eq!(node.role().kind(), RoleKind::Leader);
    assert_eq!(node.epoch(), 1);
    let out = node.take_outputs();
    assert!(out.iter().any(|o| matches!(o, Output::FlushLog)));
    assert_eq!(
        node.log().log_end_offset(),
        1,
        "LeaderChangeMessage appended"
    );
    assert_eq!(
        node.high_watermark(),
        None,
        "nothing is committed before the flush"
    );
    let out = flush(&mut node, 1);
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::HighWatermark { offset: 1 })));
    assert_eq!(node.store().state().unwrap().leader_id, Some(1));
}

#[test]
fn pre_vote_keeps_the_epoch_and_the_vote_is_persisted_before_it_is_sent() {
    let mut node = engine(1, &[1, 2, 3]);
    node.take_outputs();
    let writes = node.store().write_count();
    node.step(10_000, Event::Tick).unwrap();
    let out = node.take_outputs();
    assert_eq!(node.role().kind(), RoleKind::Prospective);
    assert_eq!(node.epoch(), 0, "a pre-vote bumps no epoch");
    assert_eq!(node.store().write_count(), writes, "and persists nothing");
    for (_, _, req) in sends(&out) {
        let RaftRequest::Vote(v) = req else { panic!() };
        let p = messages::vote_partition(&v).unwrap();
        assert!(p.pre_vote);
        assert_eq!(p.replica_epoch, 0);
    }
    let (dest, cid, _) = sends(&out)[0].clone();
    node.step(
        10_001,
        Event::Response {
            source: dest,
            correlation_id: cid,
            response: vote_granted(0, true),
        },
    )
    .unwrap();
    let out = node.take_outputs();
    assert_eq!(node.role().kind(), RoleKind::Candidate);
    let stored = node.store().state().unwrap();
    assert_eq!((stored.epoch, stored.voted_id()), (1, Some(1)));
    let votes = sends(&out);
    assert_eq!(votes.len(), 2);
    for (_, _, req) in votes {
        let RaftRequest::Vote(v) = req else { panic!() };
        let p = messages::vote_partition(&v).unwrap();
        assert!(!p.pre_vote);
        assert_eq!(p.replica_epoch, 1);
    }
}

#[test]
fn a_new_leader_announces_itself_and_appends_leader_change_first() {
    let (mut node, out) = elect_leader_with_outputs();
    assert_eq!(node.epoch(), 1);
    assert_eq!(node.log().log_end_offset(), 1);
    assert!(
        yakt::raft::control::parse_leader_change(&node.log().read(0, 1 << 20).unwrap()).is_some()
    );
    let begins = |out: &[Output]| -> Vec<NodeId> {
        sends(out)
            .into_iter()
            .filter(|(_, _, r)| matches!(r, RaftRequest::BeginQuorumEpoch(_)))
            .map(|(d, _, _)| d)
            .collect()
    };
    assert_eq!(begins(&out), vec![2, 3]);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::RoleChanged {
            role: RoleKind::Leader,
            epoch: 1,
            ..
        }
    )));
    // Unacknowledged voters are asked again after fetch timeout / 2.
    for (destination, correlation_id, _) in sends(&out) {
        node.step(
            10_500,
            Event::SendFailed {
                destination,
                correlation_id,
            },
        )
        .unwrap();
    }
    assert!(
        begins(&node.take_outputs()).is_empty(),
        "not before fetch timeout / 2"
    );
    node.step(11_002, Event::Tick).unwrap();
    assert_eq!(begins(&node.take_outputs()), vec![2, 3]);
}

/// A vote request against a voter in Unattached epoch 2 whose log ends at (offset 10, epoch 2).
struct VoteCase {
    candidate_epoch: i32,
    last_offset: i64,
    last_epoch: i32,
    pre_vote: bool,
    error: i16,
    granted: bool,
}

const VOTE_CASES: &[VoteCase] = &[
    VoteCase {
        candidate_epoch: 3,
        last_offset: 10,
        last_epoch: 2,
        pre_vote: false,
        error: error_code::NONE,
        granted: true,
    },
    VoteCase {
        candidate_epoch: 3,
        last_offset: 11,
        last_epoch: 2,
        pre_vote: false,
        error: error_code::NONE,
        granted: true,
    },
    VoteCase {
        candidate_epoch: 3,
        last_offset: 9,
        last_epoch: 2,
        pre_vote: false,
        error: error_code::NONE,
        granted: false,
    },
    VoteCase {
        candidate_epoch: 3,
        last_offset: 20,
        last_epoch: 1,
        pre_vote: false,
        error: error_code::NONE,
        granted: false,
    },
    VoteCase {
        candidate_epoch: 3,
        last_offset: 1,
        last_epoch: 3,
        pre_vote: false,
        error: error_code::INVALID_REQUEST,
        granted: false,
    },
    VoteCase {
        candidate_epoch: 1,
        last_offset: 0,
        last_epoch: 0,
        pre_vote: false,
        error: error_code::FENCED_LEADER_EPOCH,
        granted: false,
    },
    VoteCase {
        candidate_epoch: 3,
        last_offset: -1,
        last_epoch: 2,
        pre_vote: false,
        error: error_code::INVALID_REQUEST,
        granted: false,
    },
    VoteCase {
        candidate_epoch: 2,
        last_offset: 10,
        last_epoch: 2,
        pre_vote: true,
        error: error_code::NONE,
        granted: true,
    },
    VoteCase {
        candidate_epoch: 2,
        last_offset: 10,
        last_epoch: 3,
        pre_vote: true,
        error: error_code::INVALID_REQUEST,
        granted: false,
    },
    VoteCase {
        candidate_epoch: 2,
        last_offset: 9,
        last_epoch: 2,
        pre_vote: true,
        error: error_code::NONE,
        granted: false,
    },
];

fn voter_with_log_at_epoch_2() -> Engine {
    let mut log = MemLog::new();
    let batch = yakt::raft::control::leader_change_batch(0, 2, 0, 2, [1, 2, 3], [2]);
    log.append_as_leader(batch, 2).unwrap();
    let mut filler = yakt_wire::batch::BatchBuilder::new(1, 2, 0);
    for _ in 0..9 {
        filler.push(None, Some(b"x"));
    }
    log.append_as_leader(filler.build(), 2).unwrap();
    log.flush().unwrap();
    let mut store = MemStore::new();
    store
        .write(&yakt::raft::ElectionState {
            epoch: 2,
            leader_id: None,
            voted: None,
            voters: [1, 2, 3].into(),
        })
        .unwrap();
    RaftEngine::new(config(1, &[1, 2, 3]), log, store, 7, 0).unwrap()
}

#[test]
fn vote_granting_rules() {
    for (i, case) in VOTE_CASES.iter().enumerate() {
        let (epoch, pre_vote) = (case.candidate_epoch, case.pre_vote);
        let (offset, last_epoch) = (case.last_offset, case.last_epoch);
        let (error, granted) = (case.error, case.granted);
        let mut node = voter_with_log_at_epoch_2();
        assert_eq!(node.log().log_end_offset(), 10);
        node.take_outputs();
        let out = request(
            &mut node,
            1,
            1,
            vote_request(2, epoch, OffsetAndEpoch::new(offset, last_epoch), pre_vote),
        );
        let vote = vote_of(response_to(&out, RequestId(1)).unwrap());
        let p = messages::vote_response_partition(&vote).unwrap();
        assert_eq!((p.error_code, p.vote_granted), (error, granted), "case {i}");
        if pre_vote {
            assert_eq!(node.epoch(), 2, "case {i}: a pre-vote changes no epoch");
            assert_eq!(node.store().state().unwrap().voted, None, "case {i}");
        }
        if granted && !pre_vote {
            let stored = node.store().state().unwrap();
            assert_eq!(
                (stored.epoch, stored.voted_id()),
                (epoch, Some(2)),
                "case {i}: persisted"
            );
        }
    }
}

#[test]
fn one_vote_per_epoch() {
    let mut node = voter_with_log_at_epoch_2();
    node.take_outputs();
    let last = OffsetAndEpoch::new(10, 2);
    let out = request(&mut node, 1, 1, vote_request(2, 3, last, false));
    assert!(
        messages::vote_response_partition(&vote_of(response_to(&out, RequestId(1)).unwrap()))
            .unwrap()
            .vote_granted
    );
    let out = request(&mut node, 2, 2, vote_request(3, 3, last, false));
    let refused = vote_of(response_to(&out, RequestId(2)).unwrap());
    assert!(
        !messages::vote_response_partition(&refused)
            .unwrap()
            .vote_granted
    );
    let out = request(&mut node, 3, 3, vote_request(2, 3, last, false));
    let again = vote_of(response_to(&out, RequestId(3)).unwrap());
    assert!(
        messages::vote_response_partition(&again)
            .unwrap()
            .vote_granted,
        "same candidate again"
    );
    // A pre-vote for another candidate is still granted: it binds nothing.
    let out = request(&mut node, 4, 4, vote_request(3, 3, last, true));
    let pre = vote_of(response_to(&out, RequestId(4)).unwrap());
    assert!(
        messages::vote_response_partition(&pre)
            .unwrap()
            .vote_granted
    );
}

#[test]
fn a_restarted_voter_remembers_its_vote() {
    let mut node = voter_with_log_at_epoch_2();
    let last = OffsetAndEpoch::new(10, 2);
    request(&mut node, 1, 1, vote_request(2, 3, last, false));
    let (mut log, store) = node.into_parts();
    log.crash();
    let mut node = RaftEngine::new(config(1, &[1, 2, 3]), log, store, 8, 100).unwrap();
    let out = request(&mut node, 101, 2, vote_request(3, 3, last, false));
    let refused = vote_of(response_to(&out, RequestId(2)).unwrap());
    assert!(
        !messages::vote_response_partition(&refused)
            .unwrap()
            .vote_granted
    );
}

#[test]
fn cluster_id_is_checked_and_null_is_accepted() {
    let mut node = voter_with_log_at_epoch_2();
    let RaftRequest::Vote(mut v) = vote_request(2, 3, OffsetAndEpoch::new(10, 2), false) else {
        panic!()
    };
    v.cluster_id = Some(kafka_protocol::protocol::StrBytes::from_static_str("other"));
    let out = request(&mut node, 1, 1, RaftRequest::Vote(v.clone()));
    assert_eq!(
        vote_of(response_to(&out, RequestId(1)).unwrap()).error_code,
        error_code::INCONSISTENT_CLUSTER_ID
    );
    v.cluster_id = None;
    let out = request(&mut node, 2, 2, RaftRequest::Vote(v));
    assert_eq!(
        vote_of(response_to(&out, RequestId(2)).unwrap()).error_code,
        error_code::NONE
    );
}

fn partition_of(
    response: &FetchResponse,
) -> &kafka_protocol::messages::fetch_response::PartitionData {
    messages::fetch_response_partition(response).unwrap()
}

#[test]
fn fetch_epoch_checks() {
    let mut leader = elect_leader();
    // (request epoch, expected error) against a leader of epoch 1.
    for (epoch, error) in [
        (0, error_code::FENCED_LEADER_EPOCH),
        (2, error_code::UNKNOWN_LEADER_EPOCH),
        (1, error_code::NONE),
    ] {
        let out = request(
            &mut leader,
            10_010,
            epoch as u64 + 100,
            fetch_request(2, epoch, 0, 0, 0),
        );
        let response = fetch_of(response_to(&out, RequestId(epoch as u64 + 100)).unwrap());
        let p = partition_of(&response);
        assert_eq!(p.error_code, error, "epoch {epoch}");
        assert_eq!(
            (p.current_leader.leader_id.0, p.current_leader.leader_epoch),
            (1, 1)
        );
        assert_eq!(
            response.node_endpoints.len(),
            1,
            "the leader's endpoint is always given"
        );
    }
    // A follower answers NOT_LEADER_OR_FOLLOWER and names the leader.
    let mut follower = engine(2, &[1, 2, 3]);
    request(
        &mut follower,
        0,
        1,
        RaftRequest::BeginQuorumEpoch(messages::begin_epoch_request(
            CLUSTER,
            (2, Default::default()),
            1,
            1,
            "CONTROLLER",
            None,
        )),
    );
    assert_eq!(follower.role().kind(), RoleKind::Follower);
    let out = request(&mut follower, 1, 2, fetch_request(3, 1, 0, 0, 0));
    let response = fetch_of(response_to(&out, RequestId(2)).unwrap());
    let p = partition_of(&response);
    assert_eq!(p.error_code, error_code::NOT_LEADER_OR_FOLLOWER);
    assert_eq!(p.current_leader.leader_id.0, 1);
}

#[test]
fn high_watermark_needs_a_majority_of_flushed_voters_and_starts_in_the_leaders_epoch() {
    let mut leader = elect_leader();
    let appended = leader
        .append(10_010, leader.epoch(), &[Bytes::from_static(b"a")])
        .unwrap();
    assert_eq!(appended.first_offset, 1);
    flush(&mut leader, 10_011);
    assert_eq!(
        leader.high_watermark(),
        None,
        "the leader alone is no majority"
    );
    // Voter 2 fetched at offset 1 (it has the LeaderChangeMessage): HWM = 1.
    request(&mut leader, 10_012, 1, fetch_request(2, 1, 1, 1, 0));
    assert_eq!(leader.high_watermark(), Some(1));
    // An observer's progress does not count.
    request(&mut leader, 10_013, 2, fetch_request(7, 1, 2, 1, 0));
    assert_eq!(leader.high_watermark(), Some(1));
    request(&mut leader, 10_014, 3, fetch_request(3, 1, 2, 1, 0));
    assert_eq!(leader.high_watermark(), Some(2));
}

#[test]
fn the_leader_does_not_commit_earlier_epochs_before_its_own_record() {
    // Node 1 has records of epoch 2 the others lack; elected in epoch 3, a fetch of voter 2 at
    // its old end (offset 10, before the epoch-3 LeaderChangeMessage at 10) commits nothing.
    let mut node = voter_with_log_at_epoch_2();
    node.take_outputs();
    node.step(10_000, Event::Tick).unwrap();
    let (d, c, _) = sends(&node.take_outputs())[0].clone();
    node.step(
        10_001,
        Event::Response {
            source: d,
            correlation_id: c,
            response: vote_granted(2, true),
        },
    )
    .unwrap();
    let (d, c, _) = sends(&node.take_outputs())[0].clone();
    node.step(
        10_002,
        Event::Response {
            source: d,
            correlation_id: c,
            response: vote_granted(3, true),
        },
    )
    .unwrap();
    assert_eq!(node.role().kind(), RoleKind::Leader);
    flush(&mut node, 10_003);
    request(&mut node, 10_004, 1, fetch_request(2, 3, 10, 2, 0));
    assert_eq!(node.high_watermark(), None);
    request(&mut node, 10_005, 2, fetch_request(2, 3, 11, 3, 0));
    assert_eq!(node.high_watermark(), Some(11));
}

#[test]
fn a_diverged_fetcher_is_told_where_to_truncate() {
    let mut leader = elect_leader(); // epoch 1, log: [0] = LeaderChange(1)
    leader
        .append(10_010, leader.epoch(), &[Bytes::from_static(b"a")])
        .unwrap();
    // Fetcher claims offset 5 in epoch 1: the leader's epoch 1 ends at 2.
    let out = request(&mut leader, 10_011, 1, fetch_request(2, 1, 5, 1, 0));
    let response = fetch_of(response_to(&out, RequestId(1)).unwrap());
    let p = partition_of(&response);
    assert_eq!(
        (p.diverging_epoch.epoch, p.diverging_epoch.end_offset),
        (1, 2)
    );
    assert!(p.records.as_ref().unwrap().is_empty());
}

#[test]
fn a_follower_truncates_to_the_divergence_point() {
    let mut follower = voter_with_log_at_epoch_2(); // node 1, log end (10, 2)
    let out = request(
        &mut follower,
        0,
        1,
        RaftRequest::BeginQuorumEpoch(messages::begin_epoch_request(
            CLUSTER,
            (1, Default::default()),
            3,
            4,
            "CONTROLLER",
            None,
        )),
    );
    assert_eq!(follower.role().kind(), RoleKind::Follower);
    let fetches = sends(&out);
    let (dest, cid, req) = fetches
        .into_iter()
        .find(|(_, _, r)| matches!(r, RaftRequest::Fetch(_)))
        .unwrap();
    assert_eq!(dest, 3);
    let RaftRequest::Fetch(f) = req else { panic!() };
    let p = messages::fetch_partition(&f).unwrap();
    assert_eq!((p.fetch_offset, p.last_fetched_epoch), (10, 2));
    let reply = messages::fetch_response(messages::FetchReply {
        epoch: 4,
        leader_id: Some(3),
        high_watermark: -1,
        diverging: Some(OffsetAndEpoch::new(1, 2)),
        ..Default::default()
    });
    follower
        .step(
            2,
            Event::Response {
                source: 3,
                correlation_id: cid,
                response: RaftResponse::Fetch(reply),
            },
        )
        .unwrap();
    assert_eq!(follower.log().log_end_offset(), 1);
}

#[test]
fn a_parked_fetch_completes_when_records_arrive_or_max_wait_passes() {
    let mut leader = elect_leader();
    flush(&mut leader, 10_010);
    let out = request(&mut leader, 10_011, 1, fetch_request(2, 1, 1, 1, 500));
    assert!(response_to(&out, RequestId(1)).is_none(), "parked");
    leader
        .append(10_012, leader.epoch(), &[Bytes::from_static(b"a")])
        .unwrap();
    let out = leader.take_outputs();
    let response = fetch_of(response_to(&out, RequestId(1)).expect("completed by the append"));
    assert!(!partition_of(&response).records.as_ref().unwrap().is_empty());
    let out = request(&mut leader, 10_013, 2, fetch_request(3, 1, 2, 1, 500));
    assert!(response_to(&out, RequestId(2)).is_none());
    assert!(leader.next_deadline_ms() <= 10_513);
    leader.step(10_513, Event::Tick).unwrap();
    assert!(
        response_to(&leader.take_outputs(), RequestId(2)).is_some(),
        "MaxWaitMs passed"
    );
}

#[test]
fn a_follower_without_fetches_starts_a_pre_vote_and_a_leader_without_a_majority_resigns() {
    let mut follower = engine(2, &[1, 2, 3]);
    request(
        &mut follower,
        0,
        1,
        RaftRequest::BeginQuorumEpoch(messages::begin_epoch_request(
            CLUSTER,
            (2, Default::default()),
            1,
            1,
            "CONTROLLER",
            None,
        )),
    );
    follower.step(1_999, Event::Tick).unwrap();
    assert_eq!(follower.role().kind(), RoleKind::Follower);
    follower.step(2_000, Event::Tick).unwrap();
    assert_eq!(follower.role().kind(), RoleKind::Prospective);

    let mut leader = elect_leader(); // elected at 10_002; check quorum = 3_000 ms
    leader.step(13_001, Event::Tick).unwrap();
    assert_eq!(leader.role().kind(), RoleKind::Leader);
    leader.step(13_002, Event::Tick).unwrap();
    assert_eq!(leader.role().kind(), RoleKind::Resigned);
}

#[test]
fn a_leader_with_fetches_from_a_majority_stays() {
    let mut leader = elect_leader();
    for t in (10_100..20_000).step_by(1_000) {
        request(&mut leader, t, t, fetch_request(2, 1, 1, 1, 0));
        leader.step(t + 1, Event::Tick).unwrap();
        assert_eq!(leader.role().kind(), RoleKind::Leader, "at {t}");
    }
}

#[test]
fn graceful_resignation_lets_the_first_successor_skip_the_backoff() {
    let mut leader = elect_leader();
    request(&mut leader, 10_010, 1, fetch_request(3, 1, 1, 1, 0));
    leader.resign(10_011).unwrap();
    assert_eq!(leader.role().kind(), RoleKind::Resigned);
    let ends: Vec<RaftRequest> = sends(&leader.take_outputs())
        .into_iter()
        .map(|(_, _, r)| r)
        .filter(|r| matches!(r, RaftRequest::EndQuorumEpoch(_)))
        .collect();
    assert_eq!(ends.len(), 2);
    let RaftRequest::EndQuorumEpoch(end) = &ends[0] else {
        panic!()
    };
    let successors = messages::preferred_successors(messages::end_epoch_partition(end).unwrap());
    assert_eq!(successors, vec![3, 2], "the most caught-up voter first");

    let mut successor = engine(3, &[1, 2, 3]);
    request(
        &mut successor,
        0,
        1,
        RaftRequest::BeginQuorumEpoch(messages::begin_epoch_request(
            CLUSTER,
            (3, Default::default()),
            1,
            1,
            "CONTROLLER",
            None,
        )),
    );
    request(&mut successor, 5, 2, ends[0].clone());
    assert_eq!(
        successor.role().kind(),
        RoleKind::Prospective,
        "no backoff for the first successor"
    );
}

#[test]
fn describe_quorum_on_the_leader_and_elsewhere() {
    let mut leader = elect_leader();
    request(&mut leader, 10_010, 1, fetch_request(2, 1, 1, 1, 0));
    let out = request(
        &mut leader,
        10_011,
        2,
        RaftRequest::DescribeQuorum(messages::describe_quorum_request()),
    );
    let Some(RaftResponse::DescribeQuorum(d)) = response_to(&out, RequestId(2)) else {
        panic!()
    };
    let p = &d.topics[0].partitions[0];
    assert_eq!((p.leader_id.0, p.leader_epoch), (1, 1));
    let voters: Vec<(i32, i64)> = p
        .current_voters
        .iter()
        .map(|v| (v.replica_id.0, v.log_end_offset))
        .collect();
    assert_eq!(voters, vec![(1, 1), (2, 1), (3, -1)]);
    assert_eq!(d.nodes.len(), 3);

    let mut other = engine(2, &[1, 2, 3]);
    let out = request(
        &mut other,
        0,
        1,
        RaftRequest::DescribeQuorum(messages::describe_quorum_request()),
    );
    let Some(RaftResponse::DescribeQuorum(d)) = response_to(&out, RequestId(1)) else {
        panic!()
    };
    assert_eq!(d.error_code, error_code::NOT_LEADER_OR_FOLLOWER);
}

#[test]
fn a_follower_replicates_and_learns_the_high_watermark_capped_at_its_log() {
    let mut leader = elect_leader();
    flush(&mut leader, 10_010);
    let epoch = leader.epoch();
    leader
        .append(
            10_011,
            epoch,
            &[Bytes::from_static(b"a"), Bytes::from_static(b"b")],
        )
        .unwrap();
    flush(&mut leader, 10_012);
    let out = request(&mut leader, 10_013, 1, fetch_request(2, 1, 0, 0, 0));
    let response = fetch_of(response_to(&out, RequestId(1)).unwrap());

    let mut follower = engine(2, &[1, 2, 3]);
    let out = request(
        &mut follower,
        0,
        1,
        RaftRequest::BeginQuorumEpoch(messages::begin_epoch_request(
            CLUSTER,
            (2, Default::default()),
            1,
            1,
            "CONTROLLER",
            None,
        )),
    );
    let (_, cid, _) = sends(&out)
        .into_iter()
        .find(|(_, _, r)| matches!(r, RaftRequest::Fetch(_)))
        .unwrap();
    follower
        .step(
            1,
            Event::Response {
                source: 1,
                correlation_id: cid,
                response: RaftResponse::Fetch(response),
            },
        )
        .unwrap();
    assert_eq!(follower.log().log_end_offset(), 3);
    let out = follower.take_outputs();
    assert!(out.iter().any(|o| matches!(o, Output::FlushLog)));
    assert!(
        sends(&out).is_empty(),
        "a voter fetches again only after its flush"
    );
    let out = flush(&mut follower, 2);
    assert_eq!(sends(&out).len(), 1);
}

#[test]
fn a_voter_that_stopped_fetching_is_reminded_and_its_higher_epoch_deposes_the_leader() {
    let mut leader = elect_leader();
    request(&mut leader, 10_010, 1, fetch_request(2, 1, 1, 1, 0));
    request(&mut leader, 10_010, 2, fetch_request(3, 1, 1, 1, 0));
    let mut reminder = None;
    for t in (10_500..14_000).step_by(250) {
        let mut out = request(&mut leader, t, t, fetch_request(3, 1, 1, 1, 0));
        leader.step(t, Event::Tick).unwrap();
        out.extend(leader.take_outputs());
        for (destination, correlation_id, req) in sends(&out) {
            if destination == 2 && matches!(req, RaftRequest::BeginQuorumEpoch(_)) {
                reminder.get_or_insert(correlation_id);
            }
        }
    }
    assert_eq!(
        leader.role().kind(),
        RoleKind::Leader,
        "voter 3 keeps the quorum"
    );
    let correlation_id = reminder.expect("voter 2 stopped fetching and was reminded");
    // Voter 2 lost an election in epoch 3 meanwhile: it answers with that epoch.
    let response =
        messages::begin_epoch_response(error_code::NONE, error_code::FENCED_LEADER_EPOCH, 3, None);
    leader
        .step(
            14_000,
            Event::Response {
                source: 2,
                correlation_id,
                response: RaftResponse::BeginQuorumEpoch(response),
            },
        )
        .unwrap();
    assert_eq!(
        (leader.role().kind(), leader.epoch()),
        (RoleKind::Unattached, 3)
    );
}

fn respond(
    engine: &mut Engine,
    now: u64,
    source: NodeId,
    correlation_id: u64,
    response: RaftResponse,
) -> Vec<Output> {
    engine
        .step(
            now,
            Event::Response {
                source,
                correlation_id,
                response,
            },
        )
        .unwrap();
    engine.take_outputs()
}

#[test]
fn a_voter_without_pre_vote_support_sends_the_prospective_straight_to_candidate() {
    let mut node = engine(1, &[1, 2, 3]);
    node.step(10_000, Event::Tick).unwrap();
    let (dest, cid, _) = sends(&node.take_outputs())[0].clone();
    let unsupported = RaftResponse::Vote(messages::vote_error(error_code::UNSUPPORTED_VERSION));
    respond(&mut node, 10_001, dest, cid, unsupported);
    assert_eq!((node.role().kind(), node.epoch()), (RoleKind::Candidate, 1));
}

#[test]
fn a_lost_election_backs_off_then_starts_over_with_a_pre_vote() {
    let mut node = engine(1, &[1, 2, 3]);
    node.step(10_000, Event::Tick).unwrap();
    let (dest, cid, _) = sends(&node.take_outputs())[0].clone();
    let out = respond(&mut node, 10_001, dest, cid, vote_granted(0, true));
    assert_eq!(node.role().kind(), RoleKind::Candidate);
    let mut now = 10_002;
    for (dest, cid, _) in sends(&out) {
        respond(&mut node, now, dest, cid, vote_granted(1, false));
        now += 1;
    }
    assert_eq!(
        node.role().kind(),
        RoleKind::Candidate,
        "backing off, not yet prospective"
    );
    // Backoff is at most election.backoff.max.ms (1 s).
    node.step(now + 1_000, Event::Tick).unwrap();
    assert_eq!(
        (node.role().kind(), node.epoch()),
        (RoleKind::Prospective, 1)
    );
}

#[test]
fn a_follower_that_hears_from_its_leader_refuses_pre_votes() {
    let mut follower = engine(2, &[1, 2, 3]);
    let begin =
        messages::begin_epoch_request(CLUSTER, (2, Default::default()), 1, 1, "CONTROLLER", None);
    let out = request(&mut follower, 0, 1, RaftRequest::BeginQuorumEpoch(begin));
    let last = OffsetAndEpoch::new(0, 0);
    let before = request(&mut follower, 1, 2, vote_request(3, 1, last, true));
    let vote = vote_of(response_to(&before, RequestId(2)).unwrap());
    assert!(
        messages::vote_response_partition(&vote)
            .unwrap()
            .vote_granted,
        "no fetch has succeeded yet"
    );
    let (_, cid, _) = sends(&out)
        .into_iter()
        .find(|(_, _, r)| matches!(r, RaftRequest::Fetch(_)))
        .unwrap();
    let reply = messages::fetch_response(messages::FetchReply {
        epoch: 1,
        leader_id: Some(1),
        high_watermark: -1,
        ..Default::default()
    });
    respond(&mut follower, 2, 1, cid, RaftResponse::Fetch(reply));
    let after = request(&mut follower, 3, 3, vote_request(3, 1, last, true));
    let vote = vote_of(response_to(&after, RequestId(3)).unwrap());
    let p = messages::vote_response_partition(&vote).unwrap();
    assert!(!p.vote_granted);
    assert_eq!(
        (p.leader_id.0, p.leader_epoch),
        (1, 1),
        "and names the leader"
    );
}

#[test]
fn a_resigned_leader_moves_to_the_next_epoch_after_an_election_timeout() {
    let mut leader = elect_leader();
    leader.resign(10_010).unwrap();
    assert_eq!(leader.role().kind(), RoleKind::Resigned);
    leader.take_outputs();
    leader.step(12_010, Event::Tick).unwrap();
    let changes: Vec<(RoleKind, i32)> = leader
        .take_outputs()
        .into_iter()
        .filter_map(|o| match o {
            Output::RoleChanged { role, epoch, .. } => Some((role, epoch)),
            _ => None,
        })
        .collect();
    // Its election timeout has already run out: it asks for pre-votes in the new epoch at once.
    assert_eq!(
        changes,
        vec![(RoleKind::Unattached, 2), (RoleKind::Prospective, 2)]
    );
}

#[test]
fn an_observer_finds_the_leader_through_any_voter() {
    let mut observer = engine(9, &[1, 2, 3]);
    let out = observer.take_outputs();
    let (voter, cid, req) = sends(&out)
        .into_iter()
        .find(|(_, _, r)| matches!(r, RaftRequest::Fetch(_)))
        .expect("an observer fetches from a bootstrap voter at once");
    let RaftRequest::Fetch(fetch) = req else {
        panic!()
    };
    assert_eq!(messages::fetch_replica_id(&fetch), 9);
    let not_leader = messages::fetch_response(messages::FetchReply {
        error_code: error_code::NOT_LEADER_OR_FOLLOWER,
        epoch: 4,
        leader_id: Some(3),
        high_watermark: -1,
        ..Default::default()
    });
    let out = respond(
        &mut observer,
        1,
        voter,
        cid,
        RaftResponse::Fetch(not_leader),
    );
    assert_eq!(
        (
            observer.role().kind(),
            observer.epoch(),
            observer.leader_id()
        ),
        (RoleKind::Follower, 4, Some(3))
    );
    assert!(sends(&out)
        .iter()
        .any(|(d, _, r)| *d == 3 && matches!(r, RaftRequest::Fetch(_))));
}

#[test]
fn malformed_fetches_are_refused() {
    let mut leader = elect_leader();
    // Last fetched epoch above the request epoch.
    let out = request(&mut leader, 10_010, 1, fetch_request(2, 1, 1, 2, 0));
    let response = fetch_of(response_to(&out, RequestId(1)).unwrap());
    assert_eq!(
        partition_of(&response).error_code,
        error_code::INVALID_REQUEST
    );
    // No topic id (a Fetch below v13 names the topic instead).
    let RaftRequest::Fetch(mut by_name) = fetch_request(2, 1, 1, 1, 0) else {
        panic!()
    };
    by_name.topics[0].topic_id = Default::default();
    let out = request(&mut leader, 10_011, 2, RaftRequest::Fetch(by_name));
    assert_eq!(
        fetch_of(response_to(&out, RequestId(2)).unwrap()).error_code,
        error_code::INVALID_REQUEST
    );
}

#[test]
fn a_restarted_leader_starts_resigned_in_its_epoch_and_a_candidate_as_candidate() {
    let leader = elect_leader();
    let (mut log, store) = leader.into_parts();
    log.crash();
    let restarted = RaftEngine::new(config(1, &[1, 2, 3]), log, store, 3, 20_000).unwrap();
    assert_eq!(
        (restarted.role().kind(), restarted.epoch()),
        (RoleKind::Resigned, 1)
    );

    let mut candidate = engine(1, &[1, 2, 3]);
    candidate.step(10_000, Event::Tick).unwrap();
    let (dest, cid, _) = sends(&candidate.take_outputs())[0].clone();
    respond(&mut candidate, 10_001, dest, cid, vote_granted(0, true));
    assert_eq!(candidate.role().kind(), RoleKind::Candidate);
    let (log, store) = candidate.into_parts();
    let restarted = RaftEngine::new(config(1, &[1, 2, 3]), log, store, 4, 20_000).unwrap();
    assert_eq!(
        (restarted.role().kind(), restarted.epoch()),
        (RoleKind::Candidate, 1)
    );
}

fn kraft_v1_config(node_id: NodeId, voters: &[NodeId]) -> RaftConfig {
    let mut config = config(node_id, voters);
    config.kraft_version = 1;
    config.voter_directory_ids = voters
        .iter()
        .map(|id| (*id, yakt_wire::Uuid::new(1_000 + *id as u64, 7)))
        .collect();
    config.directory_id = config.voter_directory_ids[&node_id];
    config
}

fn control_types(log: &MemLog, from: i64) -> Vec<i16> {
    let bytes = log.read(from, 1 << 20).unwrap();
    let view = yakt_wire::batch::BatchView::parse(&bytes).unwrap();
    view.records()
        .map(|r| {
            let key = r.unwrap().key.unwrap().to_vec();
            i16::from_be_bytes([key[2], key[3]])
        })
        .collect()
}

#[test]
fn a_kraft_version_1_leader_writes_the_voter_set_once() {
    let mut node = RaftEngine::new(
        kraft_v1_config(1, &[1]),
        MemLog::new(),
        MemStore::new(),
        5,
        0,
    )
    .unwrap();
    assert_eq!(node.role().kind(), RoleKind::Leader);
    assert_eq!(
        control_types(node.log(), 0),
        vec![2, 5, 6],
        "LeaderChange, KRaftVersion, Voters"
    );
    flush(&mut node, 1);
    node.resign(2).unwrap();
    node.step(10_000, Event::Tick).unwrap();
    assert_eq!((node.role().kind(), node.epoch()), (RoleKind::Leader, 3));
    let start = node.log().log_end_offset() - 1;
    assert_eq!(
        control_types(node.log(), start),
        vec![2],
        "the voter set is in the log already"
    );
}

#[test]
fn kraft_version_1_requests_name_the_voters_directory() {
    let mut node = RaftEngine::new(
        kraft_v1_config(1, &[1, 2, 3]),
        MemLog::new(),
        MemStore::new(),
        5,
        0,
    )
    .unwrap();
    node.step(10_000, Event::Tick).unwrap();
    for (destination, _, request) in sends(&node.take_outputs()) {
        let RaftRequest::Vote(vote) = request else {
            panic!()
        };
        let p = messages::vote_partition(&vote).unwrap();
        assert_eq!(
            yakt_wire::Uuid::from(p.voter_directory_id),
            yakt_wire::Uuid::new(1_000 + destination as u64, 7)
        );
        assert_eq!(
            yakt_wire::Uuid::from(p.replica_directory_id),
            yakt_wire::Uuid::new(1_001, 7)
        );
    }
    // A vote addressed to another directory of this node id is refused.
    let mut voter = RaftEngine::new(
        kraft_v1_config(2, &[1, 2, 3]),
        MemLog::new(),
        MemStore::new(),
        6,
        0,
    )
    .unwrap();
    let RaftRequest::Vote(mut vote) = vote_request(1, 1, OffsetAndEpoch::new(0, 0), false) else {
        panic!()
    };
    vote.topics[0].partitions[0].voter_directory_id = yakt_wire::Uuid::new(99, 99).into();
    let out = request(&mut voter, 1, 1, RaftRequest::Vote(vote));
    let refused = vote_of(response_to(&out, RequestId(1)).unwrap());
    assert_eq!(
        messages::vote_response_partition(&refused)
            .unwrap()
            .error_code,
        error_code::INVALID_VOTER_KEY
    );
}

#[test]
fn an_append_computed_in_another_epoch_is_refused() {
    let mut leader = elect_leader();
    let epoch = leader.epoch();
    let end = leader.log().log_end_offset();
    for stale in [epoch - 1, epoch + 1] {
        let refused = leader.append(10_010, stale, &[Bytes::from_static(b"a")]);
        assert!(
            matches!(refused, Err(yakt::raft::AppendError::NotLeader { epoch: e, .. }) if e == epoch),
            "{stale}: {refused:?}"
        );
    }
    assert_eq!(leader.log().log_end_offset(), end, "nothing was written");
    leader
        .append(10_011, epoch, &[Bytes::from_static(b"a")])
        .unwrap();
    assert_eq!(leader.log().log_end_offset(), end + 1);
}
