//! Prometheus metrics at `GET /metrics` (text exposition format 0.0.4): the figures a Kafka
//! operator watches on a KRaft controller, each family's help naming the Kafka metric it
//! mirrors.
//!
//! Names: Kafka's metric name in snake_case under a prefix saying whose figure it is:
//! `kafka_controller_` for what a Kafka controller node reports about itself and its image
//! (`kafka.controller:type=KafkaController`, the `kafka.server:type=MetadataLoader` levels and
//! the `kafka.network:type=RequestMetrics` of the requests it serves), `kafka_raft_` for
//! Kafka's `raft-metrics` group, and `yakt_` for figures Kafka has no metric for. Counters end
//! in `_total` (Kafka's `Count`/`PerSec` suffix dropped); times are seconds (`_seconds`), so
//! Kafka's `TotalTimeMs` is `kafka_controller_request_total_time_seconds`.
//!
//! Sources: the committed image is read inside the controller loop at scrape time
//! ([`image`]); raft's figures from the raft loop's published status; request counts and
//! latencies and the controller's event counters from process-global atomics the request
//! path and the controller loop bump ([`registry`]); the process from `/proc` ([`process`]).

pub mod image;
pub mod process;
pub mod registry;
pub mod text;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;

use super::AdminState;
use crate::raft::RoleKind;
use crate::server::raft_driver::RaftStatus;
use image::ImageFigures;
use text::{Exposition, Kind};

pub use registry::{broker_heartbeat_timed_out, new_active_controller, record_request};

/// The metrics route.
pub fn routes() -> Router<Arc<AdminState>> {
    Router::new().route("/metrics", get(scrape))
}

/// How long a scrape waits for the controller loop to count the image (Prometheus' default
/// scrape timeout is 10 s); past it the image's figures are left out of that scrape.
const IMAGE_QUERY_TIMEOUT: Duration = Duration::from_secs(5);

async fn scrape(
    State(state): State<Arc<AdminState>>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let query = state.controller.query(ImageFigures::of);
    let image = match tokio::time::timeout(IMAGE_QUERY_TIMEOUT, query).await {
        Ok(Ok(figures)) => Some(figures),
        Ok(Err(error)) => {
            tracing::warn!(%error, "metrics: the controller loop did not count the image");
            None
        }
        Err(_) => {
            tracing::warn!("metrics: the controller loop was too busy to count the image");
            None
        }
    };
    let mut out = Exposition::new();
    write_controller(&mut out, state.controller.is_active(), image.as_ref());
    write_raft(&mut out, &state.raft.status());
    write_requests(&mut out);
    write_process(&mut out);
    ([(CONTENT_TYPE, text::CONTENT_TYPE)], out.finish())
}

/// The controller's gauges and counters; the image's only when the controller loop answered.
pub fn write_controller(out: &mut Exposition, active: bool, image: Option<&ImageFigures>) {
    out.gauge(
        "kafka_controller_active_controller_count",
        "1 on the active controller, else 0 (kafka.controller:type=KafkaController,name=ActiveControllerCount).",
        f64::from(u8::from(active)),
    );
    counter(
        out,
        "kafka_controller_new_active_controllers_total",
        "Times this process's controller became active (kafka.controller:type=KafkaController,name=NewActiveControllersCount).",
        registry::new_active_controllers(),
    );
    counter(
        out,
        "kafka_controller_timed_out_broker_heartbeat_total",
        "Brokers fenced by this process's active controller because their session timed out (kafka.controller:type=KafkaController,name=TimedOutBrokerHeartbeatCount).",
        registry::timed_out_broker_heartbeats(),
    );
    let Some(image) = image else { return };
    let gauges = [
        ("kafka_controller_last_committed_record_offset", "The offset of the last committed record in the metadata image (kafka.controller:type=KafkaController,name=LastCommittedRecordOffset).", image.last_committed_offset as f64),
        ("kafka_controller_global_topic_count", "Topics in the committed metadata (kafka.controller:type=KafkaController,name=GlobalTopicCount).", image.topics as f64),
        ("kafka_controller_global_partition_count", "Partitions in the committed metadata (kafka.controller:type=KafkaController,name=GlobalPartitionCount).", image.partitions as f64),
        ("kafka_controller_offline_partitions_count", "Partitions without a leader (kafka.controller:type=KafkaController,name=OfflinePartitionsCount).", image.offline_partitions as f64),
        ("kafka_controller_preferred_replica_imbalance_count", "Partitions whose leader is not the preferred (first) replica (kafka.controller:type=KafkaController,name=PreferredReplicaImbalanceCount).", image.preferred_replica_imbalance as f64),
        ("kafka_controller_fenced_broker_count", "Registered brokers that are fenced (kafka.controller:type=KafkaController,name=FencedBrokerCount).", image.fenced_brokers as f64),
        ("kafka_controller_active_broker_count", "Registered brokers that are not fenced (kafka.controller:type=KafkaController,name=ActiveBrokerCount).", image.active_brokers as f64),
    ];
    for (name, help, value) in gauges {
        out.gauge(name, help, value);
    }
    if let Some(level) = image.metadata_version {
        out.gauge(
            "kafka_controller_current_metadata_version",
            "The finalized metadata.version feature level (kafka.server:type=MetadataLoader,name=CurrentMetadataVersion).",
            f64::from(level),
        );
    }
    let name = "kafka_controller_finalized_level";
    out.family(
        name,
        Kind::Gauge,
        "Each finalized feature's level, by its dotted name (kafka.server:type=MetadataLoader,name=FinalizedLevel,featureName=<camelCase name>).",
    );
    for (feature, level) in &image.finalized_levels {
        out.sample(name, &[("feature", feature)], f64::from(*level));
    }
}

