//! AssignReplicasToDirs v0 (KIP-858, Kafka's `handleAssignReplicasToDirs`): a broker says in
//! which log directory each of its replicas lives. Needs metadata.version 3.7-IV2
//! (UNSUPPORTED_VERSION) and the broker's current epoch (STALE_BROKER_EPOCH); unknown topics
//! are UNKNOWN_TOPIC_ID, unknown partitions UNKNOWN_TOPIC_OR_PARTITION, partitions the broker
//! does not host NOT_LEADER_OR_FOLLOWER. A replica put in an offline directory also leaves
//! the ISR.

use std::collections::BTreeSet;

use kafka_protocol::messages::assign_replicas_to_dirs_response::{
    DirectoryData, PartitionData, TopicData,
};
use kafka_protocol::messages::{AssignReplicasToDirsRequest, AssignReplicasToDirsResponse};
use kafka_protocol::ResponseError;
use yakt_wire::{MetadataRecord, Uuid};

use crate::controller::elections::{change_of, leader_and_isr_updates, BrokerTransition};
use crate::controller::machine::Controller;
use crate::controller::result::ControllerResult;

impl Controller {
    /// Handles an AssignReplicasToDirs.
    pub fn assign_replicas_to_dirs(
        &self,
        request: &AssignReplicasToDirsRequest,
    ) -> ControllerResult<AssignReplicasToDirsResponse> {
        let image = self.image();
        let broker_id = request.broker_id.0;
        let failed = |error: ResponseError| {
            ControllerResult::response_only(
                AssignReplicasToDirsResponse::default().with_error_code(error.code()),
            )
        };
        if !image.metadata_version().directory_assignment() {
            return failed(ResponseError::UnsupportedVersion);
        }
        let Some(registration) = image.cluster.broker(broker_id) else {
            return failed(ResponseError::StaleBrokerEpoch);
        };
        if registration.epoch != request.broker_epoch {
            return failed(ResponseError::StaleBrokerEpoch);
        }
        let mut records: Vec<(MetadataRecord, i16)> = Vec::new();
        let mut offline_partitions: BTreeSet<(Uuid, i32)> = BTreeSet::new();
        let mut directories = Vec::new();
        for dir_data in &request.directories {
            let dir = Uuid::from(dir_data.id);
            let offline = !registration.has_online_dir(dir);
            let mut topics = Vec::new();
            for topic_data in &dir_data.topics {
                let topic_id = Uuid::from(topic_data.topic_id);
                let topic = image.topics.topic(topic_id);
                let mut partitions = Vec::new();
                for p in &topic_data.partitions {
                    let index = p.partition_index;
                    let error = match topic.map(|t| (t, t.partitions.get(&index))) {
                        None => ResponseError::UnknownTopicId,
                        Some((_, None)) => ResponseError::UnknownTopicOrPartition,
                        Some((_, Some(partition))) if !partition.replicas.contains(&broker_id) => {
                            ResponseError::NotLeaderOrFollower
                        }
                        Some((topic, Some(partition))) => {
                            let change = change_of(image, topic, index, partition);
                            if let Some((record, version)) =
                                change.directory(broker_id, dir).build()
                            {
                                records.push((record.into(), version));
                            }
                            if offline {
                                offline_partitions.insert((topic_id, index));
                            }
                            ResponseError::Unknown(0)
                        }
                    };
                    partitions.push(
                        PartitionData::default()
                            .with_partition_index(index)
                            .with_error_code(error.code()),
                    );
                }
                topics.push(
                    TopicData::default()
                        .with_topic_id(topic_data.topic_id)
                        .with_partitions(partitions),
                );
            }
            directories.push(
                DirectoryData::default()
                    .with_id(dir_data.id)
                    .with_topics(topics),
            );
        }
        if !offline_partitions.is_empty() {
            let transition = BrokerTransition {
                removed: Some(broker_id),
                ..Default::default()
            };
            let unclean = self.settings.unclean_leader_election_enable;
            let updates = leader_and_isr_updates(image, transition, unclean, &|topic, index, _| {
                offline_partitions.contains(&(topic, index))
            });
            records.extend(updates.into_iter().map(|(r, v)| (r.into(), v)));
        }
        ControllerResult::of(
            records,
            AssignReplicasToDirsResponse::default().with_directories(directories),
        )
    }
}
