//! Announcing and ending an epoch: the leader sends BeginQuorumEpoch to every voter until each
//! acknowledges it (resent every fetch timeout / 2, and again to a voter that has not fetched
//! for a fetch timeout), resigns when a majority has not fetched for
//! 1.5 times the fetch timeout, and a resigned leader sends EndQuorumEpoch naming its preferred
//! successors, the first of which starts its election without backoff.

use kafka_protocol::messages::{
    BeginQuorumEpochRequest, BeginQuorumEpochResponse, EndQuorumEpochRequest,
    EndQuorumEpochResponse,
};

use crate::raft::log::RaftLog;
use crate::raft::messages::{self, cluster_id_matches, RaftRequest};
use crate::raft::roles::Role;
use crate::raft::store::QuorumStateStore;
use crate::raft::types::{error_code, NodeId};

use super::vote::check_quorum_timeout_ms;
use super::{RaftEngine, Result, ELECTION_BACKOFF_BASE_MS};

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    pub(super) fn handle_begin_epoch_request(
        &mut self,
        request: &BeginQuorumEpochRequest,
    ) -> Result<BeginQuorumEpochResponse> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(messages::begin_epoch_response(
                error_code::INCONSISTENT_CLUSTER_ID,
                0,
                0,
                None,
            ));
        }
        let Some(partition) = messages::begin_epoch_partition(request) else {
            return Ok(messages::begin_epoch_response(
                error_code::INVALID_REQUEST,
                0,
                0,
                None,
            ));
        };
        let (leader, epoch) = (partition.leader_id.0, partition.leader_epoch);
        let voter_id = request.voter_id.0;
        if let Some(endpoint) = request.leader_endpoints.first() {
            self.learn_endpoint(leader, endpoint.host.as_str(), i64::from(endpoint.port));
        }
        let error = self.validate_voter_only(leader, epoch).or_else(|| {
            (voter_id >= 0 && voter_id != self.config.node_id)
                .then_some(error_code::INVALID_VOTER_KEY)
        });
        if error.is_none() {
            self.maybe_transition(Some(leader), epoch)?;
        }
        Ok(messages::begin_epoch_response(
            error_code::NONE,
            error.unwrap_or(error_code::NONE),
            self.role.epoch(),
            self.leader_id(),
        ))
    }

    pub(super) fn handle_begin_epoch_response(
        &mut self,
        source: NodeId,
        response: &BeginQuorumEpochResponse,
    ) -> Result<bool> {
        if response.error_code != error_code::NONE {
            return Ok(false);
        }
        let Some((error, leader, epoch)) = messages::begin_epoch_response_partition(response)
        else {
            return Ok(false);
        };
        let leader = Some(leader).filter(|id| *id >= 0);
        if let Some(handled) = self.maybe_handle_common_response(error, leader, epoch)? {
            return Ok(handled);
        }
        if error != error_code::NONE {
            return Ok(false);
        }
        if let Role::Leader(state) = &mut self.role {
            state.acknowledged.insert(source);
        }
        Ok(true)
    }

    pub(super) fn handle_end_epoch_request(
        &mut self,
        request: &EndQuorumEpochRequest,
    ) -> Result<EndQuorumEpochResponse> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(messages::end_epoch_response(
                error_code::INCONSISTENT_CLUSTER_ID,
                0,
                0,
                None,
            ));
        }
        let Some(partition) = messages::end_epoch_partition(request) else {
            return Ok(messages::end_epoch_response(
                error_code::INVALID_REQUEST,
                0,
                0,
                None,
            ));
        };
        let (leader, epoch) = (partition.leader_id.0, partition.leader_epoch);
        if let Some(error) = self.validate_voter_only(leader, epoch) {
            return Ok(messages::end_epoch_response(
                error_code::NONE,
                error,
                self.role.epoch(),
                self.leader_id(),
            ));
        }
        self.maybe_transition(Some(leader), epoch)?;
        let successors = messages::preferred_successors(partition);
        let backoff = self.end_epoch_election_backoff_ms(&successors);
        let now = self.now_ms;
        if let Role::Follower(state) = &mut self.role {
            if state.leader_id == leader {
                state.fetch_deadline_ms = now + backoff;
                // The leader has stepped down: stop refusing pre-votes on its behalf.
                state.has_fetched_from_leader = false;
            }
        }
        Ok(messages::end_epoch_response(
            error_code::NONE,
            error_code::NONE,
            self.role.epoch(),
            self.leader_id(),
        ))
    }

    /// Kafka's `endEpochElectionBackoff`: 0 for the first preferred successor, then
    /// exponentially more, and the maximum for a voter not in the list.
    fn end_epoch_election_backoff_ms(&self, successors: &[NodeId]) -> u64 {
        let max = self.config.election_backoff_max_ms;
        match successors.iter().position(|id| *id == self.config.node_id) {
            Some(0) => 0,
            Some(position) => {
                let shift = (position - 1).min(20) as u32;
                (ELECTION_BACKOFF_BASE_MS << shift).min(max)
            }
            None => max,
        }
    }

    pub(super) fn handle_end_epoch_response(
        &mut self,
        source: NodeId,
        response: &EndQuorumEpochResponse,
    ) -> Result<bool> {
        if response.error_code != error_code::NONE {
            return Ok(false);
        }
        let Some((error, leader, epoch)) = messages::end_epoch_response_partition(response) else {
            return Ok(false);
        };
        // A voter that answered has heard that this node resigned, whatever else it reports.
        if let Role::Resigned(state) = &mut self.role {
            if epoch >= state.epoch && error != error_code::BROKER_NOT_AVAILABLE {
                state.unacknowledged.remove(&source);
            }
        }
        let leader = Some(leader).filter(|id| *id >= 0);
        if let Some(handled) = self.maybe_handle_common_response(error, leader, epoch)? {
            return Ok(handled);
        }
        Ok(error == error_code::NONE)
    }

    pub(super) fn send_end_epoch(&mut self, voter: NodeId) {
        let Role::Resigned(state) = &self.role else {
            return;
        };
        if voter == self.config.node_id || !self.requests.is_ready(voter, self.now_ms) {
            return;
        }
        let preferred: Vec<(NodeId, yakt_wire::Uuid)> = state
            .preferred_successors
            .iter()
            .map(|id| (*id, self.voter_directory_id(*id)))
            .collect();
        let request = messages::end_epoch_request(
            &self.config.cluster_id,
            self.config.node_id,
            state.epoch,
            &preferred,
        );
        self.send(voter, RaftRequest::EndQuorumEpoch(request));
    }

    pub(super) fn poll_leader(&mut self) -> Result<()> {
        let Role::Leader(state) = &self.role else {
            return Ok(());
        };
        let single = self.voters().len() <= 1 && self.is_voter();
        if state.resign_requested || (!single && self.now_ms >= state.check_quorum_deadline_ms) {
            return self.transition_to_resigned();
        }
        if self.now_ms >= state.begin_quorum_epoch_due_ms {
            // Voters that have not acknowledged the epoch, and voters that stopped fetching: one
            // that moved to a higher epoch in an election it lost answers with that epoch, and
            // the leader steps down instead of keeping it out forever.
            let stale_before = self.now_ms.saturating_sub(self.config.fetch_timeout_ms);
            let pending: Vec<NodeId> = state
                .voters
                .iter()
                .filter(|(id, progress)| {
                    **id != self.config.node_id
                        && (!state.acknowledged.contains(id)
                            || progress.last_fetch_ms.is_none_or(|t| t < stale_before))
                })
                .map(|(id, _)| *id)
                .collect();
            let epoch = state.epoch;
            for voter in pending {
                if self.requests.is_ready(voter, self.now_ms) {
                    let request = messages::begin_epoch_request(
                        &self.config.cluster_id,
                        (voter, self.voter_directory_id(voter)),
                        self.config.node_id,
                        epoch,
                        &self.config.listener_name,
                        self.local_endpoint().as_ref(),
                    );
                    self.send(voter, RaftRequest::BeginQuorumEpoch(request));
                }
            }
            let next = self.now_ms + self.config.fetch_timeout_ms / 2;
            if let Role::Leader(state) = &mut self.role {
                state.begin_quorum_epoch_due_ms = next;
            }
        }
        Ok(())
    }

    /// Kafka's `updateCheckQuorumForFollowingVoter`: a fetch from voter `replica_id`; once a
    /// majority (the leader counting itself) fetched, the check-quorum timer restarts.
    pub(super) fn record_voter_fetch(&mut self, replica_id: NodeId) {
        let now = self.now_ms;
        let fetch_timeout = self.config.fetch_timeout_ms;
        let local_id = self.config.node_id;
        let majority = self.voters().majority();
        let Role::Leader(state) = &mut self.role else {
            return;
        };
        if !state.voters.contains_key(&replica_id) || replica_id == local_id {
            return;
        }
        state.acknowledged.insert(replica_id);
        state.fetched_voters.insert(replica_id);
        let needed = if state.voters.contains_key(&local_id) {
            majority - 1
        } else {
            majority
        };
        if state.fetched_voters.len() >= needed {
            state.fetched_voters.clear();
            state.check_quorum_deadline_ms = now + check_quorum_timeout_ms(fetch_timeout);
        }
    }
}
