//! What one seed simulates: the cluster shape and the fault mix, drawn from the seed (within the
//! ranges of reliability.md §1), plus the options a caller may override.

use crate::raft::rng::Rng;
use crate::raft::PlantedBugs;

pub use super::storage::Storage;

/// Options of a simulation run that do not come from the seed.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Virtual time with faults on, in milliseconds; then the cluster heals.
    pub fault_duration_ms: u64,
    /// Stop after this many events (a run that reaches it fails: something livelocked).
    pub max_events: usize,
    /// Bugs to plant in every node (the simulator's self-test).
    pub planted_bugs: PlantedBugs,
    /// Force the codec round trip on or off (`None`: the seed decides).
    pub codec_round_trip: Option<bool>,
    /// Keep a readable log of the run (for a failing seed).
    pub keep_log: bool,
    /// Adjusts the scenario the seed drew (e.g. a crash-heavy mix for a self-test).
    pub tweak: Option<fn(&mut Scenario)>,
    /// Run every node on this storage (`None`: odd seeds on disk, even seeds in memory).
    pub storage: Option<Storage>,
    /// Voters instead of the seed's choice (1..=5).
    pub voters: Option<usize>,
    /// Observers instead of the seed's choice (0..=3).
    pub observers: Option<usize>,
    /// Segment size of disk-backed logs (small, so that runs roll and delete segments).
    pub segment_bytes: u64,
    /// Run a metadata controller on every node, fed by a workload of controller requests,
    /// instead of appending random bytes (see [`super::world::controller`]).
    pub controller: bool,
    /// Bugs to plant in the simulated controllers (the image checks' self-test).
    pub controller_bugs: ControllerBugs,
}

/// Bugs the simulator can plant in its controllers, to show that the image checks catch them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ControllerBugs {
    /// Answer a request as soon as its records are appended, before they commit.
    pub ack_before_commit: bool,
    /// Skip loading a snapshot raft installed (the image keeps what it had and jumps ahead).
    pub skip_snapshot_load: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            fault_duration_ms: 12_000,
            max_events: 200_000,
            planted_bugs: PlantedBugs::default(),
            codec_round_trip: None,
            keep_log: false,
            tweak: None,
            storage: None,
            voters: None,
            observers: None,
            segment_bytes: 4 * 1024,
            controller: false,
            controller_bugs: ControllerBugs::default(),
        }
    }
}

/// The cluster and fault mix of one seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Where the nodes keep their logs and election state.
    pub storage: Storage,
    /// Voters, 1..=5.
    pub voters: usize,
    /// Observers, 0..=3.
    pub observers: usize,
    /// Message loss, per million messages (0 to 30%).
    pub drop_per_million: u32,
    /// Message duplication, per million messages.
    pub duplicate_per_million: u32,
    /// Largest network delay; messages are reordered when it is above the smallest.
    pub max_delay_ms: u64,
    /// Mean time between crashes of a random node (0: none).
    pub crash_every_ms: u64,
    /// Chance that a node crashes right after granting a vote (pre-vote or vote), per million.
    pub crash_after_vote_per_million: u32,
    /// Shortest time a crashed node stays down.
    pub min_downtime_ms: u64,
    /// Longest time a crashed node stays down.
    pub max_downtime_ms: u64,
    /// Mean time between network partitions (0: none).
    pub partition_every_ms: u64,
    /// Mean time between clock jumps on a random node (0: none).
    pub clock_jump_every_ms: u64,
    /// Mean time between graceful leader resignations (0: none).
    pub resign_every_ms: u64,
    /// Mean time between snapshots on a random node (0: none).
    pub snapshot_every_ms: u64,
    /// Mean time between client appends on the leader.
    pub append_every_ms: u64,
    /// Encode and decode every message with kafka-protocol.
    pub codec_round_trip: bool,
    /// kraft.version of the quorum (1: voters have directory ids and the first leader writes the
    /// voter set to the log).
    pub kraft_version: i16,
    /// Election timeout of the engines.
    pub election_timeout_ms: u64,
    /// Fetch timeout of the engines.
    pub fetch_timeout_ms: u64,
    /// Mean time between voter changes asked of the leader (AddRaftVoter of an observer or
    /// RemoveRaftVoter of a voter; 0: none). Not drawn from the seed, so that older seeds run
    /// as before; a scenario tweak turns it on (it needs kraft.version 1).
    pub reconfig_every_ms: u64,
    /// Every node runs a metadata controller and the workload sends controller requests (an
    /// option, not drawn from the seed: older seeds run as before).
    pub controller: bool,
}

