//! The KRaft RPCs as the engine takes and gives them: kafka-protocol's message types, wrapped in
//! [`RaftRequest`] / [`RaftResponse`], and builders for the single-partition shape raft uses
//! (topic `__cluster_metadata`, partition 0; Fetch by topic id `AAAAAAAAAAAAAAAAAAAAAQ`).
//!
//! Fields are filled for the newest versions Kafka 4.x sends (Vote v2, BeginQuorumEpoch v1,
//! EndQuorumEpoch v1 with `PreferredCandidates`, Fetch v15+ with `ReplicaState`, FetchSnapshot v1,
//! DescribeQuorum v2, AddRaftVoter, RemoveRaftVoter and UpdateRaftVoter v0). A driver speaking an older version to a peer clears the fields that
//! version lacks (e.g. moves `ReplicaState.ReplicaId` to `ReplicaId` below Fetch v15).

use bytes::Bytes;
use kafka_protocol::messages::{
    begin_quorum_epoch_request, begin_quorum_epoch_response, describe_quorum_request,
    end_quorum_epoch_request, end_quorum_epoch_response, fetch_request, fetch_response,
    fetch_snapshot_request, fetch_snapshot_response, vote_request, vote_response, ApiKey,
    BeginQuorumEpochRequest, BeginQuorumEpochResponse, DescribeQuorumRequest,
    DescribeQuorumResponse, EndQuorumEpochRequest, EndQuorumEpochResponse, FetchRequest,
    FetchResponse, FetchSnapshotRequest, FetchSnapshotResponse, TopicName, VoteRequest,
    VoteResponse,
};
use kafka_protocol::messages::{
    AddRaftVoterRequest, AddRaftVoterResponse, RemoveRaftVoterRequest, RemoveRaftVoterResponse,
    UpdateRaftVoterRequest, UpdateRaftVoterResponse,
};
use kafka_protocol::protocol::StrBytes;
use yakt_wire::{Uuid, METADATA_TOPIC_ID};

use super::types::{Endpoint, NodeId, OffsetAndEpoch};

/// The metadata log's topic name.
pub const METADATA_TOPIC: &str = "__cluster_metadata";

/// A request the engine handles or sends.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum RaftRequest {
    Vote(VoteRequest),
    BeginQuorumEpoch(BeginQuorumEpochRequest),
    EndQuorumEpoch(EndQuorumEpochRequest),
    Fetch(FetchRequest),
    FetchSnapshot(FetchSnapshotRequest),
    DescribeQuorum(DescribeQuorumRequest),
    AddRaftVoter(AddRaftVoterRequest),
    RemoveRaftVoter(RemoveRaftVoterRequest),
    UpdateRaftVoter(UpdateRaftVoterRequest),
}

/// A response the engine gives or handles.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum RaftResponse {
    Vote(VoteResponse),
    BeginQuorumEpoch(BeginQuorumEpochResponse),
    EndQuorumEpoch(EndQuorumEpochResponse),
    Fetch(FetchResponse),
    FetchSnapshot(FetchSnapshotResponse),
    DescribeQuorum(DescribeQuorumResponse),
    AddRaftVoter(AddRaftVoterResponse),
    RemoveRaftVoter(RemoveRaftVoterResponse),
    UpdateRaftVoter(UpdateRaftVoterResponse),
}

impl RaftRequest {
    /// The API key.
    pub fn api_key(&self) -> ApiKey {
        match self {
            RaftRequest::Vote(_) => ApiKey::Vote,
            RaftRequest::BeginQuorumEpoch(_) => ApiKey::BeginQuorumEpoch,
            RaftRequest::EndQuorumEpoch(_) => ApiKey::EndQuorumEpoch,
            RaftRequest::Fetch(_) => ApiKey::Fetch,
            RaftRequest::FetchSnapshot(_) => ApiKey::FetchSnapshot,
            RaftRequest::DescribeQuorum(_) => ApiKey::DescribeQuorum,
            RaftRequest::AddRaftVoter(_) => ApiKey::AddRaftVoter,
            RaftRequest::RemoveRaftVoter(_) => ApiKey::RemoveRaftVoter,
            RaftRequest::UpdateRaftVoter(_) => ApiKey::UpdateRaftVoter,
        }
    }
}

