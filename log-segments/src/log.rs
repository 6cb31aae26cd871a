//! The `__cluster_metadata-0` log: segments, recovery on open, append, flush, read,
//! truncation, roll and retention (Kafka's `UnifiedLog` and `LogLoader` as `KafkaMetadataLog`
//! uses them).
//!
//! Durability: [`Log::flush`] fdatasyncs the active segment (and the directory when a segment
//! was created) before it moves [`Log::flushed_offset`]. The recovery point is written (tmp,
//! fsync, rename, directory fsync) only for offsets already flushed: on roll, on
//! [`Log::checkpoint_recovery_point`] and on [`Log::close`]; truncation lowers it first.
//! On open every batch of every segment is checked; a bad batch at or above the recovery point
//! cuts the log there (with a warning saying what and why), below it is
//! [`LogError::CorruptDurableData`]. A failed fsync is [`LogError::SyncFailed`]; both are fatal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use yakt_wire::batch::{check_batch, set_base_offset, BatchHeader, Scan};

use crate::durable;
use crate::epoch_cache::EpochCache;
use crate::error::{IoContext, LogError, Result};
use crate::fs::FileSystem;
use crate::index::INDEX_INTERVAL_BYTES;
use crate::partition_files::{
    ensure_partition_metadata, load_recovery_point, store_recovery_point,
};
use crate::segment::{self, Segment, CLEANED_SUFFIX};
use crate::snapshot::SnapshotId;

/// Kafka's `metadata.log.segment.bytes` default: 1 GiB.
pub const DEFAULT_SEGMENT_BYTES: u64 = 1024 * 1024 * 1024;
/// Kafka's `metadata.max.retention.bytes` default: 100 MiB.
pub const DEFAULT_RETENTION_BYTES: i64 = 100 * 1024 * 1024;
/// Kafka's `metadata.max.retention.ms` default: 7 days.
pub const DEFAULT_RETENTION_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Kafka's `metadata.log.segment.ms` default: 7 days.
pub const DEFAULT_SEGMENT_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Kafka's raft `MAX_BATCH_SIZE_BYTES`: 8 MiB.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Log settings, with Kafka's names and defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// Roll to a new segment when the active one would exceed this.
    pub segment_bytes: u64,
    /// Roll when a batch is this much newer than the active segment's first batch.
    pub segment_ms: i64,
    /// Bytes between index entries (`index.interval.bytes`).
    pub index_interval_bytes: usize,
    /// The largest batch accepted on append and on recovery.
    pub max_batch_bytes: usize,
    /// `metadata.max.retention.bytes` (log plus snapshots); negative: unlimited.
    pub retention_bytes: i64,
    /// `metadata.max.retention.ms`; negative: unlimited.
    pub retention_ms: i64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            segment_ms: DEFAULT_SEGMENT_MS,
            index_interval_bytes: INDEX_INTERVAL_BYTES,
            max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
            retention_bytes: DEFAULT_RETENTION_BYTES,
            retention_ms: DEFAULT_RETENTION_MS,
        }
    }
}

/// The offsets an append assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendInfo {
    /// The first offset appended.
    pub first_offset: i64,
    /// The last offset appended.
    pub last_offset: i64,
}

/// The open log.
#[derive(Debug)]
pub struct Log {
    fs: Arc<dyn FileSystem>,
    dir: PathBuf,
    config: LogConfig,
    segments: BTreeMap<i64, Segment>,
    epochs: EpochCache,
    flushed_offset: i64,
    recovery_point: i64,
    dir_dirty: bool,
    scratch: Vec<u8>,
}

impl Log {
    /// Opens (creating if needed) the log in the partition directory `dir`, recovering it.
    pub fn open(fs: Arc<dyn FileSystem>, dir: &Path, config: LogConfig) -> Result<Log> {
        if !fs.exists(dir) {
            fs.create_dir_all(dir).at(dir)?;
            durable::sync_parent(&*fs, dir)?;
        }
        ensure_partition_metadata(&*fs, dir)?;
        remove_leftovers(&*fs, dir)?;
        let recovery_point = load_recovery_point(&*fs, dir)?;
        let mut log = Log {
            fs,
            dir: dir.to_path_buf(),
            config,
            segments: BTreeMap::new(),
            epochs: EpochCache::default(),
            flushed_offset: 0,
            recovery_point,
            dir_dirty: false,
            scratch: Vec::new(),
        };
        log.recover()?;
        Ok(log)
    }

