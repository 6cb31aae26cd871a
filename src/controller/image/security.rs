//! The records yakt keeps as they come so a log written by Kafka loads whole: ACLs
//! (`AccessControlEntryRecord`), SCRAM credentials (`UserScramCredentialRecord`), client
//! quotas (`ClientQuotaRecord`) and delegation tokens (`DelegationTokenRecord`), with their
//! removals.

use std::collections::BTreeMap;
use std::sync::Arc;

use yakt_wire::{
    AccessControlEntryRecord, ClientQuotaRecord, DelegationTokenRecord, EntityData, MetadataRecord,
    UserScramCredentialRecord, Uuid,
};

use crate::controller::error::Inconsistency;

/// ACLs by id. The map is shared between clones until one of them changes, so a published
/// copy costs nothing and [`AclsImage::shares`] tells in O(1) that nothing changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AclsImage {
    acls: Arc<BTreeMap<Uuid, AccessControlEntryRecord>>,
}

impl AclsImage {
    /// Every ACL, by id.
    pub fn acls(&self) -> &BTreeMap<Uuid, AccessControlEntryRecord> {
        &self.acls
    }

    /// Whether `other` is a clone of this image that neither has changed since.
    pub fn shares(&self, other: &AclsImage) -> bool {
        Arc::ptr_eq(&self.acls, &other.acls)
    }

    pub(crate) fn replay(&mut self, record: &AccessControlEntryRecord) {
        Arc::make_mut(&mut self.acls).insert(record.id, record.clone());
    }

    pub(crate) fn replay_remove(&mut self, id: Uuid) -> Result<(), Inconsistency> {
        Arc::make_mut(&mut self.acls)
            .remove(&id)
            .map(drop)
            .ok_or(Inconsistency::UnknownAcl { id })
    }

    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        out.extend(self.acls.values().map(|acl| (acl.clone().into(), 0)));
    }
}

/// SCRAM credentials by user and mechanism, shared between clones until one changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScramImage {
    credentials: Arc<BTreeMap<(String, i8), UserScramCredentialRecord>>,
}

impl ScramImage {
    /// Every credential, by `(user, mechanism)`.
    pub fn credentials(&self) -> &Arc<BTreeMap<(String, i8), UserScramCredentialRecord>> {
        &self.credentials
    }

    pub(crate) fn replay(&mut self, record: &UserScramCredentialRecord) {
        let key = (record.name.clone(), record.mechanism);
        Arc::make_mut(&mut self.credentials).insert(key, record.clone());
    }

    pub(crate) fn replay_remove(&mut self, name: &str, mechanism: i8) -> Result<(), Inconsistency> {
        let key = (name.to_owned(), mechanism);
        Arc::make_mut(&mut self.credentials)
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

/// Delegation tokens by token id, shared between clones until one changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DelegationTokensImage {
    tokens: Arc<BTreeMap<String, DelegationTokenRecord>>,
}

impl DelegationTokensImage {
    /// Every token, by id.
    pub fn tokens(&self) -> &Arc<BTreeMap<String, DelegationTokenRecord>> {
        &self.tokens
    }

    pub(crate) fn replay(&mut self, record: &DelegationTokenRecord) {
        Arc::make_mut(&mut self.tokens).insert(record.token_id.clone(), record.clone());
    }

    pub(crate) fn replay_remove(&mut self, token_id: &str) {
        Arc::make_mut(&mut self.tokens).remove(token_id);
    }

    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        out.extend(self.tokens.values().map(|t| (t.clone().into(), 0)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_until_one_changes() {
        let acl = |id: u8| AccessControlEntryRecord {
            id: Uuid::from_bytes([id; 16]),
            ..Default::default()
        };
        let mut image = AclsImage::default();
        image.replay(&acl(1));
        let published = image.clone();
        assert!(image.shares(&published));

        image.replay(&acl(2));
        assert!(!image.shares(&published), "a change must be seen");
        assert_eq!(published.acls().len(), 1, "the published copy is untouched");

        let published = image.clone();
        image.replay_remove(Uuid::from_bytes([1; 16])).unwrap();
        assert!(!image.shares(&published));
        assert_eq!(published.acls().len(), 2);
    }
}
