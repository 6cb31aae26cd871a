//! Snapshot files through yakt-log's snapshot reader. When the first byte is odd the rest gets
//! correct CRCs batch by batch (so the fuzzer reaches the records); otherwise the rest is the
//! file as is. Oracle: `yakt_log_fuzz::disk::check_snapshot`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yakt_log_fuzz::counting_alloc::CountingAlloc;
use yakt_log_fuzz::disk::{check_snapshot, fix_crcs};

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let Some((mode, file)) = data.split_first() else {
        return;
    };
    let mut file = file.to_vec();
    if mode & 1 == 1 {
        fix_crcs(&mut file);
    }
    check_snapshot(&file);
});