impl RaftResponse {
    /// The API key.
    pub fn api_key(&self) -> ApiKey {
        match self {
            RaftResponse::Vote(_) => ApiKey::Vote,
            RaftResponse::BeginQuorumEpoch(_) => ApiKey::BeginQuorumEpoch,
            RaftResponse::EndQuorumEpoch(_) => ApiKey::EndQuorumEpoch,
            RaftResponse::Fetch(_) => ApiKey::Fetch,
            RaftResponse::FetchSnapshot(_) => ApiKey::FetchSnapshot,
            RaftResponse::DescribeQuorum(_) => ApiKey::DescribeQuorum,
            RaftResponse::AddRaftVoter(_) => ApiKey::AddRaftVoter,
            RaftResponse::RemoveRaftVoter(_) => ApiKey::RemoveRaftVoter,
            RaftResponse::UpdateRaftVoter(_) => ApiKey::UpdateRaftVoter,
        }
    }
}

pub(crate) fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_owned())
}

fn topic_name() -> TopicName {
    TopicName(StrBytes::from_static_str(METADATA_TOPIC))
}

fn is_metadata_topic(name: &TopicName) -> bool {
    name.0.as_str() == METADATA_TOPIC
}

/// Whether a cluster id in a request matches ours (a null one is accepted, as Kafka does).
pub fn cluster_id_matches(request: &Option<StrBytes>, ours: &str) -> bool {
    request.as_ref().is_none_or(|id| id.as_str() == ours)
}

// ---- Vote ----

/// The only partition of a Vote request, if it is the metadata partition.
pub fn vote_partition(request: &VoteRequest) -> Option<&vote_request::PartitionData> {
    match request.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.topic_name) => match topic.partitions.as_slice() {
            [partition] if partition.partition_index == 0 => Some(partition),
            _ => None,
        },
        _ => None,
    }
}

/// Parameters of a Vote request.
#[derive(Debug, Clone, Copy)]
pub struct VoteParams {
    /// The voter asked.
    pub voter_id: NodeId,
    /// Its directory id (`Uuid::ZERO` when unknown).
    pub voter_directory_id: Uuid,
    /// The candidate.
    pub replica_id: NodeId,
    /// The candidate's directory id.
    pub replica_directory_id: Uuid,
    /// The candidate's epoch (the current one for a pre-vote).
    pub replica_epoch: i32,
    /// The candidate's log end offset and last epoch.
    pub last: OffsetAndEpoch,
    /// Whether this is a pre-vote.
    pub pre_vote: bool,
}

/// A Vote request.
pub fn vote_request(cluster_id: &str, params: VoteParams) -> VoteRequest {
    let partition = vote_request::PartitionData::default()
        .with_partition_index(0)
        .with_replica_epoch(params.replica_epoch)
        .with_replica_id(params.replica_id.into())
        .with_replica_directory_id(params.replica_directory_id.into())
        .with_voter_directory_id(params.voter_directory_id.into())
        .with_last_offset_epoch(params.last.epoch)
        .with_last_offset(params.last.offset)
        .with_pre_vote(params.pre_vote);
    VoteRequest::default()
        .with_cluster_id(Some(str_bytes(cluster_id)))
        .with_voter_id(params.voter_id.into())
        .with_topics(vec![vote_request::TopicData::default()
            .with_topic_name(topic_name())
            .with_partitions(vec![partition])])
}

/// A Vote response with a top-level error only.
pub fn vote_error(error_code: i16) -> VoteResponse {
    VoteResponse::default().with_error_code(error_code)
}

/// A Vote response for the metadata partition.
pub fn vote_response(
    error_code: i16,
    epoch: i32,
    leader_id: Option<NodeId>,
    granted: bool,
    leader_endpoint: Option<&Endpoint>,
) -> VoteResponse {
    let partition = vote_response::PartitionData::default()
        .with_partition_index(0)
        .with_error_code(error_code)
        .with_leader_id(leader_id.unwrap_or(-1).into())
        .with_leader_epoch(epoch)
        .with_vote_granted(granted);
    let endpoints = match (leader_id, leader_endpoint) {
        (Some(id), Some(endpoint)) => vec![vote_response::NodeEndpoint::default()
            .with_node_id(id.into())
            .with_host(str_bytes(&endpoint.host))
            .with_port(endpoint.port)],
        _ => Vec::new(),
    };
    VoteResponse::default()
        .with_topics(vec![vote_response::TopicData::default()
            .with_topic_name(topic_name())
            .with_partitions(vec![partition])])
        .with_node_endpoints(endpoints)
}

