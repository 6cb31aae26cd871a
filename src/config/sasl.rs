//! SASL settings of the listeners and of this controller's own connections to other
//! controllers, from Kafka's keys.
//!
//! A listener's key is looked up as `listener.name.<lower-case listener>.<key>` first and as
//! `<key>` second, as Kafka's `ChannelBuilders` resolves it. A SASL listener takes its
//! mechanisms from `sasl.enabled.mechanisms` (Kafka's default, GSSAPI, is refused: yakt speaks
//! PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512) and each mechanism's JAAS login module from
//! `listener.name.<listener>.<mechanism>.sasl.jaas.config`: PLAIN users are its
//! `user_<name>="<password>"` options. SCRAM credentials live in the metadata log. The client
//! side uses the first controller listener, `sasl.mechanism.controller.protocol` and the
//! `username`/`password` of that mechanism's JAAS entry, as a Java controller's raft client does.

use std::collections::BTreeMap;
use std::fmt;

use super::delegation_tokens::Password;
use super::error::ConfigError;
use super::jaas::{self, JaasEntry};
use super::read::Reader;
use super::security::SecurityProtocol;

/// `sasl.enabled.mechanisms`.
pub const SASL_ENABLED_MECHANISMS: &str = "sasl.enabled.mechanisms";
/// Kafka's default for `sasl.enabled.mechanisms`.
pub const SASL_ENABLED_MECHANISMS_DEFAULT: &str = "GSSAPI";
/// `connections.max.reauth.ms`, also prefixed by listener, or by listener and mechanism.
pub const CONNECTIONS_MAX_REAUTH_MS: &str = "connections.max.reauth.ms";
/// `sasl.jaas.config`, prefixed by listener and mechanism.
pub const SASL_JAAS_CONFIG: &str = "sasl.jaas.config";

/// A SASL mechanism yakt speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SaslMechanism {
    /// PLAIN (RFC 4616), users from the listener's JAAS config.
    Plain,
    /// SCRAM-SHA-256 (RFC 7677), credentials from the metadata log.
    ScramSha256,
    /// SCRAM-SHA-512, credentials from the metadata log.
    ScramSha512,
}

impl SaslMechanism {
    /// Every mechanism yakt speaks.
    pub const ALL: [SaslMechanism; 3] = [
        SaslMechanism::Plain,
        SaslMechanism::ScramSha256,
        SaslMechanism::ScramSha512,
    ];

    /// The mechanism's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    /// The mechanism of an exact (case-sensitive, as Kafka compares) name.
    pub fn from_name(name: &str) -> Option<SaslMechanism> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The login module class Kafka pairs with the mechanism.
    fn login_module(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PlainLoginModule",
            _ => "ScramLoginModule",
        }
    }
}

impl fmt::Display for SaslMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a SASL listener accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslServerSettings {
    /// The mechanisms offered, in the configured order (the SaslHandshake answer lists them).
    pub enabled_mechanisms: Vec<SaslMechanism>,
    /// PLAIN's users and passwords (`user_<name>` options of the PLAIN JAAS entry).
    pub plain_users: BTreeMap<String, Password>,
    /// `connections.max.reauth.ms` by mechanism, where above 0: how long a session lasts
    /// before the client must re-authenticate.
    pub max_reauth_ms: BTreeMap<SaslMechanism, i64>,
}

/// How this controller authenticates to other controllers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslClientSettings {
    /// `sasl.mechanism.controller.protocol`.
    pub mechanism: SaslMechanism,
    /// The JAAS `username`.
    pub username: String,
    /// The JAAS `password`.
    pub password: Password,
    /// SCRAM's `tokenauth=true`: the username is a delegation token id.
    pub token_auth: bool,
}

/// The key `key` as `listener` resolves it: its listener-prefixed form, else the plain one.
pub(crate) fn listener_value<'a>(
    reader: &mut Reader<'a>,
    listener: &str,
    key: &str,
) -> Option<(String, &'a str)> {
    let prefixed = format!("listener.name.{}.{key}", listener.to_lowercase());
    let plain = reader.raw_named(key);
    match reader.raw_named(&prefixed) {
        Some(value) => Some((prefixed, value)),
        None => plain.map(|value| (key.to_owned(), value)),
    }
}

/// The JAAS entry of `mechanism` on `listener`, if configured.
fn jaas_entry(
    reader: &mut Reader<'_>,
    listener: &str,
    mechanism: SaslMechanism,
) -> Result<Option<(String, JaasEntry)>, ConfigError> {
    let key = format!(
        "listener.name.{}.{}.{SASL_JAAS_CONFIG}",
        listener.to_lowercase(),
        mechanism.name().to_lowercase()
    );
    let Some(raw) = reader.raw_named(&key) else {
        return Ok(None);
    };
    let entry = jaas::parse_single(raw).map_err(|reason| ConfigError::Inconsistent {
        key: key.clone(),
        reason,
    })?;
    if entry.module_simple_name() != mechanism.login_module() {
        return Err(ConfigError::inconsistent(
            &key,
            format!(
                "{} is not the login module of {mechanism}; yakt reads {}",
                entry.login_module,
                mechanism.login_module()
            ),
        ));
    }
    Ok(Some((key, entry)))
}

