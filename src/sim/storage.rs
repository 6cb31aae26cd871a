//! The simulated nodes' storage: either the engine's in-memory twins ([`MemLog`], [`MemStore`])
//! or production's [`DiskLog`] and [`FileQuorumStateStore`] over a per-node [`MemFs`]. A crash
//! of a disk-backed node is a power cut of its `MemFs` (unsynced bytes and directory entries are
//! lost, sometimes leaving a torn tail), after which the log is reopened and recovered from the
//! same files exactly as a restarted process would.
//!
//! Owns the dispatch between the two kinds ([`SimLog`], [`SimStore`]) and what the simulator
//! reads from a log beyond [`RaftLog`]: its batches and snapshots, for the invariant checks and
//! for taking snapshots.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use yakt_log::{FileSystem, LogConfig, MemFs};
use yakt_wire::batch::{check_batch, Scan};

use crate::raft::log::{AppendInfo, LogError, RaftLog};
use crate::raft::store::{ElectionState, QuorumStateStore, StoreError};
use crate::raft::{MemLog, MemStore, OffsetAndEpoch};
use crate::storage::{DiskLog, FileQuorumStateStore};

/// Where a simulated node keeps its log and election state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// [`MemLog`] and [`MemStore`].
    Mem,
    /// [`DiskLog`] and [`FileQuorumStateStore`] on an in-memory file system.
    Disk,
}

/// The partition directory of a disk-backed node, inside its own `MemFs`.
const PARTITION_DIR: &str = "/metadata/__cluster_metadata-0";

/// Segments of `segment_bytes`; no retention, so a snapshot always lets the segments below it
/// go.
fn log_config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        retention_bytes: 0,
        ..LogConfig::default()
    }
}

/// A batch as the simulator reads it: base offset, last offset, epoch and bytes.
pub type SimBatch = (i64, i64, i32, Bytes);

/// A simulated node's log.
#[derive(Debug)]
pub enum SimLog {
    /// In memory.
    Mem(MemLog),
    /// yakt-log on a `MemFs`.
    Disk(Box<DiskLog>),
}

/// A simulated node's election-state store.
#[derive(Debug)]
pub enum SimStore {
    /// In memory.
    Mem(MemStore),
    /// The `quorum-state` file on a `MemFs`.
    Disk(FileQuorumStateStore),
}

/// The durable side of one node: what a crash keeps.
#[derive(Debug)]
pub struct NodeStorage {
    fs: Option<MemFs>,
    kraft_version: i16,
    segment_bytes: u64,
}

impl NodeStorage {
    /// Storage of kind `storage` for a node of a quorum at `kraft_version`; a disk-backed log
    /// rolls segments at `segment_bytes`.
    pub fn new(storage: Storage, kraft_version: i16, segment_bytes: u64) -> NodeStorage {
        NodeStorage {
            fs: (storage == Storage::Disk).then(MemFs::new),
            kraft_version,
            segment_bytes,
        }
    }

    /// A fresh log and store (a formatted, empty node).
    pub fn open(&self) -> Result<(SimLog, SimStore), String> {
        let Some(fs) = &self.fs else {
            return Ok((SimLog::Mem(MemLog::new()), SimStore::Mem(MemStore::new())));
        };
        let fs: Arc<dyn FileSystem> = Arc::new(fs.clone());
        let dir = Path::new(PARTITION_DIR);
        let log = DiskLog::open(Arc::clone(&fs), dir, log_config(self.segment_bytes))
            .map_err(|e| format!("cannot open the log: {e}"))?;
        let store = FileQuorumStateStore::new(fs, dir, self.kraft_version);
        Ok((SimLog::Disk(Box::new(log)), SimStore::Disk(store)))
    }

