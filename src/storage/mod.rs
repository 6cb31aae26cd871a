//! The raft engine's storage, on yakt-log: [`DiskLog`] is the engine's [`RaftLog`] over the
//! `__cluster_metadata-0` log and its snapshots, and [`FileQuorumStateStore`] its
//! [`QuorumStateStore`] over the `quorum-state` file.
//!
//! Owns the translation between the engine's vocabulary (offsets and epochs, typed log errors)
//! and yakt-log's, and nothing else: every rule about what to append, truncate or flush is the
//! engine's. Both go through yakt-log's file-system seam, so the simulator can run them on the
//! in-memory file system.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use yakt_log::fs::{FileSystem, OpenMode};
use yakt_log::snapshot::{self, SnapshotId, SnapshotWriter};
use yakt_log::state::{self, QuorumState};
use yakt_log::{Log, LogConfig};
use yakt_wire::Uuid;

use crate::raft::log::{AppendInfo, LogError, RaftLog};
use crate::raft::store::{ElectionState, QuorumStateStore, StoreError};
use crate::raft::types::OffsetAndEpoch;

fn storage(error: impl std::fmt::Display) -> LogError {
    LogError::Storage(error.to_string())
}

fn to_id(id: OffsetAndEpoch) -> SnapshotId {
    SnapshotId {
        end_offset: id.offset,
        epoch: id.epoch,
    }
}

fn from_id(id: SnapshotId) -> OffsetAndEpoch {
    OffsetAndEpoch::new(id.end_offset, id.epoch)
}

/// The engine's log: yakt-log's [`Log`] plus the partition directory's snapshots.
#[derive(Debug)]
pub struct DiskLog {
    log: Log,
    fs: Arc<dyn FileSystem>,
    dir: PathBuf,
    /// Finished snapshots, ascending.
    snapshots: Vec<SnapshotId>,
    /// A snapshot being fetched from the leader, and the bytes received so far (no writer when
    /// the snapshot is already here: the same id has the same content, so the bytes are dropped).
    incoming: Option<(SnapshotId, Option<SnapshotWriter>, u64)>,
}

impl DiskLog {
    /// Opens (recovering) the log in `partition_dir` and lists its snapshots; partial
    /// snapshots left by a crash are removed.
    pub fn open(
        fs: Arc<dyn FileSystem>,
        partition_dir: &Path,
        config: LogConfig,
    ) -> yakt_log::Result<DiskLog> {
        fs.create_dir_all(partition_dir)
            .map_err(|source| yakt_log::LogError::Io {
                path: partition_dir.to_path_buf(),
                source,
            })?;
        snapshot::remove_partial(&*fs, partition_dir)?;
        let log = Log::open(Arc::clone(&fs), partition_dir, config)?;
        let snapshots = snapshot::list_snapshots(&*fs, partition_dir)?;
        Ok(DiskLog {
            log,
            fs,
            dir: partition_dir.to_path_buf(),
            snapshots,
            incoming: None,
        })
    }

    /// The underlying log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// Writes `bytes` (framed batches, as the state machine produced them) as the frozen
    /// snapshot `id`, which must lie within the log.
    pub fn create_snapshot(&mut self, id: OffsetAndEpoch, bytes: &[u8]) -> Result<(), LogError> {
        let (start, end) = (self.log.log_start_offset(), self.log.log_end_offset());
        let sid = to_id(id);
        if !(start..=end).contains(&id.offset)
            || self.snapshots.contains(&sid)
            || matches!(&self.incoming, Some((current, _, _)) if *current == sid)
        {
            return Err(LogError::Snapshot(format!(
                "cannot create snapshot {id} in the log [{start}, {end}]"
            )));
        }
        let mut writer =
            SnapshotWriter::create_raw(Arc::clone(&self.fs), &self.dir, sid).map_err(storage)?;
        writer.append_raw(bytes).map_err(storage)?;
        writer.freeze().map_err(storage)?;
        self.snapshots.push(sid);
        self.snapshots.sort();
        Ok(())
    }

