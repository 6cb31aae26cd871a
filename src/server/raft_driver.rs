//! The event loop that owns a node's raft engine: it feeds the engine requests, responses,
//! flush completions and clock ticks, and carries out what the engine asks (send to a peer,
//! answer a request, fsync the log, publish the high watermark).
//!
//! One task owns the engine, as Kafka's `KafkaRaftClient` runs on one thread; connections
//! talk to it through a [`RaftHandle`]. Time is the wall clock in milliseconds (DescribeQuorum
//! reports it), read once per event. A fatal engine error ends the loop and is returned by
//! [`RaftDriver::join`], and the node must stop.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{RequestKind, ResponseKind};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::client::{Peer, PeerOptions};
use crate::clock::now_ms_unsigned as now_ms;
use crate::raft::engine::{AppendError, Appended};
use crate::raft::{
    Endpoint, Event, NodeId, Output, QuorumStateStore, RaftEngine, RaftError, RaftLog, RaftRequest,
    RaftResponse, RequestId, RoleKind,
};

/// The most bytes read from the log per step when handing committed batches up.
const DELIVERY_BYTES: usize = 8 * 1024 * 1024;

/// The most queued messages handled before the outputs are carried out (one flush for all).
const MAX_MESSAGES_PER_STEP: usize = 256;

/// Requests the event loop may have queued before callers wait.
const INBOX_CAPACITY: usize = 1024;

/// What the rest of the node sees of the quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftStatus {
    /// This node's role.
    pub role: RoleKind,
    /// The current epoch.
    pub epoch: i32,
    /// The leader of the epoch, if known.
    pub leader_id: Option<NodeId>,
    /// The high watermark, once known.
    pub high_watermark: Option<i64>,
    /// One past the last record in the local log.
    pub log_end_offset: i64,
}

/// What the state machine above raft learns, in log order (Kafka's `RaftClient.Listener`).
#[derive(Debug, Clone)]
pub enum RaftEvent {
    /// A whole committed batch (below the high watermark), data or control.
    Committed {
        /// The batch bytes.
        batch: Bytes,
        /// Its base offset.
        base_offset: i64,
        /// Its last offset.
        last_offset: i64,
        /// The leader epoch it was written in.
        epoch: i32,
    },
    /// The log now starts at a snapshot fetched from the leader: the state machine must load
    /// it (its end offset and epoch).
    SnapshotLoaded {
        /// One past the last offset it contains.
        end_offset: i64,
        /// The epoch of that offset.
        epoch: i32,
    },
    /// The leadership changed.
    LeaderChange {
        /// The epoch.
        epoch: i32,
        /// The leader, if known.
        leader_id: Option<NodeId>,
        /// Whether this node is the leader.
        is_leader: bool,
    },
}

/// The event loop stopped: the node is shutting down or failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the raft event loop has stopped")]
pub struct DriverStopped;

enum Message {
    Request {
        api_version: i16,
        request: RaftRequest,
        reply: oneshot::Sender<RaftResponse>,
    },
    Response {
        source: NodeId,
        correlation_id: u64,
        response: RaftResponse,
    },
    SendFailed {
        destination: NodeId,
        correlation_id: u64,
    },
    Append {
        /// The epoch the caller leads (refused if no longer the current one).
        epoch: i32,
        records: Vec<Bytes>,
        reply: oneshot::Sender<Result<Appended, AppendError>>,
    },
    Shutdown {
        done: oneshot::Sender<()>,
    },
    SnapshotCreated {
        id: crate::raft::OffsetAndEpoch,
    },
    PeerResolved {
        id: NodeId,
        endpoint: Endpoint,
        peer: Peer,
    },
    SnapshotControls {
        offset: i64,
        reply: oneshot::Sender<Vec<(i16, Bytes)>>,
    },
}

/// A handle to a node's raft event loop. Cheap to clone.
#[derive(Clone)]
pub struct RaftHandle {
    inbox: mpsc::Sender<Message>,
    status: watch::Receiver<RaftStatus>,
}

impl std::fmt::Debug for RaftHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftHandle")
            .field("status", &*self.status.borrow())
            .finish()
    }
}

