//! DescribeQuorum (KIP-595, KIP-853): the leader reports its epoch, the high watermark, and each
//! voter's (of the latest voter set) and observer's log end offset with its last fetch and last caught-up times (-1 when
//! unknown); any other node answers NOT_LEADER_OR_FOLLOWER.

use kafka_protocol::messages::describe_quorum_response::{
    Listener, Node, PartitionData, ReplicaState, TopicData,
};
use kafka_protocol::messages::{DescribeQuorumRequest, DescribeQuorumResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::raft::log::RaftLog;
use crate::raft::messages::{self, str_bytes, METADATA_TOPIC};
use crate::raft::roles::{ReplicaProgress, Role};
use crate::raft::store::QuorumStateStore;
use crate::raft::types::{error_code, NodeId};

use super::RaftEngine;

fn replica_state(
    id: NodeId,
    directory_id: yakt_wire::Uuid,
    progress: &ReplicaProgress,
) -> ReplicaState {
    let timestamp = |t: Option<u64>| t.map_or(-1, |t| t as i64);
    ReplicaState::default()
        .with_replica_id(id.into())
        .with_replica_directory_id(directory_id.into())
        .with_log_end_offset(progress.end_offset.unwrap_or(-1))
        .with_last_fetch_timestamp(timestamp(progress.last_fetch_ms))
        .with_last_caught_up_timestamp(timestamp(progress.last_caught_up_ms))
}

impl<L: RaftLog, S: QuorumStateStore> RaftEngine<L, S> {
    pub(super) fn handle_describe_quorum(
        &self,
        request: &DescribeQuorumRequest,
    ) -> DescribeQuorumResponse {
        if !messages::describe_quorum_is_valid(request) {
            return self.describe_error(error_code::UNKNOWN_TOPIC_OR_PARTITION);
        }
        let Role::Leader(state) = &self.role else {
            return DescribeQuorumResponse::default()
                .with_error_code(error_code::NOT_LEADER_OR_FOLLOWER);
        };
        let local_id = self.config.node_id;
        let now = self.now_ms;
        let voters = state
            .voters
            .iter()
            .map(|(id, progress)| {
                if *id == local_id {
                    let own = ReplicaProgress {
                        end_offset: Some(self.log.log_end_offset()),
                        last_fetch_ms: Some(now),
                        last_caught_up_ms: Some(now),
                        leader_end_offset_at_last_fetch: None,
                        directory_id: self.config.directory_id,
                    };
                    replica_state(*id, self.voter_directory_id(*id), &own)
                } else {
                    replica_state(*id, self.voter_directory_id(*id), progress)
                }
            })
            .collect();
        let observers = state
            .observers
            .iter()
            .map(|(id, progress)| replica_state(*id, progress.directory_id, progress))
            .collect();
        let partition = PartitionData::default()
            .with_partition_index(0)
            .with_error_code(error_code::NONE)
            .with_leader_id(local_id.into())
            .with_leader_epoch(state.epoch)
            .with_high_watermark(state.high_watermark.unwrap_or(-1))
            .with_current_voters(voters)
            .with_observers(observers);
        let nodes = self
            .voters()
            .iter()
            .map(|(id, voter)| {
                let listeners = voter
                    .endpoints
                    .iter()
                    .map(|(name, endpoint)| {
                        Listener::default()
                            .with_name(str_bytes(name))
                            .with_host(str_bytes(&endpoint.host))
                            .with_port(endpoint.port)
                    })
                    .collect();
                Node::default()
                    .with_node_id(id.into())
                    .with_listeners(listeners)
            })
            .collect();
        DescribeQuorumResponse::default()
            .with_topics(vec![TopicData::default()
                .with_topic_name(TopicName(StrBytes::from_static_str(METADATA_TOPIC)))
                .with_partitions(vec![partition])])
            .with_nodes(nodes)
    }

    fn describe_error(&self, partition_error: i16) -> DescribeQuorumResponse {
        let partition = PartitionData::default()
            .with_partition_index(0)
            .with_error_code(partition_error);
        DescribeQuorumResponse::default().with_topics(vec![TopicData::default()
            .with_topic_name(TopicName(StrBytes::from_static_str(METADATA_TOPIC)))
            .with_partitions(vec![partition])])
    }
}
