//! The control records the snapshot files carry (Kafka's `ControlRecordType` and
//! `ControlRecordUtils`): key `{int16 version 0, int16 type}`, value the message at version 0,
//! encoded with kafka-protocol's message types; decoding goes through yakt-wire's bounded
//! control-record decoder.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::voters_record::{Endpoint, KRaftVersionFeature, Voter};
use kafka_protocol::messages::{
    BrokerId, KRaftVersionRecord, SnapshotFooterRecord, SnapshotHeaderRecord, VotersRecord,
};
use kafka_protocol::protocol::{Encodable, StrBytes};
pub use yakt_wire::control::ControlRecord as WireControlRecord;
use yakt_wire::Uuid;

/// `LeaderChangeMessage`.
pub const LEADER_CHANGE: i16 = 2;
/// `SnapshotHeaderRecord`.
pub const SNAPSHOT_HEADER: i16 = 3;
/// `SnapshotFooterRecord`.
pub const SNAPSHOT_FOOTER: i16 = 4;
/// `KRaftVersionRecord`.
pub const KRAFT_VERSION: i16 = 5;
/// `VotersRecord`.
pub const KRAFT_VOTERS: i16 = 6;

/// A control record: its type and encoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlRecord {
    /// The control record type (2..=6).
    pub record_type: i16,
    /// The encoded message (version 0).
    pub value: Bytes,
}

impl ControlRecord {
    /// The record as yakt-wire's typed control record (bounded decoding).
    pub fn decode(&self) -> std::result::Result<WireControlRecord, yakt_wire::ControlError> {
        WireControlRecord::decode(Some(&control_key(self.record_type)), Some(&self.value))
    }
}

/// The 4-byte key of a control record of `record_type`.
pub fn control_key(record_type: i16) -> [u8; 4] {
    let mut key = [0u8; 4];
    key[2..].copy_from_slice(&record_type.to_be_bytes());
    key
}

/// The type in a control record key, if the key is well-formed (version 0).
pub fn control_type(key: &[u8]) -> Option<i16> {
    match key {
        [0, 0, hi, lo] => Some(i16::from_be_bytes([*hi, *lo])),
        _ => None,
    }
}

fn encode<M: Encodable>(record_type: i16, message: &M) -> ControlRecord {
    let mut buf = BytesMut::new();
    message
        .encode(&mut buf, 0)
        .expect("version 0 of a control message always encodes");
    ControlRecord {
        record_type,
        value: buf.freeze(),
    }
}

/// `SnapshotHeaderRecord{version 0, lastContainedLogTimestamp}`.
pub fn snapshot_header(last_contained_log_timestamp: i64) -> ControlRecord {
    let message = SnapshotHeaderRecord::default()
        .with_version(0)
        .with_last_contained_log_timestamp(last_contained_log_timestamp);
    encode(SNAPSHOT_HEADER, &message)
}

/// `SnapshotFooterRecord{version 0}`.
pub fn snapshot_footer() -> ControlRecord {
    encode(
        SNAPSHOT_FOOTER,
        &SnapshotFooterRecord::default().with_version(0),
    )
}

/// `KRaftVersionRecord{version 0, kRaftVersion}`.
pub fn kraft_version(level: i16) -> ControlRecord {
    let message = KRaftVersionRecord::default()
        .with_version(0)
        .with_k_raft_version(level);
    encode(KRAFT_VERSION, &message)
}

/// One voter of a dynamic quorum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoterSpec {
    /// `node.id`.
    pub id: i32,
    /// The voter's metadata log directory id.
    pub directory_id: Uuid,
    /// `(listener name, host, port)` endpoints.
    pub endpoints: Vec<(String, String, u16)>,
}

/// `VotersRecord{version 0, voters}` with kraft.version support 0..=1, as `kafka-storage
/// format` writes it.
pub fn voters(voters: &[VoterSpec]) -> ControlRecord {
    let voters = voters
        .iter()
        .map(|v| {
            let endpoints = v
                .endpoints
                .iter()
                .map(|(name, host, port)| {
                    Endpoint::default()
                        .with_name(StrBytes::from_string(name.clone()))
                        .with_host(StrBytes::from_string(host.clone()))
                        .with_port(*port)
                })
                .collect();
            Voter::default()
                .with_voter_id(BrokerId(v.id))
                .with_voter_directory_id(v.directory_id.into())
                .with_endpoints(endpoints)
                .with_k_raft_version_feature(
                    KRaftVersionFeature::default()
                        .with_min_supported_version(0)
                        .with_max_supported_version(1),
                )
        })
        .collect();
    encode(
        KRAFT_VOTERS,
        &VotersRecord::default().with_version(0).with_voters(voters),
    )
}

/// Decodes a `SnapshotHeaderRecord` value; its `lastContainedLogTimestamp`.
pub fn decode_snapshot_header(value: &[u8]) -> Option<i64> {
    match decode(SNAPSHOT_HEADER, value) {
        Some(WireControlRecord::SnapshotHeader(header)) => {
            Some(header.last_contained_log_timestamp)
        }
        _ => None,
    }
}

/// Decodes a control record of `record_type` with yakt-wire's bounded decoder.
pub fn decode(record_type: i16, value: &[u8]) -> Option<WireControlRecord> {
    let key = control_key(record_type);
    WireControlRecord::decode(Some(&key), Some(value)).ok()
}
