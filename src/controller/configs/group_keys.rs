//! The GROUP config keys Kafka knows (`GroupConfig`) and how a group's configs are checked
//! when they change, as Kafka's controller checks them (`GroupConfig.validate` with the
//! controller's own `group.*` settings): the names, each value's type and range in the order
//! Kafka defines the keys, then the bounds the controller's `group.consumer.*`,
//! `group.share.*` and `group.streams.*` settings put on them, then each session timeout
//! against its heartbeat interval. Keys a group leaves unset take the controller's value of
//! their `group.*` synonym. Also how DescribeConfigs lists a group's configs: each key's
//! value, source, synonyms, type and documentation.

use std::collections::BTreeMap;

use kafka_protocol::ResponseError;

use crate::controller::configs::java_hash_order::{
    capacity_after_puts, capacity_after_two_put_alls, iteration_order,
};
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

impl Kind {
    /// `DescribeConfigsResponse.ConfigType` id: BOOLEAN 1, STRING 2, INT 3.
    fn type_id(self) -> i8 {
        match self {
            Kind::Boolean => 1,
            Kind::AutoOffsetReset | Kind::IsolationLevel => 2,
            Kind::Int(_) => 3,
        }
    }
}

/// A GROUP config key as Kafka defines it (`GroupConfig.CONFIG_DEF`).
struct GroupKey {
    name: &'static str,
    kind: Kind,
    /// Kafka's default, where the controller has no setting for the key.
    default: &'static str,
    /// The controller setting that gives the key's value when a group leaves it unset
    /// (`GroupConfig.brokerSynonym`).
    synonym: Option<&'static str>,
    /// Whether the validator takes the unset value from that setting
    /// (`GroupCoordinatorConfig.extractGroupConfigMap`); else from `default`.
    validated_with_synonym: bool,
    documentation: &'static str,
}