/// The only partition of a Vote response, if it is the metadata partition.
pub fn vote_response_partition(response: &VoteResponse) -> Option<&vote_response::PartitionData> {
    match response.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.topic_name) => match topic.partitions.as_slice() {
            [partition] if partition.partition_index == 0 => Some(partition),
            _ => None,
        },
        _ => None,
    }
}

// ---- BeginQuorumEpoch ----

/// The only partition of a BeginQuorumEpoch request.
pub fn begin_epoch_partition(
    request: &BeginQuorumEpochRequest,
) -> Option<&begin_quorum_epoch_request::PartitionData> {
    match request.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.topic_name) => match topic.partitions.as_slice() {
            [partition] if partition.partition_index == 0 => Some(partition),
            _ => None,
        },
        _ => None,
    }
}

/// A BeginQuorumEpoch request from leader `leader_id` of `epoch` to `voter_id`.
pub fn begin_epoch_request(
    cluster_id: &str,
    voter: (NodeId, Uuid),
    leader_id: NodeId,
    epoch: i32,
    listener_name: &str,
    leader_endpoint: Option<&Endpoint>,
) -> BeginQuorumEpochRequest {
    let (voter_id, voter_directory_id) = voter;
    let partition = begin_quorum_epoch_request::PartitionData::default()
        .with_partition_index(0)
        .with_voter_directory_id(voter_directory_id.into())
        .with_leader_id(leader_id.into())
        .with_leader_epoch(epoch);
    let endpoints = leader_endpoint
        .map(|endpoint| {
            vec![begin_quorum_epoch_request::LeaderEndpoint::default()
                .with_name(str_bytes(listener_name))
                .with_host(str_bytes(&endpoint.host))
                .with_port(endpoint.port)]
        })
        .unwrap_or_default();
    BeginQuorumEpochRequest::default()
        .with_cluster_id(Some(str_bytes(cluster_id)))
        .with_voter_id(voter_id.into())
        .with_topics(vec![begin_quorum_epoch_request::TopicData::default()
            .with_topic_name(topic_name())
            .with_partitions(vec![partition])])
        .with_leader_endpoints(endpoints)
}

/// A BeginQuorumEpoch response.
pub fn begin_epoch_response(
    top_error: i16,
    partition_error: i16,
    epoch: i32,
    leader_id: Option<NodeId>,
) -> BeginQuorumEpochResponse {
    let mut response = BeginQuorumEpochResponse::default().with_error_code(top_error);
    if top_error == 0 {
        response.topics = vec![begin_quorum_epoch_response::TopicData::default()
            .with_topic_name(topic_name())
            .with_partitions(vec![begin_quorum_epoch_response::PartitionData::default()
                .with_partition_index(0)
                .with_error_code(partition_error)
                .with_leader_id(leader_id.unwrap_or(-1).into())
                .with_leader_epoch(epoch)])];
    }
    response
}

/// `(error, leader id, epoch)` of a BeginQuorumEpoch response's partition.
pub fn begin_epoch_response_partition(
    response: &BeginQuorumEpochResponse,
) -> Option<(i16, i32, i32)> {
    match response.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.topic_name) => match topic.partitions.as_slice() {
            [p] if p.partition_index == 0 => Some((p.error_code, p.leader_id.0, p.leader_epoch)),
            _ => None,
        },
        _ => None,
    }
}

// ---- EndQuorumEpoch ----

/// The only partition of an EndQuorumEpoch request.
pub fn end_epoch_partition(
    request: &EndQuorumEpochRequest,
) -> Option<&end_quorum_epoch_request::PartitionData> {
    match request.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.topic_name) => match topic.partitions.as_slice() {
            [partition] if partition.partition_index == 0 => Some(partition),
            _ => None,
        },
        _ => None,
    }
}

/// The preferred successors of an EndQuorumEpoch partition, from `PreferredCandidates` (v1) or
/// `PreferredSuccessors` (v0).
pub fn preferred_successors(partition: &end_quorum_epoch_request::PartitionData) -> Vec<NodeId> {
    if partition.preferred_candidates.is_empty() {
        partition.preferred_successors.clone()
    } else {
        partition
            .preferred_candidates
            .iter()
            .map(|c| c.candidate_id.0)
            .collect()
    }
}

