//! `yakt dump-log`: the batches and decoded records of metadata log segments (`.log`),
//! snapshots (`.checkpoint`) and `bootstrap.checkpoint`, printed line for line as
//! `kafka-dump-log --cluster-metadata-decoder` prints them (`DumpLogSegments.dumpLog`): a
//! line per batch, then a `| offset: ...` line per record with the control record or the
//! metadata record as Kafka's JSON converters write it.
//!
//! The file is read through a read-only mapping and never changed. Where the valid batches
//! end before the file does, the command says how many bytes are left and why, as a problem;
//! a record that does not decode is shown as such and is a problem too.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};
use yakt_log::fs::OpenMode;
use yakt_log::snapshot::{SnapshotId, BOOTSTRAP_CHECKPOINT, SNAPSHOT_SUFFIX};
use yakt_log::{FileSystem, RealFs};
use yakt_wire::batch::{check_batch, BatchHeader, BatchView, RecordView, Scan};
use yakt_wire::{ControlRecord, LogRecord, Uuid};

/// Attribute bit: the batch's timestamps are log-append times.
const LOG_APPEND_TIME_FLAG: i16 = 0x08;
/// Attribute bit: the batch carries a delete horizon (its base timestamp).
const DELETE_HORIZON_FLAG: i16 = 0x40;

/// Dumps every file in `paths` to `out`; returns the problems found (empty when every file
/// was read to its end and every record decoded).
pub fn dump_files(paths: &[impl AsRef<Path>], out: &mut dyn Write) -> io::Result<Vec<String>> {
    let mut problems = Vec::new();
    for path in paths {
        dump_file(path.as_ref(), out, &mut problems)?;
    }
    Ok(problems)
}

fn dump_file(path: &Path, out: &mut dyn Write, problems: &mut Vec<String>) -> io::Result<()> {
    writeln!(out, "Dumping {}", path.display())?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(base) = name.strip_suffix(".log") {
        writeln!(
            out,
            "Log starting offset: {}",
            base.parse::<i64>().unwrap_or(0)
        )?;
    } else if name == BOOTSTRAP_CHECKPOINT {
        writeln!(out, "KRaft bootstrap snapshot")?;
    } else if let Some(id) = SnapshotId::parse(&name, SNAPSHOT_SUFFIX) {
        writeln!(
            out,
            "Snapshot end offset: {}, epoch: {}",
            id.end_offset, id.epoch
        )?;
    } else {
        problems.push(format!(
            "Ignoring unknown file {}: yakt dump-log reads .log and .checkpoint files",
            path.display()
        ));
        return Ok(());
    }
    let fs = RealFs;
    let mapping = match fs
        .open(path, OpenMode::Read)
        .and_then(|file| file.map_read_only())
    {
        Ok(mapping) => mapping,
        Err(error) => {
            problems.push(format!("cannot read {}: {error}", path.display()));
            return Ok(());
        }
    };
    dump_batches(path, &name, mapping.as_slice(), out, problems)
}

fn dump_batches(
    path: &Path,
    name: &str,
    data: &[u8],
    out: &mut dyn Write,
    problems: &mut Vec<String>,
) -> io::Result<()> {
    let mut position = 0usize;
    while position < data.len() {
        let rest = &data[position..];
        let view = match check_batch(rest, rest.len()) {
            Ok(Scan::Batch(header)) => {
                BatchView::parse(&rest[..header.size_in_bytes()]).map_err(|error| error.to_string())
            }
            Ok(Scan::Incomplete { needed }) => Err(format!(
                "the last batch is truncated ({needed} more bytes needed)"
            )),
            Err(error) => Err(error.to_string()),
        };
        let view = match view {
            Ok(view) => view,
            Err(reason) => {
                let left = data.len() - position;
                writeln!(out, "Found {left} invalid bytes at the end of {name}")?;
                problems.push(format!(
                    "{}: {left} invalid bytes at position {position}: {reason}",
                    path.display()
                ));
                return Ok(());
            }
        };
        writeln!(out, "{}", batch_line(&view.header, position))?;
        dump_records(path, &view, out, problems)?;
        position += view.bytes.len();
    }
    Ok(())
}

fn dump_records(
    path: &Path,
    view: &BatchView<'_>,
    out: &mut dyn Write,
    problems: &mut Vec<String>,
) -> io::Result<()> {
    let header = &view.header;
    for record in view.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(format!(
                    "{}: batch at offset {}: {error}",
                    path.display(),
                    header.base_offset
                ));
                return Ok(());
            }
        };
        let offset = header.base_offset + i64::from(record.offset_delta);
        let content = match LogRecord::decode(&record, header.is_control(), offset) {
            Ok(LogRecord::Control(control)) => control_text(&control),
            Ok(LogRecord::Metadata(metadata, version)) => {
                format!(" payload: {}", metadata.to_kafka_json(version))
            }
            Err(error) => {
                problems.push(format!("{}: {error}", path.display()));
                format!(" undecodable: {error}")
            }
        };
        writeln!(out, "{}{content}", record_line(header, &record, offset))?;
    }
    Ok(())
}

