//! Recovery of a large metadata log: `Log::open` checks the CRC-32C of every batch of every
//! segment, so its time grows with the log. Driven by `scripts/bench-log-recovery`, which
//! evicts the files from the page cache between steps for the cold figures.
//!
//! Steps, one per run (`cargo bench --bench log_recovery -- <step> <dir> ...`):
//! - `fill <dir> <MiB>`: a log of that many MiB of 100-record batches, in the default 1 GiB
//!   segments, closed cleanly;
//! - `open <dir>`: the time of `Log::open` (recovery);
//! - `read <dir>`: the baseline, reading every `.log` file in 1 MiB chunks and computing its
//!   CRC-32C.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use yakt_log::{Log, LogConfig, RealFs};
use yakt_wire::batch::BatchBuilder;

fn partition(dir: &Path) -> PathBuf {
    dir.join("__cluster_metadata-0")
}

fn fill(dir: &Path, mebibytes: u64) {
    let mut log = Log::open(Arc::new(RealFs), &partition(dir), LogConfig::default()).expect("open");
    let mut builder = BatchBuilder::new(0, 0, 1_700_000_000_000);
    for _ in 0..100 {
        builder.push(None, Some(&[7u8; 40]));
    }
    let batch = builder.build();
    let batches = (mebibytes << 20) / batch.len() as u64;
    for _ in 0..batches {
        log.append_as_leader(&batch, 1).expect("append");
    }
    log.flush().expect("flush");
    log.close().expect("close");
    println!("filled {} MiB in {batches} batches", mebibytes);
}

fn open(dir: &Path) {
    let start = Instant::now();
    let log = Log::open(Arc::new(RealFs), &partition(dir), LogConfig::default()).expect("open");
    let elapsed = start.elapsed();
    println!(
        "open: {:.3} s, log end offset {}",
        elapsed.as_secs_f64(),
        log.log_end_offset()
    );
}

fn read(dir: &Path) {
    let start = Instant::now();
    let (mut bytes, mut crc) = (0u64, 0u32);
    let mut files: Vec<_> = std::fs::read_dir(partition(dir))
        .expect("list the partition")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    let mut buffer = vec![0u8; 1 << 20];
    for path in files {
        let mut file = File::open(&path).expect("open a segment");
        loop {
            let read = file.read(&mut buffer).expect("read a segment");
            if read == 0 {
                break;
            }
            crc = crc32c::crc32c_append(crc, &buffer[..read]);
            bytes += read as u64;
        }
    }
    let elapsed = start.elapsed();
    println!(
        "read + crc32c: {:.3} s for {} MiB (crc {crc:08x})",
        elapsed.as_secs_f64(),
        bytes >> 20
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let usage = "usage: log_recovery fill <dir> <MiB> | open <dir> | read <dir>";
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["fill", dir, mib] => fill(Path::new(dir), mib.parse().expect(usage)),
        ["open", dir] => open(Path::new(dir)),
        ["read", dir] => read(Path::new(dir)),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}
