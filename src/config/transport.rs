//! What each listener and this controller's outbound connections need to secure a connection:
//! the security protocol from `listener.security.protocol.map`, SASL settings for the SASL
//! protocols ([`super::sasl`]) and TLS settings for SSL and SASL_SSL ([`super::tls`]).

use std::collections::BTreeMap;

use super::endpoint::Endpoint;
use super::error::ConfigError;
use super::read::Reader;
use super::sasl::{self, SaslClientSettings, SaslServerSettings};
use super::security::SecurityProtocol;
use super::tls::{self, ClientAuth, TlsSettings};

/// How one listener secures its connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerSecurity {
    /// The listener's protocol.
    pub protocol: SecurityProtocol,
    /// SASL_PLAINTEXT and SASL_SSL: the mechanisms and PLAIN users.
    pub sasl: Option<SaslServerSettings>,
    /// SSL and SASL_SSL: the keystore, truststore and client authentication.
    pub tls: Option<TlsSettings>,
}

/// How this controller connects to the other controllers (the first controller listener).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecurity {
    /// The first controller listener's protocol.
    pub protocol: SecurityProtocol,
    /// SASL_PLAINTEXT and SASL_SSL: the mechanism and login.
    pub sasl: Option<SaslClientSettings>,
    /// SSL and SASL_SSL: the truststore, and the keystore to present if any.
    pub tls: Option<TlsSettings>,
}

impl Default for ClientSecurity {
    fn default() -> Self {
        ClientSecurity {
            protocol: SecurityProtocol::Plaintext,
            sasl: None,
            tls: None,
        }
    }
}

/// Reads the security of every listener, and of the client side.
pub(crate) fn read(
    reader: &mut Reader<'_>,
    listeners: &[Endpoint],
    controller_listener_names: &[String],
    protocols: &BTreeMap<String, SecurityProtocol>,
    controller_mechanism: &str,
) -> Result<(BTreeMap<String, ListenerSecurity>, ClientSecurity), ConfigError> {
    let mut by_listener = BTreeMap::new();
    for endpoint in listeners {
        let name = &endpoint.listener_name;
        let protocol = protocols
            .get(name)
            .copied()
            .unwrap_or(SecurityProtocol::Plaintext);
        let sasl = match protocol {
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl => {
                Some(sasl::read_server(reader, name)?)
            }
            _ => None,
        };
        let tls = match protocol {
            SecurityProtocol::Ssl | SecurityProtocol::SaslSsl => {
                Some(server_tls(reader, name, protocol)?)
            }
            _ => None,
        };
        if protocol != SecurityProtocol::Plaintext {
            check_principal_builder(reader, name)?;
        }
        by_listener.insert(
            name.clone(),
            ListenerSecurity {
                protocol,
                sasl,
                tls,
            },
        );
    }
    let Some(first) = controller_listener_names.first() else {
        return Ok((by_listener, ClientSecurity::default()));
    };
    let protocol = protocols
        .get(first)
        .copied()
        .unwrap_or(SecurityProtocol::Plaintext);
    let server = by_listener.get(first).and_then(|l| l.sasl.as_ref());
    let sasl = sasl::read_client(reader, first, protocol, controller_mechanism, server)?;
    let tls = match protocol {
        SecurityProtocol::Ssl | SecurityProtocol::SaslSsl => {
            let settings = tls::read(reader, first, protocol)?;
            if settings.truststore.is_none() {
                return Err(ConfigError::Missing {
                    key: format!(
                        "listener.name.{}.ssl.truststore.location",
                        first.to_lowercase()
                    ),
                });
            }
            Some(settings)
        }
        _ => None,
    };
    Ok((
        by_listener,
        ClientSecurity {
            protocol,
            sasl,
            tls,
        },
    ))
}

/// Kafka's `DefaultKafkaPrincipalBuilder` is the only principal builder yakt applies.
fn check_principal_builder(reader: &mut Reader<'_>, listener: &str) -> Result<(), ConfigError> {
    const DEFAULT: &str =
        "org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder";
    match sasl::listener_value(reader, listener, "principal.builder.class") {
        Some((key, value)) if !value.trim().is_empty() && value.trim() != DEFAULT => {
            Err(ConfigError::inconsistent(
                &key,
                format!("yakt builds principals as Kafka's {DEFAULT} does and runs no other class"),
            ))
        }
        _ => Ok(()),
    }
}

/// A TLS listener's settings: it needs a keystore, and a truststore to check clients with.
fn server_tls(
    reader: &mut Reader<'_>,
    listener: &str,
    protocol: SecurityProtocol,
) -> Result<TlsSettings, ConfigError> {
    let settings = tls::read(reader, listener, protocol)?;
    let prefix = format!("listener.name.{}", listener.to_lowercase());
    if settings.keystore.is_none() {
        return Err(ConfigError::Missing {
            key: format!("{prefix}.ssl.keystore.location"),
        });
    }
    if settings.client_auth != ClientAuth::None && settings.truststore.is_none() {
        return Err(ConfigError::Missing {
            key: format!("{prefix}.ssl.truststore.location"),
        });
    }
    Ok(settings)
}
