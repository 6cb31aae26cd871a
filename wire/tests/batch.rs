//! Record batch v2: build then parse, CRC coverage, truncation and malformed records.

use proptest::prelude::*;
use yakt_wire::batch::*;

type Record = (Option<Vec<u8>>, Option<Vec<u8>>);

fn record() -> impl Strategy<Value = Record> {
    let field = || proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40));
    (field(), field())
}

fn build(base: i64, epoch: i32, ts: i64, control: bool, records: &[Record]) -> bytes::Bytes {
    let mut builder = BatchBuilder::new(base, epoch, ts);
    if control {
        builder = builder.control();
    }
    for (key, value) in records {
        builder.push(key.as_deref(), value.as_deref());
    }
    let estimated = builder.size_in_bytes();
    let batch = builder.build();
    assert_eq!(batch.len(), estimated);
    batch
}

proptest! {
    #[test]
    fn build_then_parse_gives_back_the_records(
        base in 0i64..i64::MAX / 2, epoch in any::<i32>(), ts in any::<i64>(), control in any::<bool>(),
        records in proptest::collection::vec(record(), 0..20),
    ) {
        let batch = build(base, epoch, ts, control, &records);
        let view = BatchView::parse(&batch).unwrap();
        let h = view.header;
        prop_assert_eq!(h.base_offset, base);
        prop_assert_eq!(h.partition_leader_epoch, epoch);
        prop_assert_eq!(h.base_timestamp, ts);
        prop_assert_eq!(h.max_timestamp, ts);
        prop_assert_eq!((h.producer_id, h.producer_epoch, h.base_sequence), (-1, -1, -1));
        prop_assert_eq!(h.is_control(), control);
        prop_assert!(!h.is_transactional());
        prop_assert_eq!(h.records_count as usize, records.len());
        prop_assert_eq!(h.size_in_bytes(), batch.len());
        prop_assert_eq!(h.next_offset(), base + records.len().max(1) as i64);
        let parsed: Vec<RecordView> = view.records().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(parsed.len(), records.len());
        for (i, (got, (key, value))) in parsed.iter().zip(&records).enumerate() {
            prop_assert_eq!(got.offset_delta, i as i32);
            prop_assert_eq!(got.timestamp_delta, 0);
            prop_assert_eq!(got.attributes, 0);
            prop_assert_eq!(got.key, key.as_deref());
            prop_assert_eq!(got.value, value.as_deref());
            prop_assert!(got.headers.is_empty());
        }
        prop_assert_eq!(BatchHeader::parse(&batch).unwrap(), h);
    }

    #[test]
    fn every_bit_flip_under_the_crc_is_detected(
        records in proptest::collection::vec(record(), 1..4), seed in any::<u64>(),
    ) {
        let batch = build(5, 1, 1000, false, &records);
        let covered = batch.len() - CRC_START;
        // Each run flips a sample of bits; the deterministic test below flips all of one batch.
        for k in 0..32u64 {
            let bit = (seed.wrapping_add(k.wrapping_mul(0x9e37_79b9_7f4a_7c15)) % (covered as u64 * 8)) as usize;
            let mut bad = batch.to_vec();
            bad[CRC_START + bit / 8] ^= 1 << (bit % 8);
            let result = check_batch(&bad, 1 << 23);
            prop_assert!(matches!(result, Err(BatchError::CrcMismatch { .. })), "{:?}", result);
        }
    }

    #[test]
    fn truncation_is_incomplete_never_a_panic(records in proptest::collection::vec(record(), 0..5)) {
        let batch = build(0, 0, 0, true, &records);
        for len in 0..batch.len() {
            match check_batch(&batch[..len], 1 << 23) {
                Ok(Scan::Incomplete { needed }) => {
                    prop_assert!(len + needed <= batch.len());
                    if len >= LOG_OVERHEAD {
                        prop_assert_eq!(len + needed, batch.len());
                    }
                }
                other => prop_assert!(false, "len {}: {:?}", len, other),
            }
            prop_assert!(BatchView::parse(&batch[..len]).is_err());
        }
        prop_assert!(matches!(check_batch(&batch, 1 << 23), Ok(Scan::Batch(_))));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = check_batch(&bytes, 1 << 23);
        if let Ok(view) = BatchView::parse(&bytes) {
            for record in view.records() {
                let _ = record;
            }
        }
    }
}

#[test]
fn every_single_bit_flip_of_one_batch_is_detected() {
    let batch = build(
        7,
        3,
        42,
        false,
        &[(None, Some(b"value".to_vec())), (Some(b"k".to_vec()), None)],
    );
    for bit in 0..(batch.len() - CRC_START) * 8 {
        let mut bad = batch.to_vec();
        bad[CRC_START + bit / 8] ^= 1 << (bit % 8);
        assert!(
            matches!(
                check_batch(&bad, 1 << 23),
                Err(BatchError::CrcMismatch { .. })
            ),
            "bit {bit}"
        );
    }
}

