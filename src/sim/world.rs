//! The simulated cluster: nodes running [`RaftEngine`]s over in-memory or disk-backed storage
//! ([`super::storage`]), a network that drops, duplicates, delays, reorders and partitions messages, crash-restarts
//! that lose unflushed writes, clock jumps, graceful resignations, snapshots and client appends,
//! all on one virtual clock and driven by one seeded generator. Events are processed one at a
//! time in (time, sequence) order, so a seed always replays the same run.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use bytes::{Bytes, BytesMut};

use crate::raft::rng::Rng;
use crate::raft::{
    AppendError, Endpoint, Event, LogError, NodeId, OffsetAndEpoch, Output, RaftConfig, RaftEngine,
    RaftError, RaftLog, RaftRequest, RaftResponse, RequestId, Role, RoleKind,
};

use super::checker::{Checker, NodeView};
use super::codec;
use super::images::ImageChecker;
use super::scenario::{Scenario, SimOptions};
use super::storage::{NodeStorage, SimLog, SimStore};
use super::trace::TraceHash;
use super::workload::Workload;

type Engine = RaftEngine<SimLog, SimStore>;

mod controller;
mod membership;

use controller::{Acknowledged, ControllerEvent, SimController};

/// The cluster id every simulated node shares.
const CLUSTER_ID: &str = "sim-cluster";
/// Observers get ids from here up.
const FIRST_OBSERVER_ID: NodeId = 101;

#[derive(Debug)]
enum Body {
    Request {
        correlation_id: u64,
        version: i16,
        request: RaftRequest,
    },
    Response {
        correlation_id: u64,
        response: RaftResponse,
    },
}

#[derive(Debug)]
struct Envelope {
    from: usize,
    to: usize,
    from_incarnation: u64,
    to_incarnation: u64,
    body: Body,
}

#[derive(Debug)]
enum SimEvent {
    Deliver(Box<Envelope>),
    Tick(usize),
    Flush(usize, u64),
    Crash,
    CrashNode(usize),
    SendFailed {
        node: usize,
        incarnation: u64,
        destination: NodeId,
        correlation_id: u64,
    },
    Restart(usize),
    Partition,
    PartitionEnd,
    ClockJump,
    Resign,
    Snapshot,
    ClientAppend,
    Reconfigure,
    ControllerTick(usize, u64),
    ControllerRequest,
    Heal,
}

struct Scheduled {
    time_ms: u64,
    sequence: u64,
    event: SimEvent,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.time_ms, self.sequence) == (other.time_ms, other.sequence)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time_ms, self.sequence).cmp(&(other.time_ms, other.sequence))
    }
}

/// A request a node is answering: who asked, and for a binding vote, the epoch and candidate.
struct Pending {
    from: usize,
    correlation_id: u64,
    from_incarnation: u64,
    vote: Option<(i32, NodeId)>,
}

struct SimNode {
    id: NodeId,
    is_voter: bool,
    engine: Option<Engine>,
    down: Option<(SimLog, SimStore)>,
    storage: NodeStorage,
    incarnation: u64,
    clock_offset_ms: i64,
    scheduled_tick_ms: Option<u64>,
    /// The metadata controller, while the node is up (the scenario's `controller` option).
    controller: Option<Box<SimController>>,
    /// The highest high watermark the engine reported since it started: what it handed up as
    /// committed, even if it resigned in the same step (a Resigned node reports none).
    reported_high_watermark: Option<i64>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Safe throughout, and after healing one leader was elected and every node converged.
    Passed {
        /// Virtual time from healing to a stable leader.
        leader_after_heal_ms: u64,
        /// Virtual time from healing to full convergence.
        converged_after_heal_ms: u64,
    },
    /// An invariant broke, a node failed fatally or panicked, or liveness was not reached.
    Violation(String),
}

/// The result of simulating one seed.
#[derive(Debug, Clone)]
pub struct SimReport {
    /// The seed.
    pub seed: u64,
    /// What it simulated.
    pub scenario: Scenario,
    /// How it ended.
    pub outcome: Outcome,
    /// Events processed.
    pub events: usize,
    /// Virtual time reached.
    pub virtual_time_ms: u64,
    /// Fingerprint of the whole event trace.
    pub trace_hash: u64,
    /// End of the committed prefix.
    pub committed_end: i64,
    /// Highest epoch reached.
    pub max_epoch: i32,
    /// What happened, counted.
    pub stats: SimStats,
    /// The run's log, when asked for.
    pub log: Vec<String>,
}

/// Counts of what a run exercised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Messages delivered.
    pub delivered: u64,
    /// Messages dropped (lost, partitioned, or to a restarted node).
    pub dropped: u64,
    /// Node crashes.
    pub crashes: u64,
    /// Times a node became leader.
    pub elections: u64,
    /// FetchSnapshot chunks delivered to followers.
    pub snapshot_chunks: u64,
    /// Snapshots taken.
    pub snapshots: u64,
    /// Client appends accepted.
    pub appends: u64,
    /// Epochs in which more than one node stood as candidate.
    pub contested_epochs: u64,
    /// Voter changes (AddRaftVoter, RemoveRaftVoter) that committed.
    pub voter_changes: u64,
    /// Controller requests acknowledged after their records committed.
    pub acknowledged: u64,
    /// Controller requests that waited for a commit and got NOT_CONTROLLER instead.
    pub controller_refusals: u64,
}

