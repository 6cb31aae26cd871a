//! [`MemLog`]: an in-memory [`RaftLog`] for tests and the simulator. It keeps whole batches and a
//! flushed offset; [`MemLog::crash`] drops everything appended after the last flush (and any
//! snapshot download in progress), as a power loss would.

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use yakt_wire::batch::{check_batch, Scan};

use super::log::{AppendInfo, LogError, RaftLog};
use super::types::OffsetAndEpoch;

/// Largest batch accepted from a peer (Kafka's raft batches are at most 8 MiB).
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
struct MemBatch {
    base_offset: i64,
    last_offset: i64,
    epoch: i32,
    bytes: Bytes,
}

/// An in-memory log that can lose unflushed writes.
#[derive(Debug, Clone, Default)]
pub struct MemLog {
    batches: Vec<MemBatch>,
    /// `(epoch, start offset)` for each epoch in `batches`, ascending.
    epochs: Vec<(i32, i64)>,
    start_offset: i64,
    flushed_offset: i64,
    snapshots: BTreeMap<OffsetAndEpoch, Bytes>,
    download: Option<(OffsetAndEpoch, BytesMut)>,
}

impl MemLog {
    /// An empty log.
    pub fn new() -> MemLog {
        MemLog::default()
    }

    /// Simulates a crash: unflushed batches and a snapshot download in progress are lost.
    pub fn crash(&mut self) {
        let flushed = self.flushed_offset;
        self.truncate_batches(flushed);
        self.download = None;
    }

    /// Stores a snapshot the state machine produced at `id` (which must not be past the log end)
    /// as frozen and durable.
    pub fn create_snapshot(&mut self, id: OffsetAndEpoch, bytes: Bytes) -> Result<(), LogError> {
        if id.offset > self.log_end_offset() || id.offset < self.start_offset {
            return Err(LogError::Snapshot(format!(
                "cannot create snapshot {id} outside the log [{}, {}]",
                self.start_offset,
                self.log_end_offset()
            )));
        }
        self.snapshots.insert(id, bytes);
        Ok(())
    }

    /// Deletes the batches below the latest snapshot and makes it the log start (Kafka's
    /// `deleteBeforeSnapshot`); keeps only that snapshot. Returns whether anything changed.
    pub fn delete_before_latest_snapshot(&mut self) -> bool {
        let Some(id) = self.latest_snapshot_id() else {
            return false;
        };
        if id.offset <= self.start_offset || id.offset > self.flushed_offset {
            return false;
        }
        self.batches.retain(|b| b.base_offset >= id.offset);
        self.start_offset = id.offset;
        self.snapshots.retain(|k, _| *k >= id);
        self.rebuild_epochs();
        true
    }

    /// Every batch in the log, in order, with its epoch (for invariant checks).
    pub fn batches(&self) -> impl Iterator<Item = (i64, i64, i32, &Bytes)> {
        self.batches
            .iter()
            .map(|b| (b.base_offset, b.last_offset, b.epoch, &b.bytes))
    }

    /// The batches holding offsets `>= offset`, in order: `(base, last, epoch, bytes)`.
    pub fn batches_from(&self, offset: i64) -> impl Iterator<Item = (i64, i64, i32, &Bytes)> {
        self.batches[self.index_at_or_after(offset)..]
            .iter()
            .map(|b| (b.base_offset, b.last_offset, b.epoch, &b.bytes))
    }

    /// The frozen snapshot `id`, if present.
    pub fn snapshot(&self, id: OffsetAndEpoch) -> Option<&Bytes> {
        self.snapshots.get(&id)
    }

    fn index_at_or_after(&self, offset: i64) -> usize {
        self.batches.partition_point(|b| b.last_offset < offset)
    }

    fn truncate_batches(&mut self, offset: i64) {
        let keep = self.index_at_or_after(offset);
        self.batches.truncate(keep);
        self.flushed_offset = self.flushed_offset.min(self.log_end_offset());
        self.rebuild_epochs();
    }