/// Re-seals a hand-edited batch: fixes the length and the CRC.
fn reseal(batch: &mut [u8]) {
    let len = (batch.len() - LOG_OVERHEAD) as i32;
    batch[8..12].copy_from_slice(&len.to_be_bytes());
    let crc = crc32c::crc32c(&batch[CRC_START..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
}

#[test]
fn header_checks_name_the_bad_field() {
    let good = build(0, 0, 0, false, &[(None, Some(vec![1]))]).to_vec();
    let mut bad = good.clone();
    bad[16] = 1;
    assert_eq!(
        check_batch(&bad, 1 << 23),
        Err(BatchError::BadMagic { magic: 1 })
    );
    let mut bad = good.clone();
    bad[8..12].copy_from_slice(&48i32.to_be_bytes());
    assert!(matches!(
        check_batch(&bad, 1 << 23),
        Err(BatchError::BadBatchLength {
            batch_length: 48,
            ..
        })
    ));
    assert!(matches!(
        check_batch(&good, 50),
        Err(BatchError::BadBatchLength { .. })
    ));
    let mut bad = good.clone();
    bad[57..61].copy_from_slice(&(-1i32).to_be_bytes());
    reseal(&mut bad);
    assert_eq!(
        check_batch(&bad, 1 << 23),
        Err(BatchError::NegativeRecordsCount { count: -1 })
    );
    let mut bad = good.clone();
    bad[23..27].copy_from_slice(&(-2i32).to_be_bytes());
    reseal(&mut bad);
    assert_eq!(
        check_batch(&bad, 1 << 23),
        Err(BatchError::NegativeLastOffsetDelta { delta: -2 })
    );
    let mut bad = good.clone();
    bad[22] |= 2;
    reseal(&mut bad);
    assert_eq!(
        BatchView::parse(&bad),
        Err(BatchError::Compressed { codec: 2 })
    );
}

#[test]
fn record_count_mismatches_and_trailing_bytes_are_errors() {
    let good = build(0, 0, 0, false, &[(None, Some(vec![1])), (None, None)]).to_vec();
    let mut more = good.clone();
    more[57..61].copy_from_slice(&3i32.to_be_bytes());
    reseal(&mut more);
    let results: Vec<_> = BatchView::parse(&more).unwrap().records().collect();
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[2],
        Err(BatchError::MissingRecords {
            declared: 3,
            found: 2
        })
    );

    let mut fewer = good.clone();
    fewer[57..61].copy_from_slice(&1i32.to_be_bytes());
    reseal(&mut fewer);
    let results: Vec<_> = BatchView::parse(&fewer).unwrap().records().collect();
    assert!(matches!(
        results[1],
        Err(BatchError::TrailingBytes { declared: 1, .. })
    ));

    let mut trailing = good.clone();
    trailing.push(0);
    reseal(&mut trailing);
    let last = BatchView::parse(&trailing)
        .unwrap()
        .records()
        .last()
        .unwrap();
    assert_eq!(
        last,
        Err(BatchError::TrailingBytes {
            declared: 2,
            extra: 1
        })
    );
}

#[test]
fn a_huge_headers_count_is_rejected_before_allocating() {
    // length 10: attributes, ts delta, offset delta, key -1, value -1, headers count 2^30.
    let mut batch = build(0, 0, 0, false, &[]).to_vec();
    batch.extend_from_slice(&[20, 0, 0, 0, 1, 1, 0x80, 0x80, 0x80, 0x80, 0x08]);
    batch[57..61].copy_from_slice(&1i32.to_be_bytes());
    reseal(&mut batch);
    let result = BatchView::parse(&batch).unwrap().records().next().unwrap();
    assert!(
        matches!(
            result,
            Err(BatchError::BadLength {
                field: "headers count",
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn set_base_offset_keeps_the_crc_valid() {
    let mut batch = build(0, 0, 0, false, &[(None, Some(vec![9]))]).to_vec();
    set_base_offset(&mut batch, 1234);
    let Ok(Scan::Batch(header)) = check_batch(&batch, 1 << 23) else {
        panic!("batch broke")
    };
    assert_eq!(header.base_offset, 1234);
    assert_eq!(header.last_offset(), 1234);
}

/// Regression (fuzzing): offsets near `i64::MAX` are errors, not overflows.
#[test]
fn offsets_past_i64_max_are_out_of_range() {
    let mut batch = build(0, 0, 0, false, &[(None, Some(vec![1])), (None, None)]).to_vec();
    set_base_offset(&mut batch, i64::MAX - 1);
    assert_eq!(
        check_batch(&batch, 1 << 23),
        Err(BatchError::OffsetOutOfRange {
            base_offset: i64::MAX - 1,
            delta: 1
        })
    );
    set_base_offset(&mut batch, -1);
    assert!(matches!(
        check_batch(&batch, 1 << 23),
        Err(BatchError::OffsetOutOfRange { .. })
    ));
    let header = BatchHeader::parse(&batch).unwrap();
    assert_eq!(
        header.offset_of(0),
        Err(BatchError::OffsetOutOfRange {
            base_offset: -1,
            delta: 0
        })
    );
    set_base_offset(&mut batch, i64::MAX - 2);
    let header = BatchHeader::parse(&batch).unwrap();
    assert_eq!(header.next_offset(), i64::MAX);
    assert_eq!(header.offset_of(2), Ok(i64::MAX));
    assert!(header.offset_of(3).is_err());
}