    /// A power cut: what was not made durable is lost (keeping up to `torn_bytes` of each
    /// file's unsynced tail), and the survivors are what a restart recovers.
    pub fn crash(
        &self,
        log: SimLog,
        store: SimStore,
        torn_bytes: usize,
    ) -> Result<(SimLog, SimStore), String> {
        match (log, &self.fs) {
            (SimLog::Mem(mut log), _) => {
                log.crash();
                Ok((SimLog::Mem(log), store))
            }
            (SimLog::Disk(log), Some(fs)) => {
                drop((log, store));
                fs.crash_tearing(torn_bytes);
                self.open()
            }
            (SimLog::Disk(_), None) => Err("a disk log without a file system".into()),
        }
    }

    /// Whether this node runs on the file system.
    pub fn is_disk(&self) -> bool {
        self.fs.is_some()
    }
}

impl SimLog {
    /// The batches holding offsets `>= offset`, in order (nothing at or past the log end).
    pub fn batches_from(&self, offset: i64) -> Batches<'_> {
        match self {
            SimLog::Mem(log) => Batches::Mem(Box::new(
                log.batches_from(offset)
                    .map(|(base, last, epoch, bytes)| Ok((base, last, epoch, bytes.clone()))),
            )),
            SimLog::Disk(log) => Batches::Disk {
                next: offset.max(log.log_start_offset()),
                log,
                buffer: Bytes::new(),
                first: true,
            },
        }
    }

    /// The whole of frozen snapshot `id`, if present.
    pub fn snapshot(&self, id: OffsetAndEpoch) -> Result<Option<Bytes>, String> {
        match self {
            SimLog::Mem(log) => Ok(log.snapshot(id).cloned()),
            SimLog::Disk(log) => {
                let Some(size) = log.snapshot_size(id) else {
                    return Ok(None);
                };
                let size = usize::try_from(size).map_err(|e| e.to_string())?;
                log.read_snapshot(id, 0, size)
                    .map(Some)
                    .map_err(|e| format!("snapshot {id}: {e}"))
            }
        }
    }

    /// Stores `bytes` (framed batches) as frozen snapshot `id`.
    pub fn create_snapshot(&mut self, id: OffsetAndEpoch, bytes: Bytes) -> Result<(), LogError> {
        match self {
            SimLog::Mem(log) => log.create_snapshot(id, bytes),
            SimLog::Disk(log) => log.create_snapshot(id, &bytes),
        }
    }

    /// Drops what the latest snapshot makes redundant (all of it in memory, whole segments on
    /// disk, judged at `now_ms`); returns whether anything changed.
    pub fn delete_before_latest_snapshot(&mut self, now_ms: i64) -> Result<bool, LogError> {
        match self {
            SimLog::Mem(log) => Ok(log.delete_before_latest_snapshot()),
            SimLog::Disk(log) => log.delete_before_latest_snapshot(now_ms),
        }
    }
}

/// The batches of a [`SimLog`] from an offset on.
pub enum Batches<'a> {
    /// Borrowed from a `MemLog`.
    Mem(Box<dyn Iterator<Item = Result<SimBatch, String>> + 'a>),
    /// Read from a `DiskLog`, a read at a time.
    Disk {
        /// The log.
        log: &'a DiskLog,
        /// The offset after the batches read so far.
        next: i64,
        /// Read but not yet returned.
        buffer: Bytes,
        /// No read made yet.
        first: bool,
    },
}

impl Iterator for Batches<'_> {
    type Item = Result<SimBatch, String>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Batches::Mem(iter) => iter.next(),
            Batches::Disk {
                log,
                next,
                buffer,
                first,
            } => {
                if buffer.is_empty() {
                    if *next >= log.log_end_offset() {
                        return None;
                    }
                    // The first read takes one batch (often all a check needs), later ones more.
                    let max_bytes = if *first { 1 } else { 16 * 1024 };
                    *first = false;
                    match log.read(*next, max_bytes) {
                        Ok(bytes) if bytes.is_empty() => return None,
                        Ok(bytes) => *buffer = bytes,
                        Err(error) => return Some(Err(format!("read at {next}: {error}"))),
                    }
                }
                let header = match check_batch(buffer, usize::MAX >> 1) {
                    Ok(Scan::Batch(header)) => header,
                    other => return Some(Err(format!("bad batch at {next}: {other:?}"))),
                };
                let batch = buffer.split_to(header.size_in_bytes());
                *next = header.last_offset() + 1;
                Some(Ok((
                    header.base_offset,
                    header.last_offset(),
                    header.partition_leader_epoch,
                    batch,
                )))
            }
        }
    }
}

