//! Metadata record frames: any input decodes to a record or a typed error, never a panic, and a
//! record that decodes re-encodes to bytes that decode and re-encode identically. (Bytes, not
//! values, are compared: a float64 field may hold NaN, which is not equal to itself.) Decoding
//! allocates at most 256 bytes per input byte plus 64 KiB.
#![no_main]

#[path = "../../../fuzz/src/counting_alloc.rs"]
mod counting_alloc;

use libfuzzer_sys::fuzz_target;
use yakt_wire::{decode_frame, encode_frame};

#[global_allocator]
static ALLOCATOR: counting_alloc::CountingAlloc = counting_alloc::CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let decoded = counting_alloc::assert_bounded(data.len(), 256, 64 * 1024, || decode_frame(data));
    let Ok((record, version)) = decoded else {
        return;
    };
    let encoded = encode_frame(&record, version).expect("a decoded record re-encodes");
    let (again, again_version) = decode_frame(&encoded).expect("a re-encoded record decodes");
    assert_eq!(again.api_key(), record.api_key());
    assert_eq!(again_version, version);
    assert_eq!(encode_frame(&again, version).expect("re-encodes"), encoded);
});
