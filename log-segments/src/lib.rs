//! yakt-log: the durable home of `__cluster_metadata`, byte-compatible with Kafka's log
//! directory (segments, indexes, snapshots, small state files).
#![deny(missing_docs)]
