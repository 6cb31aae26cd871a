//! What `kafka-storage format` writes for a controller, and a read-only description of a
//! directory for `yakt info`.
//!
//! Formatting one directory writes, in Kafka's order (`Formatter.doFormat`): the
//! `bootstrap.checkpoint` (header, the bootstrap metadata records, footer; epoch 0); for the
//! metadata log directory of a dynamic quorum, `__cluster_metadata-0/00000000000000000000-
//! 0000000000.checkpoint` with `KRaftVersionRecord{1}` and `VotersRecord` beside the header;
//! and last `meta.properties`, whose presence marks the directory formatted. The metadata
//! record bytes come from the caller (yakt-wire encodes them), so this crate stays free of
//! feature-level policy.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use yakt_wire::Uuid;

use crate::control::{self, VoterSpec};
use crate::durable;
use crate::error::{IoContext, LogError, Result};
use crate::fs::FileSystem;
use crate::partition_files::METADATA_PARTITION_DIR;
use crate::segment;
use crate::snapshot::{self, SnapshotId, SnapshotWriter};
use crate::state::{self, MetaProperties, QuorumState, META_PROPERTIES, QUORUM_STATE};

/// What to write into a directory.
#[derive(Clone, Debug)]
pub struct FormatRequest {
    /// `cluster.id`.
    pub cluster_id: String,
    /// `node.id`.
    pub node_id: i32,
    /// `directory.id` for this directory (for a voter's metadata directory, its id in the
    /// initial voter set).
    pub directory_id: Uuid,
    /// The bootstrap metadata records (FeatureLevelRecord ..., SCRAM), encoded values.
    pub bootstrap_records: Vec<Bytes>,
    /// The initial voters of a dynamic quorum (`--standalone` / `--initial-controllers`).
    pub dynamic_voters: Option<Vec<VoterSpec>>,
    /// Whether this is `metadata.log.dir` (the only directory that gets the 0-0 snapshot).
    pub is_metadata_log_dir: bool,
    /// Skip an already formatted directory instead of failing (`--ignore-formatted`).
    pub ignore_formatted: bool,
    /// Wall-clock time for timestamps and the properties date line.
    pub now_ms: i64,
}

/// What formatting did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatOutcome {
    /// The directory was formatted; the files written.
    Formatted(Vec<PathBuf>),
    /// The directory was already formatted and left alone (`ignore_formatted`).
    AlreadyFormatted,
}

/// Formats one controller directory (see the module doc).
pub fn format_controller_dir(
    fs: Arc<dyn FileSystem>,
    dir: &Path,
    request: &FormatRequest,
) -> Result<FormatOutcome> {
    let meta_path = dir.join(META_PROPERTIES);
    if fs.exists(&meta_path) {
        if request.ignore_formatted {
            return Ok(FormatOutcome::AlreadyFormatted);
        }
        return Err(LogError::AlreadyFormatted { path: meta_path });
    }
    fs.create_dir_all(dir).at(dir)?;
    let mut written = vec![snapshot::write_bootstrap_checkpoint(
        Arc::clone(&fs),
        dir,
        &request.bootstrap_records,
        request.now_ms,
    )?];
    if let (Some(voters), true) = (&request.dynamic_voters, request.is_metadata_log_dir) {
        let partition = dir.join(METADATA_PARTITION_DIR);
        fs.create_dir_all(&partition).at(&partition)?;
        durable::sync_parent(&*fs, &partition)?;
        let controls = [control::kraft_version(1), control::voters(voters)];
        let now = request.now_ms;
        let writer = SnapshotWriter::create(
            Arc::clone(&fs),
            &partition,
            SnapshotId::BOOTSTRAP,
            now,
            now,
            &controls,
        )?;
        written.push(writer.freeze()?);
    }
    let meta = MetaProperties::new(&request.cluster_id, request.node_id, request.directory_id);
    state::write_meta_properties(&*fs, dir, &meta, request.now_ms)?;
    written.push(meta_path);
    Ok(FormatOutcome::Formatted(written))
}

/// What a directory holds, read without changing anything.
#[derive(Clone, Debug, Default)]
pub struct DirDescription {
    /// The directory.
    pub dir: PathBuf,
    /// `meta.properties`, if present and well-formed.
    pub meta_properties: Option<MetaProperties>,
    /// Record count of `bootstrap.checkpoint`, if present and well-formed.
    pub bootstrap_records: Option<usize>,
    /// `(base offset, bytes)` of each `.log` segment of `__cluster_metadata-0`.
    pub segments: Vec<(i64, u64)>,
    /// Finished snapshots.
    pub snapshots: Vec<SnapshotId>,
    /// `quorum-state`, if present and well-formed.
    pub quorum_state: Option<QuorumState>,
    /// Anything malformed or left over, one line each.
    pub problems: Vec<String>,
}

/// Describes a log directory for `yakt info` (read-only).
pub fn describe_dir(fs: &dyn FileSystem, dir: &Path) -> Result<DirDescription> {
    let mut out = DirDescription {
        dir: dir.to_path_buf(),
        ..DirDescription::default()
    };
    if !fs.exists(dir) {
        out.problems
            .push(format!("{} does not exist", dir.display()));
        return Ok(out);
    }
    let meta_path = dir.join(META_PROPERTIES);
    if let Some(bytes) = durable::read_if_exists(fs, &meta_path)? {
        let text = String::from_utf8_lossy(&bytes);
        match MetaProperties::parse(&meta_path, &text) {
            Ok(meta) => out.meta_properties = Some(meta),
            Err(e) => out.problems.push(e.to_string()),
        }
    }
    match snapshot::read_bootstrap_checkpoint(fs, dir) {
        Ok(boot) => out.bootstrap_records = boot.map(|b| b.records.len()),
        Err(e) => out.problems.push(e.to_string()),
    }
    let partition = dir.join(METADATA_PARTITION_DIR);
    if fs.exists(&partition) {
        describe_partition(fs, &partition, &mut out)?;
    }
    Ok(out)
}

fn describe_partition(
    fs: &dyn FileSystem,
    partition: &Path,
    out: &mut DirDescription,
) -> Result<()> {
    for name in fs.list_dir(partition).at(partition)? {
        let path = partition.join(&name);
        if let Some(base) = segment::parse_log_name(&name) {
            let size = fs
                .open(&path, crate::fs::OpenMode::Read)
                .and_then(|f| f.len())
                .at(&path)?;
            out.segments.push((base, size));
        } else if let Some(id) = SnapshotId::parse(&name, snapshot::SNAPSHOT_SUFFIX) {
            out.snapshots.push(id);
        } else if name.ends_with(snapshot::PARTIAL_SUFFIX) || name.ends_with(durable::TMP_SUFFIX) {
            out.problems.push(format!(
                "{} is left over from an unfinished write",
                path.display()
            ));
        }
    }
    let qs_path = partition.join(QUORUM_STATE);
    if let Some(bytes) = durable::read_if_exists(fs, &qs_path)? {
        let text = String::from_utf8_lossy(&bytes);
        match QuorumState::from_json(&qs_path, text.trim_end()) {
            Ok(qs) => out.quorum_state = Some(qs),
            Err(e) => out.problems.push(e.to_string()),
        }
    }
    Ok(())
}
