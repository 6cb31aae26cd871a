//! The initial voters of a dynamic quorum as `kafka-storage format` takes them:
//! `--initial-controllers 'id@host:port:directoryId,...'` (Kafka's `DynamicVoters.parse`,
//! with its messages) or `--standalone` (this controller alone, at its first advertised
//! controller listener, with a fresh directory id).

use std::collections::BTreeMap;

use yakt_log::control::VoterSpec;
use yakt_wire::Uuid;

use crate::config::ControllerConfig;

/// Why an `--initial-controllers` value is not a voter list; the messages are Kafka's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VotersError(pub String);

fn error(message: impl Into<String>) -> VotersError {
    VotersError(message.into())
}

/// One initial voter: id, host, port and the directory id of its metadata log directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamicVoter {
    /// The voter's `node.id`.
    pub node_id: i32,
    /// Host of its controller listener.
    pub host: String,
    /// Port of its controller listener.
    pub port: u16,
    /// Its metadata log directory's `directory.id`.
    pub directory_id: Uuid,
}

/// The initial voter set, by node id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamicVoters {
    voters: BTreeMap<i32, DynamicVoter>,
}

impl DynamicVoters {
    /// Parses a comma-separated list (empty entries are skipped; at least one voter; no id
    /// twice).
    pub fn parse(text: &str) -> Result<DynamicVoters, VotersError> {
        let mut voters = BTreeMap::new();
        for entry in text.trim().split(',').filter(|entry| !entry.is_empty()) {
            let voter = DynamicVoter::parse(entry)?;
            let id = voter.node_id;
            if voters.insert(id, voter).is_some() {
                return Err(error(format!("Node id {id} was specified more than once.")));
            }
        }
        if voters.is_empty() {
            return Err(error("No voters given."));
        }
        Ok(DynamicVoters { voters })
    }

    /// `--standalone`: this controller alone, at its first advertised controller listener
    /// (host `localhost` when the listener names none), with a fresh directory id.
    pub fn standalone(config: &ControllerConfig) -> Result<DynamicVoters, VotersError> {
        let endpoint = config
            .advertised_listeners
            .first()
            .ok_or_else(|| error("No controller listeners found."))?;
        let host = if endpoint.host.is_empty() {
            "localhost".to_owned()
        } else {
            endpoint.host.clone()
        };
        let voter = DynamicVoter {
            node_id: config.node_id,
            host,
            port: endpoint.port,
            directory_id: Uuid::random(),
        };
        Ok(DynamicVoters {
            voters: BTreeMap::from([(config.node_id, voter)]),
        })
    }

    /// The voter with `node_id`, if it is one.
    pub fn get(&self, node_id: i32) -> Option<&DynamicVoter> {
        self.voters.get(&node_id)
    }

    /// The voters by ascending id.
    pub fn iter(&self) -> impl Iterator<Item = &DynamicVoter> {
        self.voters.values()
    }

    /// The voters as the `VotersRecord` of the bootstrap snapshot lists them: one endpoint
    /// each, named `listener_name` (the first of `controller.listener.names`), its host as
    /// Java's `InetSocketAddress.getHostString` gives it back.
    pub fn to_voter_specs(&self, listener_name: &str) -> Vec<VoterSpec> {
        self.iter()
            .map(|voter| VoterSpec {
                id: voter.node_id,
                directory_id: voter.directory_id,
                endpoints: vec![(
                    listener_name.to_owned(),
                    java_host_string(&voter.host),
                    voter.port,
                )],
            })
            .collect()
    }
}

impl DynamicVoter {
    /// Parses `id@host:port:directoryId` (`[host]` for IPv6).
    pub fn parse(text: &str) -> Result<DynamicVoter, VotersError> {
        let text = text.trim();
        let at = text
            .find('@')
            .ok_or_else(|| error("No @ found in dynamic voter string."))?;
        if at == 0 {
            return Err(error("Invalid @ at beginning of dynamic voter string."));
        }
        let node_id: i32 = text[..at]
            .parse()
            .map_err(|_| error("Failed to parse node id in dynamic voter string."))?;
        if node_id < 0 {
            return Err(error(format!(
                "Invalid negative node id {node_id} in dynamic voter string."
            )));
        }
        let rest = &text[at + 1..];
        if rest.is_empty() {
            return Err(error("No hostname found after node id."));
        }
        let (host, rest) = split_host(rest)?;
        let rest = rest
            .strip_prefix(':')
            .ok_or_else(|| error("Port section must start with a colon."))?;
        let (port, directory) = rest
            .split_once(':')
            .ok_or_else(|| error("No colon following port could be found."))?;
        let port: i64 = port
            .parse()
            .map_err(|_| error("Failed to parse port in dynamic voter string."))?;
        let port = u16::try_from(port)
            .map_err(|_| error(format!("Invalid port {port} in dynamic voter string.")))?;
        let directory_id: Uuid = directory
            .parse()
            .map_err(|_| error("Failed to parse directory ID in dynamic voter string."))?;
        Ok(DynamicVoter {
            node_id,
            host: host.to_owned(),
            port,
            directory_id,
        })
    }
}

