//! yakt-wire: the bytes yakt puts on the wire and in the `__cluster_metadata` log.
//!
//! It owns the metadata record types Kafka defines (which the kafka-protocol crate lacks), the
//! metadata record frame and control-record keys, record batch v2 build/parse helpers, and
//! Kafka's `Uuid`. It does no I/O and never panics on bad input: every length read from bytes is
//! checked against the bytes left before anything is allocated.
#![deny(missing_docs)]

#[macro_use]
pub mod message;
pub mod batch;
pub mod codec;
pub mod metadata;
pub mod records;
pub mod sample;
pub mod varint;

pub use batch::{
    check_batch, set_base_offset, BatchBuilder, BatchError, BatchHeader, BatchView, RecordView,
    Records, Scan,
};
pub mod uuid;

pub use crate::uuid::{Uuid, UuidParseError, METADATA_TOPIC_ID};
