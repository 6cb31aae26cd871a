//! The deterministic simulation of the raft engine (reliability.md §1): at least 1,000 seeds
//! with faults on (`YAKT_SIM_SEEDS` for more, `YAKT_SIM_START` to start elsewhere), the same
//! seed twice gives the same trace, and each planted bug is caught, on in-memory and on
//! disk-backed storage. With a metadata controller on every node (`YAKT_SIM_CONTROLLER_SEEDS`,
//! default 400, plus 100 with voter changes): identical images and no acknowledged metadata
//! lost (reliability.md §1-2), and the controller's planted bugs caught. A failing seed prints
//! the command that replays it (`yakt simulate --seed <seed>`, or `YAKT_SIM_SEED=<seed> ... --
//! --exact replay` for the run's log here).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use yakt::raft::PlantedBugs;
use yakt::sim::{
    replay_command, run_seed, ControllerBugs, Outcome, Scenario, SimOptions, SimReport, Storage,
};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `count` seeds from `start` on up to two threads; returns the reports, in seed order.
fn run_many(start: u64, count: u64, options: &SimOptions) -> Vec<SimReport> {
    let next = AtomicU64::new(start);
    let reports = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= start + count {
                    break;
                }
                let report = run_seed(seed, options);
                reports.lock().unwrap().push(report);
            });
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort_by_key(|r| r.seed);
    reports
}

/// `YAKT_SIM_STORAGE=mem` or `disk` runs every seed on that storage (default: by seed parity).
fn storage_from_env() -> Option<Storage> {
    match std::env::var("YAKT_SIM_STORAGE").ok()?.as_str() {
        "mem" => Some(Storage::Mem),
        "disk" => Some(Storage::Disk),
        other => panic!("YAKT_SIM_STORAGE={other}: expected mem or disk"),
    }
}

fn describe(report: &SimReport, options: &SimOptions) -> String {
    format!(
        "seed {}: {:?}\n  scenario: {:?}\n  replay: {}",
        report.seed,
        report.outcome,
        report.scenario,
        replay_command(report.seed, options)
    )
}

/// Fails with the seed's description and replay command unless it passed.
fn expect_passed(report: &SimReport, options: &SimOptions) {
    assert!(
        matches!(report.outcome, Outcome::Passed { .. }),
        "{}",
        describe(report, options)
    );
}

#[test]
fn seeds_with_faults_find_no_violation() {
    let count = env_u64("YAKT_SIM_SEEDS", 1_000);
    let start = env_u64("YAKT_SIM_START", 0);
    let options = SimOptions {
        storage: storage_from_env(),
        ..SimOptions::default()
    };
    let reports = run_many(start, count, &options);
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Violation(_)))
        .map(|r| describe(r, &options))
        .collect();
    let mut leader_times: Vec<u64> = reports
        .iter()
        .filter_map(|r| match r.outcome {
            Outcome::Passed {
                leader_after_heal_ms,
                ..
            } => Some(leader_after_heal_ms),
            _ => None,
        })
        .collect();
    leader_times.sort_unstable();
    let events: usize = reports.iter().map(|r| r.events).sum();
    let committed: i64 = reports.iter().map(|r| r.committed_end).sum();
    let sum = |f: fn(&SimReport) -> u64| reports.iter().map(f).sum::<u64>();
    eprintln!(
        "{count} seeds from {start}: {} failed; {events} events; {committed} offsets committed; \
         {} elections, {} crashes, {} snapshots, {} snapshot chunks, {} delivered, {} dropped; \
         leader after heal p50 {} ms, max {} ms",
        failures.len(),
        sum(|r| r.stats.elections),
        sum(|r| r.stats.crashes),
        sum(|r| r.stats.snapshots),
        sum(|r| r.stats.snapshot_chunks),
        sum(|r| r.stats.delivered),
        sum(|r| r.stats.dropped),
        leader_times
            .get(leader_times.len() / 2)
            .copied()
            .unwrap_or(0),
        leader_times.last().copied().unwrap_or(0),
    );
    assert!(
        failures.is_empty(),
        "{} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        committed > 0,
        "the runs committed nothing: the check would be vacuous"
    );
    let on_disk = reports
        .iter()
        .filter(|r| r.scenario.storage == Storage::Disk)
        .count() as u64;
    if options.storage.is_none() {
        assert!(
            on_disk >= count / 2,
            "{on_disk} of {count} seeds ran on disk"
        );
    }
}

