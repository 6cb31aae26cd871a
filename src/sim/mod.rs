//! The deterministic simulator of the raft engine (reliability.md §1): one `u64` seed draws a
//! cluster (1-5 voters, 0-3 observers) and a fault mix (message loss 0-30%, duplication,
//! delay and reordering, partitions, crash-restarts that lose unflushed writes, clock jumps,
//! graceful resignations, snapshots), runs it on a virtual clock, checks the safety invariants
//! after every event ([`checker`]), then heals the cluster and requires a stable leader and full
//! convergence within fixed virtual-time bounds. The same seed always gives the same trace
//! ([`SimReport::trace_hash`]); a failing seed prints the command that replays it.
//!
//! It is a library module so that tests and `yakt simulate` share it; it does no I/O.

pub mod checker;
pub mod codec;
pub mod scenario;
pub mod storage;
pub mod trace;
pub mod world;

use std::panic::{catch_unwind, AssertUnwindSafe};

pub use scenario::{Scenario, SimOptions, Storage};
pub use world::{Outcome, SimReport, SimStats, World};

/// Simulates `seed`. A panic inside the engine is reported as a violation, not propagated.
pub fn run_seed(seed: u64, options: &SimOptions) -> SimReport {
    let options_copy = options.clone();
    match catch_unwind(AssertUnwindSafe(|| World::new(seed, options_copy).run())) {
        Ok(report) => report,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            let mut rng = crate::raft::rng::Rng::new(seed);
            SimReport {
                seed,
                scenario: Scenario::for_seed(seed, &mut rng, options),
                outcome: Outcome::Violation(format!("panic: {message}")),
                events: 0,
                virtual_time_ms: 0,
                trace_hash: 0,
                committed_end: 0,
                max_epoch: 0,
                stats: SimStats::default(),
                log: Vec::new(),
            }
        }
    }
}

/// The command that replays `seed` alone.
pub fn replay_command(seed: u64) -> String {
    format!("YAKT_SIM_SEED={seed} cargo test -p yakt --test sim -- --exact replay --nocapture")
}