impl RaftHandle {
    /// Hands a raft request (from a connection) to the engine and waits for its answer.
    pub async fn request(
        &self,
        api_version: i16,
        request: RaftRequest,
    ) -> Result<RaftResponse, DriverStopped> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(Message::Request {
                api_version,
                request,
                reply,
            })
            .await
            .map_err(|_| DriverStopped)?;
        answer.await.map_err(|_| DriverStopped)
    }

    /// Appends records as one batch if this node is the leader of `epoch`.
    pub async fn append(
        &self,
        epoch: i32,
        records: Vec<Bytes>,
    ) -> Result<Result<Appended, AppendError>, DriverStopped> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(Message::Append {
                epoch,
                records,
                reply,
            })
            .await
            .map_err(|_| DriverStopped)?;
        answer.await.map_err(|_| DriverStopped)
    }

    /// Tells the log that the state machine froze snapshot `id` beside it.
    pub async fn snapshot_created(
        &self,
        id: crate::raft::OffsetAndEpoch,
    ) -> Result<(), DriverStopped> {
        self.inbox
            .send(Message::SnapshotCreated { id })
            .await
            .map_err(|_| DriverStopped)
    }

    /// The control records a snapshot of the log up to `offset` (its last offset) carries: at
    /// kraft.version 1 the KRaftVersionRecord and the voter set in force there, as
    /// (control record type, value).
    pub async fn snapshot_control_records(
        &self,
        offset: i64,
    ) -> Result<Vec<(i16, Bytes)>, DriverStopped> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(Message::SnapshotControls { offset, reply })
            .await
            .map_err(|_| DriverStopped)?;
        answer.await.map_err(|_| DriverStopped)
    }

    /// The latest status.
    pub fn status(&self) -> RaftStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change.
    pub fn watch(&self) -> watch::Receiver<RaftStatus> {
        self.status.clone()
    }
}

/// The running event loop.
#[derive(Debug)]
pub struct RaftDriver {
    handle: RaftHandle,
    task: JoinHandle<Result<(), RaftError>>,
}

impl RaftDriver {
    /// Starts the event loop for `engine`. It reaches each node at the endpoint the engine
    /// knows for it (voters, bootstrap servers, a leader learned from a response), connecting
    /// with `peer_options` on first use and again when the endpoint changes.
    pub fn spawn<L, S>(
        engine: RaftEngine<L, S>,
        peer_options: PeerOptions,
        request_timeout: Duration,
        listener: Option<(i64, mpsc::UnboundedSender<RaftEvent>)>,
    ) -> RaftDriver
    where
        L: RaftLog + Send + 'static,
        S: QuorumStateStore + Send + 'static,
    {
        let (inbox, messages) = mpsc::channel(INBOX_CAPACITY);
        let (status_tx, status) = watch::channel(status_of(&engine));
        let event_loop = EventLoop {
            engine,
            peers: BTreeMap::new(),
            peer_options,
            request_timeout,
            inbox: inbox.downgrade(),
            pending: HashMap::new(),
            next_request_id: 0,
            status: status_tx,
            listener,
        };
        let task = tokio::spawn(event_loop.run(messages));
        RaftDriver {
            handle: RaftHandle { inbox, status },
            task,
        }
    }

    /// A handle for connections and the controller.
    pub fn handle(&self) -> RaftHandle {
        self.handle.clone()
    }

    /// Gracefully stops: a leader resigns and tells the voters (EndQuorumEpoch), waiting at most
    /// `grace` for their acknowledgement; then the loop ends.
    pub async fn shutdown(self, grace: Duration) -> Result<(), RaftError> {
        let (done, stopped) = oneshot::channel();
        if self
            .handle
            .inbox
            .send(Message::Shutdown { done })
            .await
            .is_ok()
        {
            let _ = tokio::time::timeout(grace, stopped).await;
        }
        drop(self.handle);
        self.task.abort();
        match self.task.await {
            Ok(result) => result,
            Err(_) => Ok(()),
        }
    }

    /// Waits for the loop to end on its own: only a fatal error ends it.
    pub async fn join(&mut self) -> Result<(), RaftError> {
        match (&mut self.task).await {
            Ok(result) => result,
            Err(error) => Err(RaftError::Invariant(format!(
                "raft event loop panicked: {error}"
            ))),
        }
    }
}

fn status_of<L: RaftLog, S: QuorumStateStore>(engine: &RaftEngine<L, S>) -> RaftStatus {
    RaftStatus {
        role: engine.role().kind(),
        epoch: engine.epoch(),
        leader_id: engine.leader_id(),
        high_watermark: engine.high_watermark(),
        log_end_offset: engine.log().log_end_offset(),
    }
}

