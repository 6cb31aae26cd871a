//! A yakt controller node assembled from its configuration.
//!
//! Owns the start-up order of a node: the formatted directory (meta.properties, the directory
//! lock), the metadata log and quorum-state, the voter set (static from
//! `controller.quorum.voters`, or the dynamic one bootstrapped from the 0-0 checkpoint's
//! VotersRecord), the raft event loop, and last the listeners. The binary's `run` and
//! `quickstart` commands and embedding tests all start nodes through [`Node::start`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use yakt_log::lock::DirLock;
use yakt_log::partition_files::METADATA_PARTITION_DIR;
use yakt_log::snapshot::{self, SnapshotId};
use yakt_log::{FileSystem, LogConfig, RealFs};
use yakt_wire::ControlRecord;

use crate::clock::now_ms_unsigned as now_ms;
use crate::config::{ControllerConfig, Endpoint};
use crate::controller::snapshots::SnapshotPolicy;
use crate::controller::{Controller, ControllerSettings};
use crate::raft::{self, RaftConfig, RaftEngine};
use crate::server::admin::{AdminListener, AdminState};
use crate::server::client::PeerOptions;
use crate::server::cluster::ClusterInfo;
use crate::server::connection::ConnectionSecurity;
use crate::server::controller_driver::{self, ControllerStart};
use crate::server::controller_registration::{
    advertised_listeners, local_host_name, Registration, RegistrationTask,
};
use crate::server::raft_driver::{RaftDriver, RaftHandle};
use crate::server::{self, ServerHandle, ServerOptions, Services};
use crate::storage::{DiskLog, FileQuorumStateStore};

/// How long a leader shutting down waits for the voters to acknowledge its resignation.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running controller node.
#[derive(Debug)]
pub struct Node {
    server: ServerHandle,
    admin: Option<AdminListener>,
    raft: RaftDriver,
    controller_task: tokio::task::JoinHandle<anyhow::Result<()>>,
    registration_task: tokio::task::JoinHandle<()>,
    incarnation_id: yakt_wire::Uuid,
    _lock: DirLock,
}

/// Who votes, and at which kraft.version the quorum runs.
struct VoterSet {
    voters: BTreeMap<raft::NodeId, raft::Endpoint>,
    directory_ids: BTreeMap<raft::NodeId, yakt_wire::Uuid>,
    kraft_version: i16,
}

