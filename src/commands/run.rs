//! `yakt run`: one controller from Kafka's `controller.properties`, serving until SIGTERM or
//! SIGINT, then shutting down gracefully.

use std::path::Path;

use anyhow::Context as _;

use crate::config::ControllerConfig;
use crate::node::Node;

/// Loads `path`, starts the node and serves until a signal asks it to stop.
pub fn run(path: &Path) -> anyhow::Result<()> {
    let config = ControllerConfig::load(path)?;
    for key in config.unused_keys() {
        tracing::info!(key = %key, "configuration key is not used by yakt");
    }
    runtime()?.block_on(async {
        let mut node = Node::start(&config).await?;
        tokio::select! {
            signal = wait_for_signal() => signal?,
            error = node.fatal_error() => {
                anyhow::bail!("stopping: {error}");
            }
        }
        tracing::info!("shutting down");
        node.shutdown().await;
        Ok(())
    })
}

/// The multi-threaded tokio runtime the node commands run on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Resolves on SIGTERM or SIGINT.
pub async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    Ok(())
}
