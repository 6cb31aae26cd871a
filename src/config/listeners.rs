//! The listener settings of a controller and the rules Kafka holds them to.
//!
//! Reads `listeners`, `advertised.listeners`, `controller.listener.names` and
//! `listener.security.protocol.map`, and derives what the controller advertises, following
//! Kafka 4.3's `KafkaConfig.effectiveAdvertisedControllerListeners` and the controller-only
//! branch of `KafkaConfig.validateValues`.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::defaults::*;
use super::endpoint::{Endpoint, QuorumVoter};
use super::error::ConfigError;
use super::read::Reader;
use super::security::{
    default_security_protocol_map, is_ssl_or_sasl, parse_security_protocol_map, SecurityProtocol,
};

/// What the listener keys come to.
pub(crate) struct ListenerSettings {
    pub(crate) listeners: Vec<Endpoint>,
    pub(crate) advertised_listeners: Vec<Endpoint>,
    pub(crate) controller_listener_names: Vec<String>,
    pub(crate) security_protocol_map: BTreeMap<String, SecurityProtocol>,
}

const LISTENER_FORM: &str = "a listener of the form NAME://host:port (host may be empty or \
                             a [bracketed] IPv6 address; port 0-65535)";

/// Reads and checks the listener keys of a controller with id `node_id` in a quorum whose
/// static voters are `voters` (empty for a dynamic quorum).
pub(crate) fn read(
    reader: &mut Reader<'_>,
    node_id: i32,
    voters: &[QuorumVoter],
) -> Result<ListenerSettings, ConfigError> {
    let controller_listener_names = match reader.list(CONTROLLER_LISTENER_NAMES)? {
        None => {
            return Err(ConfigError::Missing {
                key: CONTROLLER_LISTENER_NAMES.to_owned(),
            })
        }
        Some(names) if names.is_empty() => {
            return Err(ConfigError::invalid(
                CONTROLLER_LISTENER_NAMES,
                "",
                "a non-empty list of listener names",
            ))
        }
        Some(names) => names,
    };
    let listener_texts = reader
        .list(LISTENERS)?
        .unwrap_or_else(|| vec![LISTENERS_DEFAULT.to_owned()]);
    let security_protocol_map =
        security_protocol_map(reader, &controller_listener_names, &listener_texts)?;
    let listeners = parse_endpoints(LISTENERS, &listener_texts, &security_protocol_map)?;
    check_distinct_ports(&listeners)?;
    let advertised = match reader.list(ADVERTISED_LISTENERS)? {
        Some(texts) => parse_endpoints(ADVERTISED_LISTENERS, &texts, &security_protocol_map)?,
        None => Vec::new(),
    };
    let advertised_listeners = effective_advertised_controller_listeners(
        &controller_listener_names,
        &listeners,
        &advertised,
        voters.iter().find(|voter| voter.id == node_id),
    );
    check_controller_only(
        reader,
        &controller_listener_names,
        &listeners,
        &advertised_listeners,
    )?;
    if advertised
        .iter()
        .chain(&advertised_listeners)
        .any(|endpoint| endpoint.host == "0.0.0.0")
    {
        return Err(ConfigError::inconsistent(
            ADVERTISED_LISTENERS,
            "cannot use the nonroutable meta-address 0.0.0.0; use a routable address",
        ));
    }
    Ok(ListenerSettings {
        listeners,
        advertised_listeners,
        controller_listener_names,
        security_protocol_map,
    })
}

/// The map as set, or Kafka's default plus PLAINTEXT for each controller listener name when
/// nothing in sight asks for SSL or SASL.
fn security_protocol_map(
    reader: &mut Reader<'_>,
    controller_listener_names: &[String],
    listener_texts: &[String],
) -> Result<BTreeMap<String, SecurityProtocol>, ConfigError> {
    if let Some(raw) = reader.raw(LISTENER_SECURITY_PROTOCOL_MAP) {
        return parse_security_protocol_map(raw).ok_or_else(|| {
            ConfigError::invalid(
                LISTENER_SECURITY_PROTOCOL_MAP,
                raw,
                "a comma-separated list of LISTENER_NAME:PROTOCOL entries, PROTOCOL one of \
                 PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL",
            )
        });
    }
    let mut map = default_security_protocol_map();
    let listener_names = listener_texts
        .iter()
        .map(|text| text.split("://").next().unwrap_or_default().to_uppercase());
    let secured = controller_listener_names
        .iter()
        .any(|name| is_ssl_or_sasl(name))
        || listener_names.into_iter().any(|name| is_ssl_or_sasl(&name));
    if !secured {
        for name in controller_listener_names {
            map.insert(name.clone(), SecurityProtocol::Plaintext);
        }
    }
    Ok(map)
}

