//! CreatePartitions v0-3 (Kafka's `ReplicationControlManager.createPartitions`): the new
//! count must exceed the current one (INVALID_PARTITIONS), explicit assignments must cover
//! exactly the new partitions with the topic's replication factor
//! (INVALID_REPLICA_ASSIGNMENT), otherwise replicas are placed as for a new topic. One
//! `PartitionRecord` per new partition; validate-only writes nothing.

use std::collections::BTreeMap;

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::MetadataRecord;

use crate::controller::machine::Controller;
use crate::controller::result::{
    too_many_records, ApiError, ControllerResult, MAX_RECORDS_PER_USER_OP,
};
use crate::controller::topics::create::{
    invalid_assignment, partition_record, validate_manual_assignment,
};
use crate::controller::topics::placement::{place, usable_brokers};

type Records = Vec<(MetadataRecord, i16)>;

impl Controller {
    /// Handles a CreatePartitions.
    pub fn create_partitions(
        &mut self,
        request: &CreatePartitionsRequest,
    ) -> ControllerResult<CreatePartitionsResponse> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for topic in &request.topics {
            *counts.entry(topic.name.0.as_str()).or_default() += 1;
        }
        let mut records = Records::new();
        let mut results = Vec::new();
        for topic in &request.topics {
            let name = topic.name.0.as_str();
            let outcome = match counts[name] {
                1 => self.create_partitions_of(topic, &mut records),
                _ => Err(ApiError::new(
                    ResponseError::InvalidRequest,
                    "Duplicate topic name.",
                )),
            };
            let error = outcome.err().unwrap_or(ApiError::NONE);
            results.push(
                CreatePartitionsTopicResult::default()
                    .with_name(topic.name.clone())
                    .with_error_code(error.code)
                    .with_error_message(error.message.map(StrBytes::from_string)),
            );
        }
        if records.len() > MAX_RECORDS_PER_USER_OP {
            let error = too_many_records();
            for result in &mut results {
                result.error_code = error.code;
                result.error_message = error.message.clone().map(StrBytes::from_string);
            }
            records.clear();
        }
        if request.validate_only {
            records.clear();
        }
        ControllerResult::atomic(
            records,
            CreatePartitionsResponse::default().with_results(results),
        )
    }

    fn create_partitions_of(
        &mut self,
        topic: &CreatePartitionsTopic,
        records: &mut Records,
    ) -> Result<(), ApiError> {
        let image = self.replayer.image();
        let name = topic.name.0.as_str();
        let unknown = || {
            ApiError::new(
                ResponseError::UnknownTopicOrPartition,
                "This server does not host this topic-partition.",
            )
        };
        let existing = image.topics.topic_named(name).ok_or_else(unknown)?;
        let current = existing.partitions.len();
        let invalid_partitions =
            |message: String| ApiError::new(ResponseError::InvalidPartitions, message);
        if topic.count < 0 || (topic.count as usize) < current {
            return Err(invalid_partitions(format!(
                "The topic {name} currently has {current} partition(s); {} would not be an increase.",
                topic.count
            )));
        }
        if topic.count as usize == current {
            return Err(invalid_partitions(format!(
                "Topic already has {current} partition(s)."
            )));
        }
        let additional = topic.count as usize - current;
        if additional > MAX_RECORDS_PER_USER_OP {
            return Err(too_many_records());
        }
        if let Some(assignments) = &topic.assignments {
            if assignments.len() != additional {
                return Err(invalid_assignment(format!(
                    "Attempted to add {additional} additional partition(s), but only {} assignment(s) were specified.",
                    assignments.len()
                )));
            }
        }
        let factor = existing
            .partitions
            .values()
            .next()
            .map_or(0, |p| p.replicas.len());
        let topic_id = existing.id;
        let placed: Vec<Vec<i32>> = match &topic.assignments {
            Some(assignments) => {
                let mut placed = Vec::new();
                for (i, assignment) in assignments.iter().enumerate() {
                    let replicas: Vec<i32> = assignment.broker_ids.iter().map(|b| b.0).collect();
                    validate_manual_assignment(image, &replicas, Some(factor))?;
                    if !replicas.iter().any(|b| image.cluster.is_active(*b)) {
                        return Err(invalid_assignment(format!(
                            "All brokers specified in the manual partition assignment for partition {} \
                             are fenced or in controlled shutdown.",
                            current + i
                        )));
                    }
                    placed.push(replicas);
                }
                placed
            }
            None => {
                let brokers = usable_brokers(image);
                place(&mut self.rng, &brokers, additional, factor as i32).map_err(|why| {
                    ApiError::new(
                        ResponseError::InvalidReplicationFactor,
                        format!("Unable to replicate the partition {factor} time(s): {why}"),
                    )
                })?
            }
        };
        let image = self.replayer.image();
        let mv = image.metadata_version();
        let mut new_records = Records::new();
        for (i, replicas) in placed.iter().enumerate() {
            let isr: Vec<i32> = replicas
                .iter()
                .copied()
                .filter(|b| image.cluster.is_active(*b))
                .collect();
            if isr.is_empty() {
                return Err(ApiError::new(
                    ResponseError::InvalidReplicationFactor,
                    format!(
                        "Unable to replicate the partition {factor} time(s): All brokers are \
                         currently fenced or in controlled shutdown."
                    ),
                ));
            }
            let record = partition_record(image, topic_id, (current + i) as i32, replicas, &isr);
            new_records.push((record.into(), mv.partition_record_version()));
        }
        records.extend(new_records);
        Ok(())
    }
}
