//! The HTTP admin listener (`yakt.admin.listener`), beside the Kafka-protocol listeners: a
//! JSON view of the quorum and the committed metadata, a live stream of metadata changes
//! ([`api`]), and Prometheus metrics ([`metrics`]). Read-only: changes go through Kafka's
//! protocol and tools, decided by the controller like any other.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::controller_driver::ControllerHandle;
use super::raft_driver::RaftHandle;

pub mod api;
pub mod metrics;

/// What the admin endpoints read.
#[derive(Debug, Clone)]
pub struct AdminState {
    /// This node's id.
    pub node_id: i32,
    /// The cluster id from meta.properties.
    pub cluster_id: String,
    /// The raft event loop (role, epoch, offsets, voters).
    pub raft: RaftHandle,
    /// The controller loop (the committed image, its changes).
    pub controller: ControllerHandle,
}

/// How long a stopping admin listener waits for its connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A running admin listener.
#[derive(Debug)]
pub struct AdminListener {
    local_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl AdminListener {
    /// Binds `addr` and serves the admin endpoints until [`AdminListener::shutdown`].
    pub async fn start(addr: SocketAddr, state: AdminState) -> std::io::Result<AdminListener> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let app = router(Arc::new(state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "the admin listener stopped");
            }
        });
        tracing::info!(%local_addr, "admin listener started");
        Ok(AdminListener {
            local_addr,
            stop,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes idle connections and lets requests in flight finish (a stream
    /// ends when the controller loop stops), for at most [`SHUTDOWN_GRACE`]; then drops what
    /// is left.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// Every admin endpoint.
fn router(state: Arc<AdminState>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(metrics::routes())
        .with_state(state)
}
