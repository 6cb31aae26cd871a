//! The records of a config change to one resource, as Kafka's
//! `ConfigurationControlManager` computes them: SET, DELETE, APPEND and SUBTRACT (the last
//! two for list configs only), one `ConfigRecord` per key whose value changes (always one for
//! a broker, KAFKA-14136), then the checks (resource name, known topic keys and values, the
//! resource exists), and a `ClearElrRecord` when `min.insync.replicas` changes with ELR on.

use std::collections::BTreeMap;

use kafka_protocol::ResponseError;
use yakt_wire::{ClearElrRecord, ConfigRecord, MetadataRecord};

use crate::config::FileProperties;
use crate::controller::configs::client_metrics_keys::validate_client_metrics_configs;
use crate::controller::configs::group_keys::{validate_group_configs, GroupCoordinatorSettings};
use crate::controller::configs::java_hash_order::validator_order;
use crate::controller::configs::topic_keys::{topic_config_key, validate_topic_config, ConfigType};
use crate::controller::image::configs::resource_type;
use crate::controller::image::MetadataImage;
use crate::controller::result::ApiError;
use crate::controller::topics::names::validate_topic_name;
use crate::controller::versions::MV_CORDONED_LOG_DIRS;

/// An IncrementalAlterConfigs operation (Kafka's `AlterConfigOp.OpType` ids 0-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpType {
    /// Set the value.
    Set,
    /// Remove the key.
    Delete,
    /// Add list elements.
    Append,
    /// Remove list elements.
    Subtract,
}

impl OpType {
    /// The operation with Kafka's id, if any.
    pub fn from_id(id: i8) -> Option<OpType> {
        match id {
            0 => Some(OpType::Set),
            1 => Some(OpType::Delete),
            2 => Some(OpType::Append),
            3 => Some(OpType::Subtract),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            OpType::Set => "SET",
            OpType::Delete => "DELETE",
            OpType::Append => "APPEND",
            OpType::Subtract => "SUBTRACT",
        }
    }
}

/// Where a config change lands and what checks it passes.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The resource type.
    pub resource_type: i8,
    /// The resource name.
    pub resource_name: &'a str,
    /// Whether the resource is being created by this request (a new topic): it need not
    /// exist yet.
    pub newly_created: bool,
    /// Ids of the quorum's controllers (a broker resource may name one).
    pub controller_ids: &'a [i32],
    /// The controller's properties (its `group.*` settings bound a group's configs).
    pub static_configs: &'a FileProperties,
}

type Records = Vec<(MetadataRecord, i16)>;

/// The records of applying `ops` (key → operation and value) to one resource.
pub fn incremental_alter(
    image: &MetadataImage,
    target: Target<'_>,
    ops: &BTreeMap<String, (OpType, Option<String>)>,
) -> Result<Records, ApiError> {
    let current = image
        .configs
        .resource(target.resource_type, target.resource_name);
    let mut changes: Vec<(String, Option<String>)> = Vec::new();
    for (key, (op, value)) in ops {
        let current_value = current.and_then(|c| c.get(key)).cloned();
        let new_value = match op {
            OpType::Set => value.clone(),
            OpType::Delete => None,
            OpType::Append | OpType::Subtract => {
                let splittable = target.resource_type == resource_type::TOPIC
                    && topic_config_key(key).is_some_and(|k| k.config_type == ConfigType::List);
                if !splittable {
                    return Err(ApiError::new(
                        ResponseError::InvalidConfig,
                        format!(
                            "Can't {} to key {key} because its type is not LIST.",
                            op.name()
                        ),
                    ));
                }
                Some(apply_list_op(
                    *op,
                    current_value.as_deref(),
                    key,
                    value.as_deref(),
                ))
            }
        };
        if new_value != current_value || target.resource_type == resource_type::BROKER {
            changes.push((key.clone(), new_value));
        }
    }
    validate(image, target, &changes, &[])?;
    Ok(with_clear_elr(image, to_records(target, changes)))
}