    fn recover(&mut self) -> Result<()> {
        let fs = Arc::clone(&self.fs);
        let loaded_epochs = EpochCache::load(&*fs, &self.dir)?;
        let mut epochs = loaded_epochs.clone();
        let bases = self.segment_bases_on_disk()?;
        let mut expected: Option<i64> = None;
        for (i, &base) in bases.iter().enumerate() {
            if let Some(next) = expected.filter(|&next| next != base) {
                let reason = format!("segment {base} follows a segment ending at offset {next}");
                let position = self.segments.values().next_back().map_or(0, |s| s.size);
                self.check_cut(next, position, &self.last_log_path(), &reason)?;
                self.delete_later_segments(&bases[i..], &reason)?;
                break;
            }
            let outcome = Segment::scan(
                &*fs,
                &self.dir,
                base,
                self.config.index_interval_bytes,
                self.config.max_batch_bytes,
            )?;
            let problem = outcome.problem.clone();
            if let Some(p) = &problem {
                let path = self.dir.join(segment::file_name(base, segment::LOG_SUFFIX));
                self.check_cut(p.offset, p.position, &path, &p.reason)?;
            }
            for &(epoch, offset) in &outcome.epochs {
                epochs.assign(epoch, offset);
            }
            expected = Some(outcome.next_offset);
            let seg = Segment::open_scanned(&*fs, &self.dir, base, outcome)?;
            self.segments.insert(base, seg);
            if let Some(p) = problem {
                let reason = format!("segment {base} was cut at offset {}", p.offset);
                self.delete_later_segments(&bases[i + 1..], &reason)?;
                break;
            }
        }
        self.finish_recovery(epochs, loaded_epochs)
    }

    fn finish_recovery(&mut self, mut epochs: EpochCache, loaded: EpochCache) -> Result<()> {
        if self.segments.is_empty() {
            let seg = Segment::create(&*self.fs, &self.dir, 0, self.config.index_interval_bytes)?;
            self.segments.insert(0, seg);
            self.dir_dirty = true;
        }
        let end = self.log_end_offset();
        if end < self.recovery_point {
            return Err(LogError::CorruptDurableData {
                path: self.last_log_path(),
                position: self.active().size,
                offset: end,
                recovery_point: self.recovery_point,
                reason: format!("the log ends at offset {end}; flushed records are missing"),
            });
        }
        epochs.truncate_from_end(end);
        epochs.truncate_from_start(self.log_start_offset());
        if epochs != loaded {
            epochs.store(&*self.fs, &self.dir)?;
        }
        self.epochs = epochs;
        let active = *self.segments.keys().next_back().unwrap_or(&0);
        for (base, seg) in self.segments.iter_mut() {
            if *base != active {
                seg.map()?;
            }
        }
        self.active().sync()?;
        self.flushed_offset = end;
        self.sync_dir()?;
        self.store_recovery_point(end)
    }

    /// Fails when a cut at `offset` would drop durable records; otherwise logs the cut.
    fn check_cut(&self, offset: i64, position: u64, path: &Path, reason: &str) -> Result<()> {
        if offset < self.recovery_point {
            return Err(LogError::CorruptDurableData {
                path: path.to_path_buf(),
                position,
                offset,
                recovery_point: self.recovery_point,
                reason: reason.to_owned(),
            });
        }
        tracing::warn!(
            path = %path.display(),
            position,
            offset,
            reason,
            "truncating the log's unflushed tail during recovery"
        );
        Ok(())
    }

    fn delete_later_segments(&mut self, bases: &[i64], reason: &str) -> Result<()> {
        for &base in bases {
            tracing::warn!(
                base_offset = base,
                reason,
                "deleting a segment after the log's end"
            );
            for suffix in [
                segment::LOG_SUFFIX,
                segment::INDEX_SUFFIX,
                segment::TIME_INDEX_SUFFIX,
            ] {
                let path = self.dir.join(segment::file_name(base, suffix));
                if self.fs.exists(&path) {
                    self.fs.remove_file(&path).at(&path)?;
                }
            }
            self.dir_dirty = true;
        }
        Ok(())
    }

