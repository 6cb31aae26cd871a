//! Metadata records about brokers and controllers: registration, fencing, unregistration
//! (Kafka's `RegisterBrokerRecord.json` ... `UnregisterControllerRecord.json`).

use crate::uuid::Uuid;

structure! {
    /// A listener a broker advertises.
    BrokerEndpoint {
        /// The listener name.
        name: String, since 0;
        /// The hostname.
        host: String, since 0;
        /// The port.
        port: u16, since 0;
        /// The security protocol id.
        security_protocol: i16, since 0;
    }
}

structure! {
    /// A feature range a broker supports.
    BrokerFeature {
        /// The feature name.
        name: String, since 0;
        /// The lowest supported level.
        min_supported_version: i16, since 0;
        /// The highest supported level.
        max_supported_version: i16, since 0;
    }
}

record! {
    /// A broker registered (or re-registered with a new incarnation). Key 0.
    RegisterBrokerRecord = 0, versions 0..=4 {
        /// The broker id.
        broker_id: i32, since 0;
        /// Whether the broker is a ZooKeeper broker being migrated (legacy).
        is_migrating_zk_broker: bool = false, since 2;
        /// The incarnation id, new on each broker process start.
        incarnation_id: Uuid, since 0;
        /// The broker epoch: the offset of this record.
        broker_epoch: i64, since 0;
        /// The advertised listeners.
        end_points: Vec<BrokerEndpoint>, since 0;
        /// The supported features.
        features: Vec<BrokerFeature>, since 0;
        /// The rack, if any.
        rack: Option<String> = Some(String::new()), since 0;
        /// Whether the broker starts fenced.
        fenced: bool = true, since 0;
        /// Whether the broker is in controlled shutdown.
        in_controlled_shutdown: bool = false, since 1;
        /// The online log directories.
        log_dirs: Vec<Uuid>, since 3, tag 0;
        /// The cordoned log directories; null until the broker reports them.
        cordoned_log_dirs: Option<Vec<Uuid>> = None, since 4, tag 1;
    }
}

record! {
    /// A broker was unregistered. Key 1.
    UnregisterBrokerRecord = 1, versions 0..=0 {
        /// The broker id.
        broker_id: i32, since 0;
        /// The broker epoch.
        broker_epoch: i64, since 0;
    }
}

record! {
    /// A broker was fenced (metadata versions before 3.3-IV2 only). Key 7.
    FenceBrokerRecord = 7, versions 0..=0 {
        /// The broker id.
        id: i32, since 0;
        /// The broker epoch.
        epoch: i64, since 0;
    }
}

record! {
    /// A broker was unfenced (metadata versions before 3.3-IV2 only). Key 8.
    UnfenceBrokerRecord = 8, versions 0..=0 {
        /// The broker id.
        id: i32, since 0;
        /// The broker epoch.
        epoch: i64, since 0;
    }
}

record! {
    /// A change to a broker's registration: fencing, controlled shutdown, log dirs. Key 17.
    BrokerRegistrationChangeRecord = 17, versions 0..=3 {
        /// The broker id.
        broker_id: i32, since 0;
        /// The broker epoch.
        broker_epoch: i64, since 0;
        /// 1 to fence, -1 to unfence, 0 for no change.
        fenced: i8, since 0, tag 0;
        /// 1 if the broker entered controlled shutdown, 0 for no change.
        in_controlled_shutdown: i8, since 1, tag 1;
        /// The online log directories; empty for no change.
        log_dirs: Vec<Uuid>, since 2, tag 2;
        /// The cordoned log directories, or null for no change.
        cordoned_log_dirs: Option<Vec<Uuid>> = None, since 3, tag 3;
    }
}

structure! {
    /// A listener a controller advertises.
    ControllerEndpoint {
        /// The listener name.
        name: String, since 0;
        /// The hostname.
        host: String, since 0;
        /// The port.
        port: u16, since 0;
        /// The security protocol id.
        security_protocol: i16, since 0;
    }
}

structure! {
    /// A feature range a controller supports.
    ControllerFeature {
        /// The feature name.
        name: String, since 0;
        /// The lowest supported level.
        min_supported_version: i16, since 0;
        /// The highest supported level.
        max_supported_version: i16, since 0;
    }
}

record! {
    /// A controller registered. Key 27.
    RegisterControllerRecord = 27, versions 0..=0 {
        /// The controller id.
        controller_id: i32, since 0;
        /// The incarnation id, new on each controller process start.
        incarnation_id: Uuid, since 0;
        /// Whether the controller is ready for a ZooKeeper migration (legacy).
        zk_migration_ready: bool, since 0;
        /// The advertised listeners.
        end_points: Vec<ControllerEndpoint>, since 0;
        /// The supported features.
        features: Vec<ControllerFeature>, since 0;
    }
}

record! {
    /// A controller was unregistered (Kafka trunk, after 4.3). Key 29.
    UnregisterControllerRecord = 29, versions 0..=0 {
        /// The controller id.
        controller_id: i32, since 0;
    }
}
