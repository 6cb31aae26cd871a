//! Oracles for what yakt-log reads back from disk: a snapshot file, and a log directory whose
//! segment (and index, recovery point and leader-epoch checkpoint) hold arbitrary bytes, on the
//! MemFs seam. Any bytes give a typed error, a checked snapshot or a log recovered to a prefix
//! of its batches, never a panic; what a read allocates stays proportional to the bytes read; a
//! snapshot that reads back is rewritten to one that reads back the same; recovery is
//! idempotent and the recovered log takes appends. Shared by the cargo-fuzz targets in
//! `log-segments/fuzz/` and the stable-Rust test `log-segments/tests/fuzz_recovery.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yakt_log::partition_files::RECOVERY_POINT_CHECKPOINT;
use yakt_log::snapshot::{read_snapshot_file, SnapshotId, SnapshotWriter};
use yakt_log::{FileSystem, Log, LogConfig, MemFs};
use yakt_wire::batch::{
    check_batch, BatchBuilder, Scan, BATCH_HEADER_LEN, CRC_START, LOG_OVERHEAD,
};

/// Bytes a read may allocate per input byte (a record's `Bytes` handle is larger than its
/// smallest encoding) and in all.
pub const ALLOCATION_PER_INPUT_BYTE: usize = 256;
/// See [`ALLOCATION_PER_INPUT_BYTE`].
pub const ALLOCATION_FIXED: usize = 256 * 1024;

const DIR: &str = "/data/__cluster_metadata-0";
const SEGMENT: &str = "00000000000000000000.log";
const INDEX: &str = "00000000000000000000.index";
const TIME_INDEX: &str = "00000000000000000000.timeindex";
const EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";

fn dir() -> PathBuf {
    PathBuf::from(DIR)
}

/// Gives every whole batch in `bytes` a correct CRC-32C, walking batch by batch by their declared
/// lengths, so the input reaches what lies behind the checksum.
pub fn fix_crcs(bytes: &mut [u8]) {
    let mut position = 0usize;
    while bytes.len() - position >= BATCH_HEADER_LEN {
        let at = &mut bytes[position..];
        let declared = i32::from_be_bytes([at[8], at[9], at[10], at[11]]);
        let Some(size) = usize::try_from(declared)
            .ok()
            .and_then(|d| d.checked_add(LOG_OVERHEAD))
            .filter(|size| (BATCH_HEADER_LEN..=at.len()).contains(size))
        else {
            return;
        };
        let crc = crc32c::crc32c(&at[CRC_START..size]);
        at[17..21].copy_from_slice(&crc.to_be_bytes());
        position += size;
    }
}

/// Reads `bytes` as a snapshot file. A snapshot that reads back is written again from what was
/// read, and that file reads back to the same records and control records. Returns whether the
/// snapshot read back.
pub fn check_snapshot(bytes: &[u8]) -> bool {
    let fs = MemFs::new();
    let dir = dir();
    fs.create_dir_all(&dir).expect("a MemFs directory");
    let id = SnapshotId {
        end_offset: 10,
        epoch: 2,
    };
    let path = dir.join(id.file_name(".checkpoint"));
    fs.put_file(&path, bytes);
    let read = crate::counting_alloc::assert_bounded(
        bytes.len(),
        ALLOCATION_PER_INPUT_BYTE,
        ALLOCATION_FIXED,
        || read_snapshot_file(&fs, &path),
    );
    let Ok(read) = read else {
        return false;
    };
    assert!(read.bytes.len() == bytes.len());
    let copy_dir = Path::new("/copy");
    fs.create_dir_all(copy_dir).expect("a MemFs directory");
    let shared: Arc<dyn FileSystem> = Arc::new(fs.clone());
    let mut writer = SnapshotWriter::create(
        shared,
        copy_dir,
        id,
        read.last_contained_log_timestamp,
        0,
        &read.control_records,
    )
    .expect("a snapshot is written on MemFs");
    writer
        .append_records(&read.records)
        .expect("records append");
    let copy = writer.freeze().expect("a snapshot freezes");
    let again = read_snapshot_file(&fs, &copy).expect("a rewritten snapshot reads back");
    assert_eq!(again.records, read.records);
    assert_eq!(again.control_records, read.control_records);
    assert_eq!(
        again.last_contained_log_timestamp,
        read.last_contained_log_timestamp
    );
    true
}

/// The files of a log directory, each possibly absent.
#[derive(Clone, Debug, Default)]
pub struct LogDir {
    /// `00000000000000000000.log`.
    pub segment: Vec<u8>,
    /// `00000000000000000000.index`.
    pub index: Option<Vec<u8>>,
    /// `00000000000000000000.timeindex`.
    pub time_index: Option<Vec<u8>>,
    /// `recovery-point-offset-checkpoint`.
    pub recovery_point: Option<Vec<u8>>,
    /// `leader-epoch-checkpoint`.
    pub epoch_checkpoint: Option<Vec<u8>>,
}