/// An EndQuorumEpoch request from a resigning leader.
pub fn end_epoch_request(
    cluster_id: &str,
    leader_id: NodeId,
    epoch: i32,
    preferred: &[(NodeId, Uuid)],
) -> EndQuorumEpochRequest {
    let candidates = preferred
        .iter()
        .map(|(id, directory_id)| {
            end_quorum_epoch_request::ReplicaInfo::default()
                .with_candidate_id((*id).into())
                .with_candidate_directory_id((*directory_id).into())
        })
        .collect();
    let partition = end_quorum_epoch_request::PartitionData::default()
        .with_partition_index(0)
        .with_leader_id(leader_id.into())
        .with_leader_epoch(epoch)
        .with_preferred_candidates(candidates);
    EndQuorumEpochRequest::default()
        .with_cluster_id(Some(str_bytes(cluster_id)))
        .with_topics(vec![end_quorum_epoch_request::TopicData::default()
            .with_topic_name(topic_name())
            .with_partitions(vec![partition])])
}

/// An EndQuorumEpoch response.
pub fn end_epoch_response(
    top_error: i16,
    partition_error: i16,
    epoch: i32,
    leader_id: Option<NodeId>,
) -> EndQuorumEpochResponse {
    let mut response = EndQuorumEpochResponse::default().with_error_code(top_error);
    if top_error == 0 {
        response.topics = vec![end_quorum_epoch_response::TopicData::default()
            .with_topic_name(topic_name())
            .with_partitions(vec![end_quorum_epoch_response::PartitionData::default()
                .with_partition_index(0)
                .with_error_code(partition_error)
                .with_leader_id(leader_id.unwrap_or(-1).into())
                .with_leader_epoch(epoch)])];
    }
    response
}

/// `(error, leader id, epoch)` of an EndQuorumEpoch response's partition.
pub fn end_epoch_response_partition(response: &EndQuorumEpochResponse) -> Option<(i16, i32, i32)> {
    match response.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.topic_name) => match topic.partitions.as_slice() {
            [p] if p.partition_index == 0 => Some((p.error_code, p.leader_id.0, p.leader_epoch)),
            _ => None,
        },
        _ => None,
    }
}

// ---- Fetch ----

