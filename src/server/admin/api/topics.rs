//! `/v1/topics` and `/v1/topics/{name}`: the committed image's topics, their dynamic configs
//! and partitions (404 for a topic the image does not hold).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use super::{ApiError, ApiResult};
use crate::controller::image::configs::resource_type;
use crate::controller::image::{PartitionRegistration, TopicImage};
use crate::controller::MetadataImage;
use crate::server::admin::AdminState;

/// A topic in the list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopicSummary {
    name: String,
    /// Kafka's url-safe base64 form.
    topic_id: String,
    partitions: usize,
}

/// One topic in full.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Topic {
    name: String,
    topic_id: String,
    /// The topic's dynamic configs (what was set on it, not the defaults).
    configs: BTreeMap<String, String>,
    partitions: Vec<Partition>,
}

/// A partition's registration, named as `PartitionRecord`'s JSON names its fields.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Partition {
    partition: i32,
    /// -1 when the partition has no leader.
    leader: i32,
    leader_epoch: i32,
    partition_epoch: i32,
    replicas: Vec<i32>,
    isr: Vec<i32>,
    eligible_leader_replicas: Vec<i32>,
    last_known_elr: Vec<i32>,
    removing_replicas: Vec<i32>,
    adding_replicas: Vec<i32>,
    /// 0 recovered, 1 recovering (an unclean election).
    leader_recovery_state: i8,
    /// Each replica's log directory.
    directories: Vec<String>,
}

impl Partition {
    fn new(partition: i32, registration: &PartitionRegistration) -> Partition {
        Partition {
            partition,
            leader: registration.leader,
            leader_epoch: registration.leader_epoch,
            partition_epoch: registration.partition_epoch,
            replicas: registration.replicas.clone(),
            isr: registration.isr.clone(),
            eligible_leader_replicas: registration.elr.clone(),
            last_known_elr: registration.last_known_elr.clone(),
            removing_replicas: registration.removing_replicas.clone(),
            adding_replicas: registration.adding_replicas.clone(),
            leader_recovery_state: registration.leader_recovery_state,
            directories: registration
                .directories
                .iter()
                .map(|d| d.to_string())
                .collect(),
        }
    }
}

fn summary(topic: &TopicImage) -> TopicSummary {
    TopicSummary {
        name: topic.name.clone(),
        topic_id: topic.id.to_string(),
        partitions: topic.partitions.len(),
    }
}

fn topic(image: &MetadataImage, name: &str) -> Option<Topic> {
    let topic = image.topics.topic_named(name)?;
    let configs = image.configs.resource(resource_type::TOPIC, name);
    Some(Topic {
        name: topic.name.clone(),
        topic_id: topic.id.to_string(),
        configs: configs.cloned().unwrap_or_default(),
        partitions: topic
            .partitions
            .iter()
            .map(|(index, registration)| Partition::new(*index, registration))
            .collect(),
    })
}

/// Every topic, by name.
pub(crate) async fn list(State(state): State<Arc<AdminState>>) -> ApiResult<Vec<TopicSummary>> {
    let topics = state
        .controller
        .query(|image, _| {
            let topics = &image.topics;
            let named = topics.by_name().values().filter_map(|id| topics.topic(*id));
            named.map(summary).collect()
        })
        .await
        .map_err(ApiError::unavailable)?;
    Ok(Json(topics))
}

pub(crate) async fn describe(
    State(state): State<Arc<AdminState>>,
    Path(name): Path<String>,
) -> ApiResult<Topic> {
    let lookup = name.clone();
    let found = state
        .controller
        .query(move |image, _| topic(image, &lookup))
        .await
        .map_err(ApiError::unavailable)?;
    found
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("unknown topic: {name}")))
}
