//! BrokerRegistration v0-4, with every check of Kafka's `ClusterControlManager
//! .registerBroker`: the cluster id (INCONSISTENT_CLUSTER_ID); a live session under another
//! incarnation (DUPLICATE_BROKER_REGISTRATION); no ZooKeeper brokers
//! (BROKER_ID_NOT_REGISTERED); from metadata.version 3.7-IV2 log directories that are
//! present, not reserved, unique and not another broker's (INVALID_REGISTRATION); every
//! finalized feature, `kraft.version` included, inside the broker's range
//! (UNSUPPORTED_VERSION).
//!
//! A new incarnation gets epoch = the offset its records start at (`next_offset`) and is
//! written fenced; when it did not shut down cleanly (its `PreviousBrokerEpoch` is not the
//! epoch on record, or the request is older than v3) and ELR is on, its partitions are
//! cleaned first, as Kafka's `handleBrokerShutdown` does. The same incarnation registering
//! again keeps its epoch and state.

use std::collections::BTreeMap;

use kafka_protocol::messages::broker_registration_request::Feature;
use kafka_protocol::messages::{BrokerRegistrationRequest, BrokerRegistrationResponse};
use kafka_protocol::ResponseError;
use yakt_wire::{BrokerEndpoint, BrokerFeature, MetadataRecord, RegisterBrokerRecord, Uuid};

use crate::controller::brokers::transitions::shutdown_updates;
use crate::controller::image::MetadataImage;
use crate::controller::machine::Controller;
use crate::controller::result::{ApiError, ControllerResult};
use crate::features::{MetadataVersion, KRAFT_VERSION, METADATA_VERSION};

impl Controller {
    /// Handles a BrokerRegistration at request `version`; the broker's records would start
    /// at `next_offset`.
    pub fn register_broker(
        &mut self,
        request: &BrokerRegistrationRequest,
        version: i16,
        next_offset: i64,
        now_ms: i64,
    ) -> ControllerResult<BrokerRegistrationResponse> {
        match self.compute_registration(request, version, next_offset, now_ms) {
            Ok((records, epoch)) => {
                let response = BrokerRegistrationResponse::default().with_broker_epoch(epoch);
                ControllerResult::atomic(records, response)
            }
            Err(error) => ControllerResult::response_only(
                BrokerRegistrationResponse::default()
                    .with_error_code(error.code)
                    .with_broker_epoch(-1),
            ),
        }
    }

    fn compute_registration(
        &mut self,
        request: &BrokerRegistrationRequest,
        version: i16,
        next_offset: i64,
        now_ms: i64,
    ) -> Result<(Vec<(MetadataRecord, i16)>, i64), ApiError> {
        let image = self.replayer.image();
        let broker_id = request.broker_id.0;
        if request.cluster_id.as_str() != self.settings.cluster_id {
            return Err(ApiError::new(
                ResponseError::InconsistentClusterId,
                format!(
                    "Expected cluster ID {}, but got cluster ID {}",
                    self.settings.cluster_id, request.cluster_id
                ),
            ));
        }
        let incarnation_id = Uuid::from(request.incarnation_id);
        let existing = image.cluster.broker(broker_id);
        if let Some(existing) = existing {
            let live = self
                .heartbeats
                .has_valid_session(&image.cluster, broker_id, now_ms);
            if live && existing.incarnation_id != incarnation_id {
                return Err(ApiError::new(
                    ResponseError::DuplicateBrokerRegistration,
                    "Another broker is registered with that broker id.",
                ));
            }
        }
        if request.is_migrating_zk_broker {
            return Err(ApiError::new(
                ResponseError::BrokerIdNotRegistered,
                "Controller does not support registering ZK brokers.",
            ));
        }
        let mv = image.metadata_version();
        if mv.directory_assignment() {
            let dirs: Vec<Uuid> = request.log_dirs.iter().map(|d| Uuid::from(*d)).collect();
            check_log_dirs(image, broker_id, &dirs)?;
        }
        let features = self.check_features(&request.features)?;
        let mut record = RegisterBrokerRecord {
            broker_id,
            incarnation_id,
            end_points: request
                .listeners
                .iter()
                .map(|l| BrokerEndpoint {
                    name: l.name.to_string(),
                    host: l.host.to_string(),
                    port: l.port,
                    security_protocol: l.security_protocol,
                    ..Default::default()
                })
                .collect(),
            features,
            rack: request.rack.as_ref().map(|r| r.to_string()),
            ..Default::default()
        };
        if mv.directory_assignment() {
            record.log_dirs = request.log_dirs.iter().map(|d| Uuid::from(*d)).collect();
        }
        let new_incarnation = existing.is_none_or(|e| e.incarnation_id != incarnation_id);
        let mut records = Vec::new();
        match existing {
            Some(existing) if !new_incarnation => {
                record.broker_epoch = existing.epoch;
                record.fenced = existing.fenced;
                record.in_controlled_shutdown = existing.in_controlled_shutdown;
            }
            _ => {
                let clean = version >= 3
                    && existing.is_some_and(|e| e.epoch == request.previous_broker_epoch);
                let unclean_default = self.settings.unclean_leader_election_enable;
                records.extend(shutdown_updates(image, broker_id, clean, unclean_default));
                record.broker_epoch = next_offset;
                record.fenced = true;
            }
        }
        let epoch = record.broker_epoch;
        records.push((record.into(), mv.register_broker_record_version()));
        self.heartbeats.register(broker_id, new_incarnation, now_ms);
        Ok((records, epoch))
    }

