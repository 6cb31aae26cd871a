//! Replication by Fetch (KIP-595): the leader answers each fetcher with records from its fetch
//! offset, a diverging epoch when the fetcher's log went another way, or a snapshot id when the
//! fetcher is behind the log start; it parks a fetch with nothing to return for up to MaxWaitMs
//! and completes it early when records arrive or the high watermark moves. Voters' fetch
//! offsets set the high watermark. A follower appends what it fetched, flushes, and fetches again.

use bytes::Bytes;
use kafka_protocol::messages::{FetchRequest, FetchResponse};

use crate::raft::log::{
    truncation_offset, validate_offset_and_epoch, FetchPosition, LogError, RaftLog,
};
use crate::raft::messages::{self, cluster_id_matches, FetchParams, FetchReply, RaftRequest};
use crate::raft::quorum::{majority_end_offset, next_high_watermark};
use crate::raft::roles::{ReplicaProgress, Role};
use crate::raft::store::QuorumStateStore;
use crate::raft::types::{error_code, NodeId, OffsetAndEpoch, RequestId};
use yakt_wire::Uuid;

use super::{Output, RaftEngine, RaftError, Result};

/// Most observers the leader tracks; the one that fetched least recently is forgotten first.
const MAX_TRACKED_OBSERVERS: usize = 1_000;
/// Most fetches parked at once; beyond it a fetch is answered at once.
const MAX_PARKED_FETCHES: usize = 10_000;

