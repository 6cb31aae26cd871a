//! Metadata records about topics and partitions (Kafka's `TopicRecord.json`,
//! `PartitionRecord.json`, `PartitionChangeRecord.json`, `RemoveTopicRecord.json`,
//! `ClearElrRecord.json`).

use crate::uuid::Uuid;

record! {
    /// A topic was created. Key 2.
    TopicRecord = 2, versions 0..=0 {
        /// The topic name.
        name: String, since 0;
        /// The topic id.
        topic_id: Uuid, since 0;
    }
}

record! {
    /// A partition was created (or its full state is restated in a snapshot). Key 3.
    PartitionRecord = 3, versions 0..=2 {
        /// The partition id.
        partition_id: i32 = -1, since 0;
        /// The topic id.
        topic_id: Uuid, since 0;
        /// The replicas, preferred leader first.
        replicas: Vec<i32>, since 0;
        /// The in-sync replicas.
        isr: Vec<i32>, since 0;
        /// Replicas being removed by a reassignment.
        removing_replicas: Vec<i32>, since 0;
        /// Replicas being added by a reassignment.
        adding_replicas: Vec<i32>, since 0;
        /// The leader, -1 for none.
        leader: i32 = -1, since 0;
        /// 0 recovered, 1 recovering (after an unclean election).
        leader_recovery_state: i8 = 0, since 0, tag 0;
        /// The leader epoch.
        leader_epoch: i32 = -1, since 0;
        /// The partition epoch.
        partition_epoch: i32 = -1, since 0;
        /// The log directory of each replica, in replica order.
        directories: Vec<Uuid>, since 1;
        /// The eligible leader replicas (KIP-966).
        eligible_leader_replicas: Option<Vec<i32>> = None, since 2, tag 1;
        /// The last known eligible leader replicas (KIP-966).
        last_known_elr: Option<Vec<i32>> = None, since 2, tag 2;
    }
}

record! {
    /// A change to a partition; absent (null / default) fields are unchanged. Key 5.
    PartitionChangeRecord = 5, versions 0..=2 {
        /// The partition id.
        partition_id: i32 = -1, since 0;
        /// The topic id.
        topic_id: Uuid, since 0;
        /// The new in-sync replicas, or null for no change.
        isr: Option<Vec<i32>> = None, since 0, tag 0;
        /// The new leader: -1 none, -2 no change.
        leader: i32 = -2, since 0, tag 1;
        /// The new replicas, or null for no change.
        replicas: Option<Vec<i32>> = None, since 0, tag 2;
        /// The new removing replicas, or null for no change.
        removing_replicas: Option<Vec<i32>> = None, since 0, tag 3;
        /// The new adding replicas, or null for no change.
        adding_replicas: Option<Vec<i32>> = None, since 0, tag 4;
        /// The new leader recovery state, -1 for no change.
        leader_recovery_state: i8 = -1, since 0, tag 5;
        /// The new eligible leader replicas, or null for no change.
        eligible_leader_replicas: Option<Vec<i32>> = None, since 2, tag 6;
        /// The new last known eligible leader replicas, or null for no change.
        last_known_elr: Option<Vec<i32>> = None, since 2, tag 7;
        /// The new log directory of each replica, or null for no change.
        directories: Option<Vec<Uuid>> = None, since 1, tag 8;
    }
}

record! {
    /// A topic was deleted. Key 9.
    RemoveTopicRecord = 9, versions 0..=0 {
        /// The topic id.
        topic_id: Uuid, since 0;
    }
}

record! {
    /// Clears the eligible leader replicas of a topic, or of all topics if the name is empty.
    /// Key 28.
    ClearElrRecord = 28, versions 0..=0 {
        /// The topic name, empty for all topics.
        topic_name: String, since 0;
    }
}