    fn segment_bases_on_disk(&self) -> Result<Vec<i64>> {
        let names = self.fs.list_dir(&self.dir).at(&self.dir)?;
        let mut bases: Vec<i64> = names
            .iter()
            .filter_map(|n| segment::parse_log_name(n))
            .collect();
        bases.sort_unstable();
        Ok(bases)
    }

    fn last_log_path(&self) -> PathBuf {
        let base = self.segments.keys().next_back().copied().unwrap_or(0);
        self.dir.join(segment::file_name(base, segment::LOG_SUFFIX))
    }

    fn active(&self) -> &Segment {
        self.segments
            .values()
            .next_back()
            .expect("a log always has an active segment")
    }

    fn active_mut(&mut self) -> &mut Segment {
        self.segments
            .values_mut()
            .next_back()
            .expect("a log always has an active segment")
    }

    /// The partition directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file system the log uses.
    pub fn fs(&self) -> &Arc<dyn FileSystem> {
        &self.fs
    }

    /// The first offset in the log (the base offset of its first segment).
    pub fn log_start_offset(&self) -> i64 {
        self.segments.keys().next().copied().unwrap_or(0)
    }

    /// The offset the next append gets.
    pub fn log_end_offset(&self) -> i64 {
        self.segments
            .values()
            .next_back()
            .map_or(0, |s| s.next_offset)
    }

    /// Records below this offset are durable.
    pub fn flushed_offset(&self) -> i64 {
        self.flushed_offset
    }

