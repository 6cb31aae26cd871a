//! No acknowledged metadata lost (reliability figure 2): three `yakt run` controllers and a
//! real Kafka broker under a steady metadata load from Kafka's Admin client (topics created,
//! partitions added, topic configs set), while controllers are killed with kill -9 again and
//! again, chosen by a fixed-seed RNG: the active one, a follower, two in a row (the second as
//! soon as the first is back), and all three at once. Each comes back on its data after a
//! short random delay. Afterwards every acknowledged operation is there as the broker
//! describes it and as each controller's own log replays it (whole, and from its newest
//! snapshot on), and the three logs hold the same batches up to the shortest one.
//!
//! `YAKT_KILL_SEED` replaces the seed. Needs Java 17 and `scripts/kafka fetch`; fails without
//! them.

mod support;

#[path = "kafka_controller_kills/load.rs"]
mod load;
#[path = "kafka_controller_kills/logs.rs"]
mod logs;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use kafka_protocol::messages::{describe_quorum_request, DescribeQuorumRequest, RequestKind};
use kafka_protocol::messages::{ResponseKind, TopicName};
use kafka_protocol::protocol::StrBytes;
use yakt::server::client::{Peer, PeerOptions};

use load::LoadProbe;
use logs::{NodeLog, TopicState};
use support::{as_pairs, free_port, kafka_version, wait_until, KafkaBroker, YaktProcess};

/// The RNG seed when `YAKT_KILL_SEED` does not name one.
const DEFAULT_SEED: u64 = 0x6b69_6c6c_2d39;
/// The broker's node id.
const BROKER_ID: i32 = 101;
/// New metadata bytes between snapshots: small, so snapshots are written between kills.
const SNAPSHOT_BYTES: &str = "4096";
/// How long a quorum may take to agree on a leader (all its members registered).
const LEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the load may take to make progress again after a round of kills.
const PROGRESS_TIMEOUT: Duration = Duration::from_secs(45);
/// How long a broker may take to start and be unfenced.
const BROKER_STARTUP: Duration = Duration::from_secs(90);
/// Operations the load must get acknowledged between two rounds.
const ACKS_PER_ROUND: usize = 3;

/// A small deterministic RNG (SplitMix64), so a seed replays the same kills.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// One of `choices`.
    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.below(choices.len() as u64) as usize]
    }

    /// A delay in `[low_ms, high_ms)`.
    fn delay(&mut self, low_ms: u64, high_ms: u64) -> Duration {
        Duration::from_millis(low_ms + self.below(high_ms - low_ms))
    }
}

/// What a round of kills does.
#[derive(Debug, Clone, Copy)]
enum Round {
    /// kill -9 of the active controller.
    Leader,
    /// kill -9 of a controller that is not active.
    Follower,
    /// kill -9 of any controller, and of another one as soon as the first is back.
    TwoInARow,
}

/// Three yakt controllers and one broker.
struct Cluster {
    root: PathBuf,
    cluster_id: String,
    ports: BTreeMap<i32, u16>,
    controllers: BTreeMap<i32, YaktProcess>,
    runtime: tokio::runtime::Runtime,
    rng: Rng,
}

impl Cluster {
    fn metadata_dir(&self, id: i32) -> PathBuf {
        self.root
            .join(format!("controller-{id}/metadata/__cluster_metadata-0"))
    }

    fn start_controller(&mut self, id: i32) {
        let dir = self.root.join(format!("controller-{id}"));
        let extra = [(
            "metadata.log.max.record.bytes.between.snapshots",
            SNAPSHOT_BYTES,
        )];
        let process = YaktProcess::start_voter(&dir, &self.cluster_id, id, &self.ports, &extra);
        self.controllers.insert(id, process);
    }

    /// kill -9 of controller `id`, reaped.
    fn kill_controller(&mut self, id: i32) {
        let mut process = self.controllers.remove(&id).expect("a running controller");
        process.process().kill_9();
    }

