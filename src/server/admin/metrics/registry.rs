//! The process-global counters the request path and the controller loop bump: per served API
//! (one fixed slot per row of [`APIS`]) the requests answered, the requests that got no
//! answer, and a latency histogram; and the controller's event counters. Everything is a
//! relaxed atomic, so recording never locks and never allocates; a scrape reads a snapshot.
//!
//! A process runs one node in production; nodes sharing a process (tests) share these.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kafka_protocol::messages::ApiKey;

use super::text::HistogramSample;
use crate::server::api::APIS;

/// Upper bounds of the request latency buckets, in seconds (a raft Fetch parks up to its
/// MaxWaitMs, Kafka's default 500 ms; a controller write waits for a quorum fsync).
pub const LATENCY_BUCKETS_SECONDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram: a count per bucket (not cumulative; the last one past every bound)
/// and the sum in nanoseconds.
#[derive(Debug)]
pub struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS_SECONDS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// An empty histogram.
    pub const fn new() -> Histogram {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; LATENCY_BUCKETS_SECONDS.len() + 1],
            sum_nanos: AtomicU64::new(0),
        }
    }

    /// Counts one observation.
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = LATENCY_BUCKETS_SECONDS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS_SECONDS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The cumulative buckets, sum (seconds) and count as of now.
    pub fn sample(&self) -> HistogramSample {
        let mut cumulative = 0;
        let bounds = LATENCY_BUCKETS_SECONDS
            .iter()
            .copied()
            .chain([f64::INFINITY]);
        let buckets = bounds
            .zip(&self.buckets)
            .map(|(bound, count)| {
                cumulative += count.load(Ordering::Relaxed);
                (bound, cumulative)
            })
            .collect();
        HistogramSample {
            buckets,
            sum: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            count: cumulative,
        }
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// What one API's requests came to.
#[derive(Debug)]
struct ApiRequests {
    requests: AtomicU64,
    failures: AtomicU64,
    total_time: Histogram,
}

impl ApiRequests {
    const fn new() -> ApiRequests {
        ApiRequests {
            requests: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            total_time: Histogram::new(),
        }
    }
}

static REQUESTS: [ApiRequests; APIS.len()] = [const { ApiRequests::new() }; APIS.len()];
static NEW_ACTIVE_CONTROLLERS: AtomicU64 = AtomicU64::new(0);
static TIMED_OUT_BROKER_HEARTBEATS: AtomicU64 = AtomicU64::new(0);

/// Records one request of `api` that took `elapsed` from parsed to its response encoded;
/// `answered` is false when it got no response (the connection is closed instead). APIs
/// outside [`APIS`] are not served and not counted.
pub fn record_request(api: ApiKey, elapsed: Duration, answered: bool) {
    let Some(slot) = APIS.iter().position(|spec| spec.key == api) else {
        return;
    };
    let metrics = &REQUESTS[slot];
    metrics.total_time.observe(elapsed);
    if !answered {
        metrics.failures.fetch_add(1, Ordering::Relaxed);
    }
    metrics.requests.fetch_add(1, Ordering::Relaxed);
}

/// One API's figures as of now.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSample {
    /// The API.
    pub api: ApiKey,
    /// Requests handled.
    pub requests: u64,
    /// Requests that got no response.
    pub failures: u64,
    /// Their latency.
    pub total_time: HistogramSample,
}

/// Every served API's figures, in [`APIS`] order.
pub fn requests() -> Vec<RequestSample> {
    APIS.iter()
        .zip(&REQUESTS)
        .map(|(spec, metrics)| RequestSample {
            api: spec.key,
            requests: metrics.requests.load(Ordering::Relaxed),
            failures: metrics.failures.load(Ordering::Relaxed),
            total_time: metrics.total_time.sample(),
        })
        .collect()
}

/// The controller loop became active (Kafka's NewActiveControllersCount).
pub fn new_active_controller() {
    NEW_ACTIVE_CONTROLLERS.fetch_add(1, Ordering::Relaxed);
}

/// How many times a controller loop of this process became active.
pub fn new_active_controllers() -> u64 {
    NEW_ACTIVE_CONTROLLERS.load(Ordering::Relaxed)
}

/// A broker's session timed out and its fencing was computed (Kafka's
/// TimedOutBrokerHeartbeatCount).
pub fn broker_heartbeat_timed_out() {
    TIMED_OUT_BROKER_HEARTBEATS.fetch_add(1, Ordering::Relaxed);
}

/// How many broker sessions timed out on this process's active controller.
pub fn timed_out_broker_heartbeats() -> u64 {
    TIMED_OUT_BROKER_HEARTBEATS.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_at_or_above_them() {
        let histogram = Histogram::new();
        histogram.observe(Duration::from_micros(500));
        histogram.observe(Duration::from_millis(3));
        histogram.observe(Duration::from_secs(60));
        let sample = histogram.sample();
        let at = |bound: f64| sample.buckets.iter().find(|(b, _)| *b == bound).unwrap().1;
        assert_eq!(at(0.0005), 1, "a bound is inclusive");
        assert_eq!(at(0.0025), 1);
        assert_eq!(at(0.005), 2);
        assert_eq!(at(10.0), 2);
        assert_eq!(at(f64::INFINITY), 3);
        assert_eq!(sample.count, 3);
        assert!((sample.sum - 60.0035).abs() < 1e-9, "{}", sample.sum);
    }

    #[test]
    fn a_request_counts_in_its_api_slot_and_its_histogram() {
        let before = requests();
        record_request(ApiKey::UnregisterBroker, Duration::from_millis(2), true);
        record_request(ApiKey::UnregisterBroker, Duration::from_millis(2), false);
        record_request(ApiKey::Produce, Duration::from_millis(2), true);
        let after = requests();
        let of = |samples: &[RequestSample]| {
            samples
                .iter()
                .find(|s| s.api == ApiKey::UnregisterBroker)
                .cloned()
                .unwrap()
        };
        let (before, after) = (of(&before), of(&after));
        assert_eq!(after.requests - before.requests, 2);
        assert_eq!(after.failures - before.failures, 1);
        assert_eq!(after.total_time.count - before.total_time.count, 2);
        assert!(requests().iter().all(|s| s.api != ApiKey::Produce));
    }
}
