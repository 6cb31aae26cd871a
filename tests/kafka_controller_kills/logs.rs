//! A stopped controller's `__cluster_metadata-0` read back through `yakt dump-log`: its log
//! batches (to compare nodes record for record) and the topics its records replay to (from
//! the whole log, and from its newest snapshot plus the log after it).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::expect_success;

/// The config resource type of a topic in a ConfigRecord.
const TOPIC_RESOURCE: i64 = 2;
/// The topic config the load sets.
pub const RETENTION_MS: &str = "retention.ms";

/// One batch as `yakt dump-log` prints it: the header line without its file position (which
/// depends on where a node's segments start), then its record lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpedBatch {
    pub base_offset: i64,
    pub last_offset: i64,
    pub header: String,
    pub records: Vec<String>,
}

/// A topic as the metadata says: its id, partition count and retention.ms (if set on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicState {
    pub id: String,
    pub partitions: usize,
    pub retention_ms: Option<String>,
}

/// One controller's metadata partition directory, read after the controller stopped.
pub struct NodeLog {
    pub id: i32,
    /// Every batch of its `.log` segments, in offset order.
    pub batches: Vec<DumpedBatch>,
    /// Its snapshots: end offset and file, oldest first.
    pub snapshots: Vec<(i64, PathBuf)>,
}

impl NodeLog {
    /// Dumps the segments of `dir` (`.../__cluster_metadata-0`) of controller `id`.
    pub fn read(id: i32, dir: &Path) -> Self {
        let mut segments = Vec::new();
        let mut snapshots = Vec::new();
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".log") {
                segments.push(path);
            } else if let Some(stem) = name.strip_suffix(".checkpoint") {
                let end_offset = stem
                    .split('-')
                    .next()
                    .and_then(|offset| offset.parse().ok())
                    .unwrap_or_else(|| panic!("a snapshot name with an offset: {name}"));
                snapshots.push((end_offset, path));
            }
        }
        segments.sort();
        snapshots.sort();
        let batches = dump(&segments);
        NodeLog {
            id,
            batches,
            snapshots,
        }
    }

    /// The first offset of its log.
    pub fn start_offset(&self) -> i64 {
        self.batches.first().map_or(0, |batch| batch.base_offset)
    }

    /// The offset after its last batch.
    pub fn end_offset(&self) -> i64 {
        self.batches.last().map_or(0, |batch| batch.last_offset + 1)
    }

    /// Its batches in `[from, to)` (whole batches starting there).
    pub fn batches_in(&self, from: i64, to: i64) -> Vec<&DumpedBatch> {
        self.batches
            .iter()
            .filter(|batch| batch.base_offset >= from && batch.last_offset < to)
            .collect()
    }

    /// The topics its log replays to below `end` (the log must start at offset 0).
    pub fn topics_from_log(&self, end: i64) -> BTreeMap<String, TopicState> {
        assert_eq!(
            self.start_offset(),
            0,
            "controller {}: the log no longer starts at 0",
            self.id
        );
        let mut replay = Replay::default();
        replay.batches(self.batches_in(0, end));
        replay.topics()
    }

    /// The topics its newest snapshot at or below `end` plus its log from there to `end`
    /// replay to, with the snapshot's end offset; `None` without such a snapshot.
    pub fn topics_from_snapshot(&self, end: i64) -> Option<(i64, BTreeMap<String, TopicState>)> {
        let (snapshot_end, path) = self
            .snapshots
            .iter()
            .rev()
            .find(|(offset, _)| *offset <= end && *offset >= self.start_offset())?;
        let mut replay = Replay::default();
        replay.batches(dump(std::slice::from_ref(path)).iter());
        replay.batches(self.batches_in(*snapshot_end, end));
        Some((*snapshot_end, replay.topics()))
    }
}

/// `yakt dump-log FILES...`, parsed into batches; panics if it reports a problem.
fn dump(files: &[PathBuf]) -> Vec<DumpedBatch> {
    if files.is_empty() {
        return Vec::new();
    }
    let output = Command::new(env!("CARGO_BIN_EXE_yakt"))
        .arg("dump-log")
        .args(files)
        .output()
        .expect("run yakt dump-log");
    let text = expect_success(&output, &format!("yakt dump-log {files:?}"));
    parse_dump(&text)
}

