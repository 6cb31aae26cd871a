//! No input from the network makes the engine panic (reliability.md §1, style.md item 11):
//! property tests feed engines in every role arbitrary requests and responses (any epochs,
//! offsets, ids, error codes, snapshot positions, garbage records) and ticks. The engine may
//! answer with an error code or stop with a fatal `RaftError` (e.g. a peer claiming a second
//! leader for the epoch), but never panics.

use std::collections::BTreeMap;

use bytes::Bytes;
use proptest::prelude::*;
use yakt::raft::messages::{self, FetchParams, FetchReply, SnapshotChunk, VoteParams};
use yakt::raft::{
    Endpoint, Event, MemLog, MemStore, NodeId, OffsetAndEpoch, Output, RaftConfig, RaftEngine,
    RaftRequest, RaftResponse, RequestId,
};

const CLUSTER: &str = "bad-input";
type Engine = RaftEngine<MemLog, MemStore>;

fn engine(node_id: NodeId) -> Engine {
    let voters: BTreeMap<NodeId, Endpoint> = [1, 2, 3]
        .into_iter()
        .map(|id| {
            (
                id,
                Endpoint {
                    host: format!("n{id}"),
                    port: 1,
                },
            )
        })
        .collect();
    RaftEngine::new(
        RaftConfig::new(node_id, CLUSTER, voters),
        MemLog::new(),
        MemStore::new(),
        3,
        0,
    )
    .unwrap()
}

#[derive(Debug, Clone)]
enum Action {
    Tick(u16),
    Vote {
        candidate: i32,
        epoch: i32,
        offset: i64,
        last_epoch: i32,
        pre_vote: bool,
    },
    Fetch {
        replica: i32,
        epoch: i32,
        offset: i64,
        last_epoch: i32,
        max_wait: i32,
    },
    Begin {
        leader: i32,
        epoch: i32,
    },
    End {
        leader: i32,
        epoch: i32,
        successors: Vec<i32>,
    },
    FetchSnapshot {
        epoch: i32,
        offset: i64,
        snapshot_epoch: i32,
        position: u64,
        max_bytes: i32,
    },
    Describe,
    Append(u8),
    VoteResponse {
        error: i16,
        leader: i32,
        epoch: i32,
        granted: bool,
    },
    FetchResponse {
        error: i16,
        leader: i32,
        epoch: i32,
        hwm: i64,
        diverging: Option<(i64, i32)>,
        snapshot: Option<(i64, i32)>,
        records: Vec<u8>,
    },
    BeginResponse {
        error: i16,
        leader: i32,
        epoch: i32,
    },
    SnapshotResponse {
        error: i16,
        leader: i32,
        epoch: i32,
        size: i64,
        position: i64,
        bytes: Vec<u8>,
    },
    SendFailed,
}

fn small_epoch() -> impl Strategy<Value = i32> {
    prop_oneof![0..4i32, any::<i32>()]
}

fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![0..20i64, any::<i64>()]
}

fn error_code() -> impl Strategy<Value = i16> {
    prop_oneof![
        Just(0i16),
        Just(6),
        Just(8),
        Just(35),
        Just(42),
        Just(74),
        Just(75),
        Just(98),
        Just(99),
        any::<i16>()
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..3000u16).prop_map(Action::Tick),
        (
            -2..5i32,
            small_epoch(),
            offset(),
            small_epoch(),
            any::<bool>()
        )
            .prop_map(
                |(candidate, epoch, offset, last_epoch, pre_vote)| Action::Vote {
                    candidate,
                    epoch,
                    offset,
                    last_epoch,
                    pre_vote
                }
            ),
        (
            -2..12i32,
            small_epoch(),
            offset(),
            small_epoch(),
            -1..600i32
        )
            .prop_map(
                |(replica, epoch, offset, last_epoch, max_wait)| Action::Fetch {
                    replica,
                    epoch,
                    offset,
                    last_epoch,
                    max_wait
                }
            ),
        (-2..5i32, small_epoch()).prop_map(|(leader, epoch)| Action::Begin { leader, epoch }),
        (
            -2..5i32,
            small_epoch(),
            proptest::collection::vec(-1..5i32, 0..4)
        )
            .prop_map(|(leader, epoch, successors)| Action::End {
                leader,
                epoch,
                successors
            }),
        (
            small_epoch(),
            offset(),
            small_epoch(),
            any::<u64>(),
            any::<i32>()
        )
            .prop_map(|(epoch, offset, snapshot_epoch, position, max_bytes)| {
                Action::FetchSnapshot {
                    epoch,
                    offset,
                    snapshot_epoch,
                    position,
                    max_bytes,
                }
            }),
        Just(Action::Describe),
        (1..4u8).prop_map(Action::Append),
        (error_code(), -1..5i32, small_epoch(), any::<bool>()).prop_map(
            |(error, leader, epoch, granted)| Action::VoteResponse {
                error,
                leader,
                epoch,
                granted
            }
        ),
        (
            error_code(),
            -1..5i32,
            small_epoch(),
            offset(),
            proptest::option::of((offset(), small_epoch())),
            proptest::option::of((offset(), small_epoch())),
            proptest::collection::vec(any::<u8>(), 0..80)
        )
            .prop_map(
                |(error, leader, epoch, hwm, diverging, snapshot, records)| Action::FetchResponse {
                    error,
                    leader,
                    epoch,
                    hwm,
                    diverging,
                    snapshot,
                    records
                }
            ),
        (error_code(), -1..5i32, small_epoch()).prop_map(|(error, leader, epoch)| {
            Action::BeginResponse {
                error,
                leader,
                epoch,
            }
        }),
        (
            error_code(),
            -1..5i32,
            small_epoch(),
            any::<i64>(),
            any::<i64>(),
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(error, leader, epoch, size, position, bytes)| {
                Action::SnapshotResponse {
                    error,
                    leader,
                    epoch,
                    size,
                    position,
                    bytes,
                }
            }),
        Just(Action::SendFailed),
    ]
}