struct EventLoop<L: RaftLog, S: QuorumStateStore> {
    engine: RaftEngine<L, S>,
    peers: BTreeMap<NodeId, (Endpoint, Peer)>,
    peer_options: PeerOptions,
    request_timeout: Duration,
    /// For the tasks that carry requests to peers to report back; weak so that the loop ends
    /// when every handle is gone.
    inbox: mpsc::WeakSender<Message>,
    pending: HashMap<RequestId, oneshot::Sender<RaftResponse>>,
    next_request_id: u64,
    status: watch::Sender<RaftStatus>,
    /// Where committed batches go, and the next offset to deliver there.
    listener: Option<(i64, mpsc::UnboundedSender<RaftEvent>)>,
}

impl<L: RaftLog, S: QuorumStateStore> EventLoop<L, S> {
    async fn run(mut self, mut messages: mpsc::Receiver<Message>) -> Result<(), RaftError> {
        let mut shutdown: Option<oneshot::Sender<()>> = None;
        self.carry_out()?;
        loop {
            let deadline = self.engine.next_deadline_ms();
            let sleep = Duration::from_millis(deadline.saturating_sub(now_ms()).min(60_000));
            tokio::select! {
                message = messages.recv() => match message {
                    None => return Ok(()),
                    Some(Message::Shutdown { done }) => {
                        self.engine.begin_shutdown(now_ms())?;
                        shutdown = Some(done);
                    }
                    Some(message) => {
                        self.handle(message)?;
                        // Take what else is already queued before carrying out the outputs,
                        // so appends that arrived together share one flush (group commit).
                        for _ in 1..MAX_MESSAGES_PER_STEP {
                            match messages.try_recv() {
                                Ok(Message::Shutdown { done }) => {
                                    self.engine.begin_shutdown(now_ms())?;
                                    shutdown = Some(done);
                                    break;
                                }
                                Ok(message) => self.handle(message)?,
                                Err(_) => break,
                            }
                        }
                    }
                },
                _ = tokio::time::sleep(sleep) => self.engine.step(now_ms(), Event::Tick)?,
            }
            self.carry_out()?;
            if shutdown.is_some() && self.engine.is_shutdown_ready() {
                let _ = shutdown.take().expect("checked").send(());
                return Ok(());
            }
        }
    }

    fn handle(&mut self, message: Message) -> Result<(), RaftError> {
        let now = now_ms();
        match message {
            Message::Request {
                api_version,
                request,
                reply,
            } => {
                self.next_request_id += 1;
                let request_id = RequestId(self.next_request_id);
                self.pending.insert(request_id, reply);
                self.engine.step(
                    now,
                    Event::Request {
                        request_id,
                        api_version,
                        request,
                    },
                )
            }
            Message::Response {
                source,
                correlation_id,
                response,
            } => self.engine.step(
                now,
                Event::Response {
                    source,
                    correlation_id,
                    response,
                },
            ),
            Message::SendFailed {
                destination,
                correlation_id,
            } => self.engine.step(
                now,
                Event::SendFailed {
                    destination,
                    correlation_id,
                },
            ),
            Message::Append {
                epoch,
                records,
                reply,
            } => {
                let result = self.engine.append(now, epoch, &records);
                if let Err(AppendError::Fatal(error)) = &result {
                    let error = error.clone();
                    let _ = reply.send(result);
                    return Err(error);
                }
                // The appender reads the log end offset next: publish it first.
                self.publish_status();
                let _ = reply.send(result);
                Ok(())
            }
            Message::SnapshotCreated { id } => {
                let log = self.engine.log_mut();
                log.snapshot_created(id);
                log.clean(now as i64).map_err(RaftError::from)
            }
            Message::SnapshotControls { offset, reply } => {
                let _ = reply.send(self.engine.snapshot_control_records(offset));
                Ok(())
            }
            Message::PeerResolved { id, endpoint, peer } => {
                self.peers.insert(id, (endpoint, peer));
                Ok(())
            }
            Message::Shutdown { .. } => unreachable!("handled by the loop"),
        }
    }

