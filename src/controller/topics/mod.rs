//! Topic and partition requests: CreateTopics, DeleteTopics, CreatePartitions,
//! AlterPartition, ElectLeaders, partition reassignments and AssignReplicasToDirs, with
//! topic name rules and replica placement.

pub mod alter_partition;
pub mod assign_dirs;
pub mod create;
pub mod create_partitions;
pub mod delete;
pub mod elect;
pub mod names;
pub mod placement;
pub mod reassign;
