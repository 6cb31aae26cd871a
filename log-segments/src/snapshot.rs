//! Snapshot files (`%020d-%010d.checkpoint`: end offset, epoch) and `bootstrap.checkpoint`,
//! laid out as Kafka's `RecordsSnapshotWriter` and `BatchFileWriter` write them: a control
//! batch opening with `SnapshotHeaderRecord` (plus, for the bootstrap snapshot of a dynamic
//! quorum, `KRaftVersionRecord` and `VotersRecord`), data batches of metadata records with
//! offsets from 0, and a control batch with `SnapshotFooterRecord`; every batch carries the
//! snapshot's epoch.
//!
//! A snapshot is written to `.checkpoint.part`, fsynced, made read-only, renamed and the
//! directory fsynced (Kafka's `FileRawSnapshotWriter.freeze`); deletion renames to `.checkpoint.deleted` first
//! (Kafka's `Snapshots.markForDelete`). [`remove_partial`] clears both leftovers on open.
//! The reader checks every batch's CRC and the header/footer framing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use yakt_wire::batch::{check_batch, BatchBuilder, BatchView, Scan};

use crate::control::{self, ControlRecord};
use crate::durable;
use crate::error::{IoContext, LogError, Result};
use crate::fs::{FileHandle, FileSystem, Mapping, OpenMode};
use crate::log::DEFAULT_MAX_BATCH_BYTES;

/// Suffix of a finished snapshot.
pub const SNAPSHOT_SUFFIX: &str = ".checkpoint";
/// Suffix of a snapshot being written.
pub const PARTIAL_SUFFIX: &str = ".checkpoint.part";
/// Suffix of a snapshot marked for deletion.
pub const DELETED_SUFFIX: &str = ".checkpoint.deleted";
/// The bootstrap file in `metadata.log.dir`.
pub const BOOTSTRAP_CHECKPOINT: &str = "bootstrap.checkpoint";

/// A snapshot's identity: it holds every record below `end_offset`, the last of them written in
/// `epoch`. Ordered by end offset, then epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotId {
    /// The offset after the last record the snapshot contains.
    pub end_offset: i64,
    /// The epoch of that record.
    pub epoch: i32,
}

impl SnapshotId {
    /// The bootstrap snapshot `0-0` that `kafka-storage format` writes for a dynamic quorum.
    pub const BOOTSTRAP: SnapshotId = SnapshotId {
        end_offset: 0,
        epoch: 0,
    };

    /// `%020d-%010d` + `suffix`.
    pub fn file_name(&self, suffix: &str) -> String {
        format!("{:020}-{:010}{suffix}", self.end_offset, self.epoch)
    }

    /// Parses `%020d-%010d` + `suffix`.
    pub fn parse(name: &str, suffix: &str) -> Option<SnapshotId> {
        let stem = name.strip_suffix(suffix)?;
        let (offset, epoch) = stem.split_once('-')?;
        let digits = |s: &str, n| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(offset, 20) || !digits(epoch, 10) {
            return None;
        }
        Some(SnapshotId {
            end_offset: offset.parse().ok()?,
            epoch: epoch.parse().ok()?,
        })
    }
}

/// Writes one snapshot (or `bootstrap.checkpoint`) and makes it visible only when frozen.
#[derive(Debug)]
pub struct SnapshotWriter {
    fs: Arc<dyn FileSystem>,
    partial: PathBuf,
    target: PathBuf,
    file: Box<dyn FileHandle>,
    position: u64,
    next_offset: i64,
    epoch: i32,
    timestamp_ms: i64,
    framed: bool,
}

impl SnapshotWriter {
    /// Starts `<dir>/<id>.checkpoint.part` with the header control batch (`extra_controls`
    /// follow the header in that batch). `now_ms` stamps the batches.
    pub fn create(
        fs: Arc<dyn FileSystem>,
        dir: &Path,
        id: SnapshotId,
        last_contained_log_timestamp: i64,
        now_ms: i64,
        extra_controls: &[ControlRecord],
    ) -> Result<SnapshotWriter> {
        let target = dir.join(id.file_name(SNAPSHOT_SUFFIX));
        let partial = dir.join(id.file_name(PARTIAL_SUFFIX));
        refuse_existing(&*fs, &target)?;
        let mut writer = SnapshotWriter::start(fs, partial, target, id.epoch, now_ms, true)?;
        let mut controls = vec![control::snapshot_header(last_contained_log_timestamp)];
        controls.extend_from_slice(extra_controls);
        writer.append_controls(&controls)?;
        Ok(writer)
    }

