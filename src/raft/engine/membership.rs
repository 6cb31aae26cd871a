//! Dynamic quorum membership (KIP-853): the voter set a node acts on, kept as a history of the
//! VotersRecords in its log and snapshots (appended records count at once, truncation drops
//! them), and the leader's AddRaftVoter, RemoveRaftVoter and UpdateRaftVoter handlers (Kafka's
//! `AddVoterHandler`, `RemoveVoterHandler`, `UpdateVoterHandler`).
//!
//! The leader accepts one change at a time: only at kraft.version 1, only once a record of its
//! own epoch has committed and the latest VotersRecord is committed, and it answers AddRaftVoter
//! and RemoveRaftVoter when the new VotersRecord commits (or REQUEST_TIMED_OUT at the
//! deadline). A leader that removed itself resigns once the removal commits.
//!
//! Kafka's leader also sends ApiVersions to a voter being added and checks that it supports
//! the finalized kraft.version. This engine skips that round trip: the new voter's supported
//! range is recorded as this implementation's own (0 to 1), and a voter whose record is wrong
//! corrects it with UpdateRaftVoter once it follows the leader.

use kafka_protocol::messages::{
    update_raft_voter_request, update_raft_voter_response, AddRaftVoterRequest,
    AddRaftVoterResponse, KRaftVersionRecord, RemoveRaftVoterRequest, RemoveRaftVoterResponse,
    UpdateRaftVoterRequest, UpdateRaftVoterResponse,
};
use kafka_protocol::protocol::StrBytes;
use yakt_wire::Uuid;

use crate::raft::config::RaftConfig;
use crate::raft::control::{self, voters_batch, KRAFT_VERSION_TYPE, VOTERS_TYPE};
use crate::raft::log::{RaftLog, BOOTSTRAP_SNAPSHOT_ID};
use crate::raft::messages::{cluster_id_matches, str_bytes, RaftRequest, RaftResponse};
use crate::raft::roles::{PendingVoterChange, ReplicaProgress, Role, VoterChangeKind};
use crate::raft::store::QuorumStateStore;
use crate::raft::types::{error_code, Endpoint, NodeId, OffsetAndEpoch, RequestId};
use crate::raft::voters::{scan, Voter, VoterSet, VoterSetHistory, SUPPORTED_KRAFT_VERSIONS};

use super::{Output, RaftEngine, Result};

/// Bytes of the log read per step while rebuilding the voter-set history at start-up.
const SCAN_BYTES: usize = 8 * 1024 * 1024;
/// Kafka's rule for "caught up" when adding a voter: it fetched within the last hour and was
/// caught up at some point (`LeaderState.isReplicaCaughtUp`).
const CAUGHT_UP_WINDOW_MS: u64 = 60 * 60 * 1000;

/// The history a node starts from: its configured voters as the bootstrap set.
pub(super) fn bootstrap_history(config: &RaftConfig) -> VoterSetHistory {
    let mut directory_ids = config.voter_directory_ids.clone();
    if config.voters.contains_key(&config.node_id) {
        directory_ids.insert(config.node_id, config.directory_id);
    }
    let set = VoterSet::from_endpoints(&config.voters, &directory_ids, &config.listener_name);
    VoterSetHistory::new(set, config.kraft_version)
}

/// What a voter change request asks for, checked.
enum Change {
    Add(NodeId, Voter),
    Remove(NodeId, Uuid),
}

fn add_response(error: i16, message: Option<String>) -> AddRaftVoterResponse {
    AddRaftVoterResponse::default()
        .with_error_code(error)
        .with_error_message(message.map(|m| str_bytes(&m)))
}

fn remove_response(error: i16, message: Option<String>) -> RemoveRaftVoterResponse {
    RemoveRaftVoterResponse::default()
        .with_error_code(error)
        .with_error_message(message.map(|m| str_bytes(&m)))
}

/// A request's listeners as `(name, endpoint)` pairs (AddRaftVoter's and UpdateRaftVoter's
/// listener types hold the same three fields).
fn endpoints<'a>(
    listeners: impl Iterator<Item = (&'a StrBytes, &'a StrBytes, u16)>,
) -> Vec<(String, Endpoint)> {
    listeners
        .map(|(name, host, port)| {
            let endpoint = Endpoint {
                host: host.to_string(),
                port,
            };
            (name.to_string(), endpoint)
        })
        .collect()
}

