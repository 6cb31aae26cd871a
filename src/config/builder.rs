//! Building a controller configuration in code, e.g. for a local quorum.
//!
//! The builder writes Kafka keys into [`Properties`] and checks them with the same code as a
//! file, so a configuration made in code obeys every rule a file does, and
//! [`ControllerConfigBuilder::properties`] can be saved as a `controller.properties` that a
//! Java controller or Kafka's tools accept.

use std::path::Path;

use super::defaults::*;
use super::endpoint::{HostPort, QuorumVoter};
use super::error::ConfigError;
use super::properties::Properties;
use super::ControllerConfig;

/// The listener name the builder gives the controller listener.
pub const CONTROLLER_LISTENER_NAME: &str = "CONTROLLER";

/// Properties under construction for one controller.
#[derive(Debug, Clone)]
pub struct ControllerConfigBuilder {
    properties: Properties,
}

impl ControllerConfigBuilder {
    /// A controller with id `node_id`, with the single controller listener name
    /// [`CONTROLLER_LISTENER_NAME`].
    pub fn new(node_id: i32) -> Self {
        let mut properties = Properties::new();
        properties.insert(PROCESS_ROLES, "controller");
        properties.insert(NODE_ID, node_id.to_string());
        properties.insert(CONTROLLER_LISTENER_NAMES, CONTROLLER_LISTENER_NAME);
        ControllerConfigBuilder { properties }
    }

    /// Listens on `host:port` (an empty host: every interface).
    pub fn listener(self, host: &str, port: u16) -> Self {
        let value = format!("{CONTROLLER_LISTENER_NAME}://{}", host_port(host, port));
        self.set(LISTENERS, value)
    }

    /// Advertises `host:port` for the controller listener.
    pub fn advertised_listener(self, host: &str, port: u16) -> Self {
        let value = format!("{CONTROLLER_LISTENER_NAME}://{}", host_port(host, port));
        self.set(ADVERTISED_LISTENERS, value)
    }

    /// A static quorum (`controller.quorum.voters`).
    pub fn quorum_voters(self, voters: &[QuorumVoter]) -> Self {
        let value: Vec<String> = voters.iter().map(ToString::to_string).collect();
        self.set(QUORUM_VOTERS, value.join(","))
    }

    /// A dynamic quorum's bootstrap servers (`controller.quorum.bootstrap.servers`).
    pub fn quorum_bootstrap_servers(self, servers: &[HostPort]) -> Self {
        let value: Vec<String> = servers.iter().map(ToString::to_string).collect();
        self.set(QUORUM_BOOTSTRAP_SERVERS, value.join(","))
    }

    /// Where the metadata log lives (`metadata.log.dir`, and `log.dirs` too, so the
    /// configuration names no directory of Kafka's default).
    pub fn metadata_log_dir(self, dir: &Path) -> Self {
        let dir = dir.to_string_lossy().into_owned();
        self.set(LOG_DIRS, dir.clone()).set(METADATA_LOG_DIR, dir)
    }

    /// Sets any key.
    pub fn set(mut self, key: &str, value: impl Into<String>) -> Self {
        self.properties.insert(key, value);
        self
    }

    /// The properties so far.
    pub fn properties(&self) -> &Properties {
        &self.properties
    }

    /// Checks the properties, as [`ControllerConfig::from_properties`] does.
    pub fn build(&self) -> Result<ControllerConfig, ConfigError> {
        ControllerConfig::from_properties(&self.properties)
    }
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