/// Kafka's GROUP keys in definition order, in which values are parsed.
const GROUP_KEYS: &[GroupKey] = &[
    GroupKey {
        name: "consumer.session.timeout.ms",
        kind: Kind::Int(1),
        default: "45000",
        synonym: Some("group.consumer.session.timeout.ms"),
        validated_with_synonym: true,
        documentation: "The timeout to detect client failures when using the consumer group protocol.",
    },
    GroupKey {
        name: "consumer.heartbeat.interval.ms",
        kind: Kind::Int(1),
        default: "5000",
        synonym: Some("group.consumer.heartbeat.interval.ms"),
        validated_with_synonym: true,
        documentation: "The heartbeat interval given to the members of a consumer group.",
    },
    GroupKey {
        name: "consumer.assignment.interval.ms",
        kind: Kind::Int(0),
        default: "1000",
        synonym: Some("group.consumer.assignment.interval.ms"),
        validated_with_synonym: false,
        documentation: "The interval between assignment updates for a consumer group.",
    },
    GroupKey {
        name: "share.session.timeout.ms",
        kind: Kind::Int(1),
        default: "45000",
        synonym: Some("group.share.session.timeout.ms"),
        validated_with_synonym: true,
        documentation: "The timeout to detect client failures when using the share group protocol.",
    },
    GroupKey {
        name: "share.heartbeat.interval.ms",
        kind: Kind::Int(1),
        default: "5000",
        synonym: Some("group.share.heartbeat.interval.ms"),
        validated_with_synonym: true,
        documentation: "The heartbeat interval given to the members of a share group.",
    },
    GroupKey {
        name: "share.record.lock.duration.ms",
        kind: Kind::Int(1000),
        default: "30000",
        synonym: Some("group.share.record.lock.duration.ms"),
        validated_with_synonym: true,
        documentation: "The record acquisition lock duration in milliseconds for share groups.",
    },
    GroupKey {
        name: "share.delivery.count.limit",
        kind: Kind::Int(2),
        default: "5",
        synonym: Some("group.share.delivery.count.limit"),
        validated_with_synonym: true,
        documentation: "The maximum number of delivery attempts for a record delivered to a share group.",
    },
    GroupKey {
        name: "share.partition.max.record.locks",
        kind: Kind::Int(100),
        default: "2000",
        synonym: Some("group.share.partition.max.record.locks"),
        validated_with_synonym: true,
        documentation: "Share-group record lock limit per share-partition.",
    },
    GroupKey {
        name: "share.auto.offset.reset",
        kind: Kind::AutoOffsetReset,
        default: "latest",
        synonym: None,
        validated_with_synonym: false,
        documentation: "The strategy to initialize the share-partition start offset. <ul><li>earliest: automatically reset the offset to the earliest offset</li><li>latest: automatically reset the offset to the latest offset</li><li>by_duration:&lt;duration&gt;: automatically reset the offset to a configured duration from the current timestamp. &lt;duration&gt; must be specified in ISO8601 format (PnDTnHnMn.nS). Negative duration is not allowed.</li><li>anything else: throw exception to the share consumer.</li></ul>",
    },
    GroupKey {
        name: "share.isolation.level",
        kind: Kind::IsolationLevel,
        default: "read_uncommitted",
        synonym: None,
        validated_with_synonym: false,
        documentation: "Controls how to read records written transactionally. If set to \"read_committed\", the share group will only deliver transactional records which have been committed. If set to \"read_uncommitted\", the share group will return all messages, even transactional messages which have been aborted. Non-transactional records will be returned unconditionally in either mode.",
    },
    GroupKey {
        name: "share.renew.acknowledge.enable",
        kind: Kind::Boolean,
        default: "true",
        synonym: None,
        validated_with_synonym: false,
        documentation: "Whether the renew acknowledge type is enabled for the share group.",
    },
    GroupKey {
        name: "share.assignment.interval.ms",
        kind: Kind::Int(0),
        default: "1000",
        synonym: Some("group.share.assignment.interval.ms"),
        validated_with_synonym: false,
        documentation: "The interval between assignment updates for a share group.",
    },
    GroupKey {
        name: "streams.session.timeout.ms",
        kind: Kind::Int(1),
        default: "45000",
        synonym: Some("group.streams.session.timeout.ms"),
        validated_with_synonym: true,
        documentation: "The timeout to detect client failures when using the streams group protocol.",
    },
    GroupKey {
        name: "streams.heartbeat.interval.ms",
        kind: Kind::Int(1),
        default: "5000",
        synonym: Some("group.streams.heartbeat.interval.ms"),
        validated_with_synonym: true,
        documentation: "The heartbeat interval given to the members.",
    },
    GroupKey {
        name: "streams.num.standby.replicas",
        kind: Kind::Int(0),
        default: "0",
        synonym: Some("group.streams.num.standby.replicas"),
        validated_with_synonym: true,
        documentation: "The number of standby replicas for each task.",
    },
    GroupKey {
        name: "streams.initial.rebalance.delay.ms",
        kind: Kind::Int(0),
        default: "3000",
        synonym: Some("group.streams.initial.rebalance.delay.ms"),
        validated_with_synonym: true,
        documentation: "The amount of time the group coordinator will wait for more streams clients to join a new group before performing the first rebalance. A longer delay means potentially fewer rebalances.",
    },
    GroupKey {
        name: "streams.assignment.interval.ms",
        kind: Kind::Int(0),
        default: "1000",
        synonym: Some("group.streams.assignment.interval.ms"),
        validated_with_synonym: false,
        documentation: "The interval between assignment updates for a streams group.",
    },
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
    ("group.consumer.assignment.interval.ms", 1_000),
    ("group.share.session.timeout.ms", 45_000),
    ("group.share.heartbeat.interval.ms", 5_000),
    ("group.share.min.session.timeout.ms", 45_000),
    ("group.share.max.session.timeout.ms", 60_000),
    ("group.share.min.heartbeat.interval.ms", 5_000),
    ("group.share.max.heartbeat.interval.ms", 15_000),
    ("group.share.min.assignment.interval.ms", 0),
    ("group.share.max.assignment.interval.ms", 15_000),
    ("group.share.assignment.interval.ms", 1_000),
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
    ("group.streams.assignment.interval.ms", 1_000),
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
    GROUP_KEYS.iter().any(|k| k.name == key)
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

/// One config of a DescribeConfigs answer, before it is put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedConfig {
    /// The key.
    pub name: String,
    /// The effective value (none for a sensitive config).
    pub value: Option<String>,
    /// `ConfigSource` id of the value.
    pub source: i8,
    /// Whether the value is hidden.
    pub sensitive: bool,
    /// `DescribeConfigsResponse.ConfigType` id (0: unknown).
    pub type_id: i8,
    /// Kafka's documentation of the key.
    pub documentation: Option<&'static str>,
    /// Where the value could come from, strongest first: name, value, source.
    pub synonyms: Vec<(String, Option<String>, i8)>,
}

/// `ConfigSource` ids a group's configs come from.
const GROUP_CONFIG: i8 = 8;
const STATIC_BROKER_CONFIG: i8 = 4;
const DEFAULT_CONFIG: i8 = 5;

