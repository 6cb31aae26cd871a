//! The raft engine's log on disk (`yakt::storage::DiskLog`, over yakt-log) behaves as the
//! engine's reference in-memory log (`MemLog`) under random sequences of leader appends,
//! follower appends, truncations and flushes: every observable answer is the same. It runs on
//! the real file system and on yakt-log's in-memory one.

use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;
use yakt::raft::log::RaftLog;
use yakt::raft::MemLog;
use yakt::storage::DiskLog;
use yakt_log::{FileSystem, LogConfig, MemFs, RealFs};
use yakt_wire::BatchBuilder;

#[derive(Debug, Clone)]
enum Op {
    Leader { records: usize, new_epoch: bool },
    Follower { batches: usize, records: usize },
    Truncate { permille: u32 },
    Flush,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1usize..5, any::<bool>()).prop_map(|(records, new_epoch)| Op::Leader { records, new_epoch }),
        2 => (1usize..3, 1usize..4).prop_map(|(batches, records)| Op::Follower { batches, records }),
        1 => (0u32..1000).prop_map(|permille| Op::Truncate { permille }),
        2 => Just(Op::Flush),
    ]
}

fn batch(base_offset: i64, epoch: i32, records: usize) -> Bytes {
    let mut builder = BatchBuilder::new(base_offset, epoch, 1_700_000_000_000 + base_offset);
    for i in 0..records {
        let value = format!("record {base_offset}+{i}");
        builder.push(None, Some(value.as_bytes()));
    }
    builder.build()
}

fn assert_same(disk: &DiskLog, mem: &MemLog, epoch: i32, step: usize) {
    let at = format!("after step {step}");
    assert_eq!(
        disk.log_start_offset(),
        mem.log_start_offset(),
        "start {at}"
    );
    assert_eq!(disk.log_end_offset(), mem.log_end_offset(), "end {at}");
    assert_eq!(
        disk.last_fetched_epoch(),
        mem.last_fetched_epoch(),
        "last epoch {at}"
    );
    for e in 0..=epoch + 1 {
        assert_eq!(
            disk.end_offset_for_epoch(e),
            mem.end_offset_for_epoch(e),
            "end of epoch {e} {at}"
        );
    }
    for from in disk.log_start_offset()..=disk.log_end_offset() {
        for max_bytes in [1, 200, 1 << 20] {
            assert_eq!(
                disk.read(from, max_bytes).unwrap(),
                mem.read(from, max_bytes).unwrap(),
                "read({from}, {max_bytes}) {at}"
            );
        }
    }
    let past_end = disk.log_end_offset() + 1;
    assert!(
        disk.read(past_end, 100).is_err() && mem.read(past_end, 100).is_err(),
        "read past the end {at}"
    );
}

fn run(fs: Arc<dyn FileSystem>, dir: &std::path::Path, ops: &[Op]) {
    let mut disk = DiskLog::open(Arc::clone(&fs), dir, LogConfig::default()).unwrap();
    let mut mem = MemLog::new();
    let mut epoch = 1;
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::Leader { records, new_epoch } => {
                epoch += i32::from(new_epoch);
                let bytes = batch(mem.log_end_offset(), epoch, records);
                let a = disk.append_as_leader(bytes.clone(), epoch).unwrap();
                let b = mem.append_as_leader(bytes, epoch).unwrap();
                assert_eq!(
                    (a.first_offset, a.last_offset),
                    (b.first_offset, b.last_offset)
                );
            }
            Op::Follower { batches, records } => {
                let mut bytes = Vec::new();
                let mut base = mem.log_end_offset();
                for _ in 0..batches {
                    bytes.extend_from_slice(&batch(base, epoch, records));
                    base += records as i64;
                }
                let a = disk.append_as_follower(Bytes::from(bytes.clone())).unwrap();
                let b = mem.append_as_follower(Bytes::from(bytes)).unwrap();
                assert_eq!(
                    a.map(|i| (i.first_offset, i.last_offset)),
                    b.map(|i| (i.first_offset, i.last_offset))
                );
            }
            Op::Truncate { permille } => {
                let (start, end) = (mem.log_start_offset(), mem.log_end_offset());
                let to = start + (end - start) * i64::from(permille) / 1000;
                disk.truncate_to(to).unwrap();
                mem.truncate_to(to).unwrap();
            }
            Op::Flush => {
                assert_eq!(
                    disk.flush().unwrap(),
                    mem.flush().unwrap(),
                    "flushed offset after step {step}"
                );
            }
        }
        assert_same(&disk, &mem, epoch, step);
    }
    // What was flushed survives a reopen; the reopened log still matches.
    disk.flush().unwrap();
    mem.flush().unwrap();
    drop(disk);
    let disk = DiskLog::open(fs, dir, LogConfig::default()).unwrap();
    assert_same(&disk, &mem, epoch, ops.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn disk_log_matches_the_reference_log_on_memfs(ops in prop::collection::vec(op(), 1..40)) {
        let fs: Arc<dyn FileSystem> = Arc::new(MemFs::new());
        run(fs, std::path::Path::new("/data/__cluster_metadata-0"), &ops);
    }

    #[test]
    fn disk_log_matches_the_reference_log_on_the_real_fs(ops in prop::collection::vec(op(), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        run(Arc::new(RealFs), &dir.path().join("__cluster_metadata-0"), &ops);
    }
}