    /// Starts a snapshot whose bytes arrive already framed (FetchSnapshot): no header or
    /// footer is added.
    pub fn create_raw(
        fs: Arc<dyn FileSystem>,
        dir: &Path,
        id: SnapshotId,
    ) -> Result<SnapshotWriter> {
        let target = dir.join(id.file_name(SNAPSHOT_SUFFIX));
        let partial = dir.join(id.file_name(PARTIAL_SUFFIX));
        refuse_existing(&*fs, &target)?;
        SnapshotWriter::start(fs, partial, target, id.epoch, 0, false)
    }

    /// Starts `<metadata_log_dir>/bootstrap.checkpoint` (epoch 0, header timestamp 0), written
    /// through `bootstrap.checkpoint.tmp`.
    pub fn create_bootstrap(
        fs: Arc<dyn FileSystem>,
        metadata_log_dir: &Path,
        now_ms: i64,
    ) -> Result<SnapshotWriter> {
        let target = metadata_log_dir.join(BOOTSTRAP_CHECKPOINT);
        let partial =
            metadata_log_dir.join(format!("{BOOTSTRAP_CHECKPOINT}{}", durable::TMP_SUFFIX));
        let mut writer = SnapshotWriter::start(fs, partial, target, 0, now_ms, true)?;
        writer.append_controls(&[control::snapshot_header(0)])?;
        Ok(writer)
    }