/// The simulated cluster.
pub struct World {
    seed: u64,
    options: SimOptions,
    scenario: Scenario,
    rng: Rng,
    now_ms: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    sequence: u64,
    nodes: Vec<SimNode>,
    pending: BTreeMap<(usize, u64), Pending>,
    /// Every binding vote a node granted: (voter, epoch) -> candidate.
    votes: BTreeMap<(NodeId, i32), NodeId>,
    /// The first candidate of each epoch.
    candidates: BTreeMap<i32, NodeId>,
    next_request_id: u64,
    /// Voter changes the simulator asked of a node: (node index, request id).
    client_requests: BTreeSet<(usize, u64)>,
    /// The committed voter set and the high watermark it was read at.
    committed_voters: Option<(i64, BTreeSet<NodeId>)>,
    /// The highest high watermark a leader set and the voter set it counted in.
    leader_high_watermark: Option<(i64, BTreeSet<NodeId>)>,
    partition: Option<Vec<bool>>,
    healed_at_ms: Option<u64>,
    leader_at_ms: Option<u64>,
    /// Backward clock jumps: (virtual time, milliseconds). A node's timers fire that much later.
    backward_jumps: Vec<(u64, u64)>,
    checker: Checker,
    trace: TraceHash,
    events: usize,
    max_epoch: i32,
    stats: SimStats,
    log: Vec<String>,
    /// The controllers' invariants.
    images: ImageChecker,
    /// The controller requests' clients.
    workload: Workload,
    /// Acknowledgements of the current event, checked after raft's checker ran.
    acknowledged: Vec<Acknowledged>,
    /// A controller's raft events are being handled (appends queue theirs behind).
    driving_controller: bool,
}

/// Longest a healed cluster may take to elect a stable leader (every voter following it): the
/// fetch timeout for followers to notice a leader is gone, then three election timeouts.
fn liveness_bound_ms(scenario: &Scenario) -> u64 {
    scenario.fetch_timeout_ms + 3 * scenario.election_timeout_ms
}

/// Longest a healed cluster with a stable leader may take until every node holds and has
/// committed the leader's whole log.
const CONVERGENCE_BOUND_MS: u64 = 5_000;

impl World {
    /// Builds the cluster of `seed` and schedules its first events.
    pub fn new(seed: u64, options: SimOptions) -> World {
        let mut rng = Rng::new(seed);
        let scenario = Scenario::for_seed(seed, &mut rng, &options);
        let mut world = World {
            seed,
            checker: Checker::new(),
            scenario,
            options,
            rng,
            now_ms: 0,
            queue: BinaryHeap::new(),
            sequence: 0,
            nodes: Vec::new(),
            pending: BTreeMap::new(),
            votes: BTreeMap::new(),
            candidates: BTreeMap::new(),
            next_request_id: 0,
            client_requests: BTreeSet::new(),
            committed_voters: None,
            leader_high_watermark: None,
            partition: None,
            healed_at_ms: None,
            leader_at_ms: None,
            backward_jumps: Vec::new(),
            trace: TraceHash::default(),
            events: 0,
            max_epoch: 0,
            stats: SimStats::default(),
            log: Vec::new(),
            images: ImageChecker::new(),
            workload: Workload::default(),
            acknowledged: Vec::new(),
            driving_controller: false,
        };
        world.build_nodes();
        world
    }

    fn build_nodes(&mut self) {
        let voter_ids: Vec<NodeId> = (1..=self.scenario.voters as NodeId).collect();
        let observer_ids = (0..self.scenario.observers as NodeId).map(|i| FIRST_OBSERVER_ID + i);
        for id in voter_ids.iter().copied().chain(observer_ids) {
            self.nodes.push(SimNode {
                id,
                is_voter: voter_ids.contains(&id),
                engine: None,
                down: None,
                storage: NodeStorage::new(
                    self.scenario.storage,
                    self.scenario.kraft_version,
                    self.options.segment_bytes,
                ),
                incarnation: 0,
                clock_offset_ms: 0,
                scheduled_tick_ms: None,
                controller: None,
                reported_high_watermark: None,
            });
        }
    }

    fn engine_config(&self, node_id: NodeId) -> RaftConfig {
        let voters = (1..=self.scenario.voters as NodeId)
            .map(|id| {
                let endpoint = Endpoint {
                    host: format!("node{id}.sim"),
                    port: 9093,
                };
                (id, endpoint)
            })
            .collect();
        let mut config = RaftConfig::new(node_id, CLUSTER_ID, voters);
        config.election_timeout_ms = self.scenario.election_timeout_ms;
        config.fetch_timeout_ms = self.scenario.fetch_timeout_ms;
        // Kafka's defaults keep a long poll (500 ms) well inside the fetch timeout (2 s); keep
        // that ratio when a scenario shortens the timeouts.
        config.fetch_max_wait_ms = (self.scenario.fetch_timeout_ms / 4).min(500);
        config.request_timeout_ms = self.scenario.fetch_timeout_ms;
        config.planted_bugs = self.options.planted_bugs;
        config.kraft_version = self.scenario.kraft_version;
        if self.scenario.kraft_version >= 1 {
            let directory = membership::directory;
            config.voter_directory_ids = config
                .voters
                .keys()
                .map(|id| (*id, directory(*id)))
                .collect();
            config.directory_id = directory(node_id);
        }
        config.fetch_max_bytes = 64 * 1024;
        config.fetch_snapshot_max_bytes = 4 * 1024;
        config
    }

