//! Load on one controller, judged from outside (reliability item 6): idle connections held,
//! broker heartbeats at a steady rate with their latency, and slow clients that never read.
//! The same generator runs against yakt and against Kafka's own controller;
//! `scripts/bench-load` starts each and prints the comparison.
//!
//! `cargo bench --bench load -- run <host:port> <server pid> <cluster id> [options]` prints
//! `key<TAB>value` lines; `... -- compare <yakt file> <kafka file>` prints a markdown table.
//! The phases of `run`, in order:
//! 1. ApiVersions round trips on one connection (the baseline probe) and the server's RSS;
//! 2. `--connections` connections opened, each completing ApiVersions, then left idle for the
//!    rest of the run; the probe again and the RSS;
//! 3. `--brokers` brokers registered, each on its own connection, then heartbeating at
//!    intervals of their own that add up to `--rate` per second; after `--warmup` seconds, a
//!    clean window of `--seconds`;
//! 4. `--slow` slow clients started; once each has had a write pending for a second (the
//!    server stopped reading from it), a window of the same length under the same heartbeat
//!    load;
//! 5. every idle connection asked ApiVersions again (still held?), the final RSS.

mod brokers;
mod report;
mod slow;
mod wire;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use brokers::{Fleet, Sample};
use report::{micros, percentile, Report};
use slow::SlowClients;
use wire::Conn;

/// How long the node may take to answer its first ApiVersions (a JVM starting is slow).
const READY_DEADLINE: Duration = Duration::from_secs(180);
/// How long a single connection or request of the idle and probe phases may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections opened at once while filling the idle set.
const OPEN_CONCURRENCY: usize = 256;
/// Round trips of the before/after probe.
const PROBE_ROUND_TRIPS: usize = 1_000;
/// The pause between probes during a heartbeat window.
const PROBE_PAUSE: Duration = Duration::from_millis(5);

struct Options {
    addr: SocketAddr,
    pid: u32,
    cluster_id: String,
    connections: usize,
    brokers: usize,
    rate: f64,
    warmup: Duration,
    window: Duration,
    slow: usize,
}

fn usage(problem: &str) -> ! {
    eprintln!("error: {problem}");
    eprintln!(
        "usage: load run <host:port> <pid> <cluster id> [--connections N (10000)] \
         [--brokers N (2000)] [--rate R/s (5000)] [--warmup S (10)] [--seconds S (20)] \
         [--slow N (200)]\n       load compare <yakt results> <kafka results>"
    );
    std::process::exit(2)
}

fn parse_run(args: &[String]) -> Options {
    let [addr, pid, cluster_id, rest @ ..] = args else {
        usage("run needs <host:port> <pid> <cluster id>")
    };
    let mut options = Options {
        addr: addr.parse().unwrap_or_else(|_| usage("bad address")),
        pid: pid.parse().unwrap_or_else(|_| usage("bad pid")),
        cluster_id: cluster_id.clone(),
        connections: 10_000,
        brokers: 2_000,
        rate: 5_000.0,
        warmup: Duration::from_secs(10),
        window: Duration::from_secs(20),
        slow: 200,
    };
    for pair in rest.chunks(2) {
        let [key, value] = pair else {
            usage("options come in pairs")
        };
        let number = || -> f64 { value.parse().unwrap_or_else(|_| usage(key)) };
        match key.as_str() {
            "--connections" => options.connections = number() as usize,
            "--brokers" => options.brokers = number() as usize,
            "--rate" => options.rate = number(),
            "--warmup" => options.warmup = Duration::from_secs_f64(number()),
            "--seconds" => options.window = Duration::from_secs_f64(number()),
            "--slow" => options.slow = number() as usize,
            _ => usage(&format!("unknown option {key}")),
        }
    }
    options
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.split_first() {
        Some((mode, rest)) if mode == "run" => {
            let options = parse_run(rest);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            let report = runtime.block_on(run(options));
            print!("{}", report.to_lines());
        }
        Some((mode, [yakt, kafka])) if mode == "compare" => {
            let read = |path: &String| {
                Report::from_lines(&std::fs::read_to_string(path).unwrap_or_else(|e| {
                    usage(&format!("cannot read {path}: {e}"));
                }))
            };
            print!("{}", report::compare(&read(yakt), &read(kafka)));
        }
        _ => usage("run or compare"),
    }
}

