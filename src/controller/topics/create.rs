//! CreateTopics v2-7 (Kafka's `ControllerApis.createTopics` and `ReplicationControlManager
//! .createTopics`): per topic, a legal name that collides with no existing one
//! (INVALID_TOPIC_EXCEPTION), not existing (TOPIC_ALREADY_EXISTS), configs Kafka knows
//! (INVALID_CONFIG), then either explicit assignments (INVALID_REQUEST unless partitions and
//! replication factor are -1; INVALID_REPLICA_ASSIGNMENT) or a count and factor (-1 for the
//! broker default; INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR) placed rack-aware.
//!
//! Each topic's records: `TopicRecord`, its `ConfigRecord`s, one `PartitionRecord` per
//! partition with ISR = the active replicas and leader = the first of them, epochs 0. All
//! topics' records form one atomic batch; validate-only writes none; past 10,000 records the
//! whole request fails with POLICY_VIOLATION.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::create_topics_response::{
    CreatableTopicConfigs, CreatableTopicResult,
};
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{MetadataRecord, PartitionRecord, TopicRecord, Uuid};

use crate::controller::configs::alter::{incremental_alter, OpType, Target};
use crate::controller::configs::topic_keys::TOPIC_CONFIG_KEYS;
use crate::controller::elections::default_dir;
use crate::controller::image::configs::resource_type;
use crate::controller::image::MetadataImage;
use crate::controller::machine::Controller;
use crate::controller::result::{
    too_many_records, ApiError, ControllerResult, MAX_RECORDS_PER_USER_OP,
};
use crate::controller::topics::names::{colliding_topic, validate_topic_name};
use crate::controller::topics::placement::{place, usable_brokers};

/// The name of the metadata log's topic, which may not be created.
pub const CLUSTER_METADATA_TOPIC: &str = "__cluster_metadata";

/// Where a config's effective value comes from (Kafka's `ConfigSource` ids).
pub mod config_source {
    /// Set on the topic.
    pub const DYNAMIC_TOPIC_CONFIG: i8 = 1;
    /// Set on one broker.
    pub const DYNAMIC_BROKER_CONFIG: i8 = 2;
    /// Set as the cluster-wide broker default.
    pub const DYNAMIC_DEFAULT_BROKER_CONFIG: i8 = 3;
    /// Kafka's default.
    pub const DEFAULT_CONFIG: i8 = 5;
}

type Records = Vec<(MetadataRecord, i16)>;

/// One topic's partitions: `(replicas, isr)` by index.
type NewPartitions = BTreeMap<i32, (Vec<i32>, Vec<i32>)>;

impl Controller {
    /// Handles a CreateTopics (any version 2-7; `version` decides whether configs are
    /// returned).
    pub fn create_topics(
        &mut self,
        request: &CreateTopicsRequest,
        version: i16,
    ) -> ControllerResult<CreateTopicsResponse> {
        let mut seen = BTreeSet::new();
        let duplicates: BTreeSet<&str> = request
            .topics
            .iter()
            .map(|t| t.name.0.as_str())
            .filter(|name| !seen.insert(*name))
            .collect();
        let mut records = Records::new();
        let mut results = Vec::new();
        for topic in &request.topics {
            let name = topic.name.0.as_str();
            if duplicates.contains(name) {
                continue;
            }
            let result = if name == CLUSTER_METADATA_TOPIC {
                Err(ApiError::new(
                    ResponseError::InvalidRequest,
                    format!("Creation of internal topic {CLUSTER_METADATA_TOPIC} is prohibited."),
                ))
            } else {
                self.create_topic(topic, version, &mut records)
            };
            results.push(result.unwrap_or_else(|error| error_result(&topic.name, &error)));
        }
        for name in duplicates {
            let error = ApiError::new(ResponseError::InvalidRequest, "Duplicate topic name.");
            results.push(error_result(
                &TopicName(StrBytes::from_string(name.to_owned())),
                &error,
            ));
        }
        if records.len() > MAX_RECORDS_PER_USER_OP {
            let error = too_many_records();
            for result in &mut results {
                *result = error_result(&result.name, &error);
            }
            records.clear();
        }
        if request.validate_only {
            records.clear();
        }
        let response = CreateTopicsResponse::default().with_topics(results);
        ControllerResult::atomic(records, response)
    }