    fn schedule(&mut self, time_ms: u64, event: SimEvent) {
        self.sequence += 1;
        self.queue.push(Reverse(Scheduled {
            time_ms,
            sequence: self.sequence,
            event,
        }));
    }

    /// A random delay around `mean_ms` (0 disables the fault).
    fn next_in(&mut self, mean_ms: u64) -> Option<u64> {
        (mean_ms > 0).then(|| self.now_ms + self.rng.range(mean_ms / 2, mean_ms + mean_ms / 2 + 1))
    }

    fn faults_on(&self) -> bool {
        self.healed_at_ms.is_none()
    }

    fn note(&mut self, line: impl FnOnce() -> String) {
        if self.options.keep_log {
            let text = line();
            self.log.push(format!("{:>7} {text}", self.now_ms));
        }
    }

    /// Runs the seed to its end.
    pub fn run(mut self) -> SimReport {
        let outcome = match self.run_inner() {
            Ok(outcome) => outcome,
            Err(message) => Outcome::Violation(message),
        };
        SimReport {
            seed: self.seed,
            scenario: self.scenario.clone(),
            outcome,
            events: self.events,
            virtual_time_ms: self.now_ms,
            trace_hash: self.trace.value(),
            committed_end: self.checker.committed_end(),
            max_epoch: self.max_epoch,
            stats: self.stats,
            log: std::mem::take(&mut self.log),
        }
    }

    fn run_inner(&mut self) -> Result<Outcome, String> {
        for index in 0..self.nodes.len() {
            let id = self.nodes[index].id;
            let parts = self.nodes[index]
                .storage
                .open()
                .map_err(|e| format!("node {id}: {e}"))?;
            self.nodes[index].down = Some(parts);
        }
        for index in 0..self.nodes.len() {
            self.restart(index)?;
        }
        let s = self.scenario.clone();
        self.schedule_next(s.crash_every_ms, SimEvent::Crash);
        self.schedule_next(s.partition_every_ms, SimEvent::Partition);
        self.schedule_next(s.clock_jump_every_ms, SimEvent::ClockJump);
        self.schedule_next(s.resign_every_ms, SimEvent::Resign);
        self.schedule_next(s.snapshot_every_ms, SimEvent::Snapshot);
        if s.controller {
            self.schedule_next(s.append_every_ms, SimEvent::ControllerRequest);
        } else {
            self.schedule_next(s.append_every_ms, SimEvent::ClientAppend);
        }
        self.schedule_next(s.reconfig_every_ms, SimEvent::Reconfigure);
        self.schedule(self.options.fault_duration_ms, SimEvent::Heal);
        loop {
            if self.events >= self.options.max_events {
                return Err(format!("no outcome after {} events", self.events));
            }
            let Some(Reverse(next)) = self.queue.pop() else {
                return Err("the event queue ran dry".into());
            };
            self.now_ms = next.time_ms;
            self.events += 1;
            self.handle(next.event)?;
            self.check()?;
            if let Some(outcome) = self.check_liveness()? {
                return Ok(outcome);
            }
        }
    }

    fn schedule_next(&mut self, mean_ms: u64, event: SimEvent) {
        if !self.faults_on() && !matches!(event, SimEvent::Snapshot) {
            return;
        }
        if let Some(at) = self.next_in(mean_ms) {
            self.schedule(at, event);
        }
    }

    fn handle(&mut self, event: SimEvent) -> Result<(), String> {
        let fault = matches!(
            event,
            SimEvent::Crash
                | SimEvent::CrashNode(_)
                | SimEvent::Partition
                | SimEvent::ClockJump
                | SimEvent::Resign
                | SimEvent::Reconfigure
        );
        if fault && !self.faults_on() {
            return Ok(());
        }
        match event {
            SimEvent::Deliver(envelope) => self.deliver(*envelope),
            SimEvent::Tick(index) => {
                if self.nodes[index].scheduled_tick_ms != Some(self.now_ms) {
                    return Ok(());
                }
                self.nodes[index].scheduled_tick_ms = None;
                self.trace.add(&[1, index as u64, self.now_ms]);
                self.step(index, |engine, now| engine.step(now, Event::Tick))
            }
            SimEvent::Flush(index, incarnation) => {
                if self.nodes[index].incarnation != incarnation
                    || self.nodes[index].engine.is_none()
                {
                    return Ok(());
                }
                self.trace.add(&[2, index as u64, self.now_ms]);
                self.step(index, |engine, now| {
                    engine.log_mut().flush()?;
                    engine.step(now, Event::FlushCompleted)
                })
            }
            SimEvent::Crash => {
                self.crash_random()?;
                let mean = self.scenario.crash_every_ms;
                self.schedule_next(mean, SimEvent::Crash);
                Ok(())
            }
            SimEvent::CrashNode(index) => self.crash(index),
            SimEvent::SendFailed {
                node,
                incarnation,
                destination,
                correlation_id,
            } => {
                if self.nodes[node].incarnation != incarnation {
                    return Ok(());
                }
                self.trace.add(&[18, node as u64, correlation_id]);
                self.step(node, |engine, now| {
                    engine.step(
                        now,
                        Event::SendFailed {
                            destination,
                            correlation_id,
                        },
                    )
                })
            }
            SimEvent::Restart(index) => self.restart(index),
            SimEvent::Partition => {
                self.start_partition();
                let mean = self.scenario.partition_every_ms;
                self.schedule_next(mean, SimEvent::Partition);
                Ok(())
            }
            SimEvent::PartitionEnd => {
                self.partition = None;
                self.trace.add(&[3, self.now_ms]);
                self.note(|| "partition healed".into());
                Ok(())
            }
            SimEvent::ClockJump => {
                self.clock_jump()?;
                let mean = self.scenario.clock_jump_every_ms;
                self.schedule_next(mean, SimEvent::ClockJump);
                Ok(())
            }
            SimEvent::Resign => {
                self.resign_leader()?;
                let mean = self.scenario.resign_every_ms;
                self.schedule_next(mean, SimEvent::Resign);
                Ok(())
            }
            SimEvent::Snapshot => {
                self.snapshot_random()?;
                let mean = self.scenario.snapshot_every_ms;
                self.schedule_next(mean, SimEvent::Snapshot);
                Ok(())
            }
            SimEvent::ClientAppend => {
                self.client_append()?;
                let mean = self.scenario.append_every_ms;
                self.schedule_next(mean, SimEvent::ClientAppend);
                Ok(())
            }
            SimEvent::Reconfigure => {
                self.reconfigure()?;
                let mean = self.scenario.reconfig_every_ms;
                self.schedule_next(mean, SimEvent::Reconfigure);
                Ok(())
            }
            SimEvent::ControllerTick(index, incarnation) => {
                self.controller_tick(index, incarnation)
            }
            SimEvent::ControllerRequest => {
                self.controller_request()?;
                let mean = self.scenario.append_every_ms;
                self.schedule_next(mean, SimEvent::ControllerRequest);
                Ok(())
            }
            SimEvent::Heal => self.heal(),
        }
    }

