//! The event loop of the metadata state machine (Kafka's `QuorumController` thread): it replays
//! committed batches from raft into the [`Controller`], becomes active when this node leads and
//! its own epoch's first batch commits, and answers controller RPCs: compute records and a
//! response, append the records through raft, and send the response once they are committed.
//!
//! Owns the ordering rules between the state machine and raft: a standby answers
//! NOT_CONTROLLER; records are added to the working image as soon as raft gave them offsets and
//! to the committed image only when they commit; losing leadership drops what was not
//! committed and fails the requests still waiting. A replay error is fatal to the node.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{RequestKind, ResponseKind};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use yakt_log::FileSystem;
use yakt_wire::{encode_frame, records_of, BatchView, MetadataRecord};

use super::controller_api::Computed;
use super::controller_registration::{self, RegistrationView};
use super::raft_driver::{RaftEvent, RaftHandle};
use super::sasl::credentials::CredentialView;
use crate::clock::now_ms;
use crate::controller::activation::NoOpTimer;
use crate::controller::authorizer::AuthorizerView;
use crate::controller::context::RequestContext;
use crate::controller::delegation_tokens::TokenExpiryTimer;
use crate::controller::feature_updates::FeatureReport;
use crate::controller::snapshots::{snapshot_of, SnapshotPolicy};
use crate::controller::{Controller, MetadataImage};

/// How often the active controller checks its timers (idle NoOpRecords, broker sessions).
const TICK: Duration = Duration::from_millis(100);

/// A controller request and where its answer goes.
struct Call {
    context: RequestContext,
    request: RequestKind,
    version: i16,
    reply: oneshot::Sender<ResponseKind>,
}

/// A read of the committed image, run inside the loop: the image and the offset it is at.
type Query = Box<dyn FnOnce(&MetadataImage, i64) + Send>;

/// How many committed changes a slow [`ControllerHandle::changes`] receiver may fall behind
/// before it misses some (it is told how many).
const CHANGES_BACKLOG: usize = 4096;

/// What the committed metadata became, in log order.
#[derive(Debug, Clone)]
pub enum MetadataChange {
    /// A committed batch, replayed.
    Batch {
        /// Its last offset.
        last_offset: i64,
        /// The leader epoch it was written in.
        epoch: i32,
        /// The record batch as in the log.
        batch: Bytes,
    },
    /// The image was replaced by a snapshot's.
    Snapshot {
        /// The offset the snapshot ends before.
        end_offset: i64,
        /// Its epoch.
        epoch: i32,
    },
}

/// A handle to the controller event loop.
#[derive(Clone, Debug)]
pub struct ControllerHandle {
    inbox: mpsc::Sender<Call>,
    queries: mpsc::Sender<Query>,
    changes: broadcast::Sender<MetadataChange>,
    features: watch::Receiver<FeatureReport>,
    active: watch::Receiver<bool>,
    registrations: watch::Receiver<RegistrationView>,
    authorizer: watch::Receiver<Arc<AuthorizerView>>,
    credentials: watch::Receiver<Arc<CredentialView>>,
}

impl ControllerHandle {
    /// Handles a controller request sent under `context` (a standby answers NOT_CONTROLLER).
    pub async fn call(
        &self,
        context: RequestContext,
        request: RequestKind,
        version: i16,
    ) -> anyhow::Result<ResponseKind> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(Call {
                context,
                request,
                version,
                reply,
            })
            .await
            .map_err(|_| anyhow::anyhow!("the controller has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the controller stopped before answering"))
    }

    /// Runs `read` on the committed image (and the offset of its last record) inside the
    /// controller loop and returns its result.
    pub async fn query<T: Send + 'static>(
        &self,
        read: impl FnOnce(&MetadataImage, i64) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (reply, answer) = oneshot::channel();
        let query: Query = Box::new(move |image, offset| {
            let _ = reply.send(read(image, offset));
        });
        self.queries
            .send(query)
            .await
            .map_err(|_| anyhow::anyhow!("the controller has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the controller stopped before answering"))
    }

    /// The committed changes from now on, as they are replayed.
    pub fn changes(&self) -> broadcast::Receiver<MetadataChange> {
        self.changes.subscribe()
    }

    /// Whether this node is the active controller (a standby refuses forwarded requests at the
    /// Envelope level, so brokers look for the active one).
    pub fn is_active(&self) -> bool {
        *self.active.borrow()
    }

    /// What ApiVersions reports about features.
    pub fn features(&self) -> FeatureReport {
        self.features.borrow().clone()
    }

    /// The committed image's controller registrations and metadata.version, as they change
    /// (for this node's own registration and for DescribeCluster).
    pub fn registration_view(&self) -> watch::Receiver<RegistrationView> {
        self.registrations.clone()
    }

    /// The authorizer state for requests answered outside the controller loop (raft RPCs,
    /// Envelope, DescribeCluster): its settings, the committed ACLs, whether they are loaded.
    pub fn authorizer_view(&self) -> Arc<AuthorizerView> {
        self.authorizer.borrow().clone()
    }

    /// The committed SCRAM credentials and delegation tokens, for SASL listeners.
    pub fn credentials(&self) -> Arc<CredentialView> {
        self.credentials.borrow().clone()
    }
}

