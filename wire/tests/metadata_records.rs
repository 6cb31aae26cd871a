//! Every metadata record type at every version: encode then decode gives the value back, and
//! decode then encode gives the same bytes (unknown tagged fields included); bad frames are
//! typed errors, never panics or huge allocations.

use proptest::prelude::*;
use yakt_wire::codec::{DecodeErrorKind, RawTaggedField};
use yakt_wire::message::ApiMessage;
use yakt_wire::metadata::*;
use yakt_wire::records::*;

/// Checks one record type at every version for one seed.
fn round_trips<T: ApiMessage + std::fmt::Debug + Into<MetadataRecord>>(seed: u64) {
    for version in T::LOWEST_VERSION..=T::HIGHEST_VERSION {
        let value = T::sample_for_version(seed, version);
        let mut body = Vec::new();
        value.encode_body(version, &mut body).unwrap();
        assert_eq!(body.len(), value.size(version), "{} v{version}", T::NAME);
        let decoded = T::decode_body(&mut &body[..], version).unwrap();
        assert_eq!(decoded, value, "{} v{version}", T::NAME);
        let mut again = Vec::new();
        decoded.encode_body(version, &mut again).unwrap();
        assert_eq!(again, body, "{} v{version}", T::NAME);

        let record: MetadataRecord = value.into();
        let frame = encode_frame(&record, version).unwrap();
        assert_eq!(decode_frame(&frame), Ok((record.clone(), version)));
        assert_eq!(
            encode_frame(&decode_frame(&frame).unwrap().0, version).unwrap(),
            frame
        );
    }
}

macro_rules! round_trip_tests {
    ($($test:ident: $ty:ty,)*) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            $(
                #[test]
                fn $test(seed in any::<u64>()) {
                    round_trips::<$ty>(seed);
                }
            )*
        }
    };
}

round_trip_tests! {
    register_broker_round_trips: RegisterBrokerRecord,
    unregister_broker_round_trips: UnregisterBrokerRecord,
    topic_round_trips: TopicRecord,
    partition_round_trips: PartitionRecord,
    config_round_trips: ConfigRecord,
    partition_change_round_trips: PartitionChangeRecord,
    fence_broker_round_trips: FenceBrokerRecord,
    unfence_broker_round_trips: UnfenceBrokerRecord,
    remove_topic_round_trips: RemoveTopicRecord,
    delegation_token_round_trips: DelegationTokenRecord,
    user_scram_credential_round_trips: UserScramCredentialRecord,
    feature_level_round_trips: FeatureLevelRecord,
    client_quota_round_trips: ClientQuotaRecord,
    producer_ids_round_trips: ProducerIdsRecord,
    broker_registration_change_round_trips: BrokerRegistrationChangeRecord,
    access_control_entry_round_trips: AccessControlEntryRecord,
    remove_access_control_entry_round_trips: RemoveAccessControlEntryRecord,
    no_op_round_trips: NoOpRecord,
    zk_migration_state_round_trips: ZkMigrationStateRecord,
    remove_user_scram_credential_round_trips: RemoveUserScramCredentialRecord,
    begin_transaction_round_trips: BeginTransactionRecord,
    end_transaction_round_trips: EndTransactionRecord,
    abort_transaction_round_trips: AbortTransactionRecord,
    remove_delegation_token_round_trips: RemoveDelegationTokenRecord,
    register_controller_round_trips: RegisterControllerRecord,
    clear_elr_round_trips: ClearElrRecord,
    unregister_controller_round_trips: UnregisterControllerRecord,
}

#[test]
fn every_api_key_has_a_round_trip_test_type() {
    // The list above must cover every key the enum knows.
    assert_eq!(API_KEYS.len(), 27);
}

proptest! {
    /// Any frame that decodes re-encodes to bytes that decode to the same value and re-encode
    /// identically (the fuzz oracle), and nothing panics.
    #[test]
    fn mutated_frames_are_errors_or_stable(
        key_index in 0..27usize, seed in any::<u64>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let api_key = API_KEYS[key_index];
        let version = latest_version(api_key).unwrap();
        let record = MetadataRecord::sample(api_key, version, seed).unwrap();
        let mut frame = encode_frame(&record, version).unwrap().to_vec();
        for (at, byte) in flips {
            let i = at.index(frame.len());
            frame[i] = byte;
        }
        frame.truncate(cut.index(frame.len() + 1));
        if let Ok((decoded, version)) = decode_frame(&frame) {
            let encoded = encode_frame(&decoded, version).unwrap();
            let (again, again_version) = decode_frame(&encoded).unwrap();
            // Bytes, not values: a float64 may be NaN.
            prop_assert_eq!(again.api_key(), decoded.api_key());
            prop_assert_eq!(again_version, version);
            prop_assert_eq!(encode_frame(&again, version).unwrap(), encoded);
        }
    }
}

