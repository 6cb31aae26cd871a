//! The voter set as of any log offset (KIP-853; Kafka's `VoterSet`, `VoterSetHistory` and
//! `KRaftControlRecordStateMachine`). A quorum starts from its bootstrap set (the static
//! `controller.quorum.voters`, or the 0-0 checkpoint's VotersRecord); every VotersRecord in the
//! log or in a snapshot replaces it from its offset on. A record takes effect as soon as it is
//! appended, committed or not, and truncating the log drops it again: a node always acts on the
//! latest set it holds (elections, the high watermark, BeginQuorumEpoch, DescribeQuorum).

use std::collections::BTreeMap;

use kafka_protocol::messages::voters_record::{self, VotersRecord};
use kafka_protocol::protocol::StrBytes;
use yakt_wire::batch::{BatchHeader, BatchView, BATCH_HEADER_LEN};
use yakt_wire::control::ControlRecord;
use yakt_wire::Uuid;

use super::types::{Endpoint, NodeId};

/// The kraft.version range this implementation supports (KIP-853's `KRaftVersionFeature`).
pub const SUPPORTED_KRAFT_VERSIONS: (i16, i16) = (0, 1);

/// One voter: its directory id, its endpoints by listener name, and the kraft.version range it
/// supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    /// Its metadata directory id (`Uuid::ZERO` in a static quorum).
    pub directory_id: Uuid,
    /// Its endpoints, as (listener name, host and port), in the record's order.
    pub endpoints: Vec<(String, Endpoint)>,
    /// The kraft.version range it supports (min, max).
    pub kraft_versions: (i16, i16),
}

impl Voter {
    /// The endpoint on `listener`, or the first one when no endpoint has that name.
    pub fn endpoint(&self, listener: &str) -> Option<&Endpoint> {
        self.endpoints
            .iter()
            .find(|(name, _)| name == listener)
            .or(self.endpoints.first())
            .map(|(_, endpoint)| endpoint)
    }
}

/// A set of voters by id (Kafka's `VoterSet`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoterSet {
    voters: BTreeMap<NodeId, Voter>,
}

impl VoterSet {
    /// The set of `voters`.
    pub fn new(voters: BTreeMap<NodeId, Voter>) -> VoterSet {
        VoterSet { voters }
    }

    /// A static or bootstrap set: each voter's endpoint on `listener`, its directory id from
    /// `directory_ids` (zero when absent).
    pub fn from_endpoints(
        endpoints: &BTreeMap<NodeId, Endpoint>,
        directory_ids: &BTreeMap<NodeId, Uuid>,
        listener: &str,
    ) -> VoterSet {
        let voters = endpoints
            .iter()
            .map(|(id, endpoint)| {
                let voter = Voter {
                    directory_id: directory_ids.get(id).copied().unwrap_or_default(),
                    endpoints: vec![(listener.to_owned(), endpoint.clone())],
                    kraft_versions: SUPPORTED_KRAFT_VERSIONS,
                };
                (*id, voter)
            })
            .collect();
        VoterSet { voters }
    }

    /// Whether `id` votes.
    pub fn contains(&self, id: NodeId) -> bool {
        self.voters.contains_key(&id)
    }

    /// The voter `id`.
    pub fn get(&self, id: NodeId) -> Option<&Voter> {
        self.voters.get(&id)
    }

