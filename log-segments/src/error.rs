//! The crate's error type, in two tiers: errors the caller can handle (an offset out of range, a
//! malformed file it may choose to ignore) and fatal ones ([`LogError::is_fatal`]): a failed
//! fsync or corruption of data that was known durable. After a fatal error the node must stop;
//! the log's state on disk can no longer be trusted to match what it acknowledged.

use std::io;
use std::path::PathBuf;

use yakt_wire::batch::BatchError;

/// What went wrong in the log, its snapshots or its state files.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// An I/O call failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// `fsync`/`fdatasync` failed: what was written may or may not be durable. Fatal.
    #[error("fsync of {path} failed: {source}; durability is unknown, the node must stop")]
    SyncFailed {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Data below the recorded recovery point (known durable) is corrupt or missing. Fatal.
    #[error(
        "corruption in durable data: {path} at byte {position} (offset {offset}) is below the \
         recovery point {recovery_point}: {reason}; refusing to cut flushed records"
    )]
    CorruptDurableData {
        /// The segment file.
        path: PathBuf,
        /// Byte position in the file.
        position: u64,
        /// The first offset affected.
        offset: i64,
        /// The recorded recovery point.
        recovery_point: i64,
        /// What was found.
        reason: String,
    },
    /// A file's contents do not parse.
    #[error("malformed {path}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `partition.metadata` names another topic.
    #[error("{path} has topic id {found}, expected the metadata topic id {expected}")]
    TopicIdMismatch {
        /// The file.
        path: PathBuf,
        /// The id found.
        found: String,
        /// The id expected.
        expected: String,
    },
    /// A read or truncation asked for an offset outside the log.
    #[error("offset {offset} is outside the log [{log_start_offset}, {log_end_offset}]")]
    OffsetOutOfRange {
        /// The offset asked for.
        offset: i64,
        /// The log start offset.
        log_start_offset: i64,
        /// The log end offset.
        log_end_offset: i64,
    },
    /// An appended batch is invalid.
    #[error("invalid batch: {0}")]
    InvalidBatch(String),
    /// A batch from the wire failed its checks.
    #[error("invalid batch: {0}")]
    Batch(#[from] BatchError),
    /// An append would move the leader epoch backwards or offsets out of sequence.
    #[error("append out of order: {0}")]
    OutOfOrder(String),
    /// The log and its snapshots contradict each other. Fatal.
    #[error("the log and its snapshots are inconsistent: {0}")]
    Inconsistent(String),
    /// Another process holds the directory's `.lock`.
    #[error("{path} is locked by another process (a running controller, broker or tool?)")]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// The directory already holds a formatted node.
    #[error("{path} is already formatted; use --ignore-formatted to format it anyway")]
    AlreadyFormatted {
        /// The meta.properties file found.
        path: PathBuf,
    },
    /// A snapshot with this id already exists.
    #[error("snapshot {path} already exists")]
    SnapshotExists {
        /// The snapshot file.
        path: PathBuf,
    },
}

impl LogError {
    /// Whether the node must stop: a failed fsync, corruption of durable data, or a log that
    /// contradicts its snapshots.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            LogError::SyncFailed { .. }
                | LogError::CorruptDurableData { .. }
                | LogError::Inconsistent(_)
        )
    }

    pub(crate) fn malformed(path: impl Into<PathBuf>, reason: impl Into<String>) -> LogError {
        LogError::Malformed {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = LogError> = std::result::Result<T, E>;

/// Adds the path to an `io::Result`.
pub(crate) trait IoContext<T> {
    /// Maps an I/O error to [`LogError::Io`] for `path`.
    fn at(self, path: &std::path::Path) -> Result<T>;
    /// Maps an I/O error to the fatal [`LogError::SyncFailed`] for `path`.
    fn sync_at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| LogError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    fn sync_at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| LogError::SyncFailed {
            path: path.to_path_buf(),
            source,
        })
    }
}
