//! Shared fixtures: record batches, and a log directory on the real file system or on MemFs.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use yakt_log::{FileSystem, Log, LogConfig, MemFs, RealFs};
use yakt_wire::batch::{BatchBuilder, BatchView};

/// A data batch of `records` records whose values are `tag`-derived, stamped `timestamp_ms`.
pub fn batch(records: usize, tag: u8, timestamp_ms: i64) -> Bytes {
    let mut b = BatchBuilder::new(0, 0, timestamp_ms);
    for i in 0..records {
        let value = vec![tag; 20 + i % 7];
        b.push(None, Some(&value));
    }
    b.build()
}

/// Where a test's log lives.
pub struct Env {
    pub fs: Arc<dyn FileSystem>,
    pub mem: Option<MemFs>,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Env {
    pub fn mem() -> Env {
        let mem = MemFs::new();
        Env {
            fs: Arc::new(mem.clone()),
            mem: Some(mem),
            dir: PathBuf::from("/data/__cluster_metadata-0"),
            _tmp: None,
        }
    }

    pub fn real() -> Env {
        let tmp = tempfile::tempdir().expect("tempdir");
        Env {
            fs: Arc::new(RealFs),
            mem: None,
            dir: tmp.path().join("__cluster_metadata-0"),
            _tmp: Some(tmp),
        }
    }

    pub fn open(&self, config: LogConfig) -> yakt_log::Result<Log> {
        Log::open(Arc::clone(&self.fs), &self.dir, config)
    }

    pub fn memfs(&self) -> &MemFs {
        self.mem.as_ref().expect("a MemFs environment")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// Small segments so tests roll.
pub fn small_segments(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        ..LogConfig::default()
    }
}

/// `(base offset, last offset, epoch)` of every batch in `bytes`.
pub fn batches_in(mut bytes: &[u8]) -> Vec<(i64, i64, i32)> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let view = BatchView::parse(bytes).expect("valid batch");
        let h = view.header;
        out.push((h.base_offset, h.last_offset(), h.partition_leader_epoch));
        bytes = &bytes[h.size_in_bytes()..];
    }
    out
}

/// Reads the whole log from its start as `(base, last, epoch)` triples.
pub fn read_all(log: &Log) -> Vec<(i64, i64, i32)> {
    let mut out = Vec::new();
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let bytes = log.read(offset, 1 << 20).expect("read");
        let batches = batches_in(&bytes);
        offset = batches.last().expect("a read returns a batch").1 + 1;
        out.extend(batches);
    }
    out
}

/// Appends `count` batches of `records` records at `epoch`.
pub fn fill(log: &mut Log, count: usize, records: usize, epoch: i32) {
    for i in 0..count {
        log.append_as_leader(&batch(records, i as u8, 1_000 + i as i64), epoch)
            .expect("append");
    }
}
