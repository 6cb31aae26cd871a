//! The log as the engine sees it: the [`RaftLog`] trait (reads are synchronous; a flush is asked
//! for with a command and reported back with an event), its errors, and the two log rules the
//! engine applies on top of it, both from Kafka's `ReplicatedLog`: validating a fetcher's
//! position against the leader's log ([`validate_offset_and_epoch`]) and truncating a follower
//! to the point where it diverged ([`truncation_offset`]).

use bytes::Bytes;

use super::types::OffsetAndEpoch;

/// What went wrong in the log. [`LogError::InvalidRecords`] rejects bytes that came from the
/// network (the request or response carrying them is dropped); every other error is fatal to the
/// node (style.md item 5: a failed write or fsync stops it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// Record batches received from a peer are malformed or do not continue the log.
    #[error("invalid records: {0}")]
    InvalidRecords(String),
    /// An offset outside `log_start_offset..=log_end_offset`.
    #[error("offset {offset} is outside the log [{start}, {end}]")]
    OffsetOutOfRange {
        /// The offset asked for.
        offset: i64,
        /// The log start offset.
        start: i64,
        /// The log end offset.
        end: i64,
    },
    /// A snapshot that does not exist, or a chunk at the wrong position.
    #[error("snapshot {0}")]
    Snapshot(String),
    /// The storage failed (I/O error, failed fsync, corruption of flushed data).
    #[error("storage failure: {0}")]
    Storage(String),
}

/// The offsets a successful append covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    /// Offset of the first record appended.
    pub first_offset: i64,
    /// Offset of the last record appended.
    pub last_offset: i64,
}

/// The `__cluster_metadata` log, as the engine needs it (Kafka's `ReplicatedLog`).
///
/// Offsets are Kafka offsets. The "end offset" of an epoch is one past its last record. A
/// snapshot id is the snapshot's end offset and the epoch of its last record.
pub trait RaftLog {
    /// First offset still in the log (the end offset of the snapshot it starts at, or 0).
    fn log_start_offset(&self) -> i64;

    /// One past the last record.
    fn log_end_offset(&self) -> i64;

    /// Epoch of the last batch; if the log holds no batch, the epoch of the snapshot at its start;
    /// 0 for an empty log.
    fn last_fetched_epoch(&self) -> i32;

    /// Kafka's `endOffsetForEpoch`: the largest epoch `<= epoch` in the log and the offset where
    /// the next epoch starts (the log end for the latest epoch). If `epoch` is below every epoch in
    /// the log, `epoch` with the start offset of the first epoch (or the oldest snapshot id when
    /// the log starts at a snapshot). If the log is empty: (log end offset, last fetched epoch).
    fn end_offset_for_epoch(&self, epoch: i32) -> OffsetAndEpoch;

    /// One past the last record known to be durable.
    fn flushed_offset(&self) -> i64;

    /// Whole batches starting with the one holding `from_offset`, at most `max_bytes` but always at
    /// least one batch if there is any; empty at the log end.
    fn read(&self, from_offset: i64, max_bytes: usize) -> Result<Bytes, LogError>;

    /// Appends one batch the leader built (base offset = log end offset) in `epoch`.
    fn append_as_leader(&mut self, batch: Bytes, epoch: i32) -> Result<AppendInfo, LogError>;

    /// Appends batches fetched from the leader. Batches that end before the log end are skipped;
    /// the first new one must start at the log end. `Ok(None)` if nothing was new.
    fn append_as_follower(&mut self, batches: Bytes) -> Result<Option<AppendInfo>, LogError>;

    /// Removes every batch holding an offset `>= offset` (so the end may land below `offset`
    /// when `offset` falls inside a batch).
    fn truncate_to(&mut self, offset: i64) -> Result<(), LogError>;

    /// Makes everything appended so far durable; returns the new flushed offset.
    fn flush(&mut self) -> Result<i64, LogError>;

    /// The newest snapshot, if any.
    fn latest_snapshot_id(&self) -> Option<OffsetAndEpoch>;

    /// The oldest snapshot, if any (the one at the log start when the log was cleaned).
    fn earliest_snapshot_id(&self) -> Option<OffsetAndEpoch>;

    /// Size in bytes of a frozen snapshot.
    fn snapshot_size(&self, id: OffsetAndEpoch) -> Option<u64>;

