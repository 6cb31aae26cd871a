//! The log's behaviour, run on the real file system (a temp dir) and on MemFs alike.

mod common;

use common::{batch, batches_in, fill, read_all, small_segments, Env};
use yakt_log::{AppendInfo, LogConfig, LogError};
use yakt_wire::batch::BatchHeader;

/// Runs a test body once on MemFs and once on the real file system.
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn mem_fs() {
                let body: fn(Env) = $body;
                body(Env::mem());
            }
            #[test]
            fn real_fs() {
                let body: fn(Env) = $body;
                body(Env::real());
            }
        }
    };
}

on_both!(append_assigns_offsets_and_reads_them_back, |env| {
    let mut log = env.open(LogConfig::default()).unwrap();
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (0, 0));
    let a = log.append_as_leader(&batch(3, 1, 10), 1).unwrap();
    let b = log.append_as_leader(&batch(1, 2, 11), 1).unwrap();
    let c = log.append_as_leader(&batch(5, 3, 12), 2).unwrap();
    let info = |first_offset, last_offset| AppendInfo {
        first_offset,
        last_offset,
    };
    assert_eq!((a, b, c), (info(0, 2), info(3, 3), info(4, 8)));
    assert_eq!(log.log_end_offset(), 9);
    assert_eq!(
        batches_in(&log.read(0, 1 << 20).unwrap()),
        [(0, 2, 1), (3, 3, 1), (4, 8, 2)]
    );
    assert_eq!(
        batches_in(&log.read(3, 1 << 20).unwrap()),
        [(3, 3, 1), (4, 8, 2)]
    );
    assert_eq!(batches_in(&log.read(6, 1 << 20).unwrap()), [(4, 8, 2)]);
    assert!(log.read(9, 1 << 20).unwrap().is_empty());
    assert!(matches!(
        log.read(10, 100),
        Err(LogError::OffsetOutOfRange { .. })
    ));
});

on_both!(read_stops_at_max_bytes_but_returns_one_whole_batch, |env| {
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 3, 10, 1);
    let one = log.read(0, 1).unwrap();
    assert_eq!(batches_in(&one), [(0, 9, 1)]);
    let two = log.read(0, one.len() * 2).unwrap();
    assert_eq!(batches_in(&two).len(), 2);
});

on_both!(
    appended_batches_are_valid_with_rewritten_offset_and_epoch,
    |env| {
        let mut log = env.open(LogConfig::default()).unwrap();
        fill(&mut log, 2, 4, 7);
        let bytes = log.read(4, 1 << 20).unwrap();
        let header = BatchHeader::parse(&bytes).unwrap();
        assert_eq!((header.base_offset, header.partition_leader_epoch), (4, 7));
        yakt_wire::batch::BatchView::parse(&bytes).expect("CRC still valid");
    }
);

on_both!(rolls_at_segment_bytes_and_reads_across_segments, |env| {
    let mut log = env.open(small_segments(2_000)).unwrap();
    fill(&mut log, 40, 10, 1);
    let segments = log.segment_base_offsets();
    assert!(segments.len() > 5, "{segments:?}");
    for name in ["00000000000000000000.log", "00000000000000000000.index"] {
        assert!(env.fs.exists(&env.path(name)), "{name}");
    }
    let all = read_all(&log);
    assert_eq!(all.len(), 40);
    assert!(all.windows(2).all(|w| w[1].0 == w[0].1 + 1));
    log.close().unwrap();
    let index_files = |env: &Env| -> Vec<Vec<u8>> {
        let names = env.fs.list_dir(&env.dir).unwrap();
        let indexes = names.iter().filter(|n| n.ends_with("index"));
        indexes
            .map(|n| env.fs.read(&env.path(n)).unwrap())
            .collect()
    };
    let before = index_files(&env);
    let log = env.open(small_segments(2_000)).unwrap();
    assert_eq!(log.segment_base_offsets(), segments);
    assert_eq!(read_all(&log), all);
    assert_eq!(
        index_files(&env),
        before,
        "indexes that match the log are kept"
    );
});

