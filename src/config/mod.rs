//! Kafka's controller configuration file, read into a typed [`ControllerConfig`].
//!
//! yakt reads the same `controller.properties` a Java controller reads: the same keys, the
//! same defaults (Kafka 4.x, see [`defaults`]) and the same rules between keys (the
//! controller-only branch of Kafka's `KafkaConfig.validateValues`). This module owns turning
//! text into a checked configuration; it opens no sockets and resolves no host names.
//! A value that is wrong names its key, the value and what was expected; a key yakt does
//! not use is kept in [`ControllerConfig::unused_keys`] for the caller to log, and is not an
//! error.

mod authorizer;
pub mod builder;
pub mod defaults;
mod delegation_tokens;
mod endpoint;
mod error;
pub mod jaas;
mod listeners;
pub mod properties;
mod quorum;
mod read;
pub mod sasl;
mod security;
pub mod tls;
mod transport;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use builder::ControllerConfigBuilder;
pub use delegation_tokens::{DelegationTokenConfig, Password};
pub use endpoint::{Endpoint, HostPort, QuorumVoter};
pub use error::ConfigError;
pub use properties::{Properties, PropertiesError};
pub use quorum::QuorumTimeouts;
pub use sasl::{SaslClientSettings, SaslMechanism, SaslServerSettings};
pub use security::{default_security_protocol_map, SecurityProtocol};
pub use transport::{ClientSecurity, ListenerSecurity};

use defaults::*;
use quorum::{check_quorum, read_bootstrap_servers, read_quorum_timeouts, read_voters};
use read::Reader;

/// A role a Kafka node can play (`process.roles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessRole {
    /// A KRaft controller: the only role yakt plays.
    Controller,
    /// A broker: refused by yakt.
    Broker,
}