    /// Kafka's `deleteBeforeSnapshot`: deletes the segments wholly below the latest snapshot
    /// (as far as retention allows, judged at `now_ms`), then the snapshots behind the new log
    /// start. True when a segment was deleted. Only a flushed snapshot end counts.
    pub fn delete_before_latest_snapshot(&mut self, now_ms: i64) -> Result<bool, LogError> {
        let Some(latest) = self.latest() else {
            return Ok(false);
        };
        if latest.end_offset > self.log.flushed_offset() {
            return Ok(false);
        }
        let bytes = self.snapshot_size(from_id(latest)).unwrap_or(0);
        let deleted = self
            .log
            .delete_segments_below_snapshot(latest.end_offset, bytes, now_ms)
            .map_err(storage)?;
        let gone =
            snapshot::delete_snapshots_below(&*self.fs, &self.dir, self.log.log_start_offset())
                .map_err(storage)?;
        self.snapshots.retain(|id| !gone.contains(id));
        Ok(deleted > 0)
    }

    fn latest(&self) -> Option<SnapshotId> {
        self.snapshots.last().copied()
    }

    fn snapshot_path(&self, id: SnapshotId) -> PathBuf {
        self.dir.join(id.file_name(snapshot::SNAPSHOT_SUFFIX))
    }
}

impl RaftLog for DiskLog {
    fn log_start_offset(&self) -> i64 {
        self.log.log_start_offset()
    }

    fn log_end_offset(&self) -> i64 {
        self.log.log_end_offset()
    }

    fn last_fetched_epoch(&self) -> i32 {
        // Only a snapshot id can fail here, and those were listed at open.
        self.log.last_fetched_epoch(self.latest()).unwrap_or(0)
    }

    fn end_offset_for_epoch(&self, epoch: i32) -> OffsetAndEpoch {
        let earliest = self.snapshots.first().copied();
        match self
            .log
            .end_offset_for_epoch_with_snapshots(epoch, earliest, self.latest())
        {
            Ok((epoch, offset)) => OffsetAndEpoch::new(offset, epoch),
            Err(_) => OffsetAndEpoch::new(self.log.log_end_offset(), self.last_fetched_epoch()),
        }
    }

    fn flushed_offset(&self) -> i64 {
        self.log.flushed_offset()
    }

    fn read(&self, from_offset: i64, max_bytes: usize) -> Result<Bytes, LogError> {
        let (start, end) = (self.log.log_start_offset(), self.log.log_end_offset());
        if !(start..=end).contains(&from_offset) {
            return Err(LogError::OffsetOutOfRange {
                offset: from_offset,
                start,
                end,
            });
        }
        self.log.read(from_offset, max_bytes).map_err(storage)
    }

    fn append_as_leader(&mut self, batch: Bytes, epoch: i32) -> Result<AppendInfo, LogError> {
        let info = self.log.append_as_leader(&batch, epoch).map_err(classify)?;
        Ok(AppendInfo {
            first_offset: info.first_offset,
            last_offset: info.last_offset,
        })
    }

    fn append_as_follower(&mut self, batches: Bytes) -> Result<Option<AppendInfo>, LogError> {
        let info = self.log.append_as_follower(&batches).map_err(classify)?;
        Ok(info.map(|info| AppendInfo {
            first_offset: info.first_offset,
            last_offset: info.last_offset,
        }))
    }

    fn truncate_to(&mut self, offset: i64) -> Result<(), LogError> {
        self.log.truncate_to(offset).map_err(storage)
    }

    fn flush(&mut self) -> Result<i64, LogError> {
        self.log.flush().map_err(storage)?;
        Ok(self.log.flushed_offset())
    }

    fn latest_snapshot_id(&self) -> Option<OffsetAndEpoch> {
        self.latest().map(from_id)
    }

    fn earliest_snapshot_id(&self) -> Option<OffsetAndEpoch> {
        self.snapshots.first().copied().map(from_id)
    }

    fn snapshot_size(&self, id: OffsetAndEpoch) -> Option<u64> {
        let id = to_id(id);
        if !self.snapshots.contains(&id) {
            return None;
        }
        let file = self.fs.open(&self.snapshot_path(id), OpenMode::Read).ok()?;
        file.len().ok()
    }

