//! Topics and their partitions (`TopicRecord`, `PartitionRecord`, `PartitionChangeRecord`,
//! `RemoveTopicRecord`, `ClearElrRecord`), by id and by name, with the checks of Kafka's
//! `ReplicationControlManager.replay`: no duplicate names, no partition of an unknown topic,
//! no change to an unknown partition.

use std::collections::BTreeMap;

use yakt_wire::{
    ClearElrRecord, MetadataRecord, PartitionChangeRecord, PartitionRecord, TopicRecord, Uuid,
};

use crate::controller::error::Inconsistency;
use crate::controller::image::partition::PartitionRegistration;
use crate::controller::versions::Mv;

/// A topic and its partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicImage {
    /// The topic name.
    pub name: String,
    /// The topic id.
    pub id: Uuid,
    /// The partitions, by index.
    pub partitions: BTreeMap<i32, PartitionRegistration>,
}

/// Every topic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicsImage {
    by_id: BTreeMap<Uuid, TopicImage>,
    by_name: BTreeMap<String, Uuid>,
}

impl TopicsImage {
    /// The topics, by id.
    pub fn by_id(&self) -> &BTreeMap<Uuid, TopicImage> {
        &self.by_id
    }

    /// Topic names and their ids, by name.
    pub fn by_name(&self) -> &BTreeMap<String, Uuid> {
        &self.by_name
    }

    /// The topic with id `id`.
    pub fn topic(&self, id: Uuid) -> Option<&TopicImage> {
        self.by_id.get(&id)
    }

    /// The topic named `name`.
    pub fn topic_named(&self, name: &str) -> Option<&TopicImage> {
        self.by_name.get(name).and_then(|id| self.by_id.get(id))
    }

    /// Partition `partition_id` of topic `topic_id`.
    pub fn partition(&self, topic_id: Uuid, partition_id: i32) -> Option<&PartitionRegistration> {
        self.by_id.get(&topic_id)?.partitions.get(&partition_id)
    }

    /// Every partition, `(topic, partition index, registration)`, by topic id then index.
    pub fn partitions(&self) -> impl Iterator<Item = (&TopicImage, i32, &PartitionRegistration)> {
        self.by_id
            .values()
            .flat_map(|topic| topic.partitions.iter().map(move |(id, p)| (topic, *id, p)))
    }

    pub(crate) fn replay_topic(&mut self, record: &TopicRecord) -> Result<(), Inconsistency> {
        if self.by_name.contains_key(&record.name) {
            let name = record.name.clone();
            return Err(Inconsistency::DuplicateTopicName { name });
        }
        if self.by_id.contains_key(&record.topic_id) {
            let topic_id = record.topic_id;
            return Err(Inconsistency::DuplicateTopicId { topic_id });
        }
        self.by_name.insert(record.name.clone(), record.topic_id);
        let topic = TopicImage {
            name: record.name.clone(),
            id: record.topic_id,
            partitions: BTreeMap::new(),
        };
        self.by_id.insert(record.topic_id, topic);
        Ok(())
    }

    pub(crate) fn replay_partition(
        &mut self,
        record: &PartitionRecord,
    ) -> Result<(), Inconsistency> {
        if record.partition_id < 0 {
            let partition_id = record.partition_id;
            return Err(Inconsistency::NegativePartition { partition_id });
        }
        let topic = self.topic_mut(record.topic_id)?;
        let registration = PartitionRegistration::from_record(record)?;
        topic.partitions.insert(record.partition_id, registration);
        Ok(())
    }

    pub(crate) fn replay_change(
        &mut self,
        record: &PartitionChangeRecord,
    ) -> Result<(), Inconsistency> {
        let topic = self.topic_mut(record.topic_id)?;
        let current =
            topic
                .partitions
                .get(&record.partition_id)
                .ok_or(Inconsistency::UnknownPartition {
                    topic_id: record.topic_id,
                    partition_id: record.partition_id,
                })?;
        let next = current.merge(record)?;
        topic.partitions.insert(record.partition_id, next);
        Ok(())
    }

    /// Removes a topic; returns its name (its configs go too).
    pub(crate) fn replay_remove(&mut self, topic_id: Uuid) -> Result<String, Inconsistency> {
        let topic = self
            .by_id
            .remove(&topic_id)
            .ok_or(Inconsistency::UnknownTopicId { topic_id })?;
        self.by_name.remove(&topic.name);
        Ok(topic.name)
    }

    /// Clears the ELR and last known ELR of one topic's partitions, or of all topics when
    /// the name is empty; each cleared partition's epoch goes up, as a merged change would.
    pub(crate) fn replay_clear_elr(
        &mut self,
        record: &ClearElrRecord,
    ) -> Result<(), Inconsistency> {
        let clear = PartitionChangeRecord {
            eligible_leader_replicas: Some(Vec::new()),
            last_known_elr: Some(Vec::new()),
            ..Default::default()
        };
        let ids: Vec<Uuid> = if record.topic_name.is_empty() {
            self.by_id.keys().copied().collect()
        } else {
            let name = record.topic_name.clone();
            vec![*self
                .by_name
                .get(&name)
                .ok_or(Inconsistency::UnknownTopicName { name })?]
        };
        for id in ids {
            let topic = self.topic_mut(id)?;
            for partition in topic.partitions.values_mut() {
                if !partition.elr.is_empty() || !partition.last_known_elr.is_empty() {
                    *partition = partition.merge(&clear)?;
                }
            }
        }
        Ok(())
    }

    fn topic_mut(&mut self, topic_id: Uuid) -> Result<&mut TopicImage, Inconsistency> {
        self.by_id
            .get_mut(&topic_id)
            .ok_or(Inconsistency::UnknownTopicId { topic_id })
    }

    /// The records of a snapshot: topics by name, each `TopicRecord` followed by its
    /// partitions by index.
    pub(crate) fn write(&self, mv: Mv, out: &mut Vec<(MetadataRecord, i16)>) {
        for id in self.by_name.values() {
            let Some(topic) = self.by_id.get(id) else {
                continue;
            };
            let record = TopicRecord {
                name: topic.name.clone(),
                topic_id: topic.id,
                ..Default::default()
            };
            out.push((record.into(), 0));
            for (partition_id, partition) in &topic.partitions {
                let (record, version) = partition.to_record(topic.id, *partition_id, mv);
                out.push((record.into(), version));
            }
        }
    }
}
