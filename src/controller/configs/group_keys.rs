//! The GROUP config keys Kafka knows (`GroupConfig`) and how a group's configs are checked
//! when they change, as Kafka's controller checks them (`GroupConfig.validate` with the
//! controller's own `group.*` settings): the names, each value's type and range in the order
//! Kafka defines the keys, then the bounds the controller's `group.consumer.*`,
//! `group.share.*` and `group.streams.*` settings put on them, then each session timeout
//! against its heartbeat interval. Keys a group leaves unset take the controller's value of
//! their `group.*` synonym.

use std::collections::BTreeMap;

use kafka_protocol::ResponseError;

use crate::controller::configs::java_hash_order::{capacity_after_two_put_alls, iteration_order};
use crate::controller::result::ApiError;

/// How a GROUP key's value is parsed and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An INT at least this.
    Int(i32),
    /// A BOOLEAN.
    Boolean,
    /// `share.auto.offset.reset`: earliest, latest or by_duration:<ISO-8601 duration>.
    AutoOffsetReset,
    /// `share.isolation.level`.
    IsolationLevel,
}

/// (key, kind, default, the controller setting that gives the default): Kafka's definition
/// order, in which values are parsed.
const GROUP_KEYS: &[(&str, Kind, &str, Option<&str>)] = &[
    (
        "consumer.session.timeout.ms",
        Kind::Int(1),
        "45000",
        Some("group.consumer.session.timeout.ms"),
    ),
    (
        "consumer.heartbeat.interval.ms",
        Kind::Int(1),
        "5000",
        Some("group.consumer.heartbeat.interval.ms"),
    ),
    (
        "consumer.assignment.interval.ms",
        Kind::Int(0),
        "1000",
        None,
    ),
    (
        "share.session.timeout.ms",
        Kind::Int(1),
        "45000",
        Some("group.share.session.timeout.ms"),
    ),
    (
        "share.heartbeat.interval.ms",
        Kind::Int(1),
        "5000",
        Some("group.share.heartbeat.interval.ms"),
    ),
    (
        "share.record.lock.duration.ms",
        Kind::Int(1000),
        "30000",
        Some("group.share.record.lock.duration.ms"),
    ),
    (
        "share.delivery.count.limit",
        Kind::Int(2),
        "5",
        Some("group.share.delivery.count.limit"),
    ),
    (
        "share.partition.max.record.locks",
        Kind::Int(100),
        "2000",
        Some("group.share.partition.max.record.locks"),
    ),
    (
        "share.auto.offset.reset",
        Kind::AutoOffsetReset,
        "latest",
        None,
    ),
    (
        "share.isolation.level",
        Kind::IsolationLevel,
        "read_uncommitted",
        None,
    ),
    (
        "share.renew.acknowledge.enable",
        Kind::Boolean,
        "true",
        None,
    ),
    ("share.assignment.interval.ms", Kind::Int(0), "1000", None),
    (
        "streams.session.timeout.ms",
        Kind::Int(1),
        "45000",
        Some("group.streams.session.timeout.ms"),
    ),
    (
        "streams.heartbeat.interval.ms",
        Kind::Int(1),
        "5000",
        Some("group.streams.heartbeat.interval.ms"),
    ),
    (
        "streams.num.standby.replicas",
        Kind::Int(0),
        "0",
        Some("group.streams.num.standby.replicas"),
    ),
    (
        "streams.initial.rebalance.delay.ms",
        Kind::Int(0),
        "3000",
        Some("group.streams.initial.rebalance.delay.ms"),
    ),
    ("streams.assignment.interval.ms", Kind::Int(0), "1000", None),
];

