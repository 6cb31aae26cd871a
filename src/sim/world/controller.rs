//! The metadata controller on each simulated node (the scenario's `controller` option), run by
//! the rules of `server::controller_driver` and `server::raft_driver`, which it mirrors rather
//! than calls (they own tokio):
//!
//! - raft hands the controller every whole batch below a new high watermark, in order; a log
//!   that now starts past the controller's next offset means raft installed a snapshot, which
//!   the controller loads; a restarted node loads its latest snapshot and replays from there;
//! - a node elected leader claims its epoch and becomes active when that epoch's first batch
//!   commits: the working image starts from the committed one, the activation (bootstrap)
//!   records are appended, NoOpRecords follow while idle, stale broker sessions are fenced;
//! - a request is computed against the working image, its records appended through raft as one
//!   batch and added to the working image, and it is answered once they commit; losing
//!   leadership (a role change, or raft refusing an append) renounces, drops the working image
//!   and fails what is waiting with NOT_CONTROLLER; a standby answers NOT_CONTROLLER.
//!
//! Snapshots here are the simulator's (the committed batches up to a point): loading one
//! replays its batches into a scratch image and loads that image's records, as a controller
//! loads a snapshot of its image.

use bytes::Bytes;
use kafka_protocol::messages::{RequestKind, ResponseKind};
use yakt_wire::batch::{check_batch, Scan};
use yakt_wire::{encode_frame, records_of, BatchView, MetadataRecord};

use crate::controller::activation::NoOpTimer;
use crate::controller::context::RequestContext;
use crate::controller::delegation_tokens::TokenExpiryTimer;
use crate::controller::{Controller, ControllerSettings, Replayer};
use crate::raft::{AppendError, OffsetAndEpoch, RaftLog};
use crate::server::controller_api::{self, Computed};

use super::super::images::Fact;
use super::super::storage::SimLog;
use super::super::workload::{error_code, Op};
use super::{SimEvent, World, CLUSTER_ID};

/// How often a controller checks its timers (the driver's tick).
const TICK_MS: u64 = 100;

/// Where a simulated controller is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Standby,
    Claiming(i32),
    Active(i32),
}

/// A request waiting for its records to commit.
struct Waiting {
    last_offset: i64,
    op: Op,
    response: ResponseKind,
}

/// What raft tells a controller, in order.
#[derive(Debug, Clone, Copy)]
pub(super) enum ControllerEvent {
    HighWatermark(i64),
    LeaderChange { epoch: i32, is_leader: bool },
}

/// One node's controller and the driver state around it.
pub(super) struct SimController {
    controller: Controller,
    /// The next offset raft hands it.
    next: i64,
    state: State,
    waiting: Vec<Waiting>,
    noop: Option<NoOpTimer>,
    token_expiry: Option<TokenExpiryTimer>,
    /// Events from raft not yet handled.
    pub(super) events: Vec<ControllerEvent>,
}

impl SimController {
    /// Whether every batch below `end` was handed to it.
    pub(super) fn delivered_to(&self, end: i64) -> bool {
        self.next >= end
    }

    /// The committed image and the offset it is complete up to.
    pub(super) fn committed(&self) -> (i64, &crate::controller::MetadataImage) {
        let committed = self.controller.committed();
        (committed.last_committed_offset(), committed.image())
    }
}

/// An acknowledgement to check once the raft checker has seen this event's commits.
pub(super) struct Acknowledged {
    pub(super) index: usize,
    pub(super) last_offset: i64,
    pub(super) facts: Vec<Fact>,
}

