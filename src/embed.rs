//! A whole yakt controller quorum inside a test process: [`EmbeddedQuorum`].
//!
//! Owns the life of N in-process controllers for tests (a Rust project's or yakt's own):
//! their directories and `controller-<id>.properties` (Kafka's keys, as `yakt quickstart`
//! writes them, so Kafka's tools and a Java controller read them as they are), their ports,
//! and starting, stopping, killing and restarting each one. The quorum is dynamic (KIP-853,
//! kraft.version 1: each directory formatted with `--initial-controllers`, as Kafka 4's
//! `kafka-storage format` makes one) unless [`EmbeddedQuorumBuilder::static_voters`] asks for
//! `controller.quorum.voters`. A real Kafka broker or client reaches a dynamic quorum with
//! `controller.quorum.bootstrap.servers` = [`EmbeddedQuorum::bootstrap_servers`] (or
//! `--bootstrap-controller`), a static one with `controller.quorum.voters` =
//! [`EmbeddedQuorum::voters`].
//!
//! ```
//! use std::time::Duration;
//! use yakt::embed::EmbeddedQuorum;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> anyhow::Result<()> {
//! let mut quorum = EmbeddedQuorum::builder().controllers(3).start().await?;
//! let leader = quorum.wait_for_leader(Duration::from_secs(30)).await?;
//! // A broker's `controller.quorum.bootstrap.servers`, and its `kafka-storage format -t`:
//! println!("{} {}", quorum.bootstrap_servers(), quorum.cluster_id());
//! quorum.stop(leader).await?; // a graceful stop: the leader resigns
//! let successor = quorum.wait_for_leader(Duration::from_secs(30)).await?;
//! assert_ne!(successor, leader);
//! quorum.restart(leader).await?; // same directory, same ports
//! quorum.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! **Ports.** Either kind of quorum names every voter's `host:port` before any controller
//! starts (in each `controller.quorum.voters`, or in the VotersRecord `--initial-controllers`
//! writes into each log), so the controller ports are fixed up front. The builder binds one listener per controller to `127.0.0.1:0` (the kernel picks distinct
//! free ports, and Linux hands `bind(0)` different ports than outgoing connections take),
//! holds all of them while the directories are formatted, and closes each one only just
//! before its controller binds the same port. Another process can take a port in that gap
//! (milliseconds) or while a controller is stopped; the start or restart then fails with the
//! bind error rather than reaching someone else's server. The admin listener
//! (`yakt.admin.listener`) binds port 0 on the first start and keeps its port on restarts.
//! The ports are written to `<dir>/ports`; a later quorum in the same [`dir`](
//! EmbeddedQuorumBuilder::dir) binds the same ones, as its logs name them.
//!
//! **Runtimes.** Each controller runs on its own tokio runtime (one worker thread), made when
//! it starts. That is what makes [`EmbeddedQuorum::kill`] possible, and it means the quorum
//! works under any caller runtime (a `current_thread` test too); the caller's runtime needs
//! its timer (`#[tokio::test]` has it).
//!
//! **Dropping** an `EmbeddedQuorum` kills every running controller (as
//! [`EmbeddedQuorum::kill`], blocking the dropping thread until their tasks are gone) and
//! then removes the directory if the quorum made it. [`EmbeddedQuorum::shutdown`] stops them
//! gracefully instead.

use std::collections::BTreeMap;
use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, ensure, Context as _};

use crate::commands::format::{format, FormatOptions, InitialQuorum};
use crate::config::builder::{ControllerConfigBuilder, CONTROLLER_LISTENER_NAME};
use crate::config::{ControllerConfig, HostPort, QuorumVoter};
use crate::node::Node;
use crate::raft::RoleKind;
use crate::server::raft_driver::RaftStatus;

/// The host every controller listens on and advertises.
const HOST: &str = "127.0.0.1";
/// The most controllers a quorum holds (as `yakt quickstart`).
const MAX_CONTROLLERS: u16 = 9;
/// The file in the quorum's directory holding each controller's port (`id=port` lines),
/// reused by a later quorum there: a dynamic quorum's log holds the voters' endpoints.
const PORTS_FILE: &str = "ports";
/// The key of the admin listener's address.
const ADMIN_LISTENER: &str = "yakt.admin.listener";
/// How long stopping a controller's runtime may wait for its blocking work.
const RUNTIME_SHUTDOWN: Duration = Duration::from_secs(10);
/// How often [`EmbeddedQuorum::wait_for_leader`] looks at the controllers' raft status.
const LEADER_POLL: Duration = Duration::from_millis(10);

