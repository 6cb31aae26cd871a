//! The `yakt` command line: run a controller, manage its storage, and small tools.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use yakt::config::ControllerConfig;
use yakt::node::Node;

/// yakt: a KRaft controller quorum for Apache Kafka.
#[derive(Debug, Parser)]
#[command(name = "yakt", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a controller from Kafka's controller.properties.
    Run {
        /// The controller's properties file (the one a Java controller reads).
        #[arg(long, short = 'c', value_name = "FILE")]
        config: PathBuf,
    },
    /// Print a random Kafka Uuid in its base64 form (as `kafka-storage random-uuid` does).
    RandomUuid,
    /// Print yakt's version.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run { config } => run(config),
        Command::RandomUuid => {
            println!("{}", yakt_wire::Uuid::random());
            Ok(())
        }
        Command::Version => {
            println!("yakt {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("yakt: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("YAKT_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
}

fn run(path: PathBuf) -> anyhow::Result<()> {
    init_tracing();
    let config = ControllerConfig::load(&path)?;
    for key in config.unused_keys() {
        tracing::info!(key = %key, "configuration key is not used by yakt");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let node = Node::start(&config).await?;
        tracing::info!(node_id = config.node_id, "controller started");
        wait_for_signal().await?;
        tracing::info!("shutting down");
        node.shutdown().await;
        Ok(())
    })
}

/// Resolves on SIGTERM or SIGINT.
async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    Ok(())
}
