//! The tally of one election round (Kafka's `EpochElection`): each voter's answer, granted,
//! rejected or not yet recorded, and whether a majority has been reached either way. Used for
//! pre-votes (Prospective) and votes (Candidate) alike.

use std::collections::BTreeMap;

use super::types::NodeId;

/// One voter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteAnswer {
    /// No answer yet.
    Unrecorded,
    /// The vote was granted.
    Granted,
    /// The vote was refused.
    Rejected,
}

/// The answers of every voter in one election round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochElection {
    answers: BTreeMap<NodeId, VoteAnswer>,
}

impl EpochElection {
    /// A round among `voters` in which `local_id` (if a voter) has voted for itself.
    pub fn new(voters: impl IntoIterator<Item = NodeId>, local_id: NodeId) -> EpochElection {
        let mut answers: BTreeMap<NodeId, VoteAnswer> = voters
            .into_iter()
            .map(|id| (id, VoteAnswer::Unrecorded))
            .collect();
        if let Some(own) = answers.get_mut(&local_id) {
            *own = VoteAnswer::Granted;
        }
        EpochElection { answers }
    }

    /// Records `voter`'s answer; answers from non-voters are ignored. Returns whether it changed
    /// anything (a voter's first answer counts; later ones are ignored, as Kafka does).
    pub fn record(&mut self, voter: NodeId, granted: bool) -> bool {
        match self.answers.get_mut(&voter) {
            Some(answer @ VoteAnswer::Unrecorded) => {
                *answer = if granted {
                    VoteAnswer::Granted
                } else {
                    VoteAnswer::Rejected
                };
                true
            }
            _ => false,
        }
    }

    fn count(&self, which: VoteAnswer) -> usize {
        self.answers.values().filter(|a| **a == which).count()
    }

    fn majority(&self) -> usize {
        self.answers.len() / 2 + 1
    }

    /// A majority granted.
    pub fn is_granted(&self) -> bool {
        self.count(VoteAnswer::Granted) >= self.majority()
    }

    /// A majority can no longer be reached.
    pub fn is_rejected(&self) -> bool {
        self.count(VoteAnswer::Granted) + self.count(VoteAnswer::Unrecorded) < self.majority()
    }

    /// Voters that have not answered yet.
    pub fn unrecorded(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.answers
            .iter()
            .filter(|(_, a)| **a == VoteAnswer::Unrecorded)
            .map(|(id, _)| *id)
    }

    /// Voters that granted.
    pub fn granted(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.answers
            .iter()
            .filter(|(_, a)| **a == VoteAnswer::Granted)
            .map(|(id, _)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (voters, granted by others, rejected by others, expect granted, expect rejected)
    const CASES: &[(usize, usize, usize, bool, bool)] = &[
        (1, 0, 0, true, false),
        (2, 0, 0, false, false),
        (2, 1, 0, true, false),
        (2, 0, 1, false, true),
        (3, 0, 0, false, false),
        (3, 1, 0, true, false),
        (3, 0, 1, false, false),
        (3, 0, 2, false, true),
        (4, 1, 0, false, false),
        (4, 2, 0, true, false),
        (4, 1, 2, false, true),
        (5, 2, 0, true, false),
        (5, 1, 2, false, false),
        (5, 1, 3, false, true),
        (5, 0, 3, false, true),
    ];

    #[test]
    fn majority_table() {
        for &(voters, grants, rejects, want_granted, want_rejected) in CASES {
            let mut election = EpochElection::new(1..=voters as NodeId, 1);
            let mut others = 2..=voters as NodeId;
            for _ in 0..grants {
                assert!(election.record(others.next().unwrap(), true));
            }
            for _ in 0..rejects {
                assert!(election.record(others.next().unwrap(), false));
            }
            assert_eq!(
                (election.is_granted(), election.is_rejected()),
                (want_granted, want_rejected),
                "voters={voters} grants={grants} rejects={rejects}"
            );
        }
    }

    #[test]
    fn first_answer_counts_and_non_voters_are_ignored() {
        let mut election = EpochElection::new([1, 2, 3], 1);
        assert!(election.record(2, false));
        assert!(!election.record(2, true), "a second answer is ignored");
        assert!(!election.record(9, true), "not a voter");
        assert!(!election.is_granted());
        assert_eq!(election.unrecorded().collect::<Vec<_>>(), vec![3]);
    }
}