    /// Up to `max_bytes` of a frozen snapshot from `position`.
    fn read_snapshot(
        &self,
        id: OffsetAndEpoch,
        position: u64,
        max_bytes: usize,
    ) -> Result<Bytes, LogError>;

    /// Writes a chunk of a snapshot being fetched from the leader; `position` must be the bytes
    /// written so far (0 starts, or restarts, the download of `id`).
    fn write_snapshot_chunk(
        &mut self,
        id: OffsetAndEpoch,
        position: u64,
        bytes: &[u8],
    ) -> Result<(), LogError>;

    /// Freezes the fetched snapshot `id` and restarts the log at it: afterwards the log start and
    /// end offsets are `id.offset` and the last fetched epoch is `id.epoch`.
    fn complete_snapshot(&mut self, id: OffsetAndEpoch) -> Result<(), LogError>;

    /// The state machine froze a snapshot `id` of committed records beside the log (so the
    /// leader can serve it with FetchSnapshot). A log that keeps its own snapshot list adds it.
    fn snapshot_created(&mut self, _id: OffsetAndEpoch) {}

    /// Applies retention after a new snapshot: deletes what lies wholly below the latest
    /// snapshot as far as the retention settings allow (Kafka's `deleteBeforeSnapshot`), judged
    /// at `now_ms`. A log without retention keeps everything.
    fn clean(&mut self, _now_ms: i64) -> Result<(), LogError> {
        Ok(())
    }
}

/// The snapshot written by `kafka-storage format` for a dynamic quorum; never served to fetchers
/// (`KafkaRaftClient.tryCompleteFetchRequest`).
pub const BOOTSTRAP_SNAPSHOT_ID: OffsetAndEpoch = OffsetAndEpoch::new(0, 0);

/// The outcome of checking a fetcher's position against the leader's log (Kafka's
/// `ValidOffsetAndEpoch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchPosition {
    /// The fetcher's log matches ours up to its fetch offset.
    Valid,
    /// The fetcher must truncate to this end offset of this epoch, then fetch again.
    Diverging(OffsetAndEpoch),
    /// The fetcher must load this snapshot.
    Snapshot(OffsetAndEpoch),
}

/// Kafka's `ReplicatedLog.validateOffsetAndEpoch` (with the leader's rule that an empty
/// fetcher is sent to the latest snapshot): where a fetcher at `fetch_offset` whose last batch
/// has `last_fetched_epoch` stands against `log`.
pub fn validate_offset_and_epoch(
    log: &dyn RaftLog,
    fetch_offset: i64,
    last_fetched_epoch: i32,
) -> FetchPosition {
    let latest = log
        .latest_snapshot_id()
        .filter(|id| *id != BOOTSTRAP_SNAPSHOT_ID);
    if fetch_offset == 0 {
        if let Some(id) = latest {
            return FetchPosition::Snapshot(id);
        }
    }
    let start = log.log_start_offset();
    if start == 0 && fetch_offset == 0 {
        return FetchPosition::Valid;
    }
    if let (Some(earliest), Some(latest)) = (log.earliest_snapshot_id(), latest) {
        if fetch_offset < start
            || (fetch_offset == start && last_fetched_epoch != earliest.epoch)
            || last_fetched_epoch < earliest.epoch
        {
            return FetchPosition::Snapshot(latest);
        }
    }
    let end = log.end_offset_for_epoch(last_fetched_epoch);
    if end.epoch != last_fetched_epoch || end.offset < fetch_offset {
        FetchPosition::Diverging(end)
    } else {
        FetchPosition::Valid
    }
}

/// Kafka's `ReplicatedLog.truncateToEndOffset` decision: the offset a follower truncates to when
/// the leader says its log diverged and the leader's epoch `diverging.epoch` ends at
/// `diverging.offset`.
pub fn truncation_offset(log: &dyn RaftLog, diverging: OffsetAndEpoch) -> i64 {
    if diverging.epoch == 0 {
        return diverging.offset.min(log.log_end_offset());
    }
    let local = log.end_offset_for_epoch(diverging.epoch);
    if local.epoch == diverging.epoch {
        local.offset.min(diverging.offset)
    } else {
        local.offset
    }
}
