//! KIP-919 controller registration from this node's side (Kafka's
//! `ControllerRegistrationManager`): once the committed image has caught up and its
//! `metadata.version` is 3.7-IV0 or newer, send ControllerRegistration v0 to the active
//! controller (the raft leader, this node included) with a per-process incarnation id, the
//! advertised controller listeners and the supported feature ranges; retry with exponential
//! backoff on errors (after NOT_CONTROLLER, at once when raft names a new leader); stop sending
//! once the image holds exactly this registration, and send again whenever it does not.
//!
//! Owns the decision ([`decide`], sans-IO, unit-tested), the [`RegistrationView`] of the
//! committed image that the controller loop publishes (also read by DescribeCluster), and the
//! tokio task that carries the decision out over a [`Peer`].

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::controller_registration_request::{Feature, Listener};
use kafka_protocol::messages::{ControllerRegistrationRequest, RequestKind, ResponseKind};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::watch;
use tokio::time::Instant;
use yakt_wire::{ControllerEndpoint, Uuid};

use super::client::{Peer, PeerOptions};
use super::controller_api::NOT_CONTROLLER;
use super::controller_driver::ControllerHandle;
use super::raft_driver::{RaftHandle, RaftStatus};
use crate::config::{ControllerConfig, SecurityProtocol};
use crate::controller::image::cluster::ControllerRegistration;
use crate::controller::versions::Mv;
use crate::controller::Replayer;
use crate::raft;

/// Kafka's `ControllerRegistrationManager` backoff: 100 ms, doubled per failure, at most 120 s.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between attempts after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(120);
/// How long an acknowledged registration may take to show in the committed image before it
/// is sent again (the record may have been lost with a leader that resigned).
const RESEND_AFTER_ACK: Duration = Duration::from_secs(5);

/// What the committed image says about controller registrations, as the controller loop
/// publishes it after each committed batch or loaded snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistrationView {
    /// The finalized `metadata.version` level, `None` before the bootstrap records commit.
    pub metadata_version: Option<i16>,
    /// Whether the image has once caught up with the high watermark raft knew.
    pub caught_up: bool,
    /// The registered controllers, by id.
    pub controllers: Arc<BTreeMap<i32, ControllerRegistration>>,
}

impl RegistrationView {
    /// The view after `committed` replayed up to its last committed offset, with raft's
    /// `high_watermark` (exclusive) at that moment. Catching up is remembered.
    pub fn next(&self, committed: &Replayer, high_watermark: Option<i64>) -> RegistrationView {
        let image = committed.image();
        let applied_end = committed.last_committed_offset() + 1;
        let controllers = image.cluster.controllers();
        RegistrationView {
            metadata_version: image.features.metadata_version_level(),
            caught_up: self.caught_up || high_watermark.is_some_and(|hwm| applied_end >= hwm),
            controllers: if *self.controllers == *controllers {
                Arc::clone(&self.controllers)
            } else {
                Arc::new(controllers.clone())
            },
        }
    }

    /// Whether the finalized `metadata.version` lets controllers register (3.7-IV0 on).
    pub fn registration_supported(&self) -> bool {
        self.metadata_version
            .is_some_and(|level| Mv(level).controller_registration())
    }
}

/// Publishes the view of `committed` if it differs from the last one.
pub fn publish(
    views: &watch::Sender<RegistrationView>,
    committed: &Replayer,
    high_watermark: Option<i64>,
) {
    views.send_if_modified(|current| {
        let next = current.next(committed, high_watermark);
        let changed = *current != next;
        *current = next;
        changed
    });
}

/// What this controller registers: the body of its ControllerRegistration.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// `node.id`.
    pub controller_id: i32,
    /// Random per process start.
    pub incarnation_id: Uuid,
    /// The advertised controller listeners, in `controller.listener.names` order.
    pub listeners: Vec<ControllerEndpoint>,
    /// The supported feature ranges `(min, max)`, by name.
    pub features: BTreeMap<String, (i16, i16)>,
}