impl Node {
    /// Starts a node from its configuration: its metadata log directory must be formatted.
    pub async fn start(config: &ControllerConfig) -> anyhow::Result<Node> {
        config.check_security()?;
        let peer_options = peer_options(config)?;
        let fs: Arc<dyn FileSystem> = Arc::new(RealFs);
        let dir = &config.metadata_log_dir;
        let meta = yakt_log::state::read_meta_properties(&*fs, dir)?.with_context(|| {
            format!(
                "no meta.properties in {}: format the directory first (yakt format)",
                dir.display()
            )
        })?;
        let cluster_id = meta
            .cluster_id
            .clone()
            .context("meta.properties has no cluster.id")?;
        if meta.node_id != Some(config.node_id) {
            bail!(
                "{} belongs to node {:?}, but node.id is {}",
                dir.display(),
                meta.node_id,
                config.node_id
            );
        }
        let lock = DirLock::acquire(dir)?;
        let partition_dir = dir.join(METADATA_PARTITION_DIR);
        let log = DiskLog::open(Arc::clone(&fs), &partition_dir, log_config(config))?;
        let voter_set = voter_set(config, &*fs, &partition_dir)?;
        let store =
            FileQuorumStateStore::new(Arc::clone(&fs), &partition_dir, voter_set.kraft_version);
        let raft_config = raft_config(config, &cluster_id, meta.directory_id, &voter_set);
        let seed = rand_seed();
        let engine = RaftEngine::new(raft_config, log, store, seed, now_ms())
            .context("cannot start the raft engine")?;
        let request_timeout = Duration::from_millis(config.quorum.request_timeout_ms.max(1) as u64);
        let (controller, listen_from) = start_controller(
            config,
            &cluster_id,
            &*fs,
            &partition_dir,
            voter_set.kraft_version,
        )?;
        let bootstrap = bootstrap_records(&*fs, dir)?;
        let (events_tx, events) = tokio::sync::mpsc::unbounded_channel();
        let raft = RaftDriver::spawn(
            engine,
            peer_options.clone(),
            request_timeout,
            Some((listen_from, events_tx)),
        );
        let (controller, controller_task) = controller_driver::spawn(ControllerStart {
            controller,
            bootstrap,
            raft: raft.handle(),
            events,
            storage: (Arc::clone(&fs), partition_dir.clone()),
            snapshot_policy: SnapshotPolicy::new(
                config.metadata_snapshot_max_new_record_bytes,
                config.metadata_snapshot_max_interval_ms,
            ),
        });

        let mut listeners = Vec::with_capacity(config.listeners.len());
        for endpoint in &config.listeners {
            listeners.push((endpoint.listener_name.clone(), resolve(endpoint).await?));
        }
        let server = server::start(ServerOptions {
            listeners,
            socket_request_max_bytes: config.socket_request_max_bytes,
            socket_buffer_bytes: (
                config.socket_send_buffer_bytes,
                config.socket_receive_buffer_bytes,
            ),
            services: Services {
                raft: Some(raft.handle()),
                controller: Some(controller.clone()),
                cluster: Some(ClusterInfo {
                    cluster_id: cluster_id.clone(),
                    node_id: config.node_id,
                }),
                security: connection_security(config)?,
            },
        })
        .await?;
        let registration = Registration {
            controller_id: config.node_id,
            incarnation_id: yakt_wire::Uuid::random(),
            listeners: advertised_listeners(config, server.local_addrs(), &local_host_name()),
            features: controller.features().supported,
        };
        let incarnation_id = registration.incarnation_id;
        let admin = match &config.admin_listener {
            Some(address) => {
                let state = AdminState {
                    node_id: config.node_id,
                    cluster_id: cluster_id.clone(),
                    raft: raft.handle(),
                    controller: controller.clone(),
                };
                let addr = resolve_host_port(address).await?;
                let listener = AdminListener::start(addr, state)
                    .await
                    .with_context(|| format!("yakt.admin.listener {addr}"))?;
                Some(listener)
            }
            None => None,
        };
        let registration_task = RegistrationTask {
            registration,
            controller,
            raft: raft.handle(),
            voters: voter_set.voters.clone(),
            request_timeout,
            peer_options: peer_options.clone(),
        }
        .spawn();
        tracing::info!(
            node_id = config.node_id,
            %cluster_id,
            kraft_version = voter_set.kraft_version,
            voters = ?voter_set.voters.keys().collect::<Vec<_>>(),
            "controller started"
        );
        Ok(Node {
            server,
            admin,
            raft,
            controller_task,
            registration_task,
            incarnation_id,
            _lock: lock,
        })
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

    /// The bound address of the admin listener, if configured.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().map(AdminListener::local_addr)
    }

    /// The incarnation id this process registers with (KIP-919), new on every start.
    pub fn incarnation_id(&self) -> yakt_wire::Uuid {
        self.incarnation_id
    }

    /// The raft event loop, e.g. to watch the role and high watermark.
    pub fn raft(&self) -> RaftHandle {
        self.raft.handle()
    }

    /// Resolves when the node fails fatally (a failed fsync, a broken invariant, a committed
    /// record that does not fit the image).
    pub async fn fatal_error(&mut self) -> anyhow::Error {
        tokio::select! {
            raft = self.raft.join() => match raft {
                Err(error) => error.into(),
                Ok(()) => anyhow::anyhow!("the raft event loop ended"),
            },
            controller = &mut self.controller_task => match controller {
                Ok(Err(error)) => error.context("the controller stopped"),
                Ok(Ok(())) => anyhow::anyhow!("the controller event loop ended"),
                Err(error) => anyhow::anyhow!("the controller event loop panicked: {error}"),
            },
        }
    }

    /// Stops the node gracefully: a leader resigns first, then the listeners stop accepting
    /// and answer what they already read.
    pub async fn shutdown(self) {
        self.registration_task.abort();
        self.controller_task.abort();
        if let Err(error) = self.raft.shutdown(SHUTDOWN_GRACE).await {
            tracing::error!(%error, "raft stopped with an error");
        }
        self.server.shutdown().await;
        if let Some(admin) = self.admin {
            admin.shutdown().await;
        }
    }
}