#[test]
fn known_bytes_of_a_partition_change_record() {
    // PartitionChangeRecord v0: partition 1, topic id ONE, leader 3 (tag 1), unknown tag 9.
    let record = PartitionChangeRecord {
        partition_id: 1,
        topic_id: yakt_wire::METADATA_TOPIC_ID,
        leader: 3,
        unknown_tagged_fields: vec![RawTaggedField {
            tag: 9,
            data: vec![7u8].into(),
        }],
        ..Default::default()
    };
    let mut body = Vec::new();
    record.encode(0, &mut body).unwrap();
    let mut expected = vec![0, 0, 0, 1];
    expected.extend_from_slice(&[0; 15]);
    expected.push(1);
    expected.extend_from_slice(&[2, 1, 4, 0, 0, 0, 3, 9, 1, 7]);
    assert_eq!(body, expected);
    assert_eq!(
        PartitionChangeRecord::decode(&mut &body[..], 0).unwrap(),
        record
    );
}

#[test]
fn fields_absent_at_a_version_must_be_default() {
    let record = PartitionRecord {
        directories: vec![yakt_wire::Uuid::ONE],
        ..Default::default()
    };
    let err = encode_frame(&record.clone().into(), 0).unwrap_err();
    assert!(err.to_string().contains("directories"), "{err}");
    assert!(encode_frame(&record.into(), 1).is_ok());
}

#[test]
fn unknown_tags_colliding_with_known_ones_are_refused() {
    let record = BrokerRegistrationChangeRecord {
        unknown_tagged_fields: vec![RawTaggedField {
            tag: 1,
            data: vec![1u8].into(),
        }],
        ..Default::default()
    };
    // Tag 1 is InControlledShutdown from v1 on, unknown at v0.
    assert!(encode_frame(&record.clone().into(), 0).is_ok());
    assert!(encode_frame(&record.into(), 1).is_err());
}

#[test]
fn a_huge_declared_array_fails_without_allocating() {
    // PartitionRecord v0: partition id, topic id, then Replicas declaring 2^31 - 1 entries.
    let mut frame = vec![1, 3, 0, 0, 0, 0, 0];
    frame.extend_from_slice(&[0; 16]);
    frame.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x08]);
    let Err(RecordError::Decode {
        record,
        version,
        source,
    }) = decode_frame(&frame)
    else {
        panic!("expected a decode error");
    };
    assert_eq!((record, version), ("PartitionRecord", 0));
    assert_eq!(source.field, "replicas");
    assert!(matches!(source.kind, DecodeErrorKind::LengthPastEnd { .. }));
}

#[test]
fn a_huge_declared_string_or_tag_section_fails() {
    // TopicRecord v0 whose name declares 2^32 - 2 bytes.
    let frame = [1, 2, 0, 0xff, 0xff, 0xff, 0xff, 0x0f];
    let Err(RecordError::Decode { source, .. }) = decode_frame(&frame) else {
        panic!()
    };
    assert_eq!(source.field, "name");
    // NoOpRecord with a tagged-field count of 2^31.
    let frame = [1, 20, 0, 0x80, 0x80, 0x80, 0x80, 0x08];
    let Err(RecordError::Decode { source, .. }) = decode_frame(&frame) else {
        panic!()
    };
    assert!(matches!(source.kind, DecodeErrorKind::LengthPastEnd { .. }));
}

/// Regression (fuzzing): a ClientQuotaRecord whose value is NaN is not equal to itself, but its
/// bytes survive decode and re-encode.
#[test]
fn a_nan_quota_value_keeps_its_bytes() {
    let mut frame = vec![1, 14, 0, 1, 1];
    frame.extend_from_slice(&[0x7f, 0xf8, 0, 0, 0, 0, 0, 1]);
    frame.extend_from_slice(&[1, 0]);
    let (record, version) = decode_frame(&frame).unwrap();
    let MetadataRecord::ClientQuota(quota) = &record else {
        panic!("{record:?}")
    };
    assert!(quota.value.is_nan());
    assert_eq!(encode_frame(&record, version).unwrap(), frame);
}