/// A checked controller configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerConfig {
    /// `node.id`: this controller's id, at least 0.
    pub node_id: i32,
    /// `process.roles`: always exactly `[Controller]`.
    pub process_roles: Vec<ProcessRole>,
    /// `listeners`: where to accept connections, in file order. An empty host means every
    /// interface. On a controller every listener is a controller listener.
    pub listeners: Vec<Endpoint>,
    /// The endpoints this controller advertises to brokers, tools and other controllers,
    /// one per name in `controller.listener.names`, in that order (Kafka's
    /// `effectiveAdvertisedControllerListeners`): from `advertised.listeners` if named there,
    /// else from `listeners`, a wildcard host on the first one taking this node's address in
    /// `controller.quorum.voters`. A host still empty is to be resolved to this machine's
    /// canonical host name, as Kafka does when its listener starts.
    pub advertised_listeners: Vec<Endpoint>,
    /// `controller.listener.names`, as written.
    pub controller_listener_names: Vec<String>,
    /// The effective `listener.security.protocol.map`, by upper-cased listener name.
    pub listener_security_protocol_map: BTreeMap<String, SecurityProtocol>,
    /// `controller.quorum.voters`: the static quorum (empty for a dynamic quorum).
    pub quorum_voters: Vec<QuorumVoter>,
    /// `controller.quorum.bootstrap.servers`: where to find a dynamic quorum.
    pub quorum_bootstrap_servers: Vec<HostPort>,
    /// `controller.quorum.auto.join.enable` (KIP-853): whether this controller adds itself
    /// as a voter once caught up. Default false.
    pub quorum_auto_join_enable: bool,
    /// `controller.quorum.fetch.max.bytes`: the most bytes one Raft Fetch asks for. 1 MiB.
    pub quorum_fetch_max_bytes: i32,
    /// `controller.quorum.fetch.snapshot.max.bytes`: the most bytes one FetchSnapshot asks
    /// for. 1 MiB.
    pub quorum_fetch_snapshot_max_bytes: i32,
    /// The Raft timings.
    pub quorum: QuorumTimeouts,
    /// `log.dirs`, else `log.dir` (default `/tmp/kafka-logs`): never empty.
    pub log_dirs: Vec<PathBuf>,
    /// `metadata.log.dir`, else the first of [`Self::log_dirs`].
    pub metadata_log_dir: PathBuf,
    /// `broker.heartbeat.interval.ms`: 2000.
    pub broker_heartbeat_interval_ms: i32,
    /// `broker.session.timeout.ms`: how long a broker's lease lasts without heartbeats. 9000.
    pub broker_session_timeout_ms: i32,
    /// `metadata.max.idle.interval.ms`: how often an idle active controller writes a
    /// NoOpRecord; 0 never. 500.
    pub metadata_max_idle_interval_ms: i32,
    /// `metadata.log.segment.bytes`: the size at which a metadata log segment rolls. 1 GiB,
    /// at least 8 MiB.
    pub metadata_log_segment_bytes: i32,
    /// `metadata.log.segment.ms`: the age at which a metadata log segment rolls. 7 days.
    pub metadata_log_segment_ms: i64,
    /// `metadata.max.retention.bytes`: soft cap of log and snapshots. 100 MiB.
    pub metadata_max_retention_bytes: i64,
    /// `metadata.max.retention.ms`: how long old segments and snapshots are kept. 7 days.
    pub metadata_max_retention_ms: i64,
    /// `metadata.log.max.record.bytes.between.snapshots`: new bytes that trigger a
    /// snapshot. 20 MiB.
    pub metadata_snapshot_max_new_record_bytes: i64,
    /// `metadata.log.max.snapshot.interval.ms`: the longest wait before snapshotting
    /// committed records; 0 never. 1 hour.
    pub metadata_snapshot_max_interval_ms: i64,
    /// `socket.request.max.bytes`: the largest request frame accepted. 100 MiB.
    pub socket_request_max_bytes: i32,
    /// `yakt.admin.listener`: where the HTTP admin API and metrics listen, if anywhere.
    pub admin_listener: Option<HostPort>,
    /// `socket.send.buffer.bytes`: each connection's send buffer; -1 the system's default.
    pub socket_send_buffer_bytes: i32,
    /// `socket.receive.buffer.bytes`: each connection's receive buffer; -1 the system's.
    pub socket_receive_buffer_bytes: i32,
    /// `num.partitions`: partitions of a topic created without a count. 1.
    pub num_partitions: i32,
    /// `default.replication.factor`: replicas of a topic created without a factor. 1.
    pub default_replication_factor: i32,
    /// `min.insync.replicas`: written as a cluster-wide broker config at bootstrap. 1.
    pub min_insync_replicas: i32,
    /// `sasl.mechanism.controller.protocol`: GSSAPI.
    pub sasl_mechanism_controller_protocol: String,
    /// `authorizer.class.name`: `None` when empty; StandardAuthorizer with `super.users` and
    /// `allow.everyone.if.no.acl.found` otherwise (any other class is refused).
    pub authorizer: Option<crate::controller::authorizer::AuthorizerSettings>,
    /// `delegation.token.*`: the secret key and the lifetimes of delegation tokens.
    pub delegation_tokens: DelegationTokenConfig,
    /// How each listener secures its connections, by listener name.
    pub listener_security: BTreeMap<String, ListenerSecurity>,
    /// How this controller connects to the other controllers (its first controller
    /// listener's protocol, `sasl.mechanism.controller.protocol` and that JAAS login).
    pub client_security: ClientSecurity,
    /// Why the security settings cannot be served, if they cannot (see
    /// [`ControllerConfig::check_security`]).
    security_error: Option<(String, String)>,
    unused_keys: Vec<String>,
    properties: FileProperties,
}

/// The keys and values of a properties file, as written, in file order. Its `Debug` form
/// lists the keys only: values may be secrets (`delegation.token.secret.key`, passwords).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileProperties(pub Vec<(String, String)>);

impl std::ops::Deref for FileProperties {
    type Target = [(String, String)];

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::fmt::Debug for FileProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(key, _)| key))
            .finish()
    }
}

