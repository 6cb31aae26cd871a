//! The delegation token settings (Kafka's `DelegationTokenManagerConfigs`): the secret key
//! that signs tokens and the lifetimes the controller gives them.
//!
//! Tokens are on when `delegation.token.secret.key` is set and not empty (after trimming, as
//! Kafka's `ConfigDef` trims a PASSWORD). Kafka 4.x no longer reads the old
//! `delegation.token.master.key`, so neither does yakt: it is reported as an unused key.
//! The secret never appears in `Debug` output.

use std::fmt;

use super::defaults::{
    DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS, DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS_DEFAULT,
    DELEGATION_TOKEN_EXPIRY_TIME_MS, DELEGATION_TOKEN_EXPIRY_TIME_MS_DEFAULT,
    DELEGATION_TOKEN_MAX_LIFETIME_MS, DELEGATION_TOKEN_MAX_LIFETIME_MS_DEFAULT,
    DELEGATION_TOKEN_SECRET_KEY,
};
use super::error::ConfigError;
use super::read::Reader;

/// A PASSWORD setting: compared and used, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// A password with this value.
    pub fn new(value: impl Into<String>) -> Password {
        Password(value.into())
    }

    /// The secret itself.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[hidden]")
    }
}

/// `delegation.token.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationTokenConfig {
    /// `delegation.token.secret.key`: `None` (tokens off) when unset or empty.
    pub secret_key: Option<Password>,
    /// `delegation.token.max.lifetime.ms`: no token lives longer. 7 days.
    pub max_lifetime_ms: i64,
    /// `delegation.token.expiry.time.ms`: how long a token lives before it must be renewed.
    /// 1 day.
    pub expiry_time_ms: i64,
    /// `delegation.token.expiry.check.interval.ms`: how often the active controller removes
    /// expired tokens. 1 hour.
    pub expiry_check_interval_ms: i64,
}

impl Default for DelegationTokenConfig {
    fn default() -> Self {
        DelegationTokenConfig {
            secret_key: None,
            max_lifetime_ms: DELEGATION_TOKEN_MAX_LIFETIME_MS_DEFAULT,
            expiry_time_ms: DELEGATION_TOKEN_EXPIRY_TIME_MS_DEFAULT,
            expiry_check_interval_ms: DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS_DEFAULT,
        }
    }
}

/// Reads the four keys; each lifetime and the interval must be at least 1.
pub(crate) fn read(reader: &mut Reader<'_>) -> Result<DelegationTokenConfig, ConfigError> {
    let secret_key = reader
        .string(DELEGATION_TOKEN_SECRET_KEY)
        .filter(|key| !key.is_empty())
        .map(Password);
    Ok(DelegationTokenConfig {
        secret_key,
        max_lifetime_ms: reader.long(
            DELEGATION_TOKEN_MAX_LIFETIME_MS,
            DELEGATION_TOKEN_MAX_LIFETIME_MS_DEFAULT,
            Some(1),
        )?,
        expiry_time_ms: reader.long(
            DELEGATION_TOKEN_EXPIRY_TIME_MS,
            DELEGATION_TOKEN_EXPIRY_TIME_MS_DEFAULT,
            Some(1),
        )?,
        expiry_check_interval_ms: reader.long(
            DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS,
            DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS_DEFAULT,
            Some(1),
        )?,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::ControllerConfig;

    const BASE: &str = "process.roles=controller\nnode.id=1\n\
        controller.quorum.voters=1@localhost:9093\nlisteners=CONTROLLER://:9093\n\
        controller.listener.names=CONTROLLER\n";

    fn parse(extra: &str) -> Result<ControllerConfig, crate::config::ConfigError> {
        ControllerConfig::parse_str(&format!("{BASE}{extra}"))
    }

    #[test]
    fn defaults_are_kafkas() {
        let tokens = parse("").unwrap().delegation_tokens;
        assert_eq!(tokens.secret_key, None);
        assert_eq!(tokens.max_lifetime_ms, 7 * 24 * 60 * 60 * 1000);
        assert_eq!(tokens.expiry_time_ms, 24 * 60 * 60 * 1000);
        assert_eq!(tokens.expiry_check_interval_ms, 60 * 60 * 1000);
    }

    #[test]
    fn secret_key_is_trimmed_and_hidden() {
        let config = parse("delegation.token.secret.key=  s3cret \n").unwrap();
        let key = config.delegation_tokens.secret_key.clone().unwrap();
        assert_eq!(key.value(), "s3cret");
        assert!(!format!("{:?}", config.delegation_tokens).contains("s3cret"));
    }

    #[test]
    fn an_empty_secret_key_leaves_tokens_off() {
        let config = parse("delegation.token.secret.key=\n").unwrap();
        assert_eq!(config.delegation_tokens.secret_key, None);
    }

    #[test]
    fn the_old_master_key_is_not_read() {
        let config = parse("delegation.token.master.key=old\n").unwrap();
        assert_eq!(config.delegation_tokens.secret_key, None);
        assert_eq!(config.unused_keys(), ["delegation.token.master.key"]);
    }

    #[test]
    fn lifetimes_must_be_positive() {
        for key in [
            "delegation.token.max.lifetime.ms",
            "delegation.token.expiry.time.ms",
            "delegation.token.expiry.check.interval.ms",
        ] {
            assert!(parse(&format!("{key}=0\n")).is_err(), "{key}=0");
            let config = parse(&format!("{key}=5\n")).unwrap();
            assert!(config.unused_keys().is_empty());
        }
    }
}