/// The controller's `group.*` settings the checks read, with Kafka's defaults.
const CONTROLLER_DEFAULTS: &[(&str, i32)] = &[
    ("group.consumer.session.timeout.ms", 45_000),
    ("group.consumer.heartbeat.interval.ms", 5_000),
    ("group.consumer.min.session.timeout.ms", 45_000),
    ("group.consumer.max.session.timeout.ms", 60_000),
    ("group.consumer.min.heartbeat.interval.ms", 5_000),
    ("group.consumer.max.heartbeat.interval.ms", 15_000),
    ("group.consumer.min.assignment.interval.ms", 0),
    ("group.consumer.max.assignment.interval.ms", 15_000),
    ("group.share.session.timeout.ms", 45_000),
    ("group.share.heartbeat.interval.ms", 5_000),
    ("group.share.min.session.timeout.ms", 45_000),
    ("group.share.max.session.timeout.ms", 60_000),
    ("group.share.min.heartbeat.interval.ms", 5_000),
    ("group.share.max.heartbeat.interval.ms", 15_000),
    ("group.share.min.assignment.interval.ms", 0),
    ("group.share.max.assignment.interval.ms", 15_000),
    ("group.share.record.lock.duration.ms", 30_000),
    ("group.share.min.record.lock.duration.ms", 15_000),
    ("group.share.max.record.lock.duration.ms", 60_000),
    ("group.share.delivery.count.limit", 5),
    ("group.share.min.delivery.count.limit", 2),
    ("group.share.max.delivery.count.limit", 10),
    ("group.share.partition.max.record.locks", 2_000),
    ("group.share.min.partition.max.record.locks", 100),
    ("group.share.max.partition.max.record.locks", 4_000),
    ("group.streams.session.timeout.ms", 45_000),
    ("group.streams.heartbeat.interval.ms", 5_000),
    ("group.streams.min.session.timeout.ms", 45_000),
    ("group.streams.max.session.timeout.ms", 60_000),
    ("group.streams.min.heartbeat.interval.ms", 5_000),
    ("group.streams.max.heartbeat.interval.ms", 15_000),
    ("group.streams.min.assignment.interval.ms", 0),
    ("group.streams.max.assignment.interval.ms", 15_000),
    ("group.streams.num.standby.replicas", 0),
    ("group.streams.max.standby.replicas", 2),
    ("group.streams.initial.rebalance.delay.ms", 3_000),
];

/// (group key, controller minimum, controller maximum, checked only when the group sets it):
/// the bounds in the order Kafka checks them. A missing minimum is no lower bound.
const BOUNDS: &[(&str, Option<&str>, &str, bool)] = &[
    (
        "consumer.heartbeat.interval.ms",
        Some("group.consumer.min.heartbeat.interval.ms"),
        "group.consumer.max.heartbeat.interval.ms",
        false,
    ),
    (
        "consumer.session.timeout.ms",
        Some("group.consumer.min.session.timeout.ms"),
        "group.consumer.max.session.timeout.ms",
        false,
    ),
    (
        "consumer.assignment.interval.ms",
        Some("group.consumer.min.assignment.interval.ms"),
        "group.consumer.max.assignment.interval.ms",
        true,
    ),
    (
        "share.heartbeat.interval.ms",
        Some("group.share.min.heartbeat.interval.ms"),
        "group.share.max.heartbeat.interval.ms",
        false,
    ),
    (
        "share.session.timeout.ms",
        Some("group.share.min.session.timeout.ms"),
        "group.share.max.session.timeout.ms",
        false,
    ),
    (
        "share.record.lock.duration.ms",
        Some("group.share.min.record.lock.duration.ms"),
        "group.share.max.record.lock.duration.ms",
        false,
    ),
    (
        "share.delivery.count.limit",
        Some("group.share.min.delivery.count.limit"),
        "group.share.max.delivery.count.limit",
        false,
    ),
    (
        "share.partition.max.record.locks",
        Some("group.share.min.partition.max.record.locks"),
        "group.share.max.partition.max.record.locks",
        false,
    ),
    (
        "share.assignment.interval.ms",
        Some("group.share.min.assignment.interval.ms"),
        "group.share.max.assignment.interval.ms",
        true,
    ),
    (
        "streams.heartbeat.interval.ms",
        Some("group.streams.min.heartbeat.interval.ms"),
        "group.streams.max.heartbeat.interval.ms",
        false,
    ),
    (
        "streams.session.timeout.ms",
        Some("group.streams.min.session.timeout.ms"),
        "group.streams.max.session.timeout.ms",
        false,
    ),
    (
        "streams.num.standby.replicas",
        None,
        "group.streams.max.standby.replicas",
        false,
    ),
    (
        "streams.assignment.interval.ms",
        Some("group.streams.min.assignment.interval.ms"),
        "group.streams.max.assignment.interval.ms",
        true,
    ),
];