async fn run(options: Options) -> Report {
    let mut report = Report::default();
    let versions = wait_ready(options.addr).await;
    eprintln!("node ready: {} APIs", versions.api_keys.len());
    report.set("rss_start_mib", rss_mib(options.pid));
    let base = probe_round_trips(options.addr, PROBE_ROUND_TRIPS).await;
    report.latencies("probe_base", &base);

    let started = Instant::now();
    let (idle, failed) = open_idle(options.addr, options.connections).await;
    report.set("connections", options.connections as f64);
    report.set("idle_open_ms", started.elapsed().as_millis() as f64);
    report.set("idle_open_failed", failed as f64);
    report.set("rss_idle_mib", rss_mib(options.pid));
    let with_idle = probe_round_trips(options.addr, PROBE_ROUND_TRIPS).await;
    report.latencies("probe_idle", &with_idle);
    eprintln!("{} idle connections open", idle.len());

    heartbeat_phases(&options, &mut report).await;

    let held = count_answering(idle).await;
    report.set("idle_held", held as f64);
    report
}

/// Registers the brokers and runs the clean and slow-client windows.
async fn heartbeat_phases(options: &Options, report: &mut Report) {
    let (start_tx, start) = watch::channel(None);
    let (stop_tx, stop) = watch::channel(false);
    let fleet = Arc::new(Fleet {
        addr: options.addr,
        cluster_id: options.cluster_id.clone(),
        metadata_offset: Arc::new(AtomicI64::new(0)),
        start,
        stop,
    });
    let plans = brokers::plan(options.brokers, options.rate, 1_000);
    let (registered_tx, mut registered) = mpsc::channel(options.brokers.max(1));
    let registering = Instant::now();
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|plan| {
            tokio::spawn(brokers::run_broker(
                Arc::clone(&fleet),
                plan,
                registered_tx.clone(),
            ))
        })
        .collect();
    drop(registered_tx);
    let mut register_failed = 0;
    while let Some(result) = registered.recv().await {
        if let Err(error) = result {
            register_failed += 1;
            if register_failed <= 3 {
                eprintln!("{error:#}");
            }
        }
    }
    report.set("brokers", options.brokers as f64);
    report.set("register_ms", registering.elapsed().as_millis() as f64);
    report.set("register_failed", register_failed as f64);
    eprintln!("brokers registered ({register_failed} failed)");

    let start = Instant::now() + Duration::from_millis(100);
    let _ = start_tx.send(Some(start));
    tokio::time::sleep_until(start + options.warmup).await;
    let clean_from = start.elapsed();
    let clean_probe = probe_for(options.addr, options.window).await;
    let clean = (clean_from, start.elapsed());
    report.set("rss_load_mib", rss_mib(options.pid));
    eprintln!("clean window done; starting {} slow clients", options.slow);

    let slow = SlowClients::start(options.addr, options.slow);
    let stalled = slow.wait_blocked(Duration::from_secs(60)).await;
    let slow_from = start.elapsed();
    let slow_probe = probe_for(options.addr, options.window).await;
    let slow_window = (slow_from, start.elapsed());
    report.set("slow_clients", options.slow as f64);
    report.set("slow_stalled", if stalled { 1.0 } else { 0.0 });
    report.set("slow_alive", slow.alive() as f64);
    report.set(
        "slow_requests_written",
        slow.written.load(Ordering::Relaxed) as f64,
    );
    report.set("rss_slow_mib", rss_mib(options.pid));
    let _ = stop_tx.send(true);

    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.unwrap_or_default());
    }
    drop(slow);
    report.window("hb", &samples, clean);
    report.window("slow_hb", &samples, slow_window);
    report.latencies("probe_clean", &clean_probe);
    report.latencies("probe_slow", &slow_probe);
}