/// Where the controller is in its life.
#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Replays what commits; refuses requests.
    Standby,
    /// Raft elected this node in `epoch`; waiting for that epoch's first batch to commit.
    Claiming { epoch: i32 },
    /// The active controller of `epoch`.
    Active { epoch: i32 },
}

/// A response waiting for its records to commit.
struct Waiting {
    last_offset: i64,
    reply: oneshot::Sender<ResponseKind>,
    response: ResponseKind,
    /// The answer if leadership is lost first (NOT_CONTROLLER): the records may never commit.
    refusal: ResponseKind,
}

/// What the controller loop needs at start-up.
pub struct ControllerStart {
    /// The state machine, with any snapshot already loaded.
    pub controller: Controller,
    /// The metadata records of `bootstrap.checkpoint`, written on first activation.
    pub bootstrap: Vec<MetadataRecord>,
    /// The raft event loop.
    pub raft: RaftHandle,
    /// Committed batches and leader changes from raft.
    pub events: mpsc::UnboundedReceiver<RaftEvent>,
    /// The file system and partition directory (to load snapshots raft fetched, and to write
    /// snapshots of the image).
    pub storage: (Arc<dyn FileSystem>, PathBuf),
    /// When to snapshot (Kafka's `metadata.log.max.record.bytes.between.snapshots` and
    /// `metadata.log.max.snapshot.interval.ms`).
    pub snapshot_policy: SnapshotPolicy,
}

/// Starts the controller loop; it ends with an error only when the node must stop.
pub fn spawn(
    start: ControllerStart,
) -> (
    ControllerHandle,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let (inbox, calls) = mpsc::channel(1024);
    let (queries, query_inbox) = mpsc::channel(64);
    let (changes, _) = broadcast::channel(CHANGES_BACKLOG);
    let (features_tx, features) = watch::channel(start.controller.feature_report());
    let (active_tx, active) = watch::channel(false);
    let (registrations_tx, registrations) =
        watch::channel(RegistrationView::default().next(start.controller.committed(), None));
    let (authorizer_tx, authorizer) = watch::channel(Arc::new(AuthorizerView {
        settings: start.controller.settings().authorizer.clone(),
        acls: start.controller.committed().image().acls.clone(),
        loaded: false,
    }));
    let (credentials_tx, credentials) = watch::channel(Arc::new(CredentialView {
        scram: start
            .controller
            .committed()
            .image()
            .scram
            .credentials()
            .clone(),
        tokens: start
            .controller
            .committed()
            .image()
            .delegation_tokens
            .tokens()
            .clone(),
        token_secret: start
            .controller
            .settings()
            .delegation_tokens
            .secret_key
            .clone(),
    }));
    let event_loop = ControllerLoop {
        controller: start.controller,
        bootstrap: start.bootstrap,
        raft: start.raft,
        storage: start.storage,
        snapshot_policy: start.snapshot_policy,
        state: State::Standby,
        waiting: Vec::new(),
        last_appended_offset: -1,
        last_committed_offset: -1,
        noop: None,
        token_expiry: None,
        features: features_tx,
        active: active_tx,
        registrations: registrations_tx,
        authorizer: authorizer_tx,
        credentials: credentials_tx,
        last_snapshot_end: -1,
        changes: changes.clone(),
    };
    let task = tokio::spawn(event_loop.run(start.events, calls, query_inbox));
    (
        ControllerHandle {
            inbox,
            queries,
            changes,
            features,
            active,
            registrations,
            authorizer,
            credentials,
        },
        task,
    )
}

