//! `yakt::embed::EmbeddedQuorum` through its public API alone, as a project embedding yakt in
//! its tests uses it: three controllers elect a leader; a stopped leader is replaced and,
//! restarted, follows the new leader and catches up on what was written while it was down;
//! a killed controller (no resignation) is replaced and restarts on its directory; the
//! quorum's own directory is removed when it is dropped, a given one is kept and reused; and
//! a real Kafka 4.3.1 broker given only `bootstrap_servers()` registers and is unfenced.
//!
//! The broker test needs Java 17 and `scripts/kafka fetch`, and fails without them.

mod support;

use std::time::Duration;

use yakt::config::ControllerConfig;
use yakt::embed::EmbeddedQuorum;
use yakt_wire::{encode_frame, MetadataRecord, NoOpRecord};

use support::{
    as_pairs, expect_success, free_port, kafka_version, poll_until, KafkaBroker, KafkaTool,
};

/// Election timeouts are 1-2 s and the fetch timeout 2 s (Kafka's defaults): 30 s is ample.
const CONVERGENCE: Duration = Duration::from_secs(30);
/// A Kafka broker's JVM starting and registering on a loaded 2-core machine.
const BROKER_STARTUP: Duration = Duration::from_secs(120);

/// Appends two NoOpRecords through leader `leader` and returns the offset of the last one.
async fn append_through(quorum: &EmbeddedQuorum, leader: i32) -> i64 {
    let raft = quorum.node(leader).expect("the leader runs").raft();
    let epoch = raft.status().epoch;
    let record = encode_frame(&MetadataRecord::NoOp(NoOpRecord::default()), 0).unwrap();
    let appended = raft
        .append(epoch, vec![record.clone(), record])
        .await
        .expect("the leader's raft loop runs")
        .expect("the leader accepts the append");
    appended.last_offset
}

/// Waits until every running controller's high watermark is past `offset`.
async fn wait_committed_everywhere(quorum: &EmbeddedQuorum, offset: i64) {
    poll_until(
        "every running voter committing the append",
        CONVERGENCE,
        || {
            let statuses = quorum.statuses();
            let committed = statuses
                .values()
                .all(|s| s.high_watermark.is_some_and(|hwm| hwm > offset));
            async move { committed.then_some(()) }
        },
    )
    .await;
}

/// Waits until restarted controller `id` follows `leader` in the leader's epoch and its log
/// holds `offset`.
async fn wait_rejoined(quorum: &EmbeddedQuorum, id: i32, leader: i32, offset: i64) {
    let epoch = quorum.statuses()[&leader].epoch;
    poll_until(
        &format!("controller {id} following {leader} with offset {offset}"),
        CONVERGENCE,
        || {
            let status = quorum.node(id).expect("restarted").raft().status();
            let rejoined = status.leader_id == Some(leader)
                && status.epoch == epoch
                && status.log_end_offset > offset
                && status.high_watermark.is_some_and(|hwm| hwm > offset);
            async move { rejoined.then_some(()) }
        },
    )
    .await;
}