impl Registration {
    /// Whether `registered` (from the image) is exactly this registration.
    pub fn is_held_by(&self, registered: &ControllerRegistration) -> bool {
        let by_name = |listeners: &[ControllerEndpoint]| {
            let mut sorted = listeners.to_vec();
            sorted.sort_by(|a, b| a.name.cmp(&b.name));
            sorted
        };
        registered.id == self.controller_id
            && registered.incarnation_id == self.incarnation_id
            && !registered.zk_migration_ready
            && by_name(&registered.listeners) == by_name(&self.listeners)
            && registered.supported_features == self.features
    }

    /// The ControllerRegistration v0 request.
    pub fn request(&self) -> ControllerRegistrationRequest {
        let listeners = self
            .listeners
            .iter()
            .map(|l| {
                Listener::default()
                    .with_name(StrBytes::from_string(l.name.clone()))
                    .with_host(StrBytes::from_string(l.host.clone()))
                    .with_port(l.port)
                    .with_security_protocol(l.security_protocol)
            })
            .collect();
        let features = self
            .features
            .iter()
            .map(|(name, (min, max))| {
                Feature::default()
                    .with_name(StrBytes::from_string(name.clone()))
                    .with_min_supported_version(*min)
                    .with_max_supported_version(*max)
            })
            .collect();
        ControllerRegistrationRequest::default()
            .with_controller_id(self.controller_id)
            .with_incarnation_id(self.incarnation_id.into())
            .with_zk_migration_ready(false)
            .with_listeners(listeners)
            .with_features(features)
    }
}

/// What to do about registering, given the committed image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The image holds this registration: send nothing.
    Registered,
    /// The image has not caught up, or its `metadata.version` is older than 3.7-IV0.
    WaitForMetadata,
    /// The image holds no registration for this id, or another one: send ours.
    Send,
}

/// Decides whether `ours` must be sent, from the committed image's `view`.
pub fn decide(ours: &Registration, view: &RegistrationView) -> Decision {
    if !view.caught_up || !view.registration_supported() {
        return Decision::WaitForMetadata;
    }
    match view.controllers.get(&ours.controller_id) {
        Some(registered) if ours.is_held_by(registered) => Decision::Registered,
        _ => Decision::Send,
    }
}

/// Kafka's security protocol ids (`SecurityProtocol.id`).
pub fn security_protocol_id(protocol: SecurityProtocol) -> i16 {
    match protocol {
        SecurityProtocol::Plaintext => 0,
        SecurityProtocol::Ssl => 1,
        SecurityProtocol::SaslPlaintext => 2,
        SecurityProtocol::SaslSsl => 3,
    }
}

/// The listeners to register (Kafka's `ListenerInfo` of `effectiveAdvertisedControllerListeners`
/// with wildcard hosts resolved and ephemeral ports corrected): an empty host becomes
/// `host_name`, port 0 the port `bound` shows for that listener.
pub fn advertised_listeners(
    config: &ControllerConfig,
    bound: &[(String, SocketAddr)],
    host_name: &str,
) -> Vec<ControllerEndpoint> {
    config
        .advertised_listeners
        .iter()
        .map(|endpoint| {
            let name = &endpoint.listener_name;
            let bound_port = bound.iter().find(|(n, _)| n == name).map(|(_, a)| a.port());
            ControllerEndpoint {
                name: name.clone(),
                host: if endpoint.host.trim().is_empty() {
                    host_name.to_owned()
                } else {
                    endpoint.host.clone()
                },
                port: match (endpoint.port, bound_port) {
                    (0, Some(port)) => port,
                    (port, _) => port,
                },
                security_protocol: config
                    .security_protocol(name)
                    .map_or(0, security_protocol_id),
                ..Default::default()
            }
        })
        .collect()
}

/// This machine's host name (Kafka resolves wildcard hosts to the canonical one), `localhost`
/// when it cannot be read.
pub fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Exponential backoff as Kafka's `ExponentialBackoff`: `INITIAL_BACKOFF` doubled per
/// consecutive failure, times a random factor within ±`JITTER` (so controllers that failed
/// together do not retry together), at most `MAX_BACKOFF`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Backoff {
    failures: u32,
}

/// Kafka's `ControllerRegistrationManager` jitter.
const JITTER: f64 = 0.02;