    // ---- nodes ----

    fn local_now(&self, index: usize) -> u64 {
        (self.now_ms as i64 + self.nodes[index].clock_offset_ms).max(0) as u64
    }

    /// Runs `action` on node `index`'s engine at its local time, then carries out its outputs.
    fn step(
        &mut self,
        index: usize,
        action: impl FnOnce(&mut Engine, u64) -> Result<(), RaftError>,
    ) -> Result<(), String> {
        let now = self.local_now(index);
        let node_id = self.nodes[index].id;
        let Some(engine) = self.nodes[index].engine.as_mut() else {
            return Ok(());
        };
        action(engine, now).map_err(|e| format!("node {node_id} failed fatally: {e}"))?;
        let outputs = engine.take_outputs();
        self.carry_out(index, outputs)?;
        self.schedule_tick(index);
        Ok(())
    }

    fn schedule_tick(&mut self, index: usize) {
        let Some(engine) = &self.nodes[index].engine else {
            return;
        };
        let deadline = engine.next_deadline_ms();
        if deadline == u64::MAX {
            return;
        }
        let global = (deadline as i64 - self.nodes[index].clock_offset_ms).max(0) as u64;
        let at = global.max(self.now_ms + 1);
        if self.nodes[index].scheduled_tick_ms.is_none_or(|t| at < t) {
            self.nodes[index].scheduled_tick_ms = Some(at);
            self.schedule(at, SimEvent::Tick(index));
        }
    }

    fn carry_out(&mut self, index: usize, outputs: Vec<Output>) -> Result<(), String> {
        for output in outputs {
            match output {
                Output::Send {
                    destination,
                    correlation_id,
                    request,
                } => {
                    let Some(to) = self.nodes.iter().position(|n| n.id == destination) else {
                        continue;
                    };
                    let body = Body::Request {
                        correlation_id,
                        version: codec::version_of(&request),
                        request,
                    };
                    self.send(index, to, self.nodes[to].incarnation, body)?;
                }
                Output::Respond {
                    request_id,
                    response,
                } => {
                    if self.client_answer(index, request_id.0, &response) {
                        continue;
                    }
                    let Some(Pending {
                        from: to,
                        correlation_id,
                        from_incarnation: to_incarnation,
                        vote,
                    }) = self.pending.remove(&(index, request_id.0))
                    else {
                        return Err(format!(
                            "node {} answered unknown request {request_id:?}",
                            self.nodes[index].id
                        ));
                    };
                    let granted_vote = match &response {
                        RaftResponse::Vote(vote) => {
                            crate::raft::messages::vote_response_partition(vote)
                                .is_some_and(|p| p.vote_granted)
                        }
                        _ => false,
                    };
                    if let (true, Some((epoch, candidate))) = (granted_vote, vote) {
                        self.check_one_vote(index, epoch, candidate)?;
                    }
                    let body = Body::Response {
                        correlation_id,
                        response,
                    };
                    self.send(index, to, to_incarnation, body)?;
                    // Failpoint: crash right after answering a vote.
                    if granted_vote
                        && self.faults_on()
                        && self.rng.chance(self.scenario.crash_after_vote_per_million)
                    {
                        self.schedule(self.now_ms, SimEvent::CrashNode(index));
                    }
                }
                Output::FlushLog => {
                    let delay = self.rng.range(0, 6);
                    let incarnation = self.nodes[index].incarnation;
                    self.schedule(self.now_ms + delay, SimEvent::Flush(index, incarnation));
                }
                Output::HighWatermark { offset } => {
                    self.trace.add(&[4, index as u64, offset as u64]);
                    self.note_leader_high_watermark(index, offset);
                    let reported = &mut self.nodes[index].reported_high_watermark;
                    *reported = (*reported).max(Some(offset));
                    if let Some(ctl) = self.nodes[index].controller.as_mut() {
                        ctl.events.push(ControllerEvent::HighWatermark(offset));
                    }
                }
                Output::RoleChanged {
                    role,
                    epoch,
                    leader_id,
                } => {
                    self.trace
                        .add(&[5, index as u64, role as u64, epoch as u64]);
                    self.max_epoch = self.max_epoch.max(epoch);
                    if let Some(ctl) = self.nodes[index].controller.as_mut() {
                        let is_leader = role == RoleKind::Leader;
                        ctl.events
                            .push(ControllerEvent::LeaderChange { epoch, is_leader });
                    }
                    let id = self.nodes[index].id;
                    self.note(|| format!("node {id}: {role:?} epoch {epoch} leader {leader_id:?}"));
                    if role == RoleKind::Candidate {
                        let first = *self.candidates.entry(epoch).or_insert(id);
                        if first != id {
                            self.stats.contested_epochs += 1;
                        }
                    }
                    if role == RoleKind::Leader {
                        self.stats.elections += 1;
                        let views = views(&self.nodes);
                        let view = views.iter().find(|v| v.id == id).expect("node exists");
                        self.checker.check_new_leader(view)?;
                    }
                }
            }
        }
        if self.scenario.controller {
            self.drive_controller(index)?;
        }
        Ok(())
    }

