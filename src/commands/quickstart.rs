//! `yakt quickstart`: a local static quorum of N controllers under one directory, started in
//! this process, with what a Kafka broker needs to find it printed on stdout.
//!
//! The directory holds `cluster.id` (made on the first run and reused after, so a second run
//! serves the same data), one `controller-<id>.properties` per controller (Kafka's keys: a
//! Java controller or Kafka's tools read them as they are) and each controller's metadata
//! directory `controller-<id>/`, formatted once for release 4.0 as `yakt format` does.
//! Controller `i` (1-based) listens on `host:(base_port + i - 1)`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context as _};
use kafka_protocol::messages::ApiKey;

use super::format::{format, FormatOptions};
use super::run::{runtime, wait_for_signal};
use crate::config::builder::CONTROLLER_LISTENER_NAME;
use crate::config::{ControllerConfig, QuorumVoter};
use crate::node::Node;
use crate::server::api::APIS;

/// The file in the quickstart directory holding the cluster id.
pub const CLUSTER_ID_FILE: &str = "cluster.id";
/// The most controllers a quickstart runs.
pub const MAX_CONTROLLERS: u16 = 9;

/// The arguments of `yakt quickstart`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuickstartOptions {
    /// Where the configuration and data live.
    pub dir: PathBuf,
    /// How many controllers (node ids 1..=N).
    pub controllers: u16,
    /// The first controller's port; the others follow it.
    pub base_port: u16,
    /// The host every controller listens on and advertises.
    pub host: String,
}

/// One controller of the quickstart quorum, configured and formatted.
#[derive(Debug)]
pub struct PreparedController {
    /// Its configuration.
    pub config: ControllerConfig,
    /// Its `controller-<id>.properties`.
    pub properties_path: PathBuf,
    /// Whether its directory was formatted now (false: data kept from an earlier run).
    pub formatted_now: bool,
}

/// The quorum, ready to start.
#[derive(Debug)]
pub struct Prepared {
    /// The cluster id.
    pub cluster_id: String,
    /// The static voters, in node id order.
    pub voters: Vec<QuorumVoter>,
    /// The controllers, in node id order.
    pub controllers: Vec<PreparedController>,
}

/// Writes the configuration files and formats every controller directory not formatted yet.
pub fn prepare(options: &QuickstartOptions) -> anyhow::Result<Prepared> {
    ensure!(
        (1..=MAX_CONTROLLERS).contains(&options.controllers),
        "--controllers must be between 1 and {MAX_CONTROLLERS}"
    );
    ensure!(
        options.base_port != 0,
        "--base-port must be a fixed port: the voters' addresses are written into every \
         configuration"
    );
    let last_port = u32::from(options.base_port) + u32::from(options.controllers) - 1;
    ensure!(
        last_port <= u32::from(u16::MAX),
        "ports {}..={last_port} do not fit below 65536",
        options.base_port
    );
    fs::create_dir_all(&options.dir)
        .with_context(|| format!("cannot create {}", options.dir.display()))?;
    let dir = options.dir.canonicalize().context("cannot resolve --dir")?;
    let cluster_id = cluster_id(&dir)?;
    let voters: Vec<QuorumVoter> = (1..=options.controllers)
        .map(|id| QuorumVoter {
            id: i32::from(id),
            host: options.host.clone(),
            port: options.base_port + id - 1,
        })
        .collect();
    let mut controllers = Vec::new();
    for voter in &voters {
        controllers.push(prepare_controller(&dir, &cluster_id, voter, &voters)?);
    }
    Ok(Prepared {
        cluster_id,
        voters,
        controllers,
    })
}

/// Reads `cluster.id` in `dir`, or makes one and keeps it there.
pub(crate) fn cluster_id(dir: &Path) -> anyhow::Result<String> {
    let path = dir.join(CLUSTER_ID_FILE);
    if path.exists() {
        let id =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let id = id.trim().to_owned();
        ensure!(!id.is_empty(), "{} is empty", path.display());
        return Ok(id);
    }
    let id = yakt_wire::Uuid::random().to_string();
    fs::write(&path, format!("{id}\n"))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(id)
}

fn prepare_controller(
    dir: &Path,
    cluster_id: &str,
    voter: &QuorumVoter,
    voters: &[QuorumVoter],
) -> anyhow::Result<PreparedController> {
    let builder = ControllerConfig::builder(voter.id)
        .listener(&voter.host, voter.port)
        .quorum_voters(voters)
        .metadata_log_dir(&dir.join(format!("controller-{}", voter.id)))
        .set(
            "listener.security.protocol.map",
            format!("{CONTROLLER_LISTENER_NAME}:PLAINTEXT"),
        );
    let properties_path = dir.join(format!("controller-{}.properties", voter.id));
    fs::write(&properties_path, builder.properties().to_text())
        .with_context(|| format!("cannot write {}", properties_path.display()))?;
    let config = builder.build()?;
    let options = FormatOptions {
        cluster_id: cluster_id.to_owned(),
        ignore_formatted: true,
        ..FormatOptions::default()
    };
    let mut report_text = Vec::new();
    let report = format(&config, &options, &mut report_text)
        .with_context(|| format!("cannot format controller {}", voter.id))?;
    Ok(PreparedController {
        config,
        properties_path,
        formatted_now: !report.formatted.is_empty(),
    })
}

