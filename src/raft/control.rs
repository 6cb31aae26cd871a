//! Control batches the engine writes itself: the LeaderChangeMessage a new leader appends at the
//! start of its epoch (kraft-interop.md §2.3). A control record's key is `int16 version = 0,
//! int16 type`; its value is the message at version 0.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::leader_change_message::{LeaderChangeMessage, Voter};
use kafka_protocol::protocol::{Decodable, Encodable};
use yakt_wire::batch::{BatchBuilder, BatchView};

use super::types::NodeId;

/// Control record type of LeaderChangeMessage.
pub const LEADER_CHANGE_TYPE: i16 = 2;

/// The key of a control record of `record_type`.
pub fn control_key(record_type: i16) -> [u8; 4] {
    let mut key = [0u8; 4];
    key[2..4].copy_from_slice(&record_type.to_be_bytes());
    key
}

/// The control batch a leader appends when elected: one LeaderChangeMessage naming it, the
/// voters, and the voters that granted it the election.
pub fn leader_change_batch(
    base_offset: i64,
    epoch: i32,
    timestamp_ms: i64,
    leader_id: NodeId,
    voters: impl IntoIterator<Item = NodeId>,
    granting_voters: impl IntoIterator<Item = NodeId>,
) -> Bytes {
    let to_voters = |ids: &mut dyn Iterator<Item = NodeId>| -> Vec<Voter> {
        ids.map(|id| Voter::default().with_voter_id(id)).collect()
    };
    let message = LeaderChangeMessage::default()
        .with_version(0)
        .with_leader_id(leader_id.into())
        .with_voters(to_voters(&mut voters.into_iter()))
        .with_granting_voters(to_voters(&mut granting_voters.into_iter()));
    let mut value = BytesMut::new();
    message
        .encode(&mut value, 0)
        .expect("a LeaderChangeMessage built here always encodes at version 0");
    let mut builder = BatchBuilder::new(base_offset, epoch, timestamp_ms).control();
    builder.push(Some(&control_key(LEADER_CHANGE_TYPE)), Some(&value));
    builder.build()
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