impl LogDir {
    /// The files a fuzz input describes. Its first byte's bits say which files exist (1: the
    /// segment's batches get correct CRCs, 2: `.index`, 4: `.timeindex`, 8: a recovery point,
    /// 16: a leader-epoch checkpoint, 32: the recovery point is well-formed, its offset the next
    /// byte); each present file then takes a length byte and that many bytes, in that order;
    /// the rest is the segment.
    pub fn from_fuzz_input(data: &[u8]) -> LogDir {
        let Some((&flags, mut rest)) = data.split_first() else {
            return LogDir::default();
        };
        let mut take = |present: bool| -> Option<Vec<u8>> {
            let (&len, tail) = rest.split_first().filter(|_| present)?;
            let (file, tail) = tail.split_at(usize::from(len).min(tail.len()));
            rest = tail;
            Some(file.to_vec())
        };
        let index = take(flags & 2 != 0);
        let time_index = take(flags & 4 != 0);
        let mut recovery_point = take(flags & 8 != 0);
        if flags & 32 != 0 {
            recovery_point = recovery_point.map(|raw| {
                let offset = raw.first().copied().unwrap_or(0);
                format!("0\n1\n__cluster_metadata 0 {offset}\n").into_bytes()
            });
        }
        let epoch_checkpoint = take(flags & 16 != 0);
        let mut segment = rest.to_vec();
        if flags & 1 != 0 {
            fix_crcs(&mut segment);
        }
        LogDir {
            segment,
            index,
            time_index,
            recovery_point,
            epoch_checkpoint,
        }
    }

    fn input_len(&self) -> usize {
        let len = |file: &Option<Vec<u8>>| file.as_ref().map_or(0, Vec::len);
        self.segment.len()
            + len(&self.index)
            + len(&self.time_index)
            + len(&self.recovery_point)
            + len(&self.epoch_checkpoint)
    }
}

/// Opens a log over `files`. Without a recovery point or an epoch checkpoint it must open (the
/// whole segment is unflushed tail: a bad batch is cut, never fatal); with them it may refuse
/// with a typed error. An opened log keeps a prefix of the segment made of whole batches, opens
/// again to the same state, and takes an append. Returns the recovered log's end offset, if it
/// opened.
pub fn check_recovery(files: &LogDir) -> Option<i64> {
    let fs = MemFs::new();
    let dir = dir();
    fs.create_dir_all(&dir).expect("a MemFs directory");
    fs.put_file(&dir.join(SEGMENT), &files.segment);
    for (name, file) in [
        (INDEX, &files.index),
        (TIME_INDEX, &files.time_index),
        (RECOVERY_POINT_CHECKPOINT, &files.recovery_point),
        (EPOCH_CHECKPOINT, &files.epoch_checkpoint),
    ] {
        if let Some(bytes) = file {
            fs.put_file(&dir.join(name), bytes);
        }
    }
    let shared: Arc<dyn FileSystem> = Arc::new(fs.clone());
    let opened = crate::counting_alloc::assert_bounded(
        files.input_len(),
        ALLOCATION_PER_INPUT_BYTE,
        ALLOCATION_FIXED,
        || Log::open(Arc::clone(&shared), &dir, LogConfig::default()),
    );
    let log = match opened {
        Ok(log) => log,
        Err(error) => {
            assert!(
                files.recovery_point.is_some() || files.epoch_checkpoint.is_some(),
                "a log with no flushed data refused to open: {error}"
            );
            return None;
        }
    };
    let kept = fs.contents(&dir.join(SEGMENT)).expect("the segment stays");
    assert!(
        files.segment.starts_with(&kept),
        "recovery rewrote kept bytes"
    );
    assert_eq!(log.size_in_bytes(), kept.len() as u64);
    assert_whole_batches(&kept, log.log_end_offset());
    let read = log
        .read(log.log_start_offset(), usize::MAX)
        .expect("a recovered log reads from its start");
    assert_eq!(read.len(), kept.len());

    let end = log.log_end_offset();
    let epochs = epochs_below(&log, end);
    log.close().expect("a recovered log closes");
    let mut log = Log::open(Arc::clone(&shared), &dir, LogConfig::default())
        .expect("a recovered log opens again");
    assert_eq!(log.log_end_offset(), end);
    assert_eq!(epochs_below(&log, end), epochs);
    let epoch = log.latest_epoch();
    assert_eq!(fs.contents(&dir.join(SEGMENT)).expect("the segment"), kept);

    let mut batch = BatchBuilder::new(0, 0, 0);
    batch.push(None, Some(b"after recovery"));
    let batch = batch.build();
    if let Ok(info) = log.append_as_leader(&batch, epoch.unwrap_or(0).max(0)) {
        assert_eq!(info.first_offset, end);
        assert_eq!(Some(log.log_end_offset()), end.checked_add(1));
    }
    Some(end)
}

/// The epoch entries that start below `end`. Recovery, as Kafka's `LogLoader`, truncates the
/// epoch cache from the end and then from the start, so on an empty log an entry below the log
/// start is moved up to it (= the end) and kept, and the next open drops it: only these entries
/// are the same on every open.
fn epochs_below(log: &Log, end: i64) -> Vec<(i32, i64)> {
    let entries = log.epoch_cache().entries().iter();
    entries
        .filter(|entry| entry.start_offset < end)
        .map(|entry| (entry.epoch, entry.start_offset))
        .collect()
}

/// `kept` is whole, checked batches with consecutive offsets from 0 up to `end`.
fn assert_whole_batches(kept: &[u8], end: i64) {
    let (mut position, mut next) = (0usize, 0i64);
    while position < kept.len() {
        let Ok(Scan::Batch(header)) = check_batch(&kept[position..], usize::MAX) else {
            panic!("recovery kept a bad batch at byte {position}");
        };
        assert_eq!(header.base_offset, next);
        next = header.next_offset();
        position += header.size_in_bytes();
    }
    assert_eq!(next, end);
}