/// The records of replacing a resource's configs with `configs` (legacy AlterConfigs): keys
/// not named are deleted.
pub fn legacy_alter(
    image: &MetadataImage,
    target: Target<'_>,
    configs: &BTreeMap<String, Option<String>>,
) -> Result<Records, ApiError> {
    let current = image
        .configs
        .resource(target.resource_type, target.resource_name);
    let mut changes: Vec<(String, Option<String>)> = Vec::new();
    for (key, value) in configs {
        let current_value = current.and_then(|c| c.get(key)).cloned();
        if *value != current_value || target.resource_type == resource_type::BROKER {
            changes.push((key.clone(), value.clone()));
        }
    }
    let deleted: Vec<String> = current
        .into_iter()
        .flat_map(|c| c.keys())
        .filter(|k| !configs.contains_key(*k))
        .cloned()
        .collect();
    validate(image, target, &changes, &deleted)?;
    changes.extend(deleted.into_iter().map(|k| (k, None)));
    Ok(with_clear_elr(image, to_records(target, changes)))
}

/// The list value after APPEND or SUBTRACT of the comma-separated `value`.
fn apply_list_op(op: OpType, current: Option<&str>, key: &str, value: Option<&str>) -> String {
    let base = current
        .map(str::to_owned)
        .or_else(|| topic_config_key(key).map(|k| k.default.to_owned()))
        .unwrap_or_default();
    let mut items: Vec<String> = base
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    for part in value.unwrap_or_default().split(',') {
        match op {
            OpType::Append if !items.iter().any(|i| i == part) => items.push(part.to_owned()),
            OpType::Subtract => items.retain(|i| i != part),
            _ => {}
        }
    }
    items.join(",")
}

fn to_records(target: Target<'_>, changes: Vec<(String, Option<String>)>) -> Records {
    changes
        .into_iter()
        .map(|(name, value)| {
            let record = ConfigRecord {
                resource_type: target.resource_type,
                resource_name: target.resource_name.to_owned(),
                name,
                value,
                ..Default::default()
            };
            (record.into(), 0)
        })
        .collect()
}

/// With ELR on, a change of `min.insync.replicas` clears the ELR of the topic (or of all
/// topics for a broker-level change), as Kafka's `createClearElrRecordsAsNeeded` does.
fn with_clear_elr(image: &MetadataImage, mut records: Records) -> Records {
    if !image.features.elr_enabled() {
        return records;
    }
    let clears: Records = records
        .iter()
        .filter_map(|(record, _)| match record {
            MetadataRecord::Config(c) if c.name == "min.insync.replicas" => {
                let topic_name = if c.resource_type == resource_type::TOPIC {
                    c.resource_name.clone()
                } else {
                    String::new()
                };
                let clear = ClearElrRecord {
                    topic_name,
                    ..Default::default()
                };
                Some((clear.into(), 0))
            }
            _ => None,
        })
        .collect();
    records.extend(clears);
    records
}

fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::new(ResponseError::InvalidRequest, message)
}