    /// kill -9 of `id`, and its restart on its data after a random delay.
    fn kill_and_restart(&mut self, id: i32) {
        let down_for = self.rng.delay(100, 1_500);
        eprintln!("kill -9 of controller {id}, back after {down_for:?}");
        self.kill_controller(id);
        thread::sleep(down_for);
        self.start_controller(id);
    }

    /// The leader the running controllers agree on (every one registered), waiting for it.
    fn wait_for_leader(&self) -> i32 {
        let ports: Vec<u16> = self.controllers.keys().map(|id| self.ports[id]).collect();
        let mut leader = None;
        wait_until("an agreed controller leader", LEADER_TIMEOUT, || {
            leader = self
                .runtime
                .block_on(support::agreed_controller(ports.iter().copied()));
            leader.is_some()
        });
        leader.expect("a leader after wait_until")
    }

    /// The active controller's DescribeQuorum: high watermark and each replica's log end
    /// offset (voters and observers); `None` until a leader knows its high watermark.
    fn quorum_offsets(&self, leader: i32) -> Option<(i64, BTreeMap<i32, i64>)> {
        let peer = Peer::new(
            SocketAddr::from(([127, 0, 0, 1], self.ports[&leader])),
            PeerOptions::default(),
        );
        let partition = describe_quorum_request::PartitionData::default().with_partition_index(0);
        let topic = describe_quorum_request::TopicData::default()
            .with_topic_name(TopicName(StrBytes::from_static_str("__cluster_metadata")))
            .with_partitions(vec![partition]);
        let request =
            RequestKind::DescribeQuorum(DescribeQuorumRequest::default().with_topics(vec![topic]));
        let call = peer.call(request, 0..=2, Duration::from_secs(2));
        let Ok((_, ResponseKind::DescribeQuorum(response))) = self.runtime.block_on(call) else {
            return None;
        };
        let partition = response.topics.first()?.partitions.first()?;
        if partition.error_code != 0
            || partition.leader_id.0 != leader
            || partition.high_watermark < 0
        {
            return None;
        }
        let offsets = partition
            .current_voters
            .iter()
            .chain(&partition.observers)
            .map(|replica| (replica.replica_id.0, replica.log_end_offset))
            .collect();
        Some((partition.high_watermark, offsets))
    }
}

/// Starts the broker on the quorum and waits until it is unfenced.
fn start_broker(cluster: &Cluster) -> (KafkaBroker, String) {
    let port = free_port();
    let dir = cluster.root.join("broker");
    let properties = KafkaBroker::broker_properties(
        BROKER_ID as u32,
        port,
        &support::static_voters(&cluster.ports),
        &dir,
    );
    // A small heap: the machine runs three controllers, the broker and the load beside it.
    std::env::set_var("YAKT_KAFKA_HEAP", "384m");
    let mut broker = KafkaBroker::start_formatted(
        &kafka_version(),
        &cluster.cluster_id,
        &as_pairs(&properties),
        &dir,
    );
    std::env::remove_var("YAKT_KAFKA_HEAP");
    broker.wait_for_log("The broker has been unfenced", BROKER_STARTUP);
    (broker, format!("127.0.0.1:{port}"))
}

/// One round of kills, then a leader and fresh acknowledgements.
fn run_round(cluster: &mut Cluster, probe: &mut LoadProbe, round: Round) {
    let leader = cluster.wait_for_leader();
    let ids: Vec<i32> = cluster.ports.keys().copied().collect();
    let followers: Vec<i32> = ids.iter().copied().filter(|id| *id != leader).collect();
    // Any moment of the load: a random wait after the last acknowledgement was seen.
    thread::sleep(cluster.rng.delay(0, 400));
    match round {
        Round::Leader => cluster.kill_and_restart(leader),
        Round::Follower => {
            let victim = cluster.rng.pick(&followers);
            cluster.kill_and_restart(victim);
        }
        Round::TwoInARow => {
            let first = cluster.rng.pick(&ids);
            cluster.kill_and_restart(first);
            let others: Vec<i32> = ids.iter().copied().filter(|id| *id != first).collect();
            let second = cluster.rng.pick(&others);
            cluster.kill_and_restart(second);
        }
    }
    let acks = probe.acks();
    cluster.wait_for_leader();
    probe.wait_for_acks(acks + ACKS_PER_ROUND, PROGRESS_TIMEOUT);
}