/// A group's configs as Kafka's controller describes them (`ConfigHelper.describeConfigs`
/// over `GroupConfig.fromProps(<the controller's settings>, <the group's configs>)`): first
/// the group's keys Kafka does not know (sensitive), then every key in the order of Kafka's
/// hash map, with the group's value (source GROUP_CONFIG) or else the controller's
/// setting of its synonym (its properties file: STATIC_BROKER_CONFIG; Kafka's default:
/// DEFAULT_CONFIG) or Kafka's default of the key. The `group.*` settings are not dynamic, so no dynamic broker config applies.
/// None where a stored value does not parse (Kafka fails the whole resource).
pub fn describe_group_configs(
    configs: &BTreeMap<String, String>,
    properties: &[(String, String)],
    settings: &GroupCoordinatorSettings,
) -> Option<Vec<DescribedConfig>> {
    let unknown = configs.keys().filter(|k| !is_group_config_key(k));
    let mut described: Vec<DescribedConfig> = unknown
        .map(|name| DescribedConfig {
            name: name.clone(),
            value: None,
            source: GROUP_CONFIG,
            sensitive: true,
            type_id: 0,
            documentation: None,
            synonyms: vec![(name.clone(), None, GROUP_CONFIG)],
        })
        .collect();
    let names = GROUP_KEYS.iter().map(|k| k.name.to_owned()).collect();
    for name in iteration_order(names, capacity_after_puts(GROUP_KEYS.len())) {
        if let Some(key) = GROUP_KEYS.iter().find(|k| k.name == name) {
            described.push(describe_key(key, configs, properties, settings)?);
        }
    }
    Some(described)
}

/// One known key of a group (`ConfigHelper.createGroupConfigEntry`).
fn describe_key(
    key: &GroupKey,
    configs: &BTreeMap<String, String>,
    properties: &[(String, String)],
    settings: &GroupCoordinatorSettings,
) -> Option<DescribedConfig> {
    let own = match configs.get(key.name) {
        Some(text) => Some(normalized(key, text)?),
        None => None,
    };
    let mut synonyms = Vec::new();
    if let Some(value) = &own {
        synonyms.push((key.name.to_owned(), Some(value.clone()), GROUP_CONFIG));
    }
    let unset_value = match key.synonym {
        Some(setting) => {
            if let Some((_, value)) = properties.iter().rev().find(|(k, _)| k == setting) {
                let value = Some(value.clone());
                synonyms.push((setting.to_owned(), value, STATIC_BROKER_CONFIG));
            }
            let kafka_default = Some(controller_default(setting).to_string());
            synonyms.push((setting.to_owned(), kafka_default, DEFAULT_CONFIG));
            settings.get(setting).to_string()
        }
        None => {
            let kafka_default = Some(key.default.to_owned());
            synonyms.push((key.name.to_owned(), kafka_default, DEFAULT_CONFIG));
            key.default.to_owned()
        }
    };
    Some(DescribedConfig {
        name: key.name.to_owned(),
        value: Some(own.unwrap_or(unset_value)),
        source: synonyms.first().map_or(DEFAULT_CONFIG, |s| s.2),
        sensitive: false,
        type_id: key.kind.type_id(),
        documentation: Some(key.documentation),
        synonyms,
    })
}

/// A group's value as Kafka prints it back (`ConfigDef.convertToString` of the parsed
/// value), or none where Kafka cannot parse it.
fn normalized(key: &GroupKey, text: &str) -> Option<String> {
    let number = parse_value(key.name, key.kind, &Value::Text(text)).ok()?;
    let trimmed = java_trim(text);
    Some(match key.kind {
        Kind::Int(_) => number?.to_string(),
        Kind::Boolean => trimmed.to_ascii_lowercase(),
        Kind::AutoOffsetReset | Kind::IsolationLevel => trimmed.to_owned(),
    })
}

/// Kafka's default of a controller `group.*` setting.
fn controller_default(setting: &str) -> i32 {
    CONTROLLER_DEFAULTS
        .iter()
        .find(|(name, _)| *name == setting)
        .map_or(0, |(_, value)| *value)
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
    for key in GROUP_KEYS {
        let value = match configs.iter().find(|(k, _)| k == key.name) {
            Some((_, value)) => Value::Text(value),
            None => match key.synonym.filter(|_| key.validated_with_synonym) {
                Some(setting) => Value::Controller(settings.get(setting)),
                None => Value::Text(key.default),
            },
        };
        if let Some(number) = parse_value(key.name, key.kind, &value).map_err(invalid)? {
            parsed.insert(key.name, number);
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
    let defaults = GROUP_KEYS
        .iter()
        .filter(|k| k.validated_with_synonym)
        .count();
    let overlapping = configs
        .iter()
        .filter(|(k, _)| {
            GROUP_KEYS
                .iter()
                .any(|g| g.name == k && g.validated_with_synonym)
        })
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