/// Checks the resource name, the resulting configs and that the resource exists (Kafka's
/// `validateAlterConfig` with `ControllerConfigurationValidator`).
fn validate(
    image: &MetadataImage,
    target: Target<'_>,
    changes: &[(String, Option<String>)],
    deleted: &[String],
) -> Result<(), ApiError> {
    for (key, value) in changes {
        check_record(image, target, key, value.as_deref(), true)?;
    }
    for key in deleted {
        check_record(image, target, key, None, false)?;
    }
    validate_resource_name(target)?;
    if target.resource_type == resource_type::TOPIC {
        let mut all: BTreeMap<String, String> = image
            .configs
            .resource(target.resource_type, target.resource_name)
            .cloned()
            .unwrap_or_default();
        for (key, value) in changes {
            match value {
                Some(value) => all.insert(key.clone(), value.clone()),
                None => all.remove(key),
            };
        }
        for key in deleted {
            all.remove(key);
        }
        for (key, value) in &all {
            validate_topic_config(key, value)
                .map_err(|message| ApiError::new(ResponseError::InvalidConfig, message))?;
        }
        validate_topic_values(image, &all)
            .map_err(|message| ApiError::new(ResponseError::InvalidConfig, message))?;
    }
    if matches!(
        target.resource_type,
        resource_type::GROUP | resource_type::CLIENT_METRICS
    ) {
        validate_group_or_client_metrics(image, target, changes, deleted)?;
    }
    if !target.newly_created {
        check_exists(image, target)?;
    }
    Ok(())
}

/// The checks Kafka's `ConfigurationControlManager` makes on each `ConfigRecord` of a change
/// (`explicit`: named in the request, not deleted by a legacy AlterConfigs) before the
/// resource's own checks. A broker resource's keys and values are otherwise not checked: a
/// Kafka controller leaves that to the broker that forwards the change.
fn check_record(
    image: &MetadataImage,
    target: Target<'_>,
    key: &str,
    value: Option<&str>,
    explicit: bool,
) -> Result<(), ApiError> {
    let invalid_config =
        |message: String| Err(ApiError::new(ResponseError::InvalidConfig, message));
    if target.resource_type == resource_type::BROKER {
        let elr = image.features.elr_enabled();
        if key == MIN_INSYNC_REPLICAS && elr && !target.resource_name.is_empty() {
            return invalid_config(format!(
                "Broker-level {MIN_INSYNC_REPLICAS} cannot be altered while ELR is enabled."
            ));
        }
        if key == MIN_INSYNC_REPLICAS && elr && value.is_none() {
            return invalid_config(format!(
                "Cluster-level {MIN_INSYNC_REPLICAS} cannot be removed while ELR is enabled."
            ));
        }
        if key == CORDONED_LOG_DIRS && image.features.metadata_version().0 < MV_CORDONED_LOG_DIRS {
            return invalid_config(format!(
                "The {CORDONED_LOG_DIRS} configuration value cannot be set because it \
                 requires metadata.version >= 4.3-IV0"
            ));
        }
    }
    match value {
        // Java counts a string's length in UTF-16 units.
        Some(v) if explicit && v.encode_utf16().count() > i16::MAX as usize => {
            invalid_config(format!(
                "The configuration value cannot be added because it exceeds the maximum value \
                 size of {} bytes.",
                i16::MAX
            ))
        }
        _ => Ok(()),
    }
}

/// A group's or client metrics subscription's configs after the change, checked as Kafka's
/// `ControllerConfigurationValidator` checks them, in the order its hash maps hold them.
fn validate_group_or_client_metrics(
    image: &MetadataImage,
    target: Target<'_>,
    changes: &[(String, Option<String>)],
    deleted: &[String],
) -> Result<(), ApiError> {
    let current = image
        .configs
        .resource(target.resource_type, target.resource_name);
    let existing: Vec<String> = current
        .into_iter()
        .flat_map(|c| c.keys())
        .cloned()
        .collect();
    let mut all: BTreeMap<String, String> = current.cloned().unwrap_or_default();
    let mut added = Vec::new();
    for (key, value) in changes {
        if !all.contains_key(key) && value.is_some() {
            added.push(key.clone());
        }
        match value {
            Some(value) => all.insert(key.clone(), value.clone()),
            None => all.remove(key),
        };
    }
    for key in deleted {
        all.remove(key);
    }
    let configs: Vec<(String, String)> = validator_order(&existing, &added, all.len())
        .into_iter()
        .filter_map(|key| all.get(&key).map(|value| (key, value.clone())))
        .collect();
    if target.resource_type == resource_type::GROUP {
        let settings = GroupCoordinatorSettings::from_properties(target.static_configs);
        validate_group_configs(&configs, &settings)
    } else {
        validate_client_metrics_configs(target.resource_name, &configs)
    }
}

