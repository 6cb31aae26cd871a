//! Dynamic quorum membership judged by Kafka's own tools (KIP-853): a one-voter quorum formatted
//! with `yakt format --standalone`, and a second yakt controller formatted with
//! `--no-initial-controllers` that fetches as an observer from
//! `controller.quorum.bootstrap.servers`. Kafka's `kafka-metadata-quorum add-controller` (with
//! the new controller's properties as `--command-config`) makes it a voter,
//! `describe --replication` and `--status` show it as one, and `remove-controller` with its id
//! and directory id turns it back into an observer.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::{
    expect_success, free_port, kafka_version, test_log_dir, wait_for_port, wait_until,
    write_properties, BackgroundProcess, KafkaTool,
};

fn controller_config(dir: &Path, id: i32, port: u16, bootstrap_port: u16) -> PathBuf {
    let metadata = dir.join("metadata").display().to_string();
    let listeners = format!("CONTROLLER://127.0.0.1:{port}");
    let bootstrap = format!("127.0.0.1:{bootstrap_port}");
    let id = id.to_string();
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("controller.properties");
    write_properties(
        &path,
        &[
            ("node.id", &id),
            ("process.roles", "controller"),
            ("listeners", &listeners),
            ("controller.listener.names", "CONTROLLER"),
            ("listener.security.protocol.map", "CONTROLLER:PLAINTEXT"),
            ("controller.quorum.bootstrap.servers", &bootstrap),
            ("metadata.log.dir", &metadata),
            ("log.dirs", &metadata),
        ],
    );
    path
}

fn yakt_format(config: &Path, cluster_id: &str, flag: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_yakt"))
        .args(["format", "--config"])
        .arg(config)
        .args(["--cluster-id", cluster_id, flag])
        .output()
        .expect("run yakt format");
    expect_success(&output, &format!("yakt format {flag}"));
}

fn start_yakt(name: &str, config: &Path, port: u16) -> BackgroundProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yakt"));
    command
        .arg("run")
        .arg("--config")
        .arg(config)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or("info".into()),
        )
        .env("NO_COLOR", "1");
    let mut process = BackgroundProcess::spawn(name, command, test_log_dir(name));
    wait_for_port(SocketAddr::from(([127, 0, 0, 1], port)), &mut process);
    process
}

fn quorum_tool(bootstrap: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--bootstrap-controller", bootstrap];
    all.extend_from_slice(args);
    KafkaTool::new(&kafka_version(), "metadata-quorum")
        .args(&all)
        .timeout(Duration::from_secs(60))
        .output()
}

/// `describe --replication` as node id -> (directory id, status).
fn replication(bootstrap: &str) -> BTreeMap<i32, (String, String)> {
    let output = quorum_tool(bootstrap, &["describe", "--replication"]);
    expect_success(&output, "kafka-metadata-quorum describe --replication")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let id = fields.first()?.parse().ok()?;
            Some((id, (fields[1].to_string(), fields.last()?.to_string())))
        })
        .collect()
}

/// `describe --status` as `key -> value`.
fn status(bootstrap: &str) -> BTreeMap<String, String> {
    let output = quorum_tool(bootstrap, &["describe", "--status"]);
    expect_success(&output, "kafka-metadata-quorum describe --status")
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn directory_id(dir: &Path) -> String {
    let meta = std::fs::read_to_string(dir.join("metadata/meta.properties")).unwrap();
    meta.lines()
        .find_map(|line| line.strip_prefix("directory.id="))
        .expect("directory.id in meta.properties")
        .to_string()
}

fn wait_for_status(bootstrap: &str, node: i32, wanted: &str) -> BTreeMap<i32, (String, String)> {
    let mut last = BTreeMap::new();
    wait_until(
        &format!("node {node} listed as {wanted}"),
        Duration::from_secs(60),
        || {
            last = replication(bootstrap);
            last.get(&node).is_some_and(|(_, status)| status == wanted)
        },
    );
    last
}

#[test]
fn a_controller_joins_and_leaves_a_dynamic_quorum_through_kafka_metadata_quorum() {
    let root = tempfile::tempdir().unwrap();
    let cluster_id = yakt_wire::Uuid::random().to_string();
    let (port_1, port_2) = (free_port(), free_port());
    let (dir_1, dir_2) = (root.path().join("node-1"), root.path().join("node-2"));
    let config_1 = controller_config(&dir_1, 1, port_1, port_1);
    let config_2 = controller_config(&dir_2, 2, port_2, port_1);
    yakt_format(&config_1, &cluster_id, "--standalone");
    yakt_format(&config_2, &cluster_id, "--no-initial-controllers");
    let bootstrap = format!("127.0.0.1:{port_1}");
    let mut node_1 = start_yakt("yakt-node-1", &config_1, port_1);
    let mut node_2 = start_yakt("yakt-node-2", &config_2, port_2);

    // Node 2 fetches from the leader as an observer.
    let before = wait_for_status(&bootstrap, 2, "Observer");
    assert_eq!(before[&1].1, "Leader");
    let directory_2 = directory_id(&dir_2);
    assert_eq!(before[&2].0, directory_2);

    let output = quorum_tool(
        &bootstrap,
        &[
            "--command-config",
            config_2.to_str().unwrap(),
            "add-controller",
        ],
    );
    let added = expect_success(&output, "kafka-metadata-quorum add-controller");
    assert!(
        added.contains("Added") && added.contains("controller 2"),
        "{added}"
    );

    let after = wait_for_status(&bootstrap, 2, "Follower");
    assert_eq!(after[&2].0, directory_2);
    assert_eq!(after[&1].1, "Leader");
    let described = status(&bootstrap);
    assert_eq!(described["LeaderId"], "1");
    let voters = &described["CurrentVoters"];
    assert!(
        voters.contains("\"id\": 1") && voters.contains("\"id\": 2"),
        "{described:?}"
    );
    assert!(voters.contains(&format!("127.0.0.1:{port_2}")), "{voters}");

    let output = quorum_tool(
        &bootstrap,
        &[
            "remove-controller",
            "--controller-id",
            "2",
            "--controller-directory-id",
            &directory_2,
        ],
    );
    let removed = expect_success(&output, "kafka-metadata-quorum remove-controller");
    assert!(
        removed.contains("Removed") && removed.contains(&directory_2),
        "{removed}"
    );
    wait_for_status(&bootstrap, 2, "Observer");
    let described = status(&bootstrap);
    assert!(
        !described["CurrentVoters"].contains("\"id\": 2"),
        "{described:?}"
    );

    node_1.assert_running();
    node_2.assert_running();
    assert!(node_2.terminate().success());
    assert!(node_1.terminate().success());
}
