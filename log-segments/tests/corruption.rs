//! The corruption matrix (reliability.md §3) for the log: each case with its expected outcome.
//! "Unflushed" damage lies above the recorded recovery point and is cut with a warning;
//! "durable" damage lies below it and stops the open with a fatal, typed error.

mod common;

use common::{batch, fill, read_all, small_segments, Env};
use yakt_log::{LogConfig, LogError};

const SEGMENT: &str = "00000000000000000000.log";

/// Writes three batches of 5 records (offsets 0..15); with `durable_tail` the recovery point
/// covers all three, otherwise only the first two. Returns the byte position of each batch.
fn three_batches(env: &Env, durable_tail: bool) -> Vec<usize> {
    let mut log = env.open(LogConfig::default()).unwrap();
    let mut starts = Vec::new();
    for i in 0..3 {
        starts.push(log.size_in_bytes() as usize);
        if i == 2 && !durable_tail {
            log.flush().unwrap();
            log.checkpoint_recovery_point().unwrap();
        }
        log.append_as_leader(&batch(5, i, 100 + i64::from(i)), 1)
            .unwrap();
    }
    log.flush().unwrap();
    if durable_tail {
        log.checkpoint_recovery_point().unwrap();
    }
    starts
}

fn segment_len(env: &Env) -> usize {
    env.memfs().contents(&env.path(SEGMENT)).unwrap().len()
}

fn assert_fatal(err: LogError) {
    assert!(err.is_fatal(), "expected a fatal error, got {err}");
    assert!(matches!(err, LogError::CorruptDurableData { .. }), "{err}");
}

#[test]
fn truncation_at_every_byte_of_an_unflushed_last_batch_cuts_that_batch() {
    let probe = Env::mem();
    let starts = three_batches(&probe, false);
    let total = segment_len(&probe);
    for cut in starts[2] + 1..total {
        let env = Env::mem();
        three_batches(&env, false);
        env.memfs().set_file_len(&env.path(SEGMENT), cut).unwrap();
        let log = env.open(LogConfig::default()).unwrap();
        assert_eq!(log.log_end_offset(), 10, "cut at byte {cut}");
        assert_eq!(segment_len(&env), starts[2], "cut at byte {cut}");
        assert_eq!(read_all(&log).len(), 2);
    }
}

#[test]
fn truncation_at_every_byte_of_a_durable_last_batch_is_fatal_and_cuts_nothing() {
    let probe = Env::mem();
    let starts = three_batches(&probe, true);
    let total = segment_len(&probe);
    for cut in starts[2]..total {
        let env = Env::mem();
        three_batches(&env, true);
        env.memfs().set_file_len(&env.path(SEGMENT), cut).unwrap();
        assert_fatal(env.open(LogConfig::default()).unwrap_err());
        assert_eq!(segment_len(&env), cut, "nothing is cut after a fatal error");
    }
}

/// A byte inside the CRC-covered part of batch `n` (its base timestamp).
fn flip_in_batch(env: &Env, starts: &[usize], n: usize) {
    env.memfs()
        .flip_bit(&env.path(SEGMENT), starts[n] + 30, 3)
        .unwrap();
}

#[test]
fn bit_flip_in_first_middle_or_last_unflushed_batch_cuts_from_that_batch() {
    for (n, end) in [(0, 0), (1, 5), (2, 10)] {
        let env = Env::mem();
        let starts = three_batches(&env, false);
        // A log Kafka wrote has no recovery point file: everything is above it.
        env.fs
            .remove_file(&env.path("recovery-point-offset-checkpoint"))
            .unwrap();
        flip_in_batch(&env, &starts, n);
        let log = env.open(LogConfig::default()).unwrap();
        assert_eq!(log.log_end_offset(), end, "flip in batch {n}");
        assert_eq!(segment_len(&env), starts[n]);
    }
}

#[test]
fn bit_flip_in_first_middle_or_last_durable_batch_is_fatal() {
    for n in 0..3 {
        let env = Env::mem();
        let starts = three_batches(&env, true);
        flip_in_batch(&env, &starts, n);
        let err = env.open(LogConfig::default()).unwrap_err();
        assert!(err.to_string().contains("CRC"), "{err}");
        assert_fatal(err);
    }
}

#[test]
fn zeroed_tail_is_cut_without_losing_records() {
    let env = Env::mem();
    three_batches(&env, true);
    let len = segment_len(&env);
    env.memfs()
        .set_file_len(&env.path(SEGMENT), len + 4096)
        .unwrap();
    let log = env.open(LogConfig::default()).unwrap();
    assert_eq!(log.log_end_offset(), 15);
    assert_eq!(segment_len(&env), len);
}

#[test]
fn negative_or_huge_batch_length_cuts_an_unflushed_batch_and_stops_on_a_durable_one() {
    for length in [-1i32, i32::MAX, 0] {
        let env = Env::mem();
        let starts = three_batches(&env, false);
        let at = starts[2] + 8;
        env.memfs()
            .overwrite(&env.path(SEGMENT), at, &length.to_be_bytes())
            .unwrap();
        let log = env.open(LogConfig::default()).unwrap();
        assert_eq!(log.log_end_offset(), 10, "length {length}");

        let env = Env::mem();
        let starts = three_batches(&env, true);
        let at = starts[1] + 8;
        env.memfs()
            .overwrite(&env.path(SEGMENT), at, &length.to_be_bytes())
            .unwrap();
        let err = env.open(LogConfig::default()).unwrap_err();
        assert!(err.to_string().contains("batch length"), "{err}");
        assert_fatal(err);
    }
}

