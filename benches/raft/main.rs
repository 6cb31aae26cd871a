//! Raft commit benchmark: a 3-voter yakt quorum in one process on loopback, fsync on.
//!
//! Measures commit latency (append on the leader until its high watermark, seen through
//! `watch()`, passes the record) for one ~100-byte record at a time, and committed records/s
//! with many appenders in flight, next to the machine's floor: a bare `pwrite` + `fdatasync`
//! in the same file system as the quorum's data and a loopback TCP round trip. Prints a
//! markdown table. Run with `scripts/bench-raft` (or `cargo bench --bench raft -- --help`).

mod floor;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use yakt::commands::quickstart::{prepare, QuickstartOptions};
use yakt::node::Node;
use yakt::raft::RoleKind;
use yakt::server::raft_driver::RaftHandle;
use yakt_wire::{encode_frame, MetadataRecord, TopicRecord, Uuid};

/// How long the quorum may take to elect its first leader.
const ELECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// Appends before any measurement (connections, page cache, first segment).
const WARM_UP_APPENDS: usize = 200;
/// The size of a loopback message and of a bare fdatasync'd append: about one record.
const FLOOR_MESSAGE_BYTES: usize = 100;

struct Options {
    samples: usize,
    seconds: f64,
    concurrency: Vec<usize>,
}

impl Options {
    fn from_args() -> Options {
        let mut options = Options {
            samples: 1_000,
            seconds: 5.0,
            concurrency: vec![16, 64, 256],
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
            };
            match arg.as_str() {
                "--samples" => {
                    options.samples = value().parse().unwrap_or_else(|_| usage("--samples N"))
                }
                "--seconds" => {
                    options.seconds = value().parse().unwrap_or_else(|_| usage("--seconds S"))
                }
                "--concurrency" => {
                    options.concurrency = value()
                        .split(',')
                        .map(|c| {
                            c.parse()
                                .unwrap_or_else(|_| usage("--concurrency 1,64,256"))
                        })
                        .collect()
                }
                "--help" | "-h" => usage(""),
                _ => {} // `cargo bench` passes --bench
            }
        }
        options
    }
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("error: {problem}");
    }
    eprintln!("usage: raft [--samples N (1000)] [--seconds S (5)] [--concurrency 16,64,256]");
    std::process::exit(if problem.is_empty() { 0 } else { 2 })
}

/// A TopicRecord of about 100 bytes framed as a metadata record value.
fn record() -> Bytes {
    let topic = TopicRecord {
        name: "b".repeat(80),
        topic_id: Uuid::new(7, 7),
        ..Default::default()
    };
    encode_frame(&MetadataRecord::Topic(topic), 0).expect("encode a TopicRecord")
}

/// The `p`th percentile (0-100) of sorted `times`.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn sorted(mut times: Vec<Duration>) -> Vec<Duration> {
    times.sort_unstable();
    times
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Appends `record` on `leader` and waits until the leader's high watermark passes it.
async fn commit(leader: &RaftHandle, record: Bytes) -> Duration {
    let start = Instant::now();
    let mut status = leader.watch();
    let epoch = leader.status().epoch;
    let appended = leader
        .append(epoch, vec![record])
        .await
        .expect("the raft loop runs")
        .expect("the leader accepts the append");
    status
        .wait_for(|s| {
            s.high_watermark
                .is_some_and(|hwm| hwm > appended.last_offset)
        })
        .await
        .expect("the raft loop runs");
    start.elapsed()
}

