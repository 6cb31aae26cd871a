//! Oracles for fuzzing what yakt-log reads from disk, shared by the cargo-fuzz targets in
//! `fuzz_targets/` and by the stable-Rust test `log-segments/tests/fuzz_recovery.rs`, which
//! includes these files by path.

#[path = "../../../fuzz/src/counting_alloc.rs"]
pub mod counting_alloc;
pub mod disk;