/// The state machine, with the latest snapshot loaded, and the offset from which raft must
/// hand it committed batches.
fn start_controller(
    config: &ControllerConfig,
    cluster_id: &str,
    fs: &dyn FileSystem,
    partition_dir: &Path,
    kraft_version: i16,
) -> anyhow::Result<(Controller, i64)> {
    let mut controller = Controller::new(
        ControllerSettings::from_config(config, cluster_id),
        rand_seed(),
    );
    controller.set_kraft_version(kraft_version);
    let latest =
        snapshot::latest_snapshot(fs, partition_dir)?.filter(|id| *id != SnapshotId::BOOTSTRAP);
    let Some(id) = latest else {
        return Ok((controller, 0));
    };
    let file = snapshot::read_snapshot(fs, partition_dir, id)?;
    let records = file
        .records
        .iter()
        .map(|value| yakt_wire::decode_frame(value).map(|(record, _)| record))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("snapshot {}-{}", id.end_offset, id.epoch))?;
    controller
        .load_snapshot(records.iter(), id.end_offset - 1)
        .with_context(|| format!("loading snapshot {}-{}", id.end_offset, id.epoch))?;
    tracing::info!(
        end_offset = id.end_offset,
        epoch = id.epoch,
        "loaded the metadata image from a snapshot"
    );
    Ok((controller, id.end_offset))
}

/// The metadata records of `bootstrap.checkpoint`, written on the first activation.
fn bootstrap_records(
    fs: &dyn FileSystem,
    metadata_log_dir: &Path,
) -> anyhow::Result<Vec<yakt_wire::MetadataRecord>> {
    let Some(file) = snapshot::read_bootstrap_checkpoint(fs, metadata_log_dir)? else {
        return Ok(Vec::new());
    };
    file.records
        .iter()
        .map(|value| yakt_wire::decode_frame(value).map(|(record, _)| record))
        .collect::<Result<Vec<_>, _>>()
        .context("bootstrap.checkpoint")
}

fn log_config(config: &ControllerConfig) -> LogConfig {
    LogConfig {
        segment_bytes: config.metadata_log_segment_bytes as u64,
        segment_ms: config.metadata_log_segment_ms,
        retention_bytes: config.metadata_max_retention_bytes,
        retention_ms: config.metadata_max_retention_ms,
        ..LogConfig::default()
    }
}

/// A static quorum from `controller.quorum.voters` (kraft.version 0), or the voters of the 0-0
/// checkpoint `format --standalone/--initial-controllers` wrote (kraft.version 1).
fn voter_set(
    config: &ControllerConfig,
    fs: &dyn FileSystem,
    partition_dir: &Path,
) -> anyhow::Result<VoterSet> {
    if !config.quorum_voters.is_empty() {
        let voters = config
            .quorum_voters
            .iter()
            .map(|v| {
                (
                    v.id,
                    raft::Endpoint {
                        host: v.host.clone(),
                        port: v.port,
                    },
                )
            })
            .collect();
        return Ok(VoterSet {
            voters,
            directory_ids: BTreeMap::new(),
            kraft_version: 0,
        });
    }
    let has_checkpoint = snapshot::latest_snapshot(fs, partition_dir)?.is_some();
    if !has_checkpoint && !config.quorum_bootstrap_servers.is_empty() {
        // Formatted with --no-initial-controllers: an observer that learns the voters from the
        // leader's log (and may be added as a voter).
        return Ok(VoterSet {
            voters: BTreeMap::new(),
            directory_ids: BTreeMap::new(),
            kraft_version: 1,
        });
    }
    let bootstrap = snapshot::read_snapshot(fs, partition_dir, SnapshotId::BOOTSTRAP)
        .with_context(|| {
            format!(
            "controller.quorum.voters is empty and {} has no bootstrap checkpoint: format with \
             --standalone or --initial-controllers, or set controller.quorum.voters",
            partition_dir.display()
        )
        })?;
    let listener = config
        .controller_listener_names
        .first()
        .map(String::as_str)
        .unwrap_or("CONTROLLER");
    let mut voters = BTreeMap::new();
    let mut directory_ids = BTreeMap::new();
    let mut kraft_version = 1;
    for record in &bootstrap.control_records {
        let record = record.decode().with_context(|| {
            format!(
                "bad control record in the bootstrap checkpoint of {}",
                partition_dir.display()
            )
        })?;
        match record {
            ControlRecord::KRaftVersion(r) => kraft_version = r.k_raft_version,
            ControlRecord::Voters(r) => {
                for voter in &r.voters {
                    let endpoint = voter
                        .endpoints
                        .iter()
                        .find(|e| e.name.as_str() == listener)
                        .or(voter.endpoints.first())
                        .with_context(|| format!("voter {} has no endpoint", voter.voter_id.0))?;
                    directory_ids.insert(voter.voter_id.0, voter.voter_directory_id.into());
                    voters.insert(
                        voter.voter_id.0,
                        raft::Endpoint {
                            host: endpoint.host.to_string(),
                            port: endpoint.port,
                        },
                    );
                }
            }
            _ => {}
        }
    }
    if voters.is_empty() {
        bail!(
            "the bootstrap checkpoint in {} names no voters",
            partition_dir.display()
        );
    }
    Ok(VoterSet {
        voters,
        directory_ids,
        kraft_version,
    })
}

