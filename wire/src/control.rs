//! Raft control records: the records of a control batch (attribute bit 0x20). The key is
//! `int16 version = 0, int16 type`; the value is a kafka-protocol message written at version 0
//! (Kafka's `ControlRecordType`, `ControlRecordUtils`). Types 2-6 are KRaft's; 0/1 (transaction
//! abort/commit markers) are recognised and kept as raw bytes.
//!
//! kafka-protocol sizes arrays from the wire, so every value is first checked against the
//! bounded schema below before kafka-protocol decodes it.

use bytes::Bytes;
use kafka_protocol::messages::{
    KRaftVersionRecord, LeaderChangeMessage, SnapshotFooterRecord, SnapshotHeaderRecord,
    VotersRecord,
};
use kafka_protocol::protocol::{Decodable, Encodable};

use crate::codec::{Codec, RawTaggedField};

/// Version of the control record key.
pub const CONTROL_KEY_VERSION: i16 = 0;
/// Size of the control record key.
pub const CONTROL_KEY_LEN: usize = 4;
/// Version every control record value is written and read at.
pub const CONTROL_VALUE_VERSION: i16 = 0;

/// The `type` of a control record key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i16)]
pub enum ControlRecordType {
    /// A transaction abort marker (not used by KRaft).
    Abort = 0,
    /// A transaction commit marker (not used by KRaft).
    Commit = 1,
    /// A new leader's first record of its epoch.
    LeaderChange = 2,
    /// The first record of a snapshot.
    SnapshotHeader = 3,
    /// The last record of a snapshot.
    SnapshotFooter = 4,
    /// The finalized kraft.version.
    KRaftVersion = 5,
    /// The voter set.
    Voters = 6,
}

impl ControlRecordType {
    /// The type for a key's `type` field, if known.
    pub fn from_i16(value: i16) -> Option<ControlRecordType> {
        use ControlRecordType::*;
        [
            Abort,
            Commit,
            LeaderChange,
            SnapshotHeader,
            SnapshotFooter,
            KRaftVersion,
            Voters,
        ]
        .into_iter()
        .find(|kind| *kind as i16 == value)
    }

    /// The 4-byte record key for this type.
    pub fn key(self) -> [u8; CONTROL_KEY_LEN] {
        let [v0, v1] = CONTROL_KEY_VERSION.to_be_bytes();
        let [t0, t1] = (self as i16).to_be_bytes();
        [v0, v1, t0, t1]
    }
}

/// Why a control record could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The key is null, not 4 bytes, or not version 0.
    #[error("control record key {key:?} is not int16 0, int16 type")]
    BadKey {
        /// The key bytes (None for a null key).
        key: Option<Vec<u8>>,
    },
    /// The key names a type this crate does not know.
    #[error("unknown control record type {0}")]
    UnknownType(i16),
    /// The record has no value.
    #[error("{0:?} control record has a null value")]
    MissingValue(ControlRecordType),
    /// The value does not decode.
    #[error("{kind:?} control record value v0: {reason}")]
    BadValue {
        /// The record type.
        kind: ControlRecordType,
        /// What was wrong.
        reason: String,
    },
    /// The value could not be encoded.
    #[error("{kind:?} control record cannot be encoded: {reason}")]
    Encode {
        /// The record type.
        kind: ControlRecordType,
        /// What was wrong.
        reason: String,
    },
}

/// A decoded control record.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlRecord {
    /// Transaction abort marker, value kept as bytes.
    Abort(Bytes),
    /// Transaction commit marker, value kept as bytes.
    Commit(Bytes),
    /// A leader's first record of its epoch.
    LeaderChange(LeaderChangeMessage),
    /// The first record of a snapshot.
    SnapshotHeader(SnapshotHeaderRecord),
    /// The last record of a snapshot.
    SnapshotFooter(SnapshotFooterRecord),
    /// The finalized kraft.version.
    KRaftVersion(KRaftVersionRecord),
    /// The voter set.
    Voters(VotersRecord),
}

/// Bounded schemas of the control record values at version 0, used to check the bytes before
/// kafka-protocol (which sizes arrays from the wire) decodes them.
mod schema {
    use crate::uuid::Uuid;

    structure! {
        /// LeaderChangeMessage voter.
        LeaderChangeVoter {
            /// Voter id.
            voter_id: i32, since 0;
            /// Directory id (v1).
            voter_directory_id: Uuid, since 1;
        }
    }

