//! AlterClientQuotas as a Kafka controller answers it (`ClientQuotaControlManager`).
//!
//! Each entry names an entity (entity type to name, `None` for the default entity) and the
//! quota keys to set or, with `Remove`, to remove. An entity is checked on its own: its types
//! must be `user` and/or `client-id`, or `ip` alone (a valid address); names may not be
//! empty; each key set must be one its types allow, with a value above zero that fits the
//! key's type (whole numbers for the integral ones). A key named twice, or an entity named
//! twice in one request, is INVALID_REQUEST. A value equal to the current one, or the removal
//! of a key that is not set, writes no record. The records of all entities form one atomic
//! batch; validate-only writes none.

use std::collections::BTreeMap;
use std::net::IpAddr;

use kafka_protocol::messages::alter_client_quotas_response::{EntityData, EntryData};
use kafka_protocol::messages::{AlterClientQuotasRequest, AlterClientQuotasResponse};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{ClientQuotaRecord, MetadataRecord};

use crate::controller::image::security::QuotaEntity;
use crate::controller::machine::Controller;
use crate::controller::result::{ApiError, ControllerResult};

/// The `user` entity type.
pub const USER: &str = "user";
/// The `client-id` entity type.
pub const CLIENT_ID: &str = "client-id";
/// The `ip` entity type.
pub const IP: &str = "ip";

/// The type of a quota key's value (Kafka's `ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaType {
    /// A 32-bit whole number.
    Int,
    /// A 64-bit whole number.
    Long,
    /// Any number.
    Double,
}

/// The quota keys of `user` and `client-id` entities (`QuotaConfig.userAndClientQuotaConfigs`).
pub const USER_AND_CLIENT_QUOTA_KEYS: &[(&str, QuotaType)] = &[
    ("producer_byte_rate", QuotaType::Long),
    ("consumer_byte_rate", QuotaType::Long),
    ("request_percentage", QuotaType::Double),
    ("controller_mutation_rate", QuotaType::Double),
];

/// The quota keys of `ip` entities (`QuotaConfig.ipConfigs`).
pub const IP_QUOTA_KEYS: &[(&str, QuotaType)] = &[("connection_creation_rate", QuotaType::Int)];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ResponseError::InvalidRequest, message)
}

fn describe(entity: &QuotaEntity) -> String {
    let parts: Vec<String> = entity
        .iter()
        .map(|(kind, name)| format!("{kind}={}", name.as_deref().unwrap_or("null")))
        .collect();
    format!("ClientQuotaEntity(entries={{{}}})", parts.join(", "))
}

/// Checks an entity's types and names and gives the quota keys it may set
/// (`validateEntity`, `configKeysForEntityType`).
fn entity_keys(entity: &QuotaEntity) -> Result<&'static [(&'static str, QuotaType)], ApiError> {
    if entity.is_empty() {
        return Err(invalid("Invalid empty client quota entity"));
    }
    for (kind, name) in entity {
        if ![USER, CLIENT_ID, IP].contains(&kind.as_str()) {
            return Err(invalid(format!(
                "Unhandled client quota entity type: {kind}"
            )));
        }
        if name.as_deref() == Some("") {
            return Err(invalid(format!("Empty {kind} not supported")));
        }
    }
    match entity.get(IP) {
        Some(_) if entity.len() > 1 => Err(invalid(
            "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
        )),
        Some(Some(ip)) if !valid_ip_entity(ip) => Err(invalid(format!(
            "{ip} is not a valid IP or resolvable host."
        ))),
        Some(_) => Ok(IP_QUOTA_KEYS),
        None => Ok(USER_AND_CLIENT_QUOTA_KEYS),
    }
}