    fn create_topic(
        &mut self,
        topic: &CreatableTopic,
        version: i16,
        records: &mut Records,
    ) -> Result<CreatableTopicResult, ApiError> {
        let name = topic.name.0.as_str();
        let image = self.replayer.image();
        validate_topic_name(name)?;
        if let Some(existing) = colliding_topic(&image.topics, name) {
            return Err(ApiError::new(
                ResponseError::InvalidTopicException,
                format!("Topic '{name}' collides with existing topic: {existing}"),
            ));
        }
        if image.topics.topic_named(name).is_some() {
            return Err(ApiError::new(
                ResponseError::TopicAlreadyExists,
                format!("Topic '{name}' already exists."),
            ));
        }
        let configs = creation_configs(topic)?;
        let target = Target {
            resource_type: resource_type::TOPIC,
            resource_name: name,
            newly_created: true,
            controller_ids: &self.settings.controller_ids,
            static_configs: &self.settings.static_configs,
        };
        let ops = configs
            .iter()
            .map(|(k, v)| (k.clone(), (OpType::Set, Some(v.clone()))))
            .collect();
        let config_records = if configs.is_empty() {
            Records::new()
        } else {
            incremental_alter(image, target, &ops)?
        };
        let partitions = self.new_partitions(topic)?;
        let image = self.replayer.image();
        let topic_id = self.rng.uuid();
        let image_mv = image.metadata_version();
        records.push((
            TopicRecord {
                name: name.to_owned(),
                topic_id,
                ..Default::default()
            }
            .into(),
            0,
        ));
        records.extend(config_records);
        for (index, (replicas, isr)) in &partitions {
            let record = partition_record(image, topic_id, *index, replicas, isr);
            records.push((record.into(), image_mv.partition_record_version()));
        }
        let replication_factor = partitions.values().next().map_or(0, |(r, _)| r.len());
        let mut result = CreatableTopicResult::default()
            .with_name(topic.name.clone())
            .with_topic_id(topic_id.into())
            .with_error_message(None)
            .with_num_partitions(partitions.len() as i32)
            .with_replication_factor(replication_factor as i16);
        result.configs = if version >= 5 {
            Some(effective_configs(image, &configs))
        } else {
            None
        };
        Ok(result)
    }

    /// The partitions of a new topic, from its explicit assignments or by placement.
    fn new_partitions(&mut self, topic: &CreatableTopic) -> Result<NewPartitions, ApiError> {
        let image = self.replayer.image();
        let is_active = |b: &i32| image.cluster.is_active(*b);
        if !topic.assignments.is_empty() {
            return explicit_partitions(image, topic);
        }
        if topic.replication_factor < -1 || topic.replication_factor == 0 {
            return Err(ApiError::new(
                ResponseError::InvalidReplicationFactor,
                "Replication factor must be larger than 0, or -1 to use the default value.",
            ));
        }
        if topic.num_partitions < -1 || topic.num_partitions == 0 {
            return Err(ApiError::new(
                ResponseError::InvalidPartitions,
                "Number of partitions was set to an invalid non-positive value.",
            ));
        }
        let count = match topic.num_partitions {
            -1 => self.settings.default_num_partitions,
            n => n,
        };
        let factor = match topic.replication_factor {
            -1 => self.settings.default_replication_factor,
            n => n,
        };
        if count as usize > MAX_RECORDS_PER_USER_OP {
            return Err(too_many_records());
        }
        let unable = |why: String| {
            ApiError::new(
                ResponseError::InvalidReplicationFactor,
                format!("Unable to replicate the partition {factor} time(s): {why}"),
            )
        };
        let brokers = usable_brokers(image);
        let placed = place(
            &mut self.rng,
            &brokers,
            count.max(0) as usize,
            i32::from(factor),
        )
        .map_err(unable)?;
        let mut partitions = NewPartitions::new();
        for (index, replicas) in placed.into_iter().enumerate() {
            let isr: Vec<i32> = replicas.iter().copied().filter(|b| is_active(b)).collect();
            if isr.is_empty() {
                return Err(unable(
                    "All brokers are currently fenced or in controlled shutdown.".into(),
                ));
            }
            partitions.insert(index as i32, (replicas, isr));
        }
        Ok(partitions)
    }
}

fn error_result(name: &TopicName, error: &ApiError) -> CreatableTopicResult {
    CreatableTopicResult::default()
        .with_name(name.clone())
        .with_error_code(error.code)
        .with_error_message(error.message.clone().map(StrBytes::from_string))
        .with_configs(None)
}

/// The topic's configs; a null value is INVALID_CONFIG.
fn creation_configs(topic: &CreatableTopic) -> Result<BTreeMap<String, String>, ApiError> {
    let nulls: Vec<&str> = topic
        .configs
        .iter()
        .filter(|c| c.value.is_none())
        .map(|c| c.name.as_str())
        .collect();
    if !nulls.is_empty() {
        return Err(ApiError::new(
            ResponseError::InvalidConfig,
            format!(
                "Null value not supported for topic configs: {}",
                nulls.join(",")
            ),
        ));
    }
    Ok(topic
        .configs
        .iter()
        .filter_map(|c| Some((c.name.to_string(), c.value.as_ref()?.to_string())))
        .collect())
}