/// Prepares the quorum, starts every controller, prints how to reach it, and serves until
/// SIGTERM or SIGINT.
pub fn quickstart(options: &QuickstartOptions) -> anyhow::Result<()> {
    let prepared = prepare(options)?;
    runtime()?.block_on(async {
        let mut nodes = Vec::new();
        for controller in &prepared.controllers {
            let node = Node::start(&controller.config).await.with_context(|| {
                format!("cannot start controller {}", controller.config.node_id)
            })?;
            nodes.push(node);
        }
        print!("{}", banner(&prepared, &options.dir));
        wait_for_signal().await?;
        tracing::info!("shutting down");
        for node in nodes {
            node.shutdown().await;
        }
        Ok(())
    })
}

/// What the quickstart prints once every controller listens.
pub fn banner(prepared: &Prepared, dir: &Path) -> String {
    let voters: Vec<String> = prepared.voters.iter().map(ToString::to_string).collect();
    let voters = voters.join(",");
    let bootstrap: Vec<String> = prepared
        .voters
        .iter()
        .map(|v| {
            v.to_string()
                .split_once('@')
                .map(|(_, a)| a.to_owned())
                .unwrap_or_default()
        })
        .collect();
    let bootstrap = bootstrap.join(",");
    let mut text = String::new();
    let _ = writeln!(
        text,
        "yakt quickstart: {} controller(s) of cluster {} in {}",
        prepared.controllers.len(),
        prepared.cluster_id,
        dir.display()
    );
    let _ = writeln!(text, "cluster.id={}", prepared.cluster_id);
    for (controller, voter) in prepared.controllers.iter().zip(&prepared.voters) {
        let state = if controller.formatted_now {
            "data formatted now for release 4.0, metadata.version 25"
        } else {
            "data kept from an earlier run"
        };
        let _ = writeln!(
            text,
            "  controller {}: listening on {}:{}, config {} ({state})",
            voter.id,
            voter.host,
            voter.port,
            controller.properties_path.display()
        );
    }
    let _ = writeln!(text);
    let _ = writeln!(text, "A Kafka broker finds this quorum with either of:");
    let _ = writeln!(text, "controller.quorum.voters={voters}");
    let _ = writeln!(text, "controller.quorum.bootstrap.servers={bootstrap}");
    let _ = writeln!(text);
    let _ = write!(text, "{}", broker_sample(prepared, &voters));
    let _ = writeln!(text);
    let _ = write!(text, "{}", status());
    let _ = writeln!(
        text,
        "Stop with Ctrl-C or SIGTERM; a later run in the same directory keeps the data."
    );
    text
}

fn broker_sample(prepared: &Prepared, voters: &str) -> String {
    let broker_id = prepared.voters.len() + 100;
    let host = prepared
        .voters
        .first()
        .map_or("127.0.0.1", |v| v.host.as_str());
    format!(
        "A broker.properties to start from (format its log.dirs first with the same cluster id:\n\
         kafka-storage.sh format -t {cluster} -c broker.properties):\n\
         \x20   process.roles=broker\n\
         \x20   node.id={broker_id}\n\
         \x20   listeners=PLAINTEXT://{host}:9092\n\
         \x20   advertised.listeners=PLAINTEXT://{host}:9092\n\
         \x20   inter.broker.listener.name=PLAINTEXT\n\
         \x20   controller.listener.names={CONTROLLER_LISTENER_NAME}\n\
         \x20   listener.security.protocol.map=PLAINTEXT:PLAINTEXT,{CONTROLLER_LISTENER_NAME}:PLAINTEXT\n\
         \x20   controller.quorum.voters={voters}\n\
         \x20   log.dirs=/tmp/kafka-broker-{broker_id}\n",
        cluster = prepared.cluster_id,
    )
}

/// What the running controllers serve, from the node's API table, and what is missing for a
/// broker.
fn status() -> String {
    let served: Vec<String> = APIS
        .iter()
        .map(|api| format!("{:?} v{}-{}", api.key, api.min_version, api.max_version))
        .collect();
    let mut text = format!("The controllers serve: {}.\n", served.join(", "));
    let broker_needs = [
        ApiKey::Fetch,
        ApiKey::BrokerRegistration,
        ApiKey::BrokerHeartbeat,
    ];
    let missing: Vec<String> = broker_needs
        .iter()
        .filter(|key| !APIS.iter().any(|api| api.key == **key))
        .map(|key| format!("{key:?}"))
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            text,
            "Not served yet: {} (the Raft quorum and the controller are still being built), \
             so a broker cannot register with this quorum yet.",
            missing.join(", ")
        );
    }
    text
}