impl Backoff {
    /// The wait after one more failure.
    pub fn next_delay(&mut self) -> Duration {
        let mut bytes = [0u8; 8];
        // Without a random source the wait is simply not spread.
        let unit = match getrandom::fill(&mut bytes) {
            Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
            Err(_) => 0.5,
        };
        self.next_delay_with(unit)
    }

    /// The wait after one more failure, `unit` in [0, 1) choosing the random factor.
    fn next_delay_with(&mut self, unit: f64) -> Duration {
        let term = INITIAL_BACKOFF.saturating_mul(1u32 << self.failures.min(20));
        self.failures = self.failures.saturating_add(1);
        let factor = 1.0 - JITTER + 2.0 * JITTER * unit;
        term.mul_f64(factor).min(MAX_BACKOFF)
    }

    /// Forgets the failures.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// What the registration task reaches.
pub struct RegistrationTask {
    /// What to register.
    pub registration: Registration,
    /// The controller loop (its published [`RegistrationView`]).
    pub controller: ControllerHandle,
    /// The raft loop (who leads).
    pub raft: RaftHandle,
    /// Each voter's controller endpoint, to reach the leader.
    pub voters: BTreeMap<raft::NodeId, raft::Endpoint>,
    /// The deadline of one request.
    pub request_timeout: Duration,
    /// How to connect to the leader (the controller listener's security).
    pub peer_options: PeerOptions,
}

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// No leader, or the one asked did not answer as the active controller: retry after the
    /// backoff, or at once when raft names another leader.
    #[error("{reason} (asked {asked:?})")]
    NotController {
        asked: Option<raft::NodeId>,
        reason: String,
    },
    /// Anything else: retry after the backoff.
    #[error("{0}")]
    Other(String),
}

impl RegistrationTask {
    /// Runs until the controller loop stops.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let mut views = self.controller.registration_view();
        let mut status = self.raft.watch();
        let mut peers = HashMap::new();
        let mut backoff = Backoff::default();
        let mut not_before: Option<Instant> = None;
        let mut refused_by: Option<Option<raft::NodeId>> = None;
        let mut registered = false;
        loop {
            let view = views.borrow_and_update().clone();
            let leader = status.borrow_and_update().leader_id;
            if refused_by.is_some_and(|refused| refused != leader) {
                // A new leader: the wait was for it, not for the backoff.
                not_before = None;
                refused_by = None;
            }
            let decision = decide(&self.registration, &view);
            if decision == Decision::Registered && !registered {
                tracing::info!(incarnation_id = %self.registration.incarnation_id,
                    "this controller's registration is in the metadata log");
                backoff.reset();
                not_before = None;
            }
            registered = decision == Decision::Registered;
            let due = not_before.is_none_or(|at| Instant::now() >= at);
            if decision == Decision::Send && due {
                match self.attempt(leader, &view, &mut peers).await {
                    Ok(()) => {
                        backoff.reset();
                        not_before = Some(Instant::now() + RESEND_AFTER_ACK);
                    }
                    Err(failure) => {
                        let delay = backoff.next_delay();
                        tracing::info!(%failure, ?delay, "controller registration failed");
                        if let Failure::NotController { asked, .. } = failure {
                            refused_by = Some(asked);
                        }
                        not_before = Some(Instant::now() + delay);
                    }
                }
                continue;
            }
            let wake_at = not_before.filter(|_| decision == Decision::Send);
            if !wait_for_change(&mut views, &mut status, wake_at).await {
                return;
            }
        }
    }

    /// Sends the registration to the raft leader once.
    async fn attempt(
        &self,
        leader: Option<raft::NodeId>,
        view: &RegistrationView,
        peers: &mut HashMap<raft::NodeId, Peer>,
    ) -> Result<(), Failure> {
        let leader = leader.ok_or_else(|| Failure::NotController {
            asked: None,
            reason: "no leader is known".into(),
        })?;
        let refused = |reason: String| Failure::NotController {
            asked: Some(leader),
            reason,
        };
        let peer = match peers.get(&leader) {
            Some(peer) => peer.clone(),
            None => {
                let peer = self.peer(leader, view).await.map_err(Failure::Other)?;
                peers.insert(leader, peer.clone());
                peer
            }
        };
        let request = RequestKind::ControllerRegistration(self.registration.request());
        tracing::info!(leader, incarnation_id = %self.registration.incarnation_id,
            "sending ControllerRegistration");
        let (_, response) = peer
            .call(request, 0..=0, self.request_timeout)
            .await
            .map_err(|error| refused(error.to_string()))?;
        let ResponseKind::ControllerRegistration(response) = response else {
            return Err(Failure::Other("a response of another API".into()));
        };
        match response.error_code {
            0 => Ok(()),
            NOT_CONTROLLER => Err(refused("NOT_CONTROLLER".into())),
            code => Err(Failure::Other(format!(
                "error {code}: {}",
                response.error_message.as_deref().unwrap_or("")
            ))),
        }
    }

    /// A connection handle to voter `id`'s controller endpoint.
    async fn peer(&self, id: raft::NodeId, view: &RegistrationView) -> Result<Peer, String> {
        let listener = self.registration.listeners.first().map(|l| l.name.as_str());
        let endpoint = leader_endpoint(id, &self.voters, view, listener)
            .ok_or_else(|| format!("no endpoint is known for the leader {id}"))?;
        let addr = tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port))
            .await
            .map_err(|e| format!("cannot resolve {}:{}: {e}", endpoint.host, endpoint.port))?
            .next()
            .ok_or_else(|| format!("no address for {}", endpoint.host))?;
        let options = PeerOptions {
            client_id: format!(
                "controller-{}-registration",
                self.registration.controller_id
            ),
            connect_timeout: self.request_timeout,
            server_name: Some(endpoint.host.clone()),
            ..self.peer_options.clone()
        };
        Ok(Peer::new(addr, options))
    }
}

