//! Control records and whole batches of the metadata log: build, walk with offsets, decode;
//! malformed keys and values are typed errors.

use kafka_protocol::messages::{
    leader_change_message, voters_record, BrokerId, KRaftVersionRecord, LeaderChangeMessage,
    SnapshotFooterRecord, SnapshotHeaderRecord, VotersRecord,
};
use kafka_protocol::protocol::StrBytes;
use proptest::prelude::*;
use yakt_wire::*;

fn voters(ids: &[(i32, u128, u16)]) -> VotersRecord {
    let voters = ids
        .iter()
        .map(|&(id, directory, port)| {
            voters_record::Voter::default()
                .with_voter_id(BrokerId(id))
                .with_voter_directory_id(::uuid::Uuid::from_u128(directory))
                .with_endpoints(vec![voters_record::Endpoint::default()
                    .with_name(StrBytes::from_string("CONTROLLER".into()))
                    .with_host(StrBytes::from_string(format!("c{id}.local")))
                    .with_port(port)])
                .with_k_raft_version_feature(
                    voters_record::KRaftVersionFeature::default()
                        .with_min_supported_version(0)
                        .with_max_supported_version(1),
                )
        })
        .collect();
    VotersRecord::default().with_version(0).with_voters(voters)
}

fn leader_change(leader: i32, voter_ids: &[i32]) -> LeaderChangeMessage {
    let voters: Vec<_> = voter_ids
        .iter()
        .map(|&id| leader_change_message::Voter::default().with_voter_id(id))
        .collect();
    LeaderChangeMessage::default()
        .with_version(0)
        .with_leader_id(BrokerId(leader))
        .with_voters(voters.clone())
        .with_granting_voters(voters)
}

fn control_batch(base_offset: i64, records: &[ControlRecord]) -> bytes::Bytes {
    let mut builder = BatchBuilder::new(base_offset, 3, 1_700_000_000_000).control();
    for record in records {
        push_control(&mut builder, record).unwrap();
    }
    builder.build()
}

#[test]
fn start_of_epoch_control_batch_round_trips() {
    let records = vec![
        ControlRecord::LeaderChange(leader_change(1, &[1, 2, 3])),
        ControlRecord::KRaftVersion(
            KRaftVersionRecord::default()
                .with_version(0)
                .with_k_raft_version(1),
        ),
        ControlRecord::Voters(voters(&[(1, 11, 9093), (2, 22, 9094)])),
    ];
    let batch = control_batch(40, &records);
    let view = BatchView::parse(&batch).unwrap();
    assert!(view.header.is_control());
    let decoded: Vec<_> = records_of(&view).collect::<Result<_, _>>().unwrap();
    let expected: Vec<_> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| (40 + i as i64, LogRecord::Control(r)))
        .collect();
    assert_eq!(decoded, expected);
    // The key is int16 0, int16 type.
    let first = view.records().next().unwrap().unwrap();
    assert_eq!(first.key, Some(&[0u8, 0, 0, 2][..]));
}

#[test]
fn snapshot_header_and_footer_round_trip() {
    let header = ControlRecord::SnapshotHeader(
        SnapshotHeaderRecord::default()
            .with_version(0)
            .with_last_contained_log_timestamp(123),
    );
    let footer = ControlRecord::SnapshotFooter(SnapshotFooterRecord::default().with_version(0));
    for record in [header, footer] {
        let value = record.encode_value().unwrap();
        assert_eq!(
            ControlRecord::decode(Some(&record.key()), Some(&value)),
            Ok(record)
        );
    }
}

#[test]
fn data_batch_records_carry_their_offsets() {
    let records: Vec<MetadataRecord> = vec![
        BeginTransactionRecord {
            name: Some("Bootstrap records".into()),
            ..Default::default()
        }
        .into(),
        FeatureLevelRecord {
            name: "metadata.version".into(),
            feature_level: 27,
            ..Default::default()
        }
        .into(),
        EndTransactionRecord::default().into(),
    ];
    let mut builder = BatchBuilder::new(100, 1, 5);
    for record in &records {
        push_metadata(&mut builder, record, record.latest_version()).unwrap();
    }
    let batch = builder.build();
    let view = BatchView::parse(&batch).unwrap();
    let decoded: Vec<_> = records_of(&view).collect::<Result<_, _>>().unwrap();
    assert_eq!(decoded.len(), 3);
    for (i, ((offset, log), record)) in decoded.into_iter().zip(records).enumerate() {
        assert_eq!(offset, 100 + i as i64);
        assert_eq!(log, LogRecord::Metadata(record, 0));
    }
}

