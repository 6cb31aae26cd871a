//! Snapshots and segment recovery under random and mutated-valid bytes on MemFs, on stable Rust:
//! a typed error, a checked snapshot or a log cut to a prefix of whole batches, never a panic;
//! what a read allocates stays proportional to the bytes read; recovery is idempotent. The
//! oracles are the ones the cargo-fuzz targets in `log-segments/fuzz/` use
//! (`log-segments/fuzz/src/disk.rs`).

#[allow(dead_code)]
#[path = "../../fuzz/src/counting_alloc.rs"]
mod counting_alloc;
#[allow(dead_code)]
#[path = "../fuzz/src/disk.rs"]
mod disk;

use std::path::Path;
use std::sync::Arc;

use disk::{check_recovery, check_snapshot, fix_crcs, LogDir};
use proptest::prelude::*;
use yakt_log::control::{kraft_version, voters, VoterSpec};
use yakt_log::snapshot::{SnapshotId, SnapshotWriter};
use yakt_log::{FileSystem, MemFs};
use yakt_wire::batch::BatchBuilder;

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAlloc = counting_alloc::CountingAlloc;

/// A snapshot with control records and a few metadata records, as yakt writes it.
fn valid_snapshot(records: usize) -> Vec<u8> {
    let fs = MemFs::new();
    let dir = Path::new("/snapshots");
    fs.create_dir_all(dir).unwrap();
    let id = SnapshotId {
        end_offset: 7,
        epoch: 3,
    };
    let voter = VoterSpec {
        id: 1,
        directory_id: Default::default(),
        endpoints: vec![("CONTROLLER".into(), "localhost".into(), 9093)],
    };
    let controls = [kraft_version(1), voters(&[voter])];
    let mut writer =
        SnapshotWriter::create(Arc::new(fs.clone()), dir, id, 1234, 5678, &controls).unwrap();
    let values: Vec<Vec<u8>> = (0..records).map(|i| vec![i as u8; 3 + i % 5]).collect();
    writer.append_records(&values).unwrap();
    let path = writer.freeze().unwrap();
    fs.contents(&path).unwrap()
}

/// A segment of `batches` batches with consecutive offsets and rising epochs.
fn valid_segment(batches: usize) -> Vec<u8> {
    let mut segment = Vec::new();
    let mut offset = 0i64;
    for i in 0..batches {
        let mut batch = BatchBuilder::new(offset, 1 + (i / 2) as i32, 1000 + i as i64);
        for r in 0..1 + i % 3 {
            batch.push(Some(b"k"), Some(&vec![r as u8; 10 + i]));
        }
        offset += 1 + (i % 3) as i64;
        segment.extend_from_slice(&batch.build());
    }
    segment
}

/// Overwrites, inserts, removes or truncates; the 4-byte values are lengths and counts that lie.
fn mutate(bytes: &mut Vec<u8>, (kind, at, value): (u8, usize, u32)) {
    let at = |len: usize| if len == 0 { 0 } else { at % len };
    match kind % 5 {
        0 if !bytes.is_empty() => {
            let i = at(bytes.len());
            bytes[i] = value as u8;
        }
        1 if bytes.len() >= 4 => {
            let lies = [0x7fff_ffff, 0xffff_ffff, 0x8000_0000, 0x0010_0000, value];
            let i = at(bytes.len() - 3);
            let lie: u32 = lies[value as usize % lies.len()];
            bytes[i..i + 4].copy_from_slice(&lie.to_be_bytes());
        }
        2 => {
            let i = at(bytes.len() + 1);
            bytes.splice(i..i, value.to_be_bytes());
        }
        3 if !bytes.is_empty() => {
            let i = at(bytes.len());
            bytes.drain(i..(i + 1 + value as usize % 16).min(bytes.len()));
        }
        4 => bytes.truncate(at(bytes.len() + 1)),
        _ => {}
    }
}