/// The first ApiVersions answer of the node, waiting for it to start.
async fn wait_ready(addr: SocketAddr) -> kafka_protocol::messages::ApiVersionsResponse {
    let deadline = Instant::now() + READY_DEADLINE;
    loop {
        match Conn::open(addr, REQUEST_TIMEOUT).await {
            Ok((_, versions)) => return versions,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(error) => panic!("{addr} did not answer ApiVersions: {error:#}"),
        }
    }
}

/// Opens `count` connections, each completing ApiVersions; returns them and the failures.
async fn open_idle(addr: SocketAddr, count: usize) -> (Vec<Conn>, usize) {
    let results: Vec<_> = futures::stream::iter(0..count)
        .map(|_| Conn::open(addr, REQUEST_TIMEOUT))
        .buffer_unordered(OPEN_CONCURRENCY)
        .collect()
        .await;
    let mut failed = 0;
    let mut open = Vec::with_capacity(count);
    for result in results {
        match result {
            Ok((conn, _)) => open.push(conn),
            Err(error) => {
                failed += 1;
                if failed <= 3 {
                    eprintln!("idle connection failed: {error:#}");
                }
            }
        }
    }
    (open, failed)
}

/// How many of the idle connections still answer ApiVersions.
async fn count_answering(idle: Vec<Conn>) -> usize {
    futures::stream::iter(idle)
        .map(|mut conn| async move { conn.api_versions(REQUEST_TIMEOUT).await.is_ok() })
        .buffer_unordered(OPEN_CONCURRENCY)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await
}

/// `count` ApiVersions round trips, one at a time, on a fresh connection.
async fn probe_round_trips(addr: SocketAddr, count: usize) -> Vec<Duration> {
    let (mut conn, _) = Conn::open(addr, REQUEST_TIMEOUT)
        .await
        .expect("a probe connection");
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let sent = Instant::now();
        conn.api_versions(REQUEST_TIMEOUT)
            .await
            .expect("a probe answer");
        times.push(sent.elapsed());
    }
    times
}

/// ApiVersions round trips on a fresh connection, paced, for `window`.
async fn probe_for(addr: SocketAddr, window: Duration) -> Vec<Duration> {
    let end = Instant::now() + window;
    let (mut conn, _) = Conn::open(addr, REQUEST_TIMEOUT)
        .await
        .expect("a probe connection");
    let mut times = Vec::new();
    while Instant::now() < end {
        let sent = Instant::now();
        match conn.api_versions(REQUEST_TIMEOUT).await {
            Ok(_) => times.push(sent.elapsed()),
            Err(_) => times.push(REQUEST_TIMEOUT),
        }
        tokio::time::sleep(PROBE_PAUSE).await;
    }
    times
}

/// VmRSS of `pid` in MiB (0 if it cannot be read).
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| (kib / 1024.0).round())
}

impl Report {
    /// p50/p99/p999/max of `times` under `prefix`.
    fn latencies(&mut self, prefix: &str, times: &[Duration]) {
        let mut sorted = times.to_vec();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return;
        }
        for (name, per_mille) in [("p50", 500), ("p99", 990), ("p999", 999)] {
            self.set(
                &format!("{prefix}_{name}_us"),
                micros(percentile(&sorted, per_mille)),
            );
        }
        self.set(
            &format!("{prefix}_max_us"),
            micros(*sorted.last().expect("not empty")),
        );
    }

    /// The heartbeats due within `window` (offsets from the schedule's start): rate,
    /// latency percentiles, errors and fenced answers.
    fn window(&mut self, prefix: &str, samples: &[Sample], window: (Duration, Duration)) {
        let inside: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.due >= window.0 && s.due < window.1)
            .collect();
        let seconds = (window.1 - window.0).as_secs_f64();
        self.set(
            &format!("{prefix}_rate"),
            (inside.len() as f64 / seconds).round(),
        );
        self.set(&format!("{prefix}_count"), inside.len() as f64);
        self.set(
            &format!("{prefix}_errors"),
            inside.iter().filter(|s| !s.ok).count() as f64,
        );
        self.set(
            &format!("{prefix}_fenced"),
            inside.iter().filter(|s| s.fenced).count() as f64,
        );
        let times: Vec<Duration> = inside.iter().map(|s| s.latency).collect();
        self.latencies(prefix, &times);
    }
}