#[test]
fn a_bad_metadata_record_names_its_offset_type_and_version() {
    let mut builder = BatchBuilder::new(7, 0, 0);
    builder.push(
        None,
        Some(&encode_frame(&NoOpRecord::default().into(), 0).unwrap()),
    );
    builder.push(None, Some(&[1, 2, 0, 5]));
    let batch = builder.build();
    let view = BatchView::parse(&batch).unwrap();
    let results: Vec<_> = records_of(&view).collect();
    assert!(results[0].is_ok());
    let err = results[1].clone().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            LogRecordError::Metadata {
                offset: 8,
                source: RecordError::Decode {
                    record: "TopicRecord",
                    version: 0,
                    ..
                }
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("offset 8") && text.contains("TopicRecord v0"),
        "{text}"
    );
}

#[test]
fn metadata_records_need_a_null_key_and_a_value() {
    let mut builder = BatchBuilder::new(0, 0, 0);
    builder.push(Some(b"k"), Some(&[1, 20, 0, 0]));
    let batch = builder.build();
    let view = BatchView::parse(&batch).unwrap();
    assert_eq!(
        records_of(&view).next().unwrap(),
        Err(LogRecordError::UnexpectedKey { offset: 0 })
    );
    let mut builder = BatchBuilder::new(0, 0, 0);
    builder.push(None, None);
    let batch = builder.build();
    let view = BatchView::parse(&batch).unwrap();
    assert_eq!(
        records_of(&view).next().unwrap(),
        Err(LogRecordError::MissingValue { offset: 0 })
    );
}

#[test]
fn control_keys_are_checked() {
    assert_eq!(
        ControlRecord::decode_key(Some(&[0, 0, 0, 6])),
        Ok(ControlRecordType::Voters)
    );
    assert_eq!(
        ControlRecord::decode_key(Some(&[0, 0, 0, 9])),
        Err(ControlError::UnknownType(9))
    );
    assert!(matches!(
        ControlRecord::decode_key(Some(&[0, 1, 0, 2])),
        Err(ControlError::BadKey { .. })
    ));
    assert!(matches!(
        ControlRecord::decode_key(Some(&[0, 0, 2])),
        Err(ControlError::BadKey { .. })
    ));
    assert!(matches!(
        ControlRecord::decode_key(None),
        Err(ControlError::BadKey { .. })
    ));
    assert_eq!(
        ControlRecord::decode(Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 0, 0, 5])),
        Ok(ControlRecord::Commit(vec![0, 0, 0, 0, 0, 5].into()))
    );
}

#[test]
fn a_voters_value_declaring_a_huge_array_is_refused() {
    // Version 0, then Voters declaring 2^31 - 1 voters in five bytes.
    let value = [0, 0, 0x80, 0x80, 0x80, 0x80, 0x08, 0];
    let err = ControlRecord::decode(Some(&[0, 0, 0, 6]), Some(&value)).unwrap_err();
    assert!(
        matches!(
            err,
            ControlError::BadValue {
                kind: ControlRecordType::Voters,
                ..
            }
        ),
        "{err}"
    );
    let err = ControlRecord::decode(Some(&[0, 0, 0, 2]), Some(&[0, 0])).unwrap_err();
    assert!(matches!(
        err,
        ControlError::BadValue {
            kind: ControlRecordType::LeaderChange,
            ..
        }
    ));
}

proptest! {
    #[test]
    fn voters_and_leader_change_round_trip_byte_for_byte(
        ids in proptest::collection::vec((any::<i32>(), any::<u128>(), any::<u16>()), 0..5),
        leader in any::<i32>(),
    ) {
        let voter_ids: Vec<i32> = ids.iter().map(|(id, _, _)| *id).collect();
        for record in [
            ControlRecord::Voters(voters(&ids)),
            ControlRecord::LeaderChange(leader_change(leader, &voter_ids)),
        ] {
            let value = record.encode_value().unwrap();
            let decoded = ControlRecord::decode(Some(&record.key()), Some(&value)).unwrap();
            prop_assert_eq!(&decoded, &record);
            prop_assert_eq!(decoded.encode_value().unwrap(), value);
        }
    }

    #[test]
    fn mutated_control_values_are_errors_or_stable(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let record = ControlRecord::Voters(voters(&[(1, 5, 9093), (2, 6, 9094)]));
        let mut value = record.encode_value().unwrap().to_vec();
        for (at, byte) in flips {
            let i = at.index(value.len());
            value[i] = byte;
        }
        if let Ok(decoded) = ControlRecord::decode(Some(&record.key()), Some(&value)) {
            let encoded = decoded.encode_value().unwrap();
            let again = ControlRecord::decode(Some(&record.key()), Some(&encoded)).unwrap();
            prop_assert_eq!(&again, &decoded);
            prop_assert_eq!(again.encode_value().unwrap(), encoded);
        }
    }
}