/// The server settings of a SASL listener.
pub(crate) fn read_server(
    reader: &mut Reader<'_>,
    listener: &str,
) -> Result<SaslServerSettings, ConfigError> {
    let (key, raw) = listener_value(reader, listener, SASL_ENABLED_MECHANISMS).unwrap_or((
        SASL_ENABLED_MECHANISMS.to_owned(),
        SASL_ENABLED_MECHANISMS_DEFAULT,
    ));
    let names = super::read::split_list(raw)
        .ok_or_else(|| ConfigError::invalid(&key, raw, "a comma-separated list of mechanisms"))?;
    let mut enabled_mechanisms = Vec::new();
    for name in &names {
        let mechanism = SaslMechanism::from_name(name).ok_or_else(|| {
            ConfigError::inconsistent(
                &key,
                format!(
                    "SASL mechanism {name} on listener {listener} is not supported by yakt, \
                     which speaks PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512"
                ),
            )
        })?;
        if !enabled_mechanisms.contains(&mechanism) {
            enabled_mechanisms.push(mechanism);
        }
    }
    if enabled_mechanisms.is_empty() {
        return Err(ConfigError::inconsistent(
            &key,
            format!("SASL listener {listener} enables no mechanism"),
        ));
    }
    let mut plain_users = BTreeMap::new();
    if enabled_mechanisms.contains(&SaslMechanism::Plain) {
        let Some((_, entry)) = jaas_entry(reader, listener, SaslMechanism::Plain)? else {
            return Err(ConfigError::Missing {
                key: format!(
                    "listener.name.{}.plain.{SASL_JAAS_CONFIG}",
                    listener.to_lowercase()
                ),
            });
        };
        for (option, value) in &entry.options {
            if let Some(user) = option.strip_prefix("user_") {
                plain_users.insert(user.to_owned(), Password::new(value.clone()));
            }
        }
    }
    for mechanism in [SaslMechanism::ScramSha256, SaslMechanism::ScramSha512] {
        if enabled_mechanisms.contains(&mechanism) {
            // Checked when present; SCRAM's users live in the metadata log.
            jaas_entry(reader, listener, mechanism)?;
        }
    }
    for mechanism in &enabled_mechanisms {
        // A custom callback (LDAP and the like) would decide what yakt cannot know.
        let key = format!(
            "listener.name.{}.{}.sasl.server.callback.handler.class",
            listener.to_lowercase(),
            mechanism.name().to_lowercase()
        );
        if reader.raw_named(&key).is_some_and(|v| !v.trim().is_empty()) {
            return Err(ConfigError::inconsistent(
                &key,
                "yakt runs no Java callback handlers: PLAIN users come from the JAAS config, \
                 SCRAM credentials from the metadata log",
            ));
        }
    }
    let mut max_reauth_ms = BTreeMap::new();
    for mechanism in &enabled_mechanisms {
        let prefix = format!("listener.name.{}.", listener.to_lowercase());
        let keys = [
            format!(
                "{prefix}{}.{CONNECTIONS_MAX_REAUTH_MS}",
                mechanism.name().to_lowercase()
            ),
            format!("{prefix}{CONNECTIONS_MAX_REAUTH_MS}"),
            CONNECTIONS_MAX_REAUTH_MS.to_owned(),
        ];
        let found = keys
            .iter()
            .map(|key| (key, reader.raw_named(key)))
            .collect::<Vec<_>>()
            .into_iter()
            .find_map(|(key, value)| value.map(|value| (key, value)));
        if let Some((key, raw)) = found {
            let ms: i64 = raw
                .trim()
                .parse()
                .map_err(|_| ConfigError::invalid(key, raw, "a valid long"))?;
            if ms > 0 {
                max_reauth_ms.insert(*mechanism, ms);
            }
        }
    }
    Ok(SaslServerSettings {
        enabled_mechanisms,
        plain_users,
        max_reauth_ms,
    })
}