    fn read_snapshot(
        &self,
        id: OffsetAndEpoch,
        position: u64,
        max_bytes: usize,
    ) -> Result<Bytes, LogError> {
        let size = self
            .snapshot_size(id)
            .ok_or_else(|| LogError::Snapshot(format!("no snapshot {}-{}", id.offset, id.epoch)))?;
        if position > size {
            return Err(LogError::Snapshot(format!(
                "position {position} is past the size {size}"
            )));
        }
        let length = (size - position).min(max_bytes as u64) as usize;
        let file = self
            .fs
            .open(&self.snapshot_path(to_id(id)), OpenMode::Read)
            .map_err(storage)?;
        let mut buf = vec![0u8; length];
        file.read_exact_at(&mut buf, position).map_err(storage)?;
        Ok(Bytes::from(buf))
    }

    fn write_snapshot_chunk(
        &mut self,
        id: OffsetAndEpoch,
        position: u64,
        bytes: &[u8],
    ) -> Result<(), LogError> {
        let id = to_id(id);
        let restart = position == 0
            || !matches!(&self.incoming, Some((current, _, written)) if *current == id && *written == position);
        if restart {
            if position != 0 {
                return Err(LogError::Snapshot(format!(
                    "chunk at {position} of snapshot {}-{} that is not being fetched there",
                    id.end_offset, id.epoch
                )));
            }
            if let Some((_, Some(writer), _)) = self.incoming.take() {
                writer.abort().map_err(storage)?;
            }
            let writer = if self.snapshots.contains(&id) {
                None
            } else {
                Some(
                    SnapshotWriter::create_raw(Arc::clone(&self.fs), &self.dir, id)
                        .map_err(storage)?,
                )
            };
            self.incoming = Some((id, writer, 0));
        }
        let (_, writer, written) = self.incoming.as_mut().expect("set above");
        if let Some(writer) = writer {
            writer.append_raw(bytes).map_err(storage)?;
        }
        *written += bytes.len() as u64;
        Ok(())
    }

    fn complete_snapshot(&mut self, id: OffsetAndEpoch) -> Result<(), LogError> {
        let id = to_id(id);
        match self.incoming.take() {
            Some((current, writer, _)) if current == id => {
                if let Some(writer) = writer {
                    writer.freeze().map_err(storage)?;
                }
            }
            other => {
                self.incoming = other;
                return Err(LogError::Snapshot(format!(
                    "snapshot {}-{} is not being fetched",
                    id.end_offset, id.epoch
                )));
            }
        }
        if !self.snapshots.contains(&id) {
            self.snapshots.push(id);
            self.snapshots.sort();
        }
        self.log
            .truncate_fully_and_start_at(id.end_offset)
            .map_err(storage)?;
        // As Kafka's truncateToLatestSnapshot: the older snapshots go with the log, so the
        // earliest snapshot is the one the log starts at.
        let gone = snapshot::delete_snapshots_below(&*self.fs, &self.dir, id.end_offset)
            .map_err(storage)?;
        self.snapshots.retain(|s| !gone.contains(s));
        Ok(())
    }

    fn clean(&mut self, now_ms: i64) -> Result<(), LogError> {
        self.delete_before_latest_snapshot(now_ms).map(|_| ())
    }

    fn snapshot_created(&mut self, id: OffsetAndEpoch) {
        let id = to_id(id);
        if !self.snapshots.contains(&id) {
            self.snapshots.push(id);
            self.snapshots.sort();
        }
    }
}

/// Records from a peer that do not fit the log are that request's problem; anything else is
/// the storage's.
fn classify(error: yakt_log::LogError) -> LogError {
    if error.is_fatal() {
        storage(error)
    } else {
        LogError::InvalidRecords(error.to_string())
    }
}

/// The `quorum-state` file, written tmp + fsync + rename + directory fsync by yakt-log.
#[derive(Debug)]
pub struct FileQuorumStateStore {
    fs: Arc<dyn FileSystem>,
    dir: PathBuf,
    /// kraft.version: 0 writes data_version 0 (with the voters), 1 writes data_version 1.
    kraft_version: i16,
}