/// Where to reach controller `id`: its endpoint in the configured voter set, else the one its
/// registration names on `listener` (a voter added after start-up registered there), else its
/// first registered one.
pub fn leader_endpoint(
    id: raft::NodeId,
    voters: &BTreeMap<raft::NodeId, raft::Endpoint>,
    view: &RegistrationView,
    listener: Option<&str>,
) -> Option<raft::Endpoint> {
    if let Some(endpoint) = voters.get(&id) {
        return Some(endpoint.clone());
    }
    let listeners = &view.controllers.get(&id)?.listeners;
    let endpoint = listeners
        .iter()
        .find(|l| Some(l.name.as_str()) == listener)
        .or(listeners.first())?;
    Some(raft::Endpoint {
        host: endpoint.host.clone(),
        port: endpoint.port,
    })
}

/// Waits until the view or raft's status changes, or until `wake_at`; `false` once the
/// controller loop has stopped.
async fn wait_for_change(
    views: &mut watch::Receiver<RegistrationView>,
    status: &mut watch::Receiver<RaftStatus>,
    wake_at: Option<Instant>,
) -> bool {
    let sleep = async {
        match wake_at {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        changed = views.changed() => changed.is_ok(),
        changed = status.changed() => changed.is_ok(),
        () = sleep => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Endpoint;
    use crate::controller::feature_updates::supported_features;

    fn ours() -> Registration {
        Registration {
            controller_id: 2,
            incarnation_id: Uuid::new(7, 7),
            listeners: vec![endpoint("CONTROLLER", 9093), endpoint("SECOND", 9193)],
            features: supported_features(),
        }
    }

    fn endpoint(name: &str, port: u16) -> ControllerEndpoint {
        ControllerEndpoint {
            name: name.into(),
            host: "c2".into(),
            port,
            ..Default::default()
        }
    }

    /// The image's registration, as replaying the request's record makes it.
    fn as_registered(registration: &Registration) -> ControllerRegistration {
        ControllerRegistration {
            id: registration.controller_id,
            incarnation_id: registration.incarnation_id,
            zk_migration_ready: false,
            listeners: registration.listeners.clone(),
            supported_features: registration.features.clone(),
        }
    }

    fn view_with(registered: Option<ControllerRegistration>) -> RegistrationView {
        RegistrationView {
            metadata_version: Some(25),
            caught_up: true,
            controllers: Arc::new(registered.into_iter().map(|r| (r.id, r)).collect()),
        }
    }

    #[test]
    fn sends_when_no_registration_holds_this_id() {
        assert_eq!(decide(&ours(), &view_with(None)), Decision::Send);
        let mut other_node = as_registered(&ours());
        other_node.id = 3;
        assert_eq!(
            decide(&ours(), &view_with(Some(other_node))),
            Decision::Send
        );
    }

    #[test]
    fn stops_once_the_image_holds_exactly_this_registration() {
        let registered = as_registered(&ours());
        assert_eq!(
            decide(&ours(), &view_with(Some(registered.clone()))),
            Decision::Registered
        );
        // Listener order is not part of the registration's meaning.
        let mut reordered = registered;
        reordered.listeners.reverse();
        assert_eq!(
            decide(&ours(), &view_with(Some(reordered))),
            Decision::Registered
        );
    }

    #[test]
    fn registers_again_when_the_image_holds_another_incarnation_listeners_or_features() {
        let registered = as_registered(&ours());
        let mut changes: Vec<ControllerRegistration> = Vec::new();
        let mut restarted = registered.clone();
        restarted.incarnation_id = Uuid::new(8, 8);
        changes.push(restarted);
        let mut moved = registered.clone();
        moved.listeners[0].port = 9999;
        changes.push(moved);
        let mut fewer = registered.clone();
        fewer.listeners.pop();
        changes.push(fewer);
        let mut protocol = registered.clone();
        protocol.listeners[1].security_protocol = 1;
        changes.push(protocol);
        let mut older = registered.clone();
        older
            .supported_features
            .insert("metadata.version".into(), (7, 25));
        changes.push(older);
        let mut extra = registered.clone();
        extra
            .supported_features
            .insert("new.feature".into(), (0, 1));
        changes.push(extra);
        let mut migrating = registered;
        migrating.zk_migration_ready = true;
        changes.push(migrating);
        for change in changes {
            assert_eq!(
                decide(&ours(), &view_with(Some(change.clone()))),
                Decision::Send,
                "{change:?}"
            );
        }
    }

    #[test]
    fn waits_for_a_caught_up_image_at_3_7_iv0_or_later() {
        let mut view = view_with(None);
        view.caught_up = false;
        assert_eq!(decide(&ours(), &view), Decision::WaitForMetadata);
        view.caught_up = true;
        for (level, expected) in [
            (None, Decision::WaitForMetadata),
            (Some(7), Decision::WaitForMetadata),
            (Some(14), Decision::WaitForMetadata),
            (Some(15), Decision::Send),
            (Some(30), Decision::Send),
        ] {
            view.metadata_version = level;
            assert_eq!(decide(&ours(), &view), expected, "{level:?}");
        }
    }

    #[test]
    fn the_view_follows_the_committed_image_and_remembers_catching_up() {
        use yakt_wire::{FeatureLevelRecord, MetadataRecord, RegisterControllerRecord};
        let mut replayer = Replayer::new();
        let start = RegistrationView::default().next(&replayer, None);
        assert_eq!((start.metadata_version, start.caught_up), (None, false));
        let records: Vec<MetadataRecord> = vec![
            FeatureLevelRecord {
                name: "metadata.version".into(),
                feature_level: 25,
                ..Default::default()
            }
            .into(),
            as_registered(&ours()).to_record().into(),
            RegisterControllerRecord {
                controller_id: 1,
                ..Default::default()
            }
            .into(),
        ];
        for (offset, record) in records.iter().enumerate() {
            replayer.replay(record, offset as i64).unwrap();
        }
        // Applied through offset 2; raft's high watermark 5 is ahead.
        let behind = start.next(&replayer, Some(5));
        assert!(!behind.caught_up);
        assert_eq!(behind.metadata_version, Some(25));
        assert_eq!(
            behind.controllers.keys().copied().collect::<Vec<_>>(),
            vec![1, 2]
        );
        let caught_up = behind.next(&replayer, Some(3));
        assert!(caught_up.caught_up);
        assert_eq!(decide(&ours(), &caught_up), Decision::Registered);
        assert!(caught_up.next(&replayer, Some(50)).caught_up);
    }

    #[test]
    fn the_request_carries_what_is_registered() {
        let request = ours().request();
        assert_eq!(request.controller_id, 2);
        assert_eq!(Uuid::from(request.incarnation_id), Uuid::new(7, 7));
        assert!(!request.zk_migration_ready);
        let listeners: Vec<_> = request
            .listeners
            .iter()
            .map(|l| {
                (
                    l.name.to_string(),
                    l.host.to_string(),
                    l.port,
                    l.security_protocol,
                )
            })
            .collect();
        assert_eq!(
            listeners,
            vec![
                ("CONTROLLER".into(), "c2".into(), 9093, 0),
                ("SECOND".into(), "c2".into(), 9193, 0)
            ]
        );
        let features: BTreeMap<_, _> = request
            .features
            .iter()
            .map(|f| {
                (
                    f.name.to_string(),
                    (f.min_supported_version, f.max_supported_version),
                )
            })
            .collect();
        assert_eq!(features, supported_features());
        assert!(
            features.contains_key("metadata.version") && features.contains_key("kraft.version")
        );
    }

    #[test]
    fn advertised_listeners_resolve_wildcard_hosts_and_ephemeral_ports() {
        let mut config = crate::config::ControllerConfigBuilder::new(1)
            .listener("127.0.0.1", 9093)
            .set("controller.quorum.voters", "1@127.0.0.1:9093")
            .metadata_log_dir(std::path::Path::new("/tmp/unused"))
            .build()
            .unwrap();
        config.advertised_listeners = vec![
            Endpoint::new("CONTROLLER", "", 0),
            Endpoint::new("SECURE", "c.example", 9094),
        ];
        config
            .listener_security_protocol_map
            .insert("SECURE".into(), SecurityProtocol::SaslSsl);
        let bound = [
            (
                "CONTROLLER".to_string(),
                SocketAddr::from(([0, 0, 0, 0], 41000)),
            ),
            ("SECURE".to_string(), SocketAddr::from(([0, 0, 0, 0], 9094))),
        ];
        let listeners = advertised_listeners(&config, &bound, "node1.example");
        let seen: Vec<_> = listeners
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.host.as_str(),
                    l.port,
                    l.security_protocol,
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("CONTROLLER", "node1.example", 41000, 0),
                ("SECURE", "c.example", 9094, 3)
            ]
        );
    }

    #[test]
    fn the_leader_is_reached_at_its_voter_endpoint_else_at_its_registered_one() {
        let voters: BTreeMap<_, _> = [(
            1,
            raft::Endpoint {
                host: "v1".into(),
                port: 9001,
            },
        )]
        .into();
        let mut added = as_registered(&ours());
        added.id = 4;
        let view = view_with(Some(added));
        let at = |id| leader_endpoint(id, &voters, &view, Some("SECOND")).map(|e| (e.host, e.port));
        assert_eq!(at(1), Some(("v1".into(), 9001)));
        assert_eq!(at(4), Some(("c2".into(), 9193)));
        assert_eq!(at(5), None);
        let first = leader_endpoint(4, &voters, &view, Some("NONE")).map(|e| e.port);
        assert_eq!(first, Some(9093));
    }

    #[test]
    fn backoff_doubles_from_100_ms_up_to_120_s_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<_> = (0..4).map(|_| backoff.next_delay_with(0.5)).collect();
        assert_eq!(delays, [100, 200, 400, 800].map(Duration::from_millis));
        for _ in 0..30 {
            backoff.next_delay();
        }
        assert_eq!(backoff.next_delay_with(0.99), MAX_BACKOFF);
        backoff.reset();
        assert_eq!(backoff.next_delay_with(0.5), INITIAL_BACKOFF);
    }

    #[test]
    fn backoff_spreads_each_wait_by_two_percent() {
        let at = |unit: f64| Backoff { failures: 3 }.next_delay_with(unit);
        assert_eq!(at(0.0), Duration::from_millis(784));
        assert_eq!(at(0.5), Duration::from_millis(800));
        assert!(at(0.999_999) < Duration::from_millis(816));
        let spread: std::collections::BTreeSet<_> = (0..64)
            .map(|_| Backoff { failures: 3 }.next_delay())
            .collect();
        assert!(spread.len() > 1, "random factors differ: {spread:?}");
        assert!(spread.iter().all(|d| (784..816).contains(&d.as_millis())));
    }
}