/// Parses listener entries, each with a known security protocol and a name of its own.
fn parse_endpoints(
    key: &'static str,
    texts: &[String],
    security_protocol_map: &BTreeMap<String, SecurityProtocol>,
) -> Result<Vec<Endpoint>, ConfigError> {
    let mut endpoints: Vec<Endpoint> = Vec::with_capacity(texts.len());
    for text in texts {
        let endpoint =
            Endpoint::parse(text).ok_or_else(|| ConfigError::invalid(key, text, LISTENER_FORM))?;
        if !security_protocol_map.contains_key(&endpoint.listener_name) {
            return Err(ConfigError::inconsistent(
                LISTENER_SECURITY_PROTOCOL_MAP,
                format!(
                    "no security protocol defined for listener {} (in {key}); add an entry \
                     {}:PROTOCOL",
                    endpoint.listener_name, endpoint.listener_name
                ),
            ));
        }
        if endpoints
            .iter()
            .any(|other| other.listener_name == endpoint.listener_name)
        {
            return Err(ConfigError::inconsistent(
                key,
                format!(
                    "each listener must have a different name; {} appears twice",
                    endpoint.listener_name
                ),
            ));
        }
        endpoints.push(endpoint);
    }
    Ok(endpoints)
}

/// Two listeners may share a port only if one binds an IPv4 and the other an IPv6 address
/// (Kafka's `checkDuplicateListenerPorts`).
fn check_distinct_ports(listeners: &[Endpoint]) -> Result<(), ConfigError> {
    for (i, first) in listeners.iter().enumerate() {
        for second in &listeners[i + 1..] {
            if first.port == second.port && !one_ipv4_one_ipv6(&first.host, &second.host) {
                return Err(ConfigError::inconsistent(
                    LISTENERS,
                    format!(
                        "each listener must have a different port; {first} and {second} share one"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn one_ipv4_one_ipv6(first: &str, second: &str) -> bool {
    let v4 = |host: &str| host.parse::<Ipv4Addr>().is_ok();
    let v6 = |host: &str| host.parse::<Ipv6Addr>().is_ok();
    (v4(first) && v6(second)) || (v6(first) && v4(second))
}

/// For each controller listener name, in order: its entry in `advertised.listeners`, else its
/// entry in `listeners`. A wildcard host (empty or 0.0.0.0) on the first controller listener
/// of a static voter takes the voter's address from `controller.quorum.voters` (Kafka 4.3;
/// 4.1 kept the wildcard); otherwise 0.0.0.0 becomes empty, to be resolved to this host's
/// name when the listener starts.
fn effective_advertised_controller_listeners(
    controller_listener_names: &[String],
    listeners: &[Endpoint],
    advertised: &[Endpoint],
    own_voter: Option<&QuorumVoter>,
) -> Vec<Endpoint> {
    let is_controller =
        |endpoint: &&Endpoint| controller_listener_names.contains(&endpoint.listener_name);
    let advertised: Vec<&Endpoint> = advertised.iter().filter(is_controller).collect();
    let controller_listeners: Vec<&Endpoint> = listeners.iter().filter(is_controller).collect();
    let mut effective = Vec::new();
    for (index, name) in controller_listener_names.iter().enumerate() {
        let name = name.to_uppercase();
        if let Some(endpoint) = advertised
            .iter()
            .find(|endpoint| endpoint.listener_name == name)
        {
            effective.push((*endpoint).clone());
            continue;
        }
        let Some(listener) = controller_listeners
            .iter()
            .find(|endpoint| endpoint.listener_name == name)
        else {
            continue;
        };
        let wildcard = listener.host.is_empty() || listener.host == "0.0.0.0";
        let endpoint = match own_voter {
            Some(voter) if index == 0 && wildcard => Endpoint::new(&name, &voter.host, voter.port),
            _ if wildcard => Endpoint::new(&name, "", listener.port),
            _ => (*listener).clone(),
        };
        effective.push(endpoint);
    }
    effective
}

/// The rules for `process.roles=controller` (Kafka's `KafkaConfig.validateValues`).
fn check_controller_only(
    reader: &mut Reader<'_>,
    controller_listener_names: &[String],
    listeners: &[Endpoint],
    advertised_listeners: &[Endpoint],
) -> Result<(), ConfigError> {
    if advertised_listeners.len() != listeners.len() {
        return Err(ConfigError::inconsistent(
            LISTENERS,
            "must only contain controller listeners, named in controller.listener.names, when \
             process.roles=controller",
        ));
    }
    if let Some(raw) = reader.raw(INTER_BROKER_LISTENER_NAME) {
        let name = raw.trim().to_uppercase();
        if controller_listener_names.contains(&name) {
            return Err(ConfigError::inconsistent(
                CONTROLLER_LISTENER_NAMES,
                format!("must not contain the inter.broker.listener.name {name} when process.roles=controller"),
            ));
        }
    }
    if advertised_listeners.is_empty() {
        return Err(ConfigError::inconsistent(
            CONTROLLER_LISTENER_NAMES,
            "must contain at least one name that appears in listeners",
        ));
    }
    if let Some(missing) = controller_listener_names.iter().find(|name| {
        !listeners
            .iter()
            .any(|listener| &listener.listener_name == *name)
    }) {
        return Err(ConfigError::inconsistent(
            CONTROLLER_LISTENER_NAMES,
            format!("{missing} does not appear in listeners; every controller listener name must"),
        ));
    }
    Ok(())
}
