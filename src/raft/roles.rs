//! One type per Raft role, as Kafka's `UnattachedState`, `ProspectiveState`, `CandidateState`,
//! `LeaderState`, `FollowerState` and `ResignedState`: each holds what only that role knows
//! (its timers as absolute deadlines on the engine's clock, its election tally, its replicas'
//! progress). [`Role`] is the one a node is in; [`super::transitions`] says which moves are legal.

use std::collections::{BTreeMap, BTreeSet};

use yakt_wire::Uuid;

use super::election::EpochElection;
use super::store::ElectionState;
use super::types::{NodeId, OffsetAndEpoch, RequestId};

/// The kind of a role, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    /// Knows an epoch but no leader; may have voted.
    Unattached,
    /// Asking for pre-votes (KIP-996) before bumping the epoch.
    Prospective,
    /// Asking for votes in a new epoch.
    Candidate,
    /// Elected for the epoch.
    Leader,
    /// Replicating from the known leader of the epoch.
    Follower,
    /// A former leader that stepped down and tells the voters (EndQuorumEpoch).
    Resigned,
}

impl RoleKind {
    /// The role in lower case, as the admin API and metrics name it.
    pub fn name(self) -> &'static str {
        match self {
            RoleKind::Unattached => "unattached",
            RoleKind::Prospective => "prospective",
            RoleKind::Candidate => "candidate",
            RoleKind::Leader => "leader",
            RoleKind::Follower => "follower",
            RoleKind::Resigned => "resigned",
        }
    }
}

/// Unattached: an epoch without a known (reachable) leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnattachedState {
    /// The epoch.
    pub epoch: i32,
    /// The leader of the epoch if known but not followed.
    pub leader_id: Option<NodeId>,
    /// The vote cast in this epoch.
    pub voted: Option<(NodeId, Uuid)>,
    /// When a voter starts an election (`None` for observers).
    pub election_deadline_ms: Option<u64>,
    /// The high watermark carried over from the previous role.
    pub high_watermark: Option<i64>,
}

/// Prospective: collecting pre-votes for `epoch + 1` without changing any durable state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProspectiveState {
    /// The (unchanged) epoch.
    pub epoch: i32,
    /// The leader of the epoch this node followed before, if any.
    pub leader_id: Option<NodeId>,
    /// The vote cast in this epoch.
    pub voted: Option<(NodeId, Uuid)>,
    /// The pre-vote tally.
    pub election: EpochElection,
    /// Consecutive elections this node has started without being elected.
    pub retries: u32,
    /// When the pre-vote round is given up.
    pub election_deadline_ms: u64,
    /// The high watermark carried over.
    pub high_watermark: Option<i64>,
}

/// Candidate: the epoch was bumped and this node voted for itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateState {
    /// The new epoch.
    pub epoch: i32,
    /// The vote tally.
    pub election: EpochElection,
    /// Consecutive elections this node has started without being elected.
    pub retries: u32,
    /// When the round is given up.
    pub election_deadline_ms: u64,
    /// Set once the round is lost: when to start over as Prospective.
    pub backoff_until_ms: Option<u64>,
    /// The high watermark carried over.
    pub high_watermark: Option<i64>,
}

/// What the leader knows of one replica (Kafka's `LeaderState.ReplicaState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplicaProgress {
    /// The replica's durable end offset (its last fetch offset), if it fetched in this epoch.
    pub end_offset: Option<i64>,
    /// When it last fetched.
    pub last_fetch_ms: Option<u64>,
    /// When it was last caught up with the leader's end offset.
    pub last_caught_up_ms: Option<u64>,
    /// The leader's end offset at its previous fetch.
    pub leader_end_offset_at_last_fetch: Option<i64>,
    /// The directory id it fetched with (`Uuid::ZERO` when it sent none).
    pub directory_id: Uuid,
}