fn leader(id: i32) -> Option<NodeId> {
    (id >= 0).then_some(id)
}

/// Applies `action`; `in_flight` holds the engine's unanswered requests (destination, id).
fn apply(
    engine: &mut Engine,
    now: &mut u64,
    next_id: &mut u64,
    in_flight: &mut Vec<(NodeId, u64)>,
    action: Action,
) -> Result<(), yakt::raft::RaftError> {
    *now += 1;
    *next_id += 1;
    let request = |request| Event::Request {
        request_id: RequestId(*next_id),
        api_version: 17,
        request,
    };
    let mut respond = |response| -> Option<Event> {
        let (source, correlation_id) = in_flight.pop()?;
        Some(Event::Response {
            source,
            correlation_id,
            response,
        })
    };
    let event = match action {
        Action::Tick(ms) => {
            *now += u64::from(ms);
            Some(Event::Tick)
        }
        Action::Vote {
            candidate,
            epoch,
            offset,
            last_epoch,
            pre_vote,
        } => Some(request(RaftRequest::Vote(messages::vote_request(
            CLUSTER,
            VoteParams {
                voter_id: -1,
                voter_directory_id: Default::default(),
                replica_id: candidate,
                replica_directory_id: Default::default(),
                replica_epoch: epoch,
                last: OffsetAndEpoch::new(offset, last_epoch),
                pre_vote,
            },
        )))),
        Action::Fetch {
            replica,
            epoch,
            offset,
            last_epoch,
            max_wait,
        } => Some(request(RaftRequest::Fetch(messages::fetch_request(
            CLUSTER,
            FetchParams {
                replica_id: replica,
                replica_directory_id: Default::default(),
                epoch,
                fetch_offset: offset,
                last_fetched_epoch: last_epoch,
                high_watermark: i64::MAX,
                max_wait_ms: max_wait,
                max_bytes: 1 << 16,
            },
        )))),
        Action::Begin { leader, epoch } => Some(request(RaftRequest::BeginQuorumEpoch(
            messages::begin_epoch_request(
                CLUSTER,
                (-1, Default::default()),
                leader,
                epoch,
                "C",
                None,
            ),
        ))),
        Action::End {
            leader,
            epoch,
            successors,
        } => {
            let successors: Vec<(NodeId, yakt_wire::Uuid)> = successors
                .into_iter()
                .map(|id| (id, Default::default()))
                .collect();
            Some(request(RaftRequest::EndQuorumEpoch(
                messages::end_epoch_request(CLUSTER, leader, epoch, &successors),
            )))
        }
        Action::FetchSnapshot {
            epoch,
            offset,
            snapshot_epoch,
            position,
            max_bytes,
        } => Some(request(RaftRequest::FetchSnapshot(
            messages::fetch_snapshot_request(
                CLUSTER,
                2,
                epoch,
                OffsetAndEpoch::new(offset, snapshot_epoch),
                position,
                max_bytes,
            ),
        ))),
        Action::Describe => Some(request(RaftRequest::DescribeQuorum(
            messages::describe_quorum_request(),
        ))),
        Action::Append(count) => {
            let records: Vec<Bytes> = (0..count).map(|i| Bytes::from(vec![i; 3])).collect();
            match engine.append(*now, engine.epoch(), &records) {
                Err(yakt::raft::AppendError::Fatal(error)) => return Err(error),
                _ => None,
            }
        }
        Action::VoteResponse {
            error,
            leader: l,
            epoch,
            granted,
        } => respond(RaftResponse::Vote(messages::vote_response(
            error,
            epoch,
            leader(l),
            granted,
            None,
        ))),
        Action::FetchResponse {
            error,
            leader: l,
            epoch,
            hwm,
            diverging,
            snapshot,
            records,
        } => respond(RaftResponse::Fetch(messages::fetch_response(FetchReply {
            error_code: error,
            records: Bytes::from(records),
            high_watermark: hwm,
            log_start_offset: 0,
            epoch,
            leader_id: leader(l),
            leader_endpoint: None,
            diverging: diverging.map(|(o, e)| OffsetAndEpoch::new(o, e)),
            snapshot_id: snapshot.map(|(o, e)| OffsetAndEpoch::new(o, e)),
        }))),
        Action::BeginResponse {
            error,
            leader: l,
            epoch,
        } => respond(RaftResponse::BeginQuorumEpoch(
            messages::begin_epoch_response(0, error, epoch, leader(l)),
        )),
        Action::SnapshotResponse {
            error,
            leader: l,
            epoch,
            size,
            position,
            bytes,
        } => respond(RaftResponse::FetchSnapshot(
            messages::fetch_snapshot_response(
                SnapshotChunk {
                    error_code: error,
                    epoch,
                    leader_id: leader(l),
                    snapshot_id: OffsetAndEpoch::new(5, 1),
                    size,
                    position,
                    bytes: Bytes::from(bytes),
                },
                None,
            ),
        )),
        Action::SendFailed => {
            in_flight
                .pop()
                .map(|(destination, correlation_id)| Event::SendFailed {
                    destination,
                    correlation_id,
                })
        }
    };
    if let Some(event) = event {
        engine.step(*now, event)?;
    }
    for output in engine.take_outputs() {
        if let Output::Send {
            destination,
            correlation_id,
            ..
        } = output
        {
            in_flight.push((destination, correlation_id));
        }
        if let Output::FlushLog = output {
            use yakt::raft::RaftLog;
            engine
                .log_mut()
                .flush()
                .map_err(yakt::raft::RaftError::from)?;
            engine.step(*now, Event::FlushCompleted)?;
        }
    }
    Ok(())
}