/// Kafka's `printBatchLevel` for a v2 batch.
fn batch_line(header: &BatchHeader, position: usize) -> String {
    let last_sequence = if header.base_sequence == -1 {
        -1
    } else {
        header.base_sequence.wrapping_add(header.last_offset_delta)
    };
    let delete_horizon = if header.attributes & DELETE_HORIZON_FLAG != 0 {
        format!("OptionalLong[{}]", header.base_timestamp)
    } else {
        "OptionalLong.empty".to_owned()
    };
    format!(
        "baseOffset: {} lastOffset: {} count: {} baseSequence: {} lastSequence: {last_sequence} \
         producerId: {} producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} \
         isControl: {} deleteHorizonMs: {delete_horizon} position: {position} {}: {} size: {} \
         magic: {} compresscodec: none crc: {} isvalid: true",
        header.base_offset,
        header.last_offset(),
        header.records_count,
        header.base_sequence,
        header.producer_id,
        header.producer_epoch,
        header.partition_leader_epoch,
        header.is_transactional(),
        header.is_control(),
        timestamp_type(header),
        header.max_timestamp,
        header.size_in_bytes(),
        header.magic,
        header.crc,
    )
}

fn timestamp_type(header: &BatchHeader) -> &'static str {
    if header.attributes & LOG_APPEND_TIME_FLAG != 0 {
        "LogAppendTime"
    } else {
        "CreateTime"
    }
}

/// Kafka's `printRecordMetadata` for a record of a v2 batch.
fn record_line(header: &BatchHeader, record: &RecordView<'_>, offset: i64) -> String {
    let timestamp = if header.attributes & LOG_APPEND_TIME_FLAG != 0 {
        header.max_timestamp
    } else {
        header.base_timestamp.wrapping_add(record.timestamp_delta)
    };
    let sequence = if header.base_sequence == -1 {
        -1
    } else {
        header.base_sequence.wrapping_add(record.offset_delta)
    };
    let size = |part: Option<&[u8]>| part.map_or(-1, |bytes| bytes.len() as i64);
    let header_keys: Vec<String> = record
        .headers
        .iter()
        .map(|(key, _)| String::from_utf8_lossy(key).into_owned())
        .collect();
    format!(
        "| offset: {offset} {}: {timestamp} keySize: {} valueSize: {} sequence: {sequence} \
         headerKeys: [{}]",
        timestamp_type(header),
        size(record.key),
        size(record.value),
        header_keys.join(",")
    )
}

/// Kafka's `printControlRecord`: the record type and its JSON.
fn control_text(record: &ControlRecord) -> String {
    match record {
        ControlRecord::Abort(value) => end_transaction_marker("ABORT", value),
        ControlRecord::Commit(value) => end_transaction_marker("COMMIT", value),
        ControlRecord::LeaderChange(message) => {
            let voters = |voters: &[kafka_protocol::messages::leader_change_message::Voter]| {
                let list: Vec<Value> = voters
                    .iter()
                    .map(|voter| {
                        let mut object = json!({ "voterId": voter.voter_id });
                        if message.version >= 1 {
                            object["voterDirectoryId"] =
                                json!(Uuid::from(voter.voter_directory_id).to_string());
                        }
                        object
                    })
                    .collect();
                Value::Array(list)
            };
            let value = json!({
                "version": message.version,
                "leaderId": *message.leader_id,
                "voters": voters(&message.voters),
                "grantingVoters": voters(&message.granting_voters),
            });
            format!(" LeaderChange: {value}")
        }
        ControlRecord::SnapshotHeader(header) => {
            let value = json!({
                "version": header.version,
                "lastContainedLogTimestamp": header.last_contained_log_timestamp,
            });
            format!(" SnapshotHeader {value}")
        }
        ControlRecord::SnapshotFooter(footer) => {
            format!(" SnapshotFooter {}", json!({ "version": footer.version }))
        }
        ControlRecord::KRaftVersion(record) => {
            let value = json!({
                "version": record.version,
                "kRaftVersion": record.k_raft_version,
            });
            format!(" KRaftVersion {value}")
        }
        ControlRecord::Voters(record) => format!(" KRaftVoters {}", voters_json(record)),
    }
}

/// An ABORT or COMMIT marker: value `{int16 version, int32 coordinatorEpoch}`.
fn end_transaction_marker(kind: &str, value: &[u8]) -> String {
    match value.get(2..6) {
        Some(&[a, b, c, d]) => format!(
            " endTxnMarker: {kind} coordinatorEpoch: {}",
            i32::from_be_bytes([a, b, c, d])
        ),
        _ => format!(" endTxnMarker: {kind}"),
    }
}

fn voters_json(record: &kafka_protocol::messages::VotersRecord) -> Value {
    let voters: Vec<Value> = record
        .voters
        .iter()
        .map(|voter| {
            let endpoints: Vec<Value> = voter
                .endpoints
                .iter()
                .map(|endpoint| {
                    json!({
                        "name": endpoint.name.as_str(),
                        "host": endpoint.host.as_str(),
                        "port": endpoint.port,
                    })
                })
                .collect();
            json!({
                "voterId": *voter.voter_id,
                "voterDirectoryId": Uuid::from(voter.voter_directory_id).to_string(),
                "endpoints": endpoints,
                "kRaftVersionFeature": {
                    "minSupportedVersion": voter.k_raft_version_feature.min_supported_version,
                    "maxSupportedVersion": voter.k_raft_version_feature.max_supported_version,
                },
            })
        })
        .collect();
    json!({ "version": record.version, "voters": voters })
}
