//! Checks yakt-log against Kafka's own tools by hand or from a script:
//!
//! - `interop write DIR`: writes a multi-segment `__cluster_metadata-0` log (NoOp and
//!   FeatureLevel records, two epochs) and a snapshot into `DIR`, for
//!   `kafka-dump-log --cluster-metadata-decoder` and `--verify-index-only`.
//! - `interop read DIR`: opens a metadata log directory written by Kafka (`kafka-storage
//!   format`, or a controller's), recovers its log and prints what it holds.

use std::path::Path;
use std::sync::Arc;

use yakt_log::format::describe_dir;
use yakt_log::snapshot::{self, SnapshotId, SnapshotWriter};
use yakt_log::{Log, LogConfig, RealFs};
use yakt_wire::batch::BatchBuilder;

/// `NoOpRecord` v0: frame version 1, api key 20, version 0, empty tagged fields.
const NO_OP: &[u8] = &[1, 20, 0, 0];

/// `FeatureLevelRecord` v0 (api key 12).
fn feature_level(name: &str, level: i16) -> Vec<u8> {
    let mut out = vec![1, 12, 0, name.len() as u8 + 1];
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&level.to_be_bytes());
    out.push(0);
    out
}

fn write(dir: &Path) -> yakt_log::Result<()> {
    let partition = dir.join("__cluster_metadata-0");
    let config = LogConfig {
        segment_bytes: 16 * 1024,
        ..LogConfig::default()
    };
    let mut log = Log::open(Arc::new(RealFs), &partition, config)?;
    for i in 0..400i64 {
        let mut batch = BatchBuilder::new(0, 0, 1_700_000_000_000 + i);
        batch.push(None, Some(&feature_level("metadata.version", 25)));
        for _ in 0..(i % 5) {
            batch.push(None, Some(NO_OP));
        }
        log.append_as_leader(&batch.build(), if i < 200 { 1 } else { 2 })?;
    }
    log.flush()?;
    let end = log.log_end_offset();
    let id = SnapshotId {
        end_offset: end,
        epoch: 2,
    };
    let mut w = SnapshotWriter::create(
        Arc::new(RealFs),
        &partition,
        id,
        1_700_000_000_399,
        1_700_000_001_000,
        &[],
    )?;
    w.append_records(&[feature_level("metadata.version", 25), NO_OP.to_vec()])?;
    w.freeze()?;
    println!(
        "wrote offsets 0..{end} in segments {:?} and snapshot {id:?}",
        log.segment_base_offsets()
    );
    log.close()
}

fn read(dir: &Path) -> yakt_log::Result<()> {
    let info = describe_dir(&RealFs, dir)?;
    println!("{info:#?}");
    if let Some(boot) = snapshot::read_bootstrap_checkpoint(&RealFs, dir)? {
        println!(
            "bootstrap.checkpoint: {} records, epoch {}",
            boot.records.len(),
            boot.epoch
        );
        for r in &boot.records {
            println!("  record {:02x?}", &r[..r.len().min(24)]);
        }
    }
    let partition = dir.join("__cluster_metadata-0");
    for id in snapshot::list_snapshots(&RealFs, &partition).unwrap_or_default() {
        let s = snapshot::read_snapshot(&RealFs, &partition, id)?;
        let controls: Vec<i16> = s.control_records.iter().map(|c| c.record_type).collect();
        println!(
            "snapshot {id:?}: {} records, controls {controls:?}, header ts {}",
            s.records.len(),
            s.last_contained_log_timestamp
        );
    }
    if partition.exists() {
        let log = Log::open(Arc::new(RealFs), &partition, LogConfig::default())?;
        let mut offset = log.log_start_offset();
        let mut batches = 0;
        while offset < log.log_end_offset() {
            let bytes = log.read(offset, 1 << 20)?;
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let view =
                    yakt_wire::batch::BatchView::parse(rest).expect("recovered batches are valid");
                offset = view.header.next_offset();
                rest = &rest[view.bytes.len()..];
                batches += 1;
            }
        }
        println!(
            "log: offsets {}..{}, {batches} batches, epochs {:?}",
            log.log_start_offset(),
            log.log_end_offset(),
            log.epoch_cache().entries()
        );
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1..) {
        Some([cmd, dir]) if cmd == "write" => write(Path::new(dir)),
        Some([cmd, dir]) if cmd == "read" => read(Path::new(dir)),
        _ => {
            eprintln!("usage: interop write|read DIR");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
