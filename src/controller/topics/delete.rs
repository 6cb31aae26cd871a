//! DeleteTopics v1-6 (Kafka's `ControllerApis.deleteTopics` and `ReplicationControlManager
//! .deleteTopics`): topics named by name (v0-5 `TopicNames`, v6 `Topics` with a name) or by
//! id (v6); duplicates and ambiguous entries are INVALID_REQUEST, unknown names
//! UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID. Each deleted topic is one
//! `RemoveTopicRecord` (its partitions and configs go with it on replay).

use std::collections::BTreeMap;

use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{RemoveTopicRecord, Uuid};

use crate::controller::machine::Controller;
use crate::controller::result::{
    too_many_records, ApiError, ControllerResult, MAX_RECORDS_PER_USER_OP,
};

fn result(name: Option<&str>, id: Uuid, error: &ApiError) -> DeletableTopicResult {
    DeletableTopicResult::default()
        .with_name(name.map(|n| TopicName(StrBytes::from_string(n.to_owned()))))
        .with_topic_id(id.into())
        .with_error_code(error.code)
        .with_error_message(error.message.clone().map(StrBytes::from_string))
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(ResponseError::InvalidRequest, message)
}

impl Controller {
    /// Handles a DeleteTopics.
    pub fn delete_topics(
        &self,
        request: &DeleteTopicsRequest,
    ) -> ControllerResult<DeleteTopicsResponse> {
        let mut responses = Vec::new();
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut ids: BTreeMap<Uuid, usize> = BTreeMap::new();
        for name in &request.topic_names {
            *names.entry(name.0.to_string()).or_default() += 1;
        }
        for topic in &request.topics {
            let id = Uuid::from(topic.topic_id);
            match (&topic.name, id == Uuid::ZERO) {
                (None, true) => responses.push(result(
                    None,
                    id,
                    &invalid("Neither topic name nor id were specified."),
                )),
                (None, false) => *ids.entry(id).or_default() += 1,
                (Some(name), true) => *names.entry(name.0.to_string()).or_default() += 1,
                (Some(name), false) => responses.push(result(
                    Some(name.0.as_str()),
                    id,
                    &invalid("You may not specify both topic name and topic id."),
                )),
            }
        }
        let topics = &self.image().topics;
        let mut records = Vec::new();
        for (name, count) in &names {
            let error = if *count > 1 {
                Some(invalid("Duplicate topic name."))
            } else if topics.topic_named(name).is_none() {
                Some(ApiError::new(
                    ResponseError::UnknownTopicOrPartition,
                    "This server does not host this topic-partition.",
                ))
            } else {
                None
            };
            match (error, topics.topic_named(name)) {
                (Some(error), _) => responses.push(result(Some(name), Uuid::ZERO, &error)),
                (None, Some(topic)) => {
                    records.push((
                        RemoveTopicRecord {
                            topic_id: topic.id,
                            ..Default::default()
                        }
                        .into(),
                        0,
                    ));
                    responses.push(result(Some(name), topic.id, &ApiError::NONE));
                }
                (None, None) => {}
            }
        }
        for (id, count) in &ids {
            if *count > 1 {
                responses.push(result(None, *id, &invalid("Duplicate topic id.")));
            } else if let Some(topic) = topics.topic(*id) {
                records.push((
                    RemoveTopicRecord {
                        topic_id: *id,
                        ..Default::default()
                    }
                    .into(),
                    0,
                ));
                responses.push(result(Some(&topic.name), *id, &ApiError::NONE));
            } else {
                let error = ApiError::new(
                    ResponseError::UnknownTopicId,
                    "This server does not host this topic ID.",
                );
                responses.push(result(None, *id, &error));
            }
        }
        if records.len() > MAX_RECORDS_PER_USER_OP {
            let error = too_many_records();
            for response in &mut responses {
                response.error_code = error.code;
                response.error_message = error.message.clone().map(StrBytes::from_string);
            }
            records.clear();
        }
        ControllerResult::atomic(
            records,
            DeleteTopicsResponse::default().with_responses(responses),
        )
    }
}
