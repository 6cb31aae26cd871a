//! The figures Kafka's controller derives from its metadata image (Kafka's
//! `ControllerMetadataMetrics`: topics, partitions, offline and imbalanced partitions, fenced
//! and active brokers; the `MetadataLoader`'s finalized feature levels), counted from a
//! committed [`MetadataImage`] when a scrape asks, inside the controller loop.

use crate::controller::MetadataImage;

/// What a scrape reports of the committed image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFigures {
    /// The offset of the last committed record replayed into the image.
    pub last_committed_offset: i64,
    /// Topics.
    pub topics: u64,
    /// Partitions of every topic.
    pub partitions: u64,
    /// Partitions without a leader.
    pub offline_partitions: u64,
    /// Partitions whose leader is not their first replica (offline ones included, as Kafka
    /// counts them).
    pub preferred_replica_imbalance: u64,
    /// Registered brokers that are fenced.
    pub fenced_brokers: u64,
    /// Registered brokers that are not fenced.
    pub active_brokers: u64,
    /// Every finalized feature and its level (`metadata.version` among them once set).
    pub finalized_levels: Vec<(String, i16)>,
    /// The finalized `metadata.version` level, if set.
    pub metadata_version: Option<i16>,
}

impl ImageFigures {
    /// Counts `image`, committed up to `last_committed_offset`.
    pub fn of(image: &MetadataImage, last_committed_offset: i64) -> ImageFigures {
        let mut figures = ImageFigures {
            last_committed_offset,
            topics: image.topics.by_id().len() as u64,
            partitions: 0,
            offline_partitions: 0,
            preferred_replica_imbalance: 0,
            fenced_brokers: 0,
            active_brokers: 0,
            finalized_levels: image
                .features
                .levels()
                .iter()
                .map(|(name, level)| (name.clone(), *level))
                .collect(),
            metadata_version: image.features.metadata_version_level(),
        };
        for (_, _, partition) in image.topics.partitions() {
            figures.partitions += 1;
            figures.offline_partitions += u64::from(!partition.has_leader());
            figures.preferred_replica_imbalance += u64::from(!partition.has_preferred_leader());
        }
        for broker in image.cluster.brokers().values() {
            if broker.fenced {
                figures.fenced_brokers += 1;
            } else {
                figures.active_brokers += 1;
            }
        }
        figures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yakt_wire::records::{
        FeatureLevelRecord, PartitionRecord, RegisterBrokerRecord, TopicRecord,
    };
    use yakt_wire::{MetadataRecord, Uuid};

    fn partition(topic_id: Uuid, id: i32, replicas: Vec<i32>, leader: i32) -> MetadataRecord {
        MetadataRecord::Partition(PartitionRecord {
            partition_id: id,
            topic_id,
            isr: replicas.clone(),
            replicas,
            leader,
            ..Default::default()
        })
    }

    #[test]
    fn counts_partitions_by_leader_and_brokers_by_fencing() {
        let topic_id = Uuid::random();
        let records = [
            MetadataRecord::FeatureLevel(FeatureLevelRecord {
                name: "metadata.version".into(),
                feature_level: 30,
                ..Default::default()
            }),
            MetadataRecord::RegisterBroker(RegisterBrokerRecord {
                broker_id: 1,
                fenced: true,
                ..Default::default()
            }),
            MetadataRecord::RegisterBroker(RegisterBrokerRecord {
                broker_id: 2,
                fenced: false,
                ..Default::default()
            }),
            MetadataRecord::Topic(TopicRecord {
                name: "t".into(),
                topic_id,
                ..Default::default()
            }),
            partition(topic_id, 0, vec![1, 2], 1),
            partition(topic_id, 1, vec![1, 2], 2),
            partition(topic_id, 2, vec![2, 1], -1),
        ];
        let mut image = MetadataImage::default();
        for (offset, record) in records.iter().enumerate() {
            image.apply(record, offset as i64).unwrap();
        }
        let figures = ImageFigures::of(&image, 6);
        assert_eq!(
            figures,
            ImageFigures {
                last_committed_offset: 6,
                topics: 1,
                partitions: 3,
                offline_partitions: 1,
                preferred_replica_imbalance: 2,
                fenced_brokers: 1,
                active_brokers: 1,
                finalized_levels: vec![("metadata.version".into(), 30)],
                metadata_version: Some(30),
            }
        );
    }
}
