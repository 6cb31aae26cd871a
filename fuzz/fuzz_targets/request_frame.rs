//! A request frame through the listener's parser (`parse_request`): header, API table and every
//! served API's body decoder. When the first byte is odd, the second and third pick an API of
//! the table and a served version and the rest is its body (so the fuzzer reaches every body
//! decoder at once); otherwise the rest is the whole frame. Oracle: `yakt_fuzz::listener`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yakt_fuzz::counting_alloc::CountingAlloc;
use yakt_fuzz::listener::{check_frame, framed};

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    match data {
        [mode, api, version, body @ ..] if mode & 1 == 1 => {
            check_frame(&framed(*api, *version, Some("fuzz"), body));
        }
        [_, frame @ ..] => {
            check_frame(frame);
        }
        [] => {}
    }
});
