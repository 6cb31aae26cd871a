//! The controller's invariants (reliability.md §1 and §2), checked whenever a simulated
//! controller's committed image moves:
//!
//! - **identical images**: the first image any node reaches at a committed offset fixes it;
//!   every node that reaches that offset later (after a restart, a snapshot it loaded, or as the
//!   active controller) must hold an equal image;
//! - **acknowledged only when committed**: a request is answered after its records are below the
//!   committed prefix raft's checker has seen, and its effect is in the acknowledging
//!   controller's committed image;
//! - **no acknowledged metadata lost**: every image at or past an acknowledged operation's
//!   offset holds its effect (a created topic, at least an acknowledged partition count, a
//!   retention at least as new as the acknowledged one, a deleted topic gone, the producer ids
//!   after every acknowledged block), and acknowledged producer-id blocks never overlap.
//!
//! A topic the workload asked to delete is exempt from the facts of its creation from then on
//! (the deletion may commit without an answer).

use std::collections::{BTreeMap, BTreeSet};

use crate::controller::MetadataImage;

use super::workload::RETENTION_MS;

/// What an acknowledged operation guarantees about every later image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// The topic exists with this id.
    Topic(String, yakt_wire::Uuid),
    /// The topic has at least this many partitions.
    Partitions(String, i32),
    /// The topic's `retention.ms` is at least this.
    Retention(String, i64),
    /// The topic id is gone.
    Deleted(yakt_wire::Uuid),
    /// The next producer id is at least this.
    ProducerIds(i64),
}

/// The image checks' state across a run.
#[derive(Debug, Default)]
pub struct ImageChecker {
    /// The first image seen at each committed offset.
    images: BTreeMap<i64, MetadataImage>,
    /// Acknowledged facts, by the last offset of their records.
    facts: Vec<(i64, Fact)>,
    /// Topics a deletion was sent for.
    deleting: BTreeSet<String>,
    /// Acknowledged producer-id blocks: (start, end).
    blocks: Vec<(i64, i64)>,
    /// Operations acknowledged.
    pub acknowledged: u64,
}

impl ImageChecker {
    /// A checker with nothing seen yet.
    pub fn new() -> ImageChecker {
        ImageChecker::default()
    }

    /// A deletion of `topic` was sent: its creation facts no longer hold.
    pub fn deleting(&mut self, topic: &str) {
        self.deleting.insert(topic.to_owned());
    }

    /// Node `node` holds `image` complete up to `offset`: equal to the first image seen there,
    /// and holding every fact acknowledged at or below it.
    pub fn observe(&mut self, node: i32, offset: i64, image: &MetadataImage) -> Result<(), String> {
        if offset < 0 {
            return Ok(());
        }
        match self.images.get(&offset) {
            Some(first) if first == image => return Ok(()),
            Some(first) => {
                return Err(format!(
                    "images differ: node {node} at committed offset {offset}: {}",
                    first_difference(first, image)
                ))
            }
            None => {}
        }
        self.check_facts(node, offset, image)?;
        self.images.insert(offset, image.clone());
        Ok(())
    }

    /// Checks every fact acknowledged at or below `offset` against `image`.
    pub fn check_facts(&self, node: i32, offset: i64, image: &MetadataImage) -> Result<(), String> {
        for (at, fact) in self.facts.iter().filter(|(at, _)| *at <= offset) {
            if let Some(problem) = self.violated(fact, image) {
                return Err(format!(
                    "acknowledged metadata lost: node {node}'s image at committed offset {offset} \
                     {problem} ({fact:?} acknowledged at offset {at})"
                ));
            }
        }
        Ok(())
    }

    fn violated(&self, fact: &Fact, image: &MetadataImage) -> Option<String> {
        let topics = &image.topics;
        let exempt = |name: &String| self.deleting.contains(name);
        match fact {
            Fact::Topic(name, id) if !exempt(name) => match topics.topic_named(name) {
                Some(topic) if topic.id == *id => None,
                Some(topic) => Some(format!("has topic {name} as {}", topic.id)),
                None => Some(format!("lacks topic {name}")),
            },
            Fact::Partitions(name, count) if !exempt(name) => {
                let found = topics.topic_named(name).map_or(0, |t| t.partitions.len());
                (found < *count as usize).then(|| format!("has {found} partitions of {name}"))
            }
            Fact::Retention(name, value) if !exempt(name) => {
                let found = image
                    .configs
                    .get(2, name, RETENTION_MS)
                    .and_then(|v| v.parse::<i64>().ok());
                (found.is_none_or(|v| v < *value))
                    .then(|| format!("has {RETENTION_MS} {found:?} on {name}"))
            }
            Fact::Deleted(id) => topics
                .topic(*id)
                .map(|t| format!("still has deleted topic {} ({id})", t.name)),
            Fact::ProducerIds(end) => {
                let next = image.producer_ids.next_producer_id();
                (next < *end).then(|| format!("hands out producer ids from {next}"))
            }
            _ => None,
        }
    }

    /// An operation was acknowledged at `last_offset` with these facts; `committed_end` is the
    /// committed prefix raft's checker has seen, `image` the acknowledging controller's
    /// committed image (complete up to `image_offset`).
    pub fn acknowledge(
        &mut self,
        node: i32,
        last_offset: i64,
        facts: Vec<Fact>,
        committed_end: i64,
        image: (i64, &MetadataImage),
    ) -> Result<(), String> {
        self.acknowledged += 1;
        if last_offset >= committed_end {
            return Err(format!(
                "acknowledged before commit: node {node} answered a request whose records end at \
                 offset {last_offset}, but only offsets below {committed_end} are committed"
            ));
        }
        for fact in facts {
            if let Fact::ProducerIds(end) = fact {
                let start = end - crate::controller::producer_ids::PRODUCER_ID_BLOCK_SIZE;
                if let Some(other) = self.blocks.iter().find(|(s, e)| start < *e && *s < end) {
                    return Err(format!(
                        "producer ids handed out twice: block [{start}, {end}) acknowledged at \
                         offset {last_offset} overlaps the acknowledged block {other:?}"
                    ));
                }
                self.blocks.push((start, end));
            }
            self.facts.push((last_offset, fact));
        }
        self.check_facts(node, image.0, image.1)
    }

    /// Offsets at which an image was recorded.
    pub fn offsets_seen(&self) -> usize {
        self.images.len()
    }
}

/// The first record on which two images differ, for a violation message.
pub fn first_difference(expected: &MetadataImage, found: &MetadataImage) -> String {
    let (a, b) = (expected.to_records(), found.to_records());
    for (index, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        if x != y {
            return format!(
                "record {index}: expected {}, found {}",
                short(&format!("{x:?}")),
                short(&format!("{y:?}"))
            );
        }
    }
    let extra = a.get(b.len()).or(b.get(a.len()));
    format!(
        "{} records expected, {} found (first extra: {})",
        a.len(),
        b.len(),
        short(&format!("{extra:?}"))
    )
}

/// `text` cut to a readable length.
fn short(text: &str) -> String {
    const MAX: usize = 240;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}