on_both!(
    index_entries_name_batch_last_offsets_at_batch_starts,
    |env| {
        let mut log = env.open(LogConfig::default()).unwrap();
        fill(&mut log, 60, 10, 1);
        let index = env
            .fs
            .read(&env.path("00000000000000000000.index"))
            .unwrap();
        assert!(!index.is_empty() && index.len() % 8 == 0);
        let segment = env.fs.read(&env.path("00000000000000000000.log")).unwrap();
        let batch_bytes = log.read(0, 1).unwrap().len();
        let mut previous = 0;
        for entry in index.chunks(8) {
            let relative = i64::from(u32::from_be_bytes(entry[..4].try_into().unwrap()));
            let position = u32::from_be_bytes(entry[4..].try_into().unwrap()) as usize;
            let header = BatchHeader::parse(&segment[position..]).unwrap();
            assert_eq!(header.last_offset(), relative);
            // An entry once more than 4096 bytes were written since the previous one.
            let gap = position - previous;
            assert!(gap > 4096 && gap <= 4096 + batch_bytes, "gap {gap}");
            previous = position;
        }
        assert!(segment.len() - previous <= 4096 + batch_bytes);
    }
);

on_both!(reopen_keeps_offsets_epochs_and_data, |env| {
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 3, 2, 1);
    fill(&mut log, 2, 2, 4);
    log.close().unwrap();
    let log = env.open(LogConfig::default()).unwrap();
    assert_eq!(log.log_end_offset(), 10);
    assert_eq!(log.latest_epoch(), Some(4));
    assert_eq!(log.end_offset_for_epoch(1), (1, 6));
    assert_eq!(log.end_offset_for_epoch(4), (4, 10));
    assert_eq!(log.recovery_point(), 10);
    let text = String::from_utf8(env.fs.read(&env.path("leader-epoch-checkpoint")).unwrap());
    assert_eq!(text.unwrap(), "0\n2\n1 0\n4 6\n");
});

on_both!(epoch_cache_answers_end_offset_for_epoch, |env| {
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 2, 5, 1);
    fill(&mut log, 1, 5, 3);
    fill(&mut log, 1, 5, 5);
    assert_eq!(log.end_offset_for_epoch(0), (0, 0));
    assert_eq!(log.end_offset_for_epoch(1), (1, 10));
    assert_eq!(log.end_offset_for_epoch(2), (1, 10));
    assert_eq!(log.end_offset_for_epoch(3), (3, 15));
    assert_eq!(log.end_offset_for_epoch(5), (5, 20));
    assert_eq!(log.end_offset_for_epoch(6), (-1, -1));
    let err = log.append_as_leader(&batch(1, 0, 0), 4).unwrap_err();
    assert!(matches!(err, LogError::OutOfOrder(_)), "{err}");
});

on_both!(truncate_to_across_segments_keeps_epoch_cache_true, |env| {
    let mut log = env.open(small_segments(1_500)).unwrap();
    fill(&mut log, 10, 5, 1);
    fill(&mut log, 10, 5, 2);
    let before = log.segment_base_offsets().len();
    let held = log.read(0, 1 << 20).unwrap();
    log.truncate_to(30).unwrap();
    assert_eq!(log.log_end_offset(), 30);
    assert!(log.segment_base_offsets().len() < before);
    assert_eq!(log.latest_epoch(), Some(1));
    assert_eq!(log.end_offset_for_epoch(1), (1, 30));
    assert_eq!(log.end_offset_for_epoch(2), (-1, -1));
    assert!(batches_in(&held).len() >= 2, "held bytes stay readable");
    let info = log.append_as_leader(&batch(2, 9, 0), 3).unwrap();
    assert_eq!(info.first_offset, 30);
    let all = read_all(&log);
    drop(log);
    let log = env.open(small_segments(1_500)).unwrap();
    assert_eq!(read_all(&log), all);
    assert_eq!(log.end_offset_for_epoch(1), (1, 30));
    assert_eq!(log.latest_epoch(), Some(3));
});

on_both!(truncate_inside_a_batch_cuts_at_its_start, |env| {
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 3, 5, 1);
    log.truncate_to(7).unwrap();
    assert_eq!(log.log_end_offset(), 5);
    log.truncate_to(100).unwrap();
    assert_eq!(log.log_end_offset(), 5);
    log.truncate_to(0).unwrap();
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (0, 0));
    assert_eq!(log.latest_epoch(), None);
});

