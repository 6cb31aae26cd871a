//! The metadata record frame and the one enum the rest of yakt matches on. A metadata record is
//! the value of a log record with a null key: `uvarint frameVersion=1, uvarint apiKey,
//! uvarint version`, then the record body (Kafka's `AbstractApiMessageSerde`). Trailing bytes, a
//! frame version other than 1, an unknown api key or version are errors naming the record type
//! and version; the caller adds the log offset.

use std::ops::RangeInclusive;

use bytes::{BufMut, Bytes, BytesMut};

use crate::codec::{Codec, DecodeError, EncodeError};
use crate::json::KafkaJson;
use crate::message::ApiMessage;
use crate::records::*;
use crate::varint::{self, VarintError};

/// The only frame version Kafka writes and reads.
pub const FRAME_VERSION: u32 = 1;

/// Why a metadata record could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The frame header (frame version, api key, version) could not be read.
    #[error("metadata record frame header: {0}")]
    FrameHeader(#[from] VarintError),
    /// The frame version is not 1.
    #[error("metadata record frame version {0} is not {FRAME_VERSION}")]
    FrameVersion(u32),
    /// No metadata record type has this api key.
    #[error("unknown metadata record api key {api_key}")]
    UnknownApiKey {
        /// The api key read.
        api_key: u32,
    },
    /// The record type has no such version.
    #[error("{record} version {version} is not supported (valid {lowest}..={highest})")]
    UnsupportedVersion {
        /// The record type.
        record: &'static str,
        /// The version read or asked for.
        version: u32,
        /// The lowest valid version.
        lowest: i16,
        /// The highest valid version.
        highest: i16,
    },
    /// The body could not be decoded.
    #[error("{record} v{version}: {source}")]
    Decode {
        /// The record type.
        record: &'static str,
        /// The version.
        version: i16,
        /// What went wrong, and in which field.
        source: DecodeError,
    },
    /// Bytes remain after the body.
    #[error("{record} v{version}: {count} bytes after the record")]
    TrailingBytes {
        /// The record type.
        record: &'static str,
        /// The version.
        version: i16,
        /// Bytes left over.
        count: usize,
    },
    /// The record cannot be written at this version.
    #[error("{record} v{version}: {source}")]
    Encode {
        /// The record type.
        record: &'static str,
        /// The version.
        version: i16,
        /// What cannot be written, and which field.
        source: EncodeError,
    },
}

macro_rules! metadata_records {
    ($($variant:ident($ty:ident)),* $(,)?) => {
        /// Any metadata record, by type.
        #[derive(Debug, Clone, PartialEq)]
        pub enum MetadataRecord {
            $(
                #[doc = concat!("A [`", stringify!($ty), "`].")]
                $variant($ty),
            )*
        }

        $(
            impl From<$ty> for MetadataRecord {
                fn from(record: $ty) -> MetadataRecord {
                    MetadataRecord::$variant(record)
                }
            }
        )*

        /// Every metadata record api key, ascending.
        pub const API_KEYS: &[i16] = &[$(<$ty as ApiMessage>::API_KEY),*];

        /// The record type name and valid versions of `api_key`.
        fn describe(api_key: i16) -> Option<(&'static str, RangeInclusive<i16>)> {
            $(
                if api_key == <$ty as ApiMessage>::API_KEY {
                    return Some((
                        <$ty as ApiMessage>::NAME,
                        <$ty as ApiMessage>::LOWEST_VERSION..=<$ty as ApiMessage>::HIGHEST_VERSION,
                    ));
                }
            )*
            None
        }

        impl MetadataRecord {
            /// The record's api key.
            pub fn api_key(&self) -> i16 {
                match self {
                    $(MetadataRecord::$variant(_) => <$ty as ApiMessage>::API_KEY,)*
                }
            }

            /// The record type's name in Kafka, e.g. `TopicRecord`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(MetadataRecord::$variant(_) => <$ty as ApiMessage>::NAME,)*
                }
            }

            /// Bytes of the body at `version` (without the frame header).
            pub fn encoded_len(&self, version: i16) -> usize {
                match self {
                    $(MetadataRecord::$variant(record) => record.size(version),)*
                }
            }

            /// Writes the body at `version` (without the frame header).
            pub fn encode_body<B: BufMut>(&self, version: i16, buf: &mut B) -> Result<(), EncodeError> {
                match self {
                    $(MetadataRecord::$variant(record) => record.encode_body(version, buf),)*
                }
            }

            /// Reads a body of type `api_key` at `version`; `None` for an unknown api key.
            pub fn decode_body(
                api_key: i16,
                buf: &mut &[u8],
                version: i16,
            ) -> Option<Result<MetadataRecord, DecodeError>> {
                $(
                    if api_key == <$ty as ApiMessage>::API_KEY {
                        return Some(<$ty as ApiMessage>::decode_body(buf, version).map(MetadataRecord::$variant));
                    }
                )*
                None
            }

            /// The record as Kafka's tools print it:
            /// `{"type": "TOPIC_RECORD", "version": 0, "data": {...}}`.
            pub fn to_kafka_json(&self, version: i16) -> crate::json::Value {
                let data = match self {
                    $(MetadataRecord::$variant(record) => record.to_kafka_json(version),)*
                };
                serde_json::json!({
                    "type": crate::json::screaming_snake_case(self.name()),
                    "version": version,
                    "data": data,
                })
            }

            /// A pseudo-random record of type `api_key` valid at `version`, fixed by `seed`
            /// (for property tests); `None` for an unknown api key.
            pub fn sample(api_key: i16, version: i16, seed: u64) -> Option<MetadataRecord> {
                $(
                    if api_key == <$ty as ApiMessage>::API_KEY {
                        return Some(MetadataRecord::$variant(<$ty as ApiMessage>::sample_for_version(seed, version)));
                    }
                )*
                None
            }
        }
    };
}