impl ControllerConfig {
    /// Reads and checks a configuration file (ISO-8859-1 properties, as Kafka reads it).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let properties =
            Properties::parse_latin1(&bytes).map_err(|source| ConfigError::Syntax {
                path: Some(path.to_owned()),
                source,
            })?;
        Self::from_properties(&properties)
    }

    /// Parses and checks properties text.
    pub fn parse_str(text: &str) -> Result<Self, ConfigError> {
        let properties =
            Properties::parse(text).map_err(|source| ConfigError::Syntax { path: None, source })?;
        Self::from_properties(&properties)
    }

    /// A configuration built in code (e.g. for a local quorum), checked like a file.
    pub fn builder(node_id: i32) -> ControllerConfigBuilder {
        ControllerConfigBuilder::new(node_id)
    }

    /// Checks properties and reads them into a configuration.
    pub fn from_properties(properties: &Properties) -> Result<Self, ConfigError> {
        let mut reader = Reader::new(properties);
        let process_roles = read_process_roles(&mut reader)?;
        let node_id = reader.required_int(NODE_ID, Some(0))?;
        let quorum_voters = read_voters(&mut reader)?;
        let quorum_bootstrap_servers = read_bootstrap_servers(&mut reader)?;
        check_quorum(node_id, &quorum_voters, &quorum_bootstrap_servers)?;
        let listeners = listeners::read(&mut reader, node_id, &quorum_voters)?;
        let (log_dirs, metadata_log_dir) = read_log_dirs(&mut reader)?;
        let r = &mut reader;
        let mut config = ControllerConfig {
            node_id,
            process_roles,
            listeners: listeners.listeners,
            advertised_listeners: listeners.advertised_listeners,
            controller_listener_names: listeners.controller_listener_names,
            listener_security_protocol_map: listeners.security_protocol_map,
            quorum_voters,
            quorum_bootstrap_servers,
            quorum_auto_join_enable: r
                .boolean(QUORUM_AUTO_JOIN_ENABLE, QUORUM_AUTO_JOIN_ENABLE_DEFAULT)?,
            quorum_fetch_max_bytes: r.int(
                QUORUM_FETCH_MAX_BYTES,
                QUORUM_FETCH_MAX_BYTES_DEFAULT,
                Some(1),
            )?,
            quorum_fetch_snapshot_max_bytes: r.int(
                QUORUM_FETCH_SNAPSHOT_MAX_BYTES,
                QUORUM_FETCH_SNAPSHOT_MAX_BYTES_DEFAULT,
                Some(1),
            )?,
            quorum: read_quorum_timeouts(r)?,
            log_dirs,
            metadata_log_dir,
            broker_heartbeat_interval_ms: r.int(
                BROKER_HEARTBEAT_INTERVAL_MS,
                BROKER_HEARTBEAT_INTERVAL_MS_DEFAULT,
                None,
            )?,
            broker_session_timeout_ms: r.int(
                BROKER_SESSION_TIMEOUT_MS,
                BROKER_SESSION_TIMEOUT_MS_DEFAULT,
                None,
            )?,
            metadata_max_idle_interval_ms: r.int(
                METADATA_MAX_IDLE_INTERVAL_MS,
                METADATA_MAX_IDLE_INTERVAL_MS_DEFAULT,
                Some(0),
            )?,
            metadata_log_segment_bytes: r.int(
                METADATA_LOG_SEGMENT_BYTES,
                METADATA_LOG_SEGMENT_BYTES_DEFAULT,
                Some(METADATA_LOG_SEGMENT_BYTES_MIN),
            )?,
            metadata_log_segment_ms: r.long(
                METADATA_LOG_SEGMENT_MS,
                METADATA_LOG_SEGMENT_MS_DEFAULT,
                None,
            )?,
            metadata_max_retention_bytes: r.long(
                METADATA_MAX_RETENTION_BYTES,
                METADATA_MAX_RETENTION_BYTES_DEFAULT,
                None,
            )?,
            metadata_max_retention_ms: r.long(
                METADATA_MAX_RETENTION_MS,
                METADATA_MAX_RETENTION_MS_DEFAULT,
                None,
            )?,
            metadata_snapshot_max_new_record_bytes: r.long(
                METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES,
                METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES_DEFAULT,
                Some(1),
            )?,
            metadata_snapshot_max_interval_ms: r.long(
                METADATA_SNAPSHOT_MAX_INTERVAL_MS,
                METADATA_SNAPSHOT_MAX_INTERVAL_MS_DEFAULT,
                Some(0),
            )?,
            socket_request_max_bytes: r.int(
                SOCKET_REQUEST_MAX_BYTES,
                SOCKET_REQUEST_MAX_BYTES_DEFAULT,
                Some(1),
            )?,
            admin_listener: read_admin_listener(r)?,
            socket_send_buffer_bytes: r.int(
                SOCKET_SEND_BUFFER_BYTES,
                SOCKET_BUFFER_BYTES_DEFAULT,
                None,
            )?,
            socket_receive_buffer_bytes: r.int(
                SOCKET_RECEIVE_BUFFER_BYTES,
                SOCKET_BUFFER_BYTES_DEFAULT,
                None,
            )?,
            num_partitions: r.int(NUM_PARTITIONS, NUM_PARTITIONS_DEFAULT, Some(1))?,
            default_replication_factor: r.int(
                DEFAULT_REPLICATION_FACTOR,
                DEFAULT_REPLICATION_FACTOR_DEFAULT,
                None,
            )?,
            min_insync_replicas: r.int(
                MIN_INSYNC_REPLICAS,
                MIN_INSYNC_REPLICAS_DEFAULT,
                Some(1),
            )?,
            sasl_mechanism_controller_protocol: r
                .string(SASL_MECHANISM_CONTROLLER_PROTOCOL)
                .unwrap_or_else(|| SASL_MECHANISM_CONTROLLER_PROTOCOL_DEFAULT.to_owned()),
            authorizer: authorizer::read(r)?,
            delegation_tokens: delegation_tokens::read(r)?,
            listener_security: BTreeMap::new(),
            client_security: ClientSecurity::default(),
            security_error: None,
            unused_keys: Vec::new(),
            properties: FileProperties(
                properties
                    .iter()
                    .map(|p| (p.key.clone(), p.value.clone()))
                    .collect(),
            ),
        };
        // As Kafka's KafkaConfig, the file is valid whatever its SASL settings; what yakt cannot
        // serve is refused when the node starts (`check_security`).
        match transport::read(
            &mut reader,
            &config.listeners,
            &config.controller_listener_names,
            &config.listener_security_protocol_map,
            &config.sasl_mechanism_controller_protocol,
        ) {
            Ok((listeners, client)) => {
                config.listener_security = listeners;
                config.client_security = client;
            }
            Err(error) => {
                let key = error.key().unwrap_or_default().to_owned();
                let text = error.to_string();
                let reason = text
                    .strip_prefix(&format!("{key}: "))
                    .unwrap_or(&text)
                    .to_owned();
                config.security_error = Some((key, reason));
            }
        }
        config.unused_keys = reader.unread_keys();
        check_unused_types(properties, &config.unused_keys)?;
        Ok(config)
    }

    /// Whether yakt can secure the listeners and its connections to other controllers as the
    /// file asks (mechanisms it speaks, JAAS logins it needs); a node refuses to start
    /// otherwise.
    pub fn check_security(&self) -> Result<(), ConfigError> {
        match &self.security_error {
            None => Ok(()),
            Some((key, reason)) => Err(ConfigError::inconsistent(key, reason.clone())),
        }
    }

    /// The keys set in the file that yakt does not use, in file order: the caller logs
    /// each once.
    pub fn unused_keys(&self) -> &[String] {
        &self.unused_keys
    }

    /// Every key and value of the properties the configuration was read from, as written,
    /// in file order (what Kafka describes as STATIC_BROKER_CONFIG).
    pub fn properties(&self) -> &FileProperties {
        &self.properties
    }

    /// Settings Kafka accepts but logs as errors, for the caller to log the same way:
    /// a `broker.heartbeat.interval.ms` above half the `broker.session.timeout.ms` lets a
    /// broker lose its lease between two heartbeats (`KafkaConfig.validateValues`).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let heartbeat = i64::from(self.broker_heartbeat_interval_ms);
        let session = i64::from(self.broker_session_timeout_ms);
        if heartbeat * 2 > session {
            warnings.push(format!(
                "{BROKER_HEARTBEAT_INTERVAL_MS} ({heartbeat} ms) should be at most half of \
                 {BROKER_SESSION_TIMEOUT_MS} ({session} ms): a broker that misses one \
                 heartbeat loses its lease"
            ));
        }
        warnings
    }

    /// The listeners named in `controller.listener.names`, in that order.
    pub fn controller_endpoints(&self) -> Vec<&Endpoint> {
        self.controller_listener_names
            .iter()
            .filter_map(|name| self.listeners.iter().find(|l| &l.listener_name == name))
            .collect()
    }

    /// The security protocol of a listener.
    pub fn security_protocol(&self, listener_name: &str) -> Option<SecurityProtocol> {
        self.listener_security_protocol_map
            .get(listener_name)
            .copied()
    }

    /// Whether the quorum is static (`controller.quorum.voters`, kraft.version 0) rather
    /// than dynamic (`controller.quorum.bootstrap.servers`, KIP-853).
    pub fn is_static_quorum(&self) -> bool {
        !self.quorum_voters.is_empty()
    }
}

