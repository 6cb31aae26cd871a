//! Every metadata record type Kafka defines for `__cluster_metadata` (keys 0-29; 6, 13 and 16 are
//! unused), each declared once with [`record!`](crate::message) from the fields, versions, tags
//! and defaults of Kafka's `metadata/src/main/resources/common/metadata/*.json`.

mod brokers;
mod cluster;
mod security;
mod topics;

pub use brokers::*;
pub use cluster::*;
pub use security::*;
pub use topics::*;