/// The only partition of a Fetch request, if it is the metadata partition by topic id (so v13+).
pub fn fetch_partition(request: &FetchRequest) -> Option<&fetch_request::FetchPartition> {
    match request.topics.as_slice() {
        [topic] if Uuid::from(topic.topic_id) == METADATA_TOPIC_ID => {
            match topic.partitions.as_slice() {
                [partition] if partition.partition == 0 => Some(partition),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The fetching replica's id: `ReplicaState.ReplicaId` (v15+) or `ReplicaId`.
pub fn fetch_replica_id(request: &FetchRequest) -> NodeId {
    if request.replica_state.replica_id.0 >= 0 {
        request.replica_state.replica_id.0
    } else {
        request.replica_id.0
    }
}

/// Parameters of a Fetch request from a replica.
#[derive(Debug, Clone, Copy)]
pub struct FetchParams {
    /// The fetching replica.
    pub replica_id: NodeId,
    /// Its directory id.
    pub replica_directory_id: Uuid,
    /// Its epoch.
    pub epoch: i32,
    /// Its log end offset and last fetched epoch.
    pub fetch_offset: i64,
    /// Epoch of its last batch.
    pub last_fetched_epoch: i32,
    /// Its high watermark (`i64::MAX` when unknown).
    pub high_watermark: i64,
    /// How long the leader may park the request.
    pub max_wait_ms: i32,
    /// Most bytes wanted.
    pub max_bytes: i32,
}

/// A Fetch request for the metadata partition.
pub fn fetch_request(cluster_id: &str, params: FetchParams) -> FetchRequest {
    let partition = fetch_request::FetchPartition::default()
        .with_partition(0)
        .with_current_leader_epoch(params.epoch)
        .with_fetch_offset(params.fetch_offset)
        .with_last_fetched_epoch(params.last_fetched_epoch)
        .with_partition_max_bytes(0)
        .with_replica_directory_id(params.replica_directory_id.into())
        .with_high_watermark(params.high_watermark);
    FetchRequest::default()
        .with_cluster_id(Some(str_bytes(cluster_id)))
        .with_replica_state(
            fetch_request::ReplicaState::default()
                .with_replica_id(params.replica_id.into())
                .with_replica_epoch(-1),
        )
        .with_max_wait_ms(params.max_wait_ms)
        .with_min_bytes(0)
        .with_max_bytes(params.max_bytes)
        .with_topics(vec![fetch_request::FetchTopic::default()
            .with_topic_id(METADATA_TOPIC_ID.into())
            .with_partitions(vec![partition])])
}

/// A Fetch response with a top-level error only.
pub fn fetch_error(error_code: i16) -> FetchResponse {
    FetchResponse::default().with_error_code(error_code)
}

/// What a Fetch response for the metadata partition says.
#[derive(Debug, Clone, Default)]
pub struct FetchReply {
    /// Partition-level error.
    pub error_code: i16,
    /// Records (empty if none).
    pub records: Bytes,
    /// The high watermark, -1 if unknown.
    pub high_watermark: i64,
    /// The log start offset.
    pub log_start_offset: i64,
    /// The responder's epoch.
    pub epoch: i32,
    /// The leader it knows.
    pub leader_id: Option<NodeId>,
    /// The leader's endpoint, if known.
    pub leader_endpoint: Option<Endpoint>,
    /// Set when the fetcher must truncate.
    pub diverging: Option<OffsetAndEpoch>,
    /// Set when the fetcher must load a snapshot.
    pub snapshot_id: Option<OffsetAndEpoch>,
}

/// A Fetch response for the metadata partition.
pub fn fetch_response(reply: FetchReply) -> FetchResponse {
    let mut partition = fetch_response::PartitionData::default()
        .with_partition_index(0)
        .with_error_code(reply.error_code)
        .with_high_watermark(reply.high_watermark)
        .with_log_start_offset(reply.log_start_offset)
        .with_current_leader(
            fetch_response::LeaderIdAndEpoch::default()
                .with_leader_id(reply.leader_id.unwrap_or(-1).into())
                .with_leader_epoch(reply.epoch),
        )
        .with_records(Some(reply.records));
    if let Some(d) = reply.diverging {
        partition.diverging_epoch = fetch_response::EpochEndOffset::default()
            .with_epoch(d.epoch)
            .with_end_offset(d.offset);
    }
    if let Some(s) = reply.snapshot_id {
        partition.snapshot_id = fetch_response::SnapshotId::default()
            .with_epoch(s.epoch)
            .with_end_offset(s.offset);
    }
    let endpoints = match (reply.leader_id, reply.leader_endpoint) {
        (Some(id), Some(endpoint)) => vec![fetch_response::NodeEndpoint::default()
            .with_node_id(id.into())
            .with_host(str_bytes(&endpoint.host))
            .with_port(i32::from(endpoint.port))],
        _ => Vec::new(),
    };
    FetchResponse::default()
        .with_responses(vec![fetch_response::FetchableTopicResponse::default()
            .with_topic_id(METADATA_TOPIC_ID.into())
            .with_partitions(vec![partition])])
        .with_node_endpoints(endpoints)
}

/// The only partition of a Fetch response, if it is the metadata partition by topic id.
pub fn fetch_response_partition(
    response: &FetchResponse,
) -> Option<&fetch_response::PartitionData> {
    match response.responses.as_slice() {
        [topic] if Uuid::from(topic.topic_id) == METADATA_TOPIC_ID => {
            match topic.partitions.as_slice() {
                [partition] if partition.partition_index == 0 => Some(partition),
                _ => None,
            }
        }
        _ => None,
    }
}

// ---- FetchSnapshot ----

/// The only partition of a FetchSnapshot request.
pub fn fetch_snapshot_partition(
    request: &FetchSnapshotRequest,
) -> Option<&fetch_snapshot_request::PartitionSnapshot> {
    match request.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.name) => match topic.partitions.as_slice() {
            [partition] if partition.partition == 0 => Some(partition),
            _ => None,
        },
        _ => None,
    }
}

/// A FetchSnapshot request for a chunk of `snapshot_id` at `position`.
pub fn fetch_snapshot_request(
    cluster_id: &str,
    replica_id: NodeId,
    epoch: i32,
    snapshot_id: OffsetAndEpoch,
    position: u64,
    max_bytes: i32,
) -> FetchSnapshotRequest {
    let partition = fetch_snapshot_request::PartitionSnapshot::default()
        .with_partition(0)
        .with_current_leader_epoch(epoch)
        .with_snapshot_id(
            fetch_snapshot_request::SnapshotId::default()
                .with_end_offset(snapshot_id.offset)
                .with_epoch(snapshot_id.epoch),
        )
        .with_position(position as i64);
    FetchSnapshotRequest::default()
        .with_cluster_id(Some(str_bytes(cluster_id)))
        .with_replica_id(replica_id.into())
        .with_max_bytes(max_bytes)
        .with_topics(vec![fetch_snapshot_request::TopicSnapshot::default()
            .with_name(topic_name())
            .with_partitions(vec![partition])])
}

/// What a FetchSnapshot response for the metadata partition says.
#[derive(Debug, Clone, Default)]
pub struct SnapshotChunk {
    /// Partition-level error.
    pub error_code: i16,
    /// The responder's epoch.
    pub epoch: i32,
    /// The leader it knows.
    pub leader_id: Option<NodeId>,
    /// The snapshot.
    pub snapshot_id: OffsetAndEpoch,
    /// Its total size.
    pub size: i64,
    /// Where this chunk starts.
    pub position: i64,
    /// The chunk.
    pub bytes: Bytes,
}

/// A FetchSnapshot response with a top-level error only.
pub fn fetch_snapshot_error(error_code: i16) -> FetchSnapshotResponse {
    FetchSnapshotResponse::default().with_error_code(error_code)
}

/// A FetchSnapshot response for the metadata partition.
pub fn fetch_snapshot_response(
    chunk: SnapshotChunk,
    leader_endpoint: Option<&Endpoint>,
) -> FetchSnapshotResponse {
    let partition = fetch_snapshot_response::PartitionSnapshot::default()
        .with_index(0)
        .with_error_code(chunk.error_code)
        .with_snapshot_id(
            fetch_snapshot_response::SnapshotId::default()
                .with_end_offset(chunk.snapshot_id.offset)
                .with_epoch(chunk.snapshot_id.epoch),
        )
        .with_current_leader(
            fetch_snapshot_response::LeaderIdAndEpoch::default()
                .with_leader_id(chunk.leader_id.unwrap_or(-1).into())
                .with_leader_epoch(chunk.epoch),
        )
        .with_size(chunk.size)
        .with_position(chunk.position)
        .with_unaligned_records(chunk.bytes);
    let endpoints = match (chunk.leader_id, leader_endpoint) {
        (Some(id), Some(endpoint)) => vec![fetch_snapshot_response::NodeEndpoint::default()
            .with_node_id(id.into())
            .with_host(str_bytes(&endpoint.host))
            .with_port(endpoint.port)],
        _ => Vec::new(),
    };
    FetchSnapshotResponse::default()
        .with_topics(vec![fetch_snapshot_response::TopicSnapshot::default()
            .with_name(topic_name())
            .with_partitions(vec![partition])])
        .with_node_endpoints(endpoints)
}

/// The only partition of a FetchSnapshot response.
pub fn fetch_snapshot_response_partition(
    response: &FetchSnapshotResponse,
) -> Option<&fetch_snapshot_response::PartitionSnapshot> {
    match response.topics.as_slice() {
        [topic] if is_metadata_topic(&topic.name) => match topic.partitions.as_slice() {
            [partition] if partition.index == 0 => Some(partition),
            _ => None,
        },
        _ => None,
    }
}

// ---- DescribeQuorum ----

/// Whether a DescribeQuorum request asks for the metadata partition.
pub fn describe_quorum_is_valid(request: &DescribeQuorumRequest) -> bool {
    matches!(request.topics.as_slice(),
        [topic] if is_metadata_topic(&topic.topic_name)
            && matches!(topic.partitions.as_slice(), [p] if p.partition_index == 0))
}

/// A DescribeQuorum request for the metadata partition.
pub fn describe_quorum_request() -> DescribeQuorumRequest {
    DescribeQuorumRequest::default().with_topics(vec![describe_quorum_request::TopicData::default(
    )
    .with_topic_name(topic_name())
    .with_partitions(vec![describe_quorum_request::PartitionData::default()])])
}
