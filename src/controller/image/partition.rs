//! One partition's registration (Kafka's `PartitionRegistration`): built from a
//! `PartitionRecord`, changed by merging a `PartitionChangeRecord`, written back as a
//! `PartitionRecord` at the version the metadata version implies.

use yakt_wire::{PartitionChangeRecord, PartitionRecord, Uuid};

use crate::controller::error::Inconsistency;
use crate::controller::versions::Mv;

/// No leader.
pub const NO_LEADER: i32 = -1;
/// In a `PartitionChangeRecord`: the leader does not change.
pub const NO_LEADER_CHANGE: i32 = -2;
/// The leader was elected cleanly.
pub const RECOVERED: i8 = 0;
/// The leader was elected uncleanly and is recovering.
pub const RECOVERING: i8 = 1;

/// A partition's replicas, leadership and epochs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionRegistration {
    /// The replicas, preferred leader first.
    pub replicas: Vec<i32>,
    /// The log directory of each replica (MIGRATING when unknown).
    pub directories: Vec<Uuid>,
    /// The in-sync replicas.
    pub isr: Vec<i32>,
    /// Replicas a reassignment removes.
    pub removing_replicas: Vec<i32>,
    /// Replicas a reassignment adds.
    pub adding_replicas: Vec<i32>,
    /// Eligible leader replicas (KIP-966).
    pub elr: Vec<i32>,
    /// Last known eligible leader replicas (KIP-966).
    pub last_known_elr: Vec<i32>,
    /// The leader, or [`NO_LEADER`].
    pub leader: i32,
    /// [`RECOVERED`] or [`RECOVERING`].
    pub leader_recovery_state: i8,
    /// The leader epoch.
    pub leader_epoch: i32,
    /// The partition epoch: bumped on every change.
    pub partition_epoch: i32,
}

fn check_recovery_state(value: i8) -> Result<i8, Inconsistency> {
    match value {
        RECOVERED | RECOVERING => Ok(value),
        value => Err(Inconsistency::InvalidLeaderRecoveryState { value }),
    }
}

/// `directories`, or MIGRATING for every replica when empty or all MIGRATING (Kafka's
/// `defaultToMigrating`); a length other than the replicas' is an error.
fn directories_for(replicas: usize, directories: &[Uuid]) -> Result<Vec<Uuid>, Inconsistency> {
    if directories.iter().all(|dir| *dir == Uuid::ZERO) {
        return Ok(vec![Uuid::ZERO; replicas]);
    }
    if directories.len() != replicas {
        return Err(Inconsistency::DirectoriesMismatch {
            replicas,
            directories: directories.len(),
        });
    }
    Ok(directories.to_vec())
}

impl PartitionRegistration {
    /// The registration a `PartitionRecord` states.
    pub fn from_record(record: &PartitionRecord) -> Result<PartitionRegistration, Inconsistency> {
        Ok(PartitionRegistration {
            directories: directories_for(record.replicas.len(), &record.directories)?,
            replicas: record.replicas.clone(),
            isr: record.isr.clone(),
            removing_replicas: record.removing_replicas.clone(),
            adding_replicas: record.adding_replicas.clone(),
            elr: record.eligible_leader_replicas.clone().unwrap_or_default(),
            last_known_elr: record.last_known_elr.clone().unwrap_or_default(),
            leader: record.leader,
            leader_recovery_state: check_recovery_state(record.leader_recovery_state)?,
            leader_epoch: record.leader_epoch,
            partition_epoch: record.partition_epoch,
        })
    }

    /// This registration with `change` applied: the partition epoch goes up by one, and the
    /// leader epoch too when the leader field is set (Kafka's `PartitionRegistration.merge`).
    pub fn merge(
        &self,
        change: &PartitionChangeRecord,
    ) -> Result<PartitionRegistration, Inconsistency> {
        let replicas = change
            .replicas
            .clone()
            .unwrap_or_else(|| self.replicas.clone());
        let directories = change.directories.as_deref().unwrap_or(&self.directories);
        let (leader, leader_epoch) = match change.leader {
            NO_LEADER_CHANGE => (self.leader, self.leader_epoch),
            leader => (leader, self.leader_epoch.wrapping_add(1)),
        };
        let leader_recovery_state = match change.leader_recovery_state {
            -1 => self.leader_recovery_state,
            value => check_recovery_state(value)?,
        };
        let pick =
            |new: &Option<Vec<i32>>, old: &Vec<i32>| new.clone().unwrap_or_else(|| old.clone());
        Ok(PartitionRegistration {
            directories: directories_for(replicas.len(), directories)?,
            replicas,
            isr: pick(&change.isr, &self.isr),
            removing_replicas: pick(&change.removing_replicas, &self.removing_replicas),
            adding_replicas: pick(&change.adding_replicas, &self.adding_replicas),
            elr: pick(&change.eligible_leader_replicas, &self.elr),
            last_known_elr: pick(&change.last_known_elr, &self.last_known_elr),
            leader,
            leader_recovery_state,
            leader_epoch,
            partition_epoch: self.partition_epoch.wrapping_add(1),
        })
    }

    /// Whether the leader is the first replica.
    pub fn has_preferred_leader(&self) -> bool {
        self.leader != NO_LEADER && self.replicas.first() == Some(&self.leader)
    }

    /// Whether the partition has a leader.
    pub fn has_leader(&self) -> bool {
        self.leader != NO_LEADER
    }

    /// Whether a reassignment is under way.
    pub fn is_reassigning(&self) -> bool {
        !self.removing_replicas.is_empty() || !self.adding_replicas.is_empty()
    }

    /// The directory of `replica`, or UNASSIGNED if it is not a replica.
    pub fn directory(&self, replica: i32) -> Uuid {
        self.replicas
            .iter()
            .position(|r| *r == replica)
            .and_then(|i| self.directories.get(i).copied())
            .unwrap_or(Uuid::ONE)
    }

    /// The registration as a `PartitionRecord` at the version `mv` implies: directories
    /// from v1, ELR fields (only when non-empty) from v2.
    pub fn to_record(&self, topic_id: Uuid, partition_id: i32, mv: Mv) -> (PartitionRecord, i16) {
        let non_empty = |list: &Vec<i32>| Some(list.clone()).filter(|l| !l.is_empty());
        let mut record = PartitionRecord {
            partition_id,
            topic_id,
            replicas: self.replicas.clone(),
            isr: self.isr.clone(),
            removing_replicas: self.removing_replicas.clone(),
            adding_replicas: self.adding_replicas.clone(),
            leader: self.leader,
            leader_recovery_state: self.leader_recovery_state,
            leader_epoch: self.leader_epoch,
            partition_epoch: self.partition_epoch,
            ..Default::default()
        };
        if mv.directory_assignment() {
            record.directories = self.directories.clone();
        }
        if mv.elr_supported() {
            record.eligible_leader_replicas = non_empty(&self.elr);
            record.last_known_elr = non_empty(&self.last_known_elr);
        }
        (record, mv.partition_record_version())
    }
}
