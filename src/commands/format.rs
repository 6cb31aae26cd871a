//! `yakt format`: what `kafka-storage format` does for a controller, with Kafka's rules and
//! messages (`StorageTool.runFormatCommand`, `Formatter.run`/`doFormat`).
//!
//! Every directory of `log.dirs` and `metadata.log.dir` gets `bootstrap.checkpoint` and
//! `meta.properties` (with a fresh `directory.id`, except a dynamic voter's metadata directory,
//! which takes its id from the initial voter set); the metadata directory of a dynamic quorum
//! also gets the `0-0` snapshot with `KRaftVersionRecord` and `VotersRecord`. All directories
//! are checked before any is written: an already formatted one stops the command unless
//! `--ignore-formatted`, and a `meta.properties` of another cluster or node always does.
//! `bootstrap.checkpoint` holds the `FeatureLevelRecord`s, then one
//! `UserScramCredentialRecord` per `--add-scram` argument ([`super::add_scram`]).

use crate::clock::now_ms;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

use yakt_log::format::{format_controller_dir, FormatRequest};
use yakt_log::partition_files::METADATA_PARTITION_DIR;
use yakt_log::snapshot::{SnapshotId, SNAPSHOT_SUFFIX};
use yakt_log::state::{read_meta_properties, MetaProperties};
use yakt_log::{FileSystem, LogError, RealFs};
use yakt_wire::Uuid;

use super::add_scram::{scram_records, ScramArgumentError};
use super::voters::{DynamicVoters, VotersError};
use crate::config::ControllerConfig;
use crate::controller::scram::MV_SCRAM;
use crate::features::{
    parse_feature_argument, FeatureError, FeatureRequest, FinalizedFeatures, MetadataVersion,
};

/// How the initial voters of the quorum are given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum InitialQuorum {
    /// None of the three flags: the static quorum of `controller.quorum.voters`.
    #[default]
    Unspecified,
    /// `--standalone`: this controller alone.
    Standalone,
    /// `--initial-controllers 'id@host:port:dirId,...'`.
    InitialControllers(String),
    /// `--no-initial-controllers`: a dynamic quorum this node joins later.
    NoInitialControllers,
}

/// The arguments of `yakt format`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormatOptions {
    /// `--cluster-id`.
    pub cluster_id: String,
    /// `--release-version`.
    pub release_version: Option<String>,
    /// `--feature name=level`, as given.
    pub features: Vec<String>,
    /// `--standalone`, `--initial-controllers` or `--no-initial-controllers`.
    pub initial_quorum: InitialQuorum,
    /// `--ignore-formatted`.
    pub ignore_formatted: bool,
    /// `--add-scram MECHANISM=[name=...,password=...]`, as given.
    pub add_scram: Vec<String>,
}

/// Why formatting stopped; the messages are Kafka's where Kafka has one.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// A rule about the arguments or the configuration.
    #[error("{0}")]
    Usage(String),
    /// The feature levels cannot be settled.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// `--initial-controllers` does not parse.
    #[error(transparent)]
    Voters(#[from] VotersError),
    /// An `--add-scram` argument is refused.
    #[error(transparent)]
    Scram(#[from] ScramArgumentError),
    /// A directory is already formatted and `--ignore-formatted` was not given.
    #[error(
        "Log directory {} is already formatted. Use --ignore-formatted to ignore this \
         directory and format the others.",
        .0.display()
    )]
    AlreadyFormatted(PathBuf),
    /// Writing a directory failed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// Writing the report failed.
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
}

/// What kind of directory a formatted one is (Kafka's `Formatter.DirectoryType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryKind {
    /// A `log.dirs` entry that is not the metadata log directory.
    Data,
    /// The metadata log directory of a static quorum.
    StaticMetadata,
    /// The metadata log directory of a dynamic quorum this node is not an initial voter of.
    DynamicMetadata,
    /// The metadata log directory of an initial voter of a dynamic quorum.
    DynamicMetadataVoter,
}

