//! Metadata records about configuration, quotas and security: configs, client quotas, SCRAM
//! credentials, delegation tokens and ACLs (Kafka's `ConfigRecord.json`, `ClientQuotaRecord.json`,
//! `UserScramCredentialRecord.json`, `DelegationTokenRecord.json`,
//! `AccessControlEntryRecord.json` and their `Remove*` counterparts).

use bytes::Bytes;

use crate::uuid::Uuid;

record! {
    /// A config was set (or deleted, with a null value). Key 4.
    ConfigRecord = 4, versions 0..=0 {
        /// The resource type: 2 topic, 4 broker, 8 broker logger, 16 client metrics, 32 group.
        resource_type: i8, since 0;
        /// The resource name, empty for the cluster-wide default.
        resource_name: String, since 0;
        /// The config key.
        name: String, since 0;
        /// The value, or null to delete.
        value: Option<String> = Some(String::new()), since 0;
    }
}

structure! {
    /// One part of a client quota entity.
    EntityData {
        /// The entity type, e.g. `user`, `client-id`, `ip`.
        entity_type: String, since 0;
        /// The entity name, or null for the default entity.
        entity_name: Option<String> = Some(String::new()), since 0;
    }
}

record! {
    /// A client quota was set or removed. Key 14.
    ClientQuotaRecord = 14, versions 0..=0 {
        /// The entity the quota applies to.
        entity: Vec<EntityData>, since 0;
        /// The quota key.
        key: String, since 0;
        /// The quota value.
        value: f64, since 0;
        /// Whether the quota is removed.
        remove: bool, since 0;
    }
}

record! {
    /// A SCRAM credential was created or changed. Key 11.
    UserScramCredentialRecord = 11, versions 0..=0 {
        /// The user name.
        name: String, since 0;
        /// The SCRAM mechanism: 1 SHA-256, 2 SHA-512.
        mechanism: i8, since 0;
        /// The salt.
        salt: Bytes, since 0;
        /// The stored key.
        stored_key: Bytes, since 0;
        /// The server key.
        server_key: Bytes, since 0;
        /// The iteration count.
        iterations: i32, since 0;
    }
}

record! {
    /// A SCRAM credential was removed. Key 22.
    RemoveUserScramCredentialRecord = 22, versions 0..=0 {
        /// The user name.
        name: String, since 0;
        /// The SCRAM mechanism.
        mechanism: i8, since 0;
    }
}

record! {
    /// A delegation token was created or renewed. Key 10.
    DelegationTokenRecord = 10, versions 0..=0 {
        /// The token owner.
        owner: String, since 0;
        /// The principal that asked for the token.
        requester: String, since 0;
        /// The principals allowed to renew it.
        renewers: Vec<String>, since 0;
        /// When it was issued, in milliseconds.
        issue_timestamp: i64, since 0;
        /// When it can no longer be renewed, in milliseconds.
        max_timestamp: i64, since 0;
        /// When it expires, in milliseconds.
        expiration_timestamp: i64, since 0;
        /// The token id.
        token_id: String, since 0;
    }
}

record! {
    /// A delegation token was removed. Key 26.
    RemoveDelegationTokenRecord = 26, versions 0..=0 {
        /// The token id.
        token_id: String, since 0;
    }
}

record! {
    /// An ACL was created. Key 18.
    AccessControlEntryRecord = 18, versions 0..=0 {
        /// The ACL id.
        id: Uuid, since 0;
        /// The resource type.
        resource_type: i8, since 0;
        /// The resource name.
        resource_name: String, since 0;
        /// The pattern type.
        pattern_type: i8, since 0;
        /// The principal.
        principal: String, since 0;
        /// The host.
        host: String, since 0;
        /// The operation.
        operation: i8, since 0;
        /// The permission type.
        permission_type: i8, since 0;
    }
}

record! {
    /// An ACL was removed. Key 19.
    RemoveAccessControlEntryRecord = 19, versions 0..=0 {
        /// The ACL id.
        id: Uuid, since 0;
    }
}
