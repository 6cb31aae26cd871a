//! KIP-919 controller registration across three `yakt run` processes: each controller writes
//! its RegisterControllerRecord (as Kafka's own `kafka-dump-log` reads it), Kafka's Admin
//! client bootstraps from DescribeCluster with `--bootstrap-controller` (`kafka-cluster`,
//! `kafka-metadata-quorum`, `kafka-features`), and a restarted controller registers again with
//! a new incarnation id.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{expect_success, free_port, kafka_version, KafkaTool, YaktProcess};

/// One RegisterControllerRecord as a dump shows it.
#[derive(Debug, Clone, PartialEq)]
struct Registered {
    controller_id: i64,
    incarnation_id: String,
    endpoints: Vec<(String, String, i64, i64)>,
    features: BTreeMap<String, (i64, i64)>,
}

/// Every RegisterControllerRecord in `dump` (`kafka-dump-log --cluster-metadata-decoder`
/// output), in log order.
fn registrations_in(dump: &str) -> Vec<Registered> {
    dump.lines()
        .filter_map(|line| line.split_once("payload: ").map(|(_, json)| json))
        .filter_map(|json| serde_json::from_str::<serde_json::Value>(json).ok())
        .filter(|payload| payload["type"] == "REGISTER_CONTROLLER_RECORD")
        .map(|payload| {
            let data = &payload["data"];
            let list = |key: &str| data[key].as_array().cloned().unwrap_or_default();
            Registered {
                controller_id: data["controllerId"].as_i64().unwrap(),
                incarnation_id: data["incarnationId"].as_str().unwrap().to_owned(),
                endpoints: list("endPoints")
                    .iter()
                    .map(|e| {
                        (
                            e["name"].as_str().unwrap().to_owned(),
                            e["host"].as_str().unwrap().to_owned(),
                            e["port"].as_i64().unwrap(),
                            e["securityProtocol"].as_i64().unwrap(),
                        )
                    })
                    .collect(),
                features: list("features")
                    .iter()
                    .map(|f| {
                        let range = (
                            f["minSupportedVersion"].as_i64().unwrap(),
                            f["maxSupportedVersion"].as_i64().unwrap(),
                        );
                        (f["name"].as_str().unwrap().to_owned(), range)
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The segments of a node's metadata log, oldest first.
fn segments(node_dir: &Path) -> Vec<PathBuf> {
    let partition = node_dir.join("metadata/__cluster_metadata-0");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&partition)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    files
}

/// The registrations in a node's log, as `yakt dump-log` prints them (fast, for polling).
fn yakt_dump(node_dir: &Path) -> Vec<Registered> {
    let output = Command::new(env!("CARGO_BIN_EXE_yakt"))
        .arg("dump-log")
        .args(segments(node_dir))
        .output()
        .unwrap();
    registrations_in(&expect_success(&output, "yakt dump-log"))
}

/// The registrations in a node's log, as Kafka's `kafka-dump-log` reads them.
fn kafka_dump(node_dir: &Path) -> Vec<Registered> {
    let files: Vec<String> = segments(node_dir)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let output = KafkaTool::run(
        &kafka_version(),
        "dump-log",
        &["--cluster-metadata-decoder", "--files", &files.join(",")],
    );
    registrations_in(&expect_success(&output, "kafka-dump-log"))
}

/// The newest registration of each controller id.
fn latest(registrations: &[Registered]) -> BTreeMap<i64, Registered> {
    registrations
        .iter()
        .map(|r| (r.controller_id, r.clone()))
        .collect()
}

async fn wait_for_agreed_controller(ports: &BTreeMap<i32, u16>) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(leader) = support::agreed_controller(ports.values().copied()).await {
            return leader;
        }
        assert!(
            Instant::now() < deadline,
            "the controllers never agreed on a registered active controller"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn kafka_tool_ok(tool: &str, args: &[&str]) -> String {
    let output = KafkaTool::run(&kafka_version(), tool, args);
    expect_success(&output, &format!("kafka-{tool} {}", args.join(" ")))
}

/// `kafka-features upgrade` through the controllers (UpdateFeatures v2 from Kafka 4.3.1's
/// tool): a feature the controller does not know fails the request with its message; a
/// metadata.version upgrade is finalized and described.
fn check_feature_updates(bootstrap: &str) {
    let features = |args: &[&str]| {
        let mut all = vec!["--bootstrap-controller", bootstrap];
        all.extend(args);
        KafkaTool::run(&kafka_version(), "features", &all)
    };
    let refused = features(&["upgrade", "--feature", "no.such.feature=1"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(
        text.contains("does not support the given feature"),
        "an unknown feature is refused with the controller's message:\n{text}"
    );
    let upgraded = features(&["upgrade", "--metadata", "4.1-IV1"]);
    expect_success(&upgraded, "kafka-features upgrade --metadata 4.1-IV1");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let described = expect_success(&features(&["describe"]), "kafka-features describe");
        let finalized = described
            .lines()
            .find(|line| line.contains("Feature: metadata.version"))
            .is_some_and(|line| line.contains("FinalizedVersionLevel: 4.1-IV1"));
        if finalized {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "metadata.version not 4.1-IV1:\n{described}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `kafka-configs --entity-type broker-loggers` against controller `id`: its loggers at
/// their levels; yakt.server set to DEBUG makes the next connection's "accepted" (a debug
/// event) reach its log, and deleting the level brings INFO back; Kafka's refusals.
fn check_runtime_log_levels(node: &mut YaktProcess, id: i32) {
    let bootstrap = node.address();
    let id = id.to_string();
    let configs = |action: &[&str]| {
        let mut args = vec!["--bootstrap-controller", &bootstrap, "--entity-type"];
        args.extend(["broker-loggers", "--entity-name", &id]);
        args.extend(action);
        KafkaTool::run(&kafka_version(), "configs", &args)
    };
    let describe = || expect_success(&configs(&["--describe"]), "describe broker-loggers");
    let level_of = |described: &str, logger: &str| {
        described
            .split_whitespace()
            .find_map(|word| word.strip_prefix(&format!("{logger}=")).map(str::to_owned))
    };
    let stderr = node.process().log_dir().join("stderr.log");
    let accepted = || {
        std::fs::read_to_string(&stderr)
            .unwrap()
            .lines()
            .filter(|line| line.contains("DEBUG") && line.contains("accepted"))
            .count()
    };

    let before = describe();
    assert_eq!(
        level_of(&before, "root").as_deref(),
        Some("INFO"),
        "{before}"
    );
    assert_eq!(level_of(&before, "yakt.server").as_deref(), Some("INFO"));
    assert_eq!(accepted(), 0, "no debug events at INFO");

    let set = ["--alter", "--add-config", "yakt.server=DEBUG"];
    expect_success(&configs(&set), "set yakt.server to DEBUG");
    let after = describe();
    assert_eq!(level_of(&after, "yakt.server").as_deref(), Some("DEBUG"));
    assert_eq!(level_of(&after, "yakt.raft").as_deref(), Some("INFO"));
    assert!(
        accepted() > 0,
        "the describe's connection was logged at DEBUG"
    );

    let unset = ["--alter", "--delete-config", "yakt.server"];
    expect_success(&configs(&unset), "delete yakt.server's level");
    let reset = describe();
    assert_eq!(level_of(&reset, "yakt.server").as_deref(), Some("INFO"));
    let logged = accepted();
    describe();
    assert_eq!(accepted(), logged, "INFO again: no more debug events");

    for (change, error) in [
        (
            ["--delete-config", "root"],
            "Removing the log level of the root logger",
        ),
        // The tool checks names against the loggers yakt lists.
        (
            ["--add-config", "kafka.server=DEBUG"],
            "Invalid broker logger(s): kafka.server",
        ),
        (
            ["--add-config", "yakt.raft=LOUD"],
            "not a supported log level",
        ),
    ] {
        let output = configs(&[&["--alter"][..], &change].concat());
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            text.contains(error),
            "{change:?}: expected {error:?} in\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controllers_register_and_a_restarted_one_registers_a_new_incarnation() {
    let root = tempfile::tempdir().unwrap();
    let cluster_id = yakt_wire::Uuid::random().to_string();
    let ports: BTreeMap<i32, u16> = (1..=3).map(|id| (id, free_port())).collect();
    let dir = |id: i32| root.path().join(format!("node-{id}"));
    let start = |id: i32| YaktProcess::start_voter(&dir(id), &cluster_id, id, &ports, &[]);
    let mut nodes: BTreeMap<i32, YaktProcess> = (1..=3).map(|id| (id, start(id))).collect();
    let leader = wait_for_agreed_controller(&ports).await;

    // Every node's log holds each controller's registration: its CONTROLLER endpoint
    // (PLAINTEXT) and the features it supports, as Kafka's own dump-log decodes them.
    for id in 1..=3 {
        let registered = latest(&kafka_dump(&dir(id)));
        assert_eq!(
            registered.keys().copied().collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        for (controller, registration) in &registered {
            let port = i64::from(ports[&(*controller as i32)]);
            assert_eq!(
                registration.endpoints,
                vec![("CONTROLLER".into(), "127.0.0.1".into(), port, 0)]
            );
            assert_eq!(registration.features["metadata.version"].0, 7);
            assert!(registration.features["metadata.version"].1 >= 25);
            assert_eq!(registration.features["kraft.version"], (0, 1));
        }
    }
    let incarnations = latest(&yakt_dump(&dir(leader)));

    // Kafka's Admin bootstraps from DescribeCluster: the three controllers and the leader.
    let bootstrap = format!("127.0.0.1:{}", ports[&1]);
    let endpoints = kafka_tool_ok(
        "cluster",
        &["list-endpoints", "--bootstrap-controller", &bootstrap],
    );
    for (id, port) in &ports {
        assert!(
            endpoints
                .lines()
                .any(|line| line.split_whitespace().take(3).eq([
                    id.to_string().as_str(),
                    "127.0.0.1",
                    port.to_string().as_str()
                ])),
            "controller {id} missing from\n{endpoints}"
        );
    }
    let status = kafka_tool_ok(
        "metadata-quorum",
        &["--bootstrap-controller", &bootstrap, "describe", "--status"],
    );
    let leader_line = status
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "LeaderId")
        .map(|(_, value)| value.trim().to_owned());
    assert_eq!(leader_line, Some(leader.to_string()), "{status}");
    let features = kafka_tool_ok(
        "features",
        &["--bootstrap-controller", &bootstrap, "describe"],
    );
    assert!(features.contains("Feature: metadata.version"), "{features}");
    check_feature_updates(&bootstrap);

    // Log levels change at runtime through the BROKER_LOGGER resource, on a standby too.
    let standby = *ports.keys().find(|id| **id != leader).unwrap();
    check_runtime_log_levels(nodes.get_mut(&standby).unwrap(), standby);

    // A restarted follower registers again, with a new incarnation id.
    let follower = *ports.keys().find(|id| **id != leader).unwrap();
    assert!(nodes.get_mut(&follower).unwrap().stop().success());
    nodes.insert(follower, start(follower));
    let old = incarnations[&i64::from(follower)].incarnation_id.clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    let renewed = loop {
        let registered = latest(&yakt_dump(&dir(leader)));
        let current = &registered[&i64::from(follower)].incarnation_id;
        if *current != old {
            break current.clone();
        }
        assert!(
            Instant::now() < deadline,
            "controller {follower} did not register again after its restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The other controllers did not register again; the restarted one's log agrees.
    let after = latest(&kafka_dump(&dir(follower)));
    assert_eq!(after[&i64::from(follower)].incarnation_id, renewed);
    for id in ports.keys().filter(|id| **id != follower) {
        let id = i64::from(*id);
        assert_eq!(after[&id].incarnation_id, incarnations[&id].incarnation_id);
    }
    assert_eq!(wait_for_agreed_controller(&ports).await, leader);
    for process in nodes.values_mut() {
        assert!(process.stop().success(), "yakt exits 0 on SIGTERM");
    }
}