/// Node 1 of {1, 2, 3} elected leader of epoch 1 (pre-vote and vote granted by node 2).
fn elected_leader() -> Engine {
    let mut engine = engine(1);
    engine.step(10_000, Event::Tick).unwrap();
    for epoch in [0, 1] {
        let (destination, correlation_id) = engine
            .take_outputs()
            .into_iter()
            .find_map(|o| match o {
                Output::Send {
                    destination: 2,
                    correlation_id,
                    ..
                } => Some((2, correlation_id)),
                _ => None,
            })
            .unwrap();
        let response = RaftResponse::Vote(messages::vote_response(0, epoch, None, true, None));
        engine
            .step(
                10_001,
                Event::Response {
                    source: destination,
                    correlation_id,
                    response,
                },
            )
            .unwrap();
    }
    assert_eq!(engine.role().kind(), yakt::raft::RoleKind::Leader);
    engine
}

/// Node 2 following leader 1 in epoch 1.
fn follower() -> Engine {
    let mut engine = engine(2);
    let begin = messages::begin_epoch_request(CLUSTER, (2, Default::default()), 1, 1, "C", None);
    let event = Event::Request {
        request_id: RequestId(0),
        api_version: 1,
        request: RaftRequest::BeginQuorumEpoch(begin),
    };
    engine.step(1, event).unwrap();
    assert_eq!(engine.role().kind(), yakt::raft::RoleKind::Follower);
    engine
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_messages_never_panic_the_engine(start in 0..6u8, actions in proptest::collection::vec(action(), 1..60)) {
        // A fresh voter, a fresh observer, a leader, a follower.
        let mut engine = match start {
            0 | 1 => engine(1 + i32::from(start)),
            2 => engine(9),
            3 | 4 => elected_leader(),
            _ => follower(),
        };
        let mut now = 10_002;
        let (mut next_id, mut in_flight) = (100, Vec::new());
        for output in engine.take_outputs() {
            if let Output::Send { destination, correlation_id, .. } = output {
                in_flight.push((destination, correlation_id));
            }
        }
        for action in actions {
            if apply(&mut engine, &mut now, &mut next_id, &mut in_flight, action).is_err() {
                // A fatal error stops the node; that is the allowed outcome.
                break;
            }
        }
    }
}
