//! The safety invariants, checked after every simulated event (reliability.md §1, Kafka's
//! `RaftEventSimulationTest`): each node's epoch and high watermark never go back; at most one
//! leader per epoch; every batch below any node's high watermark is the same batch on every node
//! that has it (log matching on the committed prefix, snapshots included); a majority of voters
//! hold every committed batch durably; and a new leader holds every committed batch (leader
//! completeness).
//!
//! The committed prefix is learned from the nodes themselves: a batch below a node's high
//! watermark is committed, and the first node to claim it fixes its content.

use std::collections::{BTreeMap, BTreeSet};

use yakt_wire::batch::{check_batch, Scan};

use crate::raft::{NodeId, RaftLog, RoleKind};

use super::storage::SimLog;
use super::trace::hash_bytes;

/// One node as the checker sees it.
#[derive(Debug)]
pub struct NodeView<'a> {
    /// The node id.
    pub id: NodeId,
    /// Whether it is a voter.
    pub is_voter: bool,
    /// Its log (the durable remains while it is down).
    pub log: &'a SimLog,
    /// Role, epoch and high watermark while it is up.
    pub running: Option<(RoleKind, i32, Option<i64>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CommittedBatch {
    last_offset: i64,
    epoch: i32,
    hash: u64,
}

#[derive(Debug, Clone, Default)]
struct NodeCheck {
    /// The node's log matches the committed batches below this offset.
    matched_end: i64,
    max_epoch: i32,
    max_high_watermark: Option<i64>,
}

/// The checker's state across a run.
#[derive(Debug, Default)]
pub struct Checker {
    committed: BTreeMap<i64, CommittedBatch>,
    committed_end: i64,
    nodes: BTreeMap<NodeId, NodeCheck>,
    leaders: BTreeMap<i32, NodeId>,
    /// The voter sets a majority may be counted in (see [`Checker::set_voter_sets`]).
    voter_sets: Vec<BTreeSet<NodeId>>,
}

enum Extend {
    /// Compare only; stop at the first batch that differs or is not known committed.
    Compare,
    /// Batches below this high watermark are committed: record new ones, fail on a difference.
    Commit(i64),
}

impl Checker {
    /// A checker with nothing seen yet. Who votes comes with each check (the views' `is_voter`:
    /// the committed voter set, which voter changes move).
    pub fn new() -> Checker {
        Checker::default()
    }

    /// The voter sets in play while voters change (KIP-853): the committed one and each
    /// leader's latest, uncommitted one. A leader counts its high watermark in its latest set,
    /// and one voter added or removed at a time keeps every majority of one set overlapping
    /// every majority of the next, so the committed prefix must be held durably by a majority of
    /// one of them. Empty: the views' `is_voter`.
    pub fn set_voter_sets(&mut self, voter_sets: Vec<BTreeSet<NodeId>>) {
        self.voter_sets = voter_sets;
    }

    /// End of the committed prefix seen so far.
    pub fn committed_end(&self) -> i64 {
        self.committed_end
    }

    /// Checks every invariant over `views` (all nodes).
    pub fn check(&mut self, views: &[NodeView<'_>]) -> Result<(), String> {
        for view in views {
            self.check_monotonic(view)?;
            self.reset_cursor(view)?;
        }
        for view in views {
            if let Some((_, _, Some(high_watermark))) = view.running {
                self.extend(view, Extend::Commit(high_watermark))?;
            }
        }
        for view in views {
            self.extend(view, Extend::Compare)?;
        }
        self.check_majority(views)
    }

    /// Leader completeness: `view` just became leader; its log must hold every committed batch.
    pub fn check_new_leader(&mut self, view: &NodeView<'_>) -> Result<(), String> {
        self.reset_cursor(view)?;
        self.extend(view, Extend::Compare)?;
        let matched = self.cursor(view.id).matched_end;
        if matched < self.committed_end {
            return Err(format!(
                "leader completeness: node {} became leader in epoch {:?} with its log matching the \
                 committed prefix only up to {matched}, but {} is committed",
                view.id,
                view.running.map(|r| r.1),
                self.committed_end
            ));
        }
        Ok(())
    }

    fn cursor(&mut self, id: NodeId) -> &mut NodeCheck {
        self.nodes.entry(id).or_default()
    }

    fn check_monotonic(&mut self, view: &NodeView<'_>) -> Result<(), String> {
        let Some((role, epoch, high_watermark)) = view.running else {
            return Ok(());
        };
        let state = self.nodes.entry(view.id).or_default();
        if epoch < state.max_epoch {
            return Err(format!(
                "epoch of node {} went back from {} to {epoch}",
                view.id, state.max_epoch
            ));
        }
        state.max_epoch = epoch;
        if let Some(hwm) = high_watermark {
            if state.max_high_watermark.is_some_and(|max| hwm < max) {
                return Err(format!(
                    "high watermark of node {} went back from {:?} to {hwm}",
                    view.id, state.max_high_watermark
                ));
            }
            state.max_high_watermark = Some(hwm);
        }
        if role == RoleKind::Leader {
            match self.leaders.insert(epoch, view.id) {
                Some(other) if other != view.id => {
                    return Err(format!(
                        "two leaders in epoch {epoch}: nodes {other} and {}",
                        view.id
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Pulls the cursor back to the log end after a truncation or crash, and across a snapshot
    /// the node loaded (checking the snapshot's batches).
    fn reset_cursor(&mut self, view: &NodeView<'_>) -> Result<(), String> {
        let log = view.log;
        let end = log.log_end_offset();
        let start = log.log_start_offset();
        let matched = self.cursor(view.id).matched_end;
        if matched > end {
            self.cursor(view.id).matched_end = end;
        }
        let matched = self.cursor(view.id).matched_end;
        if start > matched {
            self.check_snapshot(view, matched)?;
            self.cursor(view.id).matched_end = start;
        }
        Ok(())
    }

    fn check_snapshot(&mut self, view: &NodeView<'_>, from: i64) -> Result<(), String> {
        let log = view.log;
        let start = log.log_start_offset();
        let Some(id) = log.latest_snapshot_id().filter(|id| id.offset >= start) else {
            return Err(format!(
                "node {} starts at {start} without a snapshot there",
                view.id
            ));
        };
        let bytes = log
            .snapshot(id)
            .map_err(|e| format!("node {}: {e}", view.id))?
            .unwrap_or_default();
        let mut position = 0;
        while position < bytes.len() {
            let header = match check_batch(&bytes[position..], usize::MAX >> 1) {
                Ok(Scan::Batch(header)) => header,
                other => {
                    return Err(format!(
                        "snapshot {id} of node {}: bad batch {other:?}",
                        view.id
                    ))
                }
            };
            let size = header.size_in_bytes();
            let batch = &bytes[position..position + size];
            position += size;
            if header.base_offset < from || header.base_offset >= start {
                continue;
            }
            let found = CommittedBatch {
                last_offset: header.last_offset(),
                epoch: header.partition_leader_epoch,
                hash: hash_bytes(batch),
            };
            self.commit_or_compare(view.id, header.base_offset, found, true)?;
        }
        Ok(())
    }

    fn commit_or_compare(
        &mut self,
        node: NodeId,
        base: i64,
        found: CommittedBatch,
        commit: bool,
    ) -> Result<bool, String> {
        match self.committed.get(&base) {
            Some(expected) if *expected == found => Ok(true),
            Some(expected) => {
                if commit {
                    Err(format!(
                        "log matching: node {node} has batch at {base} = {found:?} below its high \
                         watermark, but the committed batch there is {expected:?}"
                    ))
                } else {
                    Ok(false)
                }
            }
            None if commit && base >= self.committed_end => {
                self.committed.insert(base, found);
                self.committed_end = found.last_offset + 1;
                Ok(true)
            }
            None if commit => Err(format!(
                "node {node} claims batch at {base} committed, inside the committed prefix (end {}) \
                 but not on a committed batch boundary",
                self.committed_end
            )),
            None => Ok(false),
        }
    }

    fn extend(&mut self, view: &NodeView<'_>, mode: Extend) -> Result<(), String> {
        let mut matched = self.cursor(view.id).matched_end;
        let limit = match mode {
            Extend::Commit(high_watermark) => high_watermark,
            Extend::Compare => self.committed_end,
        };
        if matched >= limit {
            // The first batch from `matched` already reaches the limit: nothing to read.
            return Ok(());
        }
        for batch in view.log.batches_from(matched) {
            let (base, last, epoch, bytes) = batch.map_err(|e| format!("node {}: {e}", view.id))?;
            if last >= limit {
                break;
            }
            if base != matched {
                return Err(format!(
                    "node {}: batch at {base} does not start at the matched end {matched}",
                    view.id
                ));
            }
            let found = CommittedBatch {
                last_offset: last,
                epoch,
                hash: hash_bytes(&bytes),
            };
            let commit = matches!(mode, Extend::Commit(_));
            if !self.commit_or_compare(view.id, base, found, commit)? {
                break;
            }
            matched = last + 1;
        }
        self.cursor(view.id).matched_end = matched;
        Ok(())
    }

    fn check_majority(&mut self, views: &[NodeView<'_>]) -> Result<(), String> {
        if self.committed_end == 0 {
            return Ok(());
        }
        let holds = |v: &NodeView<'_>| {
            let matched = self.nodes.get(&v.id).map_or(0, |n| n.matched_end);
            matched.min(v.log.flushed_offset()) >= self.committed_end
        };
        let from_views: BTreeSet<NodeId> =
            views.iter().filter(|v| v.is_voter).map(|v| v.id).collect();
        let sets = if self.voter_sets.is_empty() {
            std::slice::from_ref(&from_views)
        } else {
            self.voter_sets.as_slice()
        };
        let mut counts = Vec::new();
        for set in sets {
            let holding = views
                .iter()
                .filter(|v| set.contains(&v.id) && holds(v))
                .count();
            if holding * 2 > set.len() {
                return Ok(());
            }
            let count = format!("{holding} of {} {set:?}", set.len());
            if !counts.contains(&count) {
                counts.push(count);
            }
        }
        Err(format!(
            "only {} voters hold the committed prefix (end {}) durably",
            counts.join(", or "),
            self.committed_end
        ))
    }
}
