//! The leader epoch cache: which leader epoch started at which offset, and its
//! `leader-epoch-checkpoint` file (`0\n<n>\n<epoch> <startOffset>\n...`, Kafka's
//! `CheckpointFile`). The rules follow Kafka's `LeaderEpochFileCache`: entries strictly increase
//! in both epoch and start offset; `assign` drops entries a new one contradicts; `end_offset_for`
//! answers the divergence question a follower asks.

use std::path::Path;

use crate::durable;
use crate::error::{LogError, Result};
use crate::fs::FileSystem;

/// The file name of the leader epoch checkpoint.
pub const LEADER_EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";
/// Kafka's "no epoch".
pub const UNDEFINED_EPOCH: i32 = -1;
/// Kafka's "no offset" for an undefined epoch.
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

/// One entry: `epoch` began at `start_offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochEntry {
    /// The leader epoch.
    pub epoch: i32,
    /// The first offset written in it.
    pub start_offset: i64,
}

/// The in-memory cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochCache {
    entries: Vec<EpochEntry>,
}

impl EpochCache {
    /// A cache holding `entries` (assumed monotonic, as `parse` checks).
    pub fn from_entries(entries: Vec<EpochEntry>) -> EpochCache {
        EpochCache { entries }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    /// The latest entry.
    pub fn latest(&self) -> Option<EpochEntry> {
        self.entries.last().copied()
    }

    /// Records that `epoch` starts at `start_offset`; returns whether the cache changed.
    /// Entries with an epoch ≥ `epoch` or a start offset ≥ `start_offset` are dropped first.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> bool {
        if epoch < 0 || start_offset < 0 {
            return false;
        }
        let needed = match self.latest() {
            Some(latest) => epoch != latest.epoch || start_offset < latest.start_offset,
            None => true,
        };
        if !needed {
            return false;
        }
        while let Some(last) = self.entries.last() {
            if last.epoch >= epoch || last.start_offset >= start_offset {
                self.entries.pop();
            } else {
                break;
            }
        }
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
        true
    }

    /// Drops entries starting at or after `end_offset` (the log was truncated to it).
    pub fn truncate_from_end(&mut self, end_offset: i64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.start_offset < end_offset);
        self.entries.len() != before
    }

    /// Drops entries wholly below `start_offset`, keeping the latest of them moved up to
    /// `start_offset` (the log start moved forward).
    pub fn truncate_from_start(&mut self, start_offset: i64) -> bool {
        let covered = self
            .entries
            .iter()
            .take_while(|e| e.start_offset <= start_offset)
            .count();
        if covered == 0 {
            return false;
        }
        let mut kept = self.entries[covered - 1];
        let changed = covered > 1 || kept.start_offset != start_offset;
        kept.start_offset = start_offset;
        self.entries.drain(..covered);
        self.entries.insert(0, kept);
        changed
    }

    /// Empties the cache.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Kafka's `endOffsetFor`: `(epoch, end offset)` of the largest epoch ≤ `requested_epoch`,
    /// where the end offset is the start of the next epoch (or `log_end_offset` for the latest);
    /// `(-1, -1)` when `requested_epoch` is undefined or newer than every epoch known.
    pub fn end_offset_for(&self, requested_epoch: i32, log_end_offset: i64) -> (i32, i64) {
        let undefined = (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        if requested_epoch == UNDEFINED_EPOCH {
            return undefined;
        }
        if self.latest().map(|e| e.epoch) == Some(requested_epoch) {
            return (requested_epoch, log_end_offset);
        }
        let Some(higher) = self.entries.iter().find(|e| e.epoch > requested_epoch) else {
            return undefined;
        };
        match self
            .entries
            .iter()
            .rev()
            .find(|e| e.epoch <= requested_epoch)
        {
            Some(floor) => (floor.epoch, higher.start_offset),
            None => (requested_epoch, higher.start_offset),
        }
    }

    /// The file contents.
    pub fn encode(&self) -> String {
        let mut out = format!("0\n{}\n", self.entries.len());
        for e in &self.entries {
            out.push_str(&format!("{} {}\n", e.epoch, e.start_offset));
        }
        out
    }

    /// Parses the file contents, checking version, count and monotonicity.
    pub fn parse(path: &Path, text: &str) -> Result<EpochCache> {
        let lines = parse_checkpoint(path, text, 2)?;
        let mut entries: Vec<EpochEntry> = Vec::with_capacity(lines.len());
        for fields in lines {
            let epoch = parse_number(path, fields[0])?;
            let start_offset = parse_number(path, fields[1])?;
            let entry = EpochEntry {
                epoch,
                start_offset,
            };
            if let Some(last) = entries.last() {
                if entry.epoch <= last.epoch || entry.start_offset < last.start_offset {
                    return Err(LogError::malformed(path, "entries are not monotonic"));
                }
            }
            entries.push(entry);
        }
        Ok(EpochCache { entries })
    }

    /// Loads the checkpoint in `dir` (empty if absent).
    pub fn load(fs: &dyn FileSystem, dir: &Path) -> Result<EpochCache> {
        let path = dir.join(LEADER_EPOCH_CHECKPOINT);
        match durable::read_if_exists(fs, &path)? {
            None => Ok(EpochCache::default()),
            Some(bytes) => {
                let text = std::str::from_utf8(&bytes)
                    .map_err(|_| LogError::malformed(&path, "not UTF-8"))?;
                EpochCache::parse(&path, text)
            }
        }
    }

    /// Writes the checkpoint in `dir` durably.
    pub fn store(&self, fs: &dyn FileSystem, dir: &Path) -> Result<()> {
        let path = dir.join(LEADER_EPOCH_CHECKPOINT);
        durable::write_durably(fs, &path, self.encode().as_bytes())
    }
}

