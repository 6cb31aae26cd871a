//! What decoding allocates, for metadata record frames and record batches under mutated-valid
//! input, on stable Rust: at most 64 KiB plus 256 bytes per input byte (the bound the cargo-fuzz
//! targets in `wire/fuzz/` enforce), so a few bytes declaring a huge count or length cannot
//! reserve memory for it.

#[allow(dead_code)]
#[path = "../../fuzz/src/counting_alloc.rs"]
mod counting_alloc;

use proptest::prelude::*;
use yakt_wire::batch::{BatchBuilder, CRC_START};
use yakt_wire::{
    check_batch, decode_frame, encode_frame, latest_version, push_metadata, records_of, BatchView,
    MetadataRecord, Scan, API_KEYS,
};

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAlloc = counting_alloc::CountingAlloc;

const PER_INPUT_BYTE: usize = 256;
const FIXED: usize = 64 * 1024;
/// Values that lie when read as a length or count (big-endian i32 or the start of a varint).
const LIES: [[u8; 4]; 5] = [
    [0x7f, 0xff, 0xff, 0xff],
    [0xff, 0xff, 0xff, 0xff],
    [0x80, 0x00, 0x00, 0x00],
    [0xff, 0xff, 0xff, 0x07],
    [0x00, 0x10, 0x00, 0x00],
];

fn sample(key_index: usize, seed: u64) -> (MetadataRecord, i16) {
    let api_key = API_KEYS[key_index % API_KEYS.len()];
    let version = latest_version(api_key).expect("a known key");
    let record = MetadataRecord::sample(api_key, version, seed).expect("a sample");
    (record, version)
}

fn lie_at(bytes: &mut [u8], at: prop::sample::Index, lie: usize) {
    if bytes.len() >= 4 {
        let i = at.index(bytes.len() - 3);
        bytes[i..i + 4].copy_from_slice(&LIES[lie % LIES.len()]);
    }
}

fn walk(batch: &[u8]) {
    if let Ok(Scan::Batch(_)) = check_batch(batch, usize::MAX) {
        if let Ok(view) = BatchView::parse(batch) {
            for record in records_of(&view) {
                if record.is_err() {
                    break;
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn metadata_frames_with_lying_counts(
        key_index in any::<usize>(), seed in any::<u64>(),
        lies in prop::collection::vec((any::<prop::sample::Index>(), any::<usize>()), 1..3),
    ) {
        let (record, version) = sample(key_index, seed);
        let mut frame = encode_frame(&record, version).unwrap().to_vec();
        for (at, lie) in lies {
            lie_at(&mut frame, at, lie);
        }
        let decoded =
            counting_alloc::assert_bounded(frame.len(), PER_INPUT_BYTE, FIXED, || decode_frame(&frame));
        if let Ok((record, version)) = decoded {
            prop_assert!(encode_frame(&record, version).is_ok());
        }
    }

    #[test]
    fn batches_with_lying_counts_and_correct_crcs(
        records in prop::collection::vec((any::<usize>(), any::<u64>()), 1..4),
        lies in prop::collection::vec((any::<prop::sample::Index>(), any::<usize>()), 1..3),
    ) {
        let mut builder = BatchBuilder::new(0, 1, 0);
        for (key_index, seed) in records {
            let (record, version) = sample(key_index, seed);
            push_metadata(&mut builder, &record, version).unwrap();
        }
        let mut batch = builder.build().to_vec();
        // Lies behind the header, under a correct CRC, so the record walk reads them.
        let header = yakt_wire::batch::BATCH_HEADER_LEN;
        for (at, lie) in lies {
            lie_at(&mut batch[header..], at, lie);
        }
        let crc = crc32c::crc32c(&batch[CRC_START..]);
        batch[17..21].copy_from_slice(&crc.to_be_bytes());
        counting_alloc::assert_bounded(batch.len(), PER_INPUT_BYTE, FIXED, || walk(&batch));
    }
}

#[test]
fn a_batch_declaring_a_huge_record_count_allocates_little() {
    let mut builder = BatchBuilder::new(0, 1, 0);
    let (record, version) = sample(0, 7);
    push_metadata(&mut builder, &record, version).unwrap();
    let mut batch = builder.build().to_vec();
    // The record count is the header's last four bytes.
    let count_at = yakt_wire::batch::BATCH_HEADER_LEN - 4;
    batch[count_at..count_at + 4].copy_from_slice(&i32::MAX.to_be_bytes());
    let crc = crc32c::crc32c(&batch[CRC_START..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
    let ((), allocations) = counting_alloc::measure(|| walk(&batch));
    assert!(allocations.largest < FIXED, "{allocations:?}");
}
