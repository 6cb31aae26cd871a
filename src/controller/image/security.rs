//! The records yakt keeps as they come so a log written by Kafka loads whole: ACLs
//! (`AccessControlEntryRecord`), SCRAM credentials (`UserScramCredentialRecord`), client
//! quotas (`ClientQuotaRecord`) and delegation tokens (`DelegationTokenRecord`), with their
//! removals.

use std::collections::BTreeMap;

use yakt_wire::{
    AccessControlEntryRecord, ClientQuotaRecord, DelegationTokenRecord, EntityData, MetadataRecord,
    UserScramCredentialRecord, Uuid,
};

use crate::controller::error::Inconsistency;

/// ACLs by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AclsImage {
    acls: BTreeMap<Uuid, AccessControlEntryRecord>,
}

impl AclsImage {
    /// Every ACL, by id.
    pub fn acls(&self) -> &BTreeMap<Uuid, AccessControlEntryRecord> {
        &self.acls
    }

    pub(crate) fn replay(&mut self, record: &AccessControlEntryRecord) {
        self.acls.insert(record.id, record.clone());
    }

    pub(crate) fn replay_remove(&mut self, id: Uuid) -> Result<(), Inconsistency> {
        self.acls
            .remove(&id)
            .map(drop)
            .ok_or(Inconsistency::UnknownAcl { id })
    }

    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        out.extend(self.acls.values().map(|acl| (acl.clone().into(), 0)));
    }
}

/// SCRAM credentials by user and mechanism.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScramImage {
    credentials: BTreeMap<(String, i8), UserScramCredentialRecord>,
}

impl ScramImage {
    /// Every credential, by `(user, mechanism)`.
    pub fn credentials(&self) -> &BTreeMap<(String, i8), UserScramCredentialRecord> {
        &self.credentials
    }

    pub(crate) fn replay(&mut self, record: &UserScramCredentialRecord) {
        let key = (record.name.clone(), record.mechanism);
        self.credentials.insert(key, record.clone());
    }

    pub(crate) fn replay_remove(&mut self, name: &str, mechanism: i8) -> Result<(), Inconsistency> {
        let key = (name.to_owned(), mechanism);
        self.credentials
            .remove(&key)
            .map(drop)
            .ok_or(Inconsistency::UnknownScramCredential {
                name: name.to_owned(),
                mechanism,
            })
    }

    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        out.extend(self.credentials.values().map(|c| (c.clone().into(), 0)));
    }
}

/// A client quota entity: entity type → name (`None` for the default entity).
pub type QuotaEntity = BTreeMap<String, Option<String>>;

/// Client quotas by entity, then key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientQuotasImage {
    quotas: BTreeMap<QuotaEntity, BTreeMap<String, f64>>,
}

impl ClientQuotasImage {
    /// Every entity's quotas.
    pub fn quotas(&self) -> &BTreeMap<QuotaEntity, BTreeMap<String, f64>> {
        &self.quotas
    }

    pub(crate) fn replay(&mut self, record: &ClientQuotaRecord) {
        let entity: QuotaEntity = record
            .entity
            .iter()
            .map(|e| (e.entity_type.clone(), e.entity_name.clone()))
            .collect();
        if record.remove {
            if let Some(values) = self.quotas.get_mut(&entity) {
                values.remove(&record.key);
                if values.is_empty() {
                    self.quotas.remove(&entity);
                }
            }
        } else {
            let values = self.quotas.entry(entity).or_default();
            values.insert(record.key.clone(), record.value);
        }
    }

    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        for (entity, values) in &self.quotas {
            let entity: Vec<EntityData> = entity
                .iter()
                .map(|(entity_type, entity_name)| EntityData {
                    entity_type: entity_type.clone(),
                    entity_name: entity_name.clone(),
                    ..Default::default()
                })
                .collect();
            for (key, value) in values {
                let record = ClientQuotaRecord {
                    entity: entity.clone(),
                    key: key.clone(),
                    value: *value,
                    remove: false,
                    ..Default::default()
                };
                out.push((record.into(), 0));
            }
        }
    }
}

/// Delegation tokens by token id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DelegationTokensImage {
    tokens: BTreeMap<String, DelegationTokenRecord>,
}

impl DelegationTokensImage {
    /// Every token, by id.
    pub fn tokens(&self) -> &BTreeMap<String, DelegationTokenRecord> {
        &self.tokens
    }

    pub(crate) fn replay(&mut self, record: &DelegationTokenRecord) {
        self.tokens.insert(record.token_id.clone(), record.clone());
    }

    pub(crate) fn replay_remove(&mut self, token_id: &str) {
        self.tokens.remove(token_id);
    }

    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        out.extend(self.tokens.values().map(|t| (t.clone().into(), 0)));
    }
}
