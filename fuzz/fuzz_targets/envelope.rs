//! A broker's Envelope: the serialized principal, the client's address and the inner request,
//! as the listener's Envelope handler reads them. The first byte is the principal's length, the
//! second the address's (mod 17), then the principal, the address and the inner request frame.
//! Oracle: `yakt_fuzz::listener::check_envelope`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yakt_fuzz::counting_alloc::CountingAlloc;
use yakt_fuzz::listener::check_envelope;

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

fuzz_target!(|data: &[u8]| {
    let [principal_len, address_len, rest @ ..] = data else {
        return;
    };
    let (principal, rest) = rest.split_at(usize::from(*principal_len).min(rest.len()));
    let (address, inner) = rest.split_at(usize::from(*address_len % 17).min(rest.len()));
    check_envelope(principal, address, inner);
});
