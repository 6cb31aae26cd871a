//! One segment: `%020d.log` with its `.index` and `.timeindex` (Kafka's `LogSegment`).
//!
//! The active segment is appended with positional writes and read back with positional reads;
//! it is never mapped. A sealed segment is mapped read-only once and serves reads as zero-copy
//! [`Bytes`]. A sealed segment is shortened only when no slice of its mapping is alive;
//! otherwise its valid prefix is copied to `.log.cleaned`, synced and renamed over the
//! original, so outstanding slices keep reading the old inode (never SIGBUS).
//!
//! [`Segment::scan`] is the recovery check: CRC32C, magic and length of every batch, offsets
//! contiguous from the base offset; it reports the first problem and where the valid bytes end.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use yakt_wire::batch::{check_batch, BatchHeader, Scan, BATCH_HEADER_LEN};

use crate::durable;
use crate::error::{IoContext, LogError, Result};
use crate::fs::{FileHandle, FileSystem, Mapping, OpenMode};
use crate::index::{encode_offset, encode_time, BatchFacts, SegmentIndex};

/// Suffix of a segment's data file.
pub const LOG_SUFFIX: &str = ".log";
/// Suffix of a segment's offset index.
pub const INDEX_SUFFIX: &str = ".index";
/// Suffix of a segment's time index.
pub const TIME_INDEX_SUFFIX: &str = ".timeindex";
/// Suffix of a segment copy being written (Kafka's `.cleaned`, removed on open).
pub const CLEANED_SUFFIX: &str = ".cleaned";

/// `%020d` + suffix, Kafka's `LogFileUtils.filenamePrefixFromOffset`.
pub fn file_name(base_offset: i64, suffix: &str) -> String {
    format!("{base_offset:020}{suffix}")
}

