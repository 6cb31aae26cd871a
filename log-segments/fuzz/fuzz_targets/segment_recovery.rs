//! Recovery of a log directory on MemFs whose segment, indexes, recovery point and leader-epoch
//! checkpoint hold fuzz bytes (layout: `yakt_log_fuzz::disk::LogDir::from_fuzz_input`).
//! Oracle: `yakt_log_fuzz::disk::check_recovery`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yakt_log_fuzz::counting_alloc::CountingAlloc;
use yakt_log_fuzz::disk::{check_recovery, LogDir};

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    check_recovery(&LogDir::from_fuzz_input(data));
});
