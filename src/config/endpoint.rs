//! Addresses in Kafka's config syntax: listeners (`NAME://host:port`), quorum voters
//! (`id@host:port`) and bootstrap servers (`host:port`).
//!
//! Hosts may be names, IPv4 addresses or bracketed IPv6 addresses (`[::1]`, stored without
//! the brackets). A listener's host may be empty, meaning every interface. Kafka accepts
//! any int as a listener port and fails later when binding; yakt asks for 0..=65535 up front.

use std::fmt;

/// One listener: where this controller accepts connections, or where it says it can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The listener name, upper-cased as Kafka's `ListenerName.normalised` does.
    pub listener_name: String,
    /// The host; empty means every interface (Kafka: a null host).
    pub host: String,
    /// The port; 0 asks the OS for any free port.
    pub port: u16,
}

impl Endpoint {
    /// An endpoint from its parts (the name is upper-cased).
    pub fn new(listener_name: &str, host: &str, port: u16) -> Self {
        Endpoint {
            listener_name: listener_name.to_uppercase(),
            host: host.to_owned(),
            port,
        }
    }

    /// Parses `NAME://host:port`, `NAME://:port` or `NAME://[v6]:port` (Kafka's
    /// `SocketServerConfigs.listenerListToEndPoints`).
    pub fn parse(text: &str) -> Option<Self> {
        let (name, address) = text.rsplit_once("://")?;
        let (host, port) = split_host_port(address)?;
        let port = port.parse::<u16>().ok()?;
        Some(Endpoint::new(name, host, port))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}",
            self.listener_name,
            HostPortRef(&self.host, self.port)
        )
    }
}

/// A host and port, as in `controller.quorum.bootstrap.servers`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// The host name or address (IPv6 without brackets).
    pub host: String,
    /// The port.
    pub port: u16,
}

impl HostPort {
    /// Parses `host:port` or `[v6]:port`; the host may not be empty (Kafka's `Utils.getHost`,
    /// `Utils.getPort`).
    pub fn parse(text: &str) -> Option<Self> {
        let (host, port) = split_host_port(text)?;
        if host.is_empty() {
            return None;
        }
        Some(HostPort {
            host: host.to_owned(),
            port: port.parse().ok()?,
        })
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        HostPortRef(&self.host, self.port).fmt(f)
    }
}

/// A member of a static quorum, as in `controller.quorum.voters`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuorumVoter {
    /// The voter's node id.
    pub id: i32,
    /// The host of its first controller listener.
    pub host: String,
    /// The port of its first controller listener.
    pub port: u16,
}

impl QuorumVoter {
    /// Parses `id@host:port` (Kafka's `QuorumConfig.parseVoterConnections`).
    pub fn parse(text: &str) -> Option<Self> {
        let (id, address) = text.split_once('@')?;
        let id = id.parse().ok()?;
        let HostPort { host, port } = HostPort::parse(address)?;
        Some(QuorumVoter { id, host, port })
    }
}

impl fmt::Display for QuorumVoter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, HostPortRef(&self.host, self.port))
    }
}

/// Writes a host and port, bracketing an IPv6 host.
struct HostPortRef<'a>(&'a str, u16);

impl fmt::Display for HostPortRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains(':') {
            write!(f, "[{}]:{}", self.0, self.1)
        } else {
            write!(f, "{}:{}", self.0, self.1)
        }
    }
}

/// Splits `host:port` or `[v6]:port` into a host (checked against Kafka's host characters,
/// `[0-9a-zA-Z-%._:]`) and a string of digits.
fn split_host_port(address: &str) -> Option<(&str, &str)> {
    let (host, port) = match address.strip_prefix('[') {
        Some(bracketed) => {
            let (host, rest) = bracketed.split_once(']')?;
            (host, rest.strip_prefix(':')?)
        }
        None => address.rsplit_once(':')?,
    };
    let host_ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-%._:".contains(c));
    let port_ok = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    (host_ok && port_ok).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_forms() {
        assert_eq!(
            Endpoint::parse("CONTROLLER://:9093"),
            Some(Endpoint::new("CONTROLLER", "", 9093))
        );
        assert_eq!(
            Endpoint::parse("controller://h:1"),
            Some(Endpoint::new("CONTROLLER", "h", 1))
        );
        assert_eq!(
            Endpoint::parse("C://[::1]:9093"),
            Some(Endpoint::new("C", "::1", 9093))
        );
        assert_eq!(Endpoint::parse("C:9093"), None);
        assert_eq!(Endpoint::parse("C://h:70000"), None);
        assert_eq!(Endpoint::parse("C://h:"), None);
        assert_eq!(Endpoint::parse("C://h/x:1"), None);
    }

    #[test]
    fn voter_and_server_forms() {
        let voter = QuorumVoter::parse("3@[::1]:9093").unwrap();
        assert_eq!(
            (voter.id, voter.host.as_str(), voter.port),
            (3, "::1", 9093)
        );
        assert_eq!(voter.to_string(), "3@[::1]:9093");
        assert_eq!(QuorumVoter::parse("x@h:1"), None);
        assert_eq!(QuorumVoter::parse("1@:1"), None);
        assert_eq!(QuorumVoter::parse("1@h:1@h:2"), None);
        assert_eq!(HostPort::parse("h:1").unwrap().to_string(), "h:1");
        assert_eq!(HostPort::parse("h"), None);
    }
}
