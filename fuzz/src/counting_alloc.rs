//! A global allocator that counts, per thread, the largest single allocation and the peak of
//! live bytes while a closure runs, so an oracle can check that what a decoder allocates stays
//! proportional to the bytes it was given (the class of KAFKA-14063: a few bytes declaring a huge
//! array). Used by the cargo-fuzz targets and by the stable-Rust `fuzz_*` tests, which include
//! this file by path and install it with `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, with per-thread counts.
pub struct CountingAlloc;

thread_local! {
    // Const-initialised cells without destructors: safe to touch from inside the allocator.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn allocated(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add(size as isize);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn freed(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(size as isize)));
}

// SAFETY: every call is passed straight to `System`; the counting touches only thread-locals
// that never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        allocated(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        allocated(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        freed(layout.size());
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        freed(layout.size());
        allocated(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

/// What a closure allocated on this thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocations {
    /// The largest single allocation, in bytes.
    pub largest: usize,
    /// The most bytes live at once, counting only what the closure allocated.
    pub peak: usize,
}

/// Runs `f` and reports what it allocated on this thread (zeros unless `CountingAlloc` is the
/// global allocator).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Allocations) {
    LARGEST.with(|largest| largest.set(0));
    let base = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(base));
    let result = f();
    let allocations = Allocations {
        largest: LARGEST.with(Cell::get),
        peak: usize::try_from(PEAK.with(Cell::get) - base).unwrap_or(0),
    };
    (result, allocations)
}

/// Runs `f` and panics if its largest allocation or its peak of live bytes exceeds
/// `fixed + per_input_byte * input_len`.
pub fn assert_bounded<R>(
    input_len: usize,
    per_input_byte: usize,
    fixed: usize,
    f: impl FnOnce() -> R,
) -> R {
    let (result, allocations) = measure(f);
    let bound = fixed.saturating_add(per_input_byte.saturating_mul(input_len));
    assert!(
        allocations.largest <= bound && allocations.peak <= bound,
        "{input_len} input bytes allocated {allocations:?}, over the bound of {bound} bytes"
    );
    result
}