fn raft_config(
    config: &ControllerConfig,
    cluster_id: &str,
    directory_id: Option<yakt_wire::Uuid>,
    voter_set: &VoterSet,
) -> RaftConfig {
    let mut raft = RaftConfig::new(config.node_id, cluster_id, voter_set.voters.clone());
    let millis = |value: i32| value.max(0) as u64;
    raft.directory_id = directory_id.unwrap_or_default();
    raft.kraft_version = voter_set.kraft_version;
    raft.voter_directory_ids = voter_set.directory_ids.clone();
    // As `format --standalone` records it: the first advertised controller listener.
    raft.local_endpoint = config.advertised_listeners.first().map(|e| raft::Endpoint {
        host: if e.host.is_empty() {
            "localhost".to_owned()
        } else {
            e.host.clone()
        },
        port: e.port,
    });
    raft.bootstrap_servers = config
        .quorum_bootstrap_servers
        .iter()
        .map(|s| raft::Endpoint {
            host: s.host.clone(),
            port: s.port,
        })
        .collect();
    if let Some(name) = config.controller_listener_names.first() {
        raft.listener_name = name.clone();
    }
    raft.election_timeout_ms = millis(config.quorum.election_timeout_ms);
    raft.fetch_timeout_ms = millis(config.quorum.fetch_timeout_ms);
    raft.election_backoff_max_ms = millis(config.quorum.election_backoff_max_ms);
    raft.request_timeout_ms = millis(config.quorum.request_timeout_ms);
    raft.retry_backoff_ms = millis(config.quorum.retry_backoff_ms);
    raft.fetch_snapshot_max_bytes = config.quorum_fetch_snapshot_max_bytes.max(1) as usize;
    raft
}

/// How the raft loop connects to other controllers.
fn peer_options(config: &ControllerConfig) -> anyhow::Result<PeerOptions> {
    let tls = match &config.client_security.tls {
        Some(settings) => Some(
            server::tls::client_config(settings)
                .context("TLS to the other controllers (the first controller listener)")?,
        ),
        None => None,
    };
    Ok(PeerOptions {
        client_id: format!("raft-client-{}", config.node_id),
        connect_timeout: Duration::from_millis(config.quorum.request_timeout_ms.max(1) as u64),
        backoff: Duration::from_millis(config.quorum.retry_backoff_ms.max(1) as u64),
        sasl: config.client_security.sasl.clone(),
        tls,
        ..PeerOptions::default()
    })
}

/// How each listener's connections authenticate; fails if a TLS listener's stores cannot be
/// opened.
fn connection_security(
    config: &ControllerConfig,
) -> anyhow::Result<BTreeMap<String, ConnectionSecurity>> {
    let mut by_listener = BTreeMap::new();
    for (name, security) in &config.listener_security {
        let sasl = security.sasl.clone().map(Arc::new);
        let tls = match &security.tls {
            Some(settings) => Some(server::tls::server_config(name, settings)?),
            None => None,
        };
        by_listener.insert(name.clone(), ConnectionSecurity { sasl, tls });
    }
    Ok(by_listener)
}

/// A seed for the engine's election jitter; different on every start and every node.
fn rand_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(now_ms());
    hasher.finish()
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

/// The address `yakt.admin.listener` names.
async fn resolve_host_port(address: &crate::config::HostPort) -> anyhow::Result<SocketAddr> {
    tokio::net::lookup_host((address.host.as_str(), address.port))
        .await
        .with_context(|| format!("cannot resolve {}:{}", address.host, address.port))?
        .next()
        .with_context(|| format!("no address for {:?}", address.host))
}