    /// The voter ids, ascending.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.voters.keys().copied()
    }

    /// The voters, by id.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Voter)> + '_ {
        self.voters.iter().map(|(id, voter)| (*id, voter))
    }

    /// How many voters there are.
    pub fn len(&self) -> usize {
        self.voters.len()
    }

    /// Whether there is no voter (an observer that has not learned the set yet).
    pub fn is_empty(&self) -> bool {
        self.voters.is_empty()
    }

    /// Votes needed for a decision: a strict majority.
    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    /// The directory id of voter `id` (`Uuid::ZERO` when unknown).
    pub fn directory_id(&self, id: NodeId) -> Uuid {
        self.voters
            .get(&id)
            .map(|v| v.directory_id)
            .unwrap_or_default()
    }

    /// The set with `voter` added as `id`; `None` if `id` already votes.
    pub fn add(&self, id: NodeId, voter: Voter) -> Option<VoterSet> {
        if self.voters.contains_key(&id) {
            return None;
        }
        let mut next = self.clone();
        next.voters.insert(id, voter);
        Some(next)
    }

    /// The set without voter (`id`, `directory_id`); `None` if no voter has that key.
    pub fn remove(&self, id: NodeId, directory_id: Uuid) -> Option<VoterSet> {
        if self.voters.get(&id)?.directory_id != directory_id {
            return None;
        }
        let mut next = self.clone();
        next.voters.remove(&id);
        Some(next)
    }

    /// The set with voter (`id`, `voter.directory_id`) replaced by `voter`; `None` if no voter
    /// has that key.
    pub fn update(&self, id: NodeId, voter: Voter) -> Option<VoterSet> {
        if self.voters.get(&id)?.directory_id != voter.directory_id {
            return None;
        }
        let mut next = self.clone();
        next.voters.insert(id, voter);
        Some(next)
    }

    /// The set as a VotersRecord (version 0).
    pub fn to_record(&self) -> VotersRecord {
        let voters = self
            .voters
            .iter()
            .map(|(id, voter)| {
                let endpoints = voter
                    .endpoints
                    .iter()
                    .map(|(name, endpoint)| {
                        voters_record::Endpoint::default()
                            .with_name(StrBytes::from_string(name.clone()))
                            .with_host(StrBytes::from_string(endpoint.host.clone()))
                            .with_port(endpoint.port)
                    })
                    .collect();
                voters_record::Voter::default()
                    .with_voter_id((*id).into())
                    .with_voter_directory_id(voter.directory_id.into())
                    .with_endpoints(endpoints)
                    .with_k_raft_version_feature(
                        voters_record::KRaftVersionFeature::default()
                            .with_min_supported_version(voter.kraft_versions.0)
                            .with_max_supported_version(voter.kraft_versions.1),
                    )
            })
            .collect();
        VotersRecord::default().with_version(0).with_voters(voters)
    }

    /// The set a VotersRecord names.
    pub fn from_record(record: &VotersRecord) -> VoterSet {
        let voters = record
            .voters
            .iter()
            .map(|voter| {
                let endpoints = voter
                    .endpoints
                    .iter()
                    .map(|e| {
                        let endpoint = Endpoint {
                            host: e.host.to_string(),
                            port: e.port,
                        };
                        (e.name.to_string(), endpoint)
                    })
                    .collect();
                let feature = &voter.k_raft_version_feature;
                let entry = Voter {
                    directory_id: voter.voter_directory_id.into(),
                    endpoints,
                    kraft_versions: (feature.min_supported_version, feature.max_supported_version),
                };
                (voter.voter_id.0, entry)
            })
            .collect();
        VoterSet { voters }
    }
}

/// A VotersRecord or KRaftVersionRecord found in the log, with its offset.
#[derive(Debug, Clone, PartialEq)]
pub enum QuorumRecord {
    /// A VotersRecord.
    Voters(i64, VoterSet),
    /// A KRaftVersionRecord.
    KRaftVersion(i64, i16),
}

/// The VotersRecords and KRaftVersionRecords in `batches` (whole batches, as read or fetched),
/// in log order. A record at `offset_override` is placed there instead of at its own offset
/// (a snapshot's records belong to the offset before the snapshot's end). Batches that do not
/// parse end the scan: they were checked when they entered the log.
pub fn quorum_records(batches: &[u8], offset_override: Option<i64>) -> Vec<QuorumRecord> {
    scan(batches, offset_override).0
}

/// [`quorum_records`], and the offset after the last whole batch in `batches` (`None` if
/// there is none). Only control batches are decoded (and their CRC checked); the others are
/// stepped over by their headers.
pub fn scan(batches: &[u8], offset_override: Option<i64>) -> (Vec<QuorumRecord>, Option<i64>) {
    let mut position = 0;
    let mut found = Vec::new();
    let mut next_offset = None;
    while position < batches.len() {
        let rest = &batches[position..];
        let Ok(header) = BatchHeader::parse(rest) else {
            break;
        };
        let size = header.size_in_bytes();
        if size < BATCH_HEADER_LEN || size > rest.len() {
            break;
        }
        if header.is_control() {
            if let Ok(view) = BatchView::parse(&rest[..size]) {
                for record in view.records().flatten() {
                    let offset = offset_override
                        .unwrap_or(header.base_offset + i64::from(record.offset_delta));
                    match ControlRecord::decode(record.key, record.value) {
                        Ok(ControlRecord::Voters(r)) => {
                            found.push(QuorumRecord::Voters(offset, VoterSet::from_record(&r)))
                        }
                        Ok(ControlRecord::KRaftVersion(r)) => {
                            found.push(QuorumRecord::KRaftVersion(offset, r.k_raft_version))
                        }
                        _ => {}
                    }
                }
            }
        }
        next_offset = Some(header.next_offset());
        position += size;
    }
    (found, next_offset)
}