/// How to make an [`EmbeddedQuorum`]; from [`EmbeddedQuorum::builder`].
#[derive(Debug, Clone)]
pub struct EmbeddedQuorumBuilder {
    controllers: u16,
    admin_listener: bool,
    properties: Vec<(String, String)>,
    release_version: Option<String>,
    dir: Option<PathBuf>,
    static_voters: bool,
}

/// A quorum of controllers (node ids 1..=N) running in this process.
#[derive(Debug)]
pub struct EmbeddedQuorum {
    cluster_id: String,
    voters: Vec<QuorumVoter>,
    members: BTreeMap<i32, Member>,
    dir: PathBuf,
    /// Set when the quorum made `dir` and removes it on drop.
    _owned_dir: Option<OwnedDir>,
}

/// One controller: how it is configured and, while it runs, the node.
#[derive(Debug)]
struct Member {
    builder: ControllerConfigBuilder,
    properties_path: PathBuf,
    admin_addr: Option<SocketAddr>,
    running: Option<Running>,
}

/// A started node and the runtime its tasks live on.
#[derive(Debug)]
struct Running {
    node: Node,
    runtime: tokio::runtime::Runtime,
}

impl Default for EmbeddedQuorumBuilder {
    fn default() -> Self {
        EmbeddedQuorumBuilder {
            controllers: 3,
            admin_listener: false,
            properties: Vec::new(),
            release_version: None,
            dir: None,
            static_voters: false,
        }
    }
}

impl EmbeddedQuorumBuilder {
    /// How many controllers (node ids 1..=N, at most 9); 3 unless set.
    pub fn controllers(mut self, count: u16) -> Self {
        self.controllers = count;
        self
    }

    /// Whether each controller serves the admin HTTP API (`yakt.admin.listener`); off unless
    /// set.
    pub fn admin_listener(mut self, enabled: bool) -> Self {
        self.admin_listener = enabled;
        self
    }

    /// A controller property (Kafka's or yakt's key) for every controller, written after
    /// yakt's own keys and so replacing them (node.id, listeners and the quorum's keys are
    /// the quorum's to set: changing them breaks it).
    pub fn property(mut self, key: &str, value: impl Into<String>) -> Self {
        self.properties.push((key.to_owned(), value.into()));
        self
    }

    /// The release whose metadata.version the directories are formatted with (`yakt format
    /// --release-version`); yakt's default unless set. Ignored for directories formatted by
    /// an earlier quorum in the same [`dir`](Self::dir).
    pub fn release_version(mut self, version: &str) -> Self {
        self.release_version = Some(version.to_owned());
        self
    }

    /// A static quorum (`controller.quorum.voters`, kraft.version 0) instead of the dynamic
    /// one (KIP-853: `controller.quorum.bootstrap.servers`, formatted with
    /// `--initial-controllers`, kraft.version 1). A broker finds a static quorum only through
    /// [`EmbeddedQuorum::voters`]: under kraft.version 0 Kafka's broker knows the active
    /// controller's endpoint from its own `controller.quorum.voters`, never from the log.
    pub fn static_voters(mut self, enabled: bool) -> Self {
        self.static_voters = enabled;
        self
    }

    /// Where the quorum keeps its files; kept after the quorum, and reused (cluster id and
    /// data) by a later one. Unless set, a new directory under the system's temporary
    /// directory, removed when the quorum is dropped.
    pub fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Formats every controller's directory and starts them all; does not wait for a leader
    /// ([`EmbeddedQuorum::wait_for_leader`]).
    pub async fn start(self) -> anyhow::Result<EmbeddedQuorum> {
        ensure!(
            (1..=MAX_CONTROLLERS).contains(&self.controllers),
            "an embedded quorum has 1 to {MAX_CONTROLLERS} controllers, not {}",
            self.controllers
        );
        let owned_dir = match &self.dir {
            Some(_) => None,
            None => Some(OwnedDir::create()?),
        };
        let dir = match (&self.dir, &owned_dir) {
            (Some(dir), _) => {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                dir.canonicalize()
                    .with_context(|| format!("cannot resolve {}", dir.display()))?
            }
            (None, Some(owned)) => owned.path.clone(),
            (None, None) => unreachable!("a directory is given or made"),
        };
        let cluster_id = crate::commands::quickstart::cluster_id(&dir)?;
        let reserved = reserve_ports(&dir, self.controllers)?;
        let voters: Vec<QuorumVoter> = reserved
            .iter()
            .zip(1..)
            .map(|(listener, id)| {
                Ok(QuorumVoter {
                    id,
                    host: HOST.to_owned(),
                    port: listener.local_addr()?.port(),
                })
            })
            .collect::<std::io::Result<_>>()
            .context("cannot read a reserved port")?;
        let initial_controllers = initial_controllers(&voters);
        let mut members = BTreeMap::new();
        for voter in &voters {
            let member = self.prepare(&dir, &cluster_id, voter, &voters, &initial_controllers)?;
            members.insert(voter.id, member);
        }
        let mut quorum = EmbeddedQuorum {
            cluster_id,
            voters,
            members,
            dir,
            _owned_dir: owned_dir,
        };
        for (reservation, id) in reserved.into_iter().zip(1..) {
            drop(reservation);
            quorum.restart(id).await?;
        }
        Ok(quorum)
    }

