//! `yakt info`: what is in each directory of a controller's configuration, read without
//! changing anything. It opens as `kafka-storage info` does (the directories found, the
//! first `meta.properties`, Kafka's problems: missing, unformatted, mismatched cluster or node
//! ids) and adds, per directory, the bootstrap feature levels, the metadata log's segments
//! and snapshots (with the voters of a dynamic quorum) and `quorum-state`.

use std::io::{self, Write};
use std::path::Path;

use yakt_log::format::{describe_dir, DirDescription};
use yakt_log::partition_files::METADATA_PARTITION_DIR;
use yakt_log::snapshot::{read_bootstrap_checkpoint, read_snapshot, SNAPSHOT_SUFFIX};
use yakt_log::state::MetaProperties;
use yakt_log::{FileSystem, RealFs};
use yakt_wire::{decode_frame, ControlRecord, MetadataRecord, Uuid};

use super::format::directories;
use crate::config::ControllerConfig;

/// Prints the report for `config`'s directories to `out`; returns the problems found (the
/// command fails when there are any, as Kafka's does).
pub fn info(config: &ControllerConfig, out: &mut dyn Write) -> io::Result<Vec<String>> {
    let fs = RealFs;
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for dir in directories(config) {
        if !dir.exists() {
            problems.push(format!("{} does not exist", dir.display()));
        } else if !dir.is_dir() {
            problems.push(format!("{} is not a directory", dir.display()));
        } else {
            match describe_dir(&fs, &dir) {
                Ok(description) => found.push(description),
                Err(error) => problems.push(format!("cannot read {}: {error}", dir.display())),
            }
        }
    }
    check_identities(&found, &mut problems);
    if !found.is_empty() {
        let noun = if found.len() == 1 {
            "directory"
        } else {
            "directories"
        };
        writeln!(out, "Found log {noun}:")?;
        for description in &found {
            writeln!(out, "  {}", description.dir.display())?;
        }
        writeln!(out)?;
    }
    if let Some(meta) = found.iter().find_map(|d| d.meta_properties.as_ref()) {
        writeln!(out, "Found metadata: {}", kafka_map(meta))?;
        writeln!(out)?;
    }
    for description in &found {
        let is_metadata = description.dir == config.metadata_log_dir;
        describe(&fs, description, is_metadata, out, &mut problems)?;
    }
    if !problems.is_empty() {
        let noun = if problems.len() == 1 {
            "problem"
        } else {
            "problems"
        };
        writeln!(out, "Found {noun}:")?;
        for problem in &problems {
            writeln!(out, "  {problem}")?;
        }
        writeln!(out)?;
    }
    Ok(problems)
}

/// Kafka's checks across directories: every one formatted, one cluster id, one node id, and
/// KRaft's `meta.properties` version 1.
fn check_identities(found: &[DirDescription], problems: &mut Vec<String>) {
    let mut first: Option<&MetaProperties> = None;
    for description in found {
        let Some(meta) = &description.meta_properties else {
            if !description
                .problems
                .iter()
                .any(|p| p.contains("meta.properties"))
            {
                problems.push(format!("{} is not formatted.", description.dir.display()));
            }
            continue;
        };
        match first {
            None => first = Some(meta),
            Some(previous) if previous.cluster_id != meta.cluster_id => {
                problems.push("Mismatched cluster IDs between storage directories.".into())
            }
            Some(previous) if previous.node_id != meta.node_id => {
                problems.push("Mismatched node IDs between storage directories.".into())
            }
            Some(_) => {}
        }
    }
    if first.is_some_and(|meta| meta.version == 0) {
        problems.push(
            "The kafka configuration file appears to be for a cluster in KRaft mode, but the \
             directories are formatted for legacy mode."
                .into(),
        );
    }
}

/// `{cluster.id=..., directory.id=..., node.id=..., version=1}`, keys sorted, as Kafka's
/// `TreeMap.toString` prints them.
fn kafka_map(meta: &MetaProperties) -> String {
    let mut entries: Vec<(String, String)> = meta.other.clone().into_iter().collect();
    entries.push(("version".into(), meta.version.to_string()));
    if let Some(cluster_id) = &meta.cluster_id {
        entries.push(("cluster.id".into(), cluster_id.clone()));
    }
    if let Some(node_id) = meta.node_id {
        let key = if meta.version == 0 {
            "broker.id"
        } else {
            "node.id"
        };
        entries.push((key.into(), node_id.to_string()));
    }
    if let Some(directory_id) = meta.directory_id {
        entries.push(("directory.id".into(), directory_id.to_string()));
    }
    entries.sort();
    let body: Vec<String> = entries.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", body.join(", "))
}

