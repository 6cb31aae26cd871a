//! Three yakt controllers in one process, on loopback, with static voters as the quickstart
//! formats them ([`EmbeddedQuorum`]): they elect one leader, replicate what it appends to
//! every voter, and elect a new leader when it stops.

use std::time::Duration;

use yakt::embed::EmbeddedQuorum;
use yakt_wire::{encode_frame, MetadataRecord, NoOpRecord};

/// Election timeouts are 1-2 s and the fetch timeout 2 s (Kafka's defaults): 30 s is ample.
const CONVERGENCE: Duration = Duration::from_secs(30);

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

/// Whether every running controller's high watermark is past `offset`.
fn committed_everywhere(quorum: &EmbeddedQuorum, offset: i64) -> Option<()> {
    quorum
        .statuses()
        .values()
        .all(|s| s.high_watermark.is_some_and(|hwm| hwm > offset))
        .then_some(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_controllers_elect_replicate_and_fail_over() {
    let mut quorum = EmbeddedQuorum::builder()
        .controllers(3)
        .static_voters(true)
        .start()
        .await
        .unwrap();

    // Every controller names the leader in its epoch, and the leader holds the role.
    let leader = quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    let epoch = quorum.statuses()[&leader].epoch;
    assert!(epoch >= 1);

    // What the leader appends reaches every voter's high watermark.
    let record = encode_frame(&MetadataRecord::NoOp(NoOpRecord::default()), 0).unwrap();
    let appended = quorum
        .node(leader)
        .unwrap()
        .raft()
        .append(epoch, vec![record.clone(), record])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(appended.last_offset, appended.first_offset + 1);
    wait_for("every voter committing the append", || {
        committed_everywhere(&quorum, appended.last_offset)
    })
    .await;

    // The leader stops: the other two elect a new one in a later epoch.
    quorum.stop(leader).await.unwrap();
    let new_leader = quorum.wait_for_leader(CONVERGENCE).await.unwrap();
    let new_epoch = quorum.statuses()[&new_leader].epoch;
    assert_ne!(new_leader, leader);
    assert!(new_epoch > epoch);
    // Once the new leader commits its first record of the new epoch, its high watermark covers
    // everything committed before (leader completeness).
    wait_for("the new leader's high watermark", || {
        committed_everywhere(&quorum, appended.last_offset + 1)
    })
    .await;
    quorum.shutdown().await;
}