/// `process.roles` must be exactly `controller` (repeats allowed, as Kafka allows them).
fn read_process_roles(reader: &mut Reader<'_>) -> Result<Vec<ProcessRole>, ConfigError> {
    let Some(raw) = reader.raw(PROCESS_ROLES) else {
        return Err(ConfigError::Missing {
            key: PROCESS_ROLES.to_owned(),
        });
    };
    let expected = "a list of roles from broker, controller; yakt runs process.roles=controller";
    let names = reader
        .list(PROCESS_ROLES)?
        .filter(|names| !names.is_empty())
        .ok_or_else(|| ConfigError::invalid(PROCESS_ROLES, raw, expected))?;
    let mut roles = Vec::new();
    for name in names {
        let role = match name.as_str() {
            "controller" => ProcessRole::Controller,
            "broker" => ProcessRole::Broker,
            _ => return Err(ConfigError::invalid(PROCESS_ROLES, raw, expected)),
        };
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.contains(&ProcessRole::Broker) {
        return Err(ConfigError::UnsupportedRoles {
            value: raw.to_owned(),
        });
    }
    Ok(roles)
}

/// `log.dirs` (else `log.dir`) and `metadata.log.dir` (else the first log directory).
/// A key yakt does not use but Kafka knows must still hold a value of its type, as Kafka's
/// `KafkaConfig` parses every key it defines (`num.io.threads=many` keeps a Kafka controller
/// from starting). Kafka's range checks on those keys are not repeated.
fn check_unused_types(properties: &Properties, unused: &[String]) -> Result<(), ConfigError> {
    use crate::controller::configs::broker_keys::{broker_config_type, normalize_value};
    for key in unused {
        let (Some(config_type), Some(value)) = (broker_config_type(key), properties.get(key))
        else {
            continue;
        };
        if normalize_value(config_type, value).is_none() {
            let expected = format!("a value of type {}", config_type.name());
            return Err(ConfigError::invalid(key, value, expected));
        }
    }
    Ok(())
}

/// `yakt.admin.listener`: `host:port` (an empty host listens on every address).
fn read_admin_listener(reader: &mut Reader<'_>) -> Result<Option<HostPort>, ConfigError> {
    let Some(raw) = reader.string(YAKT_ADMIN_LISTENER) else {
        return Ok(None);
    };
    let parsed = match raw.strip_prefix(':') {
        Some(port) => port.parse().ok().map(|port| HostPort {
            host: "0.0.0.0".to_owned(),
            port,
        }),
        None => HostPort::parse(&raw),
    };
    parsed.map(Some).ok_or_else(|| {
        ConfigError::invalid(
            YAKT_ADMIN_LISTENER,
            &raw,
            "an address of the form {host}:{port}",
        )
    })
}

fn read_log_dirs(reader: &mut Reader<'_>) -> Result<(Vec<PathBuf>, PathBuf), ConfigError> {
    let log_dirs = match reader.list(LOG_DIRS)? {
        Some(dirs) => dirs,
        None => reader
            .list(LOG_DIR)?
            .unwrap_or_else(|| vec![LOG_DIR_DEFAULT.to_owned()]),
    };
    let Some(first) = log_dirs.first() else {
        return Err(ConfigError::inconsistent(
            LOG_DIRS,
            "at least one log directory must be defined via log.dirs or log.dir",
        ));
    };
    let metadata_log_dir = match reader.string(METADATA_LOG_DIR) {
        Some(dir) if dir.is_empty() => {
            return Err(ConfigError::invalid(
                METADATA_LOG_DIR,
                "",
                "a directory path",
            ))
        }
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(first),
    };
    Ok((
        log_dirs.into_iter().map(PathBuf::from).collect(),
        metadata_log_dir,
    ))
}