    fn send(
        &mut self,
        from: usize,
        to: usize,
        to_incarnation: u64,
        body: Body,
    ) -> Result<(), String> {
        let faults = self.faults_on();
        if faults && self.rng.chance(self.scenario.drop_per_million) {
            self.stats.dropped += 1;
            self.trace.add(&[6, from as u64, to as u64]);
            return Ok(());
        }
        let copies = if faults && self.rng.chance(self.scenario.duplicate_per_million) {
            2
        } else {
            1
        };
        let body = if self.scenario.codec_round_trip {
            round_trip(body)?
        } else {
            body
        };
        for copy in 0..copies {
            let delay = self.rng.range(1, self.scenario.max_delay_ms + 1);
            let _ = copy;
            let body = clone_body(&body);
            let envelope = Envelope {
                from,
                to,
                from_incarnation: self.nodes[from].incarnation,
                to_incarnation,
                body,
            };
            self.schedule(self.now_ms + delay, SimEvent::Deliver(Box::new(envelope)));
        }
        Ok(())
    }

    fn connected(&self, a: usize, b: usize) -> bool {
        self.partition
            .as_ref()
            .is_none_or(|side| side[a] == side[b])
    }

    fn deliver(&mut self, envelope: Envelope) -> Result<(), String> {
        let (from, to) = (envelope.from, envelope.to);
        if !self.connected(from, to) {
            self.stats.dropped += 1;
            self.trace.add(&[7, from as u64, to as u64, self.now_ms]);
            return Ok(());
        }
        let alive = self.nodes[to].engine.is_some()
            && self.nodes[to].incarnation == envelope.to_incarnation;
        if !alive {
            // A crashed node's connections are gone: a request to it fails at once (connection
            // refused), a response to it is lost with its requester.
            self.stats.dropped += 1;
            self.trace.add(&[7, from as u64, to as u64, self.now_ms]);
            if let Body::Request { correlation_id, .. } = envelope.body {
                let delay = self.rng.range(1, self.scenario.max_delay_ms + 1);
                let failed = SimEvent::SendFailed {
                    node: from,
                    incarnation: envelope.from_incarnation,
                    destination: self.nodes[to].id,
                    correlation_id,
                };
                self.schedule(self.now_ms + delay, failed);
            }
            return Ok(());
        }
        self.stats.delivered += 1;
        let source = self.nodes[from].id;
        match envelope.body {
            Body::Request {
                correlation_id,
                version,
                request,
            } => {
                // Each delivered copy is a request of its own (a duplicate is answered twice).
                self.next_request_id += 1;
                let request_id = self.next_request_id;
                self.trace.add(&[
                    8,
                    from as u64,
                    to as u64,
                    request.api_key() as u64,
                    self.now_ms,
                ]);
                let vote = match &request {
                    RaftRequest::Vote(v) => crate::raft::messages::vote_partition(v)
                        .filter(|p| !p.pre_vote)
                        .map(|p| (p.replica_epoch, p.replica_id.0)),
                    _ => None,
                };
                let pending = Pending {
                    from,
                    correlation_id,
                    from_incarnation: envelope.from_incarnation,
                    vote,
                };
                self.pending.insert((to, request_id), pending);
                self.step(to, |engine, now| {
                    engine.step(
                        now,
                        Event::Request {
                            request_id: RequestId(request_id),
                            api_version: version,
                            request,
                        },
                    )
                })
            }
            Body::Response {
                correlation_id,
                response,
            } => {
                self.trace.add(&[
                    9,
                    from as u64,
                    to as u64,
                    response.api_key() as u64,
                    self.now_ms,
                ]);
                if matches!(response, RaftResponse::FetchSnapshot(_)) {
                    self.stats.snapshot_chunks += 1;
                }
                self.step(to, |engine, now| {
                    engine.step(
                        now,
                        Event::Response {
                            source,
                            correlation_id,
                            response,
                        },
                    )
                })
            }
        }
    }

    /// KIP-595: a voter grants at most one vote per epoch, across restarts.
    fn check_one_vote(
        &mut self,
        index: usize,
        epoch: i32,
        candidate: NodeId,
    ) -> Result<(), String> {
        let voter = self.nodes[index].id;
        match self.votes.insert((voter, epoch), candidate) {
            Some(previous) if previous != candidate => Err(format!(
                "node {voter} granted its vote in epoch {epoch} to {previous} and then to {candidate}"
            )),
            _ => Ok(()),
        }
    }

