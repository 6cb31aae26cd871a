//! [`RaftEngine`]: the sans-IO KRaft state machine of one node. Events go in through
//! [`RaftEngine::step`] (a request, a response, a send failure, a finished flush, a clock tick)
//! and [`RaftEngine::append`] (records to replicate); [`Output`]s come out through
//! [`RaftEngine::take_outputs`] (requests to send, responses to give, a flush to run, a new high
//! watermark, a role change). Time arrives as `now_ms` with every call and randomness comes from a
//! seeded generator, so the same inputs always give the same outputs.
//!
//! Ordering rules (style.md item 8): the election state is written through the
//! [`QuorumStateStore`] synchronously, before any output that depends on it is queued, so a vote
//! is durable before it is answered; a follower asks for a flush after each append and fetches
//! again only once it completed (the leader counts a voter's fetch offset as durable); the leader
//! counts its own log only up to its flushed offset.
//!
//! Driving it (what `src/server/` and `src/sim/` do):
//! 1. `RaftEngine::new(config, log, store, seed, now_ms)`; then, in a loop:
//! 2. step every inbound request ([`Event::Request`], with an id the driver maps back to the
//!    connection), every response to a request the engine sent ([`Event::Response`], matched by
//!    `correlation_id`), every failed send ([`Event::SendFailed`]) and, at
//!    [`RaftEngine::next_deadline_ms`] at the latest, [`Event::Tick`];
//! 3. after each step, carry out [`RaftEngine::take_outputs`] in order: `Send` to the peer
//!    (negotiating the version; a peer without Vote v2 answers a pre-vote with
//!    UNSUPPORTED_VERSION), `Respond` on the request's connection (a Fetch may be answered
//!    much later: it was parked), `FlushLog` by calling `log_mut().flush()` and stepping
//!    [`Event::FlushCompleted`], `HighWatermark` by applying the committed records below it,
//!    `RoleChanged` by telling the controller;
//! 4. a `RaftError` from any call is fatal: stop the node.
//!
//! The engine never does I/O and never panics on bad input. A broken invariant that another node
//! reports (two leaders in one epoch, a truncation below the high watermark) is a fatal
//! [`RaftError`]; an illegal transition of its own is a panic, in every build.

mod common;
mod describe;
mod fetch;
mod membership;
mod quorum_epoch;
mod requests;
mod snapshot;
mod vote;

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use yakt_wire::batch::BatchBuilder;
use yakt_wire::Uuid;

use super::config::RaftConfig;
use super::log::{LogError, RaftLog};
use super::messages::{RaftRequest, RaftResponse};
use super::rng::Rng;
use super::roles::{
    CandidateState, FollowerState, ProspectiveState, ResignedState, Role, RoleKind, UnattachedState,
};
use super::store::{ElectionState, QuorumStateStore, StoreError};
use super::transitions::assert_legal_transition;
use super::types::{Endpoint, NodeId, OffsetAndEpoch, RequestId};
use super::voters::VoterSetHistory;

use fetch::ParkedFetch;
use requests::RequestManager;

/// Kafka's base for election backoff (`KafkaRaftClient.RETRY_BACKOFF_BASE_MS`).
const ELECTION_BACKOFF_BASE_MS: u64 = 100;
/// Kafka's largest raft batch.
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Something that happened to the node.
#[derive(Debug, Clone)]
pub enum Event {
    /// A request arrived; answer it with [`Output::Respond`] carrying `request_id`.
    Request {
        /// The driver's handle for the request.
        request_id: RequestId,
        /// The API version it was sent at.
        api_version: i16,
        /// The request.
        request: RaftRequest,
    },
    /// The response to an [`Output::Send`] arrived. A peer that does not support Vote v2 is
    /// reported with a VoteResponse carrying UNSUPPORTED_VERSION.
    Response {
        /// The node that answered.
        source: NodeId,
        /// The `correlation_id` of the [`Output::Send`].
        correlation_id: u64,
        /// The response.
        response: RaftResponse,
    },
    /// An [`Output::Send`] could not be delivered (no connection, disconnected before the
    /// response). Timeouts need not be reported: the engine times requests out itself.
    SendFailed {
        /// The destination.
        destination: NodeId,
        /// The `correlation_id` of the [`Output::Send`].
        correlation_id: u64,
    },
    /// A flush asked for with [`Output::FlushLog`] finished (`RaftLog::flush` returned).
    FlushCompleted,
    /// Time passed; call at [`RaftEngine::next_deadline_ms`] at the latest.
    Tick,
}

