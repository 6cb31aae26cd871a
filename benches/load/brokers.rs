//! Simulated brokers: each registers on its own connection (BrokerRegistration with the
//! cluster id, every feature the controller supports at the controller's range, one log
//! directory), then heartbeats on a schedule of its own until told to stop, one request in
//! flight as a real broker's `BrokerLifecycleManager` has.
//!
//! Latency is measured from when a heartbeat was due, not from when it was sent: a heartbeat
//! held back by a slow answer to the previous one counts its wait (no coordinated omission).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use kafka_protocol::messages::broker_registration_request::{Feature, Listener};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsResponse, BrokerHeartbeatRequest, BrokerId, BrokerRegistrationRequest,
    RequestKind, ResponseKind,
};
use kafka_protocol::protocol::StrBytes;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::wire::{negotiate, Conn};

/// Kafka's NOT_CONTROLLER: the node is not (yet) the active controller.
const NOT_CONTROLLER: i16 = 41;
/// How long one request may wait for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long registration may take before the broker gives up (a JVM warming up is slow).
const REGISTRATION_DEADLINE: Duration = Duration::from_secs(120);

/// One heartbeat's fate.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// When it was due, after the schedule's start.
    pub due: Duration,
    /// From due to answered (or to the failure).
    pub latency: Duration,
    /// Answered with no error.
    pub ok: bool,
    /// The broker was fenced after this heartbeat.
    pub fenced: bool,
}

/// What every simulated broker shares.
pub struct Fleet {
    /// The controller.
    pub addr: SocketAddr,
    /// The cluster id to register with.
    pub cluster_id: String,
    /// The highest broker epoch handed out, which every broker reports as its metadata offset
    /// (a real broker reports the offset it has replayed, past every registration it saw).
    pub metadata_offset: Arc<AtomicI64>,
    /// The schedule's start, set once every broker has registered.
    pub start: watch::Receiver<Option<Instant>>,
    /// Set when every broker is to stop heartbeating.
    pub stop: watch::Receiver<bool>,
}

/// One broker's identity and pace.
#[derive(Debug, Clone, Copy)]
pub struct BrokerPlan {
    /// Its broker id.
    pub id: i32,
    /// Its heartbeat interval.
    pub interval: Duration,
    /// Its first heartbeat, after the schedule's start.
    pub phase: Duration,
}

/// Heartbeat intervals spread over 0.75-1.25 of a mean interval, chosen so that `brokers`
/// together send `rate` heartbeats per second; first heartbeats spread over one interval.
pub fn plan(brokers: usize, rate: f64, first_id: i32) -> Vec<BrokerPlan> {
    let spread = |i: usize| 0.75 + 0.5 * (i as f64 + 0.5) / brokers as f64;
    let per_unit_interval: f64 = (0..brokers).map(|i| 1.0 / spread(i)).sum();
    let mean_interval_s = per_unit_interval / rate;
    (0..brokers)
        .map(|i| {
            let interval = Duration::from_secs_f64(mean_interval_s * spread(i));
            // A fixed, well-mixed phase per broker (golden-ratio sequence).
            let phase = interval.mul_f64((i as f64 * 0.618_033_988_75).fract());
            BrokerPlan {
                id: first_id + i as i32,
                interval,
                phase,
            }
        })
        .collect()
}

/// Registers, reports the registration through `registered`, then heartbeats from the
/// fleet's start until it is told to stop; returns every heartbeat's sample.
pub async fn run_broker(
    fleet: Arc<Fleet>,
    plan: BrokerPlan,
    registered: tokio::sync::mpsc::Sender<anyhow::Result<()>>,
) -> Vec<Sample> {
    let registration = register(&fleet, plan.id).await;
    let (mut conn, epoch, heartbeat_version) = match registration {
        Ok(done) => {
            let _ = registered.send(Ok(())).await;
            done
        }
        Err(error) => {
            let _ = registered.send(Err(error)).await;
            return Vec::new();
        }
    };
    drop(registered);
    let mut start = fleet.start.clone();
    let Ok(start) = start
        .wait_for(Option::is_some)
        .await
        .map(|s| s.expect("some"))
    else {
        return Vec::new();
    };
    let mut samples = Vec::new();
    let mut due = start + plan.phase;
    while !*fleet.stop.borrow() {
        tokio::time::sleep_until(due).await;
        let request = RequestKind::BrokerHeartbeat(
            BrokerHeartbeatRequest::default()
                .with_broker_id(BrokerId(plan.id))
                .with_broker_epoch(epoch)
                .with_current_metadata_offset(fleet.metadata_offset.load(Ordering::Relaxed)),
        );
        let answer = conn.call(request, heartbeat_version, REQUEST_TIMEOUT).await;
        let latency = due.elapsed();
        let (ok, fenced, broken) = match answer {
            Ok(ResponseKind::BrokerHeartbeat(r)) => (r.error_code == 0, r.is_fenced, false),
            Ok(_) | Err(_) => (false, true, true),
        };
        samples.push(Sample {
            due: due - start,
            latency,
            ok,
            fenced,
        });
        if broken {
            // The connection is out of step or gone: a real broker reconnects.
            if let Ok((fresh, _)) = Conn::open(fleet.addr, REQUEST_TIMEOUT).await {
                conn = fresh;
            }
        }
        due += plan.interval;
    }
    samples
}

