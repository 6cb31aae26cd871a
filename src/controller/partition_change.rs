//! Computing one partition's change (Kafka's `PartitionChangeBuilder`): from the current
//! registration and target ISR / replicas / reassignment state, elect a leader, keep the
//! eligible leader replicas (KIP-966), complete a reassignment whose new replicas caught up,
//! and emit the `PartitionChangeRecord` that says only what changed, or nothing.
//!
//! Rules kept from Kafka: a new leader comes from the target ISR (or, with ELR and an empty
//! ISR, from the ELR); the current leader stays if still valid; an unclean election takes
//! any acceptable replica and forces the ISR to it, marking the leader RECOVERING; the last
//! known leader may be elected when ISR and ELR are both empty (balanced recovery).

use std::collections::{BTreeMap, BTreeSet};

use yakt_wire::{PartitionChangeRecord, Uuid};

use crate::controller::image::partition::{
    PartitionRegistration, NO_LEADER, NO_LEADER_CHANGE, RECOVERING,
};
use crate::controller::versions::Mv;

/// How a leader may be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Election {
    /// The preferred (first) replica if it is in the ISR, else as [`Election::Online`].
    Preferred,
    /// Any replica in the ISR, keeping the current leader if it is still valid.
    Online,
    /// As [`Election::Online`], else any acceptable replica even outside the ISR.
    Unclean,
}

/// A partition change under construction.
pub struct PartitionChange<'a> {
    partition: &'a PartitionRegistration,
    topic_id: Uuid,
    partition_id: i32,
    is_acceptable_leader: Box<dyn Fn(i32) -> bool + 'a>,
    default_dir: Box<dyn Fn(i32) -> Uuid + 'a>,
    mv: Mv,
    min_isr: usize,
    elr_enabled: bool,
    election: Election,
    target_isr: Vec<i32>,
    target_replicas: Vec<i32>,
    target_removing: Vec<i32>,
    target_adding: Vec<i32>,
    target_elr: Vec<i32>,
    target_last_known_elr: Vec<i32>,
    target_directories: BTreeMap<i32, Uuid>,
    target_leader_recovery_state: i8,
    unclean_shutdown_replicas: Vec<i32>,
}