/// Something the driver must do.
#[derive(Debug, Clone)]
pub enum Output {
    /// Send `request` to `destination`; report the answer with [`Event::Response`] or
    /// [`Event::SendFailed`] carrying `correlation_id`.
    Send {
        /// The node to send to.
        destination: NodeId,
        /// The engine's id for this request.
        correlation_id: u64,
        /// The request.
        request: RaftRequest,
    },
    /// Answer the request `request_id` with `response`.
    Respond {
        /// The handle from [`Event::Request`].
        request_id: RequestId,
        /// The response.
        response: RaftResponse,
    },
    /// Call `RaftLog::flush` (through [`RaftEngine::log_mut`]), then step
    /// [`Event::FlushCompleted`].
    FlushLog,
    /// The high watermark moved: records below `offset` are committed and may be applied.
    HighWatermark {
        /// The new high watermark.
        offset: i64,
    },
    /// The node changed role or epoch.
    RoleChanged {
        /// The new role.
        role: RoleKind,
        /// The epoch.
        epoch: i32,
        /// The leader, if known.
        leader_id: Option<NodeId>,
    },
}

/// A fatal error: the node must stop (style.md item 5).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RaftError {
    /// The log failed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The quorum-state store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another node reported a state that breaks a Raft invariant.
    #[error("raft invariant broken: {0}")]
    Invariant(String),
}

/// Why an append was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    /// This node is not the leader (NOT_LEADER_OR_FOLLOWER / NOT_CONTROLLER).
    #[error("not the leader (epoch {epoch}, leader {leader_id:?})")]
    NotLeader {
        /// The current epoch.
        epoch: i32,
        /// The leader, if known.
        leader_id: Option<NodeId>,
    },
    /// No records, or more than one batch can hold.
    #[error("invalid append: {0}")]
    Invalid(String),
    /// The log failed: fatal.
    #[error(transparent)]
    Fatal(#[from] RaftError),
}

/// Where an append landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The epoch it was appended in.
    pub epoch: i32,
    /// Offset of the first record.
    pub first_offset: i64,
    /// Offset of the last record.
    pub last_offset: i64,
}

/// The KRaft engine of one node.
#[derive(Debug)]
pub struct RaftEngine<L: RaftLog, S: QuorumStateStore> {
    config: RaftConfig,
    log: L,
    store: S,
    rng: Rng,
    role: Role,
    now_ms: u64,
    outputs: Vec<Output>,
    requests: RequestManager,
    parked_fetches: Vec<ParkedFetch>,
    flush_pending: bool,
    shutting_down: bool,
    /// The voter set as of every offset of the log (KIP-853).
    quorum: VoterSetHistory,
    /// Endpoints of nodes that are not voters, learned from responses (an observer finds the
    /// leader this way before it holds the voter set).
    learned_endpoints: BTreeMap<NodeId, Endpoint>,
}

type Result<T, E = RaftError> = std::result::Result<T, E>;