/// kill -9 of all three controllers, one after another, then their restarts.
fn kill_all(cluster: &mut Cluster, probe: &mut LoadProbe) {
    let mut ids: Vec<i32> = cluster.ports.keys().copied().collect();
    for i in (1..ids.len()).rev() {
        ids.swap(i, cluster.rng.below(i as u64 + 1) as usize);
    }
    eprintln!("kill -9 of every controller, in the order {ids:?}");
    for &id in &ids {
        cluster.kill_controller(id);
        thread::sleep(cluster.rng.delay(0, 300));
    }
    for &id in &ids {
        thread::sleep(cluster.rng.delay(100, 800));
        cluster.start_controller(id);
    }
    let acks = probe.acks();
    cluster.wait_for_leader();
    probe.wait_for_acks(acks + ACKS_PER_ROUND, PROGRESS_TIMEOUT);
}

/// Waits until every voter and the broker have the log up to the high watermark, then stops
/// the followers and the leader last (so no new leader writes to a log the others lack).
/// Returns the high watermark.
fn stop_quorum(cluster: &mut Cluster) -> i64 {
    let leader = cluster.wait_for_leader();
    let mut high_watermark = -1;
    wait_until(
        "every replica at the high watermark",
        LEADER_TIMEOUT,
        || {
            let Some((hwm, offsets)) = cluster.quorum_offsets(leader) else {
                return false;
            };
            high_watermark = hwm;
            let replicas = cluster.ports.keys().copied().chain([BROKER_ID]);
            replicas
                .into_iter()
                .all(|id| offsets.get(&id).is_some_and(|leo| *leo >= hwm))
        },
    );
    let mut order: Vec<i32> = cluster
        .ports
        .keys()
        .copied()
        .filter(|id| *id != leader)
        .collect();
    order.push(leader);
    for id in order {
        let mut process = cluster
            .controllers
            .remove(&id)
            .expect("a running controller");
        assert!(
            process.stop().success(),
            "controller {id} exits 0 on SIGTERM"
        );
    }
    high_watermark
}

/// The three logs hold the same batches between the highest start and the lowest end, which
/// is at least `high_watermark`; returns that end.
fn expect_logs_agree(nodes: &[NodeLog], high_watermark: i64) -> i64 {
    let start = nodes.iter().map(NodeLog::start_offset).max().unwrap_or(0);
    let end = nodes.iter().map(NodeLog::end_offset).min().unwrap_or(0);
    for node in nodes {
        eprintln!(
            "controller {}: log [{}, {}), snapshots at {:?}",
            node.id,
            node.start_offset(),
            node.end_offset(),
            node.snapshots
                .iter()
                .map(|(offset, _)| offset)
                .collect::<Vec<_>>()
        );
    }
    assert!(
        end >= high_watermark,
        "a controller's log ends at {end}, below the high watermark {high_watermark}"
    );
    let first = &nodes[0];
    let reference = first.batches_in(start, end);
    for node in &nodes[1..] {
        let batches = node.batches_in(start, end);
        let diverged = reference.iter().zip(&batches).position(|(a, b)| a != b);
        assert!(
            diverged.is_none() && batches.len() == reference.len(),
            "controllers {} and {} disagree below offset {end}: {} and {} batches from {start}, \
             first difference:\n{:#?}\n{:#?}",
            first.id,
            node.id,
            reference.len(),
            batches.len(),
            diverged.map(|i| reference[i]),
            diverged.map(|i| batches[i]),
        );
    }
    end
}

