//! Typed reads of property values, with the parsing rules of Kafka's `ConfigDef`.
//!
//! `ConfigDef.parseType` trims a value before reading it as INT, LONG, BOOLEAN, STRING or
//! LIST; a LIST is split on commas with the whitespace around them, and (Kafka 4.x) may not
//! hold an empty entry. The reader records every key it is asked about, so the keys left
//! over are the ones yakt does not use.

use std::collections::BTreeSet;
use std::str::FromStr;

use super::error::ConfigError;
use super::properties::Properties;

/// Reads keys from properties and remembers which ones were read.
pub(crate) struct Reader<'a> {
    properties: &'a Properties,
    read: BTreeSet<&'static str>,
    read_named: BTreeSet<String>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(properties: &'a Properties) -> Self {
        Reader {
            properties,
            read: BTreeSet::new(),
            read_named: BTreeSet::new(),
        }
    }

    /// The keys defined in the properties that were never read, in file order.
    pub(crate) fn unread_keys(&self) -> Vec<String> {
        self.properties
            .iter()
            .filter(|property| {
                !self.read.contains(property.key.as_str())
                    && !self.read_named.contains(&property.key)
            })
            .map(|property| property.key.clone())
            .collect()
    }

    /// The raw value of `key`.
    pub(crate) fn raw(&mut self, key: &'static str) -> Option<&'a str> {
        self.read.insert(key);
        self.properties.get(key)
    }

    /// The raw value of a key built at run time (e.g. listener-prefixed).
    pub(crate) fn raw_named(&mut self, key: &str) -> Option<&'a str> {
        self.read_named.insert(key.to_owned());
        self.properties.get(key)
    }

    /// A STRING: the trimmed value, if set.
    pub(crate) fn string(&mut self, key: &'static str) -> Option<String> {
        self.raw(key).map(|value| value.trim().to_owned())
    }

    /// An INT with a default and an optional lower bound.
    pub(crate) fn int(
        &mut self,
        key: &'static str,
        default: i32,
        at_least: Option<i32>,
    ) -> Result<i32, ConfigError> {
        self.number(key, "int", default, at_least)
    }

    /// An INT with no default.
    pub(crate) fn required_int(
        &mut self,
        key: &'static str,
        at_least: Option<i32>,
    ) -> Result<i32, ConfigError> {
        if self.raw(key).is_none() {
            return Err(ConfigError::Missing {
                key: key.to_owned(),
            });
        }
        self.int(key, 0, at_least)
    }

    /// A LONG with a default and an optional lower bound.
    pub(crate) fn long(
        &mut self,
        key: &'static str,
        default: i64,
        at_least: Option<i64>,
    ) -> Result<i64, ConfigError> {
        self.number(key, "long", default, at_least)
    }

    fn number<T: FromStr + PartialOrd + std::fmt::Display + Copy>(
        &mut self,
        key: &'static str,
        type_name: &str,
        default: T,
        at_least: Option<T>,
    ) -> Result<T, ConfigError> {
        let Some(raw) = self.raw(key) else {
            return Ok(default);
        };
        let value: T = raw
            .trim()
            .parse()
            .map_err(|_| ConfigError::invalid(key, raw, format!("a valid {type_name}")))?;
        match at_least {
            Some(minimum) if value < minimum => Err(ConfigError::invalid(
                key,
                raw,
                format!("a valid {type_name}: it must be at least {minimum}"),
            )),
            _ => Ok(value),
        }
    }

    /// A BOOLEAN (`true` or `false`, any case).
    pub(crate) fn boolean(
        &mut self,
        key: &'static str,
        default: bool,
    ) -> Result<bool, ConfigError> {
        let Some(raw) = self.raw(key) else {
            return Ok(default);
        };
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ConfigError::invalid(
                key,
                raw,
                "a valid boolean (true or false)",
            )),
        }
    }

    /// A LIST, if set: comma-separated entries, none of them empty; a blank value is an
    /// empty list.
    pub(crate) fn list(&mut self, key: &'static str) -> Result<Option<Vec<String>>, ConfigError> {
        let Some(raw) = self.raw(key) else {
            return Ok(None);
        };
        split_list(raw).map(Some).ok_or_else(|| {
            ConfigError::invalid(key, raw, "a comma-separated list without empty entries")
        })
    }
}

/// Splits a LIST value; `None` if an entry is empty.
pub(crate) fn split_list(raw: &str) -> Option<Vec<String>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Some(Vec::new());
    }
    let entries: Vec<String> = trimmed
        .split(',')
        .map(|entry| entry.trim().to_owned())
        .collect();
    if entries.iter().any(String::is_empty) {
        return None;
    }
    Some(entries)
}