/// The voter set and kraft.version as of every offset (Kafka's `VoterSetHistory` and the
/// kraft.version history): the bootstrap values, then each record by offset.
#[derive(Debug, Clone, PartialEq)]
pub struct VoterSetHistory {
    bootstrap: VoterSet,
    bootstrap_kraft_version: i16,
    voters: Vec<(i64, VoterSet)>,
    kraft_versions: Vec<(i64, i16)>,
}

impl VoterSetHistory {
    /// A history holding only the bootstrap set and kraft.version.
    pub fn new(bootstrap: VoterSet, kraft_version: i16) -> VoterSetHistory {
        VoterSetHistory {
            bootstrap,
            bootstrap_kraft_version: kraft_version,
            voters: Vec::new(),
            kraft_versions: Vec::new(),
        }
    }

    /// The latest voter set, committed or not.
    pub fn latest(&self) -> &VoterSet {
        self.voters
            .last()
            .map(|(_, set)| set)
            .unwrap_or(&self.bootstrap)
    }

    /// The offset of the latest VotersRecord, if the log (or a snapshot) holds one.
    pub fn latest_offset(&self) -> Option<i64> {
        self.voters.last().map(|(offset, _)| *offset)
    }

    /// The voter set in force at `offset` (the last record at or below it).
    pub fn at(&self, offset: i64) -> &VoterSet {
        self.voters
            .iter()
            .rev()
            .find(|(at, _)| *at <= offset)
            .map(|(_, set)| set)
            .unwrap_or(&self.bootstrap)
    }

    /// The latest kraft.version.
    pub fn kraft_version(&self) -> i16 {
        self.kraft_versions
            .last()
            .map(|(_, v)| *v)
            .unwrap_or(self.bootstrap_kraft_version)
    }

    /// Adds what a VotersRecord or KRaftVersionRecord at its offset says. Records below the
    /// latest one already known (read again) are ignored; one at the same offset replaces it.
    pub fn apply(&mut self, record: QuorumRecord) {
        match record {
            QuorumRecord::Voters(offset, set) => match self.latest_offset() {
                Some(last) if offset < last => {}
                // Several records placed at one offset (a snapshot's): the last one holds.
                Some(last) if offset == last => {
                    if let Some(entry) = self.voters.last_mut() {
                        entry.1 = set;
                    }
                }
                _ => self.voters.push((offset, set)),
            },
            QuorumRecord::KRaftVersion(offset, version) => {
                if self
                    .kraft_versions
                    .last()
                    .is_none_or(|(last, _)| offset > *last)
                {
                    self.kraft_versions.push((offset, version));
                }
            }
        }
    }

    /// Adds every quorum record in `batches`.
    pub fn apply_batches(&mut self, batches: &[u8]) {
        for record in quorum_records(batches, None) {
            self.apply(record);
        }
    }

    /// Forgets the records at or above `end_offset` (the log was truncated there).
    pub fn truncate_from(&mut self, end_offset: i64) {
        self.voters.retain(|(offset, _)| *offset < end_offset);
        self.kraft_versions
            .retain(|(offset, _)| *offset < end_offset);
    }

    /// The log restarted at a snapshot ending at `end_offset` holding `records`: what the
    /// snapshot says replaces everything; without records of its own, the set in force at the
    /// snapshot is kept.
    pub fn reset_to_snapshot(&mut self, end_offset: i64, records: Vec<QuorumRecord>) {
        let in_force = (end_offset - 1, self.at(end_offset - 1).clone());
        let had_record = self.voters.iter().any(|(at, _)| *at < end_offset);
        let kraft = (end_offset - 1, self.kraft_version_at(end_offset - 1));
        self.voters.clear();
        self.kraft_versions.clear();
        if records.is_empty() {
            if had_record {
                self.voters.push(in_force);
            }
            self.kraft_versions.push(kraft);
            return;
        }
        for record in records {
            self.apply(record);
        }
    }

