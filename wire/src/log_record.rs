//! The records of `__cluster_metadata` batches, decoded: a data batch holds metadata records
//! (null key, framed value), a control batch holds control records. Owns the walk over a whole
//! batch, giving each record with its offset, and the matching helpers that append records to a
//! [`BatchBuilder`].

use crate::batch::{BatchBuilder, BatchError, BatchView, RecordView};
use crate::control::{ControlError, ControlRecord};
use crate::metadata::{decode_frame, encode_frame, MetadataRecord, RecordError};

/// One decoded record of the metadata log.
#[derive(Debug, Clone, PartialEq)]
pub enum LogRecord {
    /// A metadata record and the version it was written at.
    Metadata(MetadataRecord, i16),
    /// A control record.
    Control(ControlRecord),
}

/// Why a record of the metadata log could not be decoded; names the offset where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogRecordError {
    /// The batch or the record's framing inside it is malformed.
    #[error("batch at offset {base_offset}: {source}")]
    Batch {
        /// Base offset of the batch.
        base_offset: i64,
        /// What was wrong.
        source: BatchError,
    },
    /// A data record has a key (metadata records have a null key).
    #[error("metadata record at offset {offset} has a non-null key")]
    UnexpectedKey {
        /// The record's offset.
        offset: i64,
    },
    /// A data record has a null value.
    #[error("metadata record at offset {offset} has a null value")]
    MissingValue {
        /// The record's offset.
        offset: i64,
    },
    /// A metadata record does not decode.
    #[error("offset {offset}: {source}")]
    Metadata {
        /// The record's offset.
        offset: i64,
        /// What was wrong, naming the record type and version.
        source: RecordError,
    },
    /// A control record does not decode.
    #[error("offset {offset}: {source}")]
    Control {
        /// The record's offset.
        offset: i64,
        /// What was wrong.
        source: ControlError,
    },
}

impl LogRecord {
    /// Decodes one record of a batch; `is_control` is the batch's control bit, `offset` is used
    /// in errors only.
    pub fn decode(
        record: &RecordView<'_>,
        is_control: bool,
        offset: i64,
    ) -> Result<LogRecord, LogRecordError> {
        if is_control {
            return ControlRecord::decode(record.key, record.value)
                .map(LogRecord::Control)
                .map_err(|source| LogRecordError::Control { offset, source });
        }
        if record.key.is_some() {
            return Err(LogRecordError::UnexpectedKey { offset });
        }
        let value = record
            .value
            .ok_or(LogRecordError::MissingValue { offset })?;
        decode_frame(value)
            .map(|(record, version)| LogRecord::Metadata(record, version))
            .map_err(|source| LogRecordError::Metadata { offset, source })
    }
}

/// Every record of `batch` with its offset (base offset + offset delta), in order. Stops after
/// the first error.
pub fn records_of<'a>(
    batch: &BatchView<'a>,
) -> impl Iterator<Item = Result<(i64, LogRecord), LogRecordError>> + 'a {
    let header = batch.header;
    let mut failed = false;
    batch.records().map_while(move |record| {
        if failed {
            return None;
        }
        let batch_error = |source| LogRecordError::Batch {
            base_offset: header.base_offset,
            source,
        };
        let result = record.map_err(batch_error).and_then(|record| {
            let offset = header.offset_of(record.offset_delta).map_err(batch_error)?;
            LogRecord::decode(&record, header.is_control(), offset).map(|log| (offset, log))
        });
        failed = result.is_err();
        Some(result)
    })
}

/// Appends a metadata record at `version` (null key, framed value) to a data batch.
pub fn push_metadata(
    builder: &mut BatchBuilder,
    record: &MetadataRecord,
    version: i16,
) -> Result<(), RecordError> {
    let value = encode_frame(record, version)?;
    builder.push(None, Some(&value));
    Ok(())
}

/// Appends a control record to a control batch (see [`BatchBuilder::control`]).
pub fn push_control(
    builder: &mut BatchBuilder,
    record: &ControlRecord,
) -> Result<(), ControlError> {
    let value = record.encode_value()?;
    builder.push(Some(&record.key()), Some(&value));
    Ok(())
}
