//! Snapshot transfer (KIP-630): the leader serves chunks of a frozen snapshot with
//! FetchSnapshot; a follower told to load snapshot `id` (a Fetch reply with `SnapshotId`)
//! downloads it chunk by chunk and then restarts its log at the snapshot's end offset. The
//! bootstrap snapshot 0-0 is never served.

use kafka_protocol::messages::{FetchSnapshotRequest, FetchSnapshotResponse};

use crate::raft::log::{RaftLog, BOOTSTRAP_SNAPSHOT_ID};
use crate::raft::messages::{self, cluster_id_matches, RaftRequest, SnapshotChunk};
use crate::raft::roles::Role;
use crate::raft::store::QuorumStateStore;
use crate::raft::types::{error_code, NodeId, OffsetAndEpoch};

use super::{RaftEngine, Result};

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    pub(super) fn handle_fetch_snapshot_request(
        &mut self,
        request: &FetchSnapshotRequest,
    ) -> Result<FetchSnapshotResponse> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(messages::fetch_snapshot_error(
                error_code::INCONSISTENT_CLUSTER_ID,
            ));
        }
        let Some(partition) = messages::fetch_snapshot_partition(request) else {
            return Ok(messages::fetch_snapshot_error(error_code::INVALID_REQUEST));
        };
        let id = OffsetAndEpoch::new(
            partition.snapshot_id.end_offset,
            partition.snapshot_id.epoch,
        );
        let leader = self.leader_id();
        let mut chunk = SnapshotChunk {
            epoch: self.role.epoch(),
            leader_id: leader,
            snapshot_id: id,
            ..SnapshotChunk::default()
        };
        let endpoint = self.endpoint_of(leader);
        if let Some(error) = self.validate_leader_only(partition.current_leader_epoch) {
            chunk.error_code = error;
            return Ok(messages::fetch_snapshot_response(chunk, endpoint.as_ref()));
        }
        let size = match self.log.snapshot_size(id) {
            Some(size) if id != BOOTSTRAP_SNAPSHOT_ID => size,
            _ => {
                chunk.error_code = error_code::SNAPSHOT_NOT_FOUND;
                return Ok(messages::fetch_snapshot_response(chunk, endpoint.as_ref()));
            }
        };
        let position = partition.position;
        if position < 0 || position as u64 >= size {
            chunk.error_code = error_code::POSITION_OUT_OF_RANGE;
            return Ok(messages::fetch_snapshot_response(chunk, endpoint.as_ref()));
        }
        let max_bytes = usize::try_from(request.max_bytes.max(1)).unwrap_or(1);
        chunk.bytes = self.log.read_snapshot(id, position as u64, max_bytes)?;
        chunk.size = size as i64;
        chunk.position = position;
        self.record_voter_fetch(request.replica_id.0);
        Ok(messages::fetch_snapshot_response(chunk, endpoint.as_ref()))
    }

    pub(super) fn send_fetch_snapshot(
        &mut self,
        destination: NodeId,
        id: OffsetAndEpoch,
        position: u64,
    ) {
        let request = messages::fetch_snapshot_request(
            &self.config.cluster_id,
            self.config.node_id,
            self.role.epoch(),
            id,
            position,
            i32::try_from(self.config.fetch_snapshot_max_bytes).unwrap_or(i32::MAX),
        );
        self.send(destination, RaftRequest::FetchSnapshot(request));
    }

    pub(super) fn handle_fetch_snapshot_response(
        &mut self,
        _source: NodeId,
        response: FetchSnapshotResponse,
    ) -> Result<bool> {
        if response.error_code != error_code::NONE {
            return Ok(false);
        }
        let Some(partition) = messages::fetch_snapshot_response_partition(&response) else {
            return Ok(false);
        };
        let leader = Some(partition.current_leader.leader_id.0).filter(|id| *id >= 0);
        let epoch = partition.current_leader.leader_epoch;
        let error = partition.error_code;
        if let Some(handled) = self.maybe_handle_common_response(error, leader, epoch)? {
            return Ok(handled);
        }
        let Role::Follower(state) = &self.role else {
            return Ok(true);
        };
        let Some((id, position)) = state.fetching_snapshot else {
            return Ok(true);
        };
        if error == error_code::SNAPSHOT_NOT_FOUND || error == error_code::POSITION_OUT_OF_RANGE {
            // The leader no longer has it (or we lost track): go back to fetching.
            if let Role::Follower(state) = &mut self.role {
                state.fetching_snapshot = None;
            }
            return Ok(true);
        }
        if error != error_code::NONE {
            return Ok(false);
        }
        let returned = OffsetAndEpoch::new(
            partition.snapshot_id.end_offset,
            partition.snapshot_id.epoch,
        );
        if returned != id || partition.position != position as i64 || partition.size <= 0 {
            return Ok(false);
        }
        let bytes = partition.unaligned_records.clone();
        self.log.write_snapshot_chunk(id, position, &bytes)?;
        let next = position + bytes.len() as u64;
        if next as i64 >= partition.size {
            self.log.complete_snapshot(id)?;
            self.load_snapshot_quorum_records(id)?;
            if let Role::Follower(state) = &mut self.role {
                state.fetching_snapshot = None;
            }
            self.update_follower_high_watermark(id.offset)?;
        } else if let Role::Follower(state) = &mut self.role {
            state.fetching_snapshot = Some((id, next));
        }
        self.on_successful_fetch();
        Ok(true)
    }
}