/// The epoch after `epoch`; a peer that pushed the epoch to `i32::MAX` leaves no next one.
fn next_epoch(epoch: i32) -> Result<i32> {
    epoch
        .checked_add(1)
        .ok_or_else(|| RaftError::Invariant("the epoch reached i32::MAX".into()))
}

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    /// Starts the engine on `log` and `store` at `now_ms`, in the role the stored election state
    /// implies (Kafka's `QuorumState.initialize`): a former leader starts Resigned in its epoch, a
    /// former candidate as Candidate, a node that knew the leader as its Follower, any other as
    /// Unattached. A single voter starts an election at once.
    pub fn new(config: RaftConfig, log: L, store: S, seed: u64, now_ms: u64) -> Result<Self> {
        let quorum = membership::bootstrap_history(&config);
        let mut engine = RaftEngine {
            log,
            store,
            rng: Rng::new(seed),
            role: Role::Resigned(ResignedState {
                epoch: 0,
                election_deadline_ms: 0,
                preferred_successors: Vec::new(),
                unacknowledged: BTreeSet::new(),
            }),
            now_ms,
            outputs: Vec::new(),
            requests: RequestManager::default(),
            parked_fetches: Vec::new(),
            flush_pending: false,
            shutting_down: false,
            quorum,
            learned_endpoints: BTreeMap::new(),
            config,
        };
        engine.load_quorum_history()?;
        let election = engine
            .store
            .read()?
            .unwrap_or_else(|| ElectionState::initial(engine.voter_ids()));
        let role = engine.initial_role(&election);
        let state = role.election_state(engine.local(), engine.voter_ids());
        engine.store.write(&state)?;
        engine.role = role;
        engine.notify_role();
        if engine.log.flushed_offset() < engine.log.log_end_offset() {
            engine.request_flush();
        }
        if engine.is_only_voter() && matches!(engine.role, Role::Unattached(_) | Role::Follower(_))
        {
            engine.transition_to_prospective()?;
        }
        engine.poll()?;
        Ok(engine)
    }

    fn initial_role(&mut self, election: &ElectionState) -> Role {
        let local_id = self.config.node_id;
        let log_epoch = self.log.last_fetched_epoch();
        let high_watermark = None;
        if election.epoch < log_epoch {
            return Role::Unattached(UnattachedState {
                epoch: log_epoch,
                leader_id: None,
                voted: None,
                election_deadline_ms: self.election_deadline(),
                high_watermark,
            });
        }
        // A former leader starts Resigned even when its log says it is no longer a voter: it
        // removed itself and the removal may not have committed.
        if election.leader_id == Some(local_id) {
            let deadline = self.now_ms + self.random_election_timeout_ms();
            return Role::Resigned(ResignedState {
                epoch: election.epoch,
                election_deadline_ms: deadline,
                preferred_successors: Vec::new(),
                unacknowledged: BTreeSet::new(),
            });
        }
        if election.voted_id() == Some(local_id) && self.is_voter() {
            let election_tally = super::election::EpochElection::new(self.voter_ids(), local_id);
            return Role::Candidate(CandidateState {
                epoch: election.epoch,
                election: election_tally,
                retries: 1,
                election_deadline_ms: self.now_ms + self.random_election_timeout_ms(),
                backoff_until_ms: None,
                high_watermark,
            });
        }
        match election.leader_id {
            Some(leader_id) if self.voters().contains(leader_id) && leader_id != local_id => {
                Role::Follower(FollowerState {
                    epoch: election.epoch,
                    leader_id,
                    voted: election.voted,
                    fetch_deadline_ms: self.now_ms + self.config.fetch_timeout_ms,
                    has_fetched_from_leader: false,
                    high_watermark,
                    fetching_snapshot: None,
                    has_updated_leader: false,
                })
            }
            _ => Role::Unattached(UnattachedState {
                epoch: election.epoch,
                leader_id: election.leader_id,
                voted: election.voted,
                election_deadline_ms: self.election_deadline(),
                high_watermark,
            }),
        }
    }

    // ---- public API ----

    /// Handles one event at `now_ms`, then runs the timers. A clock that goes back is treated as
    /// standing still.
    pub fn step(&mut self, now_ms: u64, event: Event) -> Result<()> {
        self.advance_clock(now_ms);
        match event {
            Event::Request {
                request_id,
                api_version,
                request,
            } => self.handle_request(request_id, api_version, request)?,
            Event::Response {
                source,
                correlation_id,
                response,
            } => self.handle_response(source, correlation_id, response)?,
            Event::SendFailed {
                destination,
                correlation_id,
            } => {
                if self.requests.take_response(destination, correlation_id) {
                    let backoff = self.config.retry_backoff_ms;
                    self.requests.on_failure(destination, self.now_ms, backoff);
                }
            }
            Event::FlushCompleted => self.on_flush_completed()?,
            Event::Tick => {}
        }
        self.poll()
    }

    /// Appends `records` (metadata record values, null keys) as one batch in `epoch`, which
    /// must be the current one (Kafka's `scheduleAtomicAppend`: a state machine that computed
    /// them as leader of an earlier epoch is refused). Only the leader accepts; the records are
    /// committed once the high watermark passes `last_offset`.
    pub fn append(
        &mut self,
        now_ms: u64,
        epoch: i32,
        records: &[Bytes],
    ) -> Result<Appended, AppendError> {
        self.advance_clock(now_ms);
        let asked = epoch;
        let epoch = self.role.epoch();
        let (Role::Leader(_), true) = (&self.role, asked == epoch) else {
            return Err(AppendError::NotLeader {
                epoch,
                leader_id: self.leader_id(),
            });
        };
        if self.shutting_down {
            return Err(AppendError::NotLeader {
                epoch,
                leader_id: None,
            });
        }
        if records.is_empty() {
            return Err(AppendError::Invalid("no records".into()));
        }
        let base_offset = self.log.log_end_offset();
        let mut builder = BatchBuilder::new(base_offset, epoch, self.now_ms as i64);
        for record in records {
            builder.push(None, Some(record));
            if builder.size_in_bytes() > MAX_BATCH_BYTES {
                return Err(AppendError::Invalid(format!(
                    "{} records exceed the {MAX_BATCH_BYTES}-byte batch limit",
                    records.len()
                )));
            }
        }
        let info = self
            .log
            .append_as_leader(builder.build(), epoch)
            .map_err(RaftError::from)?;
        self.request_flush();
        self.complete_parked_fetches(|parked, end| parked.fetch_offset < end)?;
        Ok(Appended {
            epoch,
            first_offset: info.first_offset,
            last_offset: info.last_offset,
        })
    }

    /// The leader steps down gracefully (Kafka's `resign`): it becomes Resigned, tells the
    /// voters with EndQuorumEpoch naming its preferred successors, and after an election
    /// timeout moves on to the next epoch. No-op unless leader.
    pub fn resign(&mut self, now_ms: u64) -> Result<()> {
        self.advance_clock(now_ms);
        if let Role::Leader(_) = &self.role {
            self.transition_to_resigned()?;
        }
        self.poll()
    }

    /// Starts a graceful shutdown: a leader resigns, fetches are refused with
    /// BROKER_NOT_AVAILABLE, appends with NOT_LEADER. [`RaftEngine::is_shutdown_ready`] says
    /// when the node may stop.
    pub fn begin_shutdown(&mut self, now_ms: u64) -> Result<()> {
        self.shutting_down = true;
        self.resign(now_ms)
    }

    /// Whether a node shutting down has handed over: it is not leader and every voter
    /// acknowledged its EndQuorumEpoch (or it was not leader).
    pub fn is_shutdown_ready(&self) -> bool {
        match &self.role {
            Role::Leader(_) => false,
            Role::Resigned(r) => r.unacknowledged.is_empty(),
            _ => true,
        }
    }

    /// Takes the outputs queued so far, in the order they must be carried out.
    pub fn take_outputs(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.outputs)
    }

    /// When to step [`Event::Tick`] next at the latest (`u64::MAX`: nothing scheduled).
    pub fn next_deadline_ms(&self) -> u64 {
        let role_deadline = match &self.role {
            Role::Unattached(s) => s.election_deadline_ms,
            Role::Prospective(s) => Some(s.election_deadline_ms),
            Role::Candidate(s) => Some(s.backoff_until_ms.unwrap_or(s.election_deadline_ms)),
            Role::Leader(s) => Some(
                s.check_quorum_deadline_ms
                    .min(s.begin_quorum_epoch_due_ms)
                    .min(s.pending_change.map_or(u64::MAX, |p| p.deadline_ms)),
            ),
            Role::Follower(s) => Some(s.fetch_deadline_ms),
            Role::Resigned(s) => Some(s.election_deadline_ms),
        };
        let parked = self.parked_fetches.iter().map(|p| p.deadline_ms).min();
        let requests = self.requests.next_deadline_ms(self.now_ms);
        // Every step ends with a poll, so deadlines already reached have been acted upon (or are
        // inert, like the check-quorum timer of a single voter): only later ones matter.
        [role_deadline, parked, requests]
            .into_iter()
            .flatten()
            .filter(|deadline| *deadline > self.now_ms)
            .min()
            .unwrap_or(u64::MAX)
    }

    /// The current role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The current epoch.
    pub fn epoch(&self) -> i32 {
        self.role.epoch()
    }

    /// The leader of the current epoch, if known.
    pub fn leader_id(&self) -> Option<NodeId> {
        self.role.leader_id(self.config.node_id)
    }

    /// The high watermark this node knows.
    pub fn high_watermark(&self) -> Option<i64> {
        self.role.high_watermark()
    }

    /// The configuration.
    pub fn config(&self) -> &RaftConfig {
        &self.config
    }

    /// The log.
    pub fn log(&self) -> &L {
        &self.log
    }

    /// The log, for the driver's flush (see [`Output::FlushLog`]) and snapshot maintenance.
    pub fn log_mut(&mut self) -> &mut L {
        &mut self.log
    }

    /// The quorum-state store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Stops the engine and hands back its log and store (e.g. to restart it).
    pub fn into_parts(self) -> (L, S) {
        (self.log, self.store)
    }

    // ---- dispatch ----

    fn handle_request(
        &mut self,
        request_id: RequestId,
        version: i16,
        request: RaftRequest,
    ) -> Result<()> {
        let response = match request {
            RaftRequest::Vote(r) => Some(RaftResponse::Vote(self.handle_vote_request(&r)?)),
            RaftRequest::BeginQuorumEpoch(r) => Some(RaftResponse::BeginQuorumEpoch(
                self.handle_begin_epoch_request(&r)?,
            )),
            RaftRequest::EndQuorumEpoch(r) => Some(RaftResponse::EndQuorumEpoch(
                self.handle_end_epoch_request(&r)?,
            )),
            RaftRequest::Fetch(r) => self
                .handle_fetch_request(request_id, version, &r)?
                .map(RaftResponse::Fetch),
            RaftRequest::FetchSnapshot(r) => Some(RaftResponse::FetchSnapshot(
                self.handle_fetch_snapshot_request(&r)?,
            )),
            RaftRequest::DescribeQuorum(r) => Some(RaftResponse::DescribeQuorum(
                self.handle_describe_quorum(&r),
            )),
            RaftRequest::AddRaftVoter(r) => self
                .handle_add_voter(request_id, &r)?
                .map(RaftResponse::AddRaftVoter),
            RaftRequest::RemoveRaftVoter(r) => self
                .handle_remove_voter(request_id, &r)?
                .map(RaftResponse::RemoveRaftVoter),
            RaftRequest::UpdateRaftVoter(r) => {
                Some(RaftResponse::UpdateRaftVoter(self.handle_update_voter(&r)?))
            }
        };
        if let Some(response) = response {
            self.outputs.push(Output::Respond {
                request_id,
                response,
            });
        }
        Ok(())
    }

    fn handle_response(
        &mut self,
        source: NodeId,
        correlation_id: u64,
        response: RaftResponse,
    ) -> Result<()> {
        if !self.requests.take_response(source, correlation_id) {
            return Ok(());
        }
        let handled = match response {
            RaftResponse::Vote(r) => self.handle_vote_response(source, &r)?,
            RaftResponse::BeginQuorumEpoch(r) => self.handle_begin_epoch_response(source, &r)?,
            RaftResponse::EndQuorumEpoch(r) => self.handle_end_epoch_response(source, &r)?,
            RaftResponse::Fetch(r) => self.handle_fetch_response(source, r)?,
            RaftResponse::FetchSnapshot(r) => self.handle_fetch_snapshot_response(source, r)?,
            RaftResponse::UpdateRaftVoter(r) => self.handle_update_voter_response(&r)?,
            RaftResponse::DescribeQuorum(_)
            | RaftResponse::AddRaftVoter(_)
            | RaftResponse::RemoveRaftVoter(_) => true,
        };
        if !handled {
            let backoff = self.config.retry_backoff_ms;
            self.requests.on_failure(source, self.now_ms, backoff);
        }
        Ok(())
    }

    fn on_flush_completed(&mut self) -> Result<()> {
        self.flush_pending = false;
        let flushed = self.log.flushed_offset();
        if flushed < self.log.log_end_offset() {
            self.request_flush();
        }
        let local_id = self.config.node_id;
        if let Role::Leader(leader) = &mut self.role {
            if let Some(own) = leader.voters.get_mut(&local_id) {
                own.end_offset = Some(flushed);
            }
            self.maybe_update_leader_high_watermark()?;
        }
        Ok(())
    }

    // ---- timers ----

    fn poll(&mut self) -> Result<()> {
        let backoff = self.config.retry_backoff_ms;
        self.requests.expire(self.now_ms, backoff);
        self.expire_parked_fetches();
        self.expire_voter_change();
        for _ in 0..8 {
            let before = (self.role.kind(), self.role.epoch());
            match self.role.kind() {
                RoleKind::Unattached => self.poll_unattached()?,
                RoleKind::Prospective => self.poll_prospective()?,
                RoleKind::Candidate => self.poll_candidate()?,
                RoleKind::Leader => self.poll_leader()?,
                RoleKind::Follower => self.poll_follower()?,
                RoleKind::Resigned => self.poll_resigned()?,
            }
            if before == (self.role.kind(), self.role.epoch()) {
                break;
            }
        }
        Ok(())
    }

    fn poll_unattached(&mut self) -> Result<()> {
        let Role::Unattached(state) = &self.role else {
            return Ok(());
        };
        if !self.is_voter() {
            self.send_fetch_to_bootstrap();
            return Ok(());
        }
        if state.election_deadline_ms.is_none() {
            // An observer that just became a voter starts its election timer.
            let deadline = self.election_deadline();
            if let Role::Unattached(state) = &mut self.role {
                state.election_deadline_ms = deadline;
            }
            return Ok(());
        }
        let expired = state
            .election_deadline_ms
            .is_some_and(|deadline| self.now_ms >= deadline);
        if expired && !self.shutting_down {
            self.transition_to_prospective()?;
        }
        Ok(())
    }

    fn poll_resigned(&mut self) -> Result<()> {
        let Role::Resigned(state) = &self.role else {
            return Ok(());
        };
        let targets: Vec<NodeId> = state.unacknowledged.iter().copied().collect();
        let deadline = state.election_deadline_ms;
        for voter in targets {
            self.send_end_epoch(voter);
        }
        if self.now_ms >= deadline && !self.shutting_down {
            let next = next_epoch(self.role.epoch())?;
            self.transition_to_unattached(next, None)?;
        }
        Ok(())
    }

    // ---- transitions ----

    fn local(&self) -> (NodeId, Uuid) {
        (self.config.node_id, self.config.directory_id)
    }

    fn voter_ids(&self) -> BTreeSet<NodeId> {
        self.voters().ids().collect()
    }

    fn is_only_voter(&self) -> bool {
        self.voters().len() == 1 && self.is_voter()
    }

    fn advance_clock(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    fn random_election_timeout_ms(&mut self) -> u64 {
        let timeout = self.config.election_timeout_ms;
        timeout + self.rng.below(timeout)
    }

    fn election_deadline(&mut self) -> Option<u64> {
        if self.is_voter() {
            Some(self.now_ms + self.random_election_timeout_ms())
        } else {
            None
        }
    }

    /// Kafka's `binaryExponentialElectionBackoffMs`.
    fn election_backoff_ms(&mut self, retries: u32) -> u64 {
        let exponent = retries.saturating_sub(1).min(20);
        let draws = 2u64 << exponent;
        (ELECTION_BACKOFF_BASE_MS * self.rng.below(draws)).min(self.config.election_backoff_max_ms)
    }

    /// Moves to `to`, checking the transition table; when `durable`, writes the new election
    /// state first. Requests in flight are forgotten; parked fetches of a former leader are
    /// answered.
    fn transition(&mut self, to: Role, durable: bool) -> Result<()> {
        assert_legal_transition(&self.role, &to, self.local(), self.is_voter());
        if durable {
            let state = to.election_state(self.local(), self.voter_ids());
            self.store.write(&state)?;
        }
        let was_leader = matches!(self.role, Role::Leader(_));
        let pending_change = match &self.role {
            Role::Leader(state) => state.pending_change,
            _ => None,
        };
        self.role = to;
        self.requests.reset_all();
        self.notify_role();
        self.abandon_voter_change(pending_change);
        if was_leader {
            self.complete_parked_fetches(|_, _| true)?;
        }
        Ok(())
    }

    fn notify_role(&mut self) {
        self.outputs.push(Output::RoleChanged {
            role: self.role.kind(),
            epoch: self.role.epoch(),
            leader_id: self.leader_id(),
        });
    }

    fn transition_to_unattached(&mut self, epoch: i32, leader_id: Option<NodeId>) -> Result<()> {
        let current = self.role.epoch();
        let now = self.now_ms;
        let deadline = if !self.is_voter() {
            None
        } else {
            match &self.role {
                Role::Candidate(s) => Some(s.election_deadline_ms),
                Role::Unattached(s) => s.election_deadline_ms,
                Role::Prospective(s) if !s.election.is_rejected() => Some(s.election_deadline_ms),
                Role::Resigned(s) => Some(s.election_deadline_ms),
                _ => Some(now + self.random_election_timeout_ms()),
            }
        };
        let voted = if epoch == current {
            self.role.voted(self.local())
        } else {
            None
        };
        let to = Role::Unattached(UnattachedState {
            epoch,
            leader_id,
            voted,
            election_deadline_ms: deadline,
            high_watermark: self.role.high_watermark(),
        });
        self.transition(to, true)
    }

    fn transition_to_follower(&mut self, epoch: i32, leader_id: NodeId) -> Result<()> {
        let voted = if epoch == self.role.epoch() {
            self.role.voted(self.local())
        } else {
            None
        };
        let to = Role::Follower(FollowerState {
            epoch,
            leader_id,
            voted,
            fetch_deadline_ms: self.now_ms + self.config.fetch_timeout_ms,
            has_fetched_from_leader: false,
            high_watermark: self.role.high_watermark(),
            fetching_snapshot: None,
            has_updated_leader: false,
        });
        self.transition(to, true)
    }

    fn transition_to_prospective(&mut self) -> Result<()> {
        let retries = match &self.role {
            Role::Candidate(c) => c.retries + 1,
            _ => 1,
        };
        let to = Role::Prospective(ProspectiveState {
            epoch: self.role.epoch(),
            leader_id: self.leader_id().filter(|id| *id != self.config.node_id),
            voted: self.role.voted(self.local()),
            election: super::election::EpochElection::new(self.voter_ids(), self.config.node_id),
            retries,
            election_deadline_ms: self.now_ms + self.random_election_timeout_ms(),
            high_watermark: self.role.high_watermark(),
        });
        self.transition(to, false)?;
        self.maybe_win_election()
    }

    fn transition_to_candidate(&mut self) -> Result<()> {
        let Role::Prospective(prospective) = &self.role else {
            panic!(
                "only a prospective becomes candidate, not {:?}",
                self.role.kind()
            );
        };
        let (epoch, retries, high_watermark) = (
            prospective.epoch,
            prospective.retries,
            prospective.high_watermark,
        );
        let to = Role::Candidate(CandidateState {
            epoch: next_epoch(epoch)?,
            election: super::election::EpochElection::new(self.voter_ids(), self.config.node_id),
            retries,
            election_deadline_ms: self.now_ms + self.random_election_timeout_ms(),
            backoff_until_ms: None,
            high_watermark,
        });
        self.transition(to, true)?;
        self.maybe_win_election()
    }

    fn transition_to_resigned(&mut self) -> Result<()> {
        let Role::Leader(leader) = &self.role else {
            return Ok(());
        };
        let preferred = leader.successors_by_end_offset(self.config.node_id);
        let unacknowledged = preferred.iter().copied().collect();
        let to = Role::Resigned(ResignedState {
            epoch: leader.epoch,
            election_deadline_ms: self.now_ms + self.random_election_timeout_ms(),
            preferred_successors: preferred,
            unacknowledged,
        });
        self.transition(to, false)
    }

    fn request_flush(&mut self) {
        if !self.flush_pending {
            self.flush_pending = true;
            self.outputs.push(Output::FlushLog);
        }
    }

    fn log_end(&self) -> OffsetAndEpoch {
        OffsetAndEpoch::new(self.log.log_end_offset(), self.log.last_fetched_epoch())
    }

    fn send(&mut self, destination: NodeId, request: RaftRequest) {
        let timeout = self.config.request_timeout_ms;
        let correlation_id = self.requests.on_send(destination, self.now_ms, timeout);
        self.outputs.push(Output::Send {
            destination,
            correlation_id,
            request,
        });
    }
}