    /// Writes `controller-<id>.properties` and formats `controller-<id>/` unless an earlier
    /// quorum did.
    fn prepare(
        &self,
        dir: &Path,
        cluster_id: &str,
        voter: &QuorumVoter,
        voters: &[QuorumVoter],
        initial_controllers: &str,
    ) -> anyhow::Result<Member> {
        let mut builder = ControllerConfig::builder(voter.id).listener(&voter.host, voter.port);
        let initial_quorum = if self.static_voters {
            builder = builder.quorum_voters(voters);
            InitialQuorum::Unspecified
        } else {
            let servers: Vec<HostPort> = voters
                .iter()
                .map(|v| HostPort {
                    host: v.host.clone(),
                    port: v.port,
                })
                .collect();
            builder = builder.quorum_bootstrap_servers(&servers);
            InitialQuorum::InitialControllers(initial_controllers.to_owned())
        };
        builder = builder
            .metadata_log_dir(&dir.join(format!("controller-{}", voter.id)))
            .set(
                "listener.security.protocol.map",
                format!("{CONTROLLER_LISTENER_NAME}:PLAINTEXT"),
            );
        if self.admin_listener {
            builder = builder.set(ADMIN_LISTENER, format!("{HOST}:0"));
        }
        for (key, value) in &self.properties {
            builder = builder.set(key, value.clone());
        }
        let config = builder
            .build()
            .with_context(|| format!("controller {}'s configuration", voter.id))?;
        let options = FormatOptions {
            cluster_id: cluster_id.to_owned(),
            release_version: self.release_version.clone(),
            initial_quorum,
            ignore_formatted: true,
            ..FormatOptions::default()
        };
        format(&config, &options, &mut Vec::new())
            .with_context(|| format!("cannot format controller {}", voter.id))?;
        Ok(Member {
            builder,
            properties_path: dir.join(format!("controller-{}.properties", voter.id)),
            admin_addr: None,
            running: None,
        })
    }
}

impl EmbeddedQuorum {
    /// A builder with 3 controllers, no admin listener, in a temporary directory.
    pub fn builder() -> EmbeddedQuorumBuilder {
        EmbeddedQuorumBuilder::default()
    }

    /// The cluster id every controller was formatted with (a broker's `kafka-storage format
    /// -t`).
    pub fn cluster_id(&self) -> &str {
        &self.cluster_id
    }

    /// The `controller.quorum.bootstrap.servers` value a broker needs to find a dynamic quorum
    /// (the default), and what `--bootstrap-controller` takes: `127.0.0.1:port,...` in node id
    /// order.
    pub fn bootstrap_servers(&self) -> String {
        let servers: Vec<String> = self
            .voters
            .iter()
            .map(|v| format!("{}:{}", v.host, v.port))
            .collect();
        servers.join(",")
    }

    /// The `controller.quorum.voters` value a broker needs to find a static quorum
    /// ([`EmbeddedQuorumBuilder::static_voters`]): `id@127.0.0.1:port,...` in node id order.
    pub fn voters(&self) -> String {
        let voters: Vec<String> = self.voters.iter().map(ToString::to_string).collect();
        voters.join(",")
    }

    /// Every controller's node id, running or not, in order.
    pub fn node_ids(&self) -> Vec<i32> {
        self.members.keys().copied().collect()
    }

    /// Whether controller `id` is running.
    pub fn is_running(&self, id: i32) -> bool {
        self.members.get(&id).is_some_and(|m| m.running.is_some())
    }

    /// Controller `id`'s node while it runs (its raft status, listeners, incarnation).
    pub fn node(&self, id: i32) -> Option<&Node> {
        self.members.get(&id)?.running.as_ref().map(|r| &r.node)
    }

    /// Controller `id`'s controller listener, fixed for the quorum's life.
    pub fn controller_addr(&self, id: i32) -> Option<SocketAddr> {
        let voter = self.voters.iter().find(|v| v.id == id)?;
        format!("{}:{}", voter.host, voter.port).parse().ok()
    }