/// The client settings for the first controller listener, if it is a SASL one.
pub(crate) fn read_client(
    reader: &mut Reader<'_>,
    listener: &str,
    protocol: SecurityProtocol,
    mechanism_name: &str,
    server: Option<&SaslServerSettings>,
) -> Result<Option<SaslClientSettings>, ConfigError> {
    if !matches!(
        protocol,
        SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl
    ) {
        return Ok(None);
    }
    const KEY: &str = "sasl.mechanism.controller.protocol";
    let mechanism = SaslMechanism::from_name(mechanism_name).ok_or_else(|| {
        ConfigError::inconsistent(
            KEY,
            format!(
                "SASL mechanism {mechanism_name} is not supported by yakt for the controller \
                 listener {listener}; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"
            ),
        )
    })?;
    if let Some(server) = server {
        if !server.enabled_mechanisms.contains(&mechanism) {
            return Err(ConfigError::inconsistent(
                KEY,
                format!(
                    "{mechanism} must be included in {SASL_ENABLED_MECHANISMS} of listener \
                     {listener} when SASL is used for the controller"
                ),
            ));
        }
    }
    let missing = ConfigError::Missing {
        key: format!(
            "listener.name.{}.{}.{SASL_JAAS_CONFIG}",
            listener.to_lowercase(),
            mechanism.name().to_lowercase()
        ),
    };
    let Some((key, entry)) = jaas_entry(reader, listener, mechanism)? else {
        return Err(missing);
    };
    let option = |name: &str| {
        entry.options.get(name).cloned().ok_or_else(|| {
            ConfigError::inconsistent(
                &key,
                format!(
                    "the {} entry needs a {name} option: this controller logs in with it to \
                     the other controllers",
                    entry.module_simple_name()
                ),
            )
        })
    };
    Ok(Some(SaslClientSettings {
        mechanism,
        username: option("username")?,
        password: Password::new(option("password")?),
        token_auth: entry
            .options
            .get("tokenauth")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ControllerConfig;

    const BASE: &str =
        "process.roles=controller\nnode.id=1\ncontroller.listener.names=CONTROLLER\n\
         listeners=CONTROLLER://:9093\ncontroller.quorum.voters=1@localhost:9093\n\
         listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT\n";
    const JAAS: &str = "listener.name.controller.plain.sasl.jaas.config=\
         org.apache.kafka.common.security.plain.PlainLoginModule required \
         username=\"admin\" password=\"pw\" user_admin=\"pw\" user_bob=\"bob-pw\";\n";

    fn parse(extra: &str) -> ControllerConfig {
        ControllerConfig::parse_str(&format!("{BASE}{extra}")).unwrap()
    }

    #[test]
    fn listener_prefixed_mechanisms_win_and_plain_users_are_read() {
        let config = parse(&format!(
            "sasl.enabled.mechanisms=GSSAPI\n\
             listener.name.controller.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN\n\
             sasl.mechanism.controller.protocol=PLAIN\n{JAAS}"
        ));
        config.check_security().unwrap();
        let sasl = config.listener_security["CONTROLLER"].sasl.clone().unwrap();
        assert_eq!(
            sasl.enabled_mechanisms,
            [SaslMechanism::ScramSha512, SaslMechanism::Plain]
        );
        assert_eq!(sasl.plain_users["bob"].value(), "bob-pw");
        let client = config.client_security.sasl.clone().unwrap();
        assert_eq!(
            (client.mechanism, client.username.as_str()),
            (SaslMechanism::Plain, "admin")
        );
        assert_eq!(client.password.value(), "pw");
        assert!(
            config.unused_keys().is_empty(),
            "{:?}",
            config.unused_keys()
        );
    }

    #[test]
    fn what_yakt_cannot_serve_is_refused_at_start_naming_the_key() {
        let key_of = |extra: &str| {
            parse(extra)
                .check_security()
                .unwrap_err()
                .key()
                .map(str::to_owned)
        };
        // Kafka's default mechanism, GSSAPI.
        assert_eq!(key_of(JAAS).as_deref(), Some(SASL_ENABLED_MECHANISMS));
        // PLAIN without its JAAS entry.
        assert_eq!(
            key_of("sasl.enabled.mechanisms=PLAIN\n").as_deref(),
            Some("listener.name.controller.plain.sasl.jaas.config")
        );
        // The controller's own mechanism must be enabled on its listener.
        assert_eq!(
            key_of(&format!(
                "sasl.enabled.mechanisms=PLAIN\nsasl.mechanism.controller.protocol=SCRAM-SHA-256\n{JAAS}"
            ))
            .as_deref(),
            Some("sasl.mechanism.controller.protocol")
        );
        // Java classes yakt cannot run.
        let callback = "listener.name.controller.plain.sasl.server.callback.handler.class";
        assert_eq!(
            key_of(&format!(
                "sasl.enabled.mechanisms=PLAIN\n{callback}=com.example.Ldap\n{JAAS}"
            ))
            .as_deref(),
            Some(callback)
        );
        assert_eq!(
            key_of(&format!(
                "sasl.enabled.mechanisms=PLAIN\nsasl.mechanism.controller.protocol=PLAIN\n\
                 principal.builder.class=com.example.Builder\n{JAAS}"
            ))
            .as_deref(),
            Some("principal.builder.class")
        );
        // A client login needs a username and password.
        let no_login = "listener.name.controller.plain.sasl.jaas.config=\
             org.apache.kafka.common.security.plain.PlainLoginModule required user_a=\"b\";\n";
        assert_eq!(
            key_of(&format!(
                "sasl.enabled.mechanisms=PLAIN\nsasl.mechanism.controller.protocol=PLAIN\n{no_login}"
            ))
            .as_deref(),
            Some("listener.name.controller.plain.sasl.jaas.config")
        );
    }
}
