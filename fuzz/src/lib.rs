//! Oracles for fuzzing what yakt's listener parses, shared by the cargo-fuzz targets in
//! `fuzz_targets/` and by the stable-Rust tests (`tests/fuzz_listener.rs`), which include these
//! files by path.

pub mod counting_alloc;
pub mod listener;
