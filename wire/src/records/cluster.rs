//! Cluster-wide metadata records: feature levels, producer id blocks, no-ops, metadata
//! transactions and the legacy ZooKeeper migration state (Kafka's `FeatureLevelRecord.json`,
//! `ProducerIdsRecord.json`, `NoOpRecord.json`, `*TransactionRecord.json`,
//! `ZkMigrationRecord.json`).

record! {
    /// A finalized feature level (e.g. `metadata.version`); level 0 removes the feature. Key 12.
    FeatureLevelRecord = 12, versions 0..=0 {
        /// The feature name.
        name: String, since 0;
        /// The finalized level.
        feature_level: i16, since 0;
    }
}

record! {
    /// A block of producer ids was handed out. Key 15.
    ProducerIdsRecord = 15, versions 0..=0 {
        /// The broker that asked for the block.
        broker_id: i32, since 0;
        /// That broker's epoch.
        broker_epoch: i64 = -1, since 0;
        /// The first producer id of the next block.
        next_producer_id: i64, since 0;
    }
}

record! {
    /// Written by an idle active controller to advance the log. Key 20.
    NoOpRecord = 20, versions 0..=0 {}
}

record! {
    /// The state of a ZooKeeper migration (legacy, still replayed). Key 21.
    ZkMigrationStateRecord = 21, versions 0..=0 {
        /// 0 none, 1 migration, 2 pre-migration, 3 post-migration.
        zk_migration_state: i8, since 0;
    }
}

record! {
    /// Starts a metadata transaction. Key 23.
    BeginTransactionRecord = 23, versions 0..=0 {
        /// The transaction's name, for humans.
        name: Option<String> = None, since 0, tag 0;
    }
}

record! {
    /// Ends a metadata transaction. Key 24.
    EndTransactionRecord = 24, versions 0..=0 {}
}

record! {
    /// Aborts a metadata transaction. Key 25.
    AbortTransactionRecord = 25, versions 0..=0 {
        /// Why it was aborted.
        reason: Option<String> = None, since 0, tag 0;
    }
}