impl FileQuorumStateStore {
    /// The store in `partition_dir` for a quorum at `kraft_version`.
    pub fn new(fs: Arc<dyn FileSystem>, partition_dir: &Path, kraft_version: i16) -> Self {
        Self {
            fs,
            dir: partition_dir.to_path_buf(),
            kraft_version,
        }
    }
}

impl QuorumStateStore for FileQuorumStateStore {
    fn read(&self) -> Result<Option<ElectionState>, StoreError> {
        let state = state::read_quorum_state(&*self.fs, &self.dir)
            .map_err(|e| StoreError(e.to_string()))?;
        Ok(state.map(|s| ElectionState {
            epoch: s.leader_epoch,
            leader_id: (s.leader_id >= 0).then_some(s.leader_id),
            voted: (s.voted_id >= 0).then_some((s.voted_id, s.voted_directory_id)),
            voters: s
                .current_voters
                .unwrap_or_default()
                .into_iter()
                .collect::<BTreeSet<_>>(),
        }))
    }

    fn write(&mut self, election: &ElectionState) -> Result<(), StoreError> {
        let (voted_id, voted_directory_id) = election.voted.unwrap_or((-1, Uuid::ZERO));
        let quorum_state = QuorumState {
            leader_id: election.leader_id.unwrap_or(-1),
            leader_epoch: election.epoch,
            voted_id,
            voted_directory_id,
            current_voters: (self.kraft_version == 0)
                .then(|| election.voters.iter().copied().collect()),
            data_version: self.kraft_version.min(1),
        };
        state::write_quorum_state(&*self.fs, &self.dir, &quorum_state)
            .map_err(|e| StoreError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yakt_log::MemFs;

    fn election(voted: Option<(i32, Uuid)>) -> ElectionState {
        ElectionState {
            epoch: 7,
            leader_id: Some(2),
            voted,
            voters: [1, 2, 3].into(),
        }
    }

    #[test]
    fn kraft_version_0_writes_kafkas_data_version_0_with_the_voters() {
        let fs: Arc<dyn FileSystem> = Arc::new(MemFs::new());
        let dir = Path::new("/m/__cluster_metadata-0");
        fs.create_dir_all(dir).unwrap();
        let mut store = FileQuorumStateStore::new(Arc::clone(&fs), dir, 0);
        assert_eq!(store.read().unwrap(), None);
        let state = election(Some((2, Uuid::ZERO)));
        store.write(&state).unwrap();
        assert_eq!(store.read().unwrap(), Some(state));
        let text = String::from_utf8(fs.read(&dir.join("quorum-state")).unwrap()).unwrap();
        assert_eq!(
            text.trim_end(),
            r#"{"clusterId":"","leaderId":2,"leaderEpoch":7,"votedId":2,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0}"#
        );
    }

    #[test]
    fn kraft_version_1_writes_data_version_1_with_the_voted_directory() {
        let fs: Arc<dyn FileSystem> = Arc::new(MemFs::new());
        let dir = Path::new("/m/__cluster_metadata-0");
        fs.create_dir_all(dir).unwrap();
        let mut store = FileQuorumStateStore::new(Arc::clone(&fs), dir, 1);
        let directory: Uuid = "sxFqjnTjTfeIpuNVGAzNpw".parse().unwrap();
        store.write(&election(Some((3, directory)))).unwrap();
        let read = store.read().unwrap().unwrap();
        assert_eq!(
            (read.epoch, read.leader_id, read.voted),
            (7, Some(2), Some((3, directory)))
        );
        assert!(read.voters.is_empty(), "data_version 1 keeps no voters");
        let text = String::from_utf8(fs.read(&dir.join("quorum-state")).unwrap()).unwrap();
        assert_eq!(
            text.trim_end(),
            r#"{"leaderId":2,"leaderEpoch":7,"votedId":3,"votedDirectoryId":"sxFqjnTjTfeIpuNVGAzNpw","data_version":1}"#
        );
    }
}
