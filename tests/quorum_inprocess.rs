//! Three yakt controllers in one process, on loopback, formatted as the quickstart formats
//! them: they elect one leader, replicate what it appends to every voter, and elect a new
//! leader when it stops.

use std::time::Duration;

use yakt::commands::quickstart::{prepare, QuickstartOptions};
use yakt::node::Node;
use yakt::raft::RoleKind;
use yakt::server::raft_driver::RaftStatus;
use yakt_wire::{encode_frame, MetadataRecord, NoOpRecord};

/// Election timeouts are 1-2 s and the fetch timeout 2 s (Kafka's defaults): 30 s is ample.
const CONVERGENCE: Duration = Duration::from_secs(30);

/// `count` consecutive free ports on loopback.
fn free_ports(count: u16) -> u16 {
    for _ in 0..100 {
        let first = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if first > u16::MAX - count {
            continue;
        }
        let all_free =
            (first..first + count).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok());
        if all_free {
            return first;
        }
    }
    panic!("no {count} consecutive free ports");
}

async fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + CONVERGENCE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The leader all `nodes` agree on, with its epoch, once they agree.
fn agreed_leader(statuses: &[RaftStatus]) -> Option<(i32, i32)> {
    let first = statuses.first()?;
    let leader = first.leader_id?;
    let same = statuses
        .iter()
        .all(|s| s.leader_id == Some(leader) && s.epoch == first.epoch);
    let one_leader = statuses
        .iter()
        .filter(|s| s.role == RoleKind::Leader)
        .count()
        == 1;
    (same && one_leader).then_some((leader, first.epoch))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_controllers_elect_replicate_and_fail_over() {
    let dir = tempfile::tempdir().unwrap();
    let prepared = prepare(&QuickstartOptions {
        dir: dir.path().to_path_buf(),
        controllers: 3,
        base_port: free_ports(3),
        host: "127.0.0.1".into(),
    })
    .unwrap();
    let mut nodes = Vec::new();
    for controller in &prepared.controllers {
        nodes.push((
            controller.config.node_id,
            Node::start(&controller.config).await.unwrap(),
        ));
    }
    let statuses = |nodes: &[(i32, Node)]| {
        nodes
            .iter()
            .map(|(_, n)| n.raft().status())
            .collect::<Vec<_>>()
    };

    let (leader, epoch) = wait_for("one agreed leader", || agreed_leader(&statuses(&nodes))).await;
    assert!(epoch >= 1);

    // What the leader appends reaches every voter's high watermark.
    let leader_node = &nodes.iter().find(|(id, _)| *id == leader).unwrap().1;
    let record = encode_frame(&MetadataRecord::NoOp(NoOpRecord::default()), 0).unwrap();
    let appended = leader_node
        .raft()
        .append(epoch, vec![record.clone(), record])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(appended.last_offset, appended.first_offset + 1);
    wait_for("every voter committing the append", || {
        statuses(&nodes)
            .iter()
            .all(|s| {
                s.high_watermark
                    .is_some_and(|hwm| hwm > appended.last_offset)
            })
            .then_some(())
    })
    .await;

    // The leader stops: the other two elect a new one in a later epoch.
    let index = nodes.iter().position(|(id, _)| *id == leader).unwrap();
    let (_, old_leader) = nodes.remove(index);
    old_leader.shutdown().await;
    let (new_leader, new_epoch) =
        wait_for("a new leader", || agreed_leader(&statuses(&nodes))).await;
    assert_ne!(new_leader, leader);
    assert!(new_epoch > epoch);
    // Once the new leader commits its first record of the new epoch, its high watermark covers
    // everything committed before (leader completeness).
    wait_for("the new leader's high watermark", || {
        statuses(&nodes)
            .iter()
            .all(|s| {
                s.high_watermark
                    .is_some_and(|hwm| hwm > appended.last_offset + 1)
            })
            .then_some(())
    })
    .await;
    for (_, node) in nodes {
        node.shutdown().await;
    }
}