#[tokio::test]
async fn a_stopped_leader_is_replaced_and_rejoins_when_restarted() {
    let mut quorum = EmbeddedQuorum::builder()
        .controllers(3)
        .start()
        .await
        .unwrap();
    assert_eq!(quorum.node_ids(), vec![1, 2, 3]);
    let ports: Vec<u16> = (1..=3)
        .map(|id| quorum.controller_addr(id).unwrap().port())
        .collect();
    assert_eq!(
        quorum.voters(),
        format!(
            "1@127.0.0.1:{},2@127.0.0.1:{},3@127.0.0.1:{}",
            ports[0], ports[1], ports[2]
        )
    );
    for id in 1..=3 {
        let node = quorum.node(id).unwrap();
        assert_eq!(node.listener_addr("CONTROLLER"), quorum.controller_addr(id));
    }

    let leader = quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    let epoch = quorum.statuses()[&leader].epoch;
    let first = append_through(&quorum, leader).await;
    wait_committed_everywhere(&quorum, first).await;

    quorum.stop(leader).await.unwrap();
    assert!(!quorum.is_running(leader) && quorum.node(leader).is_none());
    let successor = quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    assert_ne!(successor, leader);
    assert!(quorum.statuses()[&successor].epoch > epoch);
    // Written while the old leader is down: it must fetch this after restarting.
    let second = append_through(&quorum, successor).await;
    wait_committed_everywhere(&quorum, second).await;

    quorum.restart(leader).await.unwrap();
    assert_eq!(
        quorum.node(leader).unwrap().listener_addr("CONTROLLER"),
        quorum.controller_addr(leader),
        "a restart keeps the port"
    );
    wait_rejoined(&quorum, leader, successor, second).await;
    assert_eq!(
        quorum.wait_for_leader(CONVERGENCE).await.unwrap(),
        successor
    );
    quorum.shutdown().await;
}

#[tokio::test]
async fn a_killed_leader_is_replaced_and_restarts_on_its_directory() {
    let mut quorum = EmbeddedQuorum::builder()
        .admin_listener(true)
        .start()
        .await
        .unwrap();
    let leader = quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    let epoch = quorum.statuses()[&leader].epoch;
    let admin = quorum.admin_addr(leader).expect("an admin listener");
    let incarnation = quorum.node(leader).unwrap().incarnation_id();
    let first = append_through(&quorum, leader).await;
    wait_committed_everywhere(&quorum, first).await;

    quorum.kill(leader).await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(quorum.controller_addr(leader).unwrap())
            .await
            .is_err(),
        "a killed controller's listener is closed"
    );
    let successor = quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    assert_ne!(successor, leader);
    assert!(quorum.statuses()[&successor].epoch > epoch);
    let second = append_through(&quorum, successor).await;
    wait_committed_everywhere(&quorum, second).await;

    // The killed node released its directory lock: it starts again on the same data.
    quorum.restart(leader).await.unwrap();
    let node = quorum.node(leader).unwrap();
    assert_ne!(
        node.incarnation_id(),
        incarnation,
        "a new process incarnation"
    );
    assert_eq!(
        node.admin_addr(),
        Some(admin),
        "a restart keeps the admin port"
    );
    assert!(
        node.raft().status().log_end_offset > first,
        "what it had flushed before the kill is still in its log"
    );
    wait_rejoined(&quorum, leader, successor, second).await;

    // A follower killed and restarted at once rejoins too.
    let follower = quorum
        .node_ids()
        .into_iter()
        .find(|id| *id != successor)
        .unwrap();
    quorum.kill(follower).await.unwrap();
    quorum.restart(follower).await.unwrap();
    let third = append_through(&quorum, successor).await;
    wait_rejoined(&quorum, follower, successor, third).await;
    quorum.shutdown().await;
}