#[test]
fn replay() {
    let seed = env_u64("YAKT_SIM_SEED", 0);
    // YAKT_SIM_VOTER_CHANGES=1 replays a seed of `seeds_with_voter_changes_find_no_violation`,
    // YAKT_SIM_FAST_ELECTIONS=1 one run under `fast_elections_under_crashes`.
    let tweak = if env_u64("YAKT_SIM_VOTER_CHANGES", 0) == 1 {
        Some(voter_changes as fn(&mut Scenario))
    } else if env_u64("YAKT_SIM_FAST_ELECTIONS", 0) == 1 {
        Some(fast_elections_under_crashes as fn(&mut Scenario))
    } else {
        None
    };
    let options = SimOptions {
        keep_log: true,
        storage: storage_from_env(),
        tweak,
        // YAKT_SIM_CONTROLLER=1 replays a seed of `seeds_with_controllers_find_no_violation`.
        controller: env_u64("YAKT_SIM_CONTROLLER", 0) == 1,
        ..SimOptions::default()
    };
    let report = run_seed(seed, &options);
    for line in &report.log {
        println!("{line}");
    }
    println!(
        "seed {seed}: {:?}, {} events, {} ms, trace {:016x}",
        report.outcome, report.events, report.virtual_time_ms, report.trace_hash
    );
    expect_passed(&report, &options);
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let options = SimOptions::default();
    let mut hashes = Vec::new();
    // 3 and 17 run on disk, 4242 in memory.
    for seed in [3, 17, 4242] {
        let first = run_seed(seed, &options);
        let second = run_seed(seed, &options);
        assert_eq!(first.trace_hash, second.trace_hash, "seed {seed}");
        assert_eq!(first.events, second.events, "seed {seed}");
        assert_eq!(first.outcome, second.outcome, "seed {seed}");
        hashes.push(first.trace_hash);
    }
    hashes.dedup();
    assert_eq!(hashes.len(), 3, "different seeds, different traces");
}

/// Runs seeds on `storage` with `bugs` planted (and the scenario `tweak`) until one fails, and
/// checks that the failure is of the `expected` kind and that the same seed passes without the
/// bug.
fn caught(
    bugs: PlantedBugs,
    storage: Storage,
    limit: u64,
    tweak: Option<fn(&mut Scenario)>,
    expected: &[&str],
) -> (u64, String) {
    let base = SimOptions {
        tweak,
        storage: Some(storage),
        ..SimOptions::default()
    };
    let with_bug = SimOptions {
        planted_bugs: bugs,
        ..base.clone()
    };
    caught_with(&with_bug, &base, limit, expected)
}

/// Runs seeds under `with_bug` until one fails, and checks that the failure is of the
/// `expected` kind and that the same seed passes under `without`.
fn caught_with(
    with_bug: &SimOptions,
    without: &SimOptions,
    limit: u64,
    expected: &[&str],
) -> (u64, String) {
    let bugs = (with_bug.planted_bugs, with_bug.controller_bugs);
    for batch_start in (0..limit).step_by(20) {
        let reports = run_many(batch_start, 20.min(limit - batch_start), with_bug);
        let Some(report) = reports
            .iter()
            .find(|r| matches!(r.outcome, Outcome::Violation(_)))
        else {
            continue;
        };
        let Outcome::Violation(message) = &report.outcome else {
            unreachable!()
        };
        assert!(
            expected.iter().any(|e| message.contains(e)),
            "planted bug {bugs:?} was caught as something else: {message}"
        );
        let clean = run_seed(report.seed, without);
        assert!(
            matches!(clean.outcome, Outcome::Passed { .. }),
            "seed {} fails without the planted bug too: {:?}",
            report.seed,
            clean.outcome
        );
        return (report.seed, message.clone());
    }
    panic!(
        "planted bug {bugs:?} survived {limit} seeds on {:?}",
        with_bug.storage
    );
}