/// Opens the broker's connection and registers it, retrying while the node is not (yet) the
/// active controller. Returns the connection, the broker epoch and the heartbeat version.
async fn register(fleet: &Fleet, id: i32) -> anyhow::Result<(Conn, i64, i16)> {
    let deadline = Instant::now() + REGISTRATION_DEADLINE;
    let incarnation = yakt_wire::Uuid::random();
    let log_dir = yakt_wire::Uuid::random();
    loop {
        match try_register(fleet, id, incarnation, log_dir).await {
            Ok(done) => return Ok(done),
            Err(error) if Instant::now() > deadline => {
                bail!("broker {id} could not register: {error:#}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn try_register(
    fleet: &Fleet,
    id: i32,
    incarnation: yakt_wire::Uuid,
    log_dir: yakt_wire::Uuid,
) -> anyhow::Result<(Conn, i64, i16)> {
    let (mut conn, versions) = Conn::open(fleet.addr, REQUEST_TIMEOUT).await?;
    let registration_version = negotiate(&versions, ApiKey::BrokerRegistration, 4)?;
    let heartbeat_version = negotiate(&versions, ApiKey::BrokerHeartbeat, 1)?;
    let request = registration_request(fleet, id, incarnation, log_dir, &versions);
    let answer = conn
        .call(request, registration_version, REQUEST_TIMEOUT)
        .await?;
    match answer {
        ResponseKind::BrokerRegistration(r) if r.error_code == 0 => {
            fleet
                .metadata_offset
                .fetch_max(r.broker_epoch, Ordering::Relaxed);
            Ok((conn, r.broker_epoch, heartbeat_version))
        }
        ResponseKind::BrokerRegistration(r) if r.error_code == NOT_CONTROLLER => {
            bail!("not the active controller yet")
        }
        ResponseKind::BrokerRegistration(r) => {
            // Not retried usefully, but the deadline bounds it and the error is reported.
            bail!("BrokerRegistration error {}", r.error_code)
        }
        other => bail!("unexpected answer {other:?}"),
    }
}

fn registration_request(
    fleet: &Fleet,
    id: i32,
    incarnation: yakt_wire::Uuid,
    log_dir: yakt_wire::Uuid,
    versions: &ApiVersionsResponse,
) -> RequestKind {
    // Every feature the controller supports, at the controller's own range, and every other
    // finalized feature up to its finalized level: each finalized level is then in range.
    let mut features: Vec<Feature> = versions
        .supported_features
        .iter()
        .map(|f| {
            Feature::default()
                .with_name(f.name.clone())
                .with_min_supported_version(f.min_version)
                .with_max_supported_version(f.max_version)
        })
        .collect();
    for finalized in &versions.finalized_features {
        if !features.iter().any(|f| f.name == finalized.name) {
            features.push(
                Feature::default()
                    .with_name(finalized.name.clone())
                    .with_min_supported_version(0)
                    .with_max_supported_version(finalized.max_version_level),
            );
        }
    }
    let listener = Listener::default()
        .with_name(StrBytes::from_static_str("PLAINTEXT"))
        .with_host(StrBytes::from_static_str("127.0.0.1"))
        .with_port(20_000u16.wrapping_add(id as u16))
        .with_security_protocol(0);
    RequestKind::BrokerRegistration(
        BrokerRegistrationRequest::default()
            .with_broker_id(BrokerId(id))
            .with_cluster_id(StrBytes::from_string(fleet.cluster_id.clone()))
            .with_incarnation_id(incarnation.into())
            .with_listeners(vec![listener])
            .with_features(features)
            .with_log_dirs(vec![log_dir.into()]),
    )
}
