//! yakt-wire: the bytes yakt puts on the wire and in the `__cluster_metadata` log.
//!
//! It owns the metadata record types Kafka defines (which the kafka-protocol crate lacks), the
//! metadata record frame and control-record keys, record batch v2 build/parse helpers, and
//! Kafka's `Uuid`. It does no I/O and never panics on bad input: every length read from bytes is
//! checked against the bytes left before anything is allocated.
//!
//! - [`batch`]: record batch v2 (check, view, build, rewrite the base offset).
//! - [`records`], [`metadata`]: every metadata record type, the [`MetadataRecord`] enum and its
//!   frame ([`encode_frame`], [`decode_frame`]).
//! - [`control`]: control records ([`ControlRecord`]) in control batches.
//! - [`log_record`]: a whole batch decoded record by record ([`records_of`]).
//! - [`uuid`]: Kafka's [`Uuid`].
//! - [`json`]: records as Kafka's tools print them.
//! - [`codec`], [`message`], [`varint`], [`sample`]: the building blocks.
#![deny(missing_docs)]

#[macro_use]
pub mod message;
pub mod batch;
pub mod codec;
pub mod control;
pub mod json;
pub mod log_record;
pub mod metadata;
pub mod records;
pub mod sample;
pub mod uuid;
pub mod varint;

pub use batch::{
    check_batch, set_base_offset, BatchBuilder, BatchError, BatchHeader, BatchView, RecordView,
    Records, Scan,
};
pub use codec::{DecodeError, EncodeError, RawTaggedField};
pub use control::{ControlError, ControlRecord, ControlRecordType};
pub use log_record::{push_control, push_metadata, records_of, LogRecord, LogRecordError};
pub use message::ApiMessage;
pub use metadata::{
    decode_frame, encode_frame, latest_version, MetadataRecord, RecordError, API_KEYS,
};
pub use records::*;
pub use uuid::{Uuid, UuidParseError, METADATA_TOPIC_ID};
