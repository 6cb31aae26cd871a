//! The records of a v2 batch, read in place: zig-zag varint length, attributes, timestamp and
//! offset deltas, key, value, headers, each length checked against the record's bytes.

use super::{BatchError, BATCH_HEADER_LEN};
use crate::varint::{self, VarintError};

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

/// Iterator over the records of a [`BatchView`](super::BatchView).
#[derive(Debug, Clone)]
pub struct Records<'a> {
    bytes: &'a [u8],
    position: usize,
    index: i32,
    declared: i32,
    done: bool,
}

impl<'a> Records<'a> {
    /// The records of `batch` (a whole batch) that declares `declared` records.
    pub(super) fn new(batch: &'a [u8], declared: i32) -> Records<'a> {
        Records {
            bytes: batch,
            position: BATCH_HEADER_LEN,
            index: 0,
            declared,
            done: false,
        }
    }
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
