//! The topic configs Kafka 4.x knows (`LogConfig`), with their types, defaults, valid
//! values and the broker config that sets their cluster-wide default; and the checks Kafka's
//! `ConfigDef` makes on a value (INVALID_CONFIG with Kafka's message when one fails).

/// A config value's type, as Kafka's `ConfigDef.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// `true` or `false`, any case.
    Boolean,
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    Long,
    /// A floating point number.
    Double,
    /// Any string.
    String,
    /// A comma-separated list.
    List,
}

/// What values a config accepts beyond its type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Validator {
    /// Anything of the type.
    Any,
    /// A number at least this.
    AtLeast(i64),
    /// A number in this closed range.
    Between(f64, f64),
    /// One of these strings (each list element, for a list).
    OneOf(&'static [&'static str]),
    /// An integer in one of these closed ranges.
    IntRanges(&'static [(i64, i64)]),
    /// `*` or a list of `partition:broker` (throttled replicas).
    ThrottledReplicas,
}

/// One topic config.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopicConfigKey {
    /// The topic config name.
    pub name: &'static str,
    /// Its type.
    pub config_type: ConfigType,
    /// Kafka's default, as Kafka prints it.
    pub default: &'static str,
    /// The values it accepts.
    pub validator: Validator,
    /// The broker config that sets the cluster-wide default, if any.
    pub broker_synonym: Option<&'static str>,
}

const fn key(
    name: &'static str,
    config_type: ConfigType,
    default: &'static str,
    validator: Validator,
    broker_synonym: Option<&'static str>,
) -> TopicConfigKey {
    TopicConfigKey {
        name,
        config_type,
        default,
        validator,
        broker_synonym,
    }
}

use ConfigType::{Boolean, Double, Int, List, Long};
use Validator::*;

/// The compression codecs a topic may name.
pub const COMPRESSION_TYPES: &[&str] =
    &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

const MAX_LONG: &str = "9223372036854775807";

/// Every topic config of Kafka 4.x, by name.
pub const TOPIC_CONFIG_KEYS: &[TopicConfigKey] = &[
    key(
        "cleanup.policy",
        List,
        "delete",
        OneOf(&["compact", "delete"]),
        Some("log.cleanup.policy"),
    ),
    key(
        "compression.gzip.level",
        Int,
        "-1",
        IntRanges(&[(-1, -1), (1, 9)]),
        Some("compression.gzip.level"),
    ),
    key(
        "compression.lz4.level",
        Int,
        "9",
        IntRanges(&[(1, 17)]),
        Some("compression.lz4.level"),
    ),
    key(
        "compression.type",
        ConfigType::String,
        "producer",
        OneOf(COMPRESSION_TYPES),
        Some("compression.type"),
    ),
    key(
        "compression.zstd.level",
        Int,
        "3",
        IntRanges(&[(-131072, 22)]),
        Some("compression.zstd.level"),
    ),
    key(
        "delete.retention.ms",
        Long,
        "86400000",
        AtLeast(0),
        Some("log.cleaner.delete.retention.ms"),
    ),
    key(
        "file.delete.delay.ms",
        Long,
        "60000",
        AtLeast(0),
        Some("log.segment.delete.delay.ms"),
    ),
    key(
        "flush.messages",
        Long,
        MAX_LONG,
        AtLeast(1),
        Some("log.flush.interval.messages"),
    ),
    key(
        "flush.ms",
        Long,
        MAX_LONG,
        AtLeast(0),
        Some("log.flush.interval.ms"),
    ),
    key(
        "follower.replication.throttled.replicas",
        List,
        "",
        ThrottledReplicas,
        None,
    ),
    key(
        "index.interval.bytes",
        Int,
        "4096",
        AtLeast(0),
        Some("log.index.interval.bytes"),
    ),
    key(
        "leader.replication.throttled.replicas",
        List,
        "",
        ThrottledReplicas,
        None,
    ),
    key(
        "local.retention.bytes",
        Long,
        "-2",
        AtLeast(-2),
        Some("log.local.retention.bytes"),
    ),
    key(
        "local.retention.ms",
        Long,
        "-2",
        AtLeast(-2),
        Some("log.local.retention.ms"),
    ),
    key(
        "max.compaction.lag.ms",
        Long,
        MAX_LONG,
        AtLeast(1),
        Some("log.cleaner.max.compaction.lag.ms"),
    ),
    key(
        "max.message.bytes",
        Int,
        "1048588",
        AtLeast(0),
        Some("message.max.bytes"),
    ),
    key(
        "message.timestamp.after.max.ms",
        Long,
        "3600000",
        AtLeast(0),
        Some("log.message.timestamp.after.max.ms"),
    ),
    key(
        "message.timestamp.before.max.ms",
        Long,
        MAX_LONG,
        AtLeast(0),
        Some("log.message.timestamp.before.max.ms"),
    ),
    key(
        "message.timestamp.type",
        ConfigType::String,
        "CreateTime",
        OneOf(&["CreateTime", "LogAppendTime"]),
        Some("log.message.timestamp.type"),
    ),
    key(
        "min.cleanable.dirty.ratio",
        Double,
        "0.5",
        Between(0.0, 1.0),
        Some("log.cleaner.min.cleanable.ratio"),
    ),
    key(
        "min.compaction.lag.ms",
        Long,
        "0",
        AtLeast(0),
        Some("log.cleaner.min.compaction.lag.ms"),
    ),
    key(
        "min.insync.replicas",
        Int,
        "1",
        AtLeast(1),
        Some("min.insync.replicas"),
    ),
    key(
        "preallocate",
        Boolean,
        "false",
        Any,
        Some("log.preallocate"),
    ),
    key("remote.log.copy.disable", Boolean, "false", Any, None),
    key("remote.log.delete.on.disable", Boolean, "false", Any, None),
    key("remote.storage.enable", Boolean, "false", Any, None),
    key(
        "retention.bytes",
        Long,
        "-1",
        Any,
        Some("log.retention.bytes"),
    ),
    key(
        "retention.ms",
        Long,
        "604800000",
        AtLeast(-1),
        Some("log.retention.ms"),
    ),
    key(
        "segment.bytes",
        Int,
        "1073741824",
        AtLeast(14),
        Some("log.segment.bytes"),
    ),
    key(
        "segment.index.bytes",
        Int,
        "10485760",
        AtLeast(4),
        Some("log.index.size.max.bytes"),
    ),
    key(
        "segment.jitter.ms",
        Long,
        "0",
        AtLeast(0),
        Some("log.roll.jitter.ms"),
    ),
    key(
        "segment.ms",
        Long,
        "604800000",
        AtLeast(1),
        Some("log.roll.ms"),
    ),
    key(
        "unclean.leader.election.enable",
        Boolean,
        "false",
        Any,
        Some("unclean.leader.election.enable"),
    ),
];

