//! The small files of the partition directory that describe the log itself:
//! `partition.metadata` (Kafka's `PartitionMetadataFile`: `version: 0\ntopic_id: <id>\n`, the
//! metadata topic's id is `AAAAAAAAAAAAAAAAAAAAAQ`, any other is an error) and the recovery
//! point, in Kafka's offset checkpoint format (`0\n1\n__cluster_metadata 0 <offset>\n`) under
//! the name Kafka's `LogManager` uses, `recovery-point-offset-checkpoint`, kept in the
//! partition directory. Data below the recovery point was fsynced before the file was written.

use std::path::Path;

use crate::durable;
use crate::epoch_cache::{parse_checkpoint, parse_number};
use crate::error::{LogError, Result};
use crate::fs::FileSystem;

/// The name of the partition metadata file.
pub const PARTITION_METADATA: &str = "partition.metadata";
/// Kafka's id of the `__cluster_metadata` topic, `Uuid(0, 1)` in base64.
pub const METADATA_TOPIC_ID: &str = "AAAAAAAAAAAAAAAAAAAAAQ";
/// The topic name.
pub const METADATA_TOPIC: &str = "__cluster_metadata";
/// The partition directory name inside `metadata.log.dir`.
pub const METADATA_PARTITION_DIR: &str = "__cluster_metadata-0";
/// The recovery point file name.
pub const RECOVERY_POINT_CHECKPOINT: &str = "recovery-point-offset-checkpoint";

/// Checks `partition.metadata` in `dir`, writing it when absent.
pub fn ensure_partition_metadata(fs: &dyn FileSystem, dir: &Path) -> Result<()> {
    let path = dir.join(PARTITION_METADATA);
    let Some(bytes) = durable::read_if_exists(fs, &path)? else {
        let text = format!("version: 0\ntopic_id: {METADATA_TOPIC_ID}\n");
        return durable::write_durably(fs, &path, text.as_bytes());
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| LogError::malformed(&path, "not UTF-8"))?;
    let mut lines = text.lines();
    match lines.next().and_then(|l| l.strip_prefix("version: ")) {
        Some("0") => {}
        Some(v) => return Err(LogError::malformed(&path, format!("unknown version {v:?}"))),
        None => return Err(LogError::malformed(&path, "missing `version: ` line")),
    }
    let Some(found) = lines.next().and_then(|l| l.strip_prefix("topic_id: ")) else {
        return Err(LogError::malformed(&path, "missing `topic_id: ` line"));
    };
    if found.trim() != METADATA_TOPIC_ID {
        return Err(LogError::TopicIdMismatch {
            path,
            found: found.trim().to_owned(),
            expected: METADATA_TOPIC_ID.to_owned(),
        });
    }
    Ok(())
}

/// Reads the recovery point (0 when the file is absent, as for a log Kafka wrote).
pub fn load_recovery_point(fs: &dyn FileSystem, dir: &Path) -> Result<i64> {
    let path = dir.join(RECOVERY_POINT_CHECKPOINT);
    let Some(bytes) = durable::read_if_exists(fs, &path)? else {
        return Ok(0);
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| LogError::malformed(&path, "not UTF-8"))?;
    let entries = parse_checkpoint(&path, text, 3)?;
    match entries.as_slice() {
        [e] if e[0] == METADATA_TOPIC && e[1] == "0" => parse_number(&path, e[2]),
        _ => Err(LogError::malformed(
            &path,
            "expected one __cluster_metadata 0 entry",
        )),
    }
}

/// Writes the recovery point durably.
pub fn store_recovery_point(fs: &dyn FileSystem, dir: &Path, offset: i64) -> Result<()> {
    let path = dir.join(RECOVERY_POINT_CHECKPOINT);
    let text = format!("0\n1\n{METADATA_TOPIC} 0 {offset}\n");
    durable::write_durably(fs, &path, text.as_bytes())
}
