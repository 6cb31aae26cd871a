//! UpdateFeatures v0-2 (Kafka's `FeatureControlManager.updateFeatures`) and the feature
//! levels ApiVersions reports (`SupportedFeatures`, `FinalizedFeatures` and
//! `FinalizedFeaturesEpoch`, as `kafka-features describe` reads them).
//!
//! An update must name a feature this controller supports, at a level in its range and in
//! the range of every registered broker and controller (INVALID_UPDATE_VERSION otherwise); a
//! lower level needs a downgrade type, and `metadata.version` can only go up. One
//! `FeatureLevelRecord` per update, atomically; validate-only writes none.

use std::collections::BTreeMap;

use kafka_protocol::messages::update_features_request::FeatureUpdateKey;
use kafka_protocol::messages::update_features_response::UpdatableFeatureResult;
use kafka_protocol::messages::{UpdateFeaturesRequest, UpdateFeaturesResponse};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{FeatureLevelRecord, MetadataRecord};

use crate::controller::machine::Controller;
use crate::controller::result::{ApiError, ControllerResult};
use crate::controller::versions::MV_ELR;
use crate::features::{
    MetadataVersion, FEATURES, KRAFT_VERSION, METADATA_VERSION, METADATA_VERSIONS,
};

/// What a controller reports about features in ApiVersions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureReport {
    /// Supported `(min, max)` levels by feature name.
    pub supported: BTreeMap<String, (i16, i16)>,
    /// Finalized levels above 0 by feature name, `kraft.version` included.
    pub finalized: BTreeMap<String, i16>,
    /// The offset the finalized levels stand at (`FinalizedFeaturesEpoch`).
    pub epoch: i64,
}

/// The feature ranges this controller supports.
pub fn supported_features() -> BTreeMap<String, (i16, i16)> {
    let newest = METADATA_VERSIONS
        .last()
        .map_or(MetadataVersion::MINIMUM.level, |v| v.level);
    let mut supported = BTreeMap::new();
    supported.insert(
        METADATA_VERSION.to_owned(),
        (MetadataVersion::MINIMUM.level, newest),
    );
    for feature in FEATURES {
        supported.insert(feature.name.to_owned(), (0, feature.latest_level()));
    }
    supported
}

/// Kafka's `FeatureUpdate.UpgradeType` ids.
mod upgrade_type {
    pub const UPGRADE: i8 = 1;
    pub const SAFE_DOWNGRADE: i8 = 2;
    pub const UNSAFE_DOWNGRADE: i8 = 3;
}

fn invalid_update(message: String) -> ApiError {
    ApiError::new(ResponseError::InvalidUpdateVersion, message)
}

impl Controller {
    /// The features ApiVersions reports.
    pub fn feature_report(&self) -> FeatureReport {
        let mut finalized = self.image().features.levels().clone();
        if self.kraft_version > 0 {
            finalized.insert(KRAFT_VERSION.to_owned(), self.kraft_version);
        }
        FeatureReport {
            supported: supported_features(),
            finalized,
            epoch: self.committed().last_committed_offset(),
        }
    }

    /// Handles an UpdateFeatures at request `version`. As Kafka's `FeatureControlManager`,
    /// the request succeeds or fails whole: the first refused update is the top-level error
    /// (no per-feature results, which v2 no longer carries); on success each feature is
    /// listed without error (up to v1).
    pub fn update_features(
        &self,
        request: &UpdateFeaturesRequest,
        version: i16,
    ) -> ControllerResult<UpdateFeaturesResponse> {
        let mut records: Vec<(MetadataRecord, i16)> = Vec::new();
        for update in &request.feature_updates {
            if let Err(error) = self.check_update(update, version) {
                let response = UpdateFeaturesResponse::default()
                    .with_error_code(error.code)
                    .with_error_message(error.message.map(StrBytes::from_string));
                return ControllerResult::response_only(response);
            }
            let record = FeatureLevelRecord {
                name: update.feature.to_string(),
                feature_level: update.max_version_level,
                ..Default::default()
            };
            records.push((record.into(), 0));
        }
        if request.validate_only {
            records.clear();
        }
        let results = request
            .feature_updates
            .iter()
            .map(|update| {
                UpdatableFeatureResult::default()
                    .with_feature(update.feature.clone())
                    .with_error_message(None)
            })
            .collect();
        let response = UpdateFeaturesResponse::default()
            .with_error_message(None)
            .with_results(results);
        ControllerResult::atomic(records, response)
    }

    fn check_update(&self, update: &FeatureUpdateKey, version: i16) -> Result<(), ApiError> {
        let name = update.feature.as_str();
        let level = update.max_version_level;
        let features = &self.image().features;
        let current = features.level(name);
        let upgrade = if version == 0 {
            if update.allow_downgrade {
                upgrade_type::SAFE_DOWNGRADE
            } else {
                upgrade_type::UPGRADE
            }
        } else {
            update.upgrade_type
        };
        if name == KRAFT_VERSION {
            return Err(invalid_update(
                "kraft.version is changed through the Raft quorum.".into(),
            ));
        }
        let Some(&(min, max)) = supported_features().get(name) else {
            return Err(invalid_update(format!("Invalid update version {level} for feature {name}. The controller does not support the given feature.")));
        };
        if name == METADATA_VERSION && level < MetadataVersion::MINIMUM.level {
            return Err(invalid_update(format!(
                "Invalid update version {level} for feature metadata.version. Local controller \
                 {} only supports versions {min}-{max}",
                self.settings.node_id
            )));
        }
        if !(min..=max).contains(&level) && level != 0 {
            return Err(invalid_update(format!(
                "Invalid update version {level} for feature {name}. Local controller {} only supports versions {min}-{max}",
                self.settings.node_id
            )));
        }
        if level < current {
            if upgrade == upgrade_type::UPGRADE {
                return Err(invalid_update(format!(
                    "Invalid update version {level} for feature {name}. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."
                )));
            }
            if name == METADATA_VERSION && upgrade != upgrade_type::UNSAFE_DOWNGRADE {
                return Err(invalid_update(format!(
                    "Invalid metadata.version {level}. Refusing to perform the requested downgrade because it might delete metadata information."
                )));
            }
            if name == METADATA_VERSION {
                return Err(invalid_update(format!(
                    "Invalid metadata.version {level}. Unsafe metadata downgrade is not supported in this version."
                )));
            }
        }
        let elr = "eligible.leader.replicas.version";
        let mv_after = if name == METADATA_VERSION {
            level
        } else {
            features.metadata_version().0
        };
        let elr_after = if name == elr {
            level
        } else {
            features.level(elr)
        };
        if elr_after >= 1 && mv_after < MV_ELR {
            return Err(invalid_update(format!(
                "Invalid update version {level} for feature {name}. {elr} could not be set to                  {elr_after} because it depends on metadata.version level {MV_ELR}"
            )));
        }
        let cluster = &self.image().cluster;
        let ranges = cluster
            .brokers()
            .values()
            .map(|b| {
                (
                    "Broker",
                    b.id,
                    b.supported_features.get(name).copied().unwrap_or((0, 0)),
                )
            })
            .chain(cluster.controllers().values().map(|c| {
                (
                    "Controller",
                    c.id,
                    c.supported_features.get(name).copied().unwrap_or((0, 0)),
                )
            }));
        for (kind, id, (low, high)) in ranges {
            if !(low..=high).contains(&level) {
                return Err(invalid_update(format!(
                    "Invalid update version {level} for feature {name}. {kind} {id} only supports versions {low}-{high}"
                )));
            }
        }
        Ok(())
    }
}
