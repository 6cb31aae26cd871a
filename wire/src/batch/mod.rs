//! Record batch v2 (magic 2), the unit of Kafka's log: check a batch at the start of a byte slice
//! (header, length bounds, CRC-32C), view its records without copying, build one, and rewrite its
//! base offset. Layout from Kafka's `DefaultRecordBatch` (kraft-interop.md §5); all integers in
//! the header are big-endian, record fields are zig-zag varints. Nothing here allocates in
//! proportion to a count read from the input, and nothing panics on bad input.

use crate::varint::VarintError;

mod builder;
mod records;

pub use builder::{set_base_offset, BatchBuilder};
pub use records::{RecordView, Records};

/// Bytes before `partitionLeaderEpoch` that are common to every log entry: baseOffset + batchLength.
pub const LOG_OVERHEAD: usize = 12;
/// Bytes of the batch header, before the first record.
pub const BATCH_HEADER_LEN: usize = 61;
/// Attribute bit marking a control batch (leader change, snapshot header/footer, voters ...).
pub const CONTROL_FLAG: i16 = 0x20;
/// Attribute bit marking a transactional batch.
pub const TRANSACTIONAL_FLAG: i16 = 0x10;
/// Attribute bits holding the compression codec (0 = none).
pub const COMPRESSION_CODEC_MASK: i16 = 0x07;
/// The only magic value this crate reads and writes.
pub const MAGIC_V2: i8 = 2;
/// First byte covered by the batch CRC (the attributes).
pub const CRC_START: usize = 21;
/// Smallest legal `batchLength`: a header with no records.
pub const MIN_BATCH_LENGTH: usize = BATCH_HEADER_LEN - LOG_OVERHEAD;
/// Bytes needed to read `baseOffset`, `batchLength`, `partitionLeaderEpoch` and `magic`.
const HEADER_UP_TO_MAGIC: usize = 17;

/// What went wrong reading or checking a record batch; each variant says what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Fewer bytes than the structure needs.
    #[error("batch needs {needed} bytes but only {available} are present")]
    Truncated {
        /// Bytes the batch (or its header) needs.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// The magic byte is not 2.
    #[error("batch magic is {magic}, only magic 2 is supported")]
    BadMagic {
        /// The magic byte read.
        magic: i8,
    },
    /// `batchLength` is below the header size or above the allowed maximum.
    #[error("batch length {batch_length} is outside {min}..={max}")]
    BadBatchLength {
        /// The `batchLength` field read.
        batch_length: i32,
        /// Smallest legal value.
        min: usize,
        /// Largest allowed value.
        max: usize,
    },
    /// The stored CRC-32C does not match the bytes from offset 21 to the end of the batch.
    #[error("batch CRC mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    CrcMismatch {
        /// CRC in the header.
        stored: u32,
        /// CRC computed over the batch.
        computed: u32,
    },
    /// `recordsCount` is negative.
    #[error("batch records count {count} is negative")]
    NegativeRecordsCount {
        /// The count read.
        count: i32,
    },
    /// `lastOffsetDelta` is negative.
    #[error("batch last offset delta {delta} is negative")]
    NegativeLastOffsetDelta {
        /// The delta read.
        delta: i32,
    },
    /// The base offset is negative, or an offset in the batch would pass `i64::MAX`.
    #[error("batch base offset {base_offset} with offset delta {delta} is out of range")]
    OffsetOutOfRange {
        /// The base offset.
        base_offset: i64,
        /// The offset delta that does not fit.
        delta: i32,
    },
    /// The batch is compressed; yakt reads and writes only uncompressed metadata batches.
    #[error("batch uses compression codec {codec}; only uncompressed batches are supported")]
    Compressed {
        /// The codec bits of the attributes.
        codec: i16,
    },
    /// A record's varint field could not be read.
    #[error("record {index} at batch byte {position}: bad {field}: {source}")]
    BadVarint {
        /// Index of the record in the batch.
        index: i32,
        /// Byte position in the batch where the record starts.
        position: usize,
        /// The field being read.
        field: &'static str,
        /// What was wrong with the varint.
        source: VarintError,
    },
    /// A length inside a record is negative (where null is not allowed) or runs past the record.
    #[error("record {index} at batch byte {position}: {field} length {length} does not fit in {left} bytes left")]
    BadLength {
        /// Index of the record in the batch.
        index: i32,
        /// Byte position in the batch where the record starts.
        position: usize,
        /// The field whose length is wrong.
        field: &'static str,
        /// The length read.
        length: i64,
        /// Bytes left where it was read.
        left: usize,
    },
    /// A record's body is longer than its fields.
    #[error("record {index} at batch byte {position}: {extra} bytes after its headers")]
    RecordTrailingBytes {
        /// Index of the record in the batch.
        index: i32,
        /// Byte position in the batch where the record starts.
        position: usize,
        /// Bytes left over.
        extra: usize,
    },
    /// The batch ends before `recordsCount` records were read.
    #[error("batch declares {declared} records but its bytes end after {found}")]
    MissingRecords {
        /// `recordsCount` from the header.
        declared: i32,
        /// Records read.
        found: i32,
    },
    /// Bytes remain after the `recordsCount` records.
    #[error("{extra} bytes after the {declared} declared records of the batch")]
    TrailingBytes {
        /// `recordsCount` from the header.
        declared: i32,
        /// Bytes left over.
        extra: usize,
    },
}

