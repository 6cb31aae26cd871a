//! The election state a voter must never forget (Kafka's `ElectionState` and `QuorumStateStore`):
//! the epoch, the leader if known, and the vote cast in that epoch. The engine writes it through
//! [`QuorumStateStore::write`] synchronously and only then emits anything that depends on it,
//! so a vote is durable before it is answered (KIP-595; style.md item 8).

use std::collections::BTreeSet;

use yakt_wire::Uuid;

use super::types::NodeId;

/// The durable election state (`quorum-state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElectionState {
    /// The epoch.
    pub epoch: i32,
    /// The leader of `epoch`, if known.
    pub leader_id: Option<NodeId>,
    /// The candidate this node voted for in `epoch` (itself when it was a candidate), with the
    /// candidate's directory id (`Uuid::ZERO` when unknown, as at kraft.version 0).
    pub voted: Option<(NodeId, Uuid)>,
    /// The voters (written only at kraft.version 0, as `currentVoters`).
    pub voters: BTreeSet<NodeId>,
}

impl ElectionState {
    /// The state of a node that has never taken part in an election.
    pub fn initial(voters: BTreeSet<NodeId>) -> ElectionState {
        ElectionState {
            epoch: 0,
            leader_id: None,
            voted: None,
            voters,
        }
    }

    /// The id this node voted for, if any.
    pub fn voted_id(&self) -> Option<NodeId> {
        self.voted.map(|(id, _)| id)
    }
}

/// Failure to read or write the election state: fatal to the node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("quorum-state store: {0}")]
pub struct StoreError(pub String);

/// Where the election state lives (the `quorum-state` file in production).
pub trait QuorumStateStore {
    /// The last state written, or `None` if none was ever written.
    fn read(&self) -> Result<Option<ElectionState>, StoreError>;

    /// Replaces the state durably: when this returns `Ok`, a crash cannot lose it.
    fn write(&mut self, state: &ElectionState) -> Result<(), StoreError>;
}

/// An in-memory store for tests and the simulator; its contents survive a simulated crash
/// (every write is durable when `write` returns).
#[derive(Debug, Clone, Default)]
pub struct MemStore {
    state: Option<ElectionState>,
    writes: u64,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore::default()
    }

    /// How many writes were made (tests assert that a transition persisted).
    pub fn write_count(&self) -> u64 {
        self.writes
    }

    /// The current contents.
    pub fn state(&self) -> Option<&ElectionState> {
        self.state.as_ref()
    }
}

impl QuorumStateStore for MemStore {
    fn read(&self) -> Result<Option<ElectionState>, StoreError> {
        Ok(self.state.clone())
    }

    fn write(&mut self, state: &ElectionState) -> Result<(), StoreError> {
        self.state = Some(state.clone());
        self.writes += 1;
        Ok(())
    }
}
