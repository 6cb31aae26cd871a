//! A segment's sparse indexes, as Kafka lays them out (`OffsetIndex`, `TimeIndex`):
//! `.index` holds 8-byte `{int32 relativeOffset, int32 position}` entries and `.timeindex`
//! 12-byte `{int64 timestamp, int32 relativeOffset}` entries, big-endian. An entry is added
//! before a batch once more than `index_interval_bytes` (Kafka's `index.interval.bytes`, 4096)
//! have been written since the last one; it names that batch's last offset and start position.
//! The time index gets an entry when the segment's max timestamp grows, plus a final one when
//! the segment is sealed. The log rebuilds both from the segment on open, so an index is never
//! trusted over the `.log` it describes.

/// Kafka's `index.interval.bytes` default.
pub const INDEX_INTERVAL_BYTES: usize = 4096;
/// Bytes per `.index` entry.
pub const OFFSET_ENTRY_BYTES: usize = 8;
/// Bytes per `.timeindex` entry.
pub const TIME_ENTRY_BYTES: usize = 12;

/// One `.index` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetEntry {
    /// Offset relative to the segment's base offset (a batch's last offset).
    pub relative_offset: u32,
    /// Byte position of that batch in the `.log`.
    pub position: u32,
}

/// One `.timeindex` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeEntry {
    /// The largest timestamp seen so far in the segment.
    pub timestamp: i64,
    /// Relative offset of the batch (its last offset) holding that timestamp.
    pub relative_offset: u32,
}

/// The facts of one batch the indexes need.
#[derive(Clone, Copy, Debug)]
pub struct BatchFacts {
    /// The batch's last offset.
    pub last_offset: i64,
    /// The batch's max timestamp.
    pub max_timestamp: i64,
    /// Where the batch starts in the `.log`.
    pub position: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// Both indexes of a segment, kept in memory and grown batch by batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentIndex {
    base_offset: i64,
    interval_bytes: usize,
    bytes_since_last_entry: u64,
    /// The largest batch max timestamp so far (-1 when none).
    pub max_timestamp: i64,
    /// The first batch's max timestamp: when the segment started, for time-based rolling.
    pub first_timestamp: Option<i64>,
    offset_of_max_timestamp: i64,
    /// `.index` entries.
    pub offsets: Vec<OffsetEntry>,
    /// `.timeindex` entries.
    pub times: Vec<TimeEntry>,
}

impl SegmentIndex {
    /// An empty index for a segment starting at `base_offset`.
    pub fn new(base_offset: i64, interval_bytes: usize) -> SegmentIndex {
        SegmentIndex {
            base_offset,
            interval_bytes,
            bytes_since_last_entry: 0,
            max_timestamp: -1,
            first_timestamp: None,
            offset_of_max_timestamp: base_offset,
            offsets: Vec::new(),
            times: Vec::new(),
        }
    }

    fn relative(&self, offset: i64) -> u32 {
        u32::try_from(offset - self.base_offset).unwrap_or(u32::MAX)
    }

    /// Accounts for a batch appended (or recovered); returns the new entries, if any, so the
    /// caller can append them to the files.
    pub fn on_batch(&mut self, batch: BatchFacts) -> (Option<OffsetEntry>, Option<TimeEntry>) {
        self.first_timestamp.get_or_insert(batch.max_timestamp);
        if batch.max_timestamp > self.max_timestamp {
            self.max_timestamp = batch.max_timestamp;
            self.offset_of_max_timestamp = batch.last_offset;
        }
        let mut added = (None, None);
        if self.bytes_since_last_entry > self.interval_bytes as u64 {
            let entry = OffsetEntry {
                relative_offset: self.relative(batch.last_offset),
                position: u32::try_from(batch.position).unwrap_or(u32::MAX),
            };
            self.offsets.push(entry);
            added = (Some(entry), self.maybe_add_time_entry());
            self.bytes_since_last_entry = 0;
        }
        self.bytes_since_last_entry += batch.size;
        added
    }

    /// Kafka's `TimeIndex.maybeAppend`: an entry only when the timestamp grew.
    fn maybe_add_time_entry(&mut self) -> Option<TimeEntry> {
        if self.max_timestamp < 0 {
            return None;
        }
        if self
            .times
            .last()
            .is_some_and(|t| t.timestamp >= self.max_timestamp)
        {
            return None;
        }
        let entry = TimeEntry {
            timestamp: self.max_timestamp,
            relative_offset: self.relative(self.offset_of_max_timestamp),
        };
        self.times.push(entry);
        Some(entry)
    }

    /// The final time entry Kafka adds when a segment stops being active.
    pub fn on_seal(&mut self) -> Option<TimeEntry> {
        self.maybe_add_time_entry()
    }

    /// The start position of the batch to scan from to find `offset`: the last entry at or
    /// below it, or 0.
    pub fn lookup(&self, offset: i64) -> u64 {
        let relative = offset - self.base_offset;
        let idx = self
            .offsets
            .partition_point(|e| i64::from(e.relative_offset) <= relative);
        if idx == 0 {
            0
        } else {
            u64::from(self.offsets[idx - 1].position)
        }
    }

    /// Encodes the `.index` file.
    pub fn encode_offsets(&self) -> Vec<u8> {
        self.offsets
            .iter()
            .flat_map(|e| encode_offset(*e))
            .collect()
    }

    /// Encodes the `.timeindex` file.
    pub fn encode_times(&self) -> Vec<u8> {
        self.times.iter().flat_map(|e| encode_time(*e)).collect()
    }
}

/// One `.index` entry's bytes.
pub fn encode_offset(e: OffsetEntry) -> [u8; OFFSET_ENTRY_BYTES] {
    let mut out = [0u8; OFFSET_ENTRY_BYTES];
    out[..4].copy_from_slice(&e.relative_offset.to_be_bytes());
    out[4..].copy_from_slice(&e.position.to_be_bytes());
    out
}

/// One `.timeindex` entry's bytes.
pub fn encode_time(e: TimeEntry) -> [u8; TIME_ENTRY_BYTES] {
    let mut out = [0u8; TIME_ENTRY_BYTES];
    out[..8].copy_from_slice(&e.timestamp.to_be_bytes());
    out[8..].copy_from_slice(&e.relative_offset.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(last_offset: i64, max_timestamp: i64, position: u64, size: u64) -> BatchFacts {
        BatchFacts {
            last_offset,
            max_timestamp,
            position,
            size,
        }
    }

    #[test]
    fn an_entry_after_more_than_interval_bytes() {
        let mut index = SegmentIndex::new(100, 4096);
        assert_eq!(index.on_batch(facts(100, 5, 0, 4096)), (None, None));
        // Exactly 4096 bytes since the last entry is not more than the interval.
        assert_eq!(index.on_batch(facts(101, 6, 4096, 1)).0, None);
        let (offset, time) = index.on_batch(facts(103, 7, 4097, 10));
        assert_eq!(
            offset,
            Some(OffsetEntry {
                relative_offset: 3,
                position: 4097
            })
        );
        // The time entry names the max timestamp seen before this batch's entry point.
        assert_eq!(
            time,
            Some(TimeEntry {
                timestamp: 7,
                relative_offset: 3
            })
        );
        assert_eq!(index.lookup(102), 0);
        assert_eq!(index.lookup(103), 4097);
        assert_eq!(index.encode_offsets(), [0, 0, 0, 3, 0, 0, 16, 1]);
        assert_eq!(index.on_seal(), None);
    }
}
