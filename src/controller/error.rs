//! The fatal tier of controller errors: a committed record that does not fit the image.
//!
//! A metadata record is replayed only after the quorum committed it, so a record that
//! contradicts the image (a partition of a topic that does not exist, a change for a broker
//! epoch that was never registered) means the log or this code is broken. Kafka's controller
//! throws and the node stops; [`ReplayError`] is that signal here, and the caller must stop
//! the node rather than skip the record.

use yakt_wire::Uuid;

/// A committed record could not be applied: fatal to the node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("replaying {record} at offset {offset}: {inconsistency}")]
pub struct ReplayError {
    /// The offset of the record.
    pub offset: i64,
    /// The record type, e.g. `PartitionRecord`.
    pub record: &'static str,
    /// What does not fit.
    pub inconsistency: Inconsistency,
}

/// What is wrong with a record, given the image it is replayed into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Inconsistency {
    /// Offsets must grow from one record to the next.
    #[error("offset is not above the last applied offset {last_applied_offset}")]
    OffsetNotIncreasing {
        /// The offset applied before.
        last_applied_offset: i64,
    },
    /// `metadata.version` is set to a level Kafka does not define.
    #[error("unknown metadata.version level {level}")]
    UnknownMetadataVersion {
        /// The level.
        level: i16,
    },
    /// No broker has this id.
    #[error("no broker {broker_id} is registered")]
    UnknownBroker {
        /// The broker id.
        broker_id: i32,
    },
    /// The broker is registered with another epoch.
    #[error("broker {broker_id} is registered with epoch {registered_epoch}, not {record_epoch}")]
    BrokerEpochMismatch {
        /// The broker id.
        broker_id: i32,
        /// The epoch in the image.
        registered_epoch: i64,
        /// The epoch in the record.
        record_epoch: i64,
    },
    /// `Fenced` is not -1, 0 or 1.
    #[error("fenced change {value} is not -1, 0 or 1")]
    InvalidFencingChange {
        /// The value read.
        value: i8,
    },
    /// `InControlledShutdown` is not 0 or 1.
    #[error("in-controlled-shutdown change {value} is not 0 or 1")]
    InvalidControlledShutdownChange {
        /// The value read.
        value: i8,
    },
    /// A log directory is registered to another broker.
    #[error("directory {directory} already belongs to broker {owner}")]
    DirectoryOwnedByOtherBroker {
        /// The directory id.
        directory: Uuid,
        /// The broker that has it.
        owner: i32,
    },
    /// A topic with this name already exists.
    #[error("a topic named {name:?} already exists")]
    DuplicateTopicName {
        /// The topic name.
        name: String,
    },
    /// A topic with this id already exists.
    #[error("a topic with id {topic_id} already exists")]
    DuplicateTopicId {
        /// The topic id.
        topic_id: Uuid,
    },
    /// No topic has this id.
    #[error("no topic has id {topic_id}")]
    UnknownTopicId {
        /// The topic id.
        topic_id: Uuid,
    },
    /// No topic has this name.
    #[error("no topic is named {name:?}")]
    UnknownTopicName {
        /// The topic name.
        name: String,
    },
    /// The topic has no such partition.
    #[error("topic {topic_id} has no partition {partition_id}")]
    UnknownPartition {
        /// The topic id.
        topic_id: Uuid,
        /// The partition index.
        partition_id: i32,
    },
    /// A partition index below 0.
    #[error("partition index {partition_id} is negative")]
    NegativePartition {
        /// The partition index.
        partition_id: i32,
    },
    /// The number of directories is not the number of replicas.
    #[error("{directories} directories for {replicas} replicas")]
    DirectoriesMismatch {
        /// Replicas.
        replicas: usize,
        /// Directories.
        directories: usize,
    },
    /// The leader recovery state is not 0 (recovered) or 1 (recovering).
    #[error("leader recovery state {value} is not 0 or 1")]
    InvalidLeaderRecoveryState {
        /// The value read.
        value: i8,
    },
    /// A config for a resource type Kafka does not define.
    #[error("unknown config resource type {resource_type}")]
    UnknownConfigResourceType {
        /// The resource type.
        resource_type: i8,
    },
    /// Producer id blocks must move forward.
    #[error("next producer id {next} is not above the current {current}")]
    ProducerIdNotIncreasing {
        /// The current next producer id.
        current: i64,
        /// The record's next producer id.
        next: i64,
    },
    /// No SCRAM credential for this user and mechanism.
    #[error("no SCRAM credential for user {name:?} with mechanism {mechanism}")]
    UnknownScramCredential {
        /// The user.
        name: String,
        /// The mechanism.
        mechanism: i8,
    },
    /// No ACL has this id.
    #[error("no ACL has id {id}")]
    UnknownAcl {
        /// The ACL id.
        id: Uuid,
    },
    /// BeginTransactionRecord inside a transaction.
    #[error("a transaction begun at offset {start_offset} is still open")]
    NestedTransaction {
        /// Where the open transaction began.
        start_offset: i64,
    },
    /// End or AbortTransactionRecord outside a transaction.
    #[error("no transaction is open")]
    NoOpenTransaction,
}