on_both!(follower_append_keeps_offsets_and_rejects_gaps, |env| {
    let mut leader = env.open(LogConfig::default()).unwrap();
    fill(&mut leader, 3, 4, 2);
    let bytes = leader.read(0, 1 << 20).unwrap();
    drop(leader);
    let follower_env = Env::mem();
    let mut follower = follower_env.open(LogConfig::default()).unwrap();
    let torn = &bytes[..bytes.len() - 5];
    let info = follower.append_as_follower(torn).unwrap().unwrap();
    assert_eq!((info.first_offset, info.last_offset), (0, 7));
    assert_eq!(follower.latest_epoch(), Some(2));
    let err = follower.append_as_follower(&bytes).unwrap_err();
    assert!(matches!(err, LogError::OutOfOrder(_)), "{err}");
    follower.truncate_to(4).unwrap();
    let rest = follower
        .append_as_follower(&bytes[bytes.len() / 3..])
        .unwrap();
    assert_eq!(rest.map(|i| i.last_offset), Some(11));
});

on_both!(flush_moves_the_flushed_offset, |env| {
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 2, 2, 1);
    assert_eq!(log.flushed_offset(), 0);
    log.flush().unwrap();
    assert_eq!(log.flushed_offset(), 4);
    log.checkpoint_recovery_point().unwrap();
    assert_eq!(log.recovery_point(), 4);
    log.truncate_to(2).unwrap();
    assert_eq!((log.flushed_offset(), log.recovery_point()), (2, 2));
});

on_both!(truncate_fully_restarts_the_log_at_a_snapshot, |env| {
    let mut log = env.open(small_segments(1_000)).unwrap();
    fill(&mut log, 10, 5, 1);
    log.truncate_fully_and_start_at(500).unwrap();
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (500, 500));
    assert_eq!(log.latest_epoch(), None);
    fill(&mut log, 1, 5, 4);
    drop(log);
    let log = env.open(small_segments(1_000)).unwrap();
    assert_eq!(log.segment_base_offsets(), [500]);
    assert_eq!(read_all(&log), [(500, 504, 4)]);
});

on_both!(retention_deletes_only_segments_below_the_snapshot, |env| {
    let config = LogConfig {
        segment_bytes: 1_000,
        retention_bytes: 2_000,
        ..LogConfig::default()
    };
    let mut log = env.open(config.clone()).unwrap();
    fill(&mut log, 20, 5, 1);
    let segments = log.segment_base_offsets();
    let snapshot_end = segments[3];
    let deleted = log
        .delete_segments_below_snapshot(snapshot_end, 0, 2_000)
        .unwrap();
    assert_eq!(deleted, 3);
    assert_eq!(log.log_start_offset(), snapshot_end);
    assert_eq!(log.epoch_cache().entries()[0].start_offset, snapshot_end);
    // Within retention nothing goes even below a snapshot.
    let unlimited = LogConfig {
        retention_bytes: -1,
        ..config.clone()
    };
    drop(log);
    let mut log = env.open(unlimited).unwrap();
    let end = log.log_end_offset();
    assert_eq!(
        log.delete_segments_below_snapshot(end, 0, 2_000).unwrap(),
        0
    );
    // Too old: every segment below the snapshot goes; the active one stays.
    let by_age = LogConfig {
        retention_bytes: -1,
        retention_ms: 10,
        ..config
    };
    drop(log);
    let mut log = env.open(by_age).unwrap();
    let before = log.segment_base_offsets().len();
    let deleted = log
        .delete_segments_below_snapshot(end, 0, 1_000_000)
        .unwrap();
    assert_eq!(deleted, before - 1);
    assert_eq!(read_all(&log).last().map(|b| b.1), Some(end - 1));
});

on_both!(partition_metadata_is_written_and_checked, |env| {
    drop(env.open(LogConfig::default()).unwrap());
    let text = env.fs.read(&env.path("partition.metadata")).unwrap();
    assert_eq!(text, b"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n");
    let other = b"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAg\n";
    yakt_log::durable::write_durably(&*env.fs, &env.path("partition.metadata"), other).unwrap();
    let err = env.open(LogConfig::default()).unwrap_err();
    assert!(matches!(err, LogError::TopicIdMismatch { .. }), "{err}");
});

