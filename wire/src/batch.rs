//! Record batch v2 (magic 2), the unit of Kafka's log: check a batch at the start of a byte slice
//! (header, length bounds, CRC-32C), view its records without copying, build one, and rewrite its
//! base offset. Layout from Kafka's `DefaultRecordBatch` (kraft-interop.md §5); all integers in
//! the header are big-endian, record fields are zig-zag varints. Nothing here allocates in
//! proportion to a count read from the input, and nothing panics on bad input.

use bytes::{BufMut, Bytes, BytesMut};

use crate::varint::{self, VarintError};

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
        Records {
            bytes: self.bytes,
            position: BATCH_HEADER_LEN,
            index: 0,
            declared: self.header.records_count,
            done: false,
        }
    }
}

/// One record inside a batch, borrowing its key, value and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView<'a> {
    /// Record attributes (unused by Kafka, 0).
    pub attributes: i8,
    /// Timestamp minus the batch base timestamp, in milliseconds.
    pub timestamp_delta: i64,
    /// Offset minus the batch base offset.
    pub offset_delta: i32,
    /// The key, `None` for a null key.
    pub key: Option<&'a [u8]>,
    /// The value, `None` for a null value.
    pub value: Option<&'a [u8]>,
    /// Record headers: (key, value).
    pub headers: Vec<(&'a [u8], Option<&'a [u8]>)>,
}

/// Iterator over the records of a [`BatchView`].
#[derive(Debug, Clone)]
pub struct Records<'a> {
    bytes: &'a [u8],
    position: usize,
    index: i32,
    declared: i32,
    done: bool,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<RecordView<'a>, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = &self.bytes[self.position..];
        if self.index == self.declared {
            self.done = true;
            return (!rest.is_empty()).then_some(Err(BatchError::TrailingBytes {
                declared: self.declared,
                extra: rest.len(),
            }));
        }
        if rest.is_empty() {
            self.done = true;
            return Some(Err(BatchError::MissingRecords {
                declared: self.declared,
                found: self.index,
            }));
        }
        let mut reader = RecordReader {
            buf: rest,
            index: self.index,
            position: self.position,
        };
        match reader.record() {
            Ok(record) => {
                self.position = self.bytes.len() - reader.buf.len();
                self.index += 1;
                Some(Ok(record))
            }
            Err(err) => {
                self.done = true;
                Some(Err(err))
            }
        }
    }
}

/// Reads the fields of one record, naming the record in every error.
struct RecordReader<'a> {
    buf: &'a [u8],
    index: i32,
    position: usize,
}

impl<'a> RecordReader<'a> {
    fn varint_error(&self, field: &'static str) -> impl Fn(VarintError) -> BatchError {
        let (index, position) = (self.index, self.position);
        move |source| BatchError::BadVarint {
            index,
            position,
            field,
            source,
        }
    }

    fn length_error(&self, field: &'static str, length: i64) -> BatchError {
        BatchError::BadLength {
            index: self.index,
            position: self.position,
            field,
            length,
            left: self.buf.len(),
        }
    }

    fn varint(&mut self, field: &'static str) -> Result<i32, BatchError> {
        varint::read_varint(&mut self.buf).map_err(self.varint_error(field))
    }

    fn take(&mut self, field: &'static str, length: i32) -> Result<&'a [u8], BatchError> {
        match usize::try_from(length) {
            Ok(len) if len <= self.buf.len() => {
                let (taken, rest) = self.buf.split_at(len);
                self.buf = rest;
                Ok(taken)
            }
            _ => Err(self.length_error(field, i64::from(length))),
        }
    }

    fn nullable_bytes(&mut self, field: &'static str) -> Result<Option<&'a [u8]>, BatchError> {
        match self.varint(field)? {
            -1 => Ok(None),
            length => self.take(field, length).map(Some),
        }
    }

    /// Reads the record's length prefix, then its fields, which must fill it exactly.
    fn record(&mut self) -> Result<RecordView<'a>, BatchError> {
        let length = self.varint("record length")?;
        let body = self.take("record", length)?;
        let mut inner = RecordReader {
            buf: body,
            index: self.index,
            position: self.position,
        };
        let record = inner.fields()?;
        if !inner.buf.is_empty() {
            return Err(BatchError::RecordTrailingBytes {
                index: self.index,
                position: self.position,
                extra: inner.buf.len(),
            });
        }
        Ok(record)
    }

    fn fields(&mut self) -> Result<RecordView<'a>, BatchError> {
        let Some((&attributes, rest)) = self.buf.split_first() else {
            return Err(self.length_error("attributes", 1));
        };
        self.buf = rest;
        let timestamp_delta =
            varint::read_varlong(&mut self.buf).map_err(self.varint_error("timestamp delta"))?;
        let offset_delta = self.varint("offset delta")?;
        let key = self.nullable_bytes("key")?;
        let value = self.nullable_bytes("value")?;
        let count = self.varint("headers count")?;
        // Each header takes at least two bytes (key length and value length).
        if count < 0 || count as usize > self.buf.len() / 2 {
            return Err(self.length_error("headers count", i64::from(count)));
        }
        let mut headers = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let key_length = self.varint("header key length")?;
            let header_key = self.take("header key", key_length)?;
            headers.push((header_key, self.nullable_bytes("header value")?));
        }
        Ok(RecordView {
            attributes: attributes as i8,
            timestamp_delta,
            offset_delta,
            key,
            value,
            headers,
        })
    }
}

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
