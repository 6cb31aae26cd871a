//! A yakt controller node assembled from its configuration.
//!
//! Owns the start-up order of a node and its listeners' addresses; the binary's `run` and
//! `quickstart` commands and embedding tests all start nodes through [`Node::start`].

use std::net::SocketAddr;

use anyhow::Context as _;

use crate::config::{ControllerConfig, Endpoint};
use crate::server::{self, ServerHandle, ServerOptions};

/// A running controller node.
#[derive(Debug)]
pub struct Node {
    server: ServerHandle,
}

impl Node {
    /// Starts a node: binds every listener in `listeners`.
    pub async fn start(config: &ControllerConfig) -> anyhow::Result<Node> {
        let mut listeners = Vec::with_capacity(config.listeners.len());
        for endpoint in &config.listeners {
            listeners.push((endpoint.listener_name.clone(), resolve(endpoint).await?));
        }
        let server = server::start(ServerOptions {
            listeners,
            socket_request_max_bytes: config.socket_request_max_bytes,
        })
        .await?;
        Ok(Node { server })
    }

    /// The bound address of each listener, by name, in configuration order.
    pub fn local_addrs(&self) -> &[(String, SocketAddr)] {
        self.server.local_addrs()
    }

    /// The bound address of the listener named `name`.
    pub fn listener_addr(&self, name: &str) -> Option<SocketAddr> {
        self.local_addrs()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, addr)| *addr)
    }

    /// Stops the node gracefully: no new connections, in-flight requests answered.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// The socket address to bind for a listener; an empty host means every interface.
async fn resolve(endpoint: &Endpoint) -> anyhow::Result<SocketAddr> {
    let host = if endpoint.host.is_empty() {
        "0.0.0.0"
    } else {
        endpoint.host.trim_start_matches('[').trim_end_matches(']')
    };
    tokio::net::lookup_host((host, endpoint.port))
        .await
        .with_context(|| {
            format!(
                "cannot resolve listener {}://{}:{}",
                endpoint.listener_name, endpoint.host, endpoint.port
            )
        })?
        .next()
        .with_context(|| format!("no address for listener host {:?}", endpoint.host))
}
