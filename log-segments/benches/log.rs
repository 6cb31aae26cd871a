//! Log benchmarks on the real file system (under the target directory, not a tmpfs):
//! append + fdatasync of small batches next to a bare fdatasync, appends without sync, reads
//! from mapped sealed segments, and recovery (open) time.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use yakt_log::{Log, LogConfig, RealFs};
use yakt_wire::batch::BatchBuilder;

fn small_batch(records: usize) -> bytes::Bytes {
    let mut b = BatchBuilder::new(0, 0, 1_700_000_000_000);
    for _ in 0..records {
        b.push(None, Some(&[7u8; 40]));
    }
    b.build()
}

fn bench_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir")
}

fn open(dir: &Path, config: LogConfig) -> Log {
    Log::open(Arc::new(RealFs), &dir.join("__cluster_metadata-0"), config).expect("open")
}

fn durability(c: &mut Criterion) {
    let mut group = c.benchmark_group("durability");
    let tmp = bench_dir();
    let path = tmp.path().join("bare");
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let payload = small_batch(1);
    let mut position = 0u64;
    group.bench_function("bare_pwrite_fdatasync_1_record", |b| {
        b.iter(|| {
            file.write_all_at(&payload, position).unwrap();
            file.sync_data().unwrap();
            position += payload.len() as u64;
        })
    });
    let mut log = open(tmp.path(), LogConfig::default());
    for records in [1, 10] {
        let batch = small_batch(records);
        group.bench_function(format!("append_flush_{records}_records"), |b| {
            b.iter(|| {
                log.append_as_leader(&batch, 1).unwrap();
                log.flush().unwrap();
            })
        });
    }
    group.finish();
}

fn append_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    let tmp = bench_dir();
    let mut log = open(tmp.path(), LogConfig::default());
    let batch = small_batch(10);
    group.throughput(Throughput::Bytes(batch.len() as u64));
    group.bench_function("append_10_records_no_sync", |b| {
        b.iter(|| log.append_as_leader(&batch, 1).unwrap())
    });
    group.finish();
}

/// A log of `total_bytes` in 16 MiB sealed segments, closed.
fn filled(dir: &Path, total_bytes: usize) -> LogConfig {
    let config = LogConfig {
        segment_bytes: 16 << 20,
        ..LogConfig::default()
    };
    let mut log = open(dir, config.clone());
    let batch = small_batch(100);
    for _ in 0..total_bytes / batch.len() {
        log.append_as_leader(&batch, 1).unwrap();
    }
    log.close().unwrap();
    config
}

fn reads_and_recovery(c: &mut Criterion) {
    let tmp = bench_dir();
    let total = 128 << 20;
    let config = filled(tmp.path(), total);
    let log = open(tmp.path(), config.clone());
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Bytes(1 << 20));
    let end = log.log_end_offset();
    let batch_bytes = small_batch(100).len();
    let mut offset = 0;
    group.bench_function("mapped_read_1_MiB", |b| {
        b.iter(|| {
            let bytes = log.read(offset, 1 << 20).unwrap();
            offset += (bytes.len() / batch_bytes) as i64 * 100;
            if offset >= end {
                offset = 0;
            }
            bytes
        })
    });
    group.finish();
    drop(log);
    let mut group = c.benchmark_group("recovery");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("open_128_MiB", |b| {
        b.iter_batched(
            || (),
            |()| open(tmp.path(), config.clone()),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, durability, append_throughput, reads_and_recovery);
criterion_main!(benches);