impl ReplicaProgress {
    /// Records a fetch at `fetch_offset` while the leader's log ends at `leader_end_offset`.
    /// Returns whether the end offset moved.
    pub fn record_fetch(&mut self, fetch_offset: i64, leader_end_offset: i64, now_ms: u64) -> bool {
        if fetch_offset >= leader_end_offset {
            self.last_caught_up_ms = Some(now_ms);
        } else if let (Some(previous_end), Some(previous_fetch)) =
            (self.leader_end_offset_at_last_fetch, self.last_fetch_ms)
        {
            if fetch_offset >= previous_end {
                self.last_caught_up_ms =
                    Some(self.last_caught_up_ms.unwrap_or(0).max(previous_fetch));
            }
        }
        self.leader_end_offset_at_last_fetch = Some(leader_end_offset);
        self.last_fetch_ms = Some(now_ms);
        let moved = self.end_offset != Some(fetch_offset);
        self.end_offset = Some(fetch_offset);
        moved
    }
}

/// Leader: elected for `epoch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderState {
    /// The epoch.
    pub epoch: i32,
    /// The log end offset when this node was elected; the LeaderChangeMessage goes there.
    pub epoch_start_offset: i64,
    /// The high watermark, unknown until a record of this epoch is committed.
    pub high_watermark: Option<i64>,
    /// Progress of every voter, this node included (its end offset is its flushed offset).
    pub voters: BTreeMap<NodeId, ReplicaProgress>,
    /// Progress of observers that fetched in this epoch.
    pub observers: BTreeMap<NodeId, ReplicaProgress>,
    /// The voters that granted the vote.
    pub granting_voters: BTreeSet<NodeId>,
    /// Voters that fetched since the check-quorum timer was last reset.
    pub fetched_voters: BTreeSet<NodeId>,
    /// When the leader resigns unless a majority fetched (1.5 x fetch timeout).
    pub check_quorum_deadline_ms: u64,
    /// Voters that acknowledged this epoch (BeginQuorumEpoch answered or a Fetch received).
    pub acknowledged: BTreeSet<NodeId>,
    /// When BeginQuorumEpoch is next sent to voters that have not acknowledged.
    pub begin_quorum_epoch_due_ms: u64,
    /// The AddRaftVoter or RemoveRaftVoter waiting for its VotersRecord to commit.
    pub pending_change: Option<PendingVoterChange>,
    /// Set once a VotersRecord without this node committed: it resigns.
    pub resign_requested: bool,
}

/// Which voter change is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoterChangeKind {
    /// AddRaftVoter.
    Add,
    /// RemoveRaftVoter.
    Remove,
}

/// An AddRaftVoter or RemoveRaftVoter the leader answers once its VotersRecord commits (Kafka's
/// `AddVoterHandlerState` / `RemoveVoterHandlerState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingVoterChange {
    /// The request to answer.
    pub request_id: RequestId,
    /// Which change.
    pub kind: VoterChangeKind,
    /// Offset of the VotersRecord it appended.
    pub voters_offset: i64,
    /// When it is answered with REQUEST_TIMED_OUT.
    pub deadline_ms: u64,
}

impl LeaderState {
    /// Voters other than `local_id`, by descending end offset (unknown last), then id: Kafka's
    /// order for the preferred successors of a resigning leader.
    pub fn successors_by_end_offset(&self, local_id: NodeId) -> Vec<NodeId> {
        let mut others: Vec<(Option<i64>, NodeId)> = self
            .voters
            .iter()
            .filter(|(id, _)| **id != local_id)
            .map(|(id, p)| (p.end_offset, *id))
            .collect();
        others.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        others.into_iter().map(|(_, id)| id).collect()
    }
}