    structure! {
        /// LeaderChangeMessage.
        LeaderChange {
            /// Version.
            version: i16, since 0;
            /// Leader id.
            leader_id: i32, since 0;
            /// Voters.
            voters: Vec<LeaderChangeVoter>, since 0;
            /// Granting voters.
            granting_voters: Vec<LeaderChangeVoter>, since 0;
        }
    }

    structure! {
        /// SnapshotHeaderRecord.
        SnapshotHeader {
            /// Version.
            version: i16, since 0;
            /// Timestamp of the last record in the snapshot.
            last_contained_log_timestamp: i64, since 0;
        }
    }

    structure! {
        /// SnapshotFooterRecord.
        SnapshotFooter {
            /// Version.
            version: i16, since 0;
        }
    }

    structure! {
        /// KRaftVersionRecord.
        KRaftVersion {
            /// Version.
            version: i16, since 0;
            /// The kraft.version level.
            kraft_version: i16, since 0;
        }
    }

    structure! {
        /// VotersRecord endpoint.
        Endpoint {
            /// Listener name.
            name: String, since 0;
            /// Host.
            host: String, since 0;
            /// Port.
            port: u16, since 0;
        }
    }

    structure! {
        /// VotersRecord kraft.version range.
        KRaftVersionFeature {
            /// Lowest supported level.
            min_supported_version: i16, since 0;
            /// Highest supported level.
            max_supported_version: i16, since 0;
        }
    }

    structure! {
        /// VotersRecord voter.
        Voter {
            /// Voter id.
            voter_id: i32, since 0;
            /// Directory id.
            voter_directory_id: Uuid, since 0;
            /// Endpoints.
            endpoints: Vec<Endpoint>, since 0;
            /// Supported kraft.version range.
            kraft_version_feature: KRaftVersionFeature, since 0;
        }
    }

    structure! {
        /// VotersRecord.
        Voters {
            /// Version.
            version: i16, since 0;
            /// Voters.
            voters: Vec<Voter>, since 0;
        }
    }
}

/// A bounded schema of a control record value.
trait Schema: Codec {
    /// The largest tag among the unknown tagged fields, nested structures included.
    fn largest_tag(&self) -> u32;
}

fn last_tag(fields: &[RawTaggedField]) -> u32 {
    fields.last().map_or(0, |field| field.tag)
}

macro_rules! flat_schema {
    ($($ty:ident),*) => {$(
        impl Schema for schema::$ty {
            fn largest_tag(&self) -> u32 {
                last_tag(&self.unknown_tagged_fields)
            }
        }
    )*};
}

flat_schema!(SnapshotHeader, SnapshotFooter, KRaftVersion);

impl Schema for schema::LeaderChange {
    fn largest_tag(&self) -> u32 {
        let voters = self.voters.iter().chain(&self.granting_voters);
        voters
            .map(|voter| last_tag(&voter.unknown_tagged_fields))
            .fold(last_tag(&self.unknown_tagged_fields), u32::max)
    }
}

impl Schema for schema::Voters {
    fn largest_tag(&self) -> u32 {
        let mut largest = last_tag(&self.unknown_tagged_fields);
        for voter in &self.voters {
            largest = largest
                .max(last_tag(&voter.unknown_tagged_fields))
                .max(last_tag(&voter.kraft_version_feature.unknown_tagged_fields));
            for endpoint in &voter.endpoints {
                largest = largest.max(last_tag(&endpoint.unknown_tagged_fields));
            }
        }
        largest
    }
}

/// Decodes a kafka-protocol message after checking it against its bounded schema `S`: the
/// whole value, no trailing bytes, and every tag below 2^31 (kafka-protocol keys unknown tags by
/// `i32`, so larger ones would be reordered on re-encoding).
fn decode_checked<S: Schema, M: Decodable>(value: &[u8]) -> Result<M, String> {
    let mut input = value;
    let checked = S::read(&mut input, CONTROL_VALUE_VERSION).map_err(|err| err.to_string())?;
    if !input.is_empty() {
        return Err(format!("{} bytes after the value", input.len()));
    }
    if checked.largest_tag() > i32::MAX as u32 {
        return Err(format!("tag {} is over 2^31 - 1", checked.largest_tag()));
    }
    let mut input = Bytes::copy_from_slice(value);
    let message = M::decode(&mut input, CONTROL_VALUE_VERSION).map_err(|err| err.to_string())?;
    if !input.is_empty() {
        return Err(format!("{} bytes after the value", input.len()));
    }
    Ok(message)
}