/// Whether Kafka knows `key` as a GROUP config.
pub fn is_group_config_key(key: &str) -> bool {
    GROUP_KEYS.iter().any(|(name, ..)| *name == key)
}

/// The controller's `group.*` settings that bound a group's configs, read from its
/// properties (Kafka's default where a setting is absent or not a number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCoordinatorSettings(BTreeMap<&'static str, i32>);

impl GroupCoordinatorSettings {
    /// The settings in `properties` (key, value as written).
    pub fn from_properties(properties: &[(String, String)]) -> GroupCoordinatorSettings {
        let settings = CONTROLLER_DEFAULTS
            .iter()
            .map(|(name, default)| {
                let value = properties
                    .iter()
                    .rev()
                    .find(|(key, _)| key == name)
                    .and_then(|(_, value)| parse_int(java_trim(value)))
                    .unwrap_or(*default);
                (*name, value)
            })
            .collect();
        GroupCoordinatorSettings(settings)
    }

    fn get(&self, name: &str) -> i32 {
        self.0.get(name).copied().unwrap_or_default()
    }
}

/// A value to check: the group's own (as written) or the controller's setting (a number).
enum Value<'a> {
    Text(&'a str),
    Controller(i32),
}

/// Checks a group's configs after a change; `configs` are its keys and values in the order
/// Kafka's validator iterates them (the first unknown key in that order is named).
pub fn validate_group_configs(
    configs: &[(String, String)],
    settings: &GroupCoordinatorSettings,
) -> Result<(), ApiError> {
    let invalid = |message: String| ApiError::new(ResponseError::InvalidConfig, message);
    if let Some(key) = first_unknown_key(configs) {
        return Err(invalid(format!("Unknown group config name: {key}")));
    }
    let mut parsed: BTreeMap<&str, i32> = BTreeMap::new();
    for (key, kind, default, synonym) in GROUP_KEYS {
        let value = match configs.iter().find(|(k, _)| k == key) {
            Some((_, value)) => Value::Text(value),
            None => match synonym {
                Some(setting) => Value::Controller(settings.get(setting)),
                None => Value::Text(default),
            },
        };
        if let Some(number) = parse_value(key, *kind, &value).map_err(invalid)? {
            parsed.insert(key, number);
        }
    }
    let set = |key: &str| configs.iter().any(|(k, _)| k == key);
    check_bounds(&parsed, settings, set).map_err(invalid)?;
    for prefix in ["consumer", "share", "streams"] {
        let session = format!("{prefix}.session.timeout.ms");
        let heartbeat = format!("{prefix}.heartbeat.interval.ms");
        if parsed.get(session.as_str()) <= parsed.get(heartbeat.as_str()) {
            return Err(invalid(format!(
                "{session} must be greater than {heartbeat}"
            )));
        }
    }
    Ok(())
}

/// The first key Kafka does not know, in the order of the map `GroupConfig.validate` builds:
/// `putAll` of the controller's defaults, then `putAll` of the group's configs.
fn first_unknown_key(configs: &[(String, String)]) -> Option<String> {
    let unknown: Vec<String> = configs
        .iter()
        .filter(|(k, _)| !is_group_config_key(k))
        .map(|(k, _)| k.clone())
        .collect();
    let defaults = GROUP_KEYS.iter().filter(|k| k.3.is_some()).count();
    let overlapping = configs
        .iter()
        .filter(|(k, _)| GROUP_KEYS.iter().any(|g| g.0 == k && g.3.is_some()))
        .count();
    let size = defaults + configs.len() - overlapping;
    let capacity = capacity_after_two_put_alls(defaults, configs.len(), size);
    iteration_order(unknown, capacity).into_iter().next()
}