/// The batches of `yakt dump-log` output.
fn parse_dump(text: &str) -> Vec<DumpedBatch> {
    let mut batches: Vec<DumpedBatch> = Vec::new();
    for line in text.lines() {
        if line.starts_with("baseOffset: ") {
            batches.push(DumpedBatch {
                base_offset: field(line, "baseOffset"),
                last_offset: field(line, "lastOffset"),
                header: without_position(line),
                records: Vec::new(),
            });
        } else if line.starts_with("| offset: ") {
            let batch = batches
                .last_mut()
                .expect("a record line after a batch line");
            batch.records.push(line.to_string());
        }
    }
    batches
}

/// The integer after `key: ` in a dump line.
fn field(line: &str, key: &str) -> i64 {
    let pattern = format!("{key}: ");
    line.split(&pattern)
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

/// A batch line without its `position: N` pair.
fn without_position(line: &str) -> String {
    let mut tokens = Vec::new();
    let mut words = line.split(' ');
    while let Some(word) = words.next() {
        if word == "position:" {
            words.next();
        } else {
            tokens.push(word);
        }
    }
    tokens.join(" ")
}

/// Topics, partitions and topic configs replayed from dumped records, with metadata
/// transactions taking effect at their end (and dropped on abort).
#[derive(Default)]
struct Replay {
    names_by_id: BTreeMap<String, String>,
    partitions: BTreeMap<String, BTreeSet<i64>>,
    configs: BTreeMap<String, BTreeMap<String, String>>,
    in_transaction: Option<Vec<Value>>,
}

impl Replay {
    fn batches<'a>(&mut self, batches: impl IntoIterator<Item = &'a DumpedBatch>) {
        for batch in batches {
            for line in &batch.records {
                if let Some((_, json)) = line.split_once(" payload: ") {
                    let record: Value = serde_json::from_str(json)
                        .unwrap_or_else(|e| panic!("a JSON record ({e}): {line}"));
                    self.record(record);
                }
            }
        }
    }

    fn record(&mut self, record: Value) {
        match record["type"].as_str().unwrap_or_default() {
            "BEGIN_TRANSACTION_RECORD" => self.in_transaction = Some(Vec::new()),
            "END_TRANSACTION_RECORD" => {
                for record in self.in_transaction.take().unwrap_or_default() {
                    self.apply(&record);
                }
            }
            "ABORT_TRANSACTION_RECORD" => self.in_transaction = None,
            _ => match self.in_transaction.as_mut() {
                Some(pending) => pending.push(record),
                None => self.apply(&record),
            },
        }
    }

    fn apply(&mut self, record: &Value) {
        let data = &record["data"];
        let text = |key: &str| data[key].as_str().unwrap_or_default().to_string();
        match record["type"].as_str().unwrap_or_default() {
            "TOPIC_RECORD" => {
                self.names_by_id.insert(text("topicId"), text("name"));
                self.partitions.entry(text("topicId")).or_default();
            }
            "PARTITION_RECORD" => {
                let partition = data["partitionId"].as_i64().expect("a partitionId");
                self.partitions
                    .entry(text("topicId"))
                    .or_default()
                    .insert(partition);
            }
            "REMOVE_TOPIC_RECORD" => {
                let id = text("topicId");
                self.partitions.remove(&id);
                if let Some(name) = self.names_by_id.remove(&id) {
                    self.configs.remove(&name);
                }
            }
            "CONFIG_RECORD" if data["resourceType"].as_i64() == Some(TOPIC_RESOURCE) => {
                let configs = self.configs.entry(text("resourceName")).or_default();
                match data["value"].as_str() {
                    Some(value) => configs.insert(text("name"), value.to_string()),
                    None => configs.remove(&text("name")),
                };
            }
            _ => {}
        }
    }

    fn topics(&self) -> BTreeMap<String, TopicState> {
        self.names_by_id
            .iter()
            .map(|(id, name)| {
                let state = TopicState {
                    id: id.clone(),
                    partitions: self.partitions.get(id).map_or(0, BTreeSet::len),
                    retention_ms: self
                        .configs
                        .get(name)
                        .and_then(|configs| configs.get(RETENTION_MS))
                        .cloned(),
                };
                (name.clone(), state)
            })
            .collect()
    }
}
