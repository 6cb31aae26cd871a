//! Why a controller configuration was refused.
//!
//! Every error names the key at fault, so an operator can go straight to the line to fix; a
//! bad value also quotes the value and says what was expected.

use std::path::PathBuf;

use thiserror::Error;

use super::properties::PropertiesError;

/// A configuration yakt cannot run with.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The file is not valid properties syntax.
    #[error("{path}: {source}", path = path.as_ref().map_or("<config>".into(), |p| p.display().to_string()))]
    Syntax {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// The syntax error.
        source: PropertiesError,
    },
    /// A key that has no default is not set.
    #[error("missing required configuration {key}, which has no default value")]
    Missing {
        /// The key.
        key: String,
    },
    /// A value that cannot be read as its key's type, or is out of its range.
    #[error("{key}: {value:?} is not {expected}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The value as written (after properties escapes are resolved).
        value: String,
        /// What was expected, e.g. "a valid int" or "an int of at least 0".
        expected: String,
    },
    /// `process.roles` asks for the broker role.
    #[error(
        "process.roles: {value:?} is not supported: yakt runs controllers only \
         (process.roles=controller); run brokers with Apache Kafka"
    )]
    UnsupportedRoles {
        /// The value of `process.roles`.
        value: String,
    },
    /// Values that are each well formed but do not fit together (Kafka's
    /// `KafkaConfig.validateValues` rules for a controller).
    #[error("{key}: {reason}")]
    Inconsistent {
        /// The key to change.
        key: String,
        /// The rule broken.
        reason: String,
    },
}

impl ConfigError {
    /// The key at fault, if the error concerns one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Io { .. } | ConfigError::Syntax { .. } => None,
            ConfigError::Missing { key }
            | ConfigError::InvalidValue { key, .. }
            | ConfigError::Inconsistent { key, .. } => Some(key),
            ConfigError::UnsupportedRoles { .. } => Some("process.roles"),
        }
    }

    pub(crate) fn invalid(key: &str, value: &str, expected: impl Into<String>) -> Self {
        ConfigError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            expected: expected.into(),
        }
    }

    pub(crate) fn inconsistent(key: &str, reason: impl Into<String>) -> Self {
        ConfigError::Inconsistent {
            key: key.to_owned(),
            reason: reason.into(),
        }
    }
}
