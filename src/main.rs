//! The `yakt` command line: run a controller, manage its storage, and small tools. Each
//! command's work lives in `yakt::commands`; this file only parses arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use yakt::commands;
use yakt::commands::format::{FormatOptions, InitialQuorum};
use yakt::commands::quickstart::QuickstartOptions;
use yakt::config::ControllerConfig;

/// yakt: a KRaft controller quorum for Apache Kafka.
#[derive(Debug, Parser)]
#[command(name = "yakt", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a controller from Kafka's controller.properties.
    Run {
        /// The controller's properties file (the one a Java controller reads).
        #[arg(long, short = 'c', value_name = "FILE")]
        config: PathBuf,
    },
    /// Format the controller's log directories, as `kafka-storage format` does.
    Format(FormatArgs),
    /// Describe what the controller's log directories hold (as `kafka-storage info`, plus the
    /// bootstrap features, segments, snapshots and quorum-state); fails on any problem.
    Info {
        /// The controller's properties file.
        #[arg(long, short = 'c', value_name = "FILE")]
        config: PathBuf,
    },
    /// Print the batches and decoded records of metadata log segments (.log), snapshots and
    /// bootstrap.checkpoint, as `kafka-dump-log --cluster-metadata-decoder` does.
    DumpLog {
        /// The files to dump.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Run a local quorum: N controllers with formatted data under one directory, in this
    /// process, printing the `controller.quorum.voters` and `controller.quorum.bootstrap.servers`
    /// a broker needs. The controllers serve what yakt serves today (the banner lists the
    /// APIs); the Raft quorum and the controller's broker APIs are not served yet.
    Quickstart(QuickstartArgs),
    /// Print a random Kafka Uuid in its base64 form (as `kafka-storage random-uuid` does).
    RandomUuid,
    /// Print yakt's version.
    Version,
    /// Run the deterministic simulator of the Raft engine over a range of seeds (or one seed):
    /// faults on, every invariant checked after every event, then liveness after healing.
    /// Prints each failing seed with the command that replays it; fails on any violation.
    Simulate(SimulateArgs),
}

/// Which seeds to simulate, and how.
#[derive(Debug, Args)]
struct SimulateArgs {
    /// Simulate this seed alone.
    #[arg(long, value_name = "N", conflicts_with_all = ["seeds", "start"])]
    seed: Option<u64>,
    /// How many seeds to simulate.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    seeds: u64,
    /// The first seed.
    #[arg(long, value_name = "S", default_value_t = 0)]
    start: u64,
    /// Voters in every seed's cluster instead of the seed's choice.
    #[arg(long, value_name = "V", value_parser = clap::value_parser!(u8).range(1..=5))]
    voters: Option<u8>,
    /// Observers in every seed's cluster instead of the seed's choice.
    #[arg(long, value_name = "O", value_parser = clap::value_parser!(u8).range(0..=3))]
    observers: Option<u8>,
    /// The most events a seed may take (reaching it fails the seed as a livelock).
    #[arg(long, value_name = "E")]
    events: Option<usize>,
    /// Plant a bug the simulator must catch (repeatable).
    #[arg(long, value_name = "NAME", value_parser = yakt::sim::scenario::PLANTED_BUG_NAMES)]
    planted_bug: Vec<String>,
    /// Run every node on this storage (default: odd seeds on disk, even seeds in memory).
    #[arg(long, value_name = "KIND", value_parser = ["mem", "disk"])]
    storage: Option<String>,
    /// Encode and decode every message with the Kafka codecs, or never (default: the seed's
    /// choice).
    #[arg(long, value_name = "ON|OFF", value_parser = ["on", "off"])]
    codec_round_trip: Option<String>,
    /// Virtual time with faults on before the cluster heals.
    #[arg(long, value_name = "MS")]
    fault_ms: Option<u64>,
    /// Print each seed's event log.
    #[arg(long)]
    log: bool,
    /// Run a metadata controller on every node under a workload of controller requests, and
    /// check its images and every acknowledged operation.
    #[arg(long)]
    controller: bool,
}

/// The arguments of `kafka-storage format`, for a controller.
#[derive(Debug, Args)]
struct FormatArgs {
    /// The controller's properties file: every directory of `log.dirs` and
    /// `metadata.log.dir` is formatted.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: PathBuf,
    /// The cluster id (e.g. from `yakt random-uuid`); every node of the cluster uses the same.
    #[arg(long, short = 't', value_name = "ID")]
    cluster_id: String,
    /// The release whose feature levels the cluster starts with: a release such as `4.0` (its
    /// newest metadata.version) or a metadata.version such as `4.0-IV1`, from 3.3-IV3 to
    /// 4.3-IV0. Default 4.0 (metadata.version 25), not Kafka's newest: a 4.0.x broker supports
    /// metadata.version 25 at most, and yakt serves 4.0 and newer brokers.
    #[arg(long, short = 'r', value_name = "VERSION")]
    release_version: Option<String>,
    /// A feature level to start with instead of the release's default, e.g.
    /// `group.version=0` (repeatable).
    #[arg(long, short = 'f', value_name = "NAME=LEVEL")]
    feature: Vec<String>,
    /// Start a dynamic quorum with this controller as its only voter (needs
    /// `controller.quorum.bootstrap.servers` instead of `controller.quorum.voters`).
    #[arg(long, short = 's', conflicts_with_all = ["initial_controllers", "no_initial_controllers"])]
    standalone: bool,
    /// Start a dynamic quorum with these voters: `id@host:port:directoryId,...`; format every
    /// controller with the same list.
    #[arg(
        long,
        short = 'I',
        value_name = "LIST",
        conflicts_with = "no_initial_controllers"
    )]
    initial_controllers: Option<String>,
    /// Join a dynamic quorum later (`controller.quorum.voters` is empty) without voters now.
    #[arg(long, short = 'N')]
    no_initial_controllers: bool,
    /// Skip directories that are already formatted instead of failing.
    #[arg(long, short = 'g')]
    ignore_formatted: bool,
    /// A SCRAM credential to add to the bootstrap metadata (repeatable), so the user can log
    /// in from the first start, e.g. 'SCRAM-SHA-256=[name=alice,password=alice-secret]' or
    /// 'SCRAM-SHA-512=[name=alice,iterations=8192,salt="N3E=",saltedpassword="YCE="]'. Keys:
    /// name; password, or saltedpassword with salt (both base64); salt (default random);
    /// iterations (4096 to 16384, default 4096). Needs metadata.version 3.5-IV2 or later.
    #[arg(long, short = 'S', value_name = "MECHANISM=[KEY=VALUE,...]")]
    add_scram: Vec<String>,
}

