//! Who sent a request: the principal, the client's address and the listener it came in on
//! (Kafka's `RequestContext`, as far as the controller needs it).
//!
//! A request read from a connection carries the connection's identity; a request a broker
//! forwards in an Envelope carries the identity of the broker's client: the principal the broker
//! serialized (Kafka's `DefaultPrincipalData`, version-prefixed) and the client's IP address.
//! Authorization and delegation tokens decide on this; the context never changes the image.

use std::net::IpAddr;

use bytes::Bytes;
use kafka_protocol::messages::DefaultPrincipalData;
use kafka_protocol::protocol::{Decodable, StrBytes};

use crate::config::SecurityProtocol;

/// A principal, e.g. `User:alice` (Kafka's `KafkaPrincipal`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KafkaPrincipal {
    /// The principal type, `User` for every built-in authenticator.
    pub principal_type: String,
    /// The name, `ANONYMOUS` on a PLAINTEXT connection.
    pub name: String,
    /// Whether the client authenticated with a delegation token.
    pub token_authenticated: bool,
}

impl KafkaPrincipal {
    /// `User:ANONYMOUS`: the principal of every PLAINTEXT connection.
    pub fn anonymous() -> KafkaPrincipal {
        KafkaPrincipal::user("ANONYMOUS")
    }

    /// `User:<name>`.
    pub fn user(name: &str) -> KafkaPrincipal {
        KafkaPrincipal {
            principal_type: "User".to_owned(),
            name: name.to_owned(),
            token_authenticated: false,
        }
    }

    /// Decodes the principal a broker put in an Envelope: a big-endian `i16` version followed
    /// by `DefaultPrincipalData` at that version. `None` if the bytes do not hold one (Kafka
    /// answers PRINCIPAL_DESERIALIZATION_FAILURE).
    pub fn from_envelope(bytes: &[u8]) -> Option<KafkaPrincipal> {
        let (version, body) = bytes.split_first_chunk::<2>()?;
        let version = i16::from_be_bytes(*version);
        if version != 0 {
            return None;
        }
        let mut body = Bytes::copy_from_slice(body);
        let data = DefaultPrincipalData::decode(&mut body, version).ok()?;
        Some(KafkaPrincipal {
            principal_type: data._type.to_string(),
            name: data.name.to_string(),
            token_authenticated: data.token_authenticated,
        })
    }

    /// The version-prefixed `DefaultPrincipalData` bytes a broker would forward (`None` for a
    /// name too long for the wire).
    pub fn to_envelope(&self) -> Option<Bytes> {
        use kafka_protocol::protocol::Encodable;
        let data = DefaultPrincipalData::default()
            .with_type(StrBytes::from_string(self.principal_type.clone()))
            .with_name(StrBytes::from_string(self.name.clone()))
            .with_token_authenticated(self.token_authenticated);
        let mut out = bytes::BytesMut::new();
        out.extend_from_slice(&0i16.to_be_bytes());
        data.encode(&mut out, 0).ok()?;
        Some(out.freeze())
    }
}

impl std::fmt::Display for KafkaPrincipal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.principal_type, self.name)
    }
}

/// The identity a request is handled under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// Who sent it.
    pub principal: KafkaPrincipal,
    /// The client's address (for ACLs with a host).
    pub client_address: IpAddr,
    /// The listener it came in on (for a forwarded request, the broker's connection's).
    pub listener: String,
    /// Whether a broker forwarded it in an Envelope.
    pub forwarded: bool,
    /// The security protocol of the connection it came in on (for a forwarded request, the
    /// broker's connection's, as Kafka's forwarded context keeps it).
    pub security_protocol: SecurityProtocol,
}

impl RequestContext {
    /// A request read from a PLAINTEXT connection on `listener` (`User:ANONYMOUS`; the
    /// connection sets the protocol and principal it authenticated).
    pub fn connection(listener: &str, client_address: IpAddr) -> RequestContext {
        RequestContext {
            principal: KafkaPrincipal::anonymous(),
            client_address,
            listener: listener.to_owned(),
            forwarded: false,
            security_protocol: SecurityProtocol::Plaintext,
        }
    }

    /// The context of a request forwarded over this one's connection, for `principal` at
    /// `client_address` (the Envelope's raw IPv4 or IPv6 bytes). `None` if the address is
    /// neither 4 nor 16 bytes.
    pub fn forwarded(
        &self,
        principal: KafkaPrincipal,
        client_address: &[u8],
    ) -> Option<RequestContext> {
        let client_address = match client_address.len() {
            4 => IpAddr::from(<[u8; 4]>::try_from(client_address).ok()?),
            16 => IpAddr::from(<[u8; 16]>::try_from(client_address).ok()?),
            _ => return None,
        };
        Some(RequestContext {
            principal,
            client_address,
            listener: self.listener.clone(),
            forwarded: true,
            security_protocol: self.security_protocol,
        })
    }

    /// A context for tests and in-process callers: `User:ANONYMOUS` from localhost.
    pub fn local() -> RequestContext {
        RequestContext::connection("CONTROLLER", IpAddr::from([127, 0, 0, 1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_principal_round_trips() {
        let mut alice = KafkaPrincipal::user("alice");
        alice.token_authenticated = true;
        assert_eq!(
            KafkaPrincipal::from_envelope(&alice.to_envelope().unwrap()),
            Some(alice.clone())
        );
        assert_eq!(alice.to_string(), "User:alice");
    }

    #[test]
    fn bad_envelope_principals_are_refused() {
        let good = KafkaPrincipal::user("bob").to_envelope().unwrap();
        assert_eq!(KafkaPrincipal::from_envelope(&[]), None);
        assert_eq!(KafkaPrincipal::from_envelope(&good[..good.len() - 2]), None);
        let mut other_version = good.to_vec();
        other_version[1] = 1;
        assert_eq!(KafkaPrincipal::from_envelope(&other_version), None);
    }

    #[test]
    fn forwarded_addresses_are_ipv4_or_ipv6() {
        let ctx = RequestContext::local();
        let alice = KafkaPrincipal::user("alice");
        let v4 = ctx.forwarded(alice.clone(), &[10, 0, 0, 7]).unwrap();
        assert_eq!(v4.client_address, IpAddr::from([10, 0, 0, 7]));
        assert!(v4.forwarded);
        let v6 = ctx.forwarded(alice.clone(), &[0; 16]).unwrap();
        assert!(v6.client_address.is_ipv6());
        assert_eq!(ctx.forwarded(alice, &[1, 2, 3]), None);
    }
}