    /// The kraft.version in force at `offset`.
    pub fn kraft_version_at(&self, offset: i64) -> i16 {
        self.kraft_versions
            .iter()
            .rev()
            .find(|(at, _)| *at <= offset)
            .map(|(_, v)| *v)
            .unwrap_or(self.bootstrap_kraft_version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::control::{control_key, VOTERS_TYPE};
    use bytes::BytesMut;
    use kafka_protocol::protocol::Encodable;
    use yakt_wire::batch::BatchBuilder;

    fn voter(n: u64) -> Voter {
        Voter {
            directory_id: Uuid::new(n, n),
            endpoints: vec![(
                "CONTROLLER".into(),
                Endpoint {
                    host: format!("c{n}"),
                    port: 9000 + n as u16,
                },
            )],
            kraft_versions: (0, 1),
        }
    }

    fn set(ids: &[i32]) -> VoterSet {
        VoterSet::new(ids.iter().map(|id| (*id, voter(*id as u64))).collect())
    }

    fn voters_batch(base_offset: i64, set: &VoterSet) -> bytes::Bytes {
        let mut value = BytesMut::new();
        set.to_record().encode(&mut value, 0).unwrap();
        let mut builder = BatchBuilder::new(base_offset, 1, 0).control();
        builder.push(Some(&control_key(VOTERS_TYPE)), Some(&value));
        builder.build()
    }

    #[test]
    fn add_remove_update_keep_the_voter_key() {
        let base = set(&[1, 2]);
        assert!(base.add(2, voter(9)).is_none(), "already a voter");
        let added = base.add(3, voter(3)).unwrap();
        assert_eq!(added.ids().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(
            added.remove(3, Uuid::new(7, 7)).is_none(),
            "wrong directory"
        );
        assert!(added.remove(4, Uuid::new(4, 4)).is_none(), "not a voter");
        assert_eq!(added.remove(3, Uuid::new(3, 3)).unwrap(), base);
        let mut moved = voter(2);
        moved.endpoints[0].1.port = 1;
        let updated = base.update(2, moved.clone()).unwrap();
        assert_eq!(updated.get(2), Some(&moved));
        moved.directory_id = Uuid::new(8, 8);
        assert!(
            base.update(2, moved).is_none(),
            "another directory is another voter"
        );
        assert_eq!(set(&[1, 2, 3, 4]).majority(), 3);
    }

    #[test]
    fn a_voter_set_survives_its_record() {
        let original = set(&[1, 5, 7]);
        assert_eq!(VoterSet::from_record(&original.to_record()), original);
        let records = quorum_records(&voters_batch(40, &original), None);
        assert_eq!(records, vec![QuorumRecord::Voters(40, original.clone())]);
        let placed = quorum_records(&voters_batch(0, &original), Some(99));
        assert_eq!(placed, vec![QuorumRecord::Voters(99, original)]);
    }

    #[test]
    fn history_follows_appends_and_truncation() {
        let mut history = VoterSetHistory::new(set(&[1]), 1);
        assert_eq!(history.latest(), &set(&[1]));
        assert_eq!(history.latest_offset(), None);
        history.apply_batches(&voters_batch(10, &set(&[1, 2])));
        history.apply_batches(&voters_batch(20, &set(&[1, 2, 3])));
        assert_eq!(history.latest(), &set(&[1, 2, 3]));
        assert_eq!(history.at(15), &set(&[1, 2]));
        assert_eq!(history.at(9), &set(&[1]));
        history.apply_batches(&voters_batch(10, &set(&[9])));
        assert_eq!(
            history.at(15),
            &set(&[1, 2]),
            "an older record read again is ignored"
        );
        history.truncate_from(20);
        assert_eq!(history.latest(), &set(&[1, 2]));
        history.truncate_from(10);
        assert_eq!(history.latest(), &set(&[1]), "back to the bootstrap set");
        assert_eq!(history.latest_offset(), None);
    }

    #[test]
    fn a_snapshot_replaces_the_history() {
        let mut history = VoterSetHistory::new(set(&[1]), 1);
        history.apply_batches(&voters_batch(10, &set(&[1, 2])));
        history.apply_batches(&voters_batch(30, &set(&[2])));
        history.reset_to_snapshot(25, Vec::new());
        assert_eq!(
            history.latest(),
            &set(&[1, 2]),
            "the set in force at the snapshot"
        );
        assert_eq!(history.latest_offset(), Some(24));
        history.reset_to_snapshot(50, vec![QuorumRecord::Voters(49, set(&[3]))]);
        assert_eq!(history.latest(), &set(&[3]));
        assert_eq!(history.kraft_version(), 1);
    }
}