/// Fast elections under frequent short crashes (and crashes right after granting a vote): a
/// voter that forgets its vote soon meets a second candidate of the same epoch.
fn fast_elections_under_crashes(scenario: &mut Scenario) {
    scenario.voters = scenario.voters.max(3);
    scenario.election_timeout_ms = 200;
    scenario.fetch_timeout_ms = 600;
    scenario.max_delay_ms = 80;
    scenario.crash_every_ms = 400;
    scenario.crash_after_vote_per_million = 300_000;
    scenario.min_downtime_ms = 5;
    scenario.max_downtime_ms = 150;
}

#[test]
fn planted_bug_vote_not_persisted_is_caught() {
    let bugs = PlantedBugs {
        skip_vote_persist: true,
        ..PlantedBugs::default()
    };
    let expected = ["granted its vote in epoch", "two leaders in epoch"];
    for storage in [Storage::Mem, Storage::Disk] {
        let tweak = Some(fast_elections_under_crashes as fn(&mut Scenario));
        let (seed, message) = caught(bugs, storage, 400, tweak, &expected);
        eprintln!("vote not persisted: caught on {storage:?} by seed {seed}: {message}");
    }
}

#[test]
fn planted_bug_high_watermark_without_majority_is_caught() {
    let bugs = PlantedBugs {
        hwm_without_majority: true,
        ..PlantedBugs::default()
    };
    let expected = [
        "voters hold the committed prefix",
        "leader completeness",
        "log matching",
    ];
    for storage in [Storage::Mem, Storage::Disk] {
        let (seed, message) = caught(bugs, storage, 100, None, &expected);
        eprintln!(
            "high watermark without a majority: caught on {storage:?} by seed {seed}: {message}"
        );
    }
}

#[test]
fn planted_bug_off_by_one_truncation_is_caught() {
    let bugs = PlantedBugs {
        off_by_one_truncation: true,
        ..PlantedBugs::default()
    };
    let expected = ["not converged", "log matching"];
    for storage in [Storage::Mem, Storage::Disk] {
        let (seed, message) = caught(bugs, storage, 300, None, &expected);
        eprintln!("off-by-one truncation: caught on {storage:?} by seed {seed}: {message}");
    }
}

/// Seeds that once failed on disk-backed storage, replayed there: 802 (an observer that loaded
/// a snapshot was sent it again forever while the leader kept an older snapshot below its log).
#[test]
fn disk_regressions_pass() {
    let options = SimOptions {
        storage: Some(Storage::Disk),
        ..SimOptions::default()
    };
    const SEEDS: &[u64] = &[802];
    for seed in SEEDS {
        let report = run_seed(*seed, &options);
        expect_passed(&report, &options);
    }
}

/// Seeds that fail on disk because yakt-log's `Log::roll` right after a reopen (the recovery
/// point already at the log end) never fsyncs the directory entry of the new segment, so a
/// power cut lost records that were flushed into it.
#[test]
fn disk_seeds_that_lose_a_segment_rolled_after_recovery() {
    let options = SimOptions {
        storage: Some(Storage::Disk),
        ..SimOptions::default()
    };
    for seed in [5229, 10005] {
        let report = run_seed(seed, &options);
        expect_passed(&report, &options);
    }
}