    fn crash_random(&mut self) -> Result<(), String> {
        let up: Vec<usize> = (0..self.nodes.len())
            .filter(|i| self.nodes[*i].engine.is_some())
            .collect();
        if up.is_empty() {
            return Ok(());
        }
        let index = up[self.rng.below(up.len() as u64) as usize];
        self.crash(index)
    }

    /// Crashes node `index`: its unflushed writes are lost (on disk, sometimes leaving a torn
    /// tail, and the log is recovered from what survived); it restarts after a random downtime.
    fn crash(&mut self, index: usize) -> Result<(), String> {
        let torn_bytes = if self.nodes[index].storage.is_disk() && self.rng.chance(300_000) {
            self.rng.range(1, 200) as usize
        } else {
            0
        };
        let node = &mut self.nodes[index];
        let Some(engine) = node.engine.take() else {
            return Ok(());
        };
        let (log, store) = engine.into_parts();
        let id = node.id;
        let parts = node
            .storage
            .crash(log, store, torn_bytes)
            .map_err(|e| format!("node {id} cannot recover after a crash: {e}"))?;
        node.down = Some(parts);
        node.controller = None;
        node.reported_high_watermark = None;
        node.incarnation += 1;
        node.scheduled_tick_ms = None;
        self.pending.retain(|(node, _), _| *node != index);
        self.stats.crashes += 1;
        self.trace
            .add(&[10, index as u64, self.now_ms, torn_bytes as u64]);
        self.note(|| format!("node {id} crashed (torn tail up to {torn_bytes} bytes)"));
        let downtime = self.rng.range(
            self.scenario.min_downtime_ms,
            self.scenario.max_downtime_ms + 1,
        );
        self.schedule(self.now_ms + downtime, SimEvent::Restart(index));
        Ok(())
    }

    fn restart(&mut self, index: usize) -> Result<(), String> {
        let Some((log, store)) = self.nodes[index].down.take() else {
            return Ok(());
        };
        let config = self.engine_config(self.nodes[index].id);
        let seed = self.rng.next_u64();
        let now = self.local_now(index);
        let id = self.nodes[index].id;
        let engine = RaftEngine::new(config, log, store, seed, now)
            .map_err(|e| format!("node {id} failed to start: {e}"))?;
        self.nodes[index].engine = Some(engine);
        if self.scenario.controller {
            self.start_controller(index)?;
        }
        self.trace.add(&[11, index as u64, self.now_ms]);
        self.note(|| format!("node {id} started"));
        self.step(index, |_, _| Ok(()))
    }

    fn start_partition(&mut self) {
        if self.nodes.len() < 2 {
            return;
        }
        let mut side: Vec<bool> = (0..self.nodes.len())
            .map(|_| self.rng.chance(500_000))
            .collect();
        if side.iter().all(|s| *s) || side.iter().all(|s| !*s) {
            side[0] = !side[0];
        }
        self.trace.add(&[12, self.now_ms]);
        let text = format!("partition {side:?}");
        self.note(|| text);
        self.partition = Some(side);
        let duration = self.rng.range(300, 5_000);
        self.schedule(self.now_ms + duration, SimEvent::PartitionEnd);
    }

    fn clock_jump(&mut self) -> Result<(), String> {
        let index = self.rng.below(self.nodes.len() as u64) as usize;
        let jump = if self.rng.chance(200_000) {
            -(self.rng.range(50, 1_000) as i64)
        } else {
            self.rng.range(100, 3_000) as i64
        };
        self.nodes[index].clock_offset_ms += jump;
        if jump < 0 {
            self.backward_jumps.push((self.now_ms, jump.unsigned_abs()));
        }
        self.trace.add(&[13, index as u64, jump as u64]);
        let id = self.nodes[index].id;
        self.note(|| format!("node {id}: clock jumps {jump} ms"));
        self.nodes[index].scheduled_tick_ms = None;
        self.step(index, |engine, now| engine.step(now, Event::Tick))
    }

