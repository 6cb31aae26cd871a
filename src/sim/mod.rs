//! The deterministic simulator of the raft engine (reliability.md §1): one `u64` seed draws a
//! cluster (1-5 voters, 0-3 observers) and a fault mix (message loss 0-30%, duplication,
//! delay and reordering, partitions, crash-restarts that lose unflushed writes, clock jumps,
//! graceful resignations, snapshots), runs it on a virtual clock, checks the safety invariants
//! after every event ([`checker`]), then heals the cluster and requires a stable leader and full
//! convergence within fixed virtual-time bounds. Odd seeds run the nodes on production's
//! storage over an in-memory file system whose power cuts lose unsynced writes ([`storage`]),
//! even seeds on the engine's in-memory twins. The same seed always gives the same trace
//! ([`SimReport::trace_hash`]); a failing seed prints the `yakt simulate` command that replays it
//! ([`replay_command`]).
//!
//! With the `controller` option every node also runs the metadata controller as the server's
//! drivers do ([`world`]'s `controller` module), a seeded workload ([`workload`]) sends it
//! broker and topic requests in place of raw appends, and [`images`] checks that images agree
//! at every committed offset and that nothing acknowledged is ever lost.
//!
//! It is a library module so that tests and `yakt simulate` share it; it does no I/O.

pub mod checker;
pub mod codec;
pub mod images;
pub mod scenario;
pub mod storage;
pub mod trace;
pub mod workload;
pub mod world;

use std::panic::{catch_unwind, AssertUnwindSafe};

pub use scenario::{plant_bug, planted_bug_names, ControllerBugs, Scenario, SimOptions, Storage};
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

/// The `yakt simulate` command that replays `seed` alone under `options` (a scenario tweak,
/// which only tests set, cannot be given on the command line and is named in a note).
pub fn replay_command(seed: u64, options: &SimOptions) -> String {
    let defaults = SimOptions::default();
    let mut command = format!("yakt simulate --seed {seed}");
    if let Some(voters) = options.voters {
        command.push_str(&format!(" --voters {voters}"));
    }
    if let Some(observers) = options.observers {
        command.push_str(&format!(" --observers {observers}"));
    }
    if options.max_events != defaults.max_events {
        command.push_str(&format!(" --events {}", options.max_events));
    }
    if options.controller {
        command.push_str(" --controller");
    }
    for name in scenario::planted_bug_names(options) {
        command.push_str(&format!(" --planted-bug {name}"));
    }
    match options.storage {
        Some(Storage::Mem) => command.push_str(" --storage mem"),
        Some(Storage::Disk) => command.push_str(" --storage disk"),
        None => {}
    }
    match options.codec_round_trip {
        Some(true) => command.push_str(" --codec-round-trip on"),
        Some(false) => command.push_str(" --codec-round-trip off"),
        None => {}
    }
    if options.fault_duration_ms != defaults.fault_duration_ms {
        command.push_str(&format!(" --fault-ms {}", options.fault_duration_ms));
    }
    if options.tweak.is_some() {
        command.push_str("  # plus the test's scenario tweak");
    }
    if options.segment_bytes != defaults.segment_bytes {
        command.push_str(&format!(
            "  # with {}-byte segments on disk",
            options.segment_bytes
        ));
    }
    command
}