/// The bounds the controller's settings put on the group's numbers, in Kafka's order.
fn check_bounds(
    parsed: &BTreeMap<&str, i32>,
    settings: &GroupCoordinatorSettings,
    set: impl Fn(&str) -> bool,
) -> Result<(), String> {
    for (key, min, max, only_when_set) in BOUNDS {
        if *only_when_set && !set(key) {
            continue;
        }
        let value = parsed.get(key).copied().unwrap_or_default();
        if let Some(min) = min {
            if value < settings.get(min) {
                return Err(format!("{key} must be greater than or equal to {min}"));
            }
        }
        if value > settings.get(max) {
            return Err(format!("{key} must be less than or equal to {max}"));
        }
    }
    Ok(())
}

/// Parses and checks one value as Kafka's `ConfigDef.parse` does; an INT's number.
fn parse_value(key: &str, kind: Kind, value: &Value<'_>) -> Result<Option<i32>, String> {
    let text = match value {
        Value::Controller(number) => {
            return check_int(key, kind, *number).map(Some);
        }
        Value::Text(text) => *text,
    };
    let trimmed = java_trim(text);
    match kind {
        Kind::Int(_) => {
            let number = parse_int(trimmed)
                .ok_or_else(|| config_exception(key, text, Some("Not a number of type INT")))?;
            check_int(key, kind, number).map(Some)
        }
        Kind::Boolean => {
            if trimmed.eq_ignore_ascii_case("true") || trimmed.eq_ignore_ascii_case("false") {
                Ok(None)
            } else {
                let reason = "Expected value to be either true or false";
                Err(config_exception(key, text, Some(reason)))
            }
        }
        Kind::IsolationLevel => match trimmed {
            "read_committed" | "read_uncommitted" => Ok(None),
            _ => Err(config_exception(
                key,
                trimmed,
                Some("String must be one of: read_committed, read_uncommitted"),
            )),
        },
        Kind::AutoOffsetReset if valid_share_offset_reset(trimmed) => Ok(None),
        Kind::AutoOffsetReset => {
            let reason = format!(
                "Invalid value `{trimmed}` for configuration {key}. The value must be either \
                 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'."
            );
            Err(config_exception(key, trimmed, Some(&reason)))
        }
    }
}

fn check_int(key: &str, kind: Kind, number: i32) -> Result<i32, String> {
    match kind {
        Kind::Int(min) if number < min => Err(config_exception(
            key,
            &number.to_string(),
            Some(&format!("Value must be at least {min}")),
        )),
        _ => Ok(number),
    }
}

/// `share.auto.offset.reset` values a share group takes (`ShareGroupAutoOffsetResetStrategy`).
fn valid_share_offset_reset(value: &str) -> bool {
    match value {
        "earliest" | "latest" => true,
        _ => value
            .strip_prefix("by_duration:")
            .and_then(crate::controller::configs::java_duration::parse_seconds)
            .is_some_and(|seconds| seconds >= 0),
    }
}

/// Kafka's `ConfigException(name, value, message)` text.
pub fn config_exception(key: &str, value: &str, reason: Option<&str>) -> String {
    match reason {
        Some(reason) => format!("Invalid value {value} for configuration {key}: {reason}"),
        None => format!("Invalid value {value} for configuration {key}"),
    }
}

/// Java's `String.trim`: every char up to U+0020 off both ends.
pub fn java_trim(value: &str) -> &str {
    value.trim_matches(|c: char| c <= ' ')
}

/// Java's `Integer.parseInt` of ASCII digits with an optional sign.
pub fn parse_int(text: &str) -> Option<i32> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
