//! When to snapshot the image and what goes in the snapshot (Kafka's `SnapshotGenerator`):
//! after `metadata.log.max.record.bytes.between.snapshots` bytes of committed batches, or
//! `metadata.log.max.snapshot.interval.ms` after the first record committed since the last
//! snapshot (0: never by time). A snapshot is of the committed image, never in the middle of
//! a metadata transaction; its end offset is the committed offset + 1.

use bytes::Bytes;
use yakt_wire::{encode_frame, RecordError};

use crate::controller::replay::Replayer;

/// The snapshot thresholds and what has been committed since the last snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotPolicy {
    max_new_record_bytes: i64,
    max_interval_ms: i64,
    new_record_bytes: i64,
    first_new_record_ms: Option<i64>,
}

impl SnapshotPolicy {
    /// Thresholds from `metadata.log.max.record.bytes.between.snapshots` and
    /// `metadata.log.max.snapshot.interval.ms`.
    pub fn new(max_new_record_bytes: i64, max_interval_ms: i64) -> SnapshotPolicy {
        SnapshotPolicy {
            max_new_record_bytes,
            max_interval_ms,
            new_record_bytes: 0,
            first_new_record_ms: None,
        }
    }

    /// A committed batch of `batch_bytes` bytes with metadata records, at `now_ms`.
    pub fn on_commit(&mut self, batch_bytes: i64, now_ms: i64) {
        self.new_record_bytes = self.new_record_bytes.saturating_add(batch_bytes);
        self.first_new_record_ms.get_or_insert(now_ms);
    }

    /// Whether a snapshot is due at `now_ms` (the caller also checks that no metadata
    /// transaction is open).
    pub fn due(&self, now_ms: i64) -> bool {
        if self.new_record_bytes >= self.max_new_record_bytes {
            return true;
        }
        let by_time = self.max_interval_ms > 0;
        by_time
            && self
                .first_new_record_ms
                .is_some_and(|first| now_ms.saturating_sub(first) >= self.max_interval_ms)
    }

    /// When the time threshold will be reached, if it applies.
    pub fn deadline_ms(&self) -> Option<i64> {
        let first = self.first_new_record_ms?;
        (self.max_interval_ms > 0).then(|| first.saturating_add(self.max_interval_ms))
    }

    /// A snapshot was taken: count afresh.
    pub fn taken(&mut self) {
        self.new_record_bytes = 0;
        self.first_new_record_ms = None;
    }
}

/// A snapshot of a committed image: its end offset (last contained offset + 1) and the
/// metadata record frames to write between the header and the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotContent {
    /// The snapshot's end offset.
    pub end_offset: i64,
    /// The framed metadata records, in Kafka's snapshot order.
    pub frames: Vec<Bytes>,
}

/// The snapshot of `committed`, or `None` while a transaction is open or before any record.
pub fn snapshot_of(committed: &Replayer) -> Result<Option<SnapshotContent>, RecordError> {
    if committed.transaction_start_offset().is_some() || committed.last_committed_offset() < 0 {
        return Ok(None);
    }
    let frames = committed
        .image()
        .to_records()
        .iter()
        .map(|(record, version)| encode_frame(record, *version))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(SnapshotContent {
        end_offset: committed.last_committed_offset() + 1,
        frames,
    }))
}