struct ControllerLoop {
    controller: Controller,
    bootstrap: Vec<MetadataRecord>,
    raft: RaftHandle,
    storage: (Arc<dyn FileSystem>, PathBuf),
    snapshot_policy: SnapshotPolicy,
    state: State,
    waiting: Vec<Waiting>,
    /// The last offset this node appended as the active controller (-1 when standby).
    last_appended_offset: i64,
    /// The last offset replayed from a committed batch or snapshot.
    last_committed_offset: i64,
    noop: Option<NoOpTimer>,
    token_expiry: Option<TokenExpiryTimer>,
    features: watch::Sender<FeatureReport>,
    active: watch::Sender<bool>,
    registrations: watch::Sender<RegistrationView>,
    authorizer: watch::Sender<Arc<AuthorizerView>>,
    credentials: watch::Sender<Arc<CredentialView>>,
    last_snapshot_end: i64,
    changes: broadcast::Sender<MetadataChange>,
}

impl ControllerLoop {
    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<RaftEvent>,
        mut calls: mpsc::Receiver<Call>,
        mut queries: mpsc::Receiver<Query>,
    ) -> anyhow::Result<()> {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                event = events.recv() => match event {
                    Some(event) => self.on_raft_event(event).await?,
                    None => return Ok(()),
                },
                call = calls.recv() => match call {
                    Some(call) => self.on_call(call).await?,
                    None => return Ok(()),
                },
                Some(query) = queries.recv() => {
                    query(self.controller.committed().image(), self.last_committed_offset);
                }
                _ = tick.tick() => self.on_tick().await?,
            }
        }
    }

    async fn on_raft_event(&mut self, event: RaftEvent) -> anyhow::Result<()> {
        match event {
            RaftEvent::Committed {
                batch,
                last_offset,
                epoch,
                ..
            } => {
                self.replay_batch(&batch)?;
                self.last_committed_offset = last_offset;
                let _ = self.changes.send(MetadataChange::Batch {
                    last_offset,
                    epoch,
                    batch: batch.clone(),
                });
                self.snapshot_policy.on_commit(batch.len() as i64, now_ms());
                self.complete_waiting(last_offset);
                if self.state == (State::Claiming { epoch }) {
                    self.activate(epoch).await?;
                }
                self.maybe_snapshot(epoch).await?;
                self.publish_features();
                self.publish_registrations();
                self.publish_authorizer(last_offset);
                self.publish_credentials();
            }
            RaftEvent::SnapshotLoaded { end_offset, epoch } => {
                self.load_snapshot(end_offset, epoch)?;
                self.last_committed_offset = end_offset - 1;
                let _ = self
                    .changes
                    .send(MetadataChange::Snapshot { end_offset, epoch });
                self.publish_registrations();
                self.publish_authorizer(end_offset - 1);
                self.publish_credentials();
            }
            RaftEvent::LeaderChange {
                epoch, is_leader, ..
            } => {
                if matches!(self.state, State::Active { .. } | State::Claiming { .. }) {
                    self.renounce();
                }
                if is_leader {
                    self.state = State::Claiming { epoch };
                }
            }
        }
        Ok(())
    }

    /// Publishes the committed ACLs when they changed, and marks them loaded once the
    /// committed image has reached the high watermark (Kafka completes its authorizer's
    /// initial load when the metadata loader first catches up).
    fn publish_authorizer(&mut self, last_offset: i64) {
        let high_watermark = self.raft.status().high_watermark;
        let caught_up = high_watermark.is_some_and(|hw| last_offset + 1 >= hw);
        let acls = &self.controller.committed().image().acls;
        self.authorizer.send_if_modified(|view| {
            let loaded = view.loaded || caught_up;
            if view.loaded == loaded && view.acls.shares(acls) {
                return false;
            }
            *view = Arc::new(AuthorizerView {
                settings: view.settings.clone(),
                acls: acls.clone(),
                loaded,
            });
            true
        });
    }

    fn publish_credentials(&mut self) {
        let image = self.controller.committed().image();
        let (scram, tokens) = (image.scram.credentials(), image.delegation_tokens.tokens());
        self.credentials.send_if_modified(|view| {
            if Arc::ptr_eq(&view.scram, scram) && Arc::ptr_eq(&view.tokens, tokens) {
                return false;
            }
            *view = Arc::new(CredentialView {
                scram: scram.clone(),
                tokens: tokens.clone(),
                token_secret: view.token_secret.clone(),
            });
            true
        });
    }

    fn replay_batch(&mut self, batch: &Bytes) -> anyhow::Result<()> {
        let view = BatchView::parse(batch)?;
        for record in records_of(&view) {
            let (offset, record) = record?;
            self.controller.replay_log_record(&record, offset)?;
        }
        Ok(())
    }

    /// Sends the responses whose records are now committed.
    fn complete_waiting(&mut self, committed_offset: i64) {
        let (done, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|w| w.last_offset <= committed_offset);
        self.waiting = rest;
        for waiting in done {
            let _ = waiting.reply.send(waiting.response);
        }
    }

    async fn activate(&mut self, epoch: i32) -> anyhow::Result<()> {
        let now = now_ms();
        self.controller.activate(now);
        self.state = State::Active { epoch };
        let _ = self.active.send(true);
        super::admin::metrics::new_active_controller();
        self.noop = Some(NoOpTimer::new(
            self.controller.settings().metadata_max_idle_interval_ms,
            now,
        ));
        let tokens = &self.controller.settings().delegation_tokens;
        self.token_expiry = Some(TokenExpiryTimer::new(tokens.expiry_check_interval_ms, now));
        tracing::info!(epoch, "became the active controller");
        let activation = self
            .controller
            .activation_records(&self.bootstrap)
            .map_err(|e| anyhow::anyhow!("cannot activate: {e}"))?;
        self.append(&activation.records, |_, _| {}).await?;
        Ok(())
    }

    fn renounce(&mut self) {
        tracing::info!("no longer the active controller");
        self.controller.renounce();
        self.state = State::Standby;
        let _ = self.active.send(false);
        self.noop = None;
        self.token_expiry = None;
        self.last_appended_offset = -1;
        // Kafka fails what was not committed with NOT_CONTROLLER: the records may yet commit
        // or be truncated, and the client retries against the new active controller.
        for waiting in std::mem::take(&mut self.waiting) {
            let _ = waiting.reply.send(waiting.refusal);
        }
    }

    async fn on_call(&mut self, call: Call) -> anyhow::Result<()> {
        // DescribeConfigs (this node's own configs) and DescribeAcls (its authorizer's ACLs)
        // are answered by every controller from what it has replayed, as Kafka's
        // `ControllerApis` answers them.
        let local = matches!(
            call.request,
            RequestKind::DescribeConfigs(_) | RequestKind::DescribeAcls(_)
        );
        if !local && !matches!(self.state, State::Active { .. }) {
            let answer =
                super::authorization::standby_answer(&self.controller, &call.context, call.request);
            let _ = call.reply.send(answer);
            return Ok(());
        }
        let next_offset = self.raft.status().log_end_offset;
        let computed = super::authorization::compute(
            &mut self.controller,
            &call.context,
            call.request,
            call.version,
            next_offset,
            now_ms(),
        );
        let Computed {
            result,
            after_append,
            refusal,
        } = computed;
        if result.records.is_empty() {
            self.answer_after_pending(call.reply, result.response, refusal);
            return Ok(());
        }
        let after = |controller: &mut Controller, end_offset| {
            if let Some(after) = after_append {
                after(controller, end_offset);
            }
        };
        match self.append(&result.records, after).await? {
            Some(last_offset) => self.waiting.push(Waiting {
                last_offset,
                reply: call.reply,
                response: result.response,
                refusal,
            }),
            None => {
                let _ = call.reply.send(refusal);
            }
        }
        Ok(())
    }

    /// Answers a request that wrote nothing. On the active controller it was computed from the
    /// working image, which may hold records not committed yet (and lost if this node dies), so
    /// the answer waits until the last of them commits, as Kafka's `QuorumController` holds a
    /// read-only result until its highest pending offset commits.
    fn answer_after_pending(
        &mut self,
        reply: oneshot::Sender<ResponseKind>,
        response: ResponseKind,
        refusal: ResponseKind,
    ) {
        let pending = self.last_appended_offset;
        if matches!(self.state, State::Active { .. }) && pending > self.last_committed_offset {
            self.waiting.push(Waiting {
                last_offset: pending,
                reply,
                response,
                refusal,
            });
        } else {
            let _ = reply.send(response);
        }
    }

    /// Appends records as one batch (so an atomic result stays whole), adds them to the
    /// working image and runs `after` with the batch's end offset; returns the last offset.
    /// `None` when there was nothing to append, or raft refused (no longer leader: the
    /// controller renounces).
    async fn append(
        &mut self,
        records: &[(MetadataRecord, i16)],
        after: impl FnOnce(&mut Controller, i64),
    ) -> anyhow::Result<Option<i64>> {
        if records.is_empty() {
            return Ok(None);
        }
        let frames = records
            .iter()
            .map(|(record, version)| encode_frame(record, *version))
            .collect::<Result<Vec<_>, _>>()?;
        let State::Active { epoch } = self.state else {
            return Ok(None);
        };
        match self.raft.append(epoch, frames).await? {
            Ok(appended) => {
                self.last_appended_offset = appended.last_offset;
                self.controller
                    .apply_appended(records, appended.first_offset)?;
                after(&mut self.controller, appended.last_offset + 1);
                Ok(Some(appended.last_offset))
            }
            Err(crate::raft::engine::AppendError::Fatal(error)) => Err(error.into()),
            Err(error) => {
                tracing::info!(%error, "append refused; renouncing");
                self.renounce();
                Ok(None)
            }
        }
    }

    async fn on_tick(&mut self) -> anyhow::Result<()> {
        if !matches!(self.state, State::Active { .. }) {
            return Ok(());
        }
        let now = now_ms();
        while let Some(fence) = self.controller.fence_stale_broker(now) {
            super::admin::metrics::broker_heartbeat_timed_out();
            if self.append(&fence.records, |_, _| {}).await?.is_none() {
                return Ok(());
            }
        }
        let controller = &self.controller;
        let expired = self
            .token_expiry
            .as_mut()
            .and_then(|t| t.poll(controller, now));
        if let Some(expired) = expired {
            if self.append(&expired.records, |_, _| {}).await?.is_none() {
                return Ok(());
            }
        }
        if let Some(noop) = self.noop.as_mut().and_then(|timer| timer.poll(now)) {
            self.append(&noop.records, |_, _| {}).await?;
        }
        Ok(())
    }

    fn load_snapshot(&mut self, end_offset: i64, epoch: i32) -> anyhow::Result<()> {
        let (fs, dir) = &self.storage;
        let id = yakt_log::snapshot::SnapshotId { end_offset, epoch };
        let snapshot = yakt_log::snapshot::read_snapshot(&**fs, dir, id)?;
        let records = snapshot
            .records
            .iter()
            .map(|value| yakt_wire::decode_frame(value).map(|(record, _)| record))
            .collect::<Result<Vec<_>, _>>()?;
        self.controller
            .load_snapshot(records.iter(), end_offset - 1)?;
        tracing::info!(
            end_offset,
            epoch,
            "loaded a snapshot fetched from the leader"
        );
        Ok(())
    }

    /// Writes a snapshot of the committed image when the policy says it is due.
    async fn maybe_snapshot(&mut self, epoch: i32) -> anyhow::Result<()> {
        let now = now_ms();
        if !self.snapshot_policy.due(now) {
            return Ok(());
        }
        let Some(content) = snapshot_of(self.controller.committed())? else {
            return Ok(());
        };
        if content.end_offset <= self.last_snapshot_end {
            return Ok(());
        }
        let (fs, dir) = &self.storage;
        let id = yakt_log::snapshot::SnapshotId {
            end_offset: content.end_offset,
            epoch,
        };
        // At kraft.version 1 the snapshot carries the voter set in force at its end, as Kafka's do.
        let controls: Vec<yakt_log::control::ControlRecord> = self
            .raft
            .snapshot_control_records(content.end_offset - 1)
            .await?
            .into_iter()
            .map(|(record_type, value)| yakt_log::control::ControlRecord { record_type, value })
            .collect();
        let mut writer = yakt_log::snapshot::SnapshotWriter::create(
            Arc::clone(fs),
            dir,
            id,
            now,
            now,
            &controls,
        )?;
        writer.append_records(&content.frames)?;
        writer.freeze()?;
        self.snapshot_policy.taken();
        self.last_snapshot_end = content.end_offset;
        self.raft
            .snapshot_created(crate::raft::OffsetAndEpoch::new(content.end_offset, epoch))
            .await?;
        tracing::info!(end_offset = content.end_offset, epoch, "wrote a snapshot");
        Ok(())
    }

    fn publish_registrations(&self) {
        let high_watermark = self.raft.status().high_watermark;
        controller_registration::publish(
            &self.registrations,
            self.controller.committed(),
            high_watermark,
        );
    }

    fn publish_features(&mut self) {
        let report = self.controller.feature_report();
        self.features.send_if_modified(|current| {
            let changed = *current != report;
            *current = report;
            changed
        });
    }
}
