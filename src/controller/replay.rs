//! The one replay path: committed records in, image out. The active controller, standbys
//! and snapshot loading all call [`Replayer::replay`] (or [`Replayer::load_snapshot`]), so
//! every node builds the same image from the same log.
//!
//! Metadata transactions (KIP-868): the records between `BeginTransactionRecord` and
//! `EndTransactionRecord` take effect together at the end; `AbortTransactionRecord` drops
//! them. While a transaction is open, [`Replayer::image`] is the image before it began, and
//! [`Replayer::last_committed_offset`] stays where it was. Records inside a transaction are
//! checked as they come, against the image the transaction has built so far.

use yakt_wire::{LogRecord, MetadataRecord};

use crate::controller::error::{Inconsistency, ReplayError};
use crate::controller::image::MetadataImage;

/// An open metadata transaction: where it began and the image it is building.
#[derive(Debug, Clone)]
struct Transaction {
    start_offset: i64,
    image: MetadataImage,
}

/// The image and where in the log it stands.
#[derive(Debug, Clone)]
pub struct Replayer {
    image: MetadataImage,
    transaction: Option<Transaction>,
    last_applied_offset: i64,
    last_committed_offset: i64,
    has_records: bool,
}

impl Default for Replayer {
    fn default() -> Replayer {
        Replayer::new()
    }
}

impl Replayer {
    /// An empty image before any record.
    pub fn new() -> Replayer {
        Replayer {
            image: MetadataImage::default(),
            transaction: None,
            last_applied_offset: -1,
            last_committed_offset: -1,
            has_records: false,
        }
    }

    /// Whether any metadata record was replayed or a snapshot loaded: a log with only
    /// control records is empty, and is bootstrapped on activation.
    pub fn has_records(&self) -> bool {
        self.has_records
    }

    /// The image of every record up to [`Self::last_committed_offset`]: an open transaction
    /// is not in it.
    pub fn image(&self) -> &MetadataImage {
        &self.image
    }

    /// The offset of the last record replayed (or passed over with [`Self::skip_to`]); -1
    /// before any.
    pub fn last_applied_offset(&self) -> i64 {
        self.last_applied_offset
    }

    /// The offset up to which [`Self::image`] is complete: the last record outside a
    /// transaction, or the end of the last transaction. A snapshot of the image is a
    /// snapshot at this offset.
    pub fn last_committed_offset(&self) -> i64 {
        self.last_committed_offset
    }

    /// Where the open transaction began, if one is open.
    pub fn transaction_start_offset(&self) -> Option<i64> {
        self.transaction.as_ref().map(|t| t.start_offset)
    }

    /// Replays one committed metadata record found at `offset`.
    pub fn replay(&mut self, record: &MetadataRecord, offset: i64) -> Result<(), ReplayError> {
        let fail = |inconsistency| ReplayError {
            offset,
            record: record.name(),
            inconsistency,
        };
        if offset <= self.last_applied_offset {
            let last_applied_offset = self.last_applied_offset;
            return Err(fail(Inconsistency::OffsetNotIncreasing {
                last_applied_offset,
            }));
        }
        self.apply(record, offset).map_err(fail)?;
        self.has_records = true;
        self.last_applied_offset = offset;
        if self.transaction.is_none() {
            self.last_committed_offset = offset;
        }
        Ok(())
    }

    /// Replays one record of a log batch: metadata records as [`Self::replay`], control
    /// records only move the offset.
    pub fn replay_log_record(
        &mut self,
        record: &LogRecord,
        offset: i64,
    ) -> Result<(), ReplayError> {
        match record {
            LogRecord::Metadata(record, _) => self.replay(record, offset),
            LogRecord::Control(_) => {
                self.skip_to(offset);
                Ok(())
            }
        }
    }

    /// Notes that the log reached `offset` through records that do not touch the image
    /// (control records).
    pub fn skip_to(&mut self, offset: i64) {
        if offset > self.last_applied_offset {
            self.last_applied_offset = offset;
            if self.transaction.is_none() {
                self.last_committed_offset = offset;
            }
        }
    }

    /// Replaces the image with a snapshot's records, all at `last_contained_offset` (the
    /// snapshot's end offset - 1), as Kafka's controller loads a snapshot.
    pub fn load_snapshot<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a MetadataRecord>,
        last_contained_offset: i64,
    ) -> Result<(), ReplayError> {
        let mut image = MetadataImage::default();
        // As Kafka's log replay tracker: a snapshot of control records only leaves the log
        // "empty", so the next active controller still writes the bootstrap records.
        let mut has_records = false;
        for record in records {
            has_records = true;
            image
                .apply(record, last_contained_offset)
                .map_err(|inconsistency| ReplayError {
                    offset: last_contained_offset,
                    record: record.name(),
                    inconsistency,
                })?;
        }
        *self = Replayer {
            image,
            transaction: None,
            last_applied_offset: last_contained_offset,
            last_committed_offset: last_contained_offset,
            has_records,
        };
        Ok(())
    }

    fn apply(&mut self, record: &MetadataRecord, offset: i64) -> Result<(), Inconsistency> {
        match record {
            MetadataRecord::BeginTransaction(_) => {
                if let Some(open) = &self.transaction {
                    let start_offset = open.start_offset;
                    return Err(Inconsistency::NestedTransaction { start_offset });
                }
                self.transaction = Some(Transaction {
                    start_offset: offset,
                    image: self.image.clone(),
                });
            }
            MetadataRecord::EndTransaction(_) => {
                let done = self
                    .transaction
                    .take()
                    .ok_or(Inconsistency::NoOpenTransaction)?;
                self.image = done.image;
            }
            MetadataRecord::AbortTransaction(_) => {
                self.transaction
                    .take()
                    .ok_or(Inconsistency::NoOpenTransaction)?;
            }
            record => match &mut self.transaction {
                Some(open) => open.image.apply(record, offset)?,
                None => self.image.apply(record, offset)?,
            },
        }
        Ok(())
    }
}