/// Parses a `%020d.log` name.
pub fn parse_log_name(name: &str) -> Option<i64> {
    let digits = name.strip_suffix(LOG_SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A problem found while scanning a segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanProblem {
    /// Where the valid bytes end.
    pub position: u64,
    /// The offset the next batch should have had.
    pub offset: i64,
    /// What was wrong.
    pub reason: String,
}

/// The result of scanning a segment.
#[derive(Debug)]
pub struct ScanOutcome {
    /// The index rebuilt from the valid batches.
    pub index: SegmentIndex,
    /// `(leader epoch, base offset)` of every valid batch.
    pub epochs: Vec<(i32, i64)>,
    /// Bytes of valid batches.
    pub valid_bytes: u64,
    /// The offset after the last valid batch.
    pub next_offset: i64,
    /// The first problem, if the valid bytes do not reach the end of the file.
    pub problem: Option<ScanProblem>,
}

/// An open segment.
#[derive(Debug)]
pub struct Segment {
    /// The first offset of the segment.
    pub base_offset: i64,
    /// The offset after its last batch.
    pub next_offset: i64,
    /// Bytes of batches in the `.log`.
    pub size: u64,
    /// The in-memory indexes.
    pub index: SegmentIndex,
    dir: PathBuf,
    log_file: Box<dyn FileHandle>,
    index_file: Box<dyn FileHandle>,
    time_index_file: Box<dyn FileHandle>,
    mapping: Option<Mapping>,
}

impl Segment {
    /// The path of this segment's file with `suffix`.
    pub fn path(&self, suffix: &str) -> PathBuf {
        self.dir.join(file_name(self.base_offset, suffix))
    }

    /// Creates an empty segment (replacing stale files of the same name).
    pub fn create(
        fs: &dyn FileSystem,
        dir: &Path,
        base_offset: i64,
        interval_bytes: usize,
    ) -> Result<Segment> {
        let open = |suffix| {
            let path = dir.join(file_name(base_offset, suffix));
            fs.open(&path, OpenMode::CreateTruncate).at(&path)
        };
        Ok(Segment {
            base_offset,
            next_offset: base_offset,
            size: 0,
            index: SegmentIndex::new(base_offset, interval_bytes),
            dir: dir.to_path_buf(),
            log_file: open(LOG_SUFFIX)?,
            index_file: open(INDEX_SUFFIX)?,
            time_index_file: open(TIME_INDEX_SUFFIX)?,
            mapping: None,
        })
    }

    /// Scans the `.log` of the segment at `base_offset` (see the module doc).
    pub fn scan(
        fs: &dyn FileSystem,
        dir: &Path,
        base_offset: i64,
        interval_bytes: usize,
        max_batch_bytes: usize,
    ) -> Result<ScanOutcome> {
        let path = dir.join(file_name(base_offset, LOG_SUFFIX));
        let file = fs.open(&path, OpenMode::Read).at(&path)?;
        let mapping = file.map_read_only().at(&path)?;
        Ok(scan_bytes(
            mapping.as_slice(),
            base_offset,
            interval_bytes,
            max_batch_bytes,
        ))
    }

    /// Opens a scanned segment, cutting its `.log` to the valid bytes and rewriting its
    /// indexes if they differ from the rebuilt ones.
    pub fn open_scanned(
        fs: &dyn FileSystem,
        dir: &Path,
        base_offset: i64,
        outcome: ScanOutcome,
    ) -> Result<Segment> {
        let log_path = dir.join(file_name(base_offset, LOG_SUFFIX));
        let log_file = fs.open(&log_path, OpenMode::ReadWrite).at(&log_path)?;
        if log_file.len().at(&log_path)? != outcome.valid_bytes {
            log_file.set_len(outcome.valid_bytes).at(&log_path)?;
            log_file.sync_data().sync_at(&log_path)?;
        }
        let index = adopt_final_time_entry(fs, dir, base_offset, outcome.index)?;
        let index_file =
            sync_index_file(fs, dir, base_offset, INDEX_SUFFIX, &index.encode_offsets())?;
        let time_index_file = sync_index_file(
            fs,
            dir,
            base_offset,
            TIME_INDEX_SUFFIX,
            &index.encode_times(),
        )?;
        Ok(Segment {
            base_offset,
            next_offset: outcome.next_offset,
            size: outcome.valid_bytes,
            index,
            dir: dir.to_path_buf(),
            log_file,
            index_file,
            time_index_file,
            mapping: None,
        })
    }

    /// Whether the segment is sealed (mapped, read-only).
    pub fn is_sealed(&self) -> bool {
        self.mapping.is_some()
    }

    /// Appends one checked batch; `header` is its parsed header.
    pub fn append(&mut self, batch: &[u8], header: &BatchHeader) -> Result<()> {
        debug_assert!(self.mapping.is_none(), "append to a sealed segment");
        let path = self.path(LOG_SUFFIX);
        self.log_file.write_all_at(batch, self.size).at(&path)?;
        let facts = BatchFacts {
            last_offset: header.last_offset(),
            max_timestamp: header.max_timestamp,
            position: self.size,
            size: batch.len() as u64,
        };
        let (offset_entry, time_entry) = self.index.on_batch(facts);
        if let Some(entry) = offset_entry {
            let at = ((self.index.offsets.len() - 1) * entry_len(INDEX_SUFFIX)) as u64;
            let path = self.path(INDEX_SUFFIX);
            self.index_file
                .write_all_at(&encode_offset(entry), at)
                .at(&path)?;
        }
        if let Some(entry) = time_entry {
            self.write_time_entry(entry)?;
        }
        self.size += batch.len() as u64;
        self.next_offset = header.next_offset();
        Ok(())
    }

    fn write_time_entry(&mut self, entry: crate::index::TimeEntry) -> Result<()> {
        let at = ((self.index.times.len() - 1) * entry_len(TIME_INDEX_SUFFIX)) as u64;
        let path = self.path(TIME_INDEX_SUFFIX);
        self.time_index_file
            .write_all_at(&encode_time(entry), at)
            .at(&path)
    }

    /// fdatasync of the `.log`.
    pub fn sync(&self) -> Result<()> {
        let path = self.path(LOG_SUFFIX);
        self.log_file.sync_data().sync_at(&path)
    }

    /// Adds the time entry Kafka writes when a segment is sealed or closed.
    pub fn add_final_time_entry(&mut self) -> Result<()> {
        match self.index.on_seal() {
            Some(entry) => self.write_time_entry(entry),
            None => Ok(()),
        }
    }

    /// Seals the segment: syncs it and its indexes, adds the final time entry, maps it.
    pub fn seal(&mut self) -> Result<()> {
        self.add_final_time_entry()?;
        self.sync()?;
        let index_path = self.path(INDEX_SUFFIX);
        self.index_file.sync_data().sync_at(&index_path)?;
        let time_path = self.path(TIME_INDEX_SUFFIX);
        self.time_index_file.sync_data().sync_at(&time_path)?;
        self.map()
    }

    /// Maps the segment for reads (used for sealed segments found on open).
    pub fn map(&mut self) -> Result<()> {
        let path = self.path(LOG_SUFFIX);
        let mapping = self.log_file.map_read_only().at(&path)?;
        if (mapping.len() as u64) < self.size {
            return Err(LogError::malformed(
                &path,
                format!("mapped {} bytes, expected {}", mapping.len(), self.size),
            ));
        }
        self.mapping = Some(mapping);
        Ok(())
    }

    fn header_at(&self, position: u64) -> Result<BatchHeader> {
        let path = self.path(LOG_SUFFIX);
        let header = match &self.mapping {
            Some(m) => BatchHeader::parse(&m.as_slice()[position as usize..self.size as usize]),
            None => {
                let len = (self.size - position).min(BATCH_HEADER_LEN as u64) as usize;
                let mut buf = [0u8; BATCH_HEADER_LEN];
                self.log_file
                    .read_exact_at(&mut buf[..len], position)
                    .at(&path)?;
                BatchHeader::parse(&buf[..len])
            }
        };
        header.map_err(|e| LogError::malformed(&path, format!("at byte {position}: {e}")))
    }

    /// The position of the batch holding `offset` (the segment size when `offset` is its next
    /// offset).
    pub fn locate(&self, offset: i64) -> Result<u64> {
        let mut position = self.index.lookup(offset);
        while position < self.size {
            let header = self.header_at(position)?;
            if header.last_offset() >= offset {
                return Ok(position);
            }
            position += header.size_in_bytes() as u64;
        }
        Ok(self.size)
    }

    /// Whole batches from the one holding `offset`, up to `max_bytes` but at least one.
    pub fn read(&self, offset: i64, max_bytes: usize) -> Result<Bytes> {
        let start = self.locate(offset)?;
        let mut end = start;
        while end < self.size {
            let size = self.header_at(end)?.size_in_bytes() as u64;
            if end > start && end - start + size > max_bytes as u64 {
                break;
            }
            end += size;
        }
        self.read_range(start, end)
    }

    /// The bytes `start..end` of the `.log`: a mapping slice when sealed, else a read.
    pub fn read_range(&self, start: u64, end: u64) -> Result<Bytes> {
        if let Some(m) = &self.mapping {
            return Ok(m.slice(start as usize, end as usize));
        }
        let mut buf = vec![0u8; (end - start) as usize];
        let path = self.path(LOG_SUFFIX);
        self.log_file.read_exact_at(&mut buf, start).at(&path)?;
        Ok(Bytes::from(buf))
    }

    /// Cuts the segment before the batch holding `offset`; returns the new next offset. The
    /// segment becomes active (unmapped). Durable when this returns.
    pub fn truncate_to(
        &mut self,
        fs: &dyn FileSystem,
        offset: i64,
        interval_bytes: usize,
        max_batch_bytes: usize,
    ) -> Result<i64> {
        let position = self.locate(offset)?;
        let new_next = if position < self.size {
            self.header_at(position)?.base_offset
        } else {
            self.next_offset
        };
        let path = self.path(LOG_SUFFIX);
        match self.mapping.take() {
            Some(mapping) if mapping.is_shared() => {
                let prefix = &mapping.as_slice()[..position as usize];
                let cleaned = self.path(&format!("{LOG_SUFFIX}{CLEANED_SUFFIX}"));
                let copy = fs.open(&cleaned, OpenMode::CreateTruncate).at(&cleaned)?;
                copy.write_all_at(prefix, 0).at(&cleaned)?;
                copy.sync_data().sync_at(&cleaned)?;
                fs.rename(&cleaned, &path).at(&path)?;
                durable::sync_parent(fs, &path)?;
                self.log_file = fs.open(&path, OpenMode::ReadWrite).at(&path)?;
            }
            _ => {
                self.log_file = fs.open(&path, OpenMode::ReadWrite).at(&path)?;
                self.log_file.set_len(position).at(&path)?;
                self.log_file.sync_data().sync_at(&path)?;
            }
        }
        let outcome = Segment::scan(
            fs,
            &self.dir,
            self.base_offset,
            interval_bytes,
            max_batch_bytes,
        )?;
        debug_assert!(outcome.problem.is_none() && outcome.next_offset == new_next);
        let reopened = Segment::open_scanned(fs, &self.dir, self.base_offset, outcome)?;
        *self = reopened;
        Ok(new_next)
    }

    /// Removes the segment's files.
    pub fn delete(self, fs: &dyn FileSystem) -> Result<()> {
        for suffix in [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX] {
            let path = self.path(suffix);
            if fs.exists(&path) {
                fs.remove_file(&path).at(&path)?;
            }
        }
        Ok(())
    }
}

fn entry_len(suffix: &str) -> usize {
    if suffix == INDEX_SUFFIX {
        crate::index::OFFSET_ENTRY_BYTES
    } else {
        crate::index::TIME_ENTRY_BYTES
    }
}

/// The rebuilt index, plus the final time entry of a sealed or cleanly closed segment when
/// the `.timeindex` on disk holds exactly that (Kafka adds it in `LogSegment.close` and when a
/// segment stops being active).
fn adopt_final_time_entry(
    fs: &dyn FileSystem,
    dir: &Path,
    base_offset: i64,
    index: SegmentIndex,
) -> Result<SegmentIndex> {
    let mut with_final = index.clone();
    if with_final.on_seal().is_none() {
        return Ok(index);
    }
    let path = dir.join(file_name(base_offset, TIME_INDEX_SUFFIX));
    let on_disk = durable::read_if_exists(fs, &path)?;
    if on_disk.as_deref() == Some(&with_final.encode_times()[..]) {
        return Ok(with_final);
    }
    Ok(index)
}

/// Writes an index file if its contents differ from `expected`; returns it open.
fn sync_index_file(
    fs: &dyn FileSystem,
    dir: &Path,
    base_offset: i64,
    suffix: &str,
    expected: &[u8],
) -> Result<Box<dyn FileHandle>> {
    let path = dir.join(file_name(base_offset, suffix));
    let current = durable::read_if_exists(fs, &path)?;
    if current.as_deref() == Some(expected) {
        return fs.open(&path, OpenMode::ReadWrite).at(&path);
    }
    // An index is derived from the log: a different one (Kafka places time entries by its own
    // history, e.g. one per clean shutdown) is rewritten, nothing is lost.
    match &current {
        None => tracing::info!(path = %path.display(), "index missing; rebuilt from the log"),
        Some(_) => tracing::info!(path = %path.display(), "index differs from the log's; rebuilt"),
    }
    let file = fs.open(&path, OpenMode::CreateTruncate).at(&path)?;
    file.write_all_at(expected, 0).at(&path)?;
    file.sync_data().sync_at(&path)?;
    Ok(file)
}

/// Checks the batches of a segment's bytes (see [`Segment::scan`]).
pub fn scan_bytes(
    bytes: &[u8],
    base_offset: i64,
    interval_bytes: usize,
    max_batch_bytes: usize,
) -> ScanOutcome {
    let mut index = SegmentIndex::new(base_offset, interval_bytes);
    let mut epochs = Vec::new();
    let mut position = 0usize;
    let mut next_offset = base_offset;
    let problem = loop {
        if position == bytes.len() {
            break None;
        }
        let reason = match check_batch(&bytes[position..], max_batch_bytes) {
            Ok(Scan::Batch(h)) if h.base_offset != next_offset => format!(
                "batch has base offset {}, expected {next_offset}",
                h.base_offset
            ),
            Ok(Scan::Batch(h)) => {
                let size = h.size_in_bytes();
                index.on_batch(BatchFacts {
                    last_offset: h.last_offset(),
                    max_timestamp: h.max_timestamp,
                    position: position as u64,
                    size: size as u64,
                });
                epochs.push((h.partition_leader_epoch, h.base_offset));
                position += size;
                next_offset = h.next_offset();
                continue;
            }
            Ok(Scan::Incomplete { needed }) => format!(
                "torn batch: {} bytes present, at least {needed} more needed",
                bytes.len() - position
            ),
            Err(e) => e.to_string(),
        };
        break Some(ScanProblem {
            position: position as u64,
            offset: next_offset,
            reason,
        });
    };
    ScanOutcome {
        index,
        epochs,
        valid_bytes: position as u64,
        next_offset,
        problem,
    }
}
