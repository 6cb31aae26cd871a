//! Control batches the engine writes itself: the LeaderChangeMessage a new leader appends at the
//! start of its epoch, followed at kraft.version 1, while the log holds no voter set yet, by a
//! KRaftVersionRecord and a VotersRecord (kraft-interop.md §2.3, Kafka's
//! `LeaderState.appendStartOfEpochControlRecords`), and the VotersRecord batch of a voter
//! change (KIP-853). A control record's key is `int16 version =
//! 0, int16 type`; its value is the message at version 0.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::leader_change_message::{LeaderChangeMessage, Voter};
use kafka_protocol::messages::KRaftVersionRecord;
use kafka_protocol::protocol::{Decodable, Encodable};
use yakt_wire::batch::{BatchBuilder, BatchView};

use super::types::NodeId;
use super::voters::VoterSet;

/// Control record type of LeaderChangeMessage.
pub const LEADER_CHANGE_TYPE: i16 = 2;
/// Control record type of KRaftVersionRecord.
pub const KRAFT_VERSION_TYPE: i16 = 5;
/// Control record type of VotersRecord.
pub const VOTERS_TYPE: i16 = 6;

/// `message` encoded at version 0, as control records are.
pub(crate) fn encode<T: Encodable>(message: &T) -> BytesMut {
    let mut value = BytesMut::new();
    message
        .encode(&mut value, 0)
        .expect("a control record built here always encodes at version 0");
    value
}

/// The start-of-epoch control batch: a LeaderChangeMessage, then (when `voter_set` is given) a
/// KRaftVersionRecord and a VotersRecord.
pub fn start_of_epoch_batch(
    base_offset: i64,
    epoch: i32,
    timestamp_ms: i64,
    leader_id: NodeId,
    voters: impl IntoIterator<Item = NodeId>,
    granting_voters: impl IntoIterator<Item = NodeId>,
    voter_set: Option<(i16, &VoterSet)>,
) -> Bytes {
    let to_voters = |ids: &mut dyn Iterator<Item = NodeId>| -> Vec<Voter> {
        ids.map(|id| Voter::default().with_voter_id(id)).collect()
    };
    let message = LeaderChangeMessage::default()
        .with_version(0)
        .with_leader_id(leader_id.into())
        .with_voters(to_voters(&mut voters.into_iter()))
        .with_granting_voters(to_voters(&mut granting_voters.into_iter()));
    let mut builder = BatchBuilder::new(base_offset, epoch, timestamp_ms).control();
    builder.push(
        Some(&control_key(LEADER_CHANGE_TYPE)),
        Some(&encode(&message)),
    );
    if let Some((kraft_version, set)) = voter_set {
        let version = KRaftVersionRecord::default()
            .with_version(0)
            .with_k_raft_version(kraft_version);
        builder.push(
            Some(&control_key(KRAFT_VERSION_TYPE)),
            Some(&encode(&version)),
        );
        builder.push(
            Some(&control_key(VOTERS_TYPE)),
            Some(&encode(&set.to_record())),
        );
    }
    builder.build()
}

/// A control batch holding one VotersRecord: a leader's voter change (KIP-853).
pub fn voters_batch(base_offset: i64, epoch: i32, timestamp_ms: i64, set: &VoterSet) -> Bytes {
    let mut builder = BatchBuilder::new(base_offset, epoch, timestamp_ms).control();
    builder.push(
        Some(&control_key(VOTERS_TYPE)),
        Some(&encode(&set.to_record())),
    );
    builder.build()
}

/// The key of a control record of `record_type`.
pub fn control_key(record_type: i16) -> [u8; 4] {
    let mut key = [0u8; 4];
    key[2..4].copy_from_slice(&record_type.to_be_bytes());
    key
}