/// The host as Kafka writes it into the `VotersRecord`: Java parses an IP literal, so an
/// IPv6 address comes back in Java's uncompressed form (`::1` as `0:0:0:0:0:0:0:1`) and an
/// IPv4-mapped one as its IPv4 address; names and IPv4 addresses stay as given.
pub fn java_host_string(host: &str) -> String {
    match host.parse::<std::net::Ipv6Addr>() {
        Ok(address) => match address.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => address
                .segments()
                .iter()
                .map(|segment| format!("{segment:x}"))
                .collect::<Vec<_>>()
                .join(":"),
        },
        Err(_) => host.to_owned(),
    }
}

/// Splits `host:rest` or `[host]rest`, leaving the colon before the port in `rest`.
fn split_host(text: &str) -> Result<(&str, &str), VotersError> {
    if let Some(bracketed) = text.strip_prefix('[') {
        let end = bracketed.find(']').ok_or_else(|| {
            error("Hostname began with left bracket, but no right bracket was found.")
        })?;
        return Ok((&bracketed[..end], &bracketed[end + 1..]));
    }
    let colon = text
        .find(':')
        .ok_or_else(|| error("No colon following hostname could be found."))?;
    Ok((&text[..colon], &text[colon..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR_A: &str = "JEXY6aqzQY-32P5TStzaFg";
    const DIR_B: &str = "MvDxzVmcRsaTz33bUuRU6A";

    #[test]
    fn parses_kafkas_example_list_by_id() {
        let voters = DynamicVoters::parse(&format!(
            " 2@example.com:8083:{DIR_B},0@[::1]:8082:{DIR_A}, "
        ))
        .unwrap();
        let ids: Vec<i32> = voters.iter().map(|v| v.node_id).collect();
        assert_eq!(ids, [0, 2]);
        let first = voters.get(0).unwrap();
        assert_eq!((first.host.as_str(), first.port), ("::1", 8082));
        assert_eq!(first.directory_id.to_string(), DIR_A);
        let specs = voters.to_voter_specs("CONTROLLER");
        assert_eq!(
            specs[1].endpoints,
            [("CONTROLLER".to_owned(), "example.com".to_owned(), 8083)]
        );
        assert_eq!(specs[0].endpoints[0].1, "0:0:0:0:0:0:0:1");
    }

    #[test]
    fn hosts_come_back_as_java_prints_them() {
        assert_eq!(java_host_string("::1"), "0:0:0:0:0:0:0:1");
        assert_eq!(java_host_string("fe80::AB:0"), "fe80:0:0:0:0:0:ab:0");
        assert_eq!(java_host_string("::ffff:10.1.2.3"), "10.1.2.3");
        assert_eq!(java_host_string("127.0.0.1"), "127.0.0.1");
        assert_eq!(java_host_string("Controller-1.local"), "Controller-1.local");
    }

    #[test]
    fn bad_lists_get_kafkas_messages() {
        let cases = [
            ("", "No voters given."),
            ("1example.com:1:x", "No @ found in dynamic voter string."),
            ("@h:1:x", "Invalid @ at beginning of dynamic voter string."),
            (
                "a@h:1:x",
                "Failed to parse node id in dynamic voter string.",
            ),
            (
                "-1@h:1:x",
                "Invalid negative node id -1 in dynamic voter string.",
            ),
            ("1@", "No hostname found after node id."),
            (
                "1@[::1:1:x",
                "Hostname began with left bracket, but no right bracket was found.",
            ),
            ("1@host", "No colon following hostname could be found."),
            ("1@[::1]1:x", "Port section must start with a colon."),
            ("1@h:1", "No colon following port could be found."),
            ("1@h:p:x", "Failed to parse port in dynamic voter string."),
            ("1@h:70000:x", "Invalid port 70000 in dynamic voter string."),
            (
                "1@h:1:x",
                "Failed to parse directory ID in dynamic voter string.",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(
                DynamicVoters::parse(text),
                Err(VotersError(message.into())),
                "{text}"
            );
        }
        let twice = format!("1@h:1:{DIR_A},1@h:2:{DIR_B}");
        assert_eq!(
            DynamicVoters::parse(&twice),
            Err(VotersError(
                "Node id 1 was specified more than once.".into()
            ))
        );
    }
}