/// The topic config named `name`.
pub fn topic_config_key(name: &str) -> Option<&'static TopicConfigKey> {
    TOPIC_CONFIG_KEYS.iter().find(|k| k.name == name)
}

/// Checks one topic config value as Kafka's `LogConfig.validate` does; the error is
/// Kafka's message.
pub fn validate_topic_config(name: &str, value: &str) -> Result<(), String> {
    let key = topic_config_key(name).ok_or_else(|| format!("Unknown topic config name: {name}"))?;
    validate_value(key, value)
}

fn invalid(key: &TopicConfigKey, value: &str, why: impl std::fmt::Display) -> String {
    format!(
        "Invalid value {value} for configuration {}: {why}",
        key.name
    )
}

/// Checks `value` against `key`'s type and validator.
pub fn validate_value(key: &TopicConfigKey, value: &str) -> Result<(), String> {
    let trimmed = value.trim();
    let number: Option<f64> = match key.config_type {
        Boolean => {
            if !trimmed.eq_ignore_ascii_case("true") && !trimmed.eq_ignore_ascii_case("false") {
                return Err(invalid(
                    key,
                    value,
                    "Expected value to be either true or false",
                ));
            }
            None
        }
        Int => Some(
            trimmed
                .parse::<i32>()
                .map_err(|_| invalid(key, value, "Not a number of type INT"))? as f64,
        ),
        Long => Some(
            trimmed
                .parse::<i64>()
                .map_err(|_| invalid(key, value, "Not a number of type LONG"))? as f64,
        ),
        Double => Some(
            trimmed
                .parse::<f64>()
                .map_err(|_| invalid(key, value, "Not a number of type DOUBLE"))?,
        ),
        ConfigType::String | List => None,
    };
    match (key.validator, number) {
        (AtLeast(min), Some(n)) if n < min as f64 => {
            Err(invalid(key, value, format!("Value must be at least {min}")))
        }
        (Between(low, high), Some(n)) if n < low || n > high => Err(invalid(
            key,
            value,
            format!("Value must be no less than {low} and no more than {high}"),
        )),
        (IntRanges(ranges), Some(n))
            if !ranges
                .iter()
                .any(|(lo, hi)| (*lo as f64..=*hi as f64).contains(&n)) =>
        {
            Err(invalid(key, value, "Value is out of the valid range"))
        }
        (OneOf(allowed), _) => check_one_of(key, value, allowed),
        (ThrottledReplicas, _) => check_throttled_replicas(key, value),
        _ => Ok(()),
    }
}

fn list_items(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn check_one_of(key: &TopicConfigKey, value: &str, allowed: &[&str]) -> Result<(), String> {
    let items = if key.config_type == List {
        list_items(value)
    } else {
        vec![value.trim()]
    };
    match items.iter().find(|item| !allowed.contains(item)) {
        None => Ok(()),
        Some(_) if key.config_type == List => Err(invalid(
            key,
            value,
            format!("Valid values are [{}]", allowed.join(", ")),
        )),
        Some(_) => Err(invalid(
            key,
            value,
            format!("String must be one of: {}", allowed.join(", ")),
        )),
    }
}

fn check_throttled_replicas(key: &TopicConfigKey, value: &str) -> Result<(), String> {
    let items = list_items(value);
    if items == ["*"] {
        return Ok(());
    }
    let valid = |item: &&str| {
        item.split_once(':').is_some_and(|(partition, broker)| {
            partition.trim().parse::<u32>().is_ok() && broker.trim().parse::<u32>().is_ok()
        })
    };
    if items.iter().all(valid) {
        Ok(())
    } else {
        Err(invalid(
            key,
            value,
            "must be the literal '*' or a list of replicas in the following format: \
             [partitionId]:[brokerId],[partitionId]:[brokerId],...",
        ))
    }
}
