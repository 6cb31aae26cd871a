//! The CLIENT_METRICS config keys Kafka knows (`metrics`, `interval.ms`, `match`) and how a
//! subscription's configs are checked when they change, as Kafka's controller checks them
//! (`ClientMetricsConfigs.validate`): a name, known keys, each value's type, the push
//! interval's range and the `match` patterns (a known client selector `=` a Java regular
//! expression).

use kafka_protocol::ResponseError;

use crate::controller::configs::group_keys::{config_exception, java_trim, parse_int};
use crate::controller::configs::java_regex::is_valid_java_regex;
use crate::controller::result::ApiError;

/// Kafka's client metrics keys, in its definition order (the order values are parsed).
const KEYS: &[&str] = &["metrics", "interval.ms", "match"];

/// What a `match` entry may select on.
const MATCH_SELECTORS: &[&str] = &[
    "client_instance_id",
    "client_id",
    "client_software_name",
    "client_software_version",
    "client_source_address",
    "client_source_port",
];

/// The push interval's bounds, in milliseconds.
const MIN_INTERVAL_MS: i32 = 100;
const MAX_INTERVAL_MS: i32 = 3_600_000;

/// Checks a subscription's configs after a change; `configs` are its keys and values in the
/// order Kafka's validator iterates them (the first unknown key in that order is named).
pub fn validate_client_metrics_configs(
    name: &str,
    configs: &[(String, String)],
) -> Result<(), ApiError> {
    let request = |message: String| ApiError::new(ResponseError::InvalidRequest, message);
    let config = |message: String| ApiError::new(ResponseError::InvalidConfig, message);
    if name.is_empty() {
        return Err(request("Subscription name can't be empty".to_owned()));
    }
    if let Some((key, _)) = configs.iter().find(|(k, _)| !KEYS.contains(&k.as_str())) {
        return Err(request(format!(
            "Unknown client metrics configuration: {key}"
        )));
    }
    let value = |key: &str| configs.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let mut interval_ms = None;
    let mut patterns = Vec::new();
    for key in KEYS {
        let Some(text) = value(key) else { continue };
        if *key == "interval.ms" {
            let number = parse_int(java_trim(text)).ok_or_else(|| {
                config(config_exception(
                    key,
                    text,
                    Some("Not a number of type INT"),
                ))
            })?;
            interval_ms = Some(number);
        } else {
            let items = parse_list(key, text).map_err(config)?;
            if *key == "match" {
                patterns = items;
            }
        }
    }
    if let Some(ms) = interval_ms.filter(|ms| !(MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(ms)) {
        return Err(request(format!(
            "Invalid value {ms} for interval.ms, interval must be between {MIN_INTERVAL_MS} and \
             {MAX_INTERVAL_MS} (1 hour)"
        )));
    }
    for pattern in &patterns {
        if !valid_match(pattern) {
            return Err(config(format!(
                "Illegal client matching pattern: {pattern}"
            )));
        }
    }
    Ok(())
}

/// A LIST value as `ConfigDef` parses it (split at commas with the spaces around them,
/// duplicates dropped), refused if an element is empty.
fn parse_list(key: &str, text: &str) -> Result<Vec<String>, String> {
    let trimmed = java_trim(text);
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let mut items: Vec<String> = Vec::new();
    for item in split_commas(trimmed) {
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.iter().any(String::is_empty) {
        return Err(format!("Configuration '{key}' values must not be empty."));
    }
    Ok(items)
}

/// `\s*,\s*` as a Java split with no limit on pieces (Java's `\s` is ASCII whitespace).
fn split_commas(text: &str) -> Vec<String> {
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r');
    text.split(',')
        .map(|piece| piece.trim_matches(space).to_owned())
        .collect()
}

/// A `match` entry: `selector=regex` as Java's `String.split("=")` sees it (trailing empty
/// pieces dropped), a known selector and a regex Java compiles.
fn valid_match(entry: &str) -> bool {
    let mut pieces: Vec<&str> = entry.split('=').collect();
    while pieces.len() > 1 && pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    match pieces.as_slice() {
        [selector, pattern] => {
            MATCH_SELECTORS.contains(&java_trim(selector))
                && is_valid_java_regex(java_trim(pattern))
        }
        _ => false,
    }
}
