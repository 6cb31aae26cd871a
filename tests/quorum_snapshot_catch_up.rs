//! Snapshots in a running quorum: every controller snapshots its committed image at Kafka's
//! thresholds (here `metadata.log.max.snapshot.interval.ms` made short), and a follower whose
//! directory is wiped (and formatted again, still in the voter set) catches up by
//! FetchSnapshot: its log then starts at the snapshot's offset, not at 0, and it reaches the
//! leader's log end offset.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use support::{free_port, wait_until, YaktProcess};

const SNAPSHOT_INTERVAL_MS: &str = "500";

fn partition_dir(node_dir: &Path) -> PathBuf {
    node_dir.join("metadata").join("__cluster_metadata-0")
}

/// Snapshot files other than the bootstrap `0-0` one.
fn snapshots(node_dir: &Path) -> Vec<String> {
    std::fs::read_dir(partition_dir(node_dir))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|name| {
                    name.ends_with(".checkpoint") && !name.starts_with("00000000000000000000-")
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Base offsets of the `.log` segments.
fn segment_bases(node_dir: &Path) -> Vec<i64> {
    let mut bases: Vec<i64> = std::fs::read_dir(partition_dir(node_dir))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|name| name.strip_suffix(".log")?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    bases.sort();
    bases
}

fn leader_of(runtime: &tokio::runtime::Runtime, port: u16) -> Option<i32> {
    runtime.block_on(support::agreed_controller([port]))
}

#[test]
fn a_wiped_follower_catches_up_from_a_snapshot() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let root = tempfile::tempdir().unwrap();
    let cluster_id = yakt_wire::Uuid::random().to_string();
    let ports: BTreeMap<i32, u16> = (1..=3).map(|id| (id, free_port())).collect();
    let start = |id: i32| {
        let dir = root.path().join(format!("node-{id}"));
        let extra = [(
            "metadata.log.max.snapshot.interval.ms",
            SNAPSHOT_INTERVAL_MS,
        )];
        YaktProcess::start_voter(&dir, &cluster_id, id, &ports, &extra)
    };
    let mut nodes: BTreeMap<i32, YaktProcess> = (1..=3).map(|id| (id, start(id))).collect();
    let mut leader = None;
    wait_until("a leader", Duration::from_secs(30), || {
        leader = leader_of(&runtime, ports[&1]);
        leader.is_some()
    });
    let leader = leader.unwrap();
    let follower = (1..=3).find(|id| *id != leader).unwrap();
    let node_dir = |id: i32| root.path().join(format!("node-{id}"));

    // Idle NoOpRecords commit every 500 ms: the leader snapshots its image.
    wait_until("a snapshot on the leader", Duration::from_secs(30), || {
        !snapshots(&node_dir(leader)).is_empty()
    });

    // Wipe the follower's directory and format it again: it starts empty.
    assert!(nodes.get_mut(&follower).unwrap().stop().success());
    std::fs::remove_dir_all(node_dir(follower).join("metadata")).unwrap();
    nodes.insert(follower, start(follower));

    // It catches up through the snapshot: its log starts past 0, and it serves the same
    // leader as everyone else.
    wait_until(
        "the wiped follower to load a snapshot",
        Duration::from_secs(30),
        || {
            segment_bases(&node_dir(follower))
                .first()
                .is_some_and(|base| *base > 0)
        },
    );
    let fetched = snapshots(&node_dir(follower));
    assert!(
        !fetched.is_empty(),
        "the follower keeps the snapshot it fetched"
    );
    wait_until(
        "the wiped follower to know the leader",
        Duration::from_secs(30),
        || leader_of(&runtime, ports[&follower]) == Some(leader),
    );
    for node in nodes.values_mut() {
        assert!(node.stop().success(), "yakt exits 0 on SIGTERM");
    }
}
