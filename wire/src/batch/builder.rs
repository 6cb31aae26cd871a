//! Building a v2 batch the way Kafka's raft layer does for `__cluster_metadata`, and rewriting a
//! batch's base offset in place.

use bytes::{BufMut, Bytes, BytesMut};

use super::{BatchHeader, BATCH_HEADER_LEN, CONTROL_FLAG, CRC_START, LOG_OVERHEAD, MAGIC_V2};
use crate::varint;

/// Builds one uncompressed v2 batch, as Kafka's raft `BatchBuilder` does for the metadata log:
/// record attributes 0, timestamp delta 0, offset deltas 0, 1, 2 ..., no headers.
#[derive(Debug, Clone)]
pub struct BatchBuilder {
    base_offset: i64,
    partition_leader_epoch: i32,
    timestamp_ms: i64,
    attributes: i16,
    records: BytesMut,
    count: i32,
}

impl BatchBuilder {
    /// Starts an empty data batch at `base_offset`, stamped with `timestamp_ms`.
    pub fn new(base_offset: i64, partition_leader_epoch: i32, timestamp_ms: i64) -> Self {
        BatchBuilder {
            base_offset,
            partition_leader_epoch,
            timestamp_ms,
            attributes: 0,
            records: BytesMut::new(),
            count: 0,
        }
    }

    /// Marks the batch as a control batch (attribute bit 0x20).
    pub fn control(mut self) -> Self {
        self.attributes |= CONTROL_FLAG;
        self
    }

    /// Appends a record with the next offset.
    pub fn push(&mut self, key: Option<&[u8]>, value: Option<&[u8]>) {
        let offset_delta = self.count;
        let field_len = |field: Option<&[u8]>| match field {
            None => varint::varint_len(-1),
            Some(bytes) => varint::varint_len(bytes.len() as i32) + bytes.len(),
        };
        let body_len = 1
            + varint::varlong_len(0)
            + varint::varint_len(offset_delta)
            + field_len(key)
            + field_len(value)
            + varint::varint_len(0);
        let out = &mut self.records;
        varint::put_varint(out, body_len as i32);
        out.put_i8(0);
        varint::put_varlong(out, 0);
        varint::put_varint(out, offset_delta);
        for field in [key, value] {
            match field {
                None => varint::put_varint(out, -1),
                Some(bytes) => {
                    varint::put_varint(out, bytes.len() as i32);
                    out.put_slice(bytes);
                }
            }
        }
        varint::put_varint(out, 0);
        self.count += 1;
    }

    /// Number of records pushed.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Exact size of the batch [`build`](Self::build) would return, so callers can cap it.
    pub fn size_in_bytes(&self) -> usize {
        BATCH_HEADER_LEN + self.records.len()
    }

    /// Finishes the batch: producer id/epoch and base sequence -1, base and max timestamp
    /// `timestamp_ms`, CRC-32C over bytes 21 to the end. An empty builder gives a batch with
    /// no records and last offset delta 0.
    pub fn build(self) -> Bytes {
        let size = self.size_in_bytes();
        let mut header = BatchHeader {
            base_offset: self.base_offset,
            batch_length: (size - LOG_OVERHEAD) as i32,
            partition_leader_epoch: self.partition_leader_epoch,
            magic: MAGIC_V2,
            crc: 0,
            attributes: self.attributes,
            last_offset_delta: (self.count - 1).max(0),
            base_timestamp: self.timestamp_ms,
            max_timestamp: self.timestamp_ms,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            records_count: self.count,
        };
        let mut out = BytesMut::zeroed(BATCH_HEADER_LEN);
        out.reserve(self.records.len());
        out.put_slice(&self.records);
        header.write(&mut out);
        header.crc = crc32c::crc32c(&out[CRC_START..]);
        out[17..21].copy_from_slice(&header.crc.to_be_bytes());
        out.freeze()
    }
}

/// Rewrites the base offset of the batch at the start of `batch` in place. Bytes 0..8 are outside
/// the CRC, so the batch stays valid.
///
/// # Panics
/// If `batch` is shorter than 8 bytes: the caller must pass a batch.
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) {
    assert!(
        batch.len() >= 8,
        "set_base_offset needs a batch, got {} bytes",
        batch.len()
    );
    batch[0..8].copy_from_slice(&base_offset.to_be_bytes());
}