macro_rules! each_log {
    ($self:expr, $log:ident => $body:expr) => {
        match $self {
            SimLog::Mem($log) => $body,
            SimLog::Disk($log) => $body,
        }
    };
}

impl RaftLog for SimLog {
    fn log_start_offset(&self) -> i64 {
        each_log!(self, log => log.log_start_offset())
    }

    fn log_end_offset(&self) -> i64 {
        each_log!(self, log => log.log_end_offset())
    }

    fn last_fetched_epoch(&self) -> i32 {
        each_log!(self, log => log.last_fetched_epoch())
    }

    fn end_offset_for_epoch(&self, epoch: i32) -> OffsetAndEpoch {
        each_log!(self, log => log.end_offset_for_epoch(epoch))
    }

    fn flushed_offset(&self) -> i64 {
        each_log!(self, log => log.flushed_offset())
    }

    fn read(&self, from_offset: i64, max_bytes: usize) -> Result<Bytes, LogError> {
        each_log!(self, log => log.read(from_offset, max_bytes))
    }

    fn append_as_leader(&mut self, batch: Bytes, epoch: i32) -> Result<AppendInfo, LogError> {
        each_log!(self, log => log.append_as_leader(batch, epoch))
    }

    fn append_as_follower(&mut self, batches: Bytes) -> Result<Option<AppendInfo>, LogError> {
        each_log!(self, log => log.append_as_follower(batches))
    }

    fn truncate_to(&mut self, offset: i64) -> Result<(), LogError> {
        each_log!(self, log => log.truncate_to(offset))
    }

    fn flush(&mut self) -> Result<i64, LogError> {
        each_log!(self, log => log.flush())
    }

    fn latest_snapshot_id(&self) -> Option<OffsetAndEpoch> {
        each_log!(self, log => log.latest_snapshot_id())
    }

    fn earliest_snapshot_id(&self) -> Option<OffsetAndEpoch> {
        each_log!(self, log => log.earliest_snapshot_id())
    }

    fn snapshot_size(&self, id: OffsetAndEpoch) -> Option<u64> {
        each_log!(self, log => log.snapshot_size(id))
    }

    fn read_snapshot(
        &self,
        id: OffsetAndEpoch,
        position: u64,
        max_bytes: usize,
    ) -> Result<Bytes, LogError> {
        each_log!(self, log => log.read_snapshot(id, position, max_bytes))
    }

    fn write_snapshot_chunk(
        &mut self,
        id: OffsetAndEpoch,
        position: u64,
        bytes: &[u8],
    ) -> Result<(), LogError> {
        each_log!(self, log => log.write_snapshot_chunk(id, position, bytes))
    }

    fn complete_snapshot(&mut self, id: OffsetAndEpoch) -> Result<(), LogError> {
        each_log!(self, log => log.complete_snapshot(id))
    }

    fn snapshot_created(&mut self, id: OffsetAndEpoch) {
        each_log!(self, log => log.snapshot_created(id))
    }
}

impl QuorumStateStore for SimStore {
    fn read(&self) -> Result<Option<ElectionState>, StoreError> {
        match self {
            SimStore::Mem(store) => store.read(),
            SimStore::Disk(store) => store.read(),
        }
    }

    fn write(&mut self, state: &ElectionState) -> Result<(), StoreError> {
        match self {
            SimStore::Mem(store) => store.write(state),
            SimStore::Disk(store) => store.write(state),
        }
    }
}