    fn leaders(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|i| {
                self.nodes[*i]
                    .engine
                    .as_ref()
                    .is_some_and(|e| e.role().kind() == RoleKind::Leader)
            })
            .collect()
    }

    fn resign_leader(&mut self) -> Result<(), String> {
        let leaders = self.leaders();
        if leaders.is_empty() {
            return Ok(());
        }
        let index = leaders[self.rng.below(leaders.len() as u64) as usize];
        self.trace.add(&[14, index as u64]);
        let id = self.nodes[index].id;
        self.note(|| format!("node {id} resigns"));
        self.step(index, |engine, now| engine.resign(now))
    }

    /// Where a client sends its next request: a leader, now and then (or when there is none)
    /// any node that `serves`; `None` if no node does.
    fn client_target(&mut self, serves: impl Fn(&SimNode) -> bool) -> Option<usize> {
        let leaders = self.leaders();
        let candidates: Vec<usize> = if leaders.is_empty() || self.rng.chance(100_000) {
            (0..self.nodes.len())
                .filter(|i| serves(&self.nodes[*i]))
                .collect()
        } else {
            leaders
        };
        if candidates.is_empty() {
            return None;
        }
        Some(candidates[self.rng.below(candidates.len() as u64) as usize])
    }

    fn client_append(&mut self) -> Result<(), String> {
        let Some(index) = self.client_target(|node| node.engine.is_some()) else {
            return Ok(());
        };
        let count = self.rng.range(1, 4);
        let records: Vec<Bytes> = (0..count)
            .map(|_| {
                let len = self.rng.range(1, 24) as usize;
                let mut value = BytesMut::with_capacity(len);
                for _ in 0..len {
                    value.extend_from_slice(&[self.rng.below(256) as u8]);
                }
                value.freeze()
            })
            .collect();
        let now = self.local_now(index);
        let id = self.nodes[index].id;
        let Some(engine) = self.nodes[index].engine.as_mut() else {
            return Ok(());
        };
        let is_leader = engine.role().kind() == RoleKind::Leader;
        let epoch = engine.epoch();
        match engine.append(now, epoch, &records) {
            Ok(appended) => {
                self.stats.appends += 1;
                self.trace
                    .add(&[15, index as u64, appended.first_offset as u64]);
                let outputs = engine.take_outputs();
                self.carry_out(index, outputs)?;
                self.schedule_tick(index);
                Ok(())
            }
            Err(AppendError::NotLeader { .. }) if !is_leader => Ok(()),
            Err(error) => Err(format!("node {id}: append failed: {error}")),
        }
    }

    /// Takes a snapshot on a random node at the last batch end it has committed and flushed,
    /// holding every batch below it, and sometimes drops the log before it.
    fn snapshot_random(&mut self) -> Result<(), String> {
        let index = self.rng.below(self.nodes.len() as u64) as usize;
        let drop_prefix = self.rng.chance(600_000);
        let now = self.local_now(index) as i64;
        let node_id = self.nodes[index].id;
        let Some(engine) = self.nodes[index].engine.as_mut() else {
            return Ok(());
        };
        let Some(high_watermark) = engine.high_watermark() else {
            return Ok(());
        };
        let failed = |e: String| format!("node {node_id}: snapshot: {e}");
        let log = engine.log_mut();
        let Some((id, content)) = snapshot_content(log, high_watermark).map_err(failed)? else {
            return Ok(());
        };
        match log.create_snapshot(id, content) {
            Ok(()) => {}
            Err(LogError::Snapshot(_)) => return Ok(()),
            Err(error) => return Err(failed(error.to_string())),
        }
        if drop_prefix {
            log.delete_before_latest_snapshot(now)
                .map_err(|e| failed(e.to_string()))?;
        }
        self.stats.snapshots += 1;
        self.trace.add(&[16, index as u64, id.offset as u64]);
        self.note(|| format!("node {node_id}: snapshot {id} (log dropped: {drop_prefix})"));
        Ok(())
    }

    fn heal(&mut self) -> Result<(), String> {
        self.healed_at_ms = Some(self.now_ms);
        self.partition = None;
        self.trace.add(&[17, self.now_ms]);
        self.note(|| "heal: faults off".into());
        for index in 0..self.nodes.len() {
            self.restart(index)?;
        }
        Ok(())
    }

    // ---- checks ----

    fn check(&mut self) -> Result<(), String> {
        self.update_voters();
        self.checker.check(&views(&self.nodes))?;
        if self.scenario.controller {
            self.check_acknowledged()?;
        }
        Ok(())
    }

    /// After healing: a stable leader within the bound, then every node converged.
    fn check_liveness(&mut self) -> Result<Option<Outcome>, String> {
        let Some(healed_at) = self.healed_at_ms else {
            return Ok(None);
        };
        let elapsed = self.now_ms - healed_at;
        let Some(leader) = self.stable_leader() else {
            self.leader_at_ms = None;
            if elapsed > self.liveness_bound_after_heal_ms(healed_at) {
                return Err(format!(
                    "no stable leader {elapsed} ms after healing: {}",
                    self.describe_nodes()
                ));
            }
            return Ok(None);
        };
        let leader_at = *self.leader_at_ms.get_or_insert(self.now_ms);
        if self.converged(leader) {
            if self.scenario.controller {
                let end = self.nodes[leader]
                    .engine
                    .as_ref()
                    .map_or(0, |e| e.log().log_end_offset());
                self.check_controllers_converged(end)?;
                self.stats.acknowledged = self.images.acknowledged;
            }
            return Ok(Some(Outcome::Passed {
                leader_after_heal_ms: leader_at - healed_at,
                converged_after_heal_ms: elapsed,
            }));
        }
        if self.now_ms - leader_at > CONVERGENCE_BOUND_MS {
            return Err(format!(
                "not converged {} ms after a stable leader: {}",
                self.now_ms - leader_at,
                self.describe_nodes()
            ));
        }
        Ok(None)
    }

    /// The liveness bound, plus the largest backward clock jump made within one bound before
    /// healing: the timers of that node fire that much later.
    fn liveness_bound_after_heal_ms(&self, healed_at: u64) -> u64 {
        let bound = liveness_bound_ms(&self.scenario);
        let recent_jump = self
            .backward_jumps
            .iter()
            .filter(|(at, _)| at + bound >= healed_at)
            .map(|(_, jump)| *jump)
            .max()
            .unwrap_or(0);
        bound + recent_jump
    }

    /// Each node's role, epoch, log start/end, flushed offset and high watermark.
    fn describe_nodes(&self) -> String {
        let described: Vec<String> = self
            .nodes
            .iter()
            .map(|node| match &node.engine {
                Some(e) => format!(
                    "{}:{:?}@{} log[{},{}) flushed {} hwm {:?}",
                    node.id,
                    e.role().kind(),
                    e.epoch(),
                    e.log().log_start_offset(),
                    e.log().log_end_offset(),
                    e.log().flushed_offset(),
                    e.high_watermark()
                ),
                None => format!("{}:down", node.id),
            })
            .collect();
        described.join("; ")
    }

    /// The leader every voter follows in its epoch, if there is one.
    fn stable_leader(&self) -> Option<usize> {
        let leaders = self.leaders();
        let [leader] = leaders.as_slice() else {
            return None;
        };
        let engine = self.nodes[*leader].engine.as_ref()?;
        let (epoch, leader_id) = (engine.epoch(), self.nodes[*leader].id);
        let voters = engine.voter_set();
        let all_follow = self
            .nodes
            .iter()
            .filter(|n| voters.contains(n.id))
            .all(|node| {
                node.engine.as_ref().is_some_and(|e| {
                    e.epoch() == epoch
                        && match e.role() {
                            Role::Leader(_) => node.id == leader_id,
                            Role::Follower(f) => f.leader_id == leader_id,
                            _ => false,
                        }
                })
            });
        all_follow.then_some(*leader)
    }

    fn converged(&self, leader: usize) -> bool {
        let Some(engine) = self.nodes[leader].engine.as_ref() else {
            return false;
        };
        let end = engine.log().log_end_offset();
        if engine.high_watermark() != Some(end) {
            return false;
        }
        self.nodes.iter().all(|node| {
            let delivered = !self.scenario.controller
                || node
                    .controller
                    .as_ref()
                    .is_some_and(|c| c.delivered_to(end));
            delivered
                && node.engine.as_ref().is_some_and(|e| {
                    e.log().log_end_offset() == end
                        && e.log().flushed_offset() == end
                        && e.high_watermark() == Some(end)
                })
        })
    }
}