on_both!(
    rolls_when_a_batch_is_segment_ms_newer_than_the_segment_start,
    |env| {
        let config = LogConfig {
            segment_ms: 1_000,
            ..LogConfig::default()
        };
        let mut log = env.open(config.clone()).unwrap();
        for timestamp_ms in [10_000, 10_500, 11_000, 11_001, 11_500] {
            log.append_as_leader(&batch(1, 0, timestamp_ms), 1).unwrap();
        }
        assert_eq!(log.segment_base_offsets(), [0, 3]);
        drop(log);
        let mut log = env.open(config).unwrap();
        log.append_as_leader(&batch(1, 0, 12_002), 1).unwrap();
        assert_eq!(log.segment_base_offsets(), [0, 3, 5]);
    }
);

/// Reads from sealed segments on the real file system are slices of one shared mapping:
/// two reads of the same batch point at the same memory (no copy).
#[test]
fn sealed_segment_reads_are_zero_copy_on_the_real_fs() {
    let env = Env::real();
    let mut log = env.open(small_segments(2_000)).unwrap();
    fill(&mut log, 20, 10, 1);
    assert!(log.segment_base_offsets().len() > 2);
    let (a, b) = (log.read(0, 100).unwrap(), log.read(0, 100).unwrap());
    assert_eq!(a.as_ptr(), b.as_ptr());
    let end = log.log_end_offset();
    let (c, d) = (
        log.read(end - 1, 100).unwrap(),
        log.read(end - 1, 100).unwrap(),
    );
    assert_ne!(
        c.as_ptr(),
        d.as_ptr(),
        "the active segment is read, not mapped"
    );
}

on_both!(
    end_offset_for_epoch_with_snapshots_follows_kafka_metadata_log,
    |env| {
        use yakt_log::snapshot::SnapshotId;
        let snap = |end_offset, epoch| Some(SnapshotId { end_offset, epoch });
        let mut log = env.open(LogConfig::default()).unwrap();
        assert_eq!(log.last_fetched_epoch(None).unwrap(), 0);
        log.truncate_fully_and_start_at(10).unwrap();
        assert_eq!(log.last_fetched_epoch(snap(10, 3)).unwrap(), 3);
        assert!(log.last_fetched_epoch(snap(12, 3)).unwrap_err().is_fatal());
        // Epoch 3 is not in the log: the log end and the snapshot's epoch answer.
        assert_eq!(
            log.end_offset_for_epoch_with_snapshots(3, snap(10, 3), snap(10, 3))
                .unwrap(),
            (3, 10)
        );
        fill(&mut log, 2, 5, 4);
        fill(&mut log, 1, 5, 6);
        // An epoch older than the log: Kafka answers with the earliest snapshot.
        assert_eq!(
            log.end_offset_for_epoch_with_snapshots(2, snap(10, 3), snap(10, 3))
                .unwrap(),
            (3, 10)
        );
        assert_eq!(
            log.end_offset_for_epoch_with_snapshots(4, snap(10, 3), None)
                .unwrap(),
            (4, 20)
        );
        assert_eq!(
            log.end_offset_for_epoch_with_snapshots(5, snap(10, 3), None)
                .unwrap(),
            (4, 20)
        );
        assert_eq!(
            log.end_offset_for_epoch_with_snapshots(9, None, None)
                .unwrap(),
            (6, 25)
        );
    }
);

on_both!(a_snapshot_ahead_of_the_log_restarts_it_there, |env| {
    use yakt_log::snapshot::SnapshotId;
    let mut log = env.open(LogConfig::default()).unwrap();
    let bootstrap = Some(SnapshotId::BOOTSTRAP);
    assert!(!log.truncate_to_latest_snapshot(bootstrap).unwrap());
    fill(&mut log, 2, 5, 2);
    let behind = Some(SnapshotId {
        end_offset: 5,
        epoch: 2,
    });
    assert!(!log.truncate_to_latest_snapshot(behind).unwrap());
    let ahead = Some(SnapshotId {
        end_offset: 30,
        epoch: 2,
    });
    assert!(log.truncate_to_latest_snapshot(ahead).unwrap());
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (30, 30));
    fill(&mut log, 1, 5, 3);
    let newer_epoch = Some(SnapshotId {
        end_offset: 32,
        epoch: 4,
    });
    assert!(log.truncate_to_latest_snapshot(newer_epoch).unwrap());
    assert_eq!(log.log_end_offset(), 32);
});