    /// The recovery point last written to disk.
    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }

    /// The latest leader epoch in the log.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.latest().map(|e| e.epoch)
    }

    /// The leader epoch cache.
    pub fn epoch_cache(&self) -> &EpochCache {
        &self.epochs
    }

    /// Kafka's `endOffsetFor`: `(epoch, end offset)`, `(-1, -1)` when unknown.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        self.epochs.end_offset_for(epoch, self.log_end_offset())
    }

    /// Kafka's `KafkaMetadataLog.lastFetchedEpoch`: the latest epoch in the log, else the
    /// epoch of `latest_snapshot` when the log is empty at that snapshot, else 0.
    pub fn last_fetched_epoch(&self, latest_snapshot: Option<SnapshotId>) -> Result<i32> {
        if let Some(epoch) = self.latest_epoch() {
            return Ok(epoch);
        }
        let Some(snapshot) = latest_snapshot else {
            return Ok(0);
        };
        let (start, end) = (self.log_start_offset(), self.log_end_offset());
        if snapshot.end_offset == start && snapshot.end_offset == end {
            return Ok(snapshot.epoch);
        }
        Err(LogError::Inconsistent(format!(
            "the log has no epoch but snapshot {snapshot:?} does not end at its start {start} and end {end}"
        )))
    }

    /// Kafka's `KafkaMetadataLog.endOffsetForEpoch`: the epoch cache's answer, with an epoch
    /// older than the log replaced by the earliest snapshot, and an unknown epoch answered with
    /// the log end offset and [`Log::last_fetched_epoch`]. Returns `(epoch, end offset)`.
    pub fn end_offset_for_epoch_with_snapshots(
        &self,
        epoch: i32,
        earliest_snapshot: Option<SnapshotId>,
        latest_snapshot: Option<SnapshotId>,
    ) -> Result<(i32, i64)> {
        let (found_epoch, found_offset) = self.end_offset_for_epoch(epoch);
        if found_offset == crate::epoch_cache::UNDEFINED_EPOCH_OFFSET {
            return Ok((
                self.last_fetched_epoch(latest_snapshot)?,
                self.log_end_offset(),
            ));
        }
        match earliest_snapshot {
            Some(s) if found_offset == s.end_offset && found_epoch == epoch => {
                Ok((s.epoch, s.end_offset))
            }
            _ => Ok((found_epoch, found_offset)),
        }
    }

    /// Total bytes of the segments.
    pub fn size_in_bytes(&self) -> u64 {
        self.segments.values().map(|s| s.size).sum()
    }

    /// Base offsets of the segments, oldest first.
    pub fn segment_base_offsets(&self) -> Vec<i64> {
        self.segments.keys().copied().collect()
    }

    /// Appends one batch as the leader of `leader_epoch`: its base offset becomes the log end
    /// offset and its partition leader epoch `leader_epoch`.
    pub fn append_as_leader(&mut self, batch: &[u8], leader_epoch: i32) -> Result<AppendInfo> {
        let mut header = self.check_single_batch(batch)?;
        if let Some(latest) = self.latest_epoch().filter(|&e| leader_epoch < e) {
            return Err(LogError::OutOfOrder(format!(
                "leader epoch {leader_epoch} is below the log's latest epoch {latest}"
            )));
        }
        let base = self.log_end_offset();
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.extend_from_slice(batch);
        set_base_offset(&mut scratch, base);
        scratch[12..16].copy_from_slice(&leader_epoch.to_be_bytes());
        header.base_offset = base;
        header.partition_leader_epoch = leader_epoch;
        let result = self.append_checked(&scratch, &header);
        self.scratch = scratch;
        result?;
        Ok(AppendInfo {
            first_offset: base,
            last_offset: header.last_offset(),
        })
    }

    /// Appends batches replicated from the leader, keeping their offsets and epochs. A partial
    /// batch at the end of `batches` is ignored; `None` when there was no whole batch.
    pub fn append_as_follower(&mut self, batches: &[u8]) -> Result<Option<AppendInfo>> {
        let mut checked = Vec::new();
        let mut position = 0;
        let mut next = self.log_end_offset();
        let mut epoch = self.latest_epoch().unwrap_or(-1);
        while position < batches.len() {
            let header = match check_batch(&batches[position..], self.config.max_batch_bytes)? {
                Scan::Batch(h) => h,
                Scan::Incomplete { .. } => break,
            };
            if header.base_offset != next || header.partition_leader_epoch < epoch {
                return Err(LogError::OutOfOrder(format!(
                    "batch at offset {} epoch {} does not follow offset {next} epoch {epoch}",
                    header.base_offset, header.partition_leader_epoch
                )));
            }
            next = header.next_offset();
            epoch = header.partition_leader_epoch;
            checked.push((position, header));
            position += header.size_in_bytes();
        }
        let (Some(first), Some(last)) = (checked.first(), checked.last()) else {
            return Ok(None);
        };
        let info = AppendInfo {
            first_offset: first.1.base_offset,
            last_offset: last.1.last_offset(),
        };
        for (position, header) in checked {
            let bytes = &batches[position..position + header.size_in_bytes()];
            self.append_checked(bytes, &header)?;
        }
        Ok(Some(info))
    }

    fn check_single_batch(&self, batch: &[u8]) -> Result<BatchHeader> {
        match check_batch(batch, self.config.max_batch_bytes)? {
            Scan::Batch(h) if h.size_in_bytes() == batch.len() => Ok(h),
            Scan::Batch(h) => Err(LogError::InvalidBatch(format!(
                "expected one batch of {} bytes, got {} bytes",
                h.size_in_bytes(),
                batch.len()
            ))),
            Scan::Incomplete { needed } => Err(LogError::InvalidBatch(format!(
                "incomplete batch: {needed} more bytes needed"
            ))),
        }
    }

    fn append_checked(&mut self, batch: &[u8], header: &BatchHeader) -> Result<()> {
        self.maybe_roll(batch.len() as u64, header)?;
        self.active_mut().append(batch, header)?;
        if self
            .epochs
            .assign(header.partition_leader_epoch, header.base_offset)
        {
            self.epochs.store(&*self.fs, &self.dir)?;
        }
        Ok(())
    }

    fn maybe_roll(&mut self, batch_bytes: u64, header: &BatchHeader) -> Result<()> {
        let active = self.active();
        let too_big = active.size > 0 && active.size + batch_bytes > self.config.segment_bytes;
        let too_old = active.index.first_timestamp.is_some_and(|first| {
            header.max_timestamp.saturating_sub(first) > self.config.segment_ms
        });
        let offset_overflow = header.last_offset() - active.base_offset > i64::from(i32::MAX);
        if too_big || too_old || offset_overflow {
            self.roll()?;
        }
        Ok(())
    }

    /// Seals the active segment and starts a new one at the log end offset.
    pub fn roll(&mut self) -> Result<()> {
        let end = self.log_end_offset();
        if self.active().base_offset == end {
            return Ok(());
        }
        self.active_mut().seal()?;
        self.sync_dir()?;
        self.flushed_offset = end;
        let seg = Segment::create(&*self.fs, &self.dir, end, self.config.index_interval_bytes)?;
        self.segments.insert(end, seg);
        self.dir_dirty = true;
        self.store_recovery_point(end)?;
        self.sync_dir()?;
        Ok(())
    }

    /// Makes every appended record durable (fdatasync; directory fsync after a roll).
    pub fn flush(&mut self) -> Result<()> {
        let end = self.log_end_offset();
        if self.flushed_offset < end {
            self.active().sync()?;
        }
        self.sync_dir()?;
        self.flushed_offset = end;
        Ok(())
    }

    fn sync_dir(&mut self) -> Result<()> {
        if self.dir_dirty {
            self.fs.sync_dir(&self.dir).sync_at(&self.dir)?;
            self.dir_dirty = false;
        }
        Ok(())
    }

    fn store_recovery_point(&mut self, offset: i64) -> Result<()> {
        if offset != self.recovery_point {
            store_recovery_point(&*self.fs, &self.dir, offset)?;
            self.recovery_point = offset;
        }
        Ok(())
    }

    /// Writes the flushed offset as the recovery point.
    pub fn checkpoint_recovery_point(&mut self) -> Result<()> {
        self.store_recovery_point(self.flushed_offset)
    }

    /// Adds the active segment's final time index entry (as Kafka's `LogSegment.close`),
    /// flushes and writes the recovery point.
    pub fn close(mut self) -> Result<()> {
        self.active_mut().add_final_time_entry()?;
        self.flush()?;
        self.checkpoint_recovery_point()
    }

    /// Whole batches from the one holding `from_offset`, up to `max_bytes` (at least one
    /// batch), from a single segment; zero-copy for sealed segments. Empty at the log end.
    pub fn read(&self, from_offset: i64, max_bytes: usize) -> Result<Bytes> {
        self.check_range(from_offset)?;
        let segment = self
            .segments
            .range(..=from_offset)
            .map(|(_, s)| s)
            .chain(self.segments.range(from_offset + 1..).map(|(_, s)| s))
            .find(|s| from_offset < s.next_offset);
        match segment {
            Some(s) => s.read(from_offset, max_bytes),
            None => Ok(Bytes::new()),
        }
    }

    fn check_range(&self, offset: i64) -> Result<()> {
        if offset < self.log_start_offset() || offset > self.log_end_offset() {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset(),
                log_end_offset: self.log_end_offset(),
            });
        }
        Ok(())
    }

    /// Removes every batch from the one holding `offset` on (Raft divergence). Durable when
    /// this returns; the recovery point and the epoch cache follow.
    pub fn truncate_to(&mut self, offset: i64) -> Result<()> {
        if offset >= self.log_end_offset() {
            return Ok(());
        }
        self.check_range(offset)?;
        let offset = self.batch_start(offset)?;
        if self.recovery_point > offset {
            store_recovery_point(&*self.fs, &self.dir, offset)?;
            self.recovery_point = offset;
        }
        let first = self.log_start_offset();
        let doomed: Vec<i64> = self
            .segments
            .keys()
            .copied()
            .filter(|&b| b > offset || (b == offset && b != first))
            .collect();
        for base in doomed {
            if let Some(seg) = self.segments.remove(&base) {
                seg.delete(&*self.fs)?;
                self.dir_dirty = true;
            }
        }
        let (interval, max_batch) = (
            self.config.index_interval_bytes,
            self.config.max_batch_bytes,
        );
        let fs = Arc::clone(&self.fs);
        let active = self.active_mut();
        if active.is_sealed() || offset < active.next_offset {
            active.truncate_to(&*fs, offset, interval, max_batch)?;
        }
        self.sync_dir()?;
        let end = self.log_end_offset();
        if self.epochs.truncate_from_end(end) {
            self.epochs.store(&*self.fs, &self.dir)?;
        }
        self.flushed_offset = self.flushed_offset.min(end);
        Ok(())
    }

    /// The base offset of the batch holding `offset` (a log offset below the end).
    fn batch_start(&self, offset: i64) -> Result<i64> {
        let Some(segment) = self.segments.range(..=offset).map(|(_, s)| s).next_back() else {
            return Ok(offset);
        };
        let bytes = segment.read(offset, 0)?;
        match BatchHeader::parse(&bytes) {
            Ok(header) => Ok(header.base_offset.min(offset)),
            Err(_) => Ok(offset),
        }
    }

    /// Deletes every segment and restarts the log empty at `offset` (a snapshot was loaded).
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) -> Result<()> {
        if self.recovery_point > offset {
            store_recovery_point(&*self.fs, &self.dir, offset)?;
            self.recovery_point = offset;
        }
        for (_, seg) in std::mem::take(&mut self.segments) {
            seg.delete(&*self.fs)?;
        }
        let seg = Segment::create(
            &*self.fs,
            &self.dir,
            offset,
            self.config.index_interval_bytes,
        )?;
        self.segments.insert(offset, seg);
        self.dir_dirty = true;
        self.sync_dir()?;
        self.epochs.clear();
        self.epochs.store(&*self.fs, &self.dir)?;
        self.flushed_offset = offset;
        self.store_recovery_point(offset)
    }

    /// Kafka's `truncateToLatestSnapshot`, run when the log is opened: a follower that crashed
    /// after fetching a snapshot but before truncating its log restarts the log at that
    /// snapshot. True when the log was truncated.
    pub fn truncate_to_latest_snapshot(&mut self, latest: Option<SnapshotId>) -> Result<bool> {
        let latest_epoch = self.latest_epoch().unwrap_or(0);
        match latest {
            Some(s)
                if s.epoch > latest_epoch
                    || (s.epoch == latest_epoch && s.end_offset > self.log_end_offset()) =>
            {
                self.truncate_fully_and_start_at(s.end_offset)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Deletes the oldest sealed segments that lie wholly below `snapshot_end_offset` while
    /// Kafka's retention says so: the log plus `snapshot_bytes` exceed `retention_bytes`, or the
    /// segment's newest record is older than `retention_ms`. Returns how many were deleted.
    pub fn delete_segments_below_snapshot(
        &mut self,
        snapshot_end_offset: i64,
        snapshot_bytes: u64,
        now_ms: i64,
    ) -> Result<usize> {
        let mut total = self.size_in_bytes() + snapshot_bytes;
        let mut deleted = 0;
        while self.segments.len() > 1 {
            let Some((&base, seg)) = self.segments.iter().next() else {
                break;
            };
            let over_size =
                self.config.retention_bytes >= 0 && total > self.config.retention_bytes as u64;
            let too_old = self.config.retention_ms >= 0
                && seg.index.max_timestamp >= 0
                && now_ms - seg.index.max_timestamp > self.config.retention_ms;
            if seg.next_offset > snapshot_end_offset || !(over_size || too_old) {
                break;
            }
            total -= seg.size;
            if let Some(seg) = self.segments.remove(&base) {
                seg.delete(&*self.fs)?;
            }
            self.dir_dirty = true;
            deleted += 1;
        }
        if deleted > 0 {
            self.sync_dir()?;
            if self.epochs.truncate_from_start(self.log_start_offset()) {
                self.epochs.store(&*self.fs, &self.dir)?;
            }
        }
        Ok(deleted)
    }
}

/// Removes what a crash can leave behind: `.cleaned` segment copies, partial or deleted
/// snapshots and `.tmp` small files.
fn remove_leftovers(fs: &dyn FileSystem, dir: &Path) -> Result<()> {
    for name in fs.list_dir(dir).at(dir)? {
        if name.ends_with(CLEANED_SUFFIX) {
            let path = dir.join(&name);
            tracing::warn!(path = %path.display(), "removing an unfinished segment copy");
            fs.remove_file(&path).at(&path)?;
        }
    }
    crate::snapshot::remove_partial(fs, dir)?;
    for name in [
        crate::epoch_cache::LEADER_EPOCH_CHECKPOINT,
        crate::partition_files::RECOVERY_POINT_CHECKPOINT,
        crate::partition_files::PARTITION_METADATA,
    ] {
        durable::remove_stale_tmp(fs, &dir.join(name))?;
    }
    Ok(())
}