fn change_response(kind: VoterChangeKind, error: i16, message: Option<String>) -> RaftResponse {
    match kind {
        VoterChangeKind::Add => RaftResponse::AddRaftVoter(add_response(error, message)),
        VoterChangeKind::Remove => RaftResponse::RemoveRaftVoter(remove_response(error, message)),
    }
}

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    // ---- the voter set ----

    /// The voter set this node acts on: the latest in its log, committed or not.
    pub fn voter_set(&self) -> &VoterSet {
        self.quorum.latest()
    }

    /// The voter set in force at `offset` (e.g. the committed one, at the high watermark - 1).
    pub fn voter_set_at(&self, offset: i64) -> &VoterSet {
        self.quorum.at(offset)
    }

    /// The control records a snapshot ending after `offset` carries at kraft.version 1 (as
    /// Kafka's snapshots do): the KRaftVersionRecord and the VotersRecord in force at `offset`,
    /// as (control record type, value at version 0). None at kraft.version 0.
    pub fn snapshot_control_records(&self, offset: i64) -> Vec<(i16, bytes::Bytes)> {
        let kraft_version = self.quorum.kraft_version_at(offset);
        if kraft_version < 1 {
            return Vec::new();
        }
        let version = KRaftVersionRecord::default()
            .with_version(0)
            .with_k_raft_version(kraft_version);
        let voters = self.quorum.at(offset).to_record();
        vec![
            (KRAFT_VERSION_TYPE, control::encode(&version).freeze()),
            (VOTERS_TYPE, control::encode(&voters).freeze()),
        ]
    }

    /// The finalized kraft.version as of the log end.
    pub fn kraft_version(&self) -> i16 {
        self.quorum.kraft_version()
    }

    pub(super) fn voters(&self) -> &VoterSet {
        self.quorum.latest()
    }

    /// Whether this node is a voter of the latest voter set.
    pub fn is_voter(&self) -> bool {
        self.voters().contains(self.config.node_id)
    }

    /// The directory id of voter `id` (this node's own for itself).
    pub(super) fn voter_directory_id(&self, id: NodeId) -> Uuid {
        if id == self.config.node_id {
            self.config.directory_id
        } else {
            self.voters().directory_id(id)
        }
    }

    /// This node's endpoint on the controller listener.
    pub(super) fn local_endpoint(&self) -> Option<Endpoint> {
        self.config.local_endpoint.clone().or_else(|| {
            self.voters()
                .get(self.config.node_id)
                .and_then(|v| v.endpoint(&self.config.listener_name))
                .cloned()
        })
    }

    /// Where node `id` listens: a voter's endpoint on the controller listener, an endpoint
    /// learned from a response, or (for ids -2, -3, ...) a bootstrap server. The driver
    /// connects to it for [`Output::Send`].
    pub fn node_endpoint(&self, id: NodeId) -> Option<Endpoint> {
        if id == self.config.node_id {
            return self.local_endpoint();
        }
        if id <= -2 {
            let index = usize::try_from(-2 - i64::from(id)).ok()?;
            return self.config.bootstrap_servers.get(index).cloned();
        }
        self.voters()
            .get(id)
            .and_then(|v| v.endpoint(&self.config.listener_name))
            .cloned()
            .or_else(|| self.learned_endpoints.get(&id).cloned())
    }

    pub(super) fn learn_endpoint(&mut self, id: NodeId, host: &str, port: i64) {
        let Ok(port) = u16::try_from(port) else {
            return;
        };
        if id < 0 || id == self.config.node_id || host.is_empty() {
            return;
        }
        let endpoint = Endpoint {
            host: host.to_owned(),
            port,
        };
        self.learned_endpoints.insert(id, endpoint);
    }

    /// Whom an observer without a leader asks: the bootstrap servers if configured, else the
    /// voters it knows.
    pub(super) fn bootstrap_targets(&self) -> Vec<NodeId> {
        if self.config.bootstrap_servers.is_empty() {
            return self
                .voters()
                .ids()
                .filter(|id| *id != self.config.node_id)
                .collect();
        }
        (0..self.config.bootstrap_servers.len())
            .filter_map(|i| i32::try_from(i).ok().map(|i| -2 - i))
            .collect()
    }

    // ---- the history ----

    /// Rebuilds the history from the log at start-up (Kafka's
    /// `KRaftControlRecordStateMachine`): from the latest snapshot's records when the log starts
    /// at it, then every control batch of the log.
    pub(super) fn load_quorum_history(&mut self) -> Result<()> {
        let start = self.log.log_start_offset();
        if let Some(id) = self.log.latest_snapshot_id() {
            if id != BOOTSTRAP_SNAPSHOT_ID && id.offset >= start {
                self.load_snapshot_quorum_records(id)?;
            }
        }
        let mut offset = start;
        while offset < self.log.log_end_offset() {
            let bytes = self.log.read(offset, SCAN_BYTES)?;
            let (records, next) = scan(&bytes, None);
            for record in records {
                self.quorum.apply(record);
            }
            match next {
                Some(next) if next > offset => offset = next,
                _ => break,
            }
        }
        Ok(())
    }

    /// The log restarted at snapshot `id`: its VotersRecord (if it holds one) is the set from
    /// there on.
    pub(super) fn load_snapshot_quorum_records(&mut self, id: OffsetAndEpoch) -> Result<()> {
        let size = self.log.snapshot_size(id).unwrap_or(0);
        let bytes = self
            .log
            .read_snapshot(id, 0, usize::try_from(size).unwrap_or(usize::MAX))?;
        let (records, _) = scan(&bytes, Some(id.offset - 1));
        self.quorum.reset_to_snapshot(id.offset, records);
        self.on_voter_set_changed()
    }

    /// Takes in the quorum records of `batches`, just appended (those past the log end did not
    /// land).
    pub(super) fn apply_quorum_records(&mut self, batches: &[u8]) -> Result<()> {
        let end = self.log.log_end_offset();
        let before = self.quorum.latest().clone();
        for record in scan(batches, None).0 {
            let offset = match &record {
                crate::raft::voters::QuorumRecord::Voters(offset, _)
                | crate::raft::voters::QuorumRecord::KRaftVersion(offset, _) => *offset,
            };
            if offset < end {
                self.quorum.apply(record);
            }
        }
        if *self.quorum.latest() != before {
            self.on_voter_set_changed()?;
        }
        Ok(())
    }

    /// The log was truncated: records past its end no longer count.
    pub(super) fn truncate_quorum_history(&mut self) {
        let before = self.quorum.latest().clone();
        self.quorum.truncate_from(self.log.log_end_offset());
        if *self.quorum.latest() != before {
            // Only followers truncate; they track no replicas.
            let _ = self.on_voter_set_changed();
        }
    }

    /// The voter set changed: the leader tracks the new voters (an observer's progress moves
    /// over) and counts only them toward the high watermark.
    fn on_voter_set_changed(&mut self) -> Result<()> {
        let voters: Vec<NodeId> = self.voters().ids().collect();
        let local_id = self.config.node_id;
        let flushed = self.log.flushed_offset();
        let Role::Leader(state) = &mut self.role else {
            return Ok(());
        };
        let removed: Vec<NodeId> = state
            .voters
            .keys()
            .filter(|id| !voters.contains(id))
            .copied()
            .collect();
        for id in removed {
            if let Some(progress) = state.voters.remove(&id) {
                if id != local_id {
                    state.observers.insert(id, progress);
                }
            }
            state.fetched_voters.remove(&id);
        }
        for id in voters {
            if state.voters.contains_key(&id) {
                continue;
            }
            let mut progress = state.observers.remove(&id).unwrap_or_default();
            if id == local_id {
                progress.end_offset = Some(flushed);
            }
            state.voters.insert(id, progress);
        }
        self.maybe_update_leader_high_watermark()
    }

    // ---- the leader's handlers ----

    /// AddRaftVoter; `None` when the answer waits for the VotersRecord to commit.
    pub(super) fn handle_add_voter(
        &mut self,
        request_id: RequestId,
        request: &AddRaftVoterRequest,
    ) -> Result<Option<AddRaftVoterResponse>> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(Some(add_response(
                error_code::INCONSISTENT_CLUSTER_ID,
                None,
            )));
        }
        let id = request.voter_id;
        let directory_id = Uuid::from(request.voter_directory_id);
        if let Err((error, message)) = self.check_voter_change() {
            return Ok(Some(add_response(error, Some(message))));
        }
        if self.voters().contains(id) {
            let message = format!("voter {id} is already part of the set of voters");
            return Ok(Some(add_response(
                error_code::DUPLICATE_VOTER,
                Some(message),
            )));
        }
        let endpoints = endpoints(request.listeners.iter().map(|l| (&l.name, &l.host, l.port)));
        let listener = &self.config.listener_name;
        if id < 0 || !endpoints.iter().any(|(name, _)| name == listener) {
            let message = format!("voter {id} has no endpoint for the listener {listener}");
            return Ok(Some(add_response(
                error_code::INVALID_REQUEST,
                Some(message),
            )));
        }
        if !self.is_caught_up_observer(id, directory_id) {
            let message = format!(
                "voter {id} ({directory_id}) is not a caught-up observer fetching from the leader"
            );
            return Ok(Some(add_response(
                error_code::REQUEST_TIMED_OUT,
                Some(message),
            )));
        }
        let voter = Voter {
            directory_id,
            endpoints,
            kraft_versions: SUPPORTED_KRAFT_VERSIONS,
        };
        let timeout_ms = u64::try_from(request.timeout_ms)
            .ok()
            .filter(|t| *t > 0)
            .unwrap_or(self.config.request_timeout_ms);
        self.start_voter_change(request_id, Change::Add(id, voter), timeout_ms)?;
        if !request.ack_when_committed {
            // v1 with AckWhenCommitted=false: answered once the leader wrote it.
            if let Role::Leader(state) = &mut self.role {
                state.pending_change = None;
            }
            return Ok(Some(add_response(error_code::NONE, None)));
        }
        Ok(None)
    }

    /// RemoveRaftVoter; `None` when the answer waits for the VotersRecord to commit.
    pub(super) fn handle_remove_voter(
        &mut self,
        request_id: RequestId,
        request: &RemoveRaftVoterRequest,
    ) -> Result<Option<RemoveRaftVoterResponse>> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(Some(remove_response(
                error_code::INCONSISTENT_CLUSTER_ID,
                None,
            )));
        }
        if let Err((error, message)) = self.check_voter_change() {
            return Ok(Some(remove_response(error, Some(message))));
        }
        let id = request.voter_id;
        let directory_id = Uuid::from(request.voter_directory_id);
        let Some(remaining) = self.voters().remove(id, directory_id) else {
            let message = format!(
                "voter {id} ({directory_id}) is not part of the set of voters {:?}",
                self.voters().ids().collect::<Vec<_>>()
            );
            return Ok(Some(remove_response(
                error_code::VOTER_NOT_FOUND,
                Some(message),
            )));
        };
        if remaining.is_empty() {
            let message = format!("voter {id} is the last voter and cannot be removed");
            return Ok(Some(remove_response(
                error_code::INVALID_REQUEST,
                Some(message),
            )));
        }
        let timeout_ms = self.config.request_timeout_ms;
        self.start_voter_change(request_id, Change::Remove(id, directory_id), timeout_ms)?;
        Ok(None)
    }

    /// UpdateRaftVoter: answered at once (Kafka does not wait for the record to commit).
    pub(super) fn handle_update_voter(
        &mut self,
        request: &UpdateRaftVoterRequest,
    ) -> Result<UpdateRaftVoterResponse> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(self.update_response(error_code::INCONSISTENT_CLUSTER_ID));
        }
        if let Some(error) = self.validate_leader_only(request.current_leader_epoch) {
            return Ok(self.update_response(error));
        }
        if let Err((error, _)) = self.check_voter_change() {
            return Ok(self.update_response(error));
        }
        let feature = &request.k_raft_version_feature;
        let range = (feature.min_supported_version, feature.max_supported_version);
        let kraft_version = self.kraft_version();
        if range.0 > kraft_version || range.1 < kraft_version {
            return Ok(self.update_response(error_code::INVALID_REQUEST));
        }
        let endpoints = endpoints(request.listeners.iter().map(|l| (&l.name, &l.host, l.port)));
        if !endpoints
            .iter()
            .any(|(name, _)| *name == self.config.listener_name)
        {
            return Ok(self.update_response(error_code::INVALID_REQUEST));
        }
        let voter = Voter {
            directory_id: Uuid::from(request.voter_directory_id),
            endpoints,
            kraft_versions: range,
        };
        let Some(updated) = self.voters().update(request.voter_id, voter) else {
            return Ok(self.update_response(error_code::VOTER_NOT_FOUND));
        };
        if updated != *self.voters() {
            self.append_voters_record(&updated)?;
        }
        Ok(self.update_response(error_code::NONE))
    }

    fn update_response(&self, error: i16) -> UpdateRaftVoterResponse {
        let leader = self.leader_id();
        let endpoint = self.endpoint_of(leader);
        let current = update_raft_voter_response::CurrentLeader::default()
            .with_leader_id(leader.unwrap_or(-1).into())
            .with_leader_epoch(self.role.epoch())
            .with_host(str_bytes(endpoint.as_ref().map_or("", |e| e.host.as_str())))
            .with_port(endpoint.map_or(-1, |e| i32::from(e.port)));
        UpdateRaftVoterResponse::default()
            .with_error_code(error)
            .with_current_leader(current)
    }

    /// The checks every voter change shares, in Kafka's order: leader, no change pending, the
    /// high watermark known, kraft.version 1, the latest voter set committed.
    fn check_voter_change(&mut self) -> std::result::Result<(), (i16, String)> {
        self.expire_voter_change();
        let Role::Leader(state) = &self.role else {
            return Err((
                error_code::NOT_LEADER_OR_FOLLOWER,
                "not the leader".to_owned(),
            ));
        };
        if self.shutting_down {
            return Err((
                error_code::NOT_LEADER_OR_FOLLOWER,
                "the leader is shutting down".to_owned(),
            ));
        }
        if state.pending_change.is_some() {
            return Err((
                error_code::REQUEST_TIMED_OUT,
                "Request timed out waiting for leader to handle previous voter change request"
                    .to_owned(),
            ));
        }
        let Some(high_watermark) = state.high_watermark else {
            return Err((
                error_code::REQUEST_TIMED_OUT,
                "Request timed out waiting for leader to establish HWM and fence previous voter \
                 changes"
                    .to_owned(),
            ));
        };
        let kraft_version = self.kraft_version();
        if kraft_version < 1 {
            return Err((
                error_code::UNSUPPORTED_VERSION,
                format!(
                    "Cluster doesn't support changing voters because the kraft.version feature \
                     is {kraft_version}"
                ),
            ));
        }
        let latest = self.quorum.latest_offset().unwrap_or(-1);
        if latest >= high_watermark {
            return Err((
                error_code::REQUEST_TIMED_OUT,
                format!(
                    "Request timed out waiting for voters to commit the latest voter change at \
                     {latest} with HWM {high_watermark}"
                ),
            ));
        }
        Ok(())
    }

    /// Kafka's `isReplicaCaughtUp`: an observer with this directory id that was caught up at
    /// some point and fetched within the last hour.
    fn is_caught_up_observer(&self, id: NodeId, directory_id: Uuid) -> bool {
        let Role::Leader(state) = &self.role else {
            return false;
        };
        let recent = self.now_ms.saturating_sub(CAUGHT_UP_WINDOW_MS);
        state.observers.get(&id).is_some_and(|p: &ReplicaProgress| {
            p.directory_id == directory_id
                && p.last_caught_up_ms.is_some()
                && p.last_fetch_ms.is_some_and(|t| t >= recent)
        })
    }

    fn start_voter_change(
        &mut self,
        request_id: RequestId,
        change: Change,
        timeout_ms: u64,
    ) -> Result<()> {
        let (kind, next) = match change {
            Change::Add(id, voter) => (VoterChangeKind::Add, self.voters().add(id, voter)),
            Change::Remove(id, dir) => (VoterChangeKind::Remove, self.voters().remove(id, dir)),
        };
        let Some(next) = next else {
            // Checked by the caller.
            return Ok(());
        };
        let voters_offset = self.append_voters_record(&next)?;
        let deadline_ms = self.now_ms.saturating_add(timeout_ms);
        if let Role::Leader(state) = &mut self.role {
            state.pending_change = Some(PendingVoterChange {
                request_id,
                kind,
                voters_offset,
                deadline_ms,
            });
        }
        Ok(())
    }

    /// Appends `set` as a VotersRecord in the current epoch; it counts from now on.
    fn append_voters_record(&mut self, set: &VoterSet) -> Result<i64> {
        let epoch = self.role.epoch();
        let offset = self.log.log_end_offset();
        let batch = voters_batch(offset, epoch, self.now_ms as i64, set);
        self.log.append_as_leader(batch.clone(), epoch)?;
        self.apply_quorum_records(&batch)?;
        self.request_flush();
        self.complete_parked_fetches(|parked, end| parked.fetch_offset < end)?;
        Ok(offset)
    }

    /// The high watermark moved to `high_watermark`: a pending change whose record it covers
    /// is answered, and a leader the committed voter set no longer holds resigns.
    pub(super) fn on_leader_high_watermark(&mut self, high_watermark: i64) {
        let committed_without_me = self
            .quorum
            .latest_offset()
            .is_some_and(|at| at < high_watermark)
            && !self.is_voter();
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        if let Some(pending) = state.pending_change {
            if high_watermark > pending.voters_offset {
                state.pending_change = None;
                self.outputs.push(Output::Respond {
                    request_id: pending.request_id,
                    response: change_response(pending.kind, error_code::NONE, None),
                });
            }
        }
        if committed_without_me {
            state.resign_requested = true;
        }
    }

    /// Answers a pending change whose deadline passed with REQUEST_TIMED_OUT.
    pub(super) fn expire_voter_change(&mut self) {
        let now = self.now_ms;
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        if let Some(pending) = state.pending_change.filter(|p| now >= p.deadline_ms) {
            state.pending_change = None;
            self.outputs.push(Output::Respond {
                request_id: pending.request_id,
                response: change_response(pending.kind, error_code::REQUEST_TIMED_OUT, None),
            });
        }
    }

    /// The leader lost its role with a change pending: NOT_LEADER_OR_FOLLOWER.
    pub(super) fn abandon_voter_change(&mut self, pending: Option<PendingVoterChange>) {
        if let Some(pending) = pending {
            self.outputs.push(Output::Respond {
                request_id: pending.request_id,
                response: change_response(
                    pending.kind,
                    error_code::NOT_LEADER_OR_FOLLOWER,
                    Some("the leader changed".to_owned()),
                ),
            });
        }
    }

    // ---- a voter keeping its own record current ----

    /// Kafka's `shouldSendUpdateVoteRequest`: a voter following the leader whose entry in the
    /// voter set differs from its endpoint or supported kraft.version range asks the leader to
    /// update it, once per epoch.
    pub(super) fn maybe_send_update_voter(&mut self) {
        let Role::Follower(state) = &self.role else {
            return;
        };
        if state.has_updated_leader
            || !state.has_fetched_from_leader
            || self.kraft_version() < 1
            || !self.requests.is_ready(state.leader_id, self.now_ms)
        {
            return;
        }
        let (leader, epoch) = (state.leader_id, state.epoch);
        let Some(endpoint) = self.config.local_endpoint.clone() else {
            return;
        };
        let Some(own) = self.voters().get(self.config.node_id) else {
            return;
        };
        let listener = &self.config.listener_name;
        let current = own
            .endpoints
            .iter()
            .find(|(name, _)| name == listener)
            .map(|(_, e)| e);
        if current == Some(&endpoint) && own.kraft_versions == SUPPORTED_KRAFT_VERSIONS {
            return;
        }
        let mut endpoints: Vec<(String, Endpoint)> = own
            .endpoints
            .iter()
            .filter(|(name, _)| name != listener)
            .cloned()
            .collect();
        endpoints.insert(0, (listener.clone(), endpoint));
        let request = UpdateRaftVoterRequest::default()
            .with_cluster_id(Some(str_bytes(&self.config.cluster_id)))
            .with_current_leader_epoch(epoch)
            .with_voter_id(self.config.node_id)
            .with_voter_directory_id(self.config.directory_id.into())
            .with_listeners(
                endpoints
                    .into_iter()
                    .map(|(name, e)| {
                        update_raft_voter_request::Listener::default()
                            .with_name(str_bytes(&name))
                            .with_host(str_bytes(&e.host))
                            .with_port(e.port)
                    })
                    .collect(),
            )
            .with_k_raft_version_feature(
                update_raft_voter_request::KRaftVersionFeature::default()
                    .with_min_supported_version(SUPPORTED_KRAFT_VERSIONS.0)
                    .with_max_supported_version(SUPPORTED_KRAFT_VERSIONS.1),
            );
        self.send(leader, RaftRequest::UpdateRaftVoter(request));
    }

    pub(super) fn handle_update_voter_response(
        &mut self,
        response: &UpdateRaftVoterResponse,
    ) -> Result<bool> {
        let current = &response.current_leader;
        let leader = Some(current.leader_id.0).filter(|id| *id >= 0);
        let error = response.error_code;
        if let Some(handled) =
            self.maybe_handle_common_response(error, leader, current.leader_epoch)?
        {
            return Ok(handled);
        }
        if error != error_code::NONE {
            return Ok(false);
        }
        if let Role::Follower(state) = &mut self.role {
            state.has_updated_leader = true;
        }
        Ok(true)
    }
}