impl DirectoryKind {
    /// Kafka's words for it.
    pub fn description(self) -> &'static str {
        match self {
            DirectoryKind::Data => "data directory",
            DirectoryKind::StaticMetadata => "metadata directory",
            DirectoryKind::DynamicMetadata => "dynamic metadata directory",
            DirectoryKind::DynamicMetadataVoter => "dynamic metadata voter directory",
        }
    }
}

/// One directory formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormattedDir {
    /// The directory.
    pub dir: PathBuf,
    /// Its kind.
    pub kind: DirectoryKind,
    /// Its new `directory.id`.
    pub directory_id: Uuid,
}

/// What `yakt format` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatReport {
    /// The feature levels the cluster starts with.
    pub features: FinalizedFeatures,
    /// The directories formatted now.
    pub formatted: Vec<FormattedDir>,
    /// The directories left alone because they were formatted already.
    pub already_formatted: Vec<PathBuf>,
}

/// Formats every directory of `config` (see the module doc), reporting progress to `out`.
pub fn format(
    config: &ControllerConfig,
    options: &FormatOptions,
    out: &mut dyn Write,
) -> Result<FormatReport, FormatError> {
    if options.cluster_id.is_empty() {
        return Err(FormatError::Usage(
            "You must specify the cluster id.".into(),
        ));
    }
    let features = feature_request(config, options)?;
    let voters = initial_voters(config, &options.initial_quorum)?;
    let features = features.finalize()?;
    let scram = scram_bootstrap_records(&features, &options.add_scram)?;
    let fs: Arc<dyn FileSystem> = Arc::new(RealFs);
    let dirs = directories(config);
    let existing = load_existing(&*fs, &dirs, config.node_id, &options.cluster_id, out)?;
    if let (Some(first), false) = (existing.formatted.keys().next(), options.ignore_formatted) {
        return Err(FormatError::AlreadyFormatted(first.clone()));
    }
    let mut report = FormatReport {
        features,
        formatted: Vec::new(),
        already_formatted: existing.formatted.keys().cloned().collect(),
    };
    if existing.empty.is_empty() {
        writeln!(out, "All of the log directories are already formatted.")?;
        return Ok(report);
    }
    writeln!(
        out,
        "Bootstrap metadata: {}",
        describe_features(&report.features)
    )?;
    let mut taken_ids = existing.directory_ids;
    for dir in &existing.empty {
        let kind = directory_kind(dir, config, voters.as_ref());
        let directory_id = match (kind, &voters) {
            (DirectoryKind::DynamicMetadataVoter, Some(voters)) => voters
                .get(config.node_id)
                .map(|voter| voter.directory_id)
                .unwrap_or_else(|| fresh_directory_id(&taken_ids)),
            _ => fresh_directory_id(&taken_ids),
        };
        taken_ids.insert(directory_id);
        let formatted = FormattedDir {
            dir: dir.clone(),
            kind,
            directory_id,
        };
        writeln!(
            out,
            "Formatting {} {} with metadata.version {}.",
            kind.description(),
            dir.display(),
            report.features.metadata_version
        )?;
        let mut bootstrap_records = report.features.bootstrap_records();
        bootstrap_records.extend(scram.iter().cloned());
        format_one(
            &fs,
            config,
            options,
            bootstrap_records,
            voters.as_ref(),
            &formatted,
        )?;
        report.formatted.push(formatted);
    }
    Ok(report)
}

/// Writes one directory: `bootstrap.checkpoint`, the 0-0 snapshot of a dynamic quorum's
/// metadata directory, then `meta.properties`.
fn format_one(
    fs: &Arc<dyn FileSystem>,
    config: &ControllerConfig,
    options: &FormatOptions,
    bootstrap_records: Vec<Bytes>,
    voters: Option<&DynamicVoters>,
    target: &FormattedDir,
) -> Result<(), FormatError> {
    let dynamic = matches!(
        target.kind,
        DirectoryKind::DynamicMetadata | DirectoryKind::DynamicMetadataVoter
    );
    let listener_name = config.controller_listener_names.first().ok_or_else(|| {
        FormatError::Usage("You must specify the name of the initial controller listener.".into())
    })?;
    let request = FormatRequest {
        cluster_id: options.cluster_id.clone(),
        node_id: config.node_id,
        directory_id: target.directory_id,
        bootstrap_records,
        dynamic_voters: voters
            .filter(|_| dynamic)
            .map(|voters| voters.to_voter_specs(listener_name)),
        is_metadata_log_dir: target.dir == config.metadata_log_dir,
        ignore_formatted: false,
        now_ms: now_ms(),
    };
    if request.dynamic_voters.is_some() {
        remove_stale_bootstrap_snapshot(&**fs, &target.dir)?;
    }
    format_controller_dir(Arc::clone(fs), &target.dir, &request)?;
    Ok(())
}