#[test]
fn acknowledged_metadata_survives_repeated_kill_9_of_controllers() {
    let seed = std::env::var("YAKT_KILL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    eprintln!("seed {seed} (YAKT_KILL_SEED={seed} replays these kills)");
    let started = Instant::now();
    let mut cluster = Cluster {
        // Kept next to the logs (and cleared by the next run) for a post-mortem.
        root: support::test_log_dir("data"),
        cluster_id: yakt_wire::Uuid::random().to_string(),
        ports: (1..=3).map(|id| (id, free_port())).collect(),
        controllers: BTreeMap::new(),
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime"),
        rng: Rng(seed),
    };
    for id in 1..=3 {
        cluster.start_controller(id);
    }
    cluster.wait_for_leader();
    let (broker, bootstrap) = start_broker(&cluster);
    let mut probe = LoadProbe::start(&bootstrap);
    probe.wait_for_acks(ACKS_PER_ROUND, PROGRESS_TIMEOUT);
    eprintln!("load running after {:?}", started.elapsed());

    let mut rounds = [
        [Round::Leader, Round::Follower, Round::TwoInARow],
        [Round::Leader, Round::Leader, Round::Follower],
        [Round::TwoInARow, Round::Leader, Round::TwoInARow],
    ]
    .concat();
    for i in (1..rounds.len()).rev() {
        rounds.swap(i, cluster.rng.below(i as u64 + 1) as usize);
    }
    for round in rounds {
        run_round(&mut cluster, &mut probe, round);
        eprintln!("{round:?} round done after {:?}", started.elapsed());
    }
    kill_all(&mut cluster, &mut probe);
    eprintln!("all-three round done after {:?}", started.elapsed());

    let lines = probe.stop();
    let allowed = load::allowed_topics(&lines);
    let acknowledged = allowed.values().filter(|a| a.acknowledged).count();
    eprintln!(
        "{} operations acknowledged ({acknowledged} topics), failures: {:?}",
        lines.iter().filter(|l| l.starts_with("ack ")).count(),
        load::failures_by_class(&lines)
    );
    let high_watermark = stop_quorum(&mut cluster);

    let nodes: Vec<NodeLog> = cluster
        .ports
        .keys()
        .map(|id| NodeLog::read(*id, &cluster.metadata_dir(*id)))
        .collect();
    let end = expect_logs_agree(&nodes, high_watermark);
    let image = nodes[0].topics_from_log(end);
    for node in &nodes {
        let problems = load::check_topics(&allowed, &node.topics_from_log(end));
        assert!(
            problems.is_empty(),
            "controller {}'s log: {problems:#?}",
            node.id
        );
        if let Some((snapshot, topics)) = node.topics_from_snapshot(end) {
            assert_eq!(
                topics, image,
                "controller {}: its snapshot at {snapshot} plus its log replay otherwise",
                node.id
            );
        }
    }
    // The broker keeps serving its metadata with the controllers stopped; it may still be
    // publishing the last records it fetched.
    let prefixed: BTreeMap<String, TopicState> = image
        .into_iter()
        .filter(|(name, _)| name.starts_with(load::TOPIC_PREFIX))
        .collect();
    let deadline = Instant::now() + LEADER_TIMEOUT;
    loop {
        let seen = load::broker_topics(&bootstrap);
        if seen.as_ref() == Ok(&prefixed) {
            break;
        }
        if Instant::now() >= deadline {
            let problems = seen.as_ref().map(|seen| load::check_topics(&allowed, seen));
            panic!(
                "the broker describes other topics than the controllers replay: {problems:#?}\n\
                 broker: {seen:#?}\ncontrollers: {prefixed:#?}"
            );
        }
        thread::sleep(Duration::from_millis(500));
    }
    // The broker is killed when dropped: with no controller its clean shutdown would wait.
    drop(broker);
    eprintln!("done after {:?}", started.elapsed());
}