/// Partitions from explicit assignments, checked as Kafka's
/// `validateManualPartitionAssignment` does.
fn explicit_partitions(
    image: &MetadataImage,
    topic: &CreatableTopic,
) -> Result<NewPartitions, ApiError> {
    if topic.replication_factor != -1 {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            "A manual partition assignment was specified, but replication factor was not set to -1.",
        ));
    }
    if topic.num_partitions != -1 {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            "A manual partition assignment was specified, but numPartitions was not set to -1.",
        ));
    }
    let mut partitions = NewPartitions::new();
    let mut factor = None;
    for assignment in &topic.assignments {
        let index = assignment.partition_index;
        if partitions.contains_key(&index) {
            return Err(invalid_assignment(format!(
                "Found multiple manual partition assignments for partition {index}"
            )));
        }
        let replicas: Vec<i32> = assignment.broker_ids.iter().map(|b| b.0).collect();
        validate_manual_assignment(image, &replicas, factor)?;
        factor = Some(replicas.len());
        let isr: Vec<i32> = replicas
            .iter()
            .copied()
            .filter(|b| image.cluster.is_active(*b))
            .collect();
        if isr.is_empty() {
            return Err(invalid_assignment(format!(
                "All brokers specified in the manual partition assignment for partition {index} \
                 are fenced or in controlled shutdown."
            )));
        }
        partitions.insert(index, (replicas, isr));
    }
    if (0..partitions.len() as i32).any(|i| !partitions.contains_key(&i)) {
        return Err(invalid_assignment(
            "partitions should be a consecutive 0-based integer sequence".into(),
        ));
    }
    Ok(partitions)
}

pub(crate) fn invalid_assignment(message: String) -> ApiError {
    ApiError::new(ResponseError::InvalidReplicaAssignment, message)
}

/// Kafka's `validateManualPartitionAssignment`: replicas present, registered, distinct, and
/// as many as `factor` when given.
pub(crate) fn validate_manual_assignment(
    image: &MetadataImage,
    replicas: &[i32],
    factor: Option<usize>,
) -> Result<(), ApiError> {
    if replicas.is_empty() {
        return Err(invalid_assignment(
            "The manual partition assignment includes an empty replica list.".into(),
        ));
    }
    let mut sorted = replicas.to_vec();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        if pair[0] == pair[1] {
            return Err(invalid_assignment(format!(
                "The manual partition assignment includes the broker {} more than once.",
                pair[0]
            )));
        }
    }
    if let Some(missing) = sorted.iter().find(|b| image.cluster.broker(**b).is_none()) {
        return Err(invalid_assignment(format!(
            "The manual partition assignment includes broker {missing}, but no such broker is registered."
        )));
    }
    if let Some(factor) = factor {
        if sorted.len() != factor {
            return Err(invalid_assignment(format!(
                "The manual partition assignment includes a partition with {} replica(s), but \
                 this is not consistent with previous partitions, which have {factor} replica(s).",
                sorted.len()
            )));
        }
    }
    Ok(())
}

/// A new partition's record: leader the first ISR member, epochs 0, each replica in its
/// broker's default directory.
pub(crate) fn partition_record(
    image: &MetadataImage,
    topic_id: Uuid,
    partition_id: i32,
    replicas: &[i32],
    isr: &[i32],
) -> PartitionRecord {
    let mv = image.metadata_version();
    PartitionRecord {
        partition_id,
        topic_id,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        leader: isr.first().copied().unwrap_or(-1),
        leader_recovery_state: 0,
        leader_epoch: 0,
        partition_epoch: 0,
        directories: if mv.directory_assignment() {
            replicas.iter().map(|r| default_dir(image, *r)).collect()
        } else {
            Vec::new()
        },
        ..Default::default()
    }
}

/// Every topic config's effective value for a new topic with `configs`, by name.
fn effective_configs(
    image: &MetadataImage,
    configs: &BTreeMap<String, String>,
) -> Vec<CreatableTopicConfigs> {
    TOPIC_CONFIG_KEYS
        .iter()
        .map(|key| {
            let cluster_default = key
                .broker_synonym
                .and_then(|synonym| image.configs.get(resource_type::BROKER, "", synonym));
            let (value, source) = match (configs.get(key.name), cluster_default) {
                (Some(value), _) => (value.as_str(), config_source::DYNAMIC_TOPIC_CONFIG),
                (None, Some(value)) => (value, config_source::DYNAMIC_DEFAULT_BROKER_CONFIG),
                (None, None) => (key.default, config_source::DEFAULT_CONFIG),
            };
            CreatableTopicConfigs::default()
                .with_name(StrBytes::from_string(key.name.to_owned()))
                .with_value(Some(StrBytes::from_string(value.to_owned())))
                .with_config_source(source)
        })
        .collect()
}