/// The rules between a topic's values (`LogConfig.validateValues` and the tiered storage
/// checks): each value is the topic's, else the cluster-wide broker default of its synonym,
/// else Kafka's default.
fn validate_topic_values(
    image: &MetadataImage,
    topic: &BTreeMap<String, String>,
) -> Result<(), String> {
    let value = |name: &str| -> String {
        let key = topic_config_key(name);
        topic
            .get(name)
            .or_else(|| {
                let synonym = key.and_then(|k| k.broker_synonym)?;
                image
                    .configs
                    .resource(resource_type::BROKER, "")
                    .and_then(|c| c.get(synonym))
            })
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| key.map(|k| k.default.to_owned()).unwrap_or_default())
    };
    let min_lag: i64 = value("min.compaction.lag.ms").parse().unwrap_or(0);
    let max_lag: i64 = value("max.compaction.lag.ms").parse().unwrap_or(i64::MAX);
    if min_lag > max_lag {
        return Err(format!(
            "conflict topic config setting min.compaction.lag.ms ({min_lag}) > \
             max.compaction.lag.ms ({max_lag})"
        ));
    }
    // `remote.log.storage.system.enable` is off on a controller (yakt has no tiered storage).
    if value("remote.storage.enable").eq_ignore_ascii_case("true") {
        return Err(
            "Tiered Storage functionality is disabled in the broker. Topic cannot be \
                    configured with remote log storage."
                .to_owned(),
        );
    }
    Ok(())
}

/// `min.insync.replicas`.
const MIN_INSYNC_REPLICAS: &str = "min.insync.replicas";
/// `cordoned.log.dirs` (KIP-1066): a broker's log directories taking no new replicas.
const CORDONED_LOG_DIRS: &str = "cordoned.log.dirs";

/// Checks a resource's name for its type; unknown types are INVALID_REQUEST.
pub fn validate_resource_name(target: Target<'_>) -> Result<(), ApiError> {
    let name = target.resource_name;
    match target.resource_type {
        resource_type::TOPIC => {
            if name.is_empty() {
                return Err(invalid_request("Default topic resources are not allowed."));
            }
            validate_topic_name(name)
        }
        resource_type::BROKER if name.is_empty() => Ok(()),
        resource_type::BROKER => match name.parse::<i32>() {
            Ok(id) if id < 0 => Err(invalid_request("Invalid negative broker ID.")),
            Ok(_) => Ok(()),
            Err(_) => Err(invalid_request(
                "Unable to parse broker name as a base 10 number.",
            )),
        },
        resource_type::GROUP if name.is_empty() => {
            Err(invalid_request("Default group resources are not allowed."))
        }
        resource_type::GROUP | resource_type::CLIENT_METRICS => Ok(()),
        other => Err(invalid_request(format!("Unknown resource type {other}"))),
    }
}

fn check_exists(image: &MetadataImage, target: Target<'_>) -> Result<(), ApiError> {
    let name = target.resource_name;
    match target.resource_type {
        resource_type::BROKER if !name.is_empty() => {
            let id: i32 = name
                .parse()
                .map_err(|_| invalid_request(format!("Invalid broker name {name}")))?;
            let known = image.cluster.broker(id).is_some() || target.controller_ids.contains(&id);
            if !known {
                return Err(ApiError::new(
                    ResponseError::BrokerIdNotRegistered,
                    format!("No node with id {id} found."),
                ));
            }
            Ok(())
        }
        resource_type::TOPIC if image.topics.topic_named(name).is_none() => Err(ApiError::new(
            ResponseError::UnknownTopicOrPartition,
            format!("The topic '{name}' does not exist."),
        )),
        _ => Ok(()),
    }
}
