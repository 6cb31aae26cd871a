//! The metadata state machine of a KRaft controller, sans-IO: no sockets, no files, no
//! clock of its own. The driver feeds it committed records and requests, and it answers with
//! records to append and responses to send.
//!
//! - [`image`]: what the committed records say (features, brokers, controllers, topics,
//!   partitions, configs, producer ids, ACLs, SCRAM, quotas, delegation tokens).
//! - [`replay`]: the one path by which records change the image, with metadata
//!   transactions and the offsets the image stands at.
//! - [`error`]: the fatal tier (a committed record that does not fit).
//! - [`versions`]: the record versions a `metadata.version` implies.
//!
//! Request handlers compute `(records, response)` from the image without changing it
//! (style item 4); only [`replay::Replayer::replay`] changes it, once the records are
//! committed.

pub mod error;
pub mod image;
pub mod replay;
pub mod versions;

pub use error::{Inconsistency, ReplayError};
pub use image::MetadataImage;
pub use replay::Replayer;