/// The snapshot `log` can take: its id (the last batch end below both `high_watermark` and the
/// flushed offset) and content (the previous snapshot at the log start, then every batch). `None`
/// when it would not be newer than the latest snapshot.
fn snapshot_content(
    log: &SimLog,
    high_watermark: i64,
) -> Result<Option<(OffsetAndEpoch, Bytes)>, String> {
    let limit = high_watermark.min(log.flushed_offset());
    let start = log.log_start_offset();
    let mut content = BytesMut::new();
    let mut from = start;
    if start > 0 {
        // The log starts at (on disk: at or below) the latest snapshot's end.
        let Some(base) = log.latest_snapshot_id().filter(|id| id.offset >= start) else {
            return Ok(None);
        };
        let bytes = log.snapshot(base)?.ok_or("a listed snapshot is missing")?;
        content.extend_from_slice(&bytes);
        from = base.offset;
    }
    let mut end = None;
    for batch in log.batches_from(from) {
        let (_, last, epoch, bytes) = batch?;
        if last >= limit {
            break;
        }
        content.extend_from_slice(&bytes);
        end = Some(OffsetAndEpoch::new(last + 1, epoch));
    }
    let Some(id) = end else {
        return Ok(None);
    };
    if log.latest_snapshot_id().is_some_and(|latest| latest >= id) {
        return Ok(None);
    }
    Ok(Some((id, content.freeze())))
}

fn views(nodes: &[SimNode]) -> Vec<NodeView<'_>> {
    nodes
        .iter()
        .map(|node| match (&node.engine, &node.down) {
            (Some(engine), _) => NodeView {
                id: node.id,
                is_voter: node.is_voter,
                log: engine.log(),
                running: Some((
                    engine.role().kind(),
                    engine.epoch(),
                    engine.high_watermark().max(node.reported_high_watermark),
                )),
            },
            (None, Some((log, _))) => NodeView {
                id: node.id,
                is_voter: node.is_voter,
                log,
                running: None,
            },
            (None, None) => unreachable!("a node is up or down"),
        })
        .collect()
}

fn clone_body(body: &Body) -> Body {
    match body {
        Body::Request {
            correlation_id,
            version,
            request,
        } => Body::Request {
            correlation_id: *correlation_id,
            version: *version,
            request: request.clone(),
        },
        Body::Response {
            correlation_id,
            response,
        } => Body::Response {
            correlation_id: *correlation_id,
            response: response.clone(),
        },
    }
}

fn round_trip(body: Body) -> Result<Body, String> {
    Ok(match body {
        Body::Request {
            correlation_id,
            version,
            request,
        } => Body::Request {
            correlation_id,
            version,
            request: codec::round_trip_request(&request, version)
                .map_err(|e| format!("codec: {:?} request: {e}", request.api_key()))?,
        },
        Body::Response {
            correlation_id,
            response,
        } => {
            let version = match &response {
                RaftResponse::Vote(_) => 2,
                RaftResponse::BeginQuorumEpoch(_) | RaftResponse::EndQuorumEpoch(_) => 1,
                RaftResponse::Fetch(_) => 18,
                RaftResponse::FetchSnapshot(_) => 1,
                RaftResponse::DescribeQuorum(_) => 2,
                RaftResponse::AddRaftVoter(_)
                | RaftResponse::RemoveRaftVoter(_)
                | RaftResponse::UpdateRaftVoter(_) => 0,
            };
            Body::Response {
                correlation_id,
                response: codec::round_trip_response(&response, version)
                    .map_err(|e| format!("codec: {:?} response: {e}", response.api_key()))?,
            }
        }
    })
}
