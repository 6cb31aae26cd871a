//! The record versions a `metadata.version` implies, as Kafka's `MetadataVersion` says
//! (`registerBrokerRecordVersion`, `partitionRecordVersion`, ...), and the feature gates the
//! controller consults.

/// `metadata.version` 3.3-IV3: the oldest Kafka 4.x knows.
pub const MV_MINIMUM: i16 = 7;
/// 3.4-IV0: RegisterBrokerRecord v2 (`IsMigratingZkBroker`).
pub const MV_MIGRATION: i16 = 8;
/// 3.6-IV0: an ISR shrink no longer bumps the leader epoch.
pub const MV_NO_EPOCH_BUMP_ON_ISR_SHRINK: i16 = 12;
/// 3.6-IV1: metadata transactions.
pub const MV_TRANSACTIONS: i16 = 13;
/// 3.7-IV0: controller registration (KIP-919).
pub const MV_CONTROLLER_REGISTRATION: i16 = 15;
/// 3.7-IV2: JBOD directory assignment (RegisterBrokerRecord v3, partition records v1).
pub const MV_DIRECTORY_ASSIGNMENT: i16 = 17;
/// 4.0-IV1: eligible leader replicas (partition records v2).
pub const MV_ELR: i16 = 23;
/// 4.3-IV0: cordoned log directories (RegisterBrokerRecord v4).
pub const MV_CORDONED_LOG_DIRS: i16 = 30;

/// A `metadata.version` level and what it implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mv(pub i16);

impl Mv {
    /// The RegisterBrokerRecord version to write.
    pub fn register_broker_record_version(self) -> i16 {
        match self.0 {
            level if level >= MV_CORDONED_LOG_DIRS => 4,
            level if level >= MV_DIRECTORY_ASSIGNMENT => 3,
            level if level >= MV_MIGRATION => 2,
            _ => 1,
        }
    }

    /// The PartitionRecord version to write.
    pub fn partition_record_version(self) -> i16 {
        self.partition_change_record_version()
    }

    /// The PartitionChangeRecord version to write.
    pub fn partition_change_record_version(self) -> i16 {
        match self.0 {
            level if level >= MV_ELR => 2,
            level if level >= MV_DIRECTORY_ASSIGNMENT => 1,
            _ => 0,
        }
    }

    /// Whether partitions carry log directories and brokers register theirs.
    pub fn directory_assignment(self) -> bool {
        self.0 >= MV_DIRECTORY_ASSIGNMENT
    }

    /// Whether partition records carry ELR fields.
    pub fn elr_supported(self) -> bool {
        self.0 >= MV_ELR
    }

    /// Whether metadata transactions may be written.
    pub fn transactions(self) -> bool {
        self.0 >= MV_TRANSACTIONS
    }

    /// Whether controllers register (RegisterControllerRecord).
    pub fn controller_registration(self) -> bool {
        self.0 >= MV_CONTROLLER_REGISTRATION
    }

    /// Whether an ISR shrink must bump the leader epoch (KAFKA-15021, before 3.6-IV0).
    pub fn leader_epoch_bump_on_isr_shrink(self) -> bool {
        self.0 < MV_NO_EPOCH_BUMP_ON_ISR_SHRINK
    }
}