    /// Carries out the engine's outputs until it has none left (a flush feeds it an event).
    fn carry_out(&mut self) -> Result<(), RaftError> {
        loop {
            let outputs = self.engine.take_outputs();
            if outputs.is_empty() {
                break;
            }
            for output in outputs {
                match output {
                    Output::Send {
                        destination,
                        correlation_id,
                        request,
                    } => self.send(destination, correlation_id, request),
                    Output::Respond {
                        request_id,
                        response,
                    } => {
                        if let Some(reply) = self.pending.remove(&request_id) {
                            let _ = reply.send(response);
                        }
                    }
                    Output::FlushLog => {
                        self.engine.log_mut().flush().map_err(RaftError::from)?;
                        self.engine.step(now_ms(), Event::FlushCompleted)?;
                    }
                    Output::HighWatermark { offset } => self.deliver_committed(offset)?,
                    Output::RoleChanged {
                        role,
                        epoch,
                        leader_id,
                    } => {
                        tracing::info!(?role, epoch, ?leader_id, "raft role changed");
                        if let Some((_, listener)) = &self.listener {
                            let _ = listener.send(RaftEvent::LeaderChange {
                                epoch,
                                leader_id,
                                is_leader: role == RoleKind::Leader,
                            });
                        }
                    }
                }
            }
        }
        self.publish_status();
        Ok(())
    }

    fn publish_status(&self) {
        let status = status_of(&self.engine);
        self.status.send_if_modified(|current| {
            let changed = *current != status;
            *current = status;
            changed
        });
    }

    /// Hands every whole batch below `high_watermark` not yet delivered to the listener.
    fn deliver_committed(&mut self, high_watermark: i64) -> Result<(), RaftError> {
        let Some((next, listener)) = &mut self.listener else {
            return Ok(());
        };
        let log = self.engine.log();
        if *next < log.log_start_offset() {
            // The log restarted at a snapshot fetched from the leader.
            if let Some(snapshot) = log.latest_snapshot_id() {
                let _ = listener.send(RaftEvent::SnapshotLoaded {
                    end_offset: snapshot.offset,
                    epoch: snapshot.epoch,
                });
                *next = snapshot.offset;
            }
        }
        while *next < high_watermark {
            let bytes = log.read(*next, DELIVERY_BYTES).map_err(RaftError::from)?;
            let mut rest = bytes.clone();
            let mut delivered_any = false;
            while rest.len() >= yakt_wire::batch::BATCH_HEADER_LEN {
                let header = yakt_wire::BatchHeader::parse(&rest)
                    .map_err(|e| RaftError::Invariant(format!("committed batch at {next}: {e}")))?;
                let size = header.size_in_bytes();
                if size > rest.len() || header.last_offset() >= high_watermark {
                    break;
                }
                let batch = rest.split_to(size);
                if header.last_offset() >= *next {
                    let _ = listener.send(RaftEvent::Committed {
                        batch,
                        base_offset: header.base_offset,
                        last_offset: header.last_offset(),
                        epoch: header.partition_leader_epoch,
                    });
                }
                *next = header.next_offset();
                delivered_any = true;
            }
            if !delivered_any {
                break;
            }
        }
        Ok(())
    }

    fn send(&self, destination: NodeId, correlation_id: u64, request: RaftRequest) {
        let inbox = self.inbox.clone();
        let endpoint = self.engine.node_endpoint(destination);
        let cached = match (&endpoint, self.peers.get(&destination)) {
            (Some(endpoint), Some((known, peer))) if known == endpoint => Some(peer.clone()),
            _ => None,
        };
        let options = self.peer_options.clone();
        let timeout = self.request_timeout;
        tokio::spawn(async move {
            let failed = Message::SendFailed {
                destination,
                correlation_id,
            };
            let peer = match (cached, endpoint) {
                (Some(peer), _) => Some(peer),
                (None, Some(endpoint)) => connect(destination, endpoint, options, &inbox).await,
                (None, None) => {
                    tracing::warn!(destination, "no address for node");
                    None
                }
            };
            let report = match peer {
                None => failed,
                Some(peer) => call(peer, destination, correlation_id, request, timeout).await,
            };
            if let Some(inbox) = inbox.upgrade() {
                let _ = inbox.send(report).await;
            }
        });
    }
}