/// Follower: replicating from `leader_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerState {
    /// The epoch.
    pub epoch: i32,
    /// The leader.
    pub leader_id: NodeId,
    /// The vote cast in this epoch, if any.
    pub voted: Option<(NodeId, Uuid)>,
    /// When a voter gives up on the leader (no successful fetch for the fetch timeout).
    pub fetch_deadline_ms: u64,
    /// Whether a fetch from the leader succeeded in this role (Kafka's `hasFetchedFromLeader`);
    /// until then this node grants pre-votes.
    pub has_fetched_from_leader: bool,
    /// The high watermark learned from the leader.
    pub high_watermark: Option<i64>,
    /// A snapshot being fetched and the bytes received so far.
    pub fetching_snapshot: Option<(OffsetAndEpoch, u64)>,
    /// Whether the leader accepted this voter's UpdateRaftVoter in this epoch (Kafka's
    /// `hasUpdatedLeader`).
    pub has_updated_leader: bool,
}

/// Resigned: a leader that stepped down in `epoch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResignedState {
    /// The epoch it led.
    pub epoch: i32,
    /// When it moves on to the next epoch.
    pub election_deadline_ms: u64,
    /// Voters in the order they should try to succeed it.
    pub preferred_successors: Vec<NodeId>,
    /// Voters that have not acknowledged EndQuorumEpoch.
    pub unacknowledged: BTreeSet<NodeId>,
}

/// The role a node is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// See [`UnattachedState`].
    Unattached(UnattachedState),
    /// See [`ProspectiveState`].
    Prospective(ProspectiveState),
    /// See [`CandidateState`].
    Candidate(CandidateState),
    /// See [`LeaderState`].
    Leader(LeaderState),
    /// See [`FollowerState`].
    Follower(FollowerState),
    /// See [`ResignedState`].
    Resigned(ResignedState),
}

impl Role {
    /// The kind of role.
    pub fn kind(&self) -> RoleKind {
        match self {
            Role::Unattached(_) => RoleKind::Unattached,
            Role::Prospective(_) => RoleKind::Prospective,
            Role::Candidate(_) => RoleKind::Candidate,
            Role::Leader(_) => RoleKind::Leader,
            Role::Follower(_) => RoleKind::Follower,
            Role::Resigned(_) => RoleKind::Resigned,
        }
    }

    /// The epoch.
    pub fn epoch(&self) -> i32 {
        match self {
            Role::Unattached(s) => s.epoch,
            Role::Prospective(s) => s.epoch,
            Role::Candidate(s) => s.epoch,
            Role::Leader(s) => s.epoch,
            Role::Follower(s) => s.epoch,
            Role::Resigned(s) => s.epoch,
        }
    }

    /// The leader of the epoch as far as this node knows (itself when Leader or Resigned).
    pub fn leader_id(&self, local_id: NodeId) -> Option<NodeId> {
        match self {
            Role::Unattached(s) => s.leader_id,
            Role::Prospective(s) => s.leader_id,
            Role::Candidate(_) => None,
            Role::Leader(_) | Role::Resigned(_) => Some(local_id),
            Role::Follower(s) => Some(s.leader_id),
        }
    }

    /// The vote cast in the epoch (a candidate or leader voted for itself).
    pub fn voted(&self, local: (NodeId, Uuid)) -> Option<(NodeId, Uuid)> {
        match self {
            Role::Unattached(s) => s.voted,
            Role::Prospective(s) => s.voted,
            Role::Candidate(_) | Role::Leader(_) => Some(local),
            Role::Follower(s) => s.voted,
            Role::Resigned(_) => None,
        }
    }

    /// The high watermark known in this role.
    pub fn high_watermark(&self) -> Option<i64> {
        match self {
            Role::Unattached(s) => s.high_watermark,
            Role::Prospective(s) => s.high_watermark,
            Role::Candidate(s) => s.high_watermark,
            Role::Leader(s) => s.high_watermark,
            Role::Follower(s) => s.high_watermark,
            Role::Resigned(_) => None,
        }
    }

    /// What this role persists in `quorum-state`.
    pub fn election_state(&self, local: (NodeId, Uuid), voters: BTreeSet<NodeId>) -> ElectionState {
        ElectionState {
            epoch: self.epoch(),
            leader_id: self.leader_id(local.0),
            voted: self.voted(local),
            voters,
        }
    }
}