    /// Controller `id`'s admin listener, once it first started with one.
    pub fn admin_addr(&self, id: i32) -> Option<SocketAddr> {
        self.members.get(&id)?.admin_addr
    }

    /// The quorum's directory (`cluster.id`, `controller-<id>.properties`, `controller-<id>/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Controller `id`'s `controller-<id>.properties` (as it last started).
    pub fn properties_path(&self, id: i32) -> Option<&Path> {
        Some(&self.members.get(&id)?.properties_path)
    }

    /// Waits until the running controllers agree on a leader: every one's raft status names
    /// the same leader in the same epoch, and that leader runs and holds the leader role.
    /// Returns its id, or an error with the last statuses after `timeout`.
    pub async fn wait_for_leader(&self, timeout: Duration) -> anyhow::Result<i32> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let statuses = self.statuses();
            if let Some(leader) = agreed_leader(&statuses) {
                return Ok(leader);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("no agreed leader after {timeout:?}; raft status by node: {statuses:?}");
            }
            tokio::time::sleep(LEADER_POLL).await;
        }
    }

    /// The raft status of each running controller.
    pub fn statuses(&self) -> BTreeMap<i32, RaftStatus> {
        self.members
            .iter()
            .filter_map(|(id, m)| Some((*id, m.running.as_ref()?.node.raft().status())))
            .collect()
    }

    /// Stops controller `id` gracefully (as SIGTERM stops `yakt run`): a leader resigns and
    /// tells the voters (EndQuorumEpoch), then the listeners stop.
    pub async fn stop(&mut self, id: i32) -> anyhow::Result<()> {
        let Running { node, runtime } = self.take_running(id)?;
        let stopped = runtime.spawn(node.shutdown()).await;
        shutdown_runtime(runtime).await;
        stopped.with_context(|| format!("controller {id}'s shutdown failed"))
    }

    /// Kills controller `id` abruptly: its runtime is shut down, which drops every task of
    /// the node (raft and controller loops, listeners, connections, peer clients) at its next
    /// await, with no resignation, no EndQuorumEpoch and no draining; the sockets close, as
    /// the kernel closes them for a process killed with SIGKILL. Returns once the tasks are
    /// gone and the directory lock is released.
    ///
    /// What it does not simulate: a write the node handed to the kernel stays in the page
    /// cache (as after kill -9; a power loss would lose unsynced bytes, see `yakt-log`'s
    /// `MemFs` for that), a task cannot be stopped inside a system call, and process-wide
    /// state (metrics, log levels) outlives the node.
    pub async fn kill(&mut self, id: i32) -> anyhow::Result<()> {
        let Running { node, runtime } = self.take_running(id)?;
        shutdown_runtime(runtime).await;
        drop(node);
        Ok(())
    }

    /// Starts controller `id` again (after [`stop`](Self::stop) or [`kill`](Self::kill)) on
    /// the same directory, controller port and admin port.
    pub async fn restart(&mut self, id: i32) -> anyhow::Result<()> {
        let member = self
            .members
            .get_mut(&id)
            .with_context(|| format!("no controller {id}"))?;
        ensure!(member.running.is_none(), "controller {id} is running");
        if let Some(addr) = member.admin_addr {
            member.builder = member.builder.clone().set(ADMIN_LISTENER, addr.to_string());
        }
        let properties = member.builder.properties().to_text();
        fs::write(&member.properties_path, properties)
            .with_context(|| format!("cannot write {}", member.properties_path.display()))?;
        let config = member.builder.build()?;
        let running = start_node(config)
            .await
            .with_context(|| format!("cannot start controller {id}"))?;
        member.admin_addr = running.node.admin_addr();
        member.running = Some(running);
        Ok(())
    }

    /// Stops every running controller gracefully, the leader first (its resignation is
    /// acknowledged by voters still running), then the directory is removed if the quorum
    /// made it.
    pub async fn shutdown(mut self) {
        let statuses = self.statuses();
        let mut order: Vec<i32> = statuses.keys().copied().collect();
        order.sort_by_key(|id| statuses[id].role != RoleKind::Leader);
        for id in order {
            if let Err(error) = self.stop(id).await {
                tracing::warn!(node_id = id, "{error:#}");
            }
        }
    }

    fn take_running(&mut self, id: i32) -> anyhow::Result<Running> {
        let member = self
            .members
            .get_mut(&id)
            .with_context(|| format!("no controller {id}"))?;
        member
            .running
            .take()
            .with_context(|| format!("controller {id} is not running"))
    }
}

