//! Elections: answering Vote requests (pre-votes and votes, KIP-595 and KIP-996), asking for
//! them as Prospective and Candidate, counting the answers, and becoming leader.
//!
//! A voter grants at most one vote per epoch, only to a candidate whose log is at least as up to
//! date as its own (last epoch, then end offset), and writes the vote to `quorum-state` before
//! the response is queued. A pre-vote changes no epoch and records nothing.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::messages::{VoteRequest, VoteResponse};

use crate::raft::control::start_of_epoch_batch;
use crate::raft::log::RaftLog;
use crate::raft::messages::{self, cluster_id_matches, RaftRequest, VoteParams};
use crate::raft::roles::{LeaderState, ReplicaProgress, Role, UnattachedState};
use crate::raft::store::QuorumStateStore;
use crate::raft::types::{error_code, NodeId, OffsetAndEpoch};

use super::{RaftEngine, Result};

/// Kafka's `CHECK_QUORUM_TIMEOUT_FACTOR`: a leader resigns without fetches from a majority for
/// 1.5 times the fetch timeout.
pub(super) fn check_quorum_timeout_ms(fetch_timeout_ms: u64) -> u64 {
    fetch_timeout_ms + fetch_timeout_ms / 2
}

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    pub(super) fn handle_vote_request(&mut self, request: &VoteRequest) -> Result<VoteResponse> {
        if !cluster_id_matches(&request.cluster_id, &self.config.cluster_id) {
            return Ok(messages::vote_error(error_code::INCONSISTENT_CLUSTER_ID));
        }
        let Some(partition) = messages::vote_partition(request) else {
            return Ok(messages::vote_error(error_code::INVALID_REQUEST));
        };
        let candidate = partition.replica_id.0;
        let candidate_epoch = partition.replica_epoch;
        let pre_vote = partition.pre_vote;
        let last = OffsetAndEpoch::new(partition.last_offset, partition.last_offset_epoch);
        let illegal_epoch = if pre_vote {
            last.epoch > candidate_epoch
        } else {
            last.epoch >= candidate_epoch
        };
        if illegal_epoch || last.offset < 0 || last.epoch < 0 {
            return Ok(self.vote_reply(error_code::INVALID_REQUEST, false));
        }
        if let Some(error) = self.validate_voter_only(candidate, candidate_epoch) {
            return Ok(self.vote_reply(error, false));
        }
        if candidate_epoch > self.role.epoch() && !pre_vote {
            self.transition_to_unattached(candidate_epoch, None)?;
        }
        let voter_id = request.voter_id.0;
        let voter_directory = yakt_wire::Uuid::from(partition.voter_directory_id);
        if (voter_id >= 0 && voter_id != self.config.node_id)
            || (voter_directory != yakt_wire::Uuid::default()
                && voter_directory != self.config.directory_id)
        {
            return Ok(self.vote_reply(error_code::INVALID_VOTER_KEY, false));
        }
        let up_to_date = last >= self.log_end();
        let granted = self.can_grant_vote(candidate, up_to_date, pre_vote);
        if granted && !pre_vote {
            let candidate_key = (
                candidate,
                yakt_wire::Uuid::from(partition.replica_directory_id),
            );
            self.record_vote(candidate_epoch, candidate_key)?;
        }
        Ok(self.vote_reply(error_code::NONE, granted))
    }

    fn vote_reply(&self, error: i16, granted: bool) -> VoteResponse {
        let leader = self.leader_id();
        messages::vote_response(
            error,
            self.role.epoch(),
            leader,
            granted,
            self.endpoint_of(leader).as_ref(),
        )
    }

    /// Each role's rule for granting (Kafka's `EpochState.canGrantVote`).
    fn can_grant_vote(&self, candidate: NodeId, up_to_date: bool, pre_vote: bool) -> bool {
        let unattached_or_prospective = |leader_id: Option<NodeId>, voted: Option<(NodeId, _)>| {
            if pre_vote {
                up_to_date
            } else if let Some((voted_id, _)) = voted {
                voted_id == candidate
            } else {
                leader_id.is_none() && up_to_date
            }
        };
        match &self.role {
            Role::Unattached(s) => unattached_or_prospective(s.leader_id, s.voted),
            Role::Prospective(s) => unattached_or_prospective(s.leader_id, s.voted),
            // A candidate's own vote is implicit; it grants only pre-votes.
            Role::Candidate(_) => pre_vote && up_to_date,
            Role::Follower(s) => pre_vote && !s.has_fetched_from_leader && up_to_date,
            Role::Leader(_) => false,
            // A resigned leader has stepped down: it does not stand in the way of a successor's
            // pre-vote, but never votes in the epoch it led.
            Role::Resigned(_) => pre_vote && up_to_date,
        }
    }

    /// Records a granted vote: Unattached or Prospective in `epoch` with no vote yet move to the
    /// same role with the vote, written to the store first (unless the planted bug skips it).
    fn record_vote(&mut self, epoch: i32, candidate: (NodeId, yakt_wire::Uuid)) -> Result<()> {
        let durable = !self.config.planted_bugs.skip_vote_persist;
        let deadline = self.now_ms + self.random_election_timeout_ms();
        let to = match &self.role {
            Role::Unattached(s) if s.epoch == epoch && s.voted.is_none() => {
                Role::Unattached(UnattachedState {
                    voted: Some(candidate),
                    election_deadline_ms: Some(deadline),
                    ..s.clone()
                })
            }
            Role::Prospective(s) if s.epoch == epoch && s.voted.is_none() => {
                let mut next = s.clone();
                next.voted = Some(candidate);
                next.election_deadline_ms = deadline;
                Role::Prospective(next)
            }
            _ => return Ok(()),
        };
        self.transition(to, durable)
    }

    pub(super) fn handle_vote_response(
        &mut self,
        source: NodeId,
        response: &VoteResponse,
    ) -> Result<bool> {
        if response.error_code != error_code::NONE {
            if response.error_code == error_code::UNSUPPORTED_VERSION
                && matches!(self.role, Role::Prospective(_))
            {
                // A voter without pre-vote support: skip straight to a real election.
                self.transition_to_candidate()?;
                return Ok(true);
            }
            return Ok(false);
        }
        let Some(partition) = messages::vote_response_partition(response) else {
            return Ok(false);
        };
        for node in &response.node_endpoints {
            self.learn_endpoint(node.node_id.0, node.host.as_str(), i64::from(node.port));
        }
        let leader = Some(partition.leader_id.0).filter(|id| *id >= 0);
        if let Some(handled) =
            self.maybe_handle_common_response(partition.error_code, leader, partition.leader_epoch)?
        {
            return Ok(handled);
        }
        if partition.error_code != error_code::NONE {
            return Ok(false);
        }
        let granted = partition.vote_granted;
        match &mut self.role {
            Role::Prospective(s) => {
                s.election.record(source, granted);
            }
            Role::Candidate(s) => {
                s.election.record(source, granted);
            }
            _ => return Ok(true),
        }
        self.maybe_win_election()?;
        self.maybe_lose_election()?;
        Ok(true)
    }

    /// Prospective with a majority of pre-votes becomes Candidate; Candidate with a majority of
    /// votes becomes Leader.
    pub(super) fn maybe_win_election(&mut self) -> Result<()> {
        if !self.is_voter() {
            return Ok(());
        }
        match &self.role {
            Role::Prospective(s) if s.election.is_granted() => self.transition_to_candidate(),
            Role::Candidate(s) if s.election.is_granted() => self.become_leader(),
            _ => Ok(()),
        }
    }

    /// A Candidate that can no longer win backs off; a Prospective that can no longer win goes
    /// back to its leader (as Follower) or to Unattached.
    fn maybe_lose_election(&mut self) -> Result<()> {
        match &self.role {
            Role::Candidate(s) if s.election.is_rejected() && s.backoff_until_ms.is_none() => {
                let retries = s.retries;
                let backoff = self.election_backoff_ms(retries);
                if let Role::Candidate(s) = &mut self.role {
                    s.backoff_until_ms = Some(self.now_ms + backoff);
                }
                Ok(())
            }
            Role::Prospective(s) if s.election.is_rejected() => self.prospective_lost(),
            _ => Ok(()),
        }
    }

    fn prospective_lost(&mut self) -> Result<()> {
        let Role::Prospective(s) = &self.role else {
            return Ok(());
        };
        let epoch = s.epoch;
        match s.leader_id {
            Some(leader) if self.can_follow(leader) => self.transition_to_follower(epoch, leader),
            leader => self.transition_to_unattached(epoch, leader),
        }
    }

    pub(super) fn poll_prospective(&mut self) -> Result<()> {
        let Role::Prospective(s) = &self.role else {
            return Ok(());
        };
        if s.election.is_rejected() || self.now_ms >= s.election_deadline_ms || !self.is_voter() {
            return self.prospective_lost();
        }
        let pending: Vec<NodeId> = s.election.unrecorded().collect();
        self.send_votes(&pending, true);
        Ok(())
    }

    pub(super) fn poll_candidate(&mut self) -> Result<()> {
        let Role::Candidate(s) = &self.role else {
            return Ok(());
        };
        if let Some(until) = s.backoff_until_ms {
            if self.now_ms >= until && !self.is_voter() {
                // Removed from the voter set while standing: no new election.
                let next = super::next_epoch(s.epoch)?;
                return self.transition_to_unattached(next, None);
            }
            if self.now_ms >= until {
                self.transition_to_prospective()?;
            }
            return Ok(());
        }
        if s.election.is_rejected() || self.now_ms >= s.election_deadline_ms {
            let retries = s.retries;
            let backoff = self.election_backoff_ms(retries);
            if let Role::Candidate(s) = &mut self.role {
                s.backoff_until_ms = Some(self.now_ms + backoff);
            }
            return Ok(());
        }
        let pending: Vec<NodeId> = s.election.unrecorded().collect();
        self.send_votes(&pending, false);
        Ok(())
    }

    fn send_votes(&mut self, voters: &[NodeId], pre_vote: bool) {
        let last = self.log_end();
        for &voter in voters {
            if voter == self.config.node_id || !self.requests.is_ready(voter, self.now_ms) {
                continue;
            }
            let params = VoteParams {
                voter_id: voter,
                voter_directory_id: self.voter_directory_id(voter),
                replica_id: self.config.node_id,
                replica_directory_id: self.config.directory_id,
                replica_epoch: self.role.epoch(),
                last,
                pre_vote,
            };
            let request = messages::vote_request(&self.config.cluster_id, params);
            self.send(voter, RaftRequest::Vote(request));
        }
    }

    /// Kafka's `onBecomeLeader`: the leader's epoch starts at its log end, where it appends a
    /// LeaderChangeMessage; nothing of earlier epochs commits until that record does. At
    /// kraft.version 1, while the log holds no VotersRecord, the bootstrap voter set follows it.
    fn become_leader(&mut self) -> Result<()> {
        let Role::Candidate(candidate) = &self.role else {
            return Ok(());
        };
        let epoch = candidate.epoch;
        let granting: BTreeSet<NodeId> = candidate.election.granted().collect();
        let start = self.log.log_end_offset();
        let local_id = self.config.node_id;
        let voters: BTreeMap<NodeId, ReplicaProgress> = self
            .voters()
            .ids()
            .map(|id| (id, ReplicaProgress::default()))
            .collect();
        let leader = LeaderState {
            epoch,
            epoch_start_offset: start,
            high_watermark: None,
            voters,
            observers: BTreeMap::new(),
            granting_voters: granting.clone(),
            fetched_voters: BTreeSet::new(),
            check_quorum_deadline_ms: self.now_ms
                + check_quorum_timeout_ms(self.config.fetch_timeout_ms),
            acknowledged: BTreeSet::from([local_id]),
            begin_quorum_epoch_due_ms: self.now_ms,
            pending_change: None,
            resign_requested: false,
        };
        self.transition(Role::Leader(leader), true)?;
        let kraft_version = self.quorum.kraft_version();
        let voter_set = (kraft_version >= 1 && self.quorum.latest_offset().is_none())
            .then(|| self.voters().clone());
        let batch = start_of_epoch_batch(
            start,
            epoch,
            self.now_ms as i64,
            local_id,
            self.voters().ids(),
            granting,
            voter_set.as_ref().map(|set| (kraft_version, set)),
        );
        self.log.append_as_leader(batch.clone(), epoch)?;
        self.apply_quorum_records(&batch)?;
        self.request_flush();
        Ok(())
    }
}