/// The 61-byte header of a v2 record batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Bytes after this field: the whole batch size minus [`LOG_OVERHEAD`].
    pub batch_length: i32,
    /// Epoch of the leader that appended the batch (snapshot epoch in snapshots).
    pub partition_leader_epoch: i32,
    /// Format version, 2.
    pub magic: i8,
    /// CRC-32C over bytes 21 to the end of the batch.
    pub crc: u32,
    /// Codec, timestamp type, transactional and control bits.
    pub attributes: i16,
    /// Offset of the last record minus the base offset.
    pub last_offset_delta: i32,
    /// Timestamp of the first record, in milliseconds.
    pub base_timestamp: i64,
    /// Largest record timestamp, in milliseconds.
    pub max_timestamp: i64,
    /// Producer id, -1 for the metadata log.
    pub producer_id: i64,
    /// Producer epoch, -1 for the metadata log.
    pub producer_epoch: i16,
    /// Sequence number of the first record, -1 for the metadata log.
    pub base_sequence: i32,
    /// Number of records in the batch.
    pub records_count: i32,
}

fn be_i16(buf: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([buf[at], buf[at + 1]])
}

fn be_i32(buf: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

fn be_i64(buf: &[u8], at: usize) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[at..at + 8]);
    i64::from_be_bytes(bytes)
}

impl BatchHeader {
    /// Whether this is a control batch (attribute bit 0x20).
    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL_FLAG != 0
    }

    /// Whether this batch belongs to a transaction (attribute bit 0x10).
    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_FLAG != 0
    }

    /// The compression codec bits (0 = none).
    pub fn compression_codec(&self) -> i16 {
        self.attributes & COMPRESSION_CODEC_MASK
    }

    /// Offset of the last record: base offset + last offset delta (saturating; a batch that
    /// passed [`check_batch`] never saturates).
    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .saturating_add(i64::from(self.last_offset_delta))
    }

    /// Offset right after this batch: last offset + 1 (saturating, as [`last_offset`](Self::last_offset)).
    pub fn next_offset(&self) -> i64 {
        self.last_offset().saturating_add(1)
    }

    /// The offset of the record with `offset_delta`, if it is in range (not negative, not past
    /// `i64::MAX`).
    pub fn offset_of(&self, offset_delta: i32) -> Result<i64, BatchError> {
        self.base_offset
            .checked_add(i64::from(offset_delta))
            .filter(|offset| *offset >= 0)
            .ok_or(BatchError::OffsetOutOfRange {
                base_offset: self.base_offset,
                delta: offset_delta,
            })
    }

    /// Total bytes of the batch: `batch_length` + [`LOG_OVERHEAD`] (a negative length counts as 0).
    pub fn size_in_bytes(&self) -> usize {
        usize::try_from(self.batch_length).unwrap_or(0) + LOG_OVERHEAD
    }

    /// Reads the header fields at the start of `buf` without checking them or the CRC.
    pub fn parse(buf: &[u8]) -> Result<BatchHeader, BatchError> {
        if buf.len() < BATCH_HEADER_LEN {
            return Err(BatchError::Truncated {
                needed: BATCH_HEADER_LEN,
                available: buf.len(),
            });
        }
        Ok(BatchHeader {
            base_offset: be_i64(buf, 0),
            batch_length: be_i32(buf, 8),
            partition_leader_epoch: be_i32(buf, 12),
            magic: buf[16] as i8,
            crc: be_i32(buf, 17) as u32,
            attributes: be_i16(buf, 21),
            last_offset_delta: be_i32(buf, 23),
            base_timestamp: be_i64(buf, 27),
            max_timestamp: be_i64(buf, 35),
            producer_id: be_i64(buf, 43),
            producer_epoch: be_i16(buf, 51),
            base_sequence: be_i32(buf, 53),
            records_count: be_i32(buf, 57),
        })
    }

    /// Writes the header into the first [`BATCH_HEADER_LEN`] bytes of `out`.
    fn write(&self, out: &mut [u8]) {
        out[0..8].copy_from_slice(&self.base_offset.to_be_bytes());
        out[8..12].copy_from_slice(&self.batch_length.to_be_bytes());
        out[12..16].copy_from_slice(&self.partition_leader_epoch.to_be_bytes());
        out[16] = self.magic as u8;
        out[17..21].copy_from_slice(&self.crc.to_be_bytes());
        out[21..23].copy_from_slice(&self.attributes.to_be_bytes());
        out[23..27].copy_from_slice(&self.last_offset_delta.to_be_bytes());
        out[27..35].copy_from_slice(&self.base_timestamp.to_be_bytes());
        out[35..43].copy_from_slice(&self.max_timestamp.to_be_bytes());
        out[43..51].copy_from_slice(&self.producer_id.to_be_bytes());
        out[51..53].copy_from_slice(&self.producer_epoch.to_be_bytes());
        out[53..57].copy_from_slice(&self.base_sequence.to_be_bytes());
        out[57..61].copy_from_slice(&self.records_count.to_be_bytes());
    }
}