/// Where and how large a local quorum to run.
#[derive(Debug, Args)]
struct QuickstartArgs {
    /// The directory holding cluster.id, controller-N.properties and each controller's data;
    /// a later run in the same directory keeps the cluster id and the data.
    #[arg(long, value_name = "DIR", default_value = "yakt-quickstart")]
    dir: PathBuf,
    /// How many controllers (node ids 1..=N, at most 9).
    #[arg(long, value_name = "N", default_value_t = 3)]
    controllers: u16,
    /// The first controller's port; controller i listens on base-port + i - 1.
    #[arg(long, value_name = "PORT", default_value_t = 9093)]
    base_port: u16,
    /// The host the controllers listen on and advertise.
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    host: String,
}

impl FormatArgs {
    fn options(&self) -> FormatOptions {
        let initial_quorum = if self.standalone {
            InitialQuorum::Standalone
        } else if let Some(list) = &self.initial_controllers {
            InitialQuorum::InitialControllers(list.clone())
        } else if self.no_initial_controllers {
            InitialQuorum::NoInitialControllers
        } else {
            InitialQuorum::Unspecified
        };
        FormatOptions {
            cluster_id: self.cluster_id.clone(),
            release_version: self.release_version.clone(),
            features: self.feature.clone(),
            initial_quorum,
            ignore_formatted: self.ignore_formatted,
            add_scram: self.add_scram.clone(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run { config } => {
            init_tracing();
            commands::run::run(&config)
        }
        Command::Format(args) => format(&args),
        Command::Info { config } => info(&config),
        Command::Quickstart(args) => {
            init_tracing();
            commands::quickstart::quickstart(&QuickstartOptions {
                dir: args.dir,
                controllers: args.controllers,
                base_port: args.base_port,
                host: args.host,
            })
        }
        Command::DumpLog { files } => dump_log(&files),
        Command::RandomUuid => {
            println!("{}", yakt_wire::Uuid::random());
            Ok(())
        }
        Command::Version => {
            println!("yakt {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Simulate(args) => simulate(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("yakt: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `YAKT_LOG` (else `RUST_LOG`, else `info`) and then by the
/// loggers' runtime levels; no colors when `NO_COLOR` is set or stderr is not a terminal.
fn init_tracing() {
    use std::io::IsTerminal;
    let directives = std::env::var("YAKT_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    yakt::logging::install(directives.as_deref(), color);
}

fn format(args: &FormatArgs) -> anyhow::Result<()> {
    let config = ControllerConfig::load(&args.config)?;
    commands::format::format(&config, &args.options(), &mut std::io::stdout().lock())?;
    Ok(())
}

fn info(path: &std::path::Path) -> anyhow::Result<()> {
    let config = ControllerConfig::load(path)?;
    let problems = commands::info::info(&config, &mut std::io::stdout().lock())?;
    anyhow::ensure!(problems.is_empty(), "{} problem(s) found", problems.len());
    Ok(())
}

fn dump_log(files: &[PathBuf]) -> anyhow::Result<()> {
    let problems = commands::dump_log::dump_files(files, &mut std::io::stdout().lock())?;
    for problem in &problems {
        eprintln!("yakt: {problem}");
    }
    anyhow::ensure!(problems.is_empty(), "{} problem(s) found", problems.len());
    Ok(())
}

fn simulate(args: &SimulateArgs) -> anyhow::Result<()> {
    use commands::simulate::{parse_storage, SimulateOptions};
    let mut sim = yakt::sim::SimOptions {
        voters: args.voters.map(usize::from),
        observers: args.observers.map(usize::from),
        storage: args
            .storage
            .as_deref()
            .map(parse_storage)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        codec_round_trip: args.codec_round_trip.as_deref().map(|v| v == "on"),
        controller: args.controller,
        ..yakt::sim::SimOptions::default()
    };
    if let Some(events) = args.events {
        sim.max_events = events;
    }
    if let Some(fault_ms) = args.fault_ms {
        sim.fault_duration_ms = fault_ms;
    }
    for name in &args.planted_bug {
        yakt::sim::plant_bug(&mut sim, name).map_err(anyhow::Error::msg)?;
    }
    let (start, count) = args.seed.map_or((args.start, args.seeds), |seed| (seed, 1));
    let options = SimulateOptions {
        start,
        count,
        sim,
        show_log: args.log,
    };
    let summary = commands::simulate::simulate(&options, &mut std::io::stdout().lock())?;
    anyhow::ensure!(
        summary.failures == 0,
        "{} of {} seeds failed",
        summary.failures,
        summary.seeds
    );
    Ok(())
}
