//! `yakt simulate`: runs the deterministic simulator of the raft engine ([`crate::sim`]) over a
//! range of seeds, or one seed, on this machine's cores (`--controller`: with the metadata
//! controller on every node); prints each failing seed with the command that replays it, then
//! a summary (seeds run, failures, time to a stable leader after healing, controller requests
//! acknowledged). The command fails when any seed found a violation.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::sim::{replay_command, run_seed, Outcome, SimOptions, SimReport, Storage};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimulateOptions {
    /// First seed.
    pub start: u64,
    /// How many seeds, from `start` on.
    pub count: u64,
    /// The simulator's options (voters, observers, event budget, planted bugs, storage).
    pub sim: SimOptions,
    /// Print each seed's event log (meant for a single seed).
    pub show_log: bool,
}

/// What a run found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulateSummary {
    /// Seeds run.
    pub seeds: u64,
    /// Seeds that found a violation.
    pub failures: u64,
    /// Longest time from healing to a stable leader among the seeds that passed.
    pub max_leader_after_heal_ms: u64,
}

/// `mem` or `disk`, as `--storage` takes it.
pub fn parse_storage(name: &str) -> Result<Storage, String> {
    match name {
        "mem" => Ok(Storage::Mem),
        "disk" => Ok(Storage::Disk),
        other => Err(format!("unknown storage {other:?} (mem or disk)")),
    }
}

/// Runs the seeds and prints what they found to `out`.
pub fn simulate(options: &SimulateOptions, out: &mut dyn Write) -> io::Result<SimulateSummary> {
    let mut sim = options.sim.clone();
    sim.keep_log = options.show_log;
    let reports = run_many(options.start, options.count, &sim);
    let mut summary = SimulateSummary {
        seeds: reports.len() as u64,
        failures: 0,
        max_leader_after_heal_ms: 0,
    };
    let (mut events, mut acknowledged) = (0, 0);
    for report in &reports {
        events += report.events;
        acknowledged += report.stats.acknowledged;
        if options.show_log {
            for line in &report.log {
                writeln!(out, "{line}")?;
            }
        }
        match &report.outcome {
            Outcome::Passed {
                leader_after_heal_ms,
                converged_after_heal_ms,
            } => {
                summary.max_leader_after_heal_ms =
                    summary.max_leader_after_heal_ms.max(*leader_after_heal_ms);
                if options.count == 1 {
                    writeln!(
                        out,
                        "seed {}: passed; leader {leader_after_heal_ms} ms and convergence \
                         {converged_after_heal_ms} ms after healing; {}",
                        report.seed,
                        describe(report)
                    )?;
                }
            }
            Outcome::Violation(message) => {
                summary.failures += 1;
                writeln!(out, "seed {}: FAILED: {message}", report.seed)?;
                writeln!(out, "  {}", describe(report))?;
                writeln!(out, "  scenario: {:?}", report.scenario)?;
                writeln!(out, "  replay: {}", replay_command(report.seed, &sim))?;
            }
        }
    }
    writeln!(
        out,
        "{} seeds from {}: {} failed; {events} events; max time to a stable leader after \
         healing {} ms",
        summary.seeds, options.start, summary.failures, summary.max_leader_after_heal_ms
    )?;
    if sim.controller {
        writeln!(out, "{acknowledged} controller requests acknowledged")?;
    }
    Ok(summary)
}

fn describe(report: &SimReport) -> String {
    let mut text = format!(
        "{:?} storage, {} voters, {} observers, {} events, {} ms virtual, {} committed, trace \
         {:016x}",
        report.scenario.storage,
        report.scenario.voters,
        report.scenario.observers,
        report.events,
        report.virtual_time_ms,
        report.committed_end,
        report.trace_hash
    );
    if report.scenario.controller {
        text.push_str(&format!(
            ", {} controller requests acknowledged",
            report.stats.acknowledged
        ));
    }
    text
}

/// Runs `count` seeds from `start` on every core; the reports, in seed order.
fn run_many(start: u64, count: u64, options: &SimOptions) -> Vec<SimReport> {
    let next = AtomicU64::new(start);
    let end = start.saturating_add(count);
    let reports = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count.max(1) as usize);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= end || seed < start {
                    break;
                }
                let report = run_seed(seed, options);
                reports
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(report);
            });
        }
    });
    let mut reports = reports
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    reports.sort_by_key(|r| r.seed);
    reports
}
