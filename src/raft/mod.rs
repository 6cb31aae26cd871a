//! The KRaft consensus engine (KIP-595 replication and elections, KIP-996 pre-vote, KIP-630
//! snapshot transfer), sans-IO: no sockets, no threads, no clock and no global randomness. The
//! [`RaftEngine`] takes events (requests, responses, a finished flush, a clock tick) and client
//! appends, and emits [`Output`]s (requests to send, responses, a flush to run, the high
//! watermark, role changes); the log and the election-state store are injected as traits
//! ([`RaftLog`], [`QuorumStateStore`]), with in-memory twins ([`MemLog`], [`MemStore`]) that
//! lose what a crash would lose. The tokio driver in `src/server/` and the simulator in
//! `src/sim/` run the same engine.
//!
//! It must never block, sleep, read the wall clock or draw unseeded randomness.

pub mod config;
pub mod control;
pub mod election;
pub mod engine;
pub mod log;
pub mod mem_log;
pub mod messages;
pub mod quorum;
pub mod rng;
pub mod roles;
pub mod store;
pub mod transitions;
pub mod types;
pub mod voters;

pub use config::{PlantedBugs, RaftConfig};
pub use engine::{AppendError, Appended, Event, Output, RaftEngine, RaftError};
pub use log::{AppendInfo, LogError, RaftLog};
pub use mem_log::MemLog;
pub use messages::{RaftRequest, RaftResponse};
pub use roles::{Role, RoleKind};
pub use store::{ElectionState, MemStore, QuorumStateStore};
pub use types::{Endpoint, NodeId, OffsetAndEpoch, RequestId};