impl<'a> PartitionChange<'a> {
    /// A change of `partition` that changes nothing yet. `is_acceptable_leader` says whether
    /// a replica may lead (active, its directory online); `default_dir` gives the directory
    /// of a replica with none assigned.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        partition: &'a PartitionRegistration,
        topic_id: Uuid,
        partition_id: i32,
        is_acceptable_leader: impl Fn(i32) -> bool + 'a,
        default_dir: impl Fn(i32) -> Uuid + 'a,
        mv: Mv,
        min_isr: usize,
        elr_enabled: bool,
    ) -> PartitionChange<'a> {
        let target_directories = partition
            .replicas
            .iter()
            .copied()
            .zip(partition.directories.iter().copied())
            .collect();
        PartitionChange {
            partition,
            topic_id,
            partition_id,
            is_acceptable_leader: Box::new(is_acceptable_leader),
            default_dir: Box::new(default_dir),
            mv,
            min_isr,
            elr_enabled,
            election: Election::Online,
            target_isr: partition.isr.clone(),
            target_replicas: partition.replicas.clone(),
            target_removing: partition.removing_replicas.clone(),
            target_adding: partition.adding_replicas.clone(),
            target_elr: partition.elr.clone(),
            target_last_known_elr: partition.last_known_elr.clone(),
            target_directories,
            target_leader_recovery_state: partition.leader_recovery_state,
            unclean_shutdown_replicas: Vec::new(),
        }
    }

    /// Sets the election type.
    pub fn election(mut self, election: Election) -> Self {
        self.election = election;
        self
    }

    /// Sets the target ISR.
    pub fn target_isr(mut self, isr: Vec<i32>) -> Self {
        self.target_isr = isr;
        self
    }

    /// Sets the target replicas.
    pub fn target_replicas(mut self, replicas: Vec<i32>) -> Self {
        self.target_replicas = replicas;
        self
    }

    /// Sets the target removing replicas.
    pub fn target_removing(mut self, removing: Vec<i32>) -> Self {
        self.target_removing = removing;
        self
    }

    /// Sets the target adding replicas.
    pub fn target_adding(mut self, adding: Vec<i32>) -> Self {
        self.target_adding = adding;
        self
    }

    /// Sets the target leader recovery state.
    pub fn target_leader_recovery_state(mut self, state: i8) -> Self {
        self.target_leader_recovery_state = state;
        self
    }

    /// Replicas that shut down uncleanly: kept out of the ELR.
    pub fn unclean_shutdown_replicas(mut self, replicas: Vec<i32>) -> Self {
        self.unclean_shutdown_replicas = replicas;
        self
    }

    /// Puts `broker`'s replica in `directory`.
    pub fn directory(mut self, broker: i32, directory: Uuid) -> Self {
        self.target_directories.insert(broker, directory);
        self
    }

    /// The target ISR as it stands.
    pub fn current_target_isr(&self) -> &[i32] {
        &self.target_isr
    }

    /// The record, with its version, or `None` if nothing changes.
    pub fn build(mut self) -> Option<(PartitionChangeRecord, i16)> {
        let mut record = PartitionChangeRecord {
            topic_id: self.topic_id,
            partition_id: self.partition_id,
            ..Default::default()
        };
        self.complete_reassignment_if_needed();
        self.populate_target_elr();
        self.try_election(&mut record);
        self.bump_leader_epoch_for_reassignment(&mut record);
        self.update_record_elr(&mut record);
        let isr_changed = self.target_isr != self.partition.isr;
        if record.isr.is_none() && (!self.target_isr.is_empty() || self.elr_enabled) && isr_changed
        {
            record.isr = Some(self.target_isr.clone());
        }
        self.bump_leader_epoch_for_isr_shrink(&mut record);
        self.update_last_known_leader(&mut record);
        self.set_assignment_changes(&mut record);
        if self.target_leader_recovery_state != self.partition.leader_recovery_state {
            record.leader_recovery_state = self.target_leader_recovery_state;
        }
        if is_no_op(&record) {
            return None;
        }
        Some((record, self.mv.partition_change_record_version()))
    }

    fn is_valid_new_leader(&self, replica: i32) -> bool {
        let eligible = self.target_isr.contains(&replica)
            || (self.target_isr.is_empty() && self.target_elr.contains(&replica));
        eligible && (self.is_acceptable_leader)(replica)
    }

    fn can_elect_last_known_leader(&self) -> bool {
        self.elr_enabled
            && self.target_elr.is_empty()
            && self.target_isr.is_empty()
            && self.partition.last_known_elr.len() == 1
    }

    /// The elected leader and whether the election was unclean.
    fn elect_leader(&self) -> (i32, bool) {
        let current = self.partition.leader;
        if self.election == Election::Preferred {
            if let Some(&preferred) = self.target_replicas.first() {
                if self.is_valid_new_leader(preferred) {
                    return (preferred, false);
                }
            }
        }
        if self.is_valid_new_leader(current) {
            return (current, false);
        }
        let skip = usize::from(self.election == Election::Preferred);
        let online = self.target_replicas.iter().skip(skip).copied();
        if let Some(leader) = online.clone().find(|r| self.is_valid_new_leader(*r)) {
            return (leader, false);
        }
        if self.can_elect_last_known_leader() {
            return (self.partition.last_known_elr[0], true);
        }
        if self.election == Election::Unclean {
            let acceptable = self.target_replicas.iter().copied();
            if let Some(leader) = acceptable.clone().find(|r| (self.is_acceptable_leader)(*r)) {
                return (leader, true);
            }
        }
        (NO_LEADER, false)
    }

    fn try_election(&mut self, record: &mut PartitionChangeRecord) {
        let (leader, unclean) = self.elect_leader();
        if leader == self.partition.leader {
            return;
        }
        if self.target_elr.contains(&leader) {
            self.target_isr = vec![leader];
            self.target_elr.retain(|r| *r != leader);
        }
        record.leader = leader;
        if unclean {
            record.isr = Some(vec![leader]);
            if self.partition.leader_recovery_state != RECOVERING {
                record.leader_recovery_state = RECOVERING;
            }
        }
    }

    /// A reassignment that drops a replica bumps the leader epoch.
    fn bump_leader_epoch_for_reassignment(&self, record: &mut PartitionChangeRecord) {
        if record.leader != NO_LEADER_CHANGE {
            return;
        }
        let dropped = self
            .partition
            .replicas
            .iter()
            .any(|r| !self.target_replicas.contains(r));
        if dropped {
            record.leader = self.partition.leader;
        }
    }

    /// Before 3.6-IV0 an ISR shrink bumps the leader epoch (KAFKA-15021).
    fn bump_leader_epoch_for_isr_shrink(&self, record: &mut PartitionChangeRecord) {
        if !self.mv.leader_epoch_bump_on_isr_shrink() || record.leader != NO_LEADER_CHANGE {
            return;
        }
        if let Some(isr) = &record.isr {
            if self.partition.isr.iter().any(|r| !isr.contains(r)) {
                record.leader = self.partition.leader;
            }
        }
    }

    fn complete_reassignment_if_needed(&mut self) {
        if self.target_removing.is_empty() && self.target_adding.is_empty() {
            return;
        }
        let removing = &self.target_removing;
        let isr: Vec<i32> = self
            .target_isr
            .iter()
            .copied()
            .filter(|r| !removing.contains(r))
            .collect();
        let replicas: Vec<i32> = self
            .target_replicas
            .iter()
            .copied()
            .filter(|r| !removing.contains(r))
            .collect();
        if isr.is_empty() || replicas.is_empty() || !replicas.iter().all(|r| isr.contains(r)) {
            return;
        }
        self.target_isr = isr;
        self.target_replicas = replicas;
        self.target_removing.clear();
        self.target_adding.clear();
    }

    /// With ELR on and the ISR below min ISR, replicas leaving the ISR join the ELR.
    fn populate_target_elr(&mut self) {
        if !self.elr_enabled {
            return;
        }
        if self.target_isr.len() >= self.min_isr {
            self.target_elr.clear();
            self.target_last_known_elr.clear();
            return;
        }
        let mut candidates: BTreeSet<i32> = self.target_elr.iter().copied().collect();
        candidates.extend(self.partition.isr.iter().copied());
        let isr = &self.target_isr;
        let unclean = &self.unclean_shutdown_replicas;
        self.target_elr = candidates
            .iter()
            .copied()
            .filter(|r| !isr.contains(r) && !unclean.contains(r))
            .collect();
        candidates.extend(self.target_last_known_elr.iter().copied());
        let elr = &self.target_elr;
        self.target_last_known_elr = candidates
            .into_iter()
            .filter(|r| !isr.contains(r) && !elr.contains(r))
            .collect();
    }

    fn update_record_elr(&mut self, record: &mut PartitionChangeRecord) {
        let clean = record.isr.is_none();
        if !clean || !self.elr_enabled {
            self.target_elr.clear();
            self.target_last_known_elr.clear();
        }
        if self.target_elr != self.partition.elr {
            record.eligible_leader_replicas = Some(self.target_elr.clone());
        }
        // The last known leader is kept in LastKnownElr (balanced recovery): see
        // `update_last_known_leader`.
    }

    fn update_last_known_leader(&self, record: &mut PartitionChangeRecord) {
        if !self.elr_enabled {
            return;
        }
        let partition = self.partition;
        let becomes_leaderless = record.isr.as_ref().is_some_and(Vec::is_empty);
        let known =
            partition.last_known_elr.len() == 1 && partition.last_known_elr[0] == partition.leader;
        if becomes_leaderless && !known {
            record.last_known_elr = Some(vec![partition.leader]);
        } else if (record.leader >= 0
            || (partition.leader != NO_LEADER && record.leader != NO_LEADER))
            && !partition.last_known_elr.is_empty()
        {
            record.last_known_elr = Some(Vec::new());
        }
    }

    fn set_assignment_changes(&self, record: &mut PartitionChangeRecord) {
        if !self.target_replicas.is_empty() {
            if self.mv.directory_assignment() {
                let directories: Vec<Uuid> = self
                    .target_replicas
                    .iter()
                    .map(|r| {
                        self.target_directories
                            .get(r)
                            .copied()
                            .unwrap_or_else(|| (self.default_dir)(*r))
                    })
                    .collect();
                if directories != self.partition.directories {
                    record.directories = Some(directories);
                }
            }
            if self.target_replicas != self.partition.replicas {
                record.replicas = Some(self.target_replicas.clone());
            }
        }
        if self.target_removing != self.partition.removing_replicas {
            record.removing_replicas = Some(self.target_removing.clone());
        }
        if self.target_adding != self.partition.adding_replicas {
            record.adding_replicas = Some(self.target_adding.clone());
        }
    }
}

/// Whether a change record changes nothing (Kafka's `changeRecordIsNoOp`).
pub fn is_no_op(record: &PartitionChangeRecord) -> bool {
    record.isr.is_none()
        && record.eligible_leader_replicas.is_none()
        && record.last_known_elr.is_none()
        && record.leader == NO_LEADER_CHANGE
        && record.replicas.is_none()
        && record.removing_replicas.is_none()
        && record.adding_replicas.is_none()
        && record.leader_recovery_state == -1
        && record.directories.is_none()
}