/// The `UserScramCredentialRecord`s of `--add-scram`, made once for every directory (so a
/// random salt is the same in each); refused below metadata.version 3.5-IV2 before any
/// argument is read, as Kafka's `Formatter.calculateBootstrapMetadata`.
fn scram_bootstrap_records(
    features: &FinalizedFeatures,
    arguments: &[String],
) -> Result<Vec<Bytes>, FormatError> {
    if arguments.is_empty() {
        return Ok(Vec::new());
    }
    if features.metadata_version.level < MV_SCRAM {
        return Err(FormatError::Usage(
            "SCRAM is only supported in metadata.version 3.5-IV2 or later.".into(),
        ));
    }
    Ok(scram_records(arguments)?)
}

/// The feature request of the arguments; checks `--release-version` and `--feature` syntax.
fn feature_request(
    config: &ControllerConfig,
    options: &FormatOptions,
) -> Result<FeatureRequest, FormatError> {
    let release_version = options
        .release_version
        .as_deref()
        .map(MetadataVersion::parse)
        .transpose()?;
    let overrides = options
        .features
        .iter()
        .map(|text| parse_feature_argument(text))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FeatureRequest {
        release_version,
        overrides,
        dynamic_quorum: config.quorum_voters.is_empty(),
    })
}

/// The initial voters of a dynamic quorum, with Kafka's checks of the flags against
/// `controller.quorum.voters`.
fn initial_voters(
    config: &ControllerConfig,
    quorum: &InitialQuorum,
) -> Result<Option<DynamicVoters>, FormatError> {
    let static_voters = !config.quorum_voters.is_empty();
    let wants_voters = matches!(
        quorum,
        InitialQuorum::Standalone | InitialQuorum::InitialControllers(_)
    );
    if static_voters && wants_voters {
        return Err(FormatError::Usage(
            "You cannot specify controller.quorum.voters and format the node with \
             --initial-controllers or --standalone. If you want to use dynamic quorum, please \
             remove controller.quorum.voters and specify controller.quorum.bootstrap.servers \
             instead."
                .into(),
        ));
    }
    match quorum {
        InitialQuorum::InitialControllers(text) => Ok(Some(DynamicVoters::parse(text)?)),
        InitialQuorum::Standalone => Ok(Some(DynamicVoters::standalone(config)?)),
        InitialQuorum::Unspecified if !static_voters => Err(FormatError::Usage(
            "Because controller.quorum.voters is not set on this controller, you must specify \
             one of the following: --standalone, --initial-controllers, or \
             --no-initial-controllers."
                .into(),
        )),
        InitialQuorum::Unspecified | InitialQuorum::NoInitialControllers => Ok(None),
    }
}

/// `log.dirs` and `metadata.log.dir`, each once, in Kafka's (sorted) order.
pub fn directories(config: &ControllerConfig) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = config.log_dirs.clone();
    dirs.push(config.metadata_log_dir.clone());
    dirs.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    dirs.dedup();
    dirs
}

/// The directories' `meta.properties` as found.
struct Existing {
    formatted: BTreeMap<PathBuf, MetaProperties>,
    empty: Vec<PathBuf>,
    directory_ids: HashSet<Uuid>,
}

