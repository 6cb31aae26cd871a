//! yakt-log: the durable home of `__cluster_metadata`, byte-compatible with Kafka's log
//! directory (segments, indexes, snapshots, small state files).
//!
//! Every file operation goes through the [`fs::FileSystem`] seam, so the same code runs on the
//! real file system ([`fs::RealFs`]) and on the fault-injecting [`memfs::MemFs`].
//! Errors come in two tiers; [`LogError::is_fatal`] marks those after which the node must stop
//! (a failed fsync, corruption of flushed data).
#![deny(missing_docs)]

pub mod control;
pub mod dump;
pub mod durable;
pub mod epoch_cache;
pub mod error;
pub mod format;
pub mod fs;
pub mod index;
pub mod lock;
pub mod log;
pub mod memfs;
pub mod partition_files;
pub mod properties;
pub mod segment;
pub mod snapshot;
pub mod state;

pub use error::{LogError, Result};
pub use fs::{FileSystem, RealFs};
pub use log::{AppendInfo, Log, LogConfig};
pub use memfs::MemFs;