impl Scenario {
    /// The scenario of `seed`, drawn from `rng` (seeded with it). The storage comes from the
    /// seed's parity, not from `rng`, so a seed draws the same run on either storage.
    pub fn for_seed(seed: u64, rng: &mut Rng, options: &SimOptions) -> Scenario {
        let every = |rng: &mut Rng, chance: u32, low: u64, high: u64| {
            if rng.chance(chance) {
                rng.range(low, high)
            } else {
                0
            }
        };
        let voters = rng.range(1, 6) as usize;
        let observers = rng.range(0, 4) as usize;
        let drop_per_million = rng.below(300_001) as u32;
        let duplicate_per_million = if rng.chance(500_000) {
            rng.below(100_001) as u32
        } else {
            0
        };
        let max_delay_ms = rng.range(1, 60);
        let crash_every_ms = every(rng, 700_000, 500, 4_000);
        let crash_after_vote_per_million = if rng.chance(300_000) {
            rng.below(500_001) as u32
        } else {
            0
        };
        let partition_every_ms = every(rng, 500_000, 1_000, 6_000);
        let clock_jump_every_ms = every(rng, 400_000, 1_000, 6_000);
        let resign_every_ms = every(rng, 300_000, 2_000, 8_000);
        let snapshot_every_ms = every(rng, 500_000, 500, 4_000);
        let append_every_ms = rng.range(20, 300);
        let codec_round_trip = options
            .codec_round_trip
            .unwrap_or_else(|| rng.chance(250_000));
        // A quarter of the seeds run fast elections, whose timeouts are close to the network
        // delay: split votes and contested epochs become common.
        let (election_timeout_ms, fetch_timeout_ms) = if rng.chance(250_000) {
            let election = rng.range(100, 400);
            (election, election * rng.range(3, 6))
        } else {
            (1_000, 2_000)
        };
        let kraft_version = i16::from(rng.chance(500_000));
        let storage = options.storage.unwrap_or(if seed % 2 == 1 {
            Storage::Disk
        } else {
            Storage::Mem
        });
        let mut scenario = Scenario {
            storage,
            voters,
            observers,
            drop_per_million,
            duplicate_per_million,
            max_delay_ms,
            crash_every_ms,
            crash_after_vote_per_million,
            min_downtime_ms: 100,
            max_downtime_ms: 3_000,
            partition_every_ms,
            clock_jump_every_ms,
            resign_every_ms,
            snapshot_every_ms,
            append_every_ms,
            codec_round_trip,
            kraft_version,
            election_timeout_ms,
            fetch_timeout_ms,
            reconfig_every_ms: 0,
            controller: options.controller,
        };
        if let Some(voters) = options.voters {
            scenario.voters = voters;
        }
        if let Some(observers) = options.observers {
            scenario.observers = observers;
        }
        if let Some(tweak) = options.tweak {
            tweak(&mut scenario);
        }
        scenario
    }
}

/// The planted bugs by name, as `yakt simulate --planted-bug` takes them (the last two are
/// planted in the controllers, and need `--controller`).
pub const PLANTED_BUG_NAMES: [&str; 5] = [
    "vote-not-persisted",
    "hwm-without-majority",
    "off-by-one-truncation",
    "ack-before-commit",
    "skip-snapshot-load",
];

fn planted_bug_flag<'a>(options: &'a mut SimOptions, name: &str) -> Option<&'a mut bool> {
    let (raft, controller) = (&mut options.planted_bugs, &mut options.controller_bugs);
    match name {
        "vote-not-persisted" => Some(&mut raft.skip_vote_persist),
        "hwm-without-majority" => Some(&mut raft.hwm_without_majority),
        "off-by-one-truncation" => Some(&mut raft.off_by_one_truncation),
        "ack-before-commit" => Some(&mut controller.ack_before_commit),
        "skip-snapshot-load" => Some(&mut controller.skip_snapshot_load),
        _ => None,
    }
}

/// Plants the bug called `name` in `options`.
pub fn plant_bug(options: &mut SimOptions, name: &str) -> Result<(), String> {
    let flag = planted_bug_flag(options, name).ok_or_else(|| {
        format!(
            "unknown planted bug {name:?} (known: {})",
            PLANTED_BUG_NAMES.join(", ")
        )
    })?;
    *flag = true;
    Ok(())
}

/// The names of the bugs planted in `options`.
pub fn planted_bug_names(options: &SimOptions) -> Vec<&'static str> {
    let mut copy = options.clone();
    PLANTED_BUG_NAMES
        .into_iter()
        .filter(|name| planted_bug_flag(&mut copy, name).is_some_and(|flag| *flag))
        .collect()
}
