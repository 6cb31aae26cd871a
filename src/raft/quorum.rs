//! Quorum arithmetic of the leader (Kafka's `LeaderState.maybeUpdateHighWatermark`): the high
//! watermark is the largest offset that a majority of voters have durably reached. Observers
//! never count, and the leader counts only what it has flushed.

/// The offset a majority of voters have reached, given each voter's durable end offset (`None`
/// when the leader has not heard from it in this epoch). Kafka sorts the voters by end offset,
/// descending with unknowns last, and takes the one at index `voters / 2`.
///
/// `without_majority` is the planted bug that takes a position one too high.
pub fn majority_end_offset(
    voter_end_offsets: &[Option<i64>],
    without_majority: bool,
) -> Option<i64> {
    if voter_end_offsets.is_empty() {
        return None;
    }
    let mut sorted = voter_end_offsets.to_vec();
    // Descending, with None last: Some(x) > None in Option's ordering.
    sorted.sort_by(|a, b| b.cmp(a));
    let mut index = sorted.len() / 2;
    if without_majority && index > 0 {
        index -= 1;
    }
    sorted[index]
}

/// The leader's next high watermark, or `None` to keep the current one: the majority end offset
/// counts only once it is past the leader's epoch start offset (Raft §5.4.2: a leader commits
/// nothing from earlier epochs until a record of its own epoch commits), and the high watermark
/// never goes back.
pub fn next_high_watermark(
    majority_end_offset: Option<i64>,
    epoch_start_offset: i64,
    current: Option<i64>,
) -> Option<i64> {
    let candidate = majority_end_offset?;
    if candidate <= epoch_start_offset {
        return None;
    }
    match current {
        Some(current) if candidate <= current => None,
        _ => Some(candidate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (voter end offsets, expected majority end offset)
    #[allow(clippy::type_complexity)]
    const MAJORITY: &[(&[Option<i64>], Option<i64>)] = &[
        (&[Some(5)], Some(5)),
        (&[None], None),
        (&[Some(5), Some(3)], Some(3)),
        (&[Some(5), None], None),
        (&[Some(5), Some(3), Some(4)], Some(4)),
        (&[Some(5), None, Some(4)], Some(4)),
        (&[Some(5), None, None], None),
        (&[Some(9), Some(1), Some(7), Some(3)], Some(3)),
        (&[Some(9), Some(8), Some(7), None], Some(7)),
        (&[Some(10), Some(2), Some(8), Some(6), Some(4)], Some(6)),
        (&[Some(10), None, None, Some(6), Some(4)], Some(4)),
        (&[Some(10), None, None, None, Some(4)], None),
    ];

    #[test]
    fn majority_end_offset_table() {
        for (offsets, expected) in MAJORITY {
            assert_eq!(
                majority_end_offset(offsets, false),
                *expected,
                "{offsets:?}"
            );
        }
    }

    #[test]
    fn a_majority_always_holds_the_result() {
        for (offsets, expected) in MAJORITY {
            if let Some(hwm) = expected {
                let holding = offsets
                    .iter()
                    .filter(|o| o.is_some_and(|o| o >= *hwm))
                    .count();
                assert!(holding > offsets.len() / 2, "{offsets:?}");
            }
        }
    }

    #[test]
    fn planted_bug_counts_a_minority() {
        assert_eq!(
            majority_end_offset(&[Some(5), Some(3), Some(4)], true),
            Some(5)
        );
        assert_eq!(majority_end_offset(&[Some(5)], true), Some(5));
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn high_watermark_waits_for_the_epoch_and_never_goes_back() {
        // (majority end offset, epoch start offset, current, expected)
        let cases: &[(Option<i64>, i64, Option<i64>, Option<i64>)] = &[
            (None, 0, None, None),
            (Some(10), 10, None, None),
            (Some(11), 10, None, Some(11)),
            (Some(11), 10, Some(11), None),
            (Some(12), 10, Some(11), Some(12)),
            (Some(11), 10, Some(12), None),
        ];
        for &(majority, start, current, expected) in cases {
            assert_eq!(
                next_high_watermark(majority, start, current),
                expected,
                "{majority:?} {start} {current:?}"
            );
        }
    }
}
