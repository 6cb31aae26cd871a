//! AlterPartitionReassignments v0-1 and ListPartitionReassignments (Kafka's
//! `ReplicationControlManager.alterPartitionReassignments`): a reassignment first adds the
//! new replicas (replicas = target + removed, with adding/removing set); the partition's
//! next ISR change that has every target replica completes it (see
//! [`crate::controller::partition_change`]). A target of null cancels an ongoing
//! reassignment, putting back the original replicas.

use std::collections::BTreeSet;

use kafka_protocol::messages::alter_partition_reassignments_request::ReassignablePartition;
use kafka_protocol::messages::alter_partition_reassignments_response::{
    ReassignablePartitionResponse, ReassignableTopicResponse,
};
use kafka_protocol::messages::list_partition_reassignments_response::{
    OngoingPartitionReassignment, OngoingTopicReassignment,
};
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, BrokerId,
    ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, TopicName,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::MetadataRecord;

use crate::controller::elections::{change_of, unclean_election_enabled};
use crate::controller::image::{MetadataImage, PartitionRegistration, TopicImage};
use crate::controller::machine::Controller;
use crate::controller::partition_change::Election;
use crate::controller::result::{
    too_many_records, ApiError, ControllerResult, MAX_RECORDS_PER_USER_OP,
};
use crate::controller::topics::create::{invalid_assignment, validate_manual_assignment};

type Records = Vec<(MetadataRecord, i16)>;

fn brokers(ids: &[i32]) -> Vec<BrokerId> {
    ids.iter().map(|b| BrokerId(*b)).collect()
}

impl Controller {
    /// Handles an AlterPartitionReassignments.
    pub fn alter_partition_reassignments(
        &self,
        request: &AlterPartitionReassignmentsRequest,
        version: i16,
    ) -> ControllerResult<AlterPartitionReassignmentsResponse> {
        let image = self.image();
        let allow_factor_change = version == 0 || request.allow_replication_factor_change;
        let mut records = Records::new();
        let mut responses = Vec::new();
        for topic in &request.topics {
            let mut partitions = Vec::new();
            for target in &topic.partitions {
                let outcome =
                    self.reassign_one(image, topic.name.0.as_str(), target, allow_factor_change);
                let error = match outcome {
                    Ok(record) => {
                        records.extend(record);
                        ApiError::NONE
                    }
                    Err(error) => error,
                };
                partitions.push(
                    ReassignablePartitionResponse::default()
                        .with_partition_index(target.partition_index)
                        .with_error_code(error.code)
                        .with_error_message(error.message.map(StrBytes::from_string)),
                );
            }
            responses.push(
                ReassignableTopicResponse::default()
                    .with_name(topic.name.clone())
                    .with_partitions(partitions),
            );
        }
        if records.len() > MAX_RECORDS_PER_USER_OP {
            let error = too_many_records();
            let response = AlterPartitionReassignmentsResponse::default()
                .with_error_code(error.code)
                .with_error_message(error.message.map(StrBytes::from_string));
            return ControllerResult::response_only(response);
        }
        let response = AlterPartitionReassignmentsResponse::default()
            .with_error_message(None)
            .with_allow_replication_factor_change(allow_factor_change)
            .with_responses(responses);
        ControllerResult::atomic(records, response)
    }

    fn reassign_one(
        &self,
        image: &MetadataImage,
        topic_name: &str,
        target: &ReassignablePartition,
        allow_factor_change: bool,
    ) -> Result<Option<(MetadataRecord, i16)>, ApiError> {
        let unknown =
            |message: String| ApiError::new(ResponseError::UnknownTopicOrPartition, message);
        let topic = image
            .topics
            .topic_named(topic_name)
            .ok_or_else(|| unknown(format!("Unable to find a topic named {topic_name}.")))?;
        let index = target.partition_index;
        let partition = topic
            .partitions
            .get(&index)
            .ok_or_else(|| unknown(format!("Unable to find partition {topic_name}:{index}.")))?;
        let unclean_default = self.settings.unclean_leader_election_enable;
        let change = change_of(image, topic, index, partition);
        let built = match &target.replicas {
            None => {
                let (replicas, isr, unclean) = revert(partition)?;
                let unclean_allowed = unclean_election_enabled(image, topic_name, unclean_default);
                if unclean && !unclean_allowed {
                    return Err(invalid_assignment(format!(
                        "Unable to revert partition assignment for {topic_name}:{index} because it \
                         would require an unclean leader election."
                    )));
                }
                let change = if unclean_allowed {
                    change.election(Election::Unclean)
                } else {
                    change
                };
                change
                    .target_isr(isr)
                    .target_replicas(replicas)
                    .target_removing(Vec::new())
                    .target_adding(Vec::new())
                    .build()
            }
            Some(replicas) => {
                let target: Vec<i32> = replicas.iter().map(|b| b.0).collect();
                validate_manual_assignment(image, &target, None)?;
                // The factor the partition has, or is being moved to when a reassignment is
                // under way (Kafka's validatePartitionReplicationFactorUnchanged).
                let factor = partition
                    .replicas
                    .iter()
                    .filter(|r| !partition.removing_replicas.contains(r))
                    .collect::<std::collections::BTreeSet<_>>()
                    .len();
                if !allow_factor_change && target.len() != factor {
                    return Err(ApiError::new(
                        ResponseError::InvalidReplicationFactor,
                        format!(
                            "The replication factor is changed from {factor} to {}",
                            target.len()
                        ),
                    ));
                }
                let (replicas, removing, adding) =
                    reassignment_replicas(&partition.replicas, &target);
                let mut change = change;
                if replicas != partition.replicas {
                    change = change.target_replicas(replicas);
                }
                if !removing.is_empty() {
                    change = change.target_removing(removing);
                }
                if !adding.is_empty() {
                    change = change.target_adding(adding);
                }
                change.build()
            }
        };
        Ok(built.map(|(record, version)| (record.into(), version)))
    }

