//! The legal role transitions, in one table, checked on every transition in release builds too
//! (style.md items 3 and 6). The table follows Kafka 4.x `QuorumState`:
//!
//! | from \ to   | Unattached              | Prospective    | Candidate   | Leader        | Follower              | Resigned |
//! |-------------|-------------------------|----------------|-------------|---------------|-----------------------|----------|
//! | Unattached  | higher epoch; or same epoch casting the epoch's vote | same epoch (election timeout) | - | - | same or higher epoch | - |
//! | Prospective | higher epoch; or same epoch (pre-vote lost, no leader known) | same epoch casting the epoch's vote | epoch + 1 (pre-votes won) | - | same or higher epoch (pre-vote lost with a known leader, or leader discovered) | - |
//! | Candidate   | higher epoch            | same epoch (election lost or timed out, after backoff) | - | same epoch (votes won) | same or higher epoch (another voter won) | - |
//! | Leader      | higher epoch            | -              | -           | -             | higher epoch          | same epoch (resign) |
//! | Follower    | higher epoch            | same epoch (fetch timeout) | - | -   | higher epoch          | - |
//! | Resigned    | higher epoch (a new election, or the election timeout: epoch + 1) | - | - | - | higher epoch | - |
//!
//! Observers (non-voters) never stand for election (a leader removed from the voter set still
//! resigns as any leader does). Within one epoch a vote
//! once cast is never changed or forgotten (KIP-595: at most one vote per epoch).

use super::roles::{Role, RoleKind};

/// Whether `kind` may move to `to` when the epoch changes by `epoch_delta`, for a voter or not.
/// `casts_vote` tells a same-epoch Unattached/Prospective move that records the epoch's vote.
pub fn is_legal(
    from: RoleKind,
    to: RoleKind,
    epoch_delta: i64,
    casts_vote: bool,
    is_voter: bool,
) -> bool {
    use RoleKind::*;
    // A leader removed from the voter set still resigns; only elections need a voter.
    if !is_voter && matches!(to, Prospective | Candidate | Leader) {
        return false;
    }
    let higher = epoch_delta > 0;
    let same = epoch_delta == 0;
    match (from, to) {
        (Unattached, Unattached) => higher || (same && casts_vote),
        (Unattached, Prospective) => same,
        (Unattached, Follower) => higher || same,
        (Prospective, Unattached) => higher || same,
        (Prospective, Prospective) => same && casts_vote,
        (Prospective, Candidate) => epoch_delta == 1,
        (Prospective, Follower) => higher || same,
        (Candidate, Unattached) => higher,
        (Candidate, Prospective) => same,
        (Candidate, Leader) => same,
        (Candidate, Follower) => higher || same,
        (Leader, Unattached) => higher,
        (Leader, Follower) => higher,
        (Leader, Resigned) => same,
        (Follower, Unattached) => higher,
        (Follower, Prospective) => same,
        (Follower, Follower) => higher,
        (Resigned, Unattached) => higher,
        (Resigned, Follower) => higher,
        _ => false,
    }
}

/// Asserts that moving from `from` to `to` is legal and keeps the epoch's vote. Panics otherwise,
/// in every build: an illegal transition is a bug that could elect two leaders.
pub fn assert_legal_transition(
    from: &Role,
    to: &Role,
    local: (i32, yakt_wire::Uuid),
    is_voter: bool,
) {
    let epoch_delta = i64::from(to.epoch()) - i64::from(from.epoch());
    let from_vote = from.voted(local);
    let to_vote = to.voted(local);
    let casts_vote = epoch_delta == 0 && from_vote.is_none() && to_vote.is_some();
    assert!(
        is_legal(from.kind(), to.kind(), epoch_delta, casts_vote, is_voter),
        "illegal transition {:?}(epoch {}) -> {:?}(epoch {}) (voter: {is_voter})",
        from.kind(),
        from.epoch(),
        to.kind(),
        to.epoch()
    );
    if epoch_delta == 0 && from_vote.is_some() && !matches!(to, Role::Resigned(_)) {
        assert_eq!(
            from_vote,
            to_vote,
            "a transition within epoch {} changed the vote",
            to.epoch()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RoleKind::*;

    const ALL: [RoleKind; 6] = [
        Unattached,
        Prospective,
        Candidate,
        Leader,
        Follower,
        Resigned,
    ];

    #[test]
    fn observers_never_stand_for_election() {
        for from in ALL {
            for to in ALL {
                for delta in [0, 1, 2] {
                    if is_legal(from, to, delta, false, false)
                        || is_legal(from, to, delta, true, false)
                    {
                        let resigning = from == Leader && to == Resigned;
                        assert!(
                            matches!(to, Unattached | Follower) || resigning,
                            "{from:?} -> {to:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn no_transition_lowers_the_epoch() {
        for from in ALL {
            for to in ALL {
                assert!(!is_legal(from, to, -1, false, true), "{from:?} -> {to:?}");
                assert!(!is_legal(from, to, -1, true, true), "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn only_a_candidate_becomes_leader_and_only_in_its_epoch() {
        for from in ALL {
            for delta in [0, 1] {
                let legal = is_legal(from, Leader, delta, false, true);
                assert_eq!(legal, from == Candidate && delta == 0, "{from:?} +{delta}");
            }
        }
    }

    #[test]
    fn the_epoch_is_bumped_only_by_a_prospective_winning_pre_votes() {
        for from in ALL {
            assert_eq!(
                is_legal(from, Candidate, 1, false, true),
                from == Prospective,
                "{from:?}"
            );
            assert!(!is_legal(from, Candidate, 0, false, true));
            assert!(!is_legal(from, Candidate, 2, false, true));
        }
    }

    #[test]
    fn same_epoch_self_moves_need_a_vote_cast() {
        assert!(!is_legal(Unattached, Unattached, 0, false, true));
        assert!(is_legal(Unattached, Unattached, 0, true, true));
        assert!(!is_legal(Prospective, Prospective, 0, false, true));
        assert!(!is_legal(Follower, Follower, 0, false, true));
    }
}
