//! Three `yakt run` processes from three controller.properties files form a static quorum, and
//! Kafka's own `kafka-metadata-quorum` judges it: the leader, the three voters, a high
//! watermark. kill -9 of the leader: a new leader within Kafka's default bound (fetch timeout +
//! election timeout range); the old one restarts on its data, rejoins and catches up.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use support::{
    expect_success, free_port, kafka_old_version, kafka_version, KafkaTool, YaktProcess,
};

/// Kafka's defaults: controller.quorum.fetch.timeout.ms + the election timeout range [1 s, 2 s).
const FAILOVER_BOUND: Duration = Duration::from_millis(2_000 + 2_000);
/// Room for a loaded 2-core machine on top of the bound (process scheduling, not protocol).
const SCHEDULING_SLACK: Duration = Duration::from_millis(3_000);

struct Quorum {
    root: PathBuf,
    cluster_id: String,
    ports: BTreeMap<i32, u16>,
    nodes: BTreeMap<i32, YaktProcess>,
}

impl Quorum {
    fn start_node(&mut self, id: i32) {
        let dir = self.root.join(format!("node-{id}"));
        let process = YaktProcess::start_voter(&dir, &self.cluster_id, id, &self.ports, &[]);
        self.nodes.insert(id, process);
    }

    fn address(&self, id: i32) -> String {
        format!("127.0.0.1:{}", self.ports[&id])
    }
}

/// The leader every running node names through DescribeCluster, once they agree.
async fn agreed_leader(quorum: &Quorum) -> Option<i32> {
    support::agreed_controller(quorum.nodes.keys().map(|id| quorum.ports[id])).await
}

async fn wait_for_leader(quorum: &Quorum, not: Option<i32>, within: Duration) -> (i32, Duration) {
    let start = Instant::now();
    loop {
        if let Some(leader) = agreed_leader(quorum).await {
            if Some(leader) != not {
                return (leader, start.elapsed());
            }
        }
        assert!(
            start.elapsed() < within,
            "no agreed leader within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `describe --status` as `key -> value`.
fn describe_status(version: &str, bootstrap: &str) -> BTreeMap<String, String> {
    let output = KafkaTool::run(
        version,
        "metadata-quorum",
        &["--bootstrap-controller", bootstrap, "describe", "--status"],
    );
    let stdout = expect_success(&output, "kafka-metadata-quorum describe --status");
    stdout
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// `describe --replication` rows: node id -> (log end offset, status).
fn describe_replication(version: &str, bootstrap: &str) -> BTreeMap<i32, (i64, String)> {
    let output = KafkaTool::run(
        version,
        "metadata-quorum",
        &[
            "--bootstrap-controller",
            bootstrap,
            "describe",
            "--replication",
        ],
    );
    let stdout = expect_success(&output, "kafka-metadata-quorum describe --replication");
    stdout
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some((
                fields.first()?.parse().ok()?,
                (fields.get(2)?.parse().ok()?, fields.last()?.to_string()),
            ))
        })
        .collect()
}

fn current_voters_ids(status: &BTreeMap<String, String>) -> Vec<i32> {
    let voters = &status["CurrentVoters"];
    voters
        .split("\"id\": ")
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_elect_replicate_and_survive_kill_9_of_the_leader() {
    let root = tempfile::tempdir().unwrap();
    let mut quorum = Quorum {
        root: root.path().to_path_buf(),
        cluster_id: yakt_wire::Uuid::random().to_string(),
        ports: (1..=3).map(|id| (id, free_port())).collect(),
        nodes: BTreeMap::new(),
    };
    for id in 1..=3 {
        quorum.start_node(id);
    }
    let (leader, _) = wait_for_leader(&quorum, None, Duration::from_secs(30)).await;

    // Kafka's tool sees the leader, the three voters and a high watermark.
    let status = describe_status(&kafka_version(), &quorum.address(1));
    assert_eq!(status["ClusterId"], quorum.cluster_id);
    assert_eq!(status["LeaderId"], leader.to_string());
    assert_eq!(current_voters_ids(&status), vec![1, 2, 3]);
    let first_hwm: i64 = status["HighWatermark"].parse().unwrap();
    assert!(first_hwm >= 1, "{status:?}");
    let rows = describe_replication(&kafka_version(), &quorum.address(2));
    assert_eq!(rows.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(rows[&leader].1, "Leader");
    assert_eq!(rows.values().filter(|(_, s)| s == "Follower").count(), 2);
    // The 4.0 line's tool reads it too.
    let old_status = describe_status(&kafka_old_version(), &quorum.address(3));
    assert_eq!(old_status["LeaderId"], leader.to_string());

    // kill -9 of the leader: the other two elect a new one within Kafka's bound.
    quorum.nodes.get_mut(&leader).unwrap().process().kill_9();
    let mut killed = quorum.nodes.remove(&leader).unwrap();
    let (new_leader, took) =
        wait_for_leader(&quorum, Some(leader), FAILOVER_BOUND + SCHEDULING_SLACK).await;
    assert_ne!(new_leader, leader);
    eprintln!("failover took {took:?}");
    let survivor = *quorum.nodes.keys().next().unwrap();
    let status = describe_status(&kafka_version(), &quorum.address(survivor));
    assert_eq!(status["LeaderId"], new_leader.to_string());
    let moved_hwm: i64 = status["HighWatermark"].parse().unwrap();
    assert!(
        moved_hwm > first_hwm,
        "high watermark did not move: {first_hwm} -> {moved_hwm}"
    );
    assert!(!killed.stop().success(), "kill -9 is not a clean exit");

    // The old leader restarts on its data, rejoins as a follower and catches up.
    quorum.start_node(leader);
    let caught_up = |rows: &BTreeMap<i32, (i64, String)>| {
        rows.len() == 3
            && rows[&leader].1 == "Follower"
            && rows.values().all(|(leo, _)| *leo == rows[&new_leader].0)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rows = describe_replication(&kafka_version(), &quorum.address(new_leader));
        if caught_up(&rows) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the restarted node did not catch up: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for process in quorum.nodes.values_mut() {
        assert!(process.stop().success(), "yakt exits 0 on SIGTERM");
    }
}