#[tokio::test]
async fn the_quorum_removes_its_own_directory_and_keeps_a_given_one() {
    let quorum = EmbeddedQuorum::builder()
        .controllers(1)
        .static_voters(true)
        .release_version("4.0")
        .property("controller.quorum.election.timeout.ms", "500")
        .start()
        .await
        .unwrap();
    let dir = quorum.dir().to_path_buf();
    assert!(dir.join("controller-1/meta.properties").is_file());
    let config = ControllerConfig::load(quorum.properties_path(1).unwrap()).unwrap();
    assert_eq!(config.quorum.election_timeout_ms, 500);
    let voters: Vec<String> = config
        .quorum_voters
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(voters.join(","), quorum.voters());
    assert_eq!(quorum.wait_for_leader(CONVERGENCE).await.unwrap(), 1);
    drop(quorum); // running: killed, then the directory goes
    assert!(!dir.exists(), "{} outlived its quorum", dir.display());

    let given = tempfile::tempdir().unwrap();
    let quorum = EmbeddedQuorum::builder()
        .controllers(1)
        .dir(given.path())
        .start()
        .await
        .unwrap();
    let cluster_id = quorum.cluster_id().to_owned();
    let addr = quorum.controller_addr(1);
    let config = ControllerConfig::load(quorum.properties_path(1).unwrap()).unwrap();
    assert!(config.quorum_voters.is_empty(), "a dynamic quorum");
    let servers: Vec<String> = config
        .quorum_bootstrap_servers
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(servers.join(","), quorum.bootstrap_servers());
    quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    quorum.shutdown().await;
    assert!(given.path().join("controller-1/meta.properties").is_file());
    let again = EmbeddedQuorum::builder()
        .controllers(1)
        .dir(given.path())
        .start()
        .await
        .unwrap();
    assert_eq!(
        again.cluster_id(),
        cluster_id,
        "a later quorum reuses the data"
    );
    assert_eq!(
        again.controller_addr(1),
        addr,
        "and the ports its log names"
    );
    assert_eq!(again.wait_for_leader(CONVERGENCE).await.unwrap(), 1);
    again.shutdown().await;
}

/// The properties of broker `id` that finds the quorum through
/// `controller.quorum.bootstrap.servers` alone.
fn broker_properties(
    quorum: &EmbeddedQuorum,
    id: u32,
    port: u16,
    dir: &std::path::Path,
) -> Vec<(String, String)> {
    let mut properties: Vec<(String, String)> = KafkaBroker::broker_properties(id, port, "", dir)
        .into_iter()
        .filter(|(key, _)| key != "controller.quorum.voters")
        .collect();
    properties.push((
        "controller.quorum.bootstrap.servers".into(),
        quorum.bootstrap_servers(),
    ));
    properties
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kafka_broker_registers_through_bootstrap_servers() {
    const BROKER: i32 = 100;
    let quorum = EmbeddedQuorum::builder()
        .admin_listener(true)
        .start()
        .await
        .unwrap();
    quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    let broker_dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let properties = broker_properties(&quorum, BROKER as u32, port, broker_dir.path());
    std::env::set_var("YAKT_KAFKA_HEAP", "256m");
    let mut broker = KafkaBroker::start_formatted(
        &kafka_version(),
        quorum.cluster_id(),
        &as_pairs(&properties),
        broker_dir.path(),
    );
    // The broker's own word, then the controllers': every one lists it registered and
    // unfenced with its listener.
    broker.wait_for_log("The broker has been unfenced", BROKER_STARTUP);
    for id in quorum.node_ids() {
        let admin = quorum.admin_addr(id).unwrap();
        let brokers = poll_until(
            &format!("controller {id} listing broker {BROKER} unfenced"),
            CONVERGENCE,
            || async move {
                let (code, brokers) = support::http::get_json(admin, "/v1/brokers").await;
                let listed =
                    code == 200 && brokers[0]["id"] == BROKER && brokers[0]["fenced"] == false;
                listed.then_some(brokers)
            },
        )
        .await;
        assert_eq!(brokers[0]["listeners"][0]["port"], port, "{brokers}");
    }
    // Kafka's own tool, through the same bootstrap servers: the broker fetches as an observer.
    let servers = quorum.bootstrap_servers();
    let args = ["--bootstrap-controller", &servers, "describe", "--status"];
    let output = KafkaTool::run(&kafka_version(), "metadata-quorum", &args);
    let status = expect_success(&output, "kafka-metadata-quorum describe --status");
    let observers = status
        .lines()
        .find_map(|line| line.trim().strip_prefix("CurrentObservers:"))
        .unwrap_or_else(|| panic!("no CurrentObservers in:\n{status}"));
    assert!(
        observers.contains(&format!("\"id\": {BROKER},")),
        "broker {BROKER} is not an observer:\n{status}"
    );
    broker.stop();
    quorum.shutdown().await;
}