impl Drop for EmbeddedQuorum {
    fn drop(&mut self) {
        let running: Vec<Running> = self
            .members
            .values_mut()
            .filter_map(|m| m.running.take())
            .collect();
        if running.is_empty() {
            return;
        }
        // Shutting a runtime down blocks, which a runtime's own threads may not do: a plain
        // thread waits for the controllers' tasks to be dropped, and this one for it.
        let stopper = std::thread::spawn(move || {
            for Running { node, runtime } in running {
                runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
                drop(node);
            }
        });
        let _ = stopper.join();
    }
}

/// Starts a node on a runtime of its own.
async fn start_node(config: ControllerConfig) -> anyhow::Result<Running> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(format!("yakt-controller-{}", config.node_id))
        .enable_all()
        .build()
        .context("cannot build the controller's runtime")?;
    match runtime
        .spawn(async move { Node::start(&config).await })
        .await
    {
        Ok(Ok(node)) => Ok(Running { node, runtime }),
        Ok(Err(error)) => {
            // Tasks a failed start spawned die with the runtime before anything reopens the
            // directory.
            shutdown_runtime(runtime).await;
            Err(error)
        }
        Err(panic) => {
            shutdown_runtime(runtime).await;
            Err(anyhow::anyhow!(
                "the controller panicked while starting: {panic}"
            ))
        }
    }
}

/// Shuts a node's runtime down, dropping its tasks, and waits for that off the caller's
/// async threads.
async fn shutdown_runtime(runtime: tokio::runtime::Runtime) {
    let stopped =
        tokio::task::spawn_blocking(move || runtime.shutdown_timeout(RUNTIME_SHUTDOWN)).await;
    if let Err(error) = stopped {
        tracing::error!(%error, "a controller's runtime did not shut down");
    }
}

/// `count` listeners on distinct ports of [`HOST`], held until each controller starts: the
/// ports an earlier quorum in `dir` used, else free ones, written down for a later quorum.
fn reserve_ports(dir: &Path, count: u16) -> anyhow::Result<Vec<TcpListener>> {
    let path = dir.join(PORTS_FILE);
    if path.exists() {
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let ports: Vec<u16> = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(_, port)| port.trim().parse())
            .collect::<Result<_, _>>()
            .with_context(|| format!("bad port in {}", path.display()))?;
        ensure!(
            ports.len() == usize::from(count),
            "{} names {} controllers, not {count}",
            path.display(),
            ports.len()
        );
        return ports
            .iter()
            .map(|port| {
                TcpListener::bind((HOST, *port)).with_context(|| {
                    format!(
                        "port {port} of an earlier quorum in {} is taken",
                        dir.display()
                    )
                })
            })
            .collect();
    }
    let reserved: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind((HOST, 0)).context("cannot reserve a port on 127.0.0.1"))
        .collect::<anyhow::Result<_>>()?;
    let mut text = String::new();
    for (listener, id) in reserved.iter().zip(1..) {
        text.push_str(&format!("{id}={}\n", listener.local_addr()?.port()));
    }
    fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(reserved)
}

/// `--initial-controllers`: every voter's `id@host:port:directoryId`, with a new directory id
/// each (used only for a directory formatted now).
fn initial_controllers(voters: &[QuorumVoter]) -> String {
    let voters: Vec<String> = voters
        .iter()
        .map(|v| format!("{v}:{}", yakt_wire::Uuid::random()))
        .collect();
    voters.join(",")
}

/// The leader every status names in one epoch, if it holds the leader role itself.
fn agreed_leader(statuses: &BTreeMap<i32, RaftStatus>) -> Option<i32> {
    let first = statuses.values().next()?;
    let leader = first.leader_id?;
    let agreed = statuses
        .values()
        .all(|s| s.leader_id == Some(leader) && s.epoch == first.epoch);
    let leads = statuses
        .get(&leader)
        .is_some_and(|s| s.role == RoleKind::Leader);
    (agreed && leads).then_some(leader)
}

/// A directory the quorum made under the system's temporary directory, removed on drop.
#[derive(Debug)]
struct OwnedDir {
    path: PathBuf,
}

impl OwnedDir {
    fn create() -> anyhow::Result<OwnedDir> {
        let name = format!("yakt-embedded-{}", yakt_wire::Uuid::random());
        let path = std::env::temp_dir().join(name);
        fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(OwnedDir { path })
    }
}

impl Drop for OwnedDir {
    fn drop(&mut self) {
        if let Err(error) = fs::remove_dir_all(&self.path) {
            tracing::warn!(%error, path = %self.path.display(), "cannot remove the quorum's directory");
        }
    }
}