/// The detailed lines of one directory.
fn describe(
    fs: &dyn FileSystem,
    description: &DirDescription,
    is_metadata: bool,
    out: &mut dyn Write,
    problems: &mut Vec<String>,
) -> io::Result<()> {
    let dir = &description.dir;
    let role = if is_metadata {
        " (metadata.log.dir)"
    } else {
        ""
    };
    writeln!(out, "{}{role}:", dir.display())?;
    match &description.meta_properties {
        Some(meta) => writeln!(out, "  meta.properties: {}", kafka_map(meta))?,
        None => writeln!(out, "  meta.properties: none")?,
    }
    writeln!(out, "  bootstrap.checkpoint: {}", bootstrap_text(fs, dir))?;
    let partition = dir.join(METADATA_PARTITION_DIR);
    if partition.is_dir() {
        let segments: Vec<String> = description
            .segments
            .iter()
            .map(|(base, bytes)| format!("{base:020}.log ({bytes} bytes)"))
            .collect();
        writeln!(
            out,
            "  {METADATA_PARTITION_DIR}: {} segment(s){}{}",
            segments.len(),
            if segments.is_empty() { "" } else { ": " },
            segments.join(", ")
        )?;
        for id in &description.snapshots {
            let name = id.file_name(SNAPSHOT_SUFFIX);
            writeln!(
                out,
                "  snapshot {name}: {}",
                snapshot_text(fs, &partition, *id)
            )?;
        }
        match &description.quorum_state {
            Some(state) => writeln!(out, "  quorum-state: {}", state.to_json())?,
            None => writeln!(out, "  quorum-state: none")?,
        }
    }
    problems.extend(description.problems.iter().cloned());
    Ok(())
}

/// The feature levels in `bootstrap.checkpoint`, or why they cannot be read.
fn bootstrap_text(fs: &dyn FileSystem, dir: &Path) -> String {
    let file = match read_bootstrap_checkpoint(fs, dir) {
        Ok(Some(file)) => file,
        Ok(None) => return "none".into(),
        Err(error) => return format!("unreadable ({error})"),
    };
    let records: Vec<String> = file
        .records
        .iter()
        .map(|bytes| match decode_frame(bytes) {
            Ok((MetadataRecord::FeatureLevel(record), _)) => {
                format!("{}={}", record.name, record.feature_level)
            }
            Ok((record, _)) => record.name().to_owned(),
            Err(error) => format!("undecodable record ({error})"),
        })
        .collect();
    format!("{} record(s): {}", records.len(), records.join(", "))
}

/// What a snapshot holds: record count, and the kraft.version and voters it carries.
fn snapshot_text(
    fs: &dyn FileSystem,
    partition: &Path,
    id: yakt_log::snapshot::SnapshotId,
) -> String {
    let file = match read_snapshot(fs, partition, id) {
        Ok(file) => file,
        Err(error) => return format!("unreadable ({error})"),
    };
    let mut parts = vec![format!("{} metadata record(s)", file.records.len())];
    for control in &file.control_records {
        match control.decode() {
            Ok(ControlRecord::KRaftVersion(record)) => {
                parts.push(format!("kraft.version={}", record.k_raft_version))
            }
            Ok(ControlRecord::Voters(record)) => {
                let voters: Vec<String> = record
                    .voters
                    .iter()
                    .map(|voter| {
                        let endpoints: Vec<String> = voter
                            .endpoints
                            .iter()
                            .map(|e| {
                                format!("{}://{}:{}", e.name.as_str(), e.host.as_str(), e.port)
                            })
                            .collect();
                        format!(
                            "{} (directory {}, {})",
                            *voter.voter_id,
                            Uuid::from(voter.voter_directory_id),
                            endpoints.join(" ")
                        )
                    })
                    .collect();
                parts.push(format!("voters {}", voters.join(", ")));
            }
            Ok(_) => {}
            Err(error) => parts.push(format!("undecodable control record ({error})")),
        }
    }
    parts.join("; ")
}