    /// Checks every feature range of the request against the finalized levels, and every
    /// finalized feature the request leaves out; returns the ranges to record.
    fn check_features(&self, requested: &[Feature]) -> Result<Vec<BrokerFeature>, ApiError> {
        let mut finalized: BTreeMap<String, i16> = self.image().features.levels().clone();
        finalized.insert(KRAFT_VERSION.to_owned(), self.kraft_version);
        let mut recorded = Vec::new();
        let check = |name: &str, min: i16, max: i16| {
            let default = if name == METADATA_VERSION { 1 } else { 0 };
            let level = finalized.get(name).copied().unwrap_or(default);
            if !(min..=max).contains(&level) {
                return Err(ApiError::new(
                    ResponseError::UnsupportedVersion,
                    format!(
                        "Unable to register because the broker does not support finalized version \
                         {level} of {name}. The broker wants a version between {min} and {max}, \
                         inclusive."
                    ),
                ));
            }
            Ok(BrokerFeature {
                name: name.to_owned(),
                min_supported_version: min,
                max_supported_version: max,
                ..Default::default()
            })
        };
        for feature in requested {
            let (min, max) = (feature.min_supported_version, feature.max_supported_version);
            recorded.push(check(feature.name.as_str(), min, max)?);
        }
        if !requested
            .iter()
            .any(|f| f.name.as_str() == METADATA_VERSION)
        {
            let minimum = MetadataVersion::MINIMUM.level;
            recorded.push(check(METADATA_VERSION, minimum, minimum)?);
        }
        for (name, level) in &finalized {
            if *level != 0 && !requested.iter().any(|f| f.name.as_str() == name) {
                check(name, 0, 0)?;
            }
        }
        Ok(recorded)
    }
}

fn invalid_registration(message: String) -> ApiError {
    ApiError::new(ResponseError::InvalidRegistration, message)
}

/// The log directory checks of metadata.version 3.7-IV2 and later.
fn check_log_dirs(image: &MetadataImage, broker_id: i32, dirs: &[Uuid]) -> Result<(), ApiError> {
    if dirs.is_empty() {
        return Err(invalid_registration(
            "No directories specified in request".into(),
        ));
    }
    if dirs.iter().any(Uuid::is_reserved) {
        return Err(invalid_registration(
            "Reserved directory ID in request".into(),
        ));
    }
    let mut unique = dirs.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != dirs.len() {
        return Err(invalid_registration(
            "Duplicate directory ID in request".into(),
        ));
    }
    for &dir in dirs {
        match image.cluster.directory_owner(dir) {
            Some(owner) if owner != broker_id => {
                return Err(invalid_registration(format!(
                    "Broker {owner} is already registered with directory {dir}"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}