fn multi_segment(env: &Env) -> Vec<i64> {
    let mut log = env.open(small_segments(1_000)).unwrap();
    fill(&mut log, 20, 5, 1);
    log.close().unwrap();
    let bases = env
        .open(small_segments(1_000))
        .unwrap()
        .segment_base_offsets();
    assert!(bases.len() >= 4, "{bases:?}");
    bases
}

#[test]
fn missing_middle_segment_below_the_recovery_point_is_fatal() {
    let env = Env::mem();
    let bases = multi_segment(&env);
    let middle = env.path(&format!("{:020}.log", bases[1]));
    env.fs.remove_file(&middle).unwrap();
    let err = env.open(small_segments(1_000)).unwrap_err();
    assert!(
        err.to_string().contains(&format!("segment {}", bases[2])),
        "{err}"
    );
    assert_fatal(err);
}

#[test]
fn missing_middle_segment_above_the_recovery_point_cuts_the_log_at_the_gap() {
    let env = Env::mem();
    let bases = multi_segment(&env);
    env.fs
        .remove_file(&env.path(&format!("{:020}.log", bases[1])))
        .unwrap();
    env.fs
        .remove_file(&env.path("recovery-point-offset-checkpoint"))
        .unwrap();
    let log = env.open(small_segments(1_000)).unwrap();
    assert_eq!(log.segment_base_offsets(), [bases[0]]);
    assert_eq!(log.log_end_offset(), bases[1]);
    assert!(!env.fs.exists(&env.path(&format!("{:020}.log", bases[2]))));
}

#[test]
fn missing_or_corrupt_index_is_rebuilt() {
    let env = Env::mem();
    let mut log = env.open(LogConfig::default()).unwrap();
    fill(&mut log, 40, 10, 1);
    log.close().unwrap();
    let index = env.path("00000000000000000000.index");
    let time_index = env.path("00000000000000000000.timeindex");
    let closed_time_index = env.fs.read(&time_index).unwrap();
    // A rebuilt time index lacks only the entry a clean close appends.
    let good = (
        env.fs.read(&index).unwrap(),
        closed_time_index[..closed_time_index.len() - 12].to_vec(),
    );
    assert!(!good.0.is_empty() && !good.1.is_empty());

    env.fs.remove_file(&index).unwrap();
    env.fs.remove_file(&time_index).unwrap();
    let log = env.open(LogConfig::default()).unwrap();
    assert_eq!(read_all(&log).len(), 40);
    assert_eq!(
        (
            env.fs.read(&index).unwrap(),
            env.fs.read(&time_index).unwrap()
        ),
        good
    );
    drop(log);

    env.memfs().put_file(&index, &[0xff; 13]);
    env.memfs().put_file(&time_index, &[]);
    let log = env.open(LogConfig::default()).unwrap();
    assert_eq!(read_all(&log).len(), 40);
    assert_eq!(
        (
            env.fs.read(&index).unwrap(),
            env.fs.read(&time_index).unwrap()
        ),
        good
    );
}

#[test]
fn sealed_segment_shorter_than_expected_is_cut_or_fatal() {
    let env = Env::mem();
    let bases = multi_segment(&env);
    let first = env.path(SEGMENT);
    let len = env.memfs().contents(&first).unwrap().len();
    env.memfs().set_file_len(&first, len - 10).unwrap();
    assert_fatal(env.open(small_segments(1_000)).unwrap_err());
    env.fs
        .remove_file(&env.path("recovery-point-offset-checkpoint"))
        .unwrap();
    let log = env.open(small_segments(1_000)).unwrap();
    assert_eq!(log.segment_base_offsets(), [0]);
    assert!(log.log_end_offset() < bases[1]);
}

/// A file shortened under a live mapping must not SIGBUS: truncating into a sealed segment
/// while a read of it is held copies the prefix and renames instead of shrinking the file.
#[test]
fn truncating_a_mapped_segment_under_a_live_read_does_not_sigbus() {
    let env = Env::real();
    let mut log = env.open(small_segments(4_000)).unwrap();
    fill(&mut log, 40, 10, 1);
    assert!(log.segment_base_offsets().len() > 2);
    let held = log.read(0, usize::MAX).unwrap();
    let held_sum: u64 = held.iter().map(|&b| u64::from(b)).sum();
    log.truncate_to(1).unwrap();
    assert_eq!(log.log_end_offset(), 0);
    // Touch every byte of the read taken before the truncation.
    assert_eq!(held.iter().map(|&b| u64::from(b)).sum::<u64>(), held_sum);
    let len = std::fs::metadata(env.path(SEGMENT)).unwrap().len();
    assert_eq!(len, 0);
    fill(&mut log, 2, 10, 2);
    assert_eq!(read_all(&log).len(), 2);
}
