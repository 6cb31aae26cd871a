//! Arbitrary bytes where the log, a snapshot or a state file is expected: a typed error or a
//! clean cut, never a panic; valid data in front of garbage is never lost.

mod common;

use std::path::Path;

use common::{batch, Env};
use proptest::prelude::*;
use yakt_log::segment::scan_bytes;
use yakt_log::state::{MetaProperties, QuorumState};
use yakt_log::{snapshot, LogConfig};

fn valid_prefix(batches: usize) -> (Vec<u8>, i64) {
    let mut bytes = Vec::new();
    let mut offset = 0i64;
    for i in 0..batches {
        let mut b = batch(1 + i % 3, i as u8, 0).to_vec();
        yakt_wire::batch::set_base_offset(&mut b, offset);
        offset += 1 + (i % 3) as i64;
        bytes.extend_from_slice(&b);
    }
    (bytes, offset)
}

proptest! {
    #[test]
    fn scanning_garbage_after_valid_batches_keeps_them(batches in 0usize..5, garbage in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (mut bytes, next) = valid_prefix(batches);
        let valid = bytes.len() as u64;
        bytes.extend_from_slice(&garbage);
        let outcome = scan_bytes(&bytes, 0, 4096, 1 << 20);
        prop_assert!(outcome.valid_bytes >= valid);
        prop_assert!(outcome.next_offset >= next);
        prop_assert_eq!(outcome.problem.is_none(), outcome.valid_bytes == bytes.len() as u64);
    }

    #[test]
    fn opening_a_log_with_garbage_tail_never_panics(batches in 0usize..4, garbage in proptest::collection::vec(any::<u8>(), 1..200)) {
        let env = Env::mem();
        let (mut bytes, next) = valid_prefix(batches);
        bytes.extend_from_slice(&garbage);
        env.fs.create_dir_all(&env.dir).unwrap();
        env.memfs().put_file(&env.path("00000000000000000000.log"), &bytes);
        let log = env.open(LogConfig::default()).unwrap();
        prop_assert!(log.log_end_offset() >= next);
    }

    #[test]
    fn snapshot_reader_rejects_or_accepts_mutations_without_panicking(position in 0usize..400, value in any::<u8>()) {
        let env = Env::mem();
        env.fs.create_dir_all(&env.dir).unwrap();
        let id = snapshot::SnapshotId { end_offset: 3, epoch: 1 };
        let fs = std::sync::Arc::clone(&env.fs);
        let mut w = snapshot::SnapshotWriter::create(fs, &env.dir, id, 0, 0, &[]).unwrap();
        w.append_records(&[&b"abc"[..], b"defgh"]).unwrap();
        let path = w.freeze().unwrap();
        let len = env.memfs().contents(&path).unwrap().len();
        env.memfs().overwrite(&path, position % len, &[value]).unwrap();
        let _ = snapshot::read_snapshot_file(&*env.fs, &path);
    }

    #[test]
    fn state_file_parsers_never_panic(text in ".{0,200}") {
        let _ = QuorumState::from_json(Path::new("q"), &text);
        let _ = MetaProperties::parse(Path::new("m"), &text);
    }
}