metadata_records! {
    RegisterBroker(RegisterBrokerRecord),
    UnregisterBroker(UnregisterBrokerRecord),
    Topic(TopicRecord),
    Partition(PartitionRecord),
    Config(ConfigRecord),
    PartitionChange(PartitionChangeRecord),
    FenceBroker(FenceBrokerRecord),
    UnfenceBroker(UnfenceBrokerRecord),
    RemoveTopic(RemoveTopicRecord),
    DelegationToken(DelegationTokenRecord),
    UserScramCredential(UserScramCredentialRecord),
    FeatureLevel(FeatureLevelRecord),
    ClientQuota(ClientQuotaRecord),
    ProducerIds(ProducerIdsRecord),
    BrokerRegistrationChange(BrokerRegistrationChangeRecord),
    AccessControlEntry(AccessControlEntryRecord),
    RemoveAccessControlEntry(RemoveAccessControlEntryRecord),
    NoOp(NoOpRecord),
    ZkMigrationState(ZkMigrationStateRecord),
    RemoveUserScramCredential(RemoveUserScramCredentialRecord),
    BeginTransaction(BeginTransactionRecord),
    EndTransaction(EndTransactionRecord),
    AbortTransaction(AbortTransactionRecord),
    RemoveDelegationToken(RemoveDelegationTokenRecord),
    RegisterController(RegisterControllerRecord),
    ClearElr(ClearElrRecord),
    UnregisterController(UnregisterControllerRecord),
}

/// The newest version of record type `api_key`, or `None` for an unknown key.
pub fn latest_version(api_key: i16) -> Option<i16> {
    describe(api_key).map(|(_, versions)| *versions.end())
}

/// The valid versions of record type `api_key`, or `None` for an unknown key.
pub fn valid_versions(api_key: i16) -> Option<RangeInclusive<i16>> {
    describe(api_key).map(|(_, versions)| versions)
}

/// The name of record type `api_key` in Kafka, or `None` for an unknown key.
pub fn record_name(api_key: i16) -> Option<&'static str> {
    describe(api_key).map(|(name, _)| name)
}

impl MetadataRecord {
    /// The newest version of this record's type.
    pub fn latest_version(&self) -> i16 {
        latest_version(self.api_key()).unwrap_or_default()
    }
}

