//! Control batches the engine writes itself: the LeaderChangeMessage a new leader appends at the
//! start of its epoch, followed at kraft.version 1, while the log holds no voter set yet, by a
//! KRaftVersionRecord and a VotersRecord (kraft-interop.md §2.3, Kafka's
//! `LeaderState.appendStartOfEpochControlRecords`). A control record's key is `int16 version =
//! 0, int16 type`; its value is the message at version 0.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::leader_change_message::{LeaderChangeMessage, Voter};
use kafka_protocol::messages::voters_record::{self, VotersRecord};
use kafka_protocol::messages::KRaftVersionRecord;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use yakt_wire::batch::{check_batch, BatchBuilder, BatchView, Scan};
use yakt_wire::Uuid;

use super::types::{Endpoint, NodeId};

/// Control record type of LeaderChangeMessage.
pub const LEADER_CHANGE_TYPE: i16 = 2;
/// Control record type of KRaftVersionRecord.
pub const KRAFT_VERSION_TYPE: i16 = 5;
/// Control record type of VotersRecord.
pub const VOTERS_TYPE: i16 = 6;

/// One voter as a VotersRecord names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterEntry {
    /// Its id.
    pub id: NodeId,
    /// Its metadata directory id.
    pub directory_id: Uuid,
    /// Its controller endpoint, with the listener name.
    pub endpoint: Option<(String, Endpoint)>,
}

/// The voter set a kraft.version 1 leader writes at the start of its first epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterSetRecords {
    /// The finalized kraft.version.
    pub kraft_version: i16,
    /// The voters.
    pub voters: Vec<VoterEntry>,
}

fn encode<T: Encodable>(message: &T) -> BytesMut {
    let mut value = BytesMut::new();
    message
        .encode(&mut value, 0)
        .expect("a control record built here always encodes at version 0");
    value
}

fn voters_record(set: &VoterSetRecords) -> VotersRecord {
    let voters = set
        .voters
        .iter()
        .map(|voter| {
            let endpoints = voter
                .endpoint
                .iter()
                .map(|(name, endpoint)| {
                    voters_record::Endpoint::default()
                        .with_name(StrBytes::from_string(name.clone()))
                        .with_host(StrBytes::from_string(endpoint.host.clone()))
                        .with_port(endpoint.port)
                })
                .collect();
            voters_record::Voter::default()
                .with_voter_id(voter.id.into())
                .with_voter_directory_id(voter.directory_id.into())
                .with_endpoints(endpoints)
                .with_k_raft_version_feature(
                    voters_record::KRaftVersionFeature::default()
                        .with_min_supported_version(0)
                        .with_max_supported_version(1),
                )
        })
        .collect();
    VotersRecord::default().with_version(0).with_voters(voters)
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
    voter_set: Option<&VoterSetRecords>,
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
    if let Some(set) = voter_set {
        let version = KRaftVersionRecord::default()
            .with_version(0)
            .with_k_raft_version(set.kraft_version);
        builder.push(
            Some(&control_key(KRAFT_VERSION_TYPE)),
            Some(&encode(&version)),
        );
        builder.push(
            Some(&control_key(VOTERS_TYPE)),
            Some(&encode(&voters_record(set))),
        );
    }
    builder.build()
}

/// The offset of the last VotersRecord in `batches` (whole batches, as fetched), if any.
pub fn last_voters_record_offset(batches: &[u8]) -> Option<i64> {
    let mut position = 0;
    let mut found = None;
    while position < batches.len() {
        let Ok(Scan::Batch(header)) = check_batch(&batches[position..], usize::MAX >> 1) else {
            break;
        };
        let size = header.size_in_bytes();
        if header.is_control() {
            if let Ok(view) = BatchView::parse(&batches[position..position + size]) {
                for record in view.records().flatten() {
                    if record.key == Some(&control_key(VOTERS_TYPE)[..]) {
                        found = Some(header.base_offset + i64::from(record.offset_delta));
                    }
                }
            }
        }
        position += size;
    }
    found
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
        let set = VoterSetRecords {
            kraft_version: 1,
            voters: vec![VoterEntry {
                id: 1,
                directory_id: Uuid::new(7, 9),
                endpoint: Some((
                    "CONTROLLER".into(),
                    Endpoint {
                        host: "c1".into(),
                        port: 9093,
                    },
                )),
            }],
        };
        let batch = start_of_epoch_batch(0, 1, 5, 1, [1], [1], Some(&set));
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
        assert_eq!(last_voters_record_offset(&batch), Some(2));
        assert_eq!(
            last_voters_record_offset(&leader_change_batch(0, 1, 5, 1, [1], [1])),
            None
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