/// A peer for `endpoint` (resolved now), also handed to the event loop to reuse.
async fn connect(
    id: NodeId,
    endpoint: Endpoint,
    options: PeerOptions,
    inbox: &mpsc::WeakSender<Message>,
) -> Option<Peer> {
    let addr = match tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port)).await {
        Ok(mut addrs) => addrs.next(),
        Err(error) => {
            tracing::debug!(id, %error, host = %endpoint.host, "cannot resolve node");
            None
        }
    }?;
    let server_name = Some(endpoint.host.clone());
    let peer = Peer::new(
        addr,
        PeerOptions {
            server_name,
            ..options
        },
    );
    if let Some(inbox) = inbox.upgrade() {
        let resolved = Message::PeerResolved {
            id,
            endpoint,
            peer: peer.clone(),
        };
        let _ = inbox.send(resolved).await;
    }
    Some(peer)
}

/// Sends `request` to `peer` and turns the outcome into the message for the event loop.
async fn call(
    peer: Peer,
    destination: NodeId,
    correlation_id: u64,
    request: RaftRequest,
    timeout: Duration,
) -> Message {
    let versions = super::api::raft_versions(request.api_key());
    let failed = Message::SendFailed {
        destination,
        correlation_id,
    };
    match peer
        .call(into_request_kind(request), versions, timeout)
        .await
    {
        Ok((_, response)) => match from_response_kind(response) {
            Some(response) => Message::Response {
                source: destination,
                correlation_id,
                response,
            },
            None => failed,
        },
        Err(error) => {
            tracing::debug!(destination, %error, "raft request failed");
            failed
        }
    }
}

/// A raft request as kafka-protocol's request enum.
pub fn into_request_kind(request: RaftRequest) -> RequestKind {
    match request {
        RaftRequest::Vote(r) => RequestKind::Vote(r),
        RaftRequest::BeginQuorumEpoch(r) => RequestKind::BeginQuorumEpoch(r),
        RaftRequest::EndQuorumEpoch(r) => RequestKind::EndQuorumEpoch(r),
        RaftRequest::Fetch(r) => RequestKind::Fetch(r),
        RaftRequest::FetchSnapshot(r) => RequestKind::FetchSnapshot(r),
        RaftRequest::DescribeQuorum(r) => RequestKind::DescribeQuorum(r),
        RaftRequest::AddRaftVoter(r) => RequestKind::AddRaftVoter(r),
        RaftRequest::RemoveRaftVoter(r) => RequestKind::RemoveRaftVoter(r),
        RaftRequest::UpdateRaftVoter(r) => RequestKind::UpdateRaftVoter(r),
    }
}

/// A raft request from kafka-protocol's request enum; `None` for any other API.
pub fn from_request_kind(request: RequestKind) -> Option<RaftRequest> {
    Some(match request {
        RequestKind::Vote(r) => RaftRequest::Vote(r),
        RequestKind::BeginQuorumEpoch(r) => RaftRequest::BeginQuorumEpoch(r),
        RequestKind::EndQuorumEpoch(r) => RaftRequest::EndQuorumEpoch(r),
        RequestKind::Fetch(r) => RaftRequest::Fetch(r),
        RequestKind::FetchSnapshot(r) => RaftRequest::FetchSnapshot(r),
        RequestKind::DescribeQuorum(r) => RaftRequest::DescribeQuorum(r),
        RequestKind::AddRaftVoter(r) => RaftRequest::AddRaftVoter(r),
        RequestKind::RemoveRaftVoter(r) => RaftRequest::RemoveRaftVoter(r),
        RequestKind::UpdateRaftVoter(r) => RaftRequest::UpdateRaftVoter(r),
        _ => return None,
    })
}

fn from_response_kind(response: ResponseKind) -> Option<RaftResponse> {
    Some(match response {
        ResponseKind::Vote(r) => RaftResponse::Vote(r),
        ResponseKind::BeginQuorumEpoch(r) => RaftResponse::BeginQuorumEpoch(r),
        ResponseKind::EndQuorumEpoch(r) => RaftResponse::EndQuorumEpoch(r),
        ResponseKind::Fetch(r) => RaftResponse::Fetch(r),
        ResponseKind::FetchSnapshot(r) => RaftResponse::FetchSnapshot(r),
        ResponseKind::DescribeQuorum(r) => RaftResponse::DescribeQuorum(r),
        ResponseKind::AddRaftVoter(r) => RaftResponse::AddRaftVoter(r),
        ResponseKind::RemoveRaftVoter(r) => RaftResponse::RemoveRaftVoter(r),
        ResponseKind::UpdateRaftVoter(r) => RaftResponse::UpdateRaftVoter(r),
        _ => return None,
    })
}