    fn rebuild_epochs(&mut self) {
        self.epochs.clear();
        for batch in &self.batches {
            if self.epochs.last().map(|(e, _)| *e) != Some(batch.epoch) {
                self.epochs.push((batch.epoch, batch.base_offset));
            }
        }
    }

    fn push(&mut self, base_offset: i64, last_offset: i64, epoch: i32, bytes: Bytes) {
        assert_eq!(
            base_offset,
            self.log_end_offset(),
            "batches must be contiguous"
        );
        assert!(
            epoch >= self.last_fetched_epoch(),
            "epochs must not go back"
        );
        if self.epochs.last().map(|(e, _)| *e) != Some(epoch) {
            self.epochs.push((epoch, base_offset));
        }
        self.batches.push(MemBatch {
            base_offset,
            last_offset,
            epoch,
            bytes,
        });
    }
}

impl RaftLog for MemLog {
    fn log_start_offset(&self) -> i64 {
        self.start_offset
    }

    fn log_end_offset(&self) -> i64 {
        self.batches
            .last()
            .map_or(self.start_offset, |b| b.last_offset + 1)
    }

    fn last_fetched_epoch(&self) -> i32 {
        match self.batches.last() {
            Some(batch) => batch.epoch,
            None => self
                .snapshots
                .keys()
                .rev()
                .find(|id| id.offset == self.start_offset)
                .map_or(0, |id| id.epoch),
        }
    }

    fn end_offset_for_epoch(&self, epoch: i32) -> OffsetAndEpoch {
        let Some(&(latest, _)) = self.epochs.last() else {
            return OffsetAndEpoch::new(self.log_end_offset(), self.last_fetched_epoch());
        };
        if epoch >= latest {
            // Kafka returns UNDEFINED for an epoch above the latest; the latest epoch and the log
            // end serve the same purpose (the fetcher diverges to our end).
            return OffsetAndEpoch::new(self.log_end_offset(), latest);
        }
        let higher = self.epochs.partition_point(|(e, _)| *e <= epoch);
        let next_start = self.epochs[higher].1;
        if higher == 0 {
            if let Some(earliest) = self.earliest_snapshot_id() {
                if earliest.offset == next_start {
                    return earliest;
                }
            }
            return OffsetAndEpoch::new(next_start, epoch);
        }
        OffsetAndEpoch::new(next_start, self.epochs[higher - 1].0)
    }

    fn flushed_offset(&self) -> i64 {
        self.flushed_offset
    }

    fn read(&self, from_offset: i64, max_bytes: usize) -> Result<Bytes, LogError> {
        let end = self.log_end_offset();
        if from_offset < self.start_offset || from_offset > end {
            return Err(LogError::OffsetOutOfRange {
                offset: from_offset,
                start: self.start_offset,
                end,
            });
        }
        let first = self.index_at_or_after(from_offset);
        let mut out = BytesMut::new();
        for batch in &self.batches[first..] {
            if !out.is_empty() && out.len() + batch.bytes.len() > max_bytes {
                break;
            }
            out.extend_from_slice(&batch.bytes);
        }
        Ok(out.freeze())
    }

    fn append_as_leader(&mut self, batch: Bytes, epoch: i32) -> Result<AppendInfo, LogError> {
        let header = match check_batch(&batch, MAX_BATCH_BYTES) {
            Ok(Scan::Batch(header)) if header.size_in_bytes() == batch.len() => header,
            other => {
                return Err(LogError::Storage(format!(
                    "leader batch is not one whole batch: {other:?}"
                )))
            }
        };
        if header.base_offset != self.log_end_offset() || header.partition_leader_epoch != epoch {
            return Err(LogError::Storage(format!(
                "leader batch at {} epoch {} does not continue the log at {} epoch {epoch}",
                header.base_offset,
                header.partition_leader_epoch,
                self.log_end_offset()
            )));
        }
        self.push(header.base_offset, header.last_offset(), epoch, batch);
        Ok(AppendInfo {
            first_offset: header.base_offset,
            last_offset: header.last_offset(),
        })
    }