/// Reads every directory's `meta.properties` and checks them against this node (Kafka's
/// `MetaPropertiesEnsemble.verify`). An unreadable one is reported and skipped, as Kafka does.
fn load_existing(
    fs: &dyn FileSystem,
    dirs: &[PathBuf],
    node_id: i32,
    cluster_id: &str,
    out: &mut dyn Write,
) -> Result<Existing, FormatError> {
    let mut existing = Existing {
        formatted: BTreeMap::new(),
        empty: Vec::new(),
        directory_ids: HashSet::new(),
    };
    let mut unreadable = 0;
    for dir in dirs {
        match read_meta_properties(fs, dir) {
            Ok(None) => existing.empty.push(dir.clone()),
            Ok(Some(meta)) => {
                verify_meta(dir, &meta, node_id, cluster_id, &mut existing.directory_ids)?;
                existing.formatted.insert(dir.clone(), meta);
            }
            Err(error) => {
                unreadable += 1;
                writeln!(
                    out,
                    "I/O error trying to read log directory {}. Ignoring... ({error})",
                    dir.display()
                )?;
            }
        }
    }
    if unreadable > 0 && existing.empty.is_empty() && existing.formatted.is_empty() {
        return Err(FormatError::Usage(
            "No available log directories to format.".into(),
        ));
    }
    Ok(existing)
}

fn verify_meta(
    dir: &Path,
    meta: &MetaProperties,
    node_id: i32,
    cluster_id: &str,
    seen_ids: &mut HashSet<Uuid>,
) -> Result<(), FormatError> {
    let path = dir.join(yakt_log::state::META_PROPERTIES);
    if let Some(found) = meta
        .cluster_id
        .as_deref()
        .filter(|found| *found != cluster_id)
    {
        return Err(FormatError::Usage(format!(
            "Invalid cluster.id in: {}. Expected {cluster_id}, but read {found}",
            path.display()
        )));
    }
    if let Some(found) = meta.node_id.filter(|found| *found != node_id) {
        return Err(FormatError::Usage(format!(
            "Stored node id {found} doesn't match previous node id {node_id} in {}. If you \
             moved your data, make sure your configured node id matches. If you intend to \
             create a new node, you should remove all data in your data directories.",
            path.display()
        )));
    }
    if let Some(id) = meta.directory_id {
        if id.is_reserved() {
            return Err(FormatError::Usage(format!(
                "Invalid reserved directory ID {id} found in {}",
                dir.display()
            )));
        }
        if !seen_ids.insert(id) {
            return Err(FormatError::Usage(format!(
                "Duplicate directory ID {id} found in {}",
                dir.display()
            )));
        }
    }
    Ok(())
}

fn directory_kind(
    dir: &Path,
    config: &ControllerConfig,
    voters: Option<&DynamicVoters>,
) -> DirectoryKind {
    if dir != config.metadata_log_dir {
        DirectoryKind::Data
    } else {
        match voters {
            None => DirectoryKind::StaticMetadata,
            Some(voters) if voters.get(config.node_id).is_some() => {
                DirectoryKind::DynamicMetadataVoter
            }
            Some(_) => DirectoryKind::DynamicMetadata,
        }
    }
}

fn fresh_directory_id(taken: &HashSet<Uuid>) -> Uuid {
    loop {
        let id = Uuid::random();
        if !taken.contains(&id) {
            return id;
        }
    }
}

/// A `0-0` snapshot in a directory without `meta.properties` is left from a format that
/// stopped before its end; Kafka's writer replaces it, so it is removed before writing anew.
fn remove_stale_bootstrap_snapshot(fs: &dyn FileSystem, dir: &Path) -> Result<(), LogError> {
    let path = dir
        .join(METADATA_PARTITION_DIR)
        .join(SnapshotId::BOOTSTRAP.file_name(SNAPSHOT_SUFFIX));
    if fs.exists(&path) {
        fs.remove_file(&path)
            .map_err(|source| LogError::Io { path, source })?;
    }
    Ok(())
}

/// `metadata.version=25 (4.0-IV3), group.version=1, transaction.version=2`.
pub fn describe_features(features: &FinalizedFeatures) -> String {
    features
        .bootstrap_feature_levels()
        .iter()
        .map(|(name, level)| {
            if name == crate::features::METADATA_VERSION {
                format!("{name}={level} ({})", features.metadata_version)
            } else {
                format!("{name}={level}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
