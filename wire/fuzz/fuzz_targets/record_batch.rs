//! Record batches: `check_batch` and the record walk give Ok or a typed error, never a panic;
//! every record that decodes re-encodes stably; the walk allocates at most 256 bytes per input
//! byte plus 64 KiB.
#![no_main]

#[path = "../../../fuzz/src/counting_alloc.rs"]
mod counting_alloc;

use libfuzzer_sys::fuzz_target;
use yakt_wire::batch::{BATCH_HEADER_LEN, CRC_START, LOG_OVERHEAD};
use yakt_wire::{
    check_batch, decode_frame, encode_frame, records_of, BatchView, ControlRecord, LogRecord, Scan,
};

const MAX_BATCH_BYTES: usize = 8 << 20;

/// When the first byte is odd, the rest gets a correct CRC so the fuzzer reaches the records.
fn input(data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut batch = rest.to_vec();
    if mode & 1 == 1 && batch.len() >= BATCH_HEADER_LEN {
        let declared = i32::from_be_bytes([batch[8], batch[9], batch[10], batch[11]]);
        let size = usize::try_from(declared)
            .unwrap_or(0)
            .saturating_add(LOG_OVERHEAD);
        if (BATCH_HEADER_LEN..=batch.len()).contains(&size) {
            let crc = crc32c::crc32c(&batch[CRC_START..size]);
            batch[17..21].copy_from_slice(&crc.to_be_bytes());
        }
    }
    batch
}

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAlloc = counting_alloc::CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let data = &input(data)[..];
    counting_alloc::assert_bounded(data.len(), 256, 64 * 1024, || check(data));
});

fn check(data: &[u8]) {
    match check_batch(data, MAX_BATCH_BYTES) {
        Ok(Scan::Incomplete { needed }) => assert!(needed > 0),
        Ok(Scan::Batch(header)) => {
            assert!(header.size_in_bytes() <= data.len());
            let Ok(view) = BatchView::parse(data) else {
                return;
            };
            for result in records_of(&view) {
                match result {
                    Ok((_, LogRecord::Metadata(record, version))) => {
                        let encoded = encode_frame(&record, version).expect("re-encodes");
                        let (again, again_version) = decode_frame(&encoded).expect("decodes");
                        assert_eq!(again_version, version);
                        assert_eq!(encode_frame(&again, version).expect("re-encodes"), encoded);
                    }
                    Ok((_, LogRecord::Control(record))) => {
                        let value = record.encode_value().expect("re-encodes");
                        let again = ControlRecord::decode(Some(&record.key()), Some(&value))
                            .expect("decodes");
                        assert_eq!(again, record);
                    }
                    Err(_) => break,
                }
            }
        }
        Err(_) => {}
    }
}
