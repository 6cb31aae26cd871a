//! ElectLeaders v0-2 (Kafka's `ReplicationControlManager.electLeaders`): a preferred
//! election moves leadership to the first replica when it is in the ISR and may lead; an
//! unclean one gives a leaderless partition any live replica. ELECTION_NOT_NEEDED when the
//! partition already has what was asked for (left out of the answer when every partition
//! was asked for), PREFERRED_LEADER_NOT_AVAILABLE / ELIGIBLE_LEADERS_NOT_AVAILABLE when no
//! change is possible.

use kafka_protocol::messages::elect_leaders_response::{PartitionResult, ReplicaElectionResult};
use kafka_protocol::messages::{ElectLeadersRequest, ElectLeadersResponse, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::MetadataRecord;

use crate::controller::elections::change_of;
use crate::controller::image::MetadataImage;
use crate::controller::machine::Controller;
use crate::controller::partition_change::Election;
use crate::controller::result::{
    too_many_records, ApiError, ControllerResult, MAX_RECORDS_PER_USER_OP,
};

/// Kafka's `ElectionType` ids.
pub mod election_type {
    /// Preferred replica election.
    pub const PREFERRED: i8 = 0;
    /// Unclean election.
    pub const UNCLEAN: i8 = 1;
}

type Records = Vec<(MetadataRecord, i16)>;

impl Controller {
    /// Handles an ElectLeaders.
    pub fn elect_leaders(
        &self,
        request: &ElectLeadersRequest,
    ) -> ControllerResult<ElectLeadersResponse> {
        let image = self.image();
        let unclean = match request.election_type {
            election_type::PREFERRED => false,
            election_type::UNCLEAN => true,
            other => {
                let error = ApiError::new(
                    ResponseError::InvalidRequest,
                    format!("Unknown election type {other}"),
                );
                return ControllerResult::response_only(
                    ElectLeadersResponse::default().with_error_code(error.code),
                );
            }
        };
        let mut records = Records::new();
        let mut results = Vec::new();
        let all = request.topic_partitions.is_none();
        let asked: Vec<(String, Vec<i32>)> = match &request.topic_partitions {
            Some(topics) => topics
                .iter()
                .map(|t| (t.topic.0.to_string(), t.partitions.clone()))
                .collect(),
            None => image
                .topics
                .by_name()
                .keys()
                .map(|name| {
                    let partitions = image
                        .topics
                        .topic_named(name)
                        .map_or_else(Vec::new, |t| t.partitions.keys().copied().collect());
                    (name.clone(), partitions)
                })
                .collect(),
        };
        for (topic, partitions) in asked {
            let mut partition_results = Vec::new();
            for partition in partitions {
                let error = elect_one(image, &topic, partition, unclean, &mut records);
                if all && error.code == ResponseError::ElectionNotNeeded.code() {
                    continue;
                }
                partition_results.push(
                    PartitionResult::default()
                        .with_partition_id(partition)
                        .with_error_code(error.code)
                        .with_error_message(error.message.map(StrBytes::from_string)),
                );
            }
            results.push(
                ReplicaElectionResult::default()
                    .with_topic(TopicName(StrBytes::from_string(topic)))
                    .with_partition_result(partition_results),
            );
        }
        if records.len() > MAX_RECORDS_PER_USER_OP {
            let error = too_many_records();
            return ControllerResult::response_only(
                ElectLeadersResponse::default().with_error_code(error.code),
            );
        }
        ControllerResult::of(
            records,
            ElectLeadersResponse::default().with_replica_election_results(results),
        )
    }
}

fn elect_one(
    image: &MetadataImage,
    topic_name: &str,
    partition_id: i32,
    unclean: bool,
    records: &mut Records,
) -> ApiError {
    let unknown = |message: String| ApiError::new(ResponseError::UnknownTopicOrPartition, message);
    let Some(topic) = image.topics.topic_named(topic_name) else {
        return unknown(format!("No such topic as {topic_name}"));
    };
    let Some(partition) = topic.partitions.get(&partition_id) else {
        return unknown(format!("No such partition as {topic_name}-{partition_id}"));
    };
    if (!unclean && partition.has_preferred_leader()) || (unclean && partition.has_leader()) {
        return ApiError::bare(ResponseError::ElectionNotNeeded);
    }
    let election = if unclean {
        Election::Unclean
    } else {
        Election::Preferred
    };
    let change = change_of(image, topic, partition_id, partition).election(election);
    match change.build() {
        Some((record, version)) => {
            records.push((record.into(), version));
            ApiError::NONE
        }
        None if unclean => ApiError::bare(ResponseError::EligibleLeadersNotAvailable),
        None => ApiError::bare(ResponseError::PreferredLeaderNotAvailable),
    }
}

impl Controller {
    /// Kafka's periodic leader balancing (`auto.leader.rebalance.enable`,
    /// `maybeBalancePartitionLeaders`): preferred elections for at most `max_elections`
    /// partitions whose leader is not their first replica. The response says whether more
    /// may remain (call again after replaying).
    pub fn balance_partition_leaders(&self, max_elections: usize) -> ControllerResult<bool> {
        let image = self.image();
        let mut records = Records::new();
        for (topic, index, partition) in image.topics.partitions() {
            if records.len() >= max_elections {
                break;
            }
            if partition.has_preferred_leader() {
                continue;
            }
            let change = change_of(image, topic, index, partition).election(Election::Preferred);
            if let Some((record, version)) = change.build() {
                if record.leader == partition.replicas.first().copied().unwrap_or(-1) {
                    records.push((record.into(), version));
                }
            }
        }
        let more = records.len() >= max_elections;
        ControllerResult::of(records, more)
    }
}