/// Without crashes and snapshots (where the two storages may differ: a torn tail, segment-sized
/// log starts) and with segments too large to roll (a disk read stops at a segment's end), a
/// seed runs the same on `DiskLog` as on `MemLog`: same trace, same outcome.
#[test]
fn disk_and_memory_storage_run_a_seed_alike() {
    fn no_crashes_or_snapshots(scenario: &mut Scenario) {
        scenario.crash_every_ms = 0;
        scenario.crash_after_vote_per_million = 0;
        scenario.snapshot_every_ms = 0;
    }
    let on = |storage| SimOptions {
        storage: Some(storage),
        tweak: Some(no_crashes_or_snapshots),
        segment_bytes: 64 * 1024 * 1024,
        ..SimOptions::default()
    };
    let (mem, disk) = (on(Storage::Mem), on(Storage::Disk));
    for seed in 0..40 {
        let (a, b) = (run_seed(seed, &mem), run_seed(seed, &disk));
        assert_eq!(a.outcome, b.outcome, "seed {seed}");
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}: the runs diverged");
        assert!(matches!(a.outcome, Outcome::Passed { .. }), "seed {seed}");
    }
}

/// Voter changes under the seed's faults: the leader is asked every ~0.5 s to add an observer
/// (or a removed voter) or to remove a voter (kraft.version 1, at least one observer).
fn voter_changes(scenario: &mut Scenario) {
    scenario.kraft_version = 1;
    scenario.reconfig_every_ms = 500;
    scenario.observers = scenario.observers.max(1);
}

#[test]
fn seeds_with_voter_changes_find_no_violation() {
    let count = env_u64("YAKT_SIM_RECONFIG_SEEDS", 400);
    let start = env_u64("YAKT_SIM_START", 0);
    let options = SimOptions {
        storage: storage_from_env(),
        tweak: Some(voter_changes),
        ..SimOptions::default()
    };
    let reports = run_many(start, count, &options);
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Violation(_)))
        .map(|r| {
            format!(
                "{}\n  or: YAKT_SIM_VOTER_CHANGES=1 YAKT_SIM_SEED={} cargo test --test sim -- \
                 --exact replay --nocapture",
                describe(r, &options),
                r.seed
            )
        })
        .collect();
    let changes: u64 = reports.iter().map(|r| r.stats.voter_changes).sum();
    let changed = reports.iter().filter(|r| r.stats.voter_changes > 0).count();
    eprintln!(
        "{count} seeds with voter changes: {} failed; {changes} changes committed in {changed} seeds",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        changed as u64 >= count / 3,
        "only {changed} of {count} seeds committed a voter change: the check would be vacuous"
    );
}

/// Runs `count` controller seeds (from `YAKT_SIM_START`) under `tweak` and fails on any
/// violation; the reports.
fn controller_seeds(
    count: u64,
    tweak: Option<fn(&mut Scenario)>,
    replay_env: &str,
) -> Vec<SimReport> {
    let start = env_u64("YAKT_SIM_START", 0);
    let options = SimOptions {
        storage: storage_from_env(),
        controller: true,
        tweak,
        ..SimOptions::default()
    };
    let reports = run_many(start, count, &options);
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Violation(_)))
        .map(|r| {
            format!(
                "{}\n  or: {replay_env} YAKT_SIM_SEED={} cargo test --test sim -- --exact \
                 replay --nocapture",
                describe(r, &options),
                r.seed
            )
        })
        .collect();
    let sum = |f: fn(&SimReport) -> u64| reports.iter().map(f).sum::<u64>();
    eprintln!(
        "{count} controller seeds from {start}: {} failed; {} requests acknowledged, {} refused \
         with NOT_CONTROLLER after appending; {} crashes, {} elections, {} snapshot chunks",
        failures.len(),
        sum(|r| r.stats.acknowledged),
        sum(|r| r.stats.controller_refusals),
        sum(|r| r.stats.crashes),
        sum(|r| r.stats.elections),
        sum(|r| r.stats.snapshot_chunks),
    );
    assert!(
        failures.is_empty(),
        "{} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    reports
}