/// The control batch a kraft.version 0 leader appends when elected: one LeaderChangeMessage
/// naming it, the voters, and the voters that granted it the election.
pub fn leader_change_batch(
    base_offset: i64,
    epoch: i32,
    timestamp_ms: i64,
    leader_id: NodeId,
    voters: impl IntoIterator<Item = NodeId>,
    granting_voters: impl IntoIterator<Item = NodeId>,
) -> Bytes {
    start_of_epoch_batch(
        base_offset,
        epoch,
        timestamp_ms,
        leader_id,
        voters,
        granting_voters,
        None,
    )
}

/// The LeaderChangeMessage in `batch`, if it is a control batch holding one.
pub fn parse_leader_change(batch: &[u8]) -> Option<LeaderChangeMessage> {
    let view = BatchView::parse(batch).ok()?;
    if !view.header.is_control() {
        return None;
    }
    let record = view.records().next()?.ok()?;
    if record.key? != control_key(LEADER_CHANGE_TYPE) {
        return None;
    }
    let mut value = Bytes::copy_from_slice(record.value?);
    LeaderChangeMessage::decode(&mut value, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kraft_version_1_start_of_epoch_batch_carries_the_voter_set() {
        use crate::raft::types::Endpoint;
        use crate::raft::voters::{quorum_records, QuorumRecord};
        use kafka_protocol::messages::VotersRecord;
        use std::collections::BTreeMap;
        use yakt_wire::Uuid;
        let endpoints = BTreeMap::from([(
            1,
            Endpoint {
                host: "c1".into(),
                port: 9093,
            },
        )]);
        let set = VoterSet::from_endpoints(
            &endpoints,
            &BTreeMap::from([(1, Uuid::new(7, 9))]),
            "CONTROLLER",
        );
        let batch = start_of_epoch_batch(0, 1, 5, 1, [1], [1], Some((1, &set)));
        let view = BatchView::parse(&batch).unwrap();
        let keys: Vec<Vec<u8>> = view
            .records()
            .map(|r| r.unwrap().key.unwrap().to_vec())
            .collect();
        assert_eq!(
            keys,
            vec![
                control_key(LEADER_CHANGE_TYPE).to_vec(),
                control_key(KRAFT_VERSION_TYPE).to_vec(),
                control_key(VOTERS_TYPE).to_vec()
            ]
        );
        let voters = view.records().nth(2).unwrap().unwrap().value.unwrap();
        let decoded = VotersRecord::decode(&mut Bytes::copy_from_slice(voters), 0).unwrap();
        assert_eq!(decoded.voters[0].voter_id.0, 1);
        assert_eq!(
            Uuid::from(decoded.voters[0].voter_directory_id),
            Uuid::new(7, 9)
        );
        assert_eq!(decoded.voters[0].endpoints[0].port, 9093);
        assert_eq!(
            quorum_records(&batch, None),
            vec![
                QuorumRecord::KRaftVersion(1, 1),
                QuorumRecord::Voters(2, set.clone())
            ]
        );
        assert!(quorum_records(&leader_change_batch(0, 1, 5, 1, [1], [1]), None).is_empty());
        let change = voters_batch(9, 2, 5, &set);
        assert_eq!(
            quorum_records(&change, None),
            vec![QuorumRecord::Voters(9, set)]
        );
    }

    #[test]
    fn leader_change_round_trips() {
        let batch = leader_change_batch(7, 3, 1_000, 2, [1, 2, 3], [2, 3]);
        let view = BatchView::parse(&batch).unwrap();
        assert_eq!(view.header.base_offset, 7);
        assert_eq!(view.header.partition_leader_epoch, 3);
        assert!(view.header.is_control());
        let message = parse_leader_change(&batch).unwrap();
        assert_eq!(message.leader_id.0, 2);
        let voters: Vec<i32> = message.voters.iter().map(|v| v.voter_id).collect();
        assert_eq!(voters, vec![1, 2, 3]);
        let granting: Vec<i32> = message.granting_voters.iter().map(|v| v.voter_id).collect();
        assert_eq!(granting, vec![2, 3]);
    }
}
