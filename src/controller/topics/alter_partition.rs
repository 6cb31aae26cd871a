//! AlterPartition v2-3 (Kafka's `ReplicationControlManager.alterPartition`): a partition
//! leader proposes a new ISR. Checks, in Kafka's order: the sender's broker epoch
//! (STALE_BROKER_EPOCH for the whole request); the topic id (UNKNOWN_TOPIC_ID) and
//! partition (UNKNOWN_TOPIC_OR_PARTITION); epochs ahead of ours (NOT_CONTROLLER); a stale
//! leader epoch (FENCED_LEADER_EPOCH); a sender that is not the leader (INVALID_REQUEST); a
//! stale partition epoch (INVALID_UPDATE_VERSION); an ISR outside the replicas or without
//! the leader, or recovery rules broken (INVALID_REQUEST); an ISR member fenced, shutting
//! down, unregistered or at another broker epoch (INELIGIBLE_REPLICA).
//!
//! A change that completes a reassignment and moves leadership away from the sender answers
//! NEW_LEADER_ELECTED.

use kafka_protocol::messages::alter_partition_request::PartitionData;
use kafka_protocol::messages::alter_partition_response::{
    PartitionData as PartitionResponse, TopicData as TopicResponse,
};
use kafka_protocol::messages::{AlterPartitionRequest, AlterPartitionResponse, BrokerId};
use kafka_protocol::ResponseError;
use yakt_wire::{MetadataRecord, Uuid};

use crate::controller::elections::{change_of, unclean_election_enabled};
use crate::controller::image::partition::{
    PartitionRegistration, NO_LEADER_CHANGE, RECOVERED, RECOVERING,
};
use crate::controller::image::{MetadataImage, TopicImage};
use crate::controller::machine::Controller;
use crate::controller::partition_change::Election;
use crate::controller::result::ControllerResult;

fn partition_error(index: i32, error: ResponseError) -> PartitionResponse {
    PartitionResponse::default()
        .with_partition_index(index)
        .with_error_code(error.code())
}

impl Controller {
    /// Handles an AlterPartition at request `version` (2 or 3).
    pub fn alter_partition(
        &self,
        request: &AlterPartitionRequest,
        version: i16,
    ) -> ControllerResult<AlterPartitionResponse> {
        let image = self.image();
        let broker_id = request.broker_id.0;
        let epoch_ok = image
            .cluster
            .broker(broker_id)
            .is_some_and(|b| b.epoch == request.broker_epoch);
        if !epoch_ok {
            let response = AlterPartitionResponse::default()
                .with_error_code(ResponseError::StaleBrokerEpoch.code());
            return ControllerResult::response_only(response);
        }
        let mut records: Vec<(MetadataRecord, i16)> = Vec::new();
        let mut topics = Vec::new();
        for topic_data in &request.topics {
            let topic_id = Uuid::from(topic_data.topic_id);
            let mut partitions = Vec::new();
            let topic = (topic_id != Uuid::ZERO)
                .then(|| image.topics.topic(topic_id))
                .flatten();
            for data in &topic_data.partitions {
                let Some(topic) = topic else {
                    partitions.push(partition_error(
                        data.partition_index,
                        ResponseError::UnknownTopicId,
                    ));
                    continue;
                };
                let response = self.alter_one(image, topic, data, broker_id, version, &mut records);
                partitions.push(response);
            }
            topics.push(
                TopicResponse::default()
                    .with_topic_id(topic_data.topic_id)
                    .with_partitions(partitions),
            );
        }
        ControllerResult::of(
            records,
            AlterPartitionResponse::default().with_topics(topics),
        )
    }

    fn alter_one(
        &self,
        image: &MetadataImage,
        topic: &TopicImage,
        data: &PartitionData,
        broker_id: i32,
        version: i16,
        records: &mut Vec<(MetadataRecord, i16)>,
    ) -> PartitionResponse {
        let index = data.partition_index;
        let Some(partition) = topic.partitions.get(&index) else {
            return partition_error(index, ResponseError::UnknownTopicOrPartition);
        };
        let new_isr: Vec<(i32, i64)> = if version >= 3 {
            data.new_isr_with_epochs
                .iter()
                .map(|s| (s.broker_id.0, s.broker_epoch))
                .collect()
        } else {
            data.new_isr.iter().map(|b| (b.0, -1)).collect()
        };
        if let Err(error) = validate(image, partition, data, broker_id, &new_isr) {
            return partition_error(index, error);
        }
        let unclean_default = self.settings.unclean_leader_election_enable;
        let mut change = change_of(image, topic, index, partition)
            .target_isr(new_isr.iter().map(|(b, _)| *b).collect())
            .target_leader_recovery_state(data.leader_recovery_state);
        if unclean_election_enabled(image, &topic.name, unclean_default) {
            change = change.election(Election::Unclean);
        }
        let mut after = partition.clone();
        if let Some((record, record_version)) = change.build() {
            let leader_moved = record.leader != broker_id && record.leader != NO_LEADER_CHANGE;
            if let Ok(merged) = partition.merge(&record) {
                after = merged;
            }
            records.push((record.into(), record_version));
            if leader_moved {
                let error = if version > 1 {
                    ResponseError::NewLeaderElected
                } else {
                    ResponseError::FencedLeaderEpoch
                };
                return partition_error(index, error);
            }
        }
        PartitionResponse::default()
            .with_partition_index(index)
            .with_leader_id(BrokerId(after.leader))
            .with_isr(after.isr.iter().map(|b| BrokerId(*b)).collect())
            .with_leader_recovery_state(after.leader_recovery_state)
            .with_leader_epoch(after.leader_epoch)
            .with_partition_epoch(after.partition_epoch)
    }
}

/// Kafka's `validateAlterPartitionData`, in its order.
fn validate(
    image: &MetadataImage,
    partition: &PartitionRegistration,
    data: &PartitionData,
    broker_id: i32,
    new_isr: &[(i32, i64)],
) -> Result<(), ResponseError> {
    if data.leader_epoch > partition.leader_epoch
        || data.partition_epoch > partition.partition_epoch
    {
        return Err(ResponseError::NotController);
    }
    if data.leader_epoch < partition.leader_epoch {
        return Err(ResponseError::FencedLeaderEpoch);
    }
    if broker_id != partition.leader {
        return Err(ResponseError::InvalidRequest);
    }
    if data.partition_epoch < partition.partition_epoch {
        return Err(ResponseError::InvalidUpdateVersion);
    }
    let isr: Vec<i32> = new_isr.iter().map(|(b, _)| *b).collect();
    let mut distinct = isr.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let valid = !isr.is_empty()
        && distinct.len() == isr.len()
        && isr.iter().all(|b| partition.replicas.contains(b));
    if !valid || !isr.contains(&partition.leader) {
        return Err(ResponseError::InvalidRequest);
    }
    let state = data.leader_recovery_state;
    if state != RECOVERED && state != RECOVERING {
        return Err(ResponseError::InvalidRequest);
    }
    if state == RECOVERING && isr.len() > 1 {
        return Err(ResponseError::InvalidRequest);
    }
    if partition.leader_recovery_state == RECOVERED && state == RECOVERING {
        return Err(ResponseError::InvalidRequest);
    }
    let ineligible = new_isr
        .iter()
        .any(|(broker, epoch)| match image.cluster.broker(*broker) {
            None => true,
            Some(registration) => {
                registration.in_controlled_shutdown
                    || registration.fenced
                    || (*epoch != -1 && registration.epoch != *epoch)
            }
        });
    if ineligible {
        return Err(ResponseError::IneligibleReplica);
    }
    Ok(())
}