    fn start(
        fs: Arc<dyn FileSystem>,
        partial: PathBuf,
        target: PathBuf,
        epoch: i32,
        timestamp_ms: i64,
        framed: bool,
    ) -> Result<SnapshotWriter> {
        let file = fs.open(&partial, OpenMode::CreateTruncate).at(&partial)?;
        Ok(SnapshotWriter {
            fs,
            partial,
            target,
            file,
            position: 0,
            next_offset: 0,
            epoch,
            timestamp_ms,
            framed,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all_at(bytes, self.position)
            .at(&self.partial)?;
        self.position += bytes.len() as u64;
        Ok(())
    }

    fn append_controls(&mut self, records: &[ControlRecord]) -> Result<()> {
        let mut builder =
            BatchBuilder::new(self.next_offset, self.epoch, self.timestamp_ms).control();
        for record in records {
            builder.push(
                Some(&control::control_key(record.record_type)),
                Some(&record.value),
            );
        }
        self.next_offset += records.len() as i64;
        self.write(&builder.build())
    }

    /// Appends metadata records (values, null keys), in as few batches as fit in 8 MiB.
    pub fn append_records<V: AsRef<[u8]>>(&mut self, values: &[V]) -> Result<()> {
        let mut builder = BatchBuilder::new(self.next_offset, self.epoch, self.timestamp_ms);
        for value in values {
            let value = value.as_ref();
            if !builder.is_empty()
                && builder.size_in_bytes() + value.len() + 32 > DEFAULT_MAX_BATCH_BYTES
            {
                let full = std::mem::replace(
                    &mut builder,
                    BatchBuilder::new(self.next_offset, self.epoch, self.timestamp_ms),
                );
                self.write(&full.build())?;
            }
            builder.push(None, Some(value));
            self.next_offset += 1;
        }
        if !builder.is_empty() {
            self.write(&builder.build())?;
        }
        Ok(())
    }

    /// Appends bytes of a snapshot that arrive already framed.
    pub fn append_raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.write(bytes)
    }

    /// Bytes written so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Adds the footer (unless raw), fsyncs, renames into place and fsyncs the directory.
    pub fn freeze(mut self) -> Result<PathBuf> {
        if self.framed {
            self.append_controls(&[control::snapshot_footer()])?;
        }
        self.file.sync_data().sync_at(&self.partial)?;
        if self
            .target
            .file_name()
            .is_some_and(|n| n != BOOTSTRAP_CHECKPOINT)
        {
            self.fs.set_read_only(&self.partial).at(&self.partial)?;
        }
        self.fs
            .rename(&self.partial, &self.target)
            .at(&self.target)?;
        durable::sync_parent(&*self.fs, &self.target)?;
        Ok(self.target)
    }

    /// Abandons the snapshot, removing the partial file.
    pub fn abort(self) -> Result<()> {
        self.fs.remove_file(&self.partial).at(&self.partial)
    }
}

fn refuse_existing(fs: &dyn FileSystem, target: &Path) -> Result<()> {
    if fs.exists(target) {
        return Err(LogError::SnapshotExists {
            path: target.to_path_buf(),
        });
    }
    Ok(())
}

/// A snapshot file read and checked.
#[derive(Clone, Debug)]
pub struct SnapshotFile {
    /// The file.
    pub path: PathBuf,
    /// All of its bytes (zero-copy on the real file system), for FetchSnapshot.
    pub bytes: Mapping,
    /// `lastContainedLogTimestamp` from the header.
    pub last_contained_log_timestamp: i64,
    /// The epoch stamped on its batches.
    pub epoch: i32,
    /// Control records other than the header and footer (e.g. KRaftVersion, Voters), in order.
    pub control_records: Vec<ControlRecord>,
    /// The values of its metadata records, in order.
    pub records: Vec<Bytes>,
}

/// Reads and checks a snapshot file (or `bootstrap.checkpoint`).
pub fn read_snapshot_file(fs: &dyn FileSystem, path: &Path) -> Result<SnapshotFile> {
    let file = fs.open(path, OpenMode::Read).at(path)?;
    let bytes = file.map_read_only().at(path)?;
    let mut parsed = SnapshotFile {
        path: path.to_path_buf(),
        bytes: bytes.clone(),
        last_contained_log_timestamp: -1,
        epoch: 0,
        control_records: Vec::new(),
        records: Vec::new(),
    };
    let data = bytes.as_slice();
    let bad = |position: usize, reason: String| {
        LogError::malformed(path, format!("batch at byte {position}: {reason}"))
    };
    let (mut position, mut next_offset, mut saw_footer) = (0usize, 0i64, false);
    let mut header_timestamp: Option<i64> = None;
    while position < data.len() {
        let header = match check_batch(&data[position..], data.len() - position) {
            Ok(Scan::Batch(h)) => h,
            Ok(Scan::Incomplete { needed }) => {
                return Err(bad(
                    position,
                    format!("truncated, {needed} more bytes needed"),
                ))
            }
            Err(e) => return Err(bad(position, e.to_string())),
        };
        if saw_footer {
            return Err(bad(position, "batch after the snapshot footer".into()));
        }
        if header.base_offset != next_offset {
            let reason = format!("base offset {}, expected {next_offset}", header.base_offset);
            return Err(bad(position, reason));
        }
        let size = header.size_in_bytes();
        let view = BatchView::parse(&data[position..position + size])
            .map_err(|e| bad(position, e.to_string()))?;
        for record in view.records() {
            let record = record.map_err(|e| bad(position, e.to_string()))?;
            let value = record.value.unwrap_or(&[]);
            let value_bytes = slice_of(&bytes, data, value);
            if !header.is_control() {
                parsed.records.push(value_bytes);
                continue;
            }
            let record_type = record.key.and_then(control::control_type);
            match record_type {
                Some(control::SNAPSHOT_HEADER) if header_timestamp.is_none() => {
                    let timestamp = control::decode_snapshot_header(value)
                        .ok_or_else(|| bad(position, "undecodable SnapshotHeaderRecord".into()))?;
                    header_timestamp = Some(timestamp);
                }
                Some(control::SNAPSHOT_FOOTER) => saw_footer = true,
                Some(record_type) if header_timestamp.is_some() => {
                    if control::decode(record_type, value).is_none() {
                        let reason = format!("undecodable control record of type {record_type}");
                        return Err(bad(position, reason));
                    }
                    parsed.control_records.push(ControlRecord {
                        record_type,
                        value: value_bytes,
                    })
                }
                _ => return Err(bad(position, "control record out of place".into())),
            }
        }
        if header_timestamp.is_none() {
            return Err(bad(
                0,
                "the first batch does not start with a SnapshotHeaderRecord".into(),
            ));
        }
        parsed.epoch = header.partition_leader_epoch;
        next_offset = header.next_offset();
        position += size;
    }
    if !saw_footer {
        return Err(LogError::malformed(
            path,
            "no SnapshotFooterRecord: the snapshot is incomplete",
        ));
    }
    parsed.last_contained_log_timestamp = header_timestamp.unwrap_or(-1);
    Ok(parsed)
}

/// The zero-copy `Bytes` of `part`, a sub-slice of `data` (the mapping's bytes).
fn slice_of(mapping: &Mapping, data: &[u8], part: &[u8]) -> Bytes {
    if part.is_empty() {
        return Bytes::new();
    }
    let start = part.as_ptr() as usize - data.as_ptr() as usize;
    mapping.slice(start, start + part.len())
}

/// Reads `bootstrap.checkpoint` from `metadata.log.dir`, if present.
pub fn read_bootstrap_checkpoint(
    fs: &dyn FileSystem,
    metadata_log_dir: &Path,
) -> Result<Option<SnapshotFile>> {
    let path = metadata_log_dir.join(BOOTSTRAP_CHECKPOINT);
    if !fs.exists(&path) {
        return Ok(None);
    }
    read_snapshot_file(fs, &path).map(Some)
}

/// Writes `bootstrap.checkpoint` holding `records` (metadata record values).
pub fn write_bootstrap_checkpoint<V: AsRef<[u8]>>(
    fs: Arc<dyn FileSystem>,
    metadata_log_dir: &Path,
    records: &[V],
    now_ms: i64,
) -> Result<PathBuf> {
    let mut writer = SnapshotWriter::create_bootstrap(fs, metadata_log_dir, now_ms)?;
    writer.append_records(records)?;
    writer.freeze()
}

/// The finished snapshots in the partition directory, oldest first.
pub fn list_snapshots(fs: &dyn FileSystem, dir: &Path) -> Result<Vec<SnapshotId>> {
    let names = fs.list_dir(dir).at(dir)?;
    let mut ids: Vec<SnapshotId> = names
        .iter()
        .filter_map(|n| SnapshotId::parse(n, SNAPSHOT_SUFFIX))
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// The newest finished snapshot.
pub fn latest_snapshot(fs: &dyn FileSystem, dir: &Path) -> Result<Option<SnapshotId>> {
    Ok(list_snapshots(fs, dir)?.pop())
}

/// Reads the snapshot `id` in the partition directory.
pub fn read_snapshot(fs: &dyn FileSystem, dir: &Path, id: SnapshotId) -> Result<SnapshotFile> {
    read_snapshot_file(fs, &dir.join(id.file_name(SNAPSHOT_SUFFIX)))
}

/// Deletes a snapshot: rename to `.checkpoint.deleted`, fsync the directory, remove.
pub fn delete_snapshot(fs: &dyn FileSystem, dir: &Path, id: SnapshotId) -> Result<()> {
    let path = dir.join(id.file_name(SNAPSHOT_SUFFIX));
    let deleted = dir.join(id.file_name(DELETED_SUFFIX));
    fs.rename(&path, &deleted).at(&path)?;
    durable::sync_parent(fs, &deleted)?;
    fs.remove_file(&deleted).at(&deleted)
}

/// Removes `.checkpoint.part` and `.checkpoint.deleted` files; returns their names.
pub fn remove_partial(fs: &dyn FileSystem, dir: &Path) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    for name in fs.list_dir(dir).at(dir)? {
        if name.ends_with(PARTIAL_SUFFIX) || name.ends_with(DELETED_SUFFIX) {
            let path = dir.join(&name);
            tracing::warn!(path = %path.display(), "removing an unfinished or deleted snapshot");
            fs.remove_file(&path).at(&path)?;
            removed.push(name);
        }
    }
    Ok(removed)
}

/// Deletes snapshots wholly behind the log start (their end offset is below it), always
/// keeping the latest snapshot; returns the ids deleted. Call after the log start moved.
pub fn delete_snapshots_below(
    fs: &dyn FileSystem,
    dir: &Path,
    log_start_offset: i64,
) -> Result<Vec<SnapshotId>> {
    let mut ids = list_snapshots(fs, dir)?;
    ids.pop();
    let doomed: Vec<SnapshotId> = ids
        .into_iter()
        .filter(|id| id.end_offset < log_start_offset)
        .collect();
    for id in &doomed {
        delete_snapshot(fs, dir, *id)?;
    }
    Ok(doomed)
}