/// An address literal, or a name that could be a host name. Kafka resolves the name; a
/// sans-IO controller can only check its syntax (RFC 1123 labels).
fn valid_ip_entity(ip: &str) -> bool {
    if ip.parse::<IpAddr>().is_ok() {
        return true;
    }
    ip.len() <= 253
        && ip.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Checks a value to set for `key` (`validateQuotaKeyValue`).
fn validate_value(keys: &[(&str, QuotaType)], key: &str, value: f64) -> Result<(), ApiError> {
    let Some((_, kind)) = keys.iter().find(|(name, _)| *name == key) else {
        return Err(invalid(format!("Invalid configuration key {key}")));
    };
    if value <= 0.0 {
        return Err(invalid(format!("Quota {key} must be greater than 0")));
    }
    let (limit, word) = match kind {
        QuotaType::Double => return Ok(()),
        QuotaType::Int => (i32::MAX as f64, "an INT"),
        QuotaType::Long => (i64::MAX as f64, "a LONG"),
    };
    if value > limit {
        return Err(invalid(format!(
            "Proposed value for {key} is too large for {word}."
        )));
    }
    if (value % 1.0).abs() > 1e-6 {
        return Err(invalid(format!("{key} cannot be a fractional value.")));
    }
    Ok(())
}

/// The record's entity parts, in the order Kafka's controller writes them.
fn record_entity(entity: &QuotaEntity) -> Vec<yakt_wire::EntityData> {
    [CLIENT_ID, USER, IP]
        .iter()
        .filter_map(|kind| {
            entity.get(*kind).map(|name| yakt_wire::EntityData {
                entity_type: (*kind).to_owned(),
                entity_name: name.clone(),
                ..Default::default()
            })
        })
        .collect()
}

/// One entity's changes: each key with its new value, `None` to remove.
type Alterations = Vec<(String, Option<f64>)>;

impl Controller {
    /// Handles an AlterClientQuotas.
    pub fn alter_client_quotas(
        &self,
        request: &AlterClientQuotasRequest,
    ) -> ControllerResult<AlterClientQuotasResponse> {
        let mut records = Vec::new();
        let mut outcomes: Vec<(QuotaEntity, ApiError)> = Vec::new();
        for entry in &request.entries {
            let entity: QuotaEntity = entry
                .entity
                .iter()
                .map(|e| {
                    let name = e.entity_name.as_ref().map(|n| n.to_string());
                    (e.entity_type.to_string(), name)
                })
                .collect();
            let mut alterations: Alterations = Vec::new();
            let mut outcome = None;
            for op in &entry.ops {
                let key = op.key.to_string();
                if alterations.iter().any(|(k, _)| *k == key) {
                    outcome = Some(invalid(format!(
                        "Duplicate quota key {key} not updating quota for this entity {}",
                        describe(&entity)
                    )));
                } else {
                    alterations.push((key, (!op.remove).then_some(op.value)));
                }
            }
            let seen = outcomes.iter().position(|(e, _)| *e == entity);
            let outcome = match (seen, outcome) {
                (Some(_), _) | (None, Some(_)) => {
                    invalid(format!("Ignoring duplicate entity {}", describe(&entity)))
                }
                (None, None) => match self.alter_entity(&entity, &alterations) {
                    Ok(entity_records) => {
                        records.extend(entity_records);
                        ApiError::NONE
                    }
                    Err(error) => error,
                },
            };
            match seen {
                Some(index) => outcomes[index].1 = outcome,
                None => outcomes.push((entity, outcome)),
            }
        }
        if request.validate_only {
            records.clear();
        }
        ControllerResult::atomic(records, response(outcomes))
    }

    /// The records that make `entity`'s quotas as asked (`alterClientQuotaEntity`).
    fn alter_entity(
        &self,
        entity: &QuotaEntity,
        alterations: &Alterations,
    ) -> Result<Vec<(MetadataRecord, i16)>, ApiError> {
        let keys = entity_keys(entity)?;
        let empty = BTreeMap::new();
        let current = self
            .image()
            .client_quotas
            .quotas()
            .get(entity)
            .unwrap_or(&empty);
        let mut records = Vec::new();
        for (key, value) in alterations {
            let record = match value {
                None if current.contains_key(key) => ClientQuotaRecord {
                    entity: record_entity(entity),
                    key: key.clone(),
                    remove: true,
                    ..Default::default()
                },
                None => continue,
                Some(value) => {
                    validate_value(keys, key, *value)?;
                    if current
                        .get(key)
                        .is_some_and(|c| c.to_bits() == value.to_bits())
                    {
                        continue;
                    }
                    ClientQuotaRecord {
                        entity: record_entity(entity),
                        key: key.clone(),
                        value: *value,
                        ..Default::default()
                    }
                }
            };
            records.push((record.into(), 0));
        }
        Ok(records)
    }
}

fn response(outcomes: Vec<(QuotaEntity, ApiError)>) -> AlterClientQuotasResponse {
    let entries = outcomes
        .into_iter()
        .map(|(entity, error)| {
            let entity = entity
                .into_iter()
                .map(|(kind, name)| {
                    EntityData::default()
                        .with_entity_type(StrBytes::from_string(kind))
                        .with_entity_name(name.map(StrBytes::from_string))
                })
                .collect();
            EntryData::default()
                .with_error_code(error.code)
                .with_error_message(error.message.map(StrBytes::from_string))
                .with_entity(entity)
        })
        .collect();
    AlterClientQuotasResponse::default().with_entries(entries)
}