/// Writes `record` at `version` in a metadata record frame (the value of a log record).
pub fn encode_frame(record: &MetadataRecord, version: i16) -> Result<Bytes, RecordError> {
    let api_key = record.api_key();
    let unsupported = |versions: RangeInclusive<i16>| RecordError::UnsupportedVersion {
        record: record.name(),
        version: version as u32,
        lowest: *versions.start(),
        highest: *versions.end(),
    };
    let versions = valid_versions(api_key).unwrap_or(0..=0);
    if !versions.contains(&version) {
        return Err(unsupported(versions));
    }
    let mut out = BytesMut::with_capacity(8 + record.encoded_len(version));
    varint::put_uvarint(&mut out, FRAME_VERSION);
    varint::put_uvarint(&mut out, api_key as u32);
    varint::put_uvarint(&mut out, version as u32);
    record
        .encode_body(version, &mut out)
        .map_err(|source| RecordError::Encode {
            record: record.name(),
            version,
            source,
        })?;
    Ok(out.freeze())
}

/// Reads one metadata record frame that fills `buf` exactly; returns the record and its version.
pub fn decode_frame(buf: &[u8]) -> Result<(MetadataRecord, i16), RecordError> {
    let mut input = buf;
    let frame_version = varint::read_uvarint(&mut input)?;
    if frame_version != FRAME_VERSION {
        return Err(RecordError::FrameVersion(frame_version));
    }
    let raw_api_key = varint::read_uvarint(&mut input)?;
    let raw_version = varint::read_uvarint(&mut input)?;
    let unknown = RecordError::UnknownApiKey {
        api_key: raw_api_key,
    };
    let api_key = i16::try_from(raw_api_key).map_err(|_| unknown.clone())?;
    let (record, versions) = describe(api_key).ok_or(unknown)?;
    let version = i16::try_from(raw_version)
        .ok()
        .filter(|version| versions.contains(version))
        .ok_or(RecordError::UnsupportedVersion {
            record,
            version: raw_version,
            lowest: *versions.start(),
            highest: *versions.end(),
        })?;
    let decoded = MetadataRecord::decode_body(api_key, &mut input, version).ok_or(
        RecordError::UnknownApiKey {
            api_key: raw_api_key,
        },
    )?;
    let decoded = decoded.map_err(|source| RecordError::Decode {
        record,
        version,
        source,
    })?;
    if !input.is_empty() {
        return Err(RecordError::TrailingBytes {
            record,
            version,
            count: input.len(),
        });
    }
    Ok((decoded, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_match_kafka() {
        let expected: Vec<i16> = (0..=29).filter(|key| ![6, 13, 16].contains(key)).collect();
        assert_eq!(API_KEYS, expected.as_slice());
        assert_eq!(record_name(0), Some("RegisterBrokerRecord"));
        assert_eq!(record_name(21), Some("ZkMigrationStateRecord"));
        assert_eq!(latest_version(0), Some(4));
        assert_eq!(latest_version(3), Some(2));
        assert_eq!(latest_version(5), Some(2));
        assert_eq!(latest_version(17), Some(3));
        assert_eq!(latest_version(6), None);
    }

    #[test]
    fn frame_header_is_checked() {
        let topic = MetadataRecord::from(TopicRecord {
            name: "a".into(),
            ..Default::default()
        });
        let frame = encode_frame(&topic, 0).unwrap();
        assert_eq!(&frame[..3], &[1, 2, 0]);
        assert_eq!(decode_frame(&frame), Ok((topic.clone(), 0)));

        let mut bad = frame.to_vec();
        bad[0] = 0;
        assert_eq!(decode_frame(&bad), Err(RecordError::FrameVersion(0)));
        bad[0] = 1;
        bad[1] = 6;
        assert_eq!(
            decode_frame(&bad),
            Err(RecordError::UnknownApiKey { api_key: 6 })
        );
        bad[1] = 2;
        bad[2] = 1;
        assert!(matches!(
            decode_frame(&bad),
            Err(RecordError::UnsupportedVersion {
                record: "TopicRecord",
                version: 1,
                ..
            })
        ));
        let mut long = frame.to_vec();
        long.push(0);
        assert_eq!(
            decode_frame(&long),
            Err(RecordError::TrailingBytes {
                record: "TopicRecord",
                version: 0,
                count: 1
            })
        );
        assert!(matches!(
            encode_frame(&topic, 1),
            Err(RecordError::UnsupportedVersion {
                record: "TopicRecord",
                ..
            })
        ));
        assert!(matches!(
            decode_frame(&frame[..5]),
            Err(RecordError::Decode { .. })
        ));
    }
}
