//! The engine's configuration: who this node is, the voter set, the cluster id, and Kafka's
//! quorum timeouts under their `controller.quorum.*` meanings (`QuorumConfig.java`).

use std::collections::BTreeMap;

use yakt_wire::Uuid;

use super::types::{Endpoint, NodeId};

/// Configuration of one [`RaftEngine`](super::RaftEngine).
#[derive(Debug, Clone)]
pub struct RaftConfig {
    /// This node's `node.id`.
    pub node_id: NodeId,
    /// This node's metadata directory id (`Uuid::ZERO` when unknown, as at kraft.version 0).
    pub directory_id: Uuid,
    /// The cluster id from `meta.properties`; requests carrying another one are refused with
    /// INCONSISTENT_CLUSTER_ID.
    pub cluster_id: String,
    /// The bootstrap voter set (`controller.quorum.voters`, or the 0-0 checkpoint's
    /// VotersRecord) and each voter's controller endpoint. VotersRecords in the log replace it
    /// (see [`super::voters`]); the engine's current set is `RaftEngine::voter_set`.
    pub voters: BTreeMap<NodeId, Endpoint>,
    /// The controller listener's name (the first of `controller.listener.names`), sent with the
    /// leader's endpoint in BeginQuorumEpoch.
    pub listener_name: String,
    /// The finalized kraft.version: 0 for a static quorum (`controller.quorum.voters`), 1 for a
    /// quorum bootstrapped from the 0-0 checkpoint's VotersRecord.
    pub kraft_version: i16,
    /// Each voter's directory id, when known (kraft.version 1); sent as `VoterDirectoryId`.
    pub voter_directory_ids: BTreeMap<NodeId, Uuid>,
    /// This node's own endpoint on the controller listener, as it advertises it: a voter whose
    /// entry in the voter set differs sends UpdateRaftVoter (KIP-853).
    pub local_endpoint: Option<Endpoint>,
    /// `controller.quorum.bootstrap.servers`: where an observer that knows no voter (or no
    /// leader) sends Fetch. They are addressed as nodes -2, -3, ... (Kafka's bootstrap ids).
    pub bootstrap_servers: Vec<Endpoint>,
    /// `controller.quorum.election.timeout.ms`; each election timeout is drawn in [T, 2T).
    pub election_timeout_ms: u64,
    /// `controller.quorum.fetch.timeout.ms`: a voter that has not fetched successfully for this
    /// long starts an election; a leader without fetches from a majority for 1.5 times this
    /// long resigns.
    pub fetch_timeout_ms: u64,
    /// `controller.quorum.election.backoff.max.ms`.
    pub election_backoff_max_ms: u64,
    /// `controller.quorum.request.timeout.ms`: an outbound request unanswered for this long fails.
    pub request_timeout_ms: u64,
    /// `controller.quorum.retry.backoff.ms`: wait after a failed request to the same node.
    pub retry_backoff_ms: u64,
    /// MaxWaitMs sent in Fetch requests (Kafka's raft client uses 500 ms).
    pub fetch_max_wait_ms: u64,
    /// Most bytes of records returned in one Fetch response (Kafka: 8 MiB).
    pub fetch_max_bytes: usize,
    /// Most bytes asked for in one FetchSnapshot request.
    pub fetch_snapshot_max_bytes: usize,
    /// Deliberate bugs for the simulator's self-test; all off in production.
    #[doc(hidden)]
    pub planted_bugs: PlantedBugs,
}

impl RaftConfig {
    /// A configuration with Kafka's default timeouts.
    pub fn new(
        node_id: NodeId,
        cluster_id: impl Into<String>,
        voters: BTreeMap<NodeId, Endpoint>,
    ) -> RaftConfig {
        RaftConfig {
            node_id,
            directory_id: Uuid::default(),
            cluster_id: cluster_id.into(),
            voters,
            listener_name: "CONTROLLER".to_owned(),
            kraft_version: 0,
            voter_directory_ids: BTreeMap::new(),
            local_endpoint: None,
            bootstrap_servers: Vec::new(),
            election_timeout_ms: 1_000,
            fetch_timeout_ms: 2_000,
            election_backoff_max_ms: 1_000,
            request_timeout_ms: 2_000,
            retry_backoff_ms: 20,
            fetch_max_wait_ms: 500,
            fetch_max_bytes: 8 * 1024 * 1024,
            fetch_snapshot_max_bytes: 1024 * 1024,
            planted_bugs: PlantedBugs::default(),
        }
    }

    /// Whether this node is a voter.
    pub fn is_voter(&self) -> bool {
        self.voters.contains_key(&self.node_id)
    }

    /// The directory id of voter `id` (`Uuid::ZERO` when unknown).
    pub fn voter_directory_id(&self, id: NodeId) -> Uuid {
        if id == self.node_id {
            return self.directory_id;
        }
        self.voter_directory_ids
            .get(&id)
            .copied()
            .unwrap_or_default()
    }

    /// Votes needed to win an election: a strict majority of the voters.
    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }
}

/// Bugs that can be switched on to prove the simulator catches them. Never set in production.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlantedBugs {
    /// Grant votes without writing them to the quorum-state store first.
    pub skip_vote_persist: bool,
    /// Advance the high watermark to an offset held by fewer than a majority of voters.
    pub hwm_without_majority: bool,
    /// Truncate a diverged follower one offset too far up, keeping a record it should drop.
    pub off_by_one_truncation: bool,
}
