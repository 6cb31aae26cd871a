//! yakt runs on directories formatted by Kafka's own `kafka-storage format`: a static quorum
//! (three voters from `controller.quorum.voters`, kraft.version 0) and a dynamic one
//! (`--standalone`: the voter set from the 0-0 checkpoint's VotersRecord, kraft.version 1).
//! Kafka's `kafka-metadata-quorum` then sees an elected leader among the voters.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{
    expect_success, format_storage, free_port, kafka_version, test_log_dir, wait_for_port,
    wait_until, write_properties, BackgroundProcess, KafkaTool,
};

fn controller_properties(
    dir: &Path,
    id: i32,
    port: u16,
    voters: Option<&str>,
) -> Vec<(String, String)> {
    let metadata = dir.join("metadata").display().to_string();
    let mut properties = vec![
        ("node.id".to_string(), id.to_string()),
        ("process.roles".to_string(), "controller".to_string()),
        (
            "listeners".to_string(),
            format!("CONTROLLER://127.0.0.1:{port}"),
        ),
        (
            "controller.listener.names".to_string(),
            "CONTROLLER".to_string(),
        ),
        (
            "listener.security.protocol.map".to_string(),
            "CONTROLLER:PLAINTEXT".to_string(),
        ),
        ("metadata.log.dir".to_string(), metadata.clone()),
        ("log.dirs".to_string(), metadata),
    ];
    match voters {
        Some(voters) => {
            properties.push(("controller.quorum.voters".to_string(), voters.to_string()))
        }
        None => properties.push((
            "controller.quorum.bootstrap.servers".to_string(),
            format!("127.0.0.1:{port}"),
        )),
    }
    properties
}

fn start_yakt(name: &str, config: &Path, port: u16) -> BackgroundProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yakt"));
    command
        .arg("run")
        .arg("--config")
        .arg(config)
        .env("NO_COLOR", "1");
    let mut process = BackgroundProcess::spawn(name, command, test_log_dir(name));
    wait_for_port(SocketAddr::from(([127, 0, 0, 1], port)), &mut process);
    process
}

/// Waits until `bootstrap` names an elected leader through DescribeCluster (as Java's admin
/// client does before its DescribeQuorum), then runs `describe --status` and returns it as
/// `key -> value`.
fn status_with_leader(bootstrap: &str) -> BTreeMap<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let port: u16 = bootstrap.rsplit(':').next().unwrap().parse().unwrap();
    wait_until("an elected leader", Duration::from_secs(30), || {
        runtime
            .block_on(support::agreed_controller([port]))
            .is_some()
    });
    let output = KafkaTool::run(
        &kafka_version(),
        "metadata-quorum",
        &["--bootstrap-controller", bootstrap, "describe", "--status"],
    );
    expect_success(&output, "kafka-metadata-quorum describe --status")
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn write(dir: &Path, properties: &[(String, String)]) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("controller.properties");
    let pairs: Vec<(&str, &str)> = properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    write_properties(&path, &pairs);
    path
}

#[test]
fn a_static_quorum_formatted_by_kafka_storage_elects_a_leader() {
    let root = tempfile::tempdir().unwrap();
    let cluster_id = yakt_wire::Uuid::random().to_string();
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let voters = (1..=3)
        .map(|id| format!("{id}@127.0.0.1:{}", ports[id as usize - 1]))
        .collect::<Vec<_>>()
        .join(",");
    let mut processes = Vec::new();
    let configs: Vec<_> = (1..=3)
        .map(|id| {
            let dir = root.path().join(format!("node-{id}"));
            let config = write(
                &dir,
                &controller_properties(&dir, id, ports[id as usize - 1], Some(&voters)),
            );
            format_storage(&kafka_version(), &cluster_id, &config);
            config
        })
        .collect();
    for (i, config) in configs.iter().enumerate() {
        processes.push(start_yakt(
            &format!("yakt-node-{}", i + 1),
            config,
            ports[i],
        ));
    }
    let status = status_with_leader(&format!("127.0.0.1:{}", ports[0]));
    assert_eq!(status["ClusterId"], cluster_id);
    let leader: i32 = status["LeaderId"].parse().unwrap();
    assert!((1..=3).contains(&leader));
    // kraft.version 0: quorum-state is data_version 0 with the static voters.
    let quorum_state = std::fs::read_to_string(
        root.path()
            .join("node-1/metadata/__cluster_metadata-0/quorum-state"),
    )
    .unwrap();
    assert!(
        quorum_state.contains("\"data_version\":0") && quorum_state.contains("\"currentVoters\""),
        "{quorum_state}"
    );
    for process in &mut processes {
        assert!(process.terminate().success());
    }
}

#[test]
fn a_standalone_dynamic_quorum_formatted_by_kafka_storage_elects_its_voter() {
    let root = tempfile::tempdir().unwrap();
    let cluster_id = yakt_wire::Uuid::random().to_string();
    let port = free_port();
    let dir = root.path().join("node-1");
    let config = write(&dir, &controller_properties(&dir, 1, port, None));
    let output = KafkaTool::run(
        &kafka_version(),
        "storage",
        &[
            "format",
            "-t",
            &cluster_id,
            "-c",
            config.to_str().unwrap(),
            "--standalone",
        ],
    );
    expect_success(&output, "kafka-storage format --standalone");
    let mut process = start_yakt("yakt-standalone", &config, port);
    let status = status_with_leader(&format!("127.0.0.1:{port}"));
    assert_eq!(status["LeaderId"], "1");
    assert!(status["CurrentVoters"].contains("\"id\": 1"), "{status:?}");
    // kraft.version 1: quorum-state is data_version 1.
    let quorum_state =
        std::fs::read_to_string(dir.join("metadata/__cluster_metadata-0/quorum-state")).unwrap();
    assert!(
        quorum_state.contains("\"data_version\":1"),
        "{quorum_state}"
    );
    assert!(process.terminate().success());
}