impl ControlRecord {
    /// The record's type.
    pub fn control_type(&self) -> ControlRecordType {
        match self {
            ControlRecord::Abort(_) => ControlRecordType::Abort,
            ControlRecord::Commit(_) => ControlRecordType::Commit,
            ControlRecord::LeaderChange(_) => ControlRecordType::LeaderChange,
            ControlRecord::SnapshotHeader(_) => ControlRecordType::SnapshotHeader,
            ControlRecord::SnapshotFooter(_) => ControlRecordType::SnapshotFooter,
            ControlRecord::KRaftVersion(_) => ControlRecordType::KRaftVersion,
            ControlRecord::Voters(_) => ControlRecordType::Voters,
        }
    }

    /// The record key: `int16 0, int16 type`.
    pub fn key(&self) -> [u8; CONTROL_KEY_LEN] {
        self.control_type().key()
    }

    /// The record value: the message at version 0.
    pub fn encode_value(&self) -> Result<Bytes, ControlError> {
        fn encode<M: Encodable>(
            message: &M,
            kind: ControlRecordType,
        ) -> Result<Bytes, ControlError> {
            let mut out = Vec::new();
            message
                .encode(&mut out, CONTROL_VALUE_VERSION)
                .map_err(|err| ControlError::Encode {
                    kind,
                    reason: err.to_string(),
                })?;
            Ok(out.into())
        }
        let kind = self.control_type();
        match self {
            ControlRecord::Abort(value) | ControlRecord::Commit(value) => Ok(value.clone()),
            ControlRecord::LeaderChange(message) => encode(message, kind),
            ControlRecord::SnapshotHeader(message) => encode(message, kind),
            ControlRecord::SnapshotFooter(message) => encode(message, kind),
            ControlRecord::KRaftVersion(message) => encode(message, kind),
            ControlRecord::Voters(message) => encode(message, kind),
        }
    }

    /// Reads a control record from its key and value.
    pub fn decode(key: Option<&[u8]>, value: Option<&[u8]>) -> Result<ControlRecord, ControlError> {
        let kind = Self::decode_key(key)?;
        let value = value.ok_or(ControlError::MissingValue(kind))?;
        let bad_value = |reason: String| ControlError::BadValue { kind, reason };
        let record = match kind {
            ControlRecordType::Abort => ControlRecord::Abort(Bytes::copy_from_slice(value)),
            ControlRecordType::Commit => ControlRecord::Commit(Bytes::copy_from_slice(value)),
            ControlRecordType::LeaderChange => ControlRecord::LeaderChange(
                decode_checked::<schema::LeaderChange, _>(value).map_err(bad_value)?,
            ),
            ControlRecordType::SnapshotHeader => ControlRecord::SnapshotHeader(
                decode_checked::<schema::SnapshotHeader, _>(value).map_err(bad_value)?,
            ),
            ControlRecordType::SnapshotFooter => ControlRecord::SnapshotFooter(
                decode_checked::<schema::SnapshotFooter, _>(value).map_err(bad_value)?,
            ),
            ControlRecordType::KRaftVersion => ControlRecord::KRaftVersion(
                decode_checked::<schema::KRaftVersion, _>(value).map_err(bad_value)?,
            ),
            ControlRecordType::Voters => ControlRecord::Voters(
                decode_checked::<schema::Voters, _>(value).map_err(bad_value)?,
            ),
        };
        Ok(record)
    }

    /// Reads the key: exactly 4 bytes, version 0, a known type.
    pub fn decode_key(key: Option<&[u8]>) -> Result<ControlRecordType, ControlError> {
        let bad_key = || ControlError::BadKey {
            key: key.map(<[u8]>::to_vec),
        };
        let key = key.ok_or_else(bad_key)?;
        let [v0, v1, t0, t1] = <[u8; CONTROL_KEY_LEN]>::try_from(key).map_err(|_| bad_key())?;
        if i16::from_be_bytes([v0, v1]) != CONTROL_KEY_VERSION {
            return Err(bad_key());
        }
        let raw_type = i16::from_be_bytes([t0, t1]);
        ControlRecordType::from_i16(raw_type).ok_or(ControlError::UnknownType(raw_type))
    }
}
