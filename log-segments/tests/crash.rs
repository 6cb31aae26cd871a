//! Crashes on MemFs: what was flushed survives, what was not may vanish (or be torn), and the
//! log always reopens at or beyond its flushed offset with every batch intact.

mod common;

use common::{batch, fill, read_all, small_segments, Env};
use yakt_log::{LogConfig, LogError};

#[test]
fn unsynced_appends_are_lost_and_synced_ones_kept() {
    let env = Env::mem();
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 3, 4, 1);
    log.flush().unwrap();
    fill(&mut log, 2, 4, 1);
    drop(log);
    env.memfs().crash();
    let log = env.open(LogConfig::default()).unwrap();
    assert_eq!(log.log_end_offset(), 12);
    assert_eq!(read_all(&log).len(), 3);
}

#[test]
fn a_torn_unsynced_write_is_cut_back_to_the_flushed_offset() {
    let probe = Env::mem();
    let one = batch(4, 0, 0).len();
    drop(probe);
    for keep in 0..=one * 2 {
        let env = Env::mem();
        let mut log = env.open(LogConfig::default()).unwrap();
        fill(&mut log, 3, 4, 1);
        log.flush().unwrap();
        fill(&mut log, 2, 4, 1);
        drop(log);
        env.memfs().crash_tearing(keep);
        let log = env.open(LogConfig::default()).unwrap();
        let whole = (keep / one) as i64;
        assert_eq!(log.log_end_offset(), 12 + 4 * whole, "kept {keep} bytes");
    }
}

#[test]
fn a_new_segment_whose_directory_entry_was_not_synced_disappears_cleanly() {
    let env = Env::mem();
    let mut log = env.open(small_segments(800)).unwrap();
    fill(&mut log, 4, 4, 1);
    log.flush().unwrap();
    let flushed = log.flushed_offset();
    fill(&mut log, 10, 4, 2);
    drop(log);
    env.memfs().crash();
    let log = env.open(small_segments(800)).unwrap();
    assert!(log.log_end_offset() >= flushed);
    let all = read_all(&log);
    assert!(all.windows(2).all(|w| w[1].0 == w[0].1 + 1));
}

/// Random appends, flushes, truncations and crashes: the flushed prefix always survives.
#[test]
fn random_crashes_never_lose_flushed_records() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for run in 0..40 {
        let env = Env::mem();
        let config = small_segments(600 + next(2_000));
        let mut log = env.open(config.clone()).unwrap();
        let mut epoch = 1;
        let mut durable = Vec::new();
        for step in 0..60 {
            match next(10) {
                0..=5 => {
                    let records = 1 + next(6) as usize;
                    log.append_as_leader(&batch(records, step, step.into()), epoch)
                        .unwrap();
                }
                6 => {
                    log.flush().unwrap();
                    durable = read_all(&log);
                }
                7 => {
                    let end = log.log_end_offset();
                    let to = log.log_start_offset() + next(end as u64 + 1) as i64;
                    log.truncate_to(to).unwrap();
                    epoch += 1;
                    durable.retain(|b: &(i64, i64, i32)| b.1 < log.log_end_offset());
                }
                8 => log.checkpoint_recovery_point().unwrap(),
                _ => {
                    drop(log);
                    env.memfs().crash_tearing(next(300) as usize);
                    log = env.open(config.clone()).unwrap();
                    let all = read_all(&log);
                    assert!(all.starts_with(&durable), "run {run} step {step}");
                    epoch = log.latest_epoch().unwrap_or(0).max(epoch);
                }
            }
        }
    }
}

#[test]
fn a_failed_fsync_is_fatal() {
    let env = Env::mem();
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 1, 4, 1);
    env.memfs().fail_syncs(true);
    let err = log.flush().unwrap_err();
    assert!(err.is_fatal(), "{err}");
    assert!(matches!(err, LogError::SyncFailed { .. }));
    assert_eq!(log.flushed_offset(), 0);
}

/// Regression: truncating inside a batch once recorded the requested offset as the recovery
/// point, above the batch start the log was really cut to, and the next open failed.
#[test]
fn truncate_inside_a_batch_lowers_the_recovery_point_to_the_batch_start() {
    let env = Env::mem();
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 3, 4, 1);
    log.close().unwrap();
    let mut log = env.open(LogConfig::default()).unwrap();
    log.truncate_to(6).unwrap();
    assert_eq!((log.log_end_offset(), log.recovery_point()), (4, 4));
    drop(log);
    env.memfs().crash();
    assert_eq!(env.open(LogConfig::default()).unwrap().log_end_offset(), 4);
}

/// Regression (found by the raft simulator on disk, seeds 5229 and 10005): a roll right after
/// recovery left the new segment's directory entry unsynced, so a record flushed into it was
/// lost on a power cut.
#[test]
fn a_roll_right_after_recovery_survives_a_power_cut() {
    use std::path::Path;
    use std::sync::Arc;
    use yakt_log::{FileSystem, Log, MemFs};
    use yakt_wire::batch::BatchBuilder;

    let record = |base: i64| {
        let mut builder = BatchBuilder::new(base, 1, 0);
        builder.push(None, Some(&[7u8; 200]));
        builder.build()
    };
    let mem = MemFs::new();
    let fs: Arc<dyn FileSystem> = Arc::new(mem.clone());
    let dir = Path::new("/d/__cluster_metadata-0");
    let config = LogConfig {
        segment_bytes: 1024,
        ..LogConfig::default()
    };
    let mut log = Log::open(Arc::clone(&fs), dir, config.clone()).unwrap();
    while log.size_in_bytes() + 300 < 1024 {
        let end = log.log_end_offset();
        log.append_as_leader(&record(end), 1).unwrap();
    }
    log.flush().unwrap();
    let end = log.log_end_offset();
    drop(log);
    mem.crash();
    let mut log = Log::open(Arc::clone(&fs), dir, config.clone()).unwrap();
    assert_eq!(log.log_end_offset(), end);
    log.append_as_leader(&record(end), 1).unwrap();
    assert_eq!(
        log.segment_base_offsets().len(),
        2,
        "the append rolled a segment"
    );
    log.flush().unwrap();
    drop(log);
    mem.crash();
    let log = Log::open(fs, dir, config).unwrap();
    assert_eq!(log.log_end_offset(), end + 1, "a flushed record was lost");
}