fn mutations() -> impl Strategy<Value = Vec<(u8, usize, u32)>> {
    prop::collection::vec((any::<u8>(), any::<usize>(), any::<u32>()), 1..4)
}

fn text_file() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Some),
        (0u8..20).prop_map(|n| Some(format!("0\n1\n__cluster_metadata 0 {n}\n").into_bytes())),
        (0u8..20, 0u8..5).prop_map(|(n, e)| Some(format!("0\n1\n{e} {n}\n").into_bytes())),
    ]
}

#[test]
fn valid_inputs_pass_the_oracles() {
    assert!(check_snapshot(&valid_snapshot(6)));
    let segment = valid_segment(6);
    let whole = LogDir {
        segment: segment.clone(),
        ..LogDir::default()
    };
    assert_eq!(check_recovery(&whole), Some(12));
    let torn = LogDir {
        segment: segment[..segment.len() - 1].to_vec(),
        index: Some(vec![0xff; 16]),
        recovery_point: Some(b"0\n1\n__cluster_metadata 0 3\n".to_vec()),
        ..LogDir::default()
    };
    assert_eq!(check_recovery(&torn), Some(9), "the torn last batch is cut");
    let flushed_lost = LogDir {
        recovery_point: Some(b"0\n1\n__cluster_metadata 0 12\n".to_vec()),
        ..torn
    };
    assert_eq!(
        check_recovery(&flushed_lost),
        None,
        "flushed batches are missing"
    );
}

#[test]
fn a_batch_declaring_a_huge_length_is_cut_without_a_huge_allocation() {
    let mut segment = valid_segment(2);
    let second = segment.len();
    segment.extend_from_slice(&valid_segment(1));
    segment[second + 8..second + 12].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
    let files = LogDir {
        segment,
        ..LogDir::default()
    };
    let (_, allocations) = counting_alloc::measure(|| check_recovery(&files));
    assert!(allocations.largest < 1 << 20, "{allocations:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_snapshots(mode in any::<bool>(), mut bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if mode {
            fix_crcs(&mut bytes);
        }
        check_snapshot(&bytes);
    }

    #[test]
    fn mutated_snapshots(records in 0usize..8, mutations in mutations(), fix in any::<bool>()) {
        let mut bytes = valid_snapshot(records);
        for m in mutations {
            mutate(&mut bytes, m);
        }
        if fix {
            fix_crcs(&mut bytes);
        }
        check_snapshot(&bytes);
    }

    #[test]
    fn random_log_directories(data in prop::collection::vec(any::<u8>(), 0..400)) {
        check_recovery(&LogDir::from_fuzz_input(&data));
    }

    #[test]
    fn mutated_segments(
        batches in 0usize..6,
        mutations in mutations(),
        fix in any::<bool>(),
        index in prop::option::of(prop::collection::vec(any::<u8>(), 0..48)),
        time_index in prop::option::of(prop::collection::vec(any::<u8>(), 0..48)),
        recovery_point in text_file(),
        epoch_checkpoint in text_file(),
    ) {
        let mut segment = valid_segment(batches);
        for m in mutations {
            mutate(&mut segment, m);
        }
        if fix {
            fix_crcs(&mut segment);
        }
        check_recovery(&LogDir { segment, index, time_index, recovery_point, epoch_checkpoint });
    }
}

/// Regression corpus: inputs the fuzz targets found (in `LogDir::from_fuzz_input`'s layout),
/// each with what went wrong.
mod regressions {
    use super::*;

    /// An epoch checkpoint `5 -5` on an empty log: the first open moved the entry up to offset
    /// 0 and kept it (as Kafka does), the second dropped it; the oracle compared the latest
    /// epoch of both opens.
    #[test]
    fn an_epoch_entry_below_the_start_of_an_empty_log() {
        let input = b"0`0\n1\n5 -5";
        assert_eq!(check_recovery(&LogDir::from_fuzz_input(input)), Some(0));
    }
}