/// The bootstrap records of a cluster formatted for Kafka's default release.
fn bootstrap() -> Result<Vec<MetadataRecord>, String> {
    let release = crate::features::MetadataVersion::parse(crate::features::DEFAULT_RELEASE_VERSION)
        .map_err(|e| e.to_string())?;
    crate::features::bootstrap_records(release, &[])
        .map_err(|e| e.to_string())?
        .iter()
        .map(|frame| {
            yakt_wire::decode_frame(frame)
                .map(|(record, _)| record)
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// The records of the image that a simulator snapshot (committed batches) builds; `None` when
/// it holds no metadata record (a controller never snapshots an image before bootstrap).
fn snapshot_image(log: &SimLog, id: OffsetAndEpoch) -> Result<Option<Vec<MetadataRecord>>, String> {
    let bytes = log.snapshot(id)?.unwrap_or_default();
    let mut replayer = Replayer::new();
    let mut position = 0;
    while position < bytes.len() {
        let size = match check_batch(&bytes[position..], usize::MAX >> 1) {
            Ok(Scan::Batch(header)) => header.size_in_bytes(),
            other => return Err(format!("snapshot {id}: bad batch {other:?}")),
        };
        let batch = bytes.slice(position..position + size);
        position += size;
        replay_into(&batch, |record, offset| {
            replayer.replay_log_record(record, offset)
        })?;
    }
    if replayer.transaction_start_offset().is_some() {
        return Err(format!("snapshot {id} ends inside a metadata transaction"));
    }
    if !replayer.has_records() {
        return Ok(None);
    }
    Ok(Some(
        replayer
            .image()
            .to_records()
            .into_iter()
            .map(|(r, _)| r)
            .collect(),
    ))
}

fn replay_into(
    batch: &Bytes,
    mut replay: impl FnMut(&yakt_wire::LogRecord, i64) -> Result<(), crate::controller::ReplayError>,
) -> Result<(), String> {
    let view = BatchView::parse(batch).map_err(|e| e.to_string())?;
    for record in records_of(&view) {
        let (offset, record) = record.map_err(|e| e.to_string())?;
        replay(&record, offset).map_err(|e| format!("replay failed: {e}"))?;
    }
    Ok(())
}

/// What an acknowledged answer guarantees.
fn facts_of(op: &Op, response: &ResponseKind) -> Vec<Fact> {
    if error_code(response) != Some(0) {
        return Vec::new();
    }
    match (op, response) {
        (Op::CreateTopic(name, partitions), ResponseKind::CreateTopics(r)) => {
            let id = r
                .topics
                .first()
                .map_or(yakt_wire::Uuid::ZERO, |t| t.topic_id.into());
            vec![
                Fact::Topic(name.clone(), id),
                Fact::Partitions(name.clone(), *partitions),
            ]
        }
        (Op::SetRetention(name, value), _) => vec![Fact::Retention(name.clone(), *value)],
        (Op::CreatePartitions(name, count), _) => vec![Fact::Partitions(name.clone(), *count)],
        (Op::DeleteTopic(_), ResponseKind::DeleteTopics(r)) => r
            .responses
            .first()
            .map(|t| vec![Fact::Deleted(t.topic_id.into())])
            .unwrap_or_default(),
        (Op::AllocateProducerIds(_), ResponseKind::AllocateProducerIds(r)) => {
            vec![Fact::ProducerIds(
                r.producer_id_start.0 + i64::from(r.producer_id_len),
            )]
        }
        _ => Vec::new(),
    }
}

impl World {
    /// Starts node `index`'s controller after its engine: the latest snapshot loaded, raft
    /// to hand it batches from that snapshot's end.
    pub(super) fn start_controller(&mut self, index: usize) -> Result<(), String> {
        let node_id = self.nodes[index].id;
        let mut settings = ControllerSettings::new(node_id, CLUSTER_ID);
        settings.controller_ids = (1..=self.scenario.voters as i32).collect();
        let mut controller = Controller::new(settings, self.rng.next_u64());
        controller.set_kraft_version(self.scenario.kraft_version);
        let Some(engine) = self.nodes[index].engine.as_ref() else {
            return Ok(());
        };
        let log = engine.log();
        let mut next = 0;
        if let Some(id) = log.latest_snapshot_id() {
            if let Some(records) =
                snapshot_image(log, id).map_err(|e| format!("node {node_id}: {e}"))?
            {
                controller
                    .load_snapshot(records.iter(), id.offset - 1)
                    .map_err(|e| format!("node {node_id}: loading snapshot {id}: {e}"))?;
            }
            next = id.offset;
        }
        self.nodes[index].controller = Some(Box::new(SimController {
            controller,
            next,
            state: State::Standby,
            waiting: Vec::new(),
            noop: None,
            token_expiry: None,
            events: Vec::new(),
        }));
        if let Some(ctl) = self.nodes[index].controller.as_ref() {
            let (offset, image) = ctl.committed();
            self.images.observe(node_id, offset, image)?;
        }
        let incarnation = self.nodes[index].incarnation;
        self.schedule(
            self.now_ms + TICK_MS,
            SimEvent::ControllerTick(index, incarnation),
        );
        Ok(())
    }

    /// Handles what raft told node `index`'s controller, in order (not re-entered: an append
    /// made here queues its own events behind).
    pub(super) fn drive_controller(&mut self, index: usize) -> Result<(), String> {
        if self.driving_controller {
            return Ok(());
        }
        self.driving_controller = true;
        let result = self.drain_controller_events(index);
        self.driving_controller = false;
        result
    }

    fn drain_controller_events(&mut self, index: usize) -> Result<(), String> {
        loop {
            let Some(ctl) = self.nodes[index].controller.as_mut() else {
                return Ok(());
            };
            if ctl.events.is_empty() {
                return Ok(());
            }
            match ctl.events.remove(0) {
                ControllerEvent::HighWatermark(offset) => self.deliver_committed(index, offset)?,
                ControllerEvent::LeaderChange { epoch, is_leader } => {
                    if !matches!(ctl.state, State::Standby) {
                        self.renounce(index);
                    }
                    if is_leader {
                        if let Some(ctl) = self.nodes[index].controller.as_mut() {
                            ctl.state = State::Claiming(epoch);
                        }
                    }
                }
            }
        }
    }

    /// Hands node `index`'s controller every whole batch below `high_watermark` it has not
    /// had (after the snapshot raft installed, if the log now starts past it).
    fn deliver_committed(&mut self, index: usize, high_watermark: i64) -> Result<(), String> {
        let node_id = self.nodes[index].id;
        let failed = |e: String| format!("node {node_id}: controller: {e}");
        let (snapshot, batches) = {
            let node = &self.nodes[index];
            let (Some(engine), Some(ctl)) = (&node.engine, &node.controller) else {
                return Ok(());
            };
            let log = engine.log();
            let mut next = ctl.next;
            let mut snapshot = None;
            if next < log.log_start_offset() {
                if let Some(id) = log.latest_snapshot_id() {
                    snapshot = Some((id, snapshot_image(log, id).map_err(failed)?));
                    next = id.offset;
                }
            }
            let mut batches = Vec::new();
            for batch in log.batches_from(next) {
                let (_, last, epoch, bytes) = batch.map_err(failed)?;
                if last >= high_watermark {
                    break;
                }
                if last >= next {
                    batches.push((last, epoch, bytes));
                }
            }
            (snapshot, batches)
        };
        if let Some((id, records)) = snapshot {
            self.load_snapshot(index, id, records)?;
        }
        for (last, epoch, bytes) in batches {
            let Some(ctl) = self.nodes[index].controller.as_mut() else {
                return Ok(());
            };
            let controller = &mut ctl.controller;
            replay_into(&bytes, |record, offset| {
                controller.replay_log_record(record, offset)
            })
            .map_err(failed)?;
            ctl.next = last + 1;
            let (offset, image) = ctl.committed();
            self.images.observe(node_id, offset, image)?;
            self.complete_waiting(index, last);
            let claiming = self.nodes[index]
                .controller
                .as_ref()
                .is_some_and(|c| c.state == State::Claiming(epoch));
            if claiming {
                self.activate(index, epoch)?;
            }
        }
        Ok(())
    }

    fn load_snapshot(
        &mut self,
        index: usize,
        id: OffsetAndEpoch,
        records: Option<Vec<MetadataRecord>>,
    ) -> Result<(), String> {
        let node_id = self.nodes[index].id;
        let skip = self.options.controller_bugs.skip_snapshot_load;
        let Some(ctl) = self.nodes[index].controller.as_mut() else {
            return Ok(());
        };
        ctl.next = id.offset;
        match records {
            Some(records) if !skip => ctl
                .controller
                .load_snapshot(records.iter(), id.offset - 1)
                .map_err(|e| format!("node {node_id}: loading snapshot {id}: {e}"))?,
            _ => return Ok(()),
        }
        let (offset, image) = ctl.committed();
        self.images.observe(node_id, offset, image)?;
        let text = format!("node {node_id}: controller loaded snapshot {id}");
        self.note(|| text);
        Ok(())
    }

    /// Answers the requests whose records are committed up to `offset`.
    fn complete_waiting(&mut self, index: usize, offset: i64) {
        let Some(ctl) = self.nodes[index].controller.as_mut() else {
            return;
        };
        let (done, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut ctl.waiting)
            .into_iter()
            .partition(|w| w.last_offset <= offset);
        ctl.waiting = rest;
        for waiting in done {
            self.answer(
                index,
                Some(waiting.last_offset),
                &waiting.op,
                &waiting.response,
            );
        }
    }

    /// A request was answered with `response` (its records end at `last_offset`, if any).
    fn answer(&mut self, index: usize, last_offset: Option<i64>, op: &Op, response: &ResponseKind) {
        self.workload.acknowledged(op, response);
        let code = error_code(response);
        let id = self.nodes[index].id;
        self.trace
            .add(&[21, index as u64, code.unwrap_or(-1) as u64]);
        self.note(|| format!("node {id}: controller answered {op:?} with error {code:?}"));
        if let Some(last_offset) = last_offset {
            let facts = facts_of(op, response);
            self.acknowledged.push(Acknowledged {
                index,
                last_offset,
                facts,
            });
        }
    }

    fn activate(&mut self, index: usize, epoch: i32) -> Result<(), String> {
        let now = self.local_now(index) as i64;
        let node_id = self.nodes[index].id;
        let Some(ctl) = self.nodes[index].controller.as_mut() else {
            return Ok(());
        };
        ctl.controller.activate(now);
        ctl.state = State::Active(epoch);
        let settings = ctl.controller.settings();
        ctl.noop = Some(NoOpTimer::new(settings.metadata_max_idle_interval_ms, now));
        let interval = settings.delegation_tokens.expiry_check_interval_ms;
        ctl.token_expiry = Some(TokenExpiryTimer::new(interval, now));
        let activation = ctl
            .controller
            .activation_records(&bootstrap()?)
            .map_err(|e| format!("node {node_id} cannot activate: {e}"))?;
        self.note(|| format!("node {node_id}: controller active in epoch {epoch}"));
        self.controller_append(index, &activation.records, |_, _| {})?;
        Ok(())
    }

    /// Loses leadership: the working image and broker sessions go, waiting requests get
    /// NOT_CONTROLLER.
    fn renounce(&mut self, index: usize) {
        let Some(ctl) = self.nodes[index].controller.as_mut() else {
            return;
        };
        ctl.controller.renounce();
        ctl.state = State::Standby;
        ctl.noop = None;
        ctl.token_expiry = None;
        let refused = std::mem::take(&mut ctl.waiting);
        let id = self.nodes[index].id;
        self.stats.controller_refusals += refused.len() as u64;
        self.trace.add(&[22, index as u64, refused.len() as u64]);
        self.note(|| {
            format!(
                "node {id}: controller renounces ({} requests refused)",
                refused.len()
            )
        });
    }

    /// Appends `records` as one batch through node `index`'s raft leader and adds them to the
    /// working image; the batch's last offset, or `None` when raft refused (renounced).
    fn controller_append(
        &mut self,
        index: usize,
        records: &[(MetadataRecord, i16)],
        after: impl FnOnce(&mut Controller, i64),
    ) -> Result<Option<i64>, String> {
        if records.is_empty() {
            return Ok(None);
        }
        let node_id = self.nodes[index].id;
        let failed = |e: String| format!("node {node_id}: controller append: {e}");
        let frames = records
            .iter()
            .map(|(record, version)| encode_frame(record, *version))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| failed(e.to_string()))?;
        let now = self.local_now(index);
        let node = &mut self.nodes[index];
        let (Some(engine), Some(ctl)) = (node.engine.as_mut(), node.controller.as_mut()) else {
            return Ok(None);
        };
        let State::Active(epoch) = ctl.state else {
            return Ok(None);
        };
        match engine.append(now, epoch, &frames) {
            Ok(appended) => {
                ctl.controller
                    .apply_appended(records, appended.first_offset)
                    .map_err(|e| failed(e.to_string()))?;
                after(&mut ctl.controller, appended.last_offset + 1);
                self.stats.appends += 1;
                self.trace
                    .add(&[20, index as u64, appended.first_offset as u64]);
                let outputs = engine.take_outputs();
                self.carry_out(index, outputs)?;
                self.schedule_tick(index);
                Ok(Some(appended.last_offset))
            }
            Err(AppendError::Fatal(error)) => Err(failed(error.to_string())),
            Err(_) => {
                self.renounce(index);
                Ok(None)
            }
        }
    }

    /// The driver's tick: an active controller fences stale brokers, sweeps expired tokens and
    /// writes a NoOpRecord when idle.
    pub(super) fn controller_tick(&mut self, index: usize, incarnation: u64) -> Result<(), String> {
        if self.nodes[index].incarnation != incarnation || self.nodes[index].controller.is_none() {
            return Ok(());
        }
        self.schedule(
            self.now_ms + TICK_MS,
            SimEvent::ControllerTick(index, incarnation),
        );
        let now = self.local_now(index) as i64;
        loop {
            let Some(ctl) = self.nodes[index].controller.as_mut() else {
                return Ok(());
            };
            if !matches!(ctl.state, State::Active(_)) {
                return Ok(());
            }
            let Some(fence) = ctl.controller.fence_stale_broker(now) else {
                break;
            };
            if self
                .controller_append(index, &fence.records, |_, _| {})?
                .is_none()
            {
                return Ok(());
            }
        }
        let Some(ctl) = self.nodes[index].controller.as_mut() else {
            return Ok(());
        };
        let controller = &ctl.controller;
        if let Some(expired) = ctl
            .token_expiry
            .as_mut()
            .and_then(|t| t.poll(controller, now))
        {
            if self
                .controller_append(index, &expired.records, |_, _| {})?
                .is_none()
            {
                return Ok(());
            }
        }
        let Some(ctl) = self.nodes[index].controller.as_mut() else {
            return Ok(());
        };
        if let Some(noop) = ctl.noop.as_mut().and_then(|timer| timer.poll(now)) {
            self.controller_append(index, &noop.records, |_, _| {})?;
        }
        Ok(())
    }

    /// Sends the workload's next request to a leader (now and then to any node).
    pub(super) fn controller_request(&mut self) -> Result<(), String> {
        let Some(index) = self.client_target(|node| node.controller.is_some()) else {
            return Ok(());
        };
        let Some(ctl) = self.nodes[index].controller.as_ref() else {
            return Ok(());
        };
        let offset = ctl.controller.committed().last_committed_offset();
        let (op, request, version) = self.workload.next(&mut self.rng, CLUSTER_ID, offset);
        if let Op::DeleteTopic(name) = &op {
            self.images.deleting(name);
        }
        self.handle_call(index, op, request, version)
    }

    /// The driver's `on_call`.
    fn handle_call(
        &mut self,
        index: usize,
        op: Op,
        request: RequestKind,
        version: i16,
    ) -> Result<(), String> {
        let now = self.local_now(index) as i64;
        let node = &mut self.nodes[index];
        let (Some(engine), Some(ctl)) = (node.engine.as_ref(), node.controller.as_mut()) else {
            return Ok(());
        };
        if !matches!(ctl.state, State::Active(_)) {
            let refusal = controller_api::not_controller(&request);
            self.answer(index, None, &op, &refusal);
            return Ok(());
        }
        let next_offset = engine.log().log_end_offset();
        let Computed {
            result,
            after_append,
            refusal,
        } = controller_api::compute(
            &mut ctl.controller,
            &RequestContext::local(),
            request,
            version,
            next_offset,
            now,
        );
        if result.records.is_empty() {
            self.answer(index, None, &op, &result.response);
            return Ok(());
        }
        let after = |controller: &mut Controller, end_offset| {
            if let Some(after) = after_append {
                after(controller, end_offset);
            }
        };
        let Some(last_offset) = self.controller_append(index, &result.records, after)? else {
            self.answer(index, None, &op, &refusal);
            return Ok(());
        };
        if self.options.controller_bugs.ack_before_commit {
            self.answer(index, Some(last_offset), &op, &result.response);
            return Ok(());
        }
        if let Some(ctl) = self.nodes[index].controller.as_mut() {
            ctl.waiting.push(Waiting {
                last_offset,
                op,
                response: result.response,
            });
        }
        Ok(())
    }

    /// Checks the acknowledgements of this event against the committed prefix raft's checker
    /// has now seen and the acknowledging controller's committed image.
    pub(super) fn check_acknowledged(&mut self) -> Result<(), String> {
        for ack in std::mem::take(&mut self.acknowledged) {
            let node_id = self.nodes[ack.index].id;
            let Some(ctl) = self.nodes[ack.index].controller.as_ref() else {
                continue;
            };
            let committed_end = self.checker.committed_end();
            self.images.acknowledge(
                node_id,
                ack.last_offset,
                ack.facts,
                committed_end,
                ctl.committed(),
            )?;
        }
        Ok(())
    }

    /// After convergence: every controller has every committed batch and the same image, and
    /// that image holds every acknowledged fact.
    pub(super) fn check_controllers_converged(&self, end: i64) -> Result<(), String> {
        let mut first: Option<(i32, &crate::controller::MetadataImage)> = None;
        for node in &self.nodes {
            let Some(ctl) = node.controller.as_ref() else {
                return Err(format!("node {} has no controller after healing", node.id));
            };
            let (offset, image) = ctl.committed();
            self.images.check_facts(node.id, offset, image)?;
            match first {
                None => first = Some((node.id, image)),
                Some((other, expected)) if expected != image => {
                    return Err(format!(
                        "images differ after healing (log end {end}): node {} against node \
                         {other}: {}",
                        node.id,
                        super::super::images::first_difference(expected, image)
                    ))
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}