/// The outcome of [`check_batch`] when the bytes are not invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// The whole batch is present, its magic is 2 and its CRC-32C matches.
    Batch(BatchHeader),
    /// `buf` ends inside the batch (or inside its header): at least `needed` more bytes are
    /// required before the batch can be checked. A torn tail of a log looks like this.
    Incomplete {
        /// Minimum number of further bytes needed after the end of `buf`.
        needed: usize,
    },
}

/// Examines the batch at the start of `buf` (bytes after the batch are ignored).
///
/// Errors for magic != 2, `batchLength` < 49 or > `max_batch_bytes`, CRC mismatch, negative
/// `recordsCount`, negative `lastOffsetDelta`, or a negative base offset or a next offset past
/// `i64::MAX`. Magic and length are checked as soon as their
/// bytes are present, so garbage is reported as an error rather than as an incomplete batch.
pub fn check_batch(buf: &[u8], max_batch_bytes: usize) -> Result<Scan, BatchError> {
    if buf.len() < LOG_OVERHEAD {
        return Ok(Scan::Incomplete {
            needed: BATCH_HEADER_LEN - buf.len(),
        });
    }
    let batch_length = be_i32(buf, 8);
    let length_ok = usize::try_from(batch_length)
        .is_ok_and(|len| (MIN_BATCH_LENGTH..=max_batch_bytes).contains(&len));
    if !length_ok {
        return Err(BatchError::BadBatchLength {
            batch_length,
            min: MIN_BATCH_LENGTH,
            max: max_batch_bytes,
        });
    }
    if buf.len() >= HEADER_UP_TO_MAGIC && buf[16] as i8 != MAGIC_V2 {
        return Err(BatchError::BadMagic {
            magic: buf[16] as i8,
        });
    }
    let size = batch_length as usize + LOG_OVERHEAD;
    if buf.len() < size {
        return Ok(Scan::Incomplete {
            needed: size - buf.len(),
        });
    }
    let header = BatchHeader::parse(buf)?;
    let computed = crc32c::crc32c(&buf[CRC_START..size]);
    if computed != header.crc {
        return Err(BatchError::CrcMismatch {
            stored: header.crc,
            computed,
        });
    }
    if header.records_count < 0 {
        return Err(BatchError::NegativeRecordsCount {
            count: header.records_count,
        });
    }
    if header.last_offset_delta < 0 {
        return Err(BatchError::NegativeLastOffsetDelta {
            delta: header.last_offset_delta,
        });
    }
    let next_offset_fits = header.base_offset >= 0
        && header
            .base_offset
            .checked_add(i64::from(header.last_offset_delta) + 1)
            .is_some();
    if !next_offset_fits {
        return Err(BatchError::OffsetOutOfRange {
            base_offset: header.base_offset,
            delta: header.last_offset_delta,
        });
    }
    Ok(Scan::Batch(header))
}

/// A checked, uncompressed batch borrowed from a byte slice (e.g. a mapped segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchView<'a> {
    /// The batch header.
    pub header: BatchHeader,
    /// The whole batch, header included.
    pub bytes: &'a [u8],
}

impl<'a> BatchView<'a> {
    /// Checks the batch at the start of `buf` (see [`check_batch`], with no size cap beyond
    /// `i32::MAX`) and requires it to be complete and uncompressed. Bytes after it are ignored.
    pub fn parse(buf: &'a [u8]) -> Result<Self, BatchError> {
        match check_batch(buf, i32::MAX as usize)? {
            Scan::Incomplete { needed } => Err(BatchError::Truncated {
                needed: buf.len() + needed,
                available: buf.len(),
            }),
            Scan::Batch(header) => {
                if header.compression_codec() != 0 {
                    return Err(BatchError::Compressed {
                        codec: header.compression_codec(),
                    });
                }
                Ok(BatchView {
                    header,
                    bytes: &buf[..header.size_in_bytes()],
                })
            }
        }
    }

    /// The records of the batch, in order. The iterator yields an error (and then stops) if a
    /// record is malformed, if the bytes end before `recordsCount` records, or if bytes remain
    /// after them.
    pub fn records(&self) -> Records<'a> {
        Records::new(self.bytes, self.header.records_count)
    }
}
