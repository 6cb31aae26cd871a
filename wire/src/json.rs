//! Records as Kafka's tools print them (`kafka-dump-log --cluster-metadata-decoder`, the
//! metadata shell): JSON objects with lowerCamelCase field names, every field of the version,
//! tagged fields only when they differ from their default, uuids in Kafka's base64, byte
//! strings in standard base64. Used to compare with Kafka's own output and for human-readable
//! dumps.

use base64::Engine;
use bytes::Bytes;
pub use serde_json::{Map, Value};

use crate::uuid::Uuid;

/// A value Kafka's JSON converters can print.
pub trait KafkaJson {
    /// The value as Kafka prints it at `version`.
    fn to_kafka_json(&self, version: i16) -> Value;
}

macro_rules! json_number {
    ($($ty:ty),*) => {$(
        impl KafkaJson for $ty {
            fn to_kafka_json(&self, _version: i16) -> Value {
                Value::from(*self)
            }
        }
    )*};
}

json_number!(i8, i16, i32, i64, u16, bool);

impl KafkaJson for f64 {
    /// Finite values as numbers; NaN and infinities as Java prints them, in a string.
    fn to_kafka_json(&self, _version: i16) -> Value {
        serde_json::Number::from_f64(*self)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(java_double_text(*self).to_owned()))
    }
}

fn java_double_text(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

impl KafkaJson for Uuid {
    fn to_kafka_json(&self, _version: i16) -> Value {
        Value::String(self.to_string())
    }
}

impl KafkaJson for String {
    fn to_kafka_json(&self, _version: i16) -> Value {
        Value::String(self.clone())
    }
}

impl KafkaJson for Bytes {
    fn to_kafka_json(&self, _version: i16) -> Value {
        Value::String(base64::engine::general_purpose::STANDARD.encode(self))
    }
}

impl<T: KafkaJson> KafkaJson for Option<T> {
    fn to_kafka_json(&self, version: i16) -> Value {
        self.as_ref()
            .map_or(Value::Null, |value| value.to_kafka_json(version))
    }
}

impl<T: KafkaJson> KafkaJson for Vec<T> {
    fn to_kafka_json(&self, version: i16) -> Value {
        Value::Array(
            self.iter()
                .map(|item| item.to_kafka_json(version))
                .collect(),
        )
    }
}

/// `snake_case` to Kafka's `lowerCamelCase` JSON field name.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `CamelCase` to `SCREAMING_SNAKE_CASE`, as Kafka's `MetadataRecordType` names record types.
pub fn screaming_snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 8);
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kafka() {
        assert_eq!(camel_case("is_migrating_zk_broker"), "isMigratingZkBroker");
        assert_eq!(camel_case("last_known_elr"), "lastKnownElr");
        assert_eq!(
            screaming_snake_case("ZkMigrationStateRecord"),
            "ZK_MIGRATION_STATE_RECORD"
        );
        assert_eq!(screaming_snake_case("NoOpRecord"), "NO_OP_RECORD");
    }

    #[test]
    fn values_print_as_kafka_does() {
        assert_eq!(
            Bytes::from_static(b"ab").to_kafka_json(0),
            Value::from("YWI=")
        );
        assert_eq!(
            Uuid::ONE.to_kafka_json(0),
            Value::from("AAAAAAAAAAAAAAAAAAAAAQ")
        );
        assert_eq!(None::<String>.to_kafka_json(0), Value::Null);
        assert_eq!(f64::INFINITY.to_kafka_json(0), Value::from("Infinity"));
    }
}