/// The controller on every node under the seed's faults: images identical at every committed
/// offset and after healing, every acknowledged operation in every later image.
#[test]
fn seeds_with_controllers_find_no_violation() {
    let count = env_u64("YAKT_SIM_CONTROLLER_SEEDS", 400);
    let reports = controller_seeds(count, None, "YAKT_SIM_CONTROLLER=1");
    let acknowledging = reports
        .iter()
        .filter(|r| r.stats.acknowledged >= 10)
        .count() as u64;
    assert!(
        acknowledging >= count / 2,
        "only {acknowledging} of {count} seeds acknowledged 10 requests: the checks would be vacuous"
    );
    let refusing = reports
        .iter()
        .filter(|r| r.stats.controller_refusals > 0)
        .count();
    assert!(
        refusing > 0,
        "no seed lost leadership with requests waiting for a commit"
    );
}

/// Controllers while voters are added and removed.
#[test]
fn seeds_with_controllers_and_voter_changes_find_no_violation() {
    let count = env_u64("YAKT_SIM_CONTROLLER_RECONFIG_SEEDS", 100);
    let reports = controller_seeds(
        count,
        Some(voter_changes),
        "YAKT_SIM_CONTROLLER=1 YAKT_SIM_VOTER_CHANGES=1",
    );
    let changed = reports.iter().filter(|r| r.stats.voter_changes > 0).count() as u64;
    assert!(
        changed >= count / 3,
        "only {changed} of {count} seeds changed voters"
    );
}

#[test]
fn the_same_controller_seed_gives_the_same_trace() {
    let options = SimOptions {
        controller: true,
        ..SimOptions::default()
    };
    for seed in [1, 2] {
        let (first, second) = (run_seed(seed, &options), run_seed(seed, &options));
        assert_eq!(first.trace_hash, second.trace_hash, "seed {seed}");
        assert_eq!(first.stats, second.stats, "seed {seed}");
        assert!(
            first.stats.acknowledged > 0,
            "seed {seed}: {:?}",
            first.outcome
        );
    }
}

fn controller_bug_caught(bugs: ControllerBugs, limit: u64, expected: &[&str]) -> (u64, String) {
    let without = SimOptions {
        controller: true,
        ..SimOptions::default()
    };
    let with_bug = SimOptions {
        controller_bugs: bugs,
        ..without.clone()
    };
    caught_with(&with_bug, &without, limit, expected)
}

#[test]
fn planted_bug_ack_before_commit_is_caught() {
    let bugs = ControllerBugs {
        ack_before_commit: true,
        ..ControllerBugs::default()
    };
    let (seed, message) = controller_bug_caught(bugs, 40, &["acknowledged before commit"]);
    eprintln!("acknowledged before commit: caught by seed {seed}: {message}");
}

#[test]
fn planted_bug_skip_snapshot_load_is_caught() {
    let bugs = ControllerBugs {
        skip_snapshot_load: true,
        ..ControllerBugs::default()
    };
    let expected = ["images differ", "acknowledged metadata lost"];
    let (seed, message) = controller_bug_caught(bugs, 100, &expected);
    eprintln!("snapshot not loaded: caught by seed {seed}: {message}");
}

/// Controllers under frequent elections and short crashes: activation, renouncing and
/// NOT_CONTROLLER for waiting requests again and again.
#[test]
fn seeds_with_controllers_under_fast_elections_find_no_violation() {
    let count = env_u64("YAKT_SIM_CONTROLLER_CHURN_SEEDS", 100);
    let reports = controller_seeds(
        count,
        Some(fast_elections_under_crashes),
        "YAKT_SIM_CONTROLLER=1 YAKT_SIM_FAST_ELECTIONS=1",
    );
    let refusals: u64 = reports.iter().map(|r| r.stats.controller_refusals).sum();
    assert!(refusals > 0, "no request was refused on renouncing");
}
