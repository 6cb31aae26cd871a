//! Security protocols and `listener.security.protocol.map`.
//!
//! Kafka's default map sends each protocol-named listener to that protocol
//! (`SocketServerConfigs.LISTENER_SECURITY_PROTOCOL_MAP_DEFAULT`). When the map is not set
//! and no controller or listener name is SSL, SASL_PLAINTEXT or SASL_SSL, every controller
//! listener name is also mapped to PLAINTEXT, so `CONTROLLER://` works without a map
//! (`AbstractKafkaConfig.effectiveListenerSecurityProtocolMap`).

use std::collections::BTreeMap;
use std::fmt;

/// How a listener secures its connections (Kafka's `SecurityProtocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityProtocol {
    /// No authentication, no encryption.
    Plaintext,
    /// TLS.
    Ssl,
    /// SASL authentication without encryption.
    SaslPlaintext,
    /// SASL authentication over TLS.
    SaslSsl,
}

impl SecurityProtocol {
    /// Every protocol.
    pub const ALL: [SecurityProtocol; 4] = [
        SecurityProtocol::Plaintext,
        SecurityProtocol::Ssl,
        SecurityProtocol::SaslPlaintext,
        SecurityProtocol::SaslSsl,
    ];

    /// Kafka's name for the protocol.
    pub fn name(self) -> &'static str {
        match self {
            SecurityProtocol::Plaintext => "PLAINTEXT",
            SecurityProtocol::Ssl => "SSL",
            SecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            SecurityProtocol::SaslSsl => "SASL_SSL",
        }
    }

    /// The protocol of a name, any case (Kafka's `SecurityProtocol.forName`).
    pub fn from_name(name: &str) -> Option<Self> {
        let upper = name.to_uppercase();
        Self::ALL
            .into_iter()
            .find(|protocol| protocol.name() == upper)
    }
}

impl fmt::Display for SecurityProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Kafka's default `listener.security.protocol.map`: each protocol's name maps to it.
pub fn default_security_protocol_map() -> BTreeMap<String, SecurityProtocol> {
    SecurityProtocol::ALL
        .into_iter()
        .map(|protocol| (protocol.name().to_owned(), protocol))
        .collect()
}

/// Parses `NAME:PROTOCOL,...`; names are upper-cased. `None` if an entry is malformed or
/// names an unknown protocol.
pub(crate) fn parse_security_protocol_map(raw: &str) -> Option<BTreeMap<String, SecurityProtocol>> {
    let mut map = BTreeMap::new();
    if raw.trim().is_empty() {
        return Some(map);
    }
    for entry in raw.split(',') {
        let (name, protocol) = entry.split_once(':')?;
        let (name, protocol) = (name.trim(), protocol.trim());
        if name.is_empty() || protocol.contains(':') {
            return None;
        }
        map.insert(name.to_uppercase(), SecurityProtocol::from_name(protocol)?);
    }
    Some(map)
}

/// Whether a listener name is one that stops the implicit PLAINTEXT controller mapping.
pub(crate) fn is_ssl_or_sasl(name: &str) -> bool {
    matches!(name, "SSL" | "SASL_SSL" | "SASL_PLAINTEXT")
}
