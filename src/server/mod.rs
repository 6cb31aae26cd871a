//! The tokio side of a yakt node: listeners, connections and dispatch.
//!
//! This is the only place tokio lives. It binds every listener in the configuration, serves
//! each accepted connection in its own task ([`connection`]), and shuts down gracefully: on
//! [`ServerHandle::shutdown`] (wired to SIGTERM/SIGINT by the binary) it stops accepting, lets
//! every connection finish the requests it already read, and returns.

pub mod admin;
pub mod api;

pub use api::Services;
pub mod authorization;
pub mod client;
pub mod cluster;
pub mod connection;
pub mod controller_api;
pub mod controller_driver;
pub mod controller_registration;
pub mod frame;
pub mod loggers;
pub mod raft_driver;
pub mod sasl;
pub mod tls;

use std::net::SocketAddr;

use std::sync::Arc;

use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Kafka's default `socket.request.max.bytes`: 100 MiB.
pub const DEFAULT_SOCKET_REQUEST_MAX_BYTES: i32 = 100 * 1024 * 1024;

/// Kafka's default `socket.send.buffer.bytes` and `socket.receive.buffer.bytes` (100 KiB),
/// set on every listener and so inherited by every accepted connection. Fixed sizes turn off
/// the kernel's autotuning (up to several MiB a socket), which bounds what a client that
/// sends and never reads costs: the server answers at most a buffer ahead of it and holds at
/// most a buffer of its unread requests before it stops reading from it.
pub const DEFAULT_SOCKET_BUFFER_BYTES: i32 = 100 * 1024;
/// The accept queue of a listener.
const LISTEN_BACKLOG: u32 = 1024;

/// What the server needs to know, taken from the node's configuration.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The addresses to listen on, with the listener name of each (e.g. `CONTROLLER`).
    pub listeners: Vec<(String, SocketAddr)>,
    /// Kafka's `socket.request.max.bytes`: the largest request frame accepted.
    pub socket_request_max_bytes: i32,
    /// `socket.send.buffer.bytes` and `socket.receive.buffer.bytes` (see
    /// [`DEFAULT_SOCKET_BUFFER_BYTES`]); -1 leaves the system's default (autotuning).
    pub socket_buffer_bytes: (i32, i32),
    /// What handlers reach (the raft engine, ...).
    pub services: Services,
}

impl ServerOptions {
    /// A bare listener named CONTROLLER on `addr` (no raft, no controller: ApiVersions only,
    /// the rest closes the connection), with the default socket buffers.
    pub fn bare(addr: SocketAddr, socket_request_max_bytes: i32) -> ServerOptions {
        ServerOptions {
            listeners: vec![("CONTROLLER".into(), addr)],
            socket_request_max_bytes,
            socket_buffer_bytes: (DEFAULT_SOCKET_BUFFER_BYTES, DEFAULT_SOCKET_BUFFER_BYTES),
            services: Services::default(),
        }
    }
}

/// A running server.
#[derive(Debug)]
pub struct ServerHandle {
    local_addrs: Vec<(String, SocketAddr)>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl ServerHandle {
    /// The bound addresses, one per listener, in configuration order (port 0 resolved).
    pub fn local_addrs(&self) -> &[(String, SocketAddr)] {
        &self.local_addrs
    }

    /// The first listener's bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addrs[0].1
    }

    /// A token that, once cancelled, starts a graceful shutdown.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops accepting, finishes in-flight requests, and waits until every connection closed.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.wait().await;
    }

    /// Waits until the server has stopped (after a shutdown was requested through the token).
    pub async fn wait(self) {
        if let Err(error) = self.task.await {
            tracing::error!(%error, "server task failed");
        }
    }
}

/// Binds every listener and starts serving. Fails if any address cannot be bound.
pub async fn start(options: ServerOptions) -> std::io::Result<ServerHandle> {
    assert!(
        !options.listeners.is_empty(),
        "a server needs at least one listener"
    );
    let mut bound = Vec::with_capacity(options.listeners.len());
    for (name, addr) in &options.listeners {
        let listener = bind(*addr, options.socket_buffer_bytes).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot bind listener {name} on {addr}: {e}"),
            )
        })?;
        bound.push((name.clone(), listener));
    }
    let local_addrs = bound
        .iter()
        .map(|(name, l)| Ok((name.clone(), l.local_addr()?)))
        .collect::<std::io::Result<Vec<_>>>()?;
    for (name, addr) in &local_addrs {
        tracing::info!(listener = %name, %addr, "listening");
    }
    let shutdown = CancellationToken::new();
    let services = Arc::new(options.services);
    let task = tokio::spawn(accept_all(
        bound,
        options.socket_request_max_bytes,
        services,
        shutdown.clone(),
    ));
    Ok(ServerHandle {
        local_addrs,
        shutdown,
        task,
    })
}

/// A listening socket on `addr` with the `(send, receive)` socket buffer sizes (-1: the
/// system's default), which accepted connections inherit.
fn bind(addr: SocketAddr, (send, receive): (i32, i32)) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does: a restarted node can listen while old connections linger.
    socket.set_reuseaddr(true)?;
    // Kafka passes any other value to the socket; a size of 0 or below -1 is left to the
    // system here rather than failing the bind.
    if let Ok(send @ 1..) = u32::try_from(send) {
        socket.set_send_buffer_size(send)?;
    }
    if let Ok(receive @ 1..) = u32::try_from(receive) {
        socket.set_recv_buffer_size(receive)?;
    }
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

async fn accept_all(
    listeners: Vec<(String, TcpListener)>,
    max_frame_bytes: i32,
    services: Arc<Services>,
    shutdown: CancellationToken,
) {
    let connections = TaskTracker::new();
    let acceptors = TaskTracker::new();
    for (name, listener) in listeners {
        acceptors.spawn(accept_loop(
            name,
            listener,
            max_frame_bytes,
            Arc::clone(&services),
            shutdown.clone(),
            connections.clone(),
        ));
    }
    acceptors.close();
    acceptors.wait().await;
    connections.close();
    connections.wait().await;
    tracing::info!("server stopped");
}

async fn accept_loop(
    name: String,
    listener: TcpListener,
    max_frame_bytes: i32,
    services: Arc<Services>,
    shutdown: CancellationToken,
    connections: TaskTracker,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tracing::debug!(listener = %name, %peer, "accepted");
                    connections.spawn(connection::serve(stream, peer, name.clone(), max_frame_bytes, Arc::clone(&services), shutdown.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(listener = %name, %error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }
}