/// A Fetch waiting on the leader for records or a new high watermark.
#[derive(Debug, Clone)]
pub(super) struct ParkedFetch {
    pub request_id: RequestId,
    pub replica_id: NodeId,
    pub replica_directory_id: Uuid,
    pub fetch_offset: i64,
    pub last_fetched_epoch: i32,
    pub current_leader_epoch: i32,
    pub deadline_ms: u64,
    pub original: FetchResponse,
}

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    /// Handles a Fetch; `None` when it was parked.
    pub(super) fn handle_fetch_request(
        &mut self,
        request_id: RequestId,
        version: i16,
        request: &FetchRequest,
    ) -> Result<Option<FetchResponse>> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(Some(messages::fetch_error(
                error_code::INCONSISTENT_CLUSTER_ID,
            )));
        }
        let Some(partition) = messages::fetch_partition(request) else {
            return Ok(Some(messages::fetch_error(error_code::INVALID_REQUEST)));
        };
        if request.max_wait_ms < 0
            || partition.fetch_offset < 0
            || partition.last_fetched_epoch < 0
            || partition.last_fetched_epoch > partition.current_leader_epoch
        {
            return Ok(Some(self.empty_fetch_reply(error_code::INVALID_REQUEST)));
        }
        let replica_id = messages::fetch_replica_id(request);
        let replica_directory_id = Uuid::from(partition.replica_directory_id);
        let (fetch_offset, last_epoch, request_epoch) = (
            partition.fetch_offset,
            partition.last_fetched_epoch,
            partition.current_leader_epoch,
        );
        let replica = (replica_id, replica_directory_id);
        let response = self.try_complete_fetch(replica, fetch_offset, last_epoch, request_epoch)?;
        let reply =
            messages::fetch_response_partition(&response).expect("built with one partition");
        let request_high_watermark = if version >= 18 {
            partition.high_watermark
        } else {
            i64::MAX
        };
        let complete = reply.error_code != error_code::NONE
            || reply.records.as_ref().is_some_and(|r| !r.is_empty())
            || request.max_wait_ms == 0
            || reply.diverging_epoch.epoch >= 0
            || reply.snapshot_id.epoch >= 0
            || reply.high_watermark > request_high_watermark
            || self.parked_fetches.len() >= MAX_PARKED_FETCHES;
        if complete {
            return Ok(Some(response));
        }
        self.parked_fetches.push(ParkedFetch {
            request_id,
            replica_id,
            replica_directory_id,
            fetch_offset,
            last_fetched_epoch: last_epoch,
            current_leader_epoch: request_epoch,
            deadline_ms: self.now_ms + request.max_wait_ms as u64,
            original: response,
        });
        Ok(None)
    }

    fn empty_fetch_reply(&self, error: i16) -> FetchResponse {
        let leader = self.leader_id();
        messages::fetch_response(FetchReply {
            error_code: error,
            records: Bytes::new(),
            high_watermark: -1,
            log_start_offset: self.log.log_start_offset(),
            epoch: self.role.epoch(),
            leader_id: leader,
            leader_endpoint: self.endpoint_of(leader),
            diverging: None,
            snapshot_id: None,
        })
    }

    /// Kafka's `tryCompleteFetchRequest`.
    fn try_complete_fetch(
        &mut self,
        (replica_id, replica_directory_id): (NodeId, Uuid),
        fetch_offset: i64,
        last_fetched_epoch: i32,
        request_epoch: i32,
    ) -> Result<FetchResponse> {
        if let Some(error) = self.validate_leader_only(request_epoch) {
            return Ok(self.empty_fetch_reply(error));
        }
        self.record_voter_fetch(replica_id);
        let position = validate_offset_and_epoch(&self.log, fetch_offset, last_fetched_epoch);
        let mut records = Bytes::new();
        if position == FetchPosition::Valid {
            records = self.log.read(fetch_offset, self.config.fetch_max_bytes)?;
            if self.record_replica_fetch(replica_id, replica_directory_id, fetch_offset) {
                self.maybe_update_leader_high_watermark()?;
            }
        }
        let leader = self.leader_id();
        Ok(messages::fetch_response(FetchReply {
            error_code: error_code::NONE,
            records,
            high_watermark: self.role.high_watermark().unwrap_or(-1),
            log_start_offset: self.log.log_start_offset(),
            epoch: self.role.epoch(),
            leader_id: leader,
            leader_endpoint: self.endpoint_of(leader),
            diverging: match position {
                FetchPosition::Diverging(d) => Some(d),
                _ => None,
            },
            snapshot_id: match position {
                FetchPosition::Snapshot(s) => Some(s),
                _ => None,
            },
        }))
    }

    /// Records a valid fetch of `replica_id` at `fetch_offset`; true if a voter's end offset moved.
    fn record_replica_fetch(
        &mut self,
        replica_id: NodeId,
        directory_id: Uuid,
        fetch_offset: i64,
    ) -> bool {
        let now = self.now_ms;
        let local_id = self.config.node_id;
        let leader_end = self.log.flushed_offset();
        let Role::Leader(state) = &mut self.role else {
            return false;
        };
        if replica_id < 0 || replica_id == local_id {
            return false;
        }
        if let Some(progress) = state.voters.get_mut(&replica_id) {
            progress.directory_id = directory_id;
            return progress.record_fetch(fetch_offset, leader_end, now);
        }
        if !state.observers.contains_key(&replica_id)
            && state.observers.len() >= MAX_TRACKED_OBSERVERS
        {
            let oldest = state
                .observers
                .iter()
                .min_by_key(|(_, p)| p.last_fetch_ms)
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                state.observers.remove(&oldest);
            }
        }
        let progress = state
            .observers
            .entry(replica_id)
            .or_insert_with(ReplicaProgress::default);
        if progress.directory_id != directory_id {
            // Another directory under the same id is another replica: start over.
            *progress = ReplicaProgress {
                directory_id,
                ..ReplicaProgress::default()
            };
        }
        progress.record_fetch(fetch_offset, leader_end, now);
        false
    }

    /// Recomputes the high watermark from the voters' durable end offsets; on a move, reports it
    /// and completes every parked fetch (Kafka's `onUpdateLeaderHighWatermark`).
    pub(super) fn maybe_update_leader_high_watermark(&mut self) -> Result<()> {
        let without_majority = self.config.planted_bugs.hwm_without_majority;
        let Role::Leader(state) = &mut self.role else {
            return Ok(());
        };
        let offsets: Vec<Option<i64>> = state.voters.values().map(|p| p.end_offset).collect();
        let majority = majority_end_offset(&offsets, without_majority);
        let Some(next) =
            next_high_watermark(majority, state.epoch_start_offset, state.high_watermark)
        else {
            return Ok(());
        };
        state.high_watermark = Some(next);
        self.outputs.push(Output::HighWatermark { offset: next });
        self.on_leader_high_watermark(next);
        self.complete_parked_fetches(|_, _| true)
    }

    /// Answers the parked fetches `select` picks (given the log end offset), recomputing each.
    pub(super) fn complete_parked_fetches(
        &mut self,
        select: impl Fn(&ParkedFetch, i64) -> bool,
    ) -> Result<()> {
        let end = self.log.log_end_offset();
        let (chosen, kept): (Vec<ParkedFetch>, Vec<ParkedFetch>) =
            std::mem::take(&mut self.parked_fetches)
                .into_iter()
                .partition(|p| select(p, end));
        self.parked_fetches = kept;
        for parked in chosen {
            let response = self.try_complete_fetch(
                (parked.replica_id, parked.replica_directory_id),
                parked.fetch_offset,
                parked.last_fetched_epoch,
                parked.current_leader_epoch,
            )?;
            self.outputs.push(Output::Respond {
                request_id: parked.request_id,
                response: crate::raft::messages::RaftResponse::Fetch(response),
            });
        }
        Ok(())
    }

    /// Answers parked fetches whose MaxWaitMs passed with the response computed when they came.
    pub(super) fn expire_parked_fetches(&mut self) {
        let now = self.now_ms;
        let (expired, kept): (Vec<ParkedFetch>, Vec<ParkedFetch>) =
            std::mem::take(&mut self.parked_fetches)
                .into_iter()
                .partition(|p| p.deadline_ms <= now);
        self.parked_fetches = kept;
        for parked in expired {
            self.outputs.push(Output::Respond {
                request_id: parked.request_id,
                response: crate::raft::messages::RaftResponse::Fetch(parked.original),
            });
        }
    }

    // ---- follower side ----

    pub(super) fn poll_follower(&mut self) -> Result<()> {
        let Role::Follower(state) = &self.role else {
            return Ok(());
        };
        let expired = self.now_ms >= state.fetch_deadline_ms;
        let leader = state.leader_id;
        if self.is_voter() {
            if expired && !self.shutting_down {
                return self.transition_to_prospective();
            }
            self.maybe_send_update_voter();
            self.send_fetch(leader);
        } else if expired {
            self.send_fetch_to_bootstrap();
        } else {
            self.send_fetch(leader);
        }
        Ok(())
    }

    /// An observer without a reachable leader fetches from a random voter, which answers with
    /// the leader it knows.
    pub(super) fn send_fetch_to_bootstrap(&mut self) {
        let targets = self.bootstrap_targets();
        if targets.iter().any(|id| self.requests.has_in_flight(*id)) {
            return;
        }
        let ready: Vec<NodeId> = targets
            .into_iter()
            .filter(|id| self.requests.is_ready(*id, self.now_ms))
            .collect();
        if ready.is_empty() {
            return;
        }
        let pick = ready[self.rng.below(ready.len() as u64) as usize];
        self.send_fetch(pick);
    }

    fn send_fetch(&mut self, destination: NodeId) {
        if !self.requests.is_ready(destination, self.now_ms) {
            return;
        }
        if let Role::Follower(state) = &self.role {
            // A snapshot is fetched from the leader only; a bootstrap voter gets a plain Fetch,
            // which tells an observer where the leader is.
            if let (Some((snapshot_id, position)), true) =
                (state.fetching_snapshot, destination == state.leader_id)
            {
                self.send_fetch_snapshot(destination, snapshot_id, position);
                return;
            }
        }
        // A voter's fetch offset counts toward the high watermark: it must be durable. So must
        // an observer's, which counts as soon as the leader adds it as a voter.
        if self.log.flushed_offset() < self.log.log_end_offset() {
            return;
        }
        let params = FetchParams {
            replica_id: self.config.node_id,
            replica_directory_id: self.config.directory_id,
            epoch: self.role.epoch(),
            fetch_offset: self.log.log_end_offset(),
            last_fetched_epoch: self.log.last_fetched_epoch(),
            high_watermark: self.role.high_watermark().unwrap_or(i64::MAX),
            max_wait_ms: i32::try_from(self.config.fetch_max_wait_ms).unwrap_or(i32::MAX),
            max_bytes: i32::try_from(self.config.fetch_max_bytes).unwrap_or(i32::MAX),
        };
        let request = messages::fetch_request(&self.config.cluster_id, params);
        self.send(destination, RaftRequest::Fetch(request));
    }

    pub(super) fn handle_fetch_response(
        &mut self,
        _source: NodeId,
        response: FetchResponse,
    ) -> Result<bool> {
        if response.error_code != error_code::NONE {
            return Ok(false);
        }
        let Some(partition) = messages::fetch_response_partition(&response) else {
            return Ok(false);
        };
        let leader = Some(partition.current_leader.leader_id.0).filter(|id| *id >= 0);
        let epoch = partition.current_leader.leader_epoch;
        let error = partition.error_code;
        for node in &response.node_endpoints {
            self.learn_endpoint(node.node_id.0, node.host.as_str(), i64::from(node.port));
        }
        if let Some(handled) = self.maybe_handle_common_response(error, leader, epoch)? {
            return Ok(handled);
        }
        if !matches!(self.role, Role::Follower(_)) {
            return Ok(true);
        }
        if error != error_code::NONE {
            return Ok(false);
        }
        self.check_consistent_leader(epoch, leader)?;
        let diverging = &partition.diverging_epoch;
        let snapshot = &partition.snapshot_id;
        if diverging.epoch >= 0 {
            self.truncate_diverged(OffsetAndEpoch::new(diverging.end_offset, diverging.epoch))?;
        } else if snapshot.epoch >= 0 || snapshot.end_offset >= 0 {
            if snapshot.epoch < 0 || snapshot.end_offset < 0 {
                return Ok(false);
            }
            let id = OffsetAndEpoch::new(snapshot.end_offset, snapshot.epoch);
            if let Role::Follower(state) = &mut self.role {
                state.fetching_snapshot = Some((id, 0));
            }
        } else {
            let records = partition.records.clone().unwrap_or_default();
            if !records.is_empty() {
                match self.log.append_as_follower(records.clone()) {
                    Ok(Some(_)) => {
                        self.apply_quorum_records(&records)?;
                        self.request_flush()
                    }
                    Ok(None) => {}
                    Err(LogError::InvalidRecords(_)) => return Ok(false),
                    Err(other) => return Err(other.into()),
                }
            }
            self.update_follower_high_watermark(partition.high_watermark)?;
        }
        self.on_successful_fetch();
        Ok(true)
    }

    pub(super) fn on_successful_fetch(&mut self) {
        let deadline = self.now_ms + self.config.fetch_timeout_ms;
        if let Role::Follower(state) = &mut self.role {
            state.fetch_deadline_ms = deadline;
            state.has_fetched_from_leader = true;
        }
    }

    /// Truncates to where the leader says this log diverged; never below the high watermark.
    fn truncate_diverged(&mut self, diverging: OffsetAndEpoch) -> Result<()> {
        if let Some(high_watermark) = self.role.high_watermark() {
            if diverging.offset < high_watermark {
                return Err(RaftError::Invariant(format!(
                    "node {} was asked to truncate to {diverging}, below its high watermark {high_watermark}",
                    self.config.node_id
                )));
            }
        }
        let mut offset = truncation_offset(&self.log, diverging);
        if self.config.planted_bugs.off_by_one_truncation {
            offset += 1;
        }
        self.log.truncate_to(offset)?;
        // A voter set written after the divergence point is gone with it.
        self.truncate_quorum_history();
        Ok(())
    }

    /// A follower's high watermark is the leader's, capped at its own log end; it never goes back.
    pub(super) fn update_follower_high_watermark(
        &mut self,
        leader_high_watermark: i64,
    ) -> Result<()> {
        if leader_high_watermark < 0 {
            return Ok(());
        }
        let candidate = leader_high_watermark.min(self.log.log_end_offset());
        let node_id = self.config.node_id;
        let Role::Follower(state) = &mut self.role else {
            return Ok(());
        };
        match state.high_watermark {
            Some(current) if candidate < current => Err(RaftError::Invariant(format!(
                "node {node_id}: high watermark would go back from {current} to {candidate}"
            ))),
            Some(current) if candidate == current => Ok(()),
            _ => {
                state.high_watermark = Some(candidate);
                self.outputs
                    .push(Output::HighWatermark { offset: candidate });
                Ok(())
            }
        }
    }
}