/// Parses Kafka's checkpoint file framing (`version 0`, entry count, one entry per line with
/// `fields` space-separated fields).
pub(crate) fn parse_checkpoint<'a>(
    path: &Path,
    text: &'a str,
    fields: usize,
) -> Result<Vec<Vec<&'a str>>> {
    let mut lines = text.lines();
    match lines.next() {
        Some("0") => {}
        Some(other) => {
            return Err(LogError::malformed(
                path,
                format!("unknown version {other:?}"),
            ))
        }
        None => return Err(LogError::malformed(path, "empty file")),
    }
    let count: usize = match lines.next().map(str::parse) {
        Some(Ok(n)) => n,
        _ => return Err(LogError::malformed(path, "missing or bad entry count")),
    };
    let entries: Vec<Vec<&str>> = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(' ').collect())
        .collect();
    if entries.len() != count {
        return Err(LogError::malformed(
            path,
            format!("expected {count} entries, found {}", entries.len()),
        ));
    }
    if let Some(bad) = entries.iter().find(|e| e.len() != fields) {
        return Err(LogError::malformed(
            path,
            format!("expected {fields} fields in {:?}", bad.join(" ")),
        ));
    }
    Ok(entries)
}

pub(crate) fn parse_number<T: std::str::FromStr>(path: &Path, field: &str) -> Result<T> {
    field
        .parse()
        .map_err(|_| LogError::malformed(path, format!("bad number {field:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: &[(i32, i64)]) -> EpochCache {
        EpochCache::from_entries(
            entries
                .iter()
                .map(|&(epoch, start_offset)| EpochEntry {
                    epoch,
                    start_offset,
                })
                .collect(),
        )
    }

    #[test]
    fn end_offset_for_follows_kafka() {
        let c = cache(&[(1, 0), (3, 10), (5, 20)]);
        assert_eq!(c.end_offset_for(5, 30), (5, 30));
        assert_eq!(c.end_offset_for(3, 30), (3, 20));
        assert_eq!(c.end_offset_for(4, 30), (3, 20));
        assert_eq!(c.end_offset_for(0, 30), (0, 0));
        assert_eq!(c.end_offset_for(6, 30), (-1, -1));
        assert_eq!(c.end_offset_for(-1, 30), (-1, -1));
        assert_eq!(EpochCache::default().end_offset_for(1, 0), (-1, -1));
    }

    #[test]
    fn assign_drops_contradicted_entries() {
        let mut c = cache(&[(1, 0), (3, 10), (5, 20)]);
        assert!(!c.assign(5, 25));
        assert!(c.assign(4, 15));
        assert_eq!(c, cache(&[(1, 0), (3, 10), (4, 15)]));
        assert!(c.assign(6, 12));
        assert_eq!(c, cache(&[(1, 0), (3, 10), (6, 12)]));
    }

    #[test]
    fn truncation_from_both_ends() {
        let mut c = cache(&[(1, 0), (3, 10), (5, 20)]);
        assert!(c.truncate_from_end(20));
        assert_eq!(c, cache(&[(1, 0), (3, 10)]));
        assert!(c.truncate_from_start(12));
        assert_eq!(c, cache(&[(3, 12)]));
        assert!(!c.truncate_from_start(5));
    }

    #[test]
    fn checkpoint_round_trips_and_rejects_garbage() {
        let c = cache(&[(1, 0), (3, 10)]);
        let p = Path::new("x");
        assert_eq!(c.encode(), "0\n2\n1 0\n3 10\n");
        assert_eq!(EpochCache::parse(p, &c.encode()).unwrap(), c);
        for bad in [
            "",
            "1\n0\n",
            "0\n2\n1 0\n",
            "0\n1\n1\n",
            "0\n2\n3 0\n1 5\n",
            "0\nx\n",
        ] {
            assert!(EpochCache::parse(p, bad).is_err(), "{bad:?}");
        }
    }
}