    fn append_as_follower(&mut self, batches: Bytes) -> Result<Option<AppendInfo>, LogError> {
        let mut position = 0;
        let mut appended: Option<AppendInfo> = None;
        while position < batches.len() {
            let header = match check_batch(&batches[position..], MAX_BATCH_BYTES) {
                Ok(Scan::Batch(header)) => header,
                // A partial batch at the end of a fetch response is not an error (Kafka trims it).
                Ok(Scan::Incomplete { .. }) => break,
                Err(error) => return Err(LogError::InvalidRecords(error.to_string())),
            };
            let size = header.size_in_bytes();
            let bytes = batches.slice(position..position + size);
            position += size;
            if header.last_offset() < self.log_end_offset() {
                continue;
            }
            if header.base_offset != self.log_end_offset()
                || header.partition_leader_epoch < self.last_fetched_epoch()
            {
                return Err(LogError::InvalidRecords(format!(
                    "batch at {} epoch {} does not continue the log at {} epoch {}",
                    header.base_offset,
                    header.partition_leader_epoch,
                    self.log_end_offset(),
                    self.last_fetched_epoch()
                )));
            }
            self.push(
                header.base_offset,
                header.last_offset(),
                header.partition_leader_epoch,
                bytes,
            );
            let first = appended.map_or(header.base_offset, |a| a.first_offset);
            appended = Some(AppendInfo {
                first_offset: first,
                last_offset: header.last_offset(),
            });
        }
        Ok(appended)
    }

    fn truncate_to(&mut self, offset: i64) -> Result<(), LogError> {
        if offset < self.start_offset {
            return Err(LogError::OffsetOutOfRange {
                offset,
                start: self.start_offset,
                end: self.log_end_offset(),
            });
        }
        self.truncate_batches(offset);
        Ok(())
    }

    fn flush(&mut self) -> Result<i64, LogError> {
        self.flushed_offset = self.log_end_offset();
        Ok(self.flushed_offset)
    }

    fn latest_snapshot_id(&self) -> Option<OffsetAndEpoch> {
        self.snapshots.keys().next_back().copied()
    }

    fn earliest_snapshot_id(&self) -> Option<OffsetAndEpoch> {
        self.snapshots.keys().next().copied()
    }

    fn snapshot_size(&self, id: OffsetAndEpoch) -> Option<u64> {
        self.snapshots.get(&id).map(|b| b.len() as u64)
    }

    fn read_snapshot(
        &self,
        id: OffsetAndEpoch,
        position: u64,
        max_bytes: usize,
    ) -> Result<Bytes, LogError> {
        let bytes = self
            .snapshots
            .get(&id)
            .ok_or_else(|| LogError::Snapshot(format!("{id} not found")))?;
        let start = usize::try_from(position)
            .ok()
            .filter(|p| *p <= bytes.len())
            .ok_or_else(|| LogError::Snapshot(format!("position {position} past the end")))?;
        let end = start.saturating_add(max_bytes).min(bytes.len());
        Ok(bytes.slice(start..end))
    }

    fn write_snapshot_chunk(
        &mut self,
        id: OffsetAndEpoch,
        position: u64,
        bytes: &[u8],
    ) -> Result<(), LogError> {
        if position == 0 {
            self.download = Some((id, BytesMut::new()));
        }
        match &mut self.download {
            Some((current, buffer)) if *current == id && buffer.len() as u64 == position => {
                buffer.extend_from_slice(bytes);
                Ok(())
            }
            _ => Err(LogError::Snapshot(format!(
                "chunk of {id} at {position} does not continue the download"
            ))),
        }
    }

    fn complete_snapshot(&mut self, id: OffsetAndEpoch) -> Result<(), LogError> {
        match self.download.take() {
            Some((current, buffer)) if current == id => {
                self.snapshots.insert(id, buffer.freeze());
                self.batches.clear();
                self.epochs.clear();
                self.start_offset = id.offset;
                self.flushed_offset = id.offset;
                self.snapshots.retain(|k, _| *k >= id);
                Ok(())
            }
            _ => Err(LogError::Snapshot(format!(
                "no download of {id} to complete"
            ))),
        }
    }
}