    /// Handles a ListPartitionReassignments (all reassigning partitions when no topics are
    /// named).
    pub fn list_partition_reassignments(
        &self,
        request: &ListPartitionReassignmentsRequest,
    ) -> ListPartitionReassignmentsResponse {
        let image = self.image();
        let mut topics = Vec::new();
        let mut add = |topic: &TopicImage, indexes: &mut dyn Iterator<Item = i32>| {
            let partitions: Vec<OngoingPartitionReassignment> = indexes
                .filter_map(|i| topic.partitions.get(&i).map(|p| (i, p)))
                .filter(|(_, p)| p.is_reassigning())
                .map(|(i, p)| ongoing(i, p))
                .collect();
            if !partitions.is_empty() {
                topics.push(
                    OngoingTopicReassignment::default()
                        .with_name(TopicName(StrBytes::from_string(topic.name.clone())))
                        .with_partitions(partitions),
                );
            }
        };
        match &request.topics {
            None => {
                for topic in image
                    .topics
                    .by_name()
                    .values()
                    .filter_map(|id| image.topics.topic(*id))
                {
                    add(topic, &mut topic.partitions.keys().copied());
                }
            }
            Some(asked) => {
                for wanted in asked {
                    if let Some(topic) = image.topics.topic_named(wanted.name.0.as_str()) {
                        add(topic, &mut wanted.partition_indexes.iter().copied());
                    }
                }
            }
        }
        ListPartitionReassignmentsResponse::default()
            .with_error_message(None)
            .with_topics(topics)
    }
}

fn ongoing(index: i32, partition: &PartitionRegistration) -> OngoingPartitionReassignment {
    OngoingPartitionReassignment::default()
        .with_partition_index(index)
        .with_replicas(brokers(&partition.replicas))
        .with_adding_replicas(brokers(&partition.adding_replicas))
        .with_removing_replicas(brokers(&partition.removing_replicas))
}

/// `(replicas, removing, adding)` of a reassignment from `current` to `target`: replicas
/// are the target followed by the removed ones (Kafka's `PartitionReassignmentReplicas`).
pub fn reassignment_replicas(current: &[i32], target: &[i32]) -> (Vec<i32>, Vec<i32>, Vec<i32>) {
    let removing: Vec<i32> = current
        .iter()
        .copied()
        .filter(|r| !target.contains(r))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let adding: Vec<i32> = target
        .iter()
        .copied()
        .filter(|r| !current.contains(r))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut replicas = target.to_vec();
    replicas.extend(&removing);
    (replicas, removing, adding)
}

/// `(replicas, isr, unclean)` after cancelling a reassignment (Kafka's
/// `PartitionReassignmentRevert`): the adding replicas leave; if no ISR member is left,
/// the first original replica becomes the ISR, which needs an unclean election.
fn revert(partition: &PartitionRegistration) -> Result<(Vec<i32>, Vec<i32>, bool), ApiError> {
    if !partition.is_reassigning() {
        return Err(ApiError::bare(ResponseError::NoReassignmentInProgress));
    }
    let adding = &partition.adding_replicas;
    let replicas: Vec<i32> = partition
        .replicas
        .iter()
        .copied()
        .filter(|r| !adding.contains(r))
        .collect();
    let mut isr: Vec<i32> = partition
        .isr
        .iter()
        .copied()
        .filter(|r| !adding.contains(r))
        .collect();
    if !isr.is_empty() {
        return Ok((replicas, isr, false));
    }
    let first = *replicas.first().ok_or_else(|| {
        invalid_assignment(
            "Invalid replica assignment: addingReplicas contains all replicas.".into(),
        )
    })?;
    isr.push(first);
    Ok((replicas, isr, true))
}
