//! Rules shared by every RPC (Kafka's `maybeHandleCommonResponse`, `maybeTransition`,
//! `validateLeaderOnlyRequest`, `validateVoterOnlyRequest`): what a higher epoch or a newly
//! learned leader in any request or response does to this node, and the epoch checks.

use crate::raft::log::RaftLog;
use crate::raft::roles::Role;
use crate::raft::store::QuorumStateStore;
use crate::raft::types::{error_code, Endpoint, NodeId};

use super::{RaftEngine, RaftError, Result};

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    /// The endpoint of `node_id` on the controller listener, if it is a voter.
    pub(super) fn endpoint_of(&self, node_id: Option<NodeId>) -> Option<Endpoint> {
        node_id.and_then(|id| self.node_endpoint(id))
    }

    /// Kafka's `validateLeaderOnlyRequest`: the error for a leader-only request (Fetch,
    /// FetchSnapshot) carrying `request_epoch`, or `None` if this node may serve it.
    pub(super) fn validate_leader_only(&self, request_epoch: i32) -> Option<i16> {
        let epoch = self.role.epoch();
        if request_epoch < epoch {
            Some(error_code::FENCED_LEADER_EPOCH)
        } else if request_epoch > epoch {
            Some(error_code::UNKNOWN_LEADER_EPOCH)
        } else if !matches!(self.role, Role::Leader(_)) {
            Some(error_code::NOT_LEADER_OR_FOLLOWER)
        } else if self.shutting_down {
            Some(error_code::BROKER_NOT_AVAILABLE)
        } else {
            None
        }
    }

    /// Kafka's `validateVoterOnlyRequest`: the error for a request from `remote_id` carrying
    /// `request_epoch` (Vote, BeginQuorumEpoch, EndQuorumEpoch), or `None`.
    pub(super) fn validate_voter_only(&self, remote_id: NodeId, request_epoch: i32) -> Option<i16> {
        if remote_id < 0 {
            Some(error_code::INVALID_REQUEST)
        } else if request_epoch < self.role.epoch() {
            Some(error_code::FENCED_LEADER_EPOCH)
        } else {
            None
        }
    }

    /// Kafka's `maybeHandleCommonResponse`: `Some(handled)` when the response's epoch and leader
    /// settle it (stale, or it moved this node to another epoch or leader); `None` when the
    /// caller should go on and read the response.
    pub(super) fn maybe_handle_common_response(
        &mut self,
        error: i16,
        leader_id: Option<NodeId>,
        epoch: i32,
    ) -> Result<Option<bool>> {
        let current = self.role.epoch();
        if epoch < current || error == error_code::UNKNOWN_LEADER_EPOCH {
            return Ok(Some(true));
        }
        if epoch > current
            || error == error_code::FENCED_LEADER_EPOCH
            || error == error_code::NOT_LEADER_OR_FOLLOWER
        {
            self.maybe_transition(leader_id, epoch)?;
            self.observer_back_to_leader(leader_id, epoch);
            return Ok(Some(true));
        }
        if let Some(leader) = leader_id {
            if self.should_start_following(leader) {
                self.check_consistent_leader(epoch, Some(leader))?;
                self.transition_to_follower(epoch, leader)?;
                return Ok(if error == error_code::NONE {
                    None
                } else {
                    Some(true)
                });
            }
        }
        if error == error_code::BROKER_NOT_AVAILABLE {
            return Ok(Some(false));
        }
        Ok(None)
    }

    /// An observer whose leader stopped answering asks the bootstrap servers; one that names
    /// the same leader again sends it back to that leader for another fetch timeout.
    fn observer_back_to_leader(&mut self, leader_id: Option<NodeId>, epoch: i32) {
        let deadline = self.now_ms + self.config.fetch_timeout_ms;
        let is_voter = self.is_voter();
        if let Role::Follower(state) = &mut self.role {
            if !is_voter && state.epoch == epoch && Some(state.leader_id) == leader_id {
                state.fetch_deadline_ms = state.fetch_deadline_ms.max(deadline);
            }
        }
    }

    /// Whether this node, told of `leader` in its own epoch, should start following it: it
    /// knows no leader, or knew this one but could not reach it (Unattached, e.g. a restarted
    /// node whose log does not list the leader as a voter, until a response gives its endpoint).
    fn should_start_following(&self, leader: NodeId) -> bool {
        let known = match &self.role {
            Role::Unattached(s) => s.leader_id.is_none_or(|id| id == leader),
            _ => self.leader_id().is_none(),
        };
        known && self.can_follow(leader)
    }

    /// Whether `leader` can be followed: a node with a known endpoint, not this node.
    pub(super) fn can_follow(&self, leader: NodeId) -> bool {
        leader != self.config.node_id && self.node_endpoint(leader).is_some()
    }

    /// Fails if `leader_id` is announced as leader of our epoch while we know another one: two
    /// leaders in one epoch.
    pub(super) fn check_consistent_leader(
        &self,
        epoch: i32,
        leader_id: Option<NodeId>,
    ) -> Result<()> {
        if epoch != self.role.epoch() {
            return Ok(());
        }
        match (self.leader_id(), leader_id) {
            (Some(ours), Some(theirs)) if ours != theirs => Err(RaftError::Invariant(format!(
                "node {} knows leader {ours} for epoch {epoch} but was told of leader {theirs}",
                self.config.node_id
            ))),
            (None, Some(theirs)) if theirs == self.config.node_id => Err(RaftError::Invariant(
                format!("node {theirs} was told it leads epoch {epoch}, which it does not know"),
            )),
            _ => Ok(()),
        }
    }

    /// Kafka's `maybeTransition`: a request or response showed `epoch` with `leader_id`.
    pub(super) fn maybe_transition(&mut self, leader_id: Option<NodeId>, epoch: i32) -> Result<()> {
        self.check_consistent_leader(epoch, leader_id)?;
        let current = self.role.epoch();
        if epoch > current {
            match leader_id {
                Some(leader) if leader == self.config.node_id => {
                    return Err(RaftError::Invariant(format!(
                        "node {leader} was told it leads epoch {epoch}, above its own {current}"
                    )))
                }
                Some(leader) if self.can_follow(leader) => {
                    self.transition_to_follower(epoch, leader)?
                }
                _ => self.transition_to_unattached(epoch, leader_id)?,
            }
        } else if epoch == current {
            if let Some(leader) = leader_id {
                if self.should_start_following(leader) {
                    self.transition_to_follower(epoch, leader)?;
                }
            }
        }
        Ok(())
    }
}