/// Kafka's `raft-metrics` figures from raft's status.
pub fn write_raft(out: &mut Exposition, status: &RaftStatus) {
    out.gauge(
        "kafka_raft_current_leader",
        "The current quorum leader's id, -1 if unknown (kafka.server:type=raft-metrics,name=current-leader).",
        f64::from(status.leader_id.unwrap_or(-1)),
    );
    out.gauge(
        "kafka_raft_current_epoch",
        "The current quorum epoch (kafka.server:type=raft-metrics,name=current-epoch).",
        f64::from(status.epoch),
    );
    let name = "kafka_raft_current_state";
    out.family(
        name,
        Kind::Gauge,
        "1 for this node's raft role, 0 for the others (kafka.server:type=raft-metrics,name=current-state, a string there; Kafka reports a resigned leader as unattached and has no separate voted or observer here).",
    );
    for role in ROLES {
        let value = f64::from(u8::from(status.role == role));
        out.sample(name, &[("state", role.name())], value);
    }
    out.gauge(
        "kafka_raft_high_watermark",
        "The high watermark, -1 until known (kafka.server:type=raft-metrics,name=high-watermark).",
        status.high_watermark.unwrap_or(-1) as f64,
    );
    out.gauge(
        "kafka_raft_log_end_offset",
        "One past the last record in the local metadata log (kafka.server:type=raft-metrics,name=log-end-offset).",
        status.log_end_offset as f64,
    );
}

const ROLES: [RoleKind; 6] = [
    RoleKind::Unattached,
    RoleKind::Prospective,
    RoleKind::Candidate,
    RoleKind::Leader,
    RoleKind::Follower,
    RoleKind::Resigned,
];

/// Requests by API: counts, those left unanswered, and the latency histogram.
pub fn write_requests(out: &mut Exposition) {
    let samples = registry::requests();
    let names: Vec<String> = samples.iter().map(|s| format!("{:?}", s.api)).collect();
    let name = "kafka_controller_requests_total";
    out.family(
        name,
        Kind::Counter,
        "Requests handled, by API (kafka.network:type=RequestMetrics,name=RequestsPerSec,request=<API>).",
    );
    for (sample, api) in samples.iter().zip(&names) {
        out.sample(name, &[("request", api)], sample.requests as f64);
    }
    let name = "yakt_request_failures_total";
    out.family(
        name,
        Kind::Counter,
        "Requests, by API, that got no response because handling failed and their connection was closed (a Kafka error code in a response counts as answered).",
    );
    for (sample, api) in samples.iter().zip(&names) {
        out.sample(name, &[("request", api)], sample.failures as f64);
    }
    let name = "kafka_controller_request_total_time_seconds";
    out.family(
        name,
        Kind::Histogram,
        "Time from a parsed request to its encoded response, by API (kafka.network:type=RequestMetrics,name=TotalTimeMs,request=<API>, in seconds).",
    );
    for (sample, api) in samples.iter().zip(&names) {
        out.histogram(name, &[("request", api)], &sample.total_time);
    }
}

/// The process's memory, start time and uptime.
pub fn write_process(out: &mut Exposition) {
    if let Some(bytes) = process::resident_memory_bytes() {
        out.gauge(
            "yakt_process_resident_memory_bytes",
            "Resident memory in bytes (/proc/self/statm).",
            bytes as f64,
        );
    }
    let Some(start) = process::start_time_seconds() else {
        return;
    };
    out.gauge(
        "yakt_process_start_time_seconds",
        "When the process started, in seconds since the Unix epoch (a JVM's java.lang:type=Runtime StartTime).",
        start,
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(start, |d| d.as_secs_f64());
    out.gauge(
        "yakt_process_uptime_seconds",
        "Seconds since the process started (a JVM's java.lang:type=Runtime Uptime).",
        (now - start).max(0.0),
    );
}

fn counter(out: &mut Exposition, name: &str, help: &str, value: u64) {
    out.family(name, Kind::Counter, help);
    out.sample(name, &[], value as f64);
}