/// Three nodes from the quickstart layout under `dir`, and the leader's handle once elected.
async fn start_quorum(dir: &Path) -> (Vec<Node>, RaftHandle) {
    let base_port = free_ports(3);
    let prepared = prepare(&QuickstartOptions {
        dir: dir.to_path_buf(),
        controllers: 3,
        base_port,
        host: "127.0.0.1".into(),
    })
    .expect("prepare three controllers");
    let mut nodes = Vec::new();
    for controller in &prepared.controllers {
        nodes.push(
            Node::start(&controller.config)
                .await
                .expect("start a controller"),
        );
    }
    let deadline = Instant::now() + ELECTION_TIMEOUT;
    loop {
        if let Some(leader) = nodes
            .iter()
            .find(|n| n.raft().status().role == RoleKind::Leader)
        {
            let leader = leader.raft();
            // The leader's first commit (its LeaderChangeMessage) shows the quorum works.
            if leader.status().high_watermark.is_some() {
                return (nodes, leader);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no leader within {ELECTION_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `count` consecutive free ports on loopback.
fn free_ports(count: u16) -> u16 {
    for _ in 0..100 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let first = listener.local_addr().expect("local address").port();
        drop(listener);
        if first > u16::MAX - count {
            continue;
        }
        if (first..first + count).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return first;
        }
    }
    panic!("no {count} consecutive free ports");
}

/// `appenders` tasks each committing one record at a time for `seconds`: records/s and the
/// per-commit latencies.
async fn throughput(leader: &RaftHandle, appenders: usize, seconds: f64) -> (f64, Vec<Duration>) {
    let committed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::with_capacity(appenders);
    for _ in 0..appenders {
        let (leader, committed, record) = (leader.clone(), Arc::clone(&committed), record());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < end {
                times.push(commit(&leader, record.clone()).await);
                committed.fetch_add(1, Ordering::Relaxed);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("an appender task"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    (committed.load(Ordering::Relaxed) as f64 / elapsed, times)
}

struct Row {
    what: String,
    p50: String,
    p99: String,
    rate: String,
}

fn row(what: impl Into<String>, times: &[Duration], rate: String) -> Row {
    Row {
        what: what.into(),
        p50: micros(percentile(times, 50)),
        p99: micros(percentile(times, 99)),
        rate,
    }
}

fn main() {
    let options = Options::from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let data = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a data directory");

    let rtt = sorted(floor::tcp_round_trip(FLOOR_MESSAGE_BYTES, options.samples));
    let (quorum_rows, fsync) = runtime.block_on(run_quorum(data.path(), &options));
    let fsync = sorted(fsync);

    let mut rows = vec![
        row(
            format!("floor: bare pwrite + fdatasync of {FLOOR_MESSAGE_BYTES} B"),
            &fsync,
            "—".into(),
        ),
        row(
            format!("floor: loopback TCP round trip, {FLOOR_MESSAGE_BYTES} B"),
            &rtt,
            "—".into(),
        ),
    ];
    let (fsync_p50, rtt_p50) = (percentile(&fsync, 50), percentile(&rtt, 50));
    let parallel = fsync_p50.max(rtt_p50 + fsync_p50);
    let serial = fsync_p50 * 2 + rtt_p50;
    for (what, floor) in [
        (
            "floor: fetch RTT + follower fsync (leader fsync in parallel)",
            parallel,
        ),
        (
            "floor: leader fsync, then fetch RTT + follower fsync (serial)",
            serial,
        ),
    ] {
        rows.push(Row {
            what: what.into(),
            p50: micros(floor),
            p99: "—".into(),
            rate: format!("{:.0}/s at 1 in flight", 1.0 / floor.as_secs_f64()),
        });
    }
    rows.extend(quorum_rows);
    print_table(&rows);
}

/// Starts the quorum under `dir`, warms it up, and measures one-at-a-time commits and each
/// concurrency level. Each one-at-a-time commit is followed by a bare fdatasync'd append in
/// the same file system (the disk of a shared machine drifts: paired samples see the same
/// load); those fdatasync times come back with the rows.
async fn run_quorum(dir: &Path, options: &Options) -> (Vec<Row>, Vec<Duration>) {
    let mut rows = Vec::new();
    let (nodes, leader) = start_quorum(&dir.join("quorum")).await;
    let mut bare = floor::BareAppend::create(dir, FLOOR_MESSAGE_BYTES);
    let mut fsyncs = Vec::with_capacity(options.samples);
    let record = record();
    for _ in 0..WARM_UP_APPENDS {
        commit(&leader, record.clone()).await;
    }
    let mut latencies = Vec::with_capacity(options.samples);
    let mut committing = Duration::ZERO;
    for _ in 0..options.samples {
        let latency = commit(&leader, record.clone()).await;
        committing += latency;
        latencies.push(latency);
        fsyncs.push(tokio::task::block_in_place(|| bare.sample()));
    }
    let rate = options.samples as f64 / committing.as_secs_f64();
    rows.push(row(
        format!("yakt commit, 1 record of {} B at a time", record.len()),
        &sorted(latencies),
        format!("{rate:.0} records/s"),
    ));
    for &appenders in &options.concurrency {
        let (rate, times) = throughput(&leader, appenders, options.seconds).await;
        rows.push(row(
            format!(
                "yakt commit, {appenders} appenders in flight ({:.0} s)",
                options.seconds
            ),
            &sorted(times),
            format!("{rate:.0} records/s"),
        ));
    }
    for node in nodes {
        node.shutdown().await;
    }
    (rows, fsyncs)
}

fn print_table(rows: &[Row]) {
    println!("| measurement | p50 | p99 | rate |");
    println!("|---|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} |", r.what, r.p50, r.p99, r.rate);
    }
}
