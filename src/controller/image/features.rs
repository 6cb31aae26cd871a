//! Finalized feature levels (`FeatureLevelRecord`): `metadata.version` and every other
//! feature with a level above 0. A record with level 0 removes the feature, as Kafka's
//! `FeatureControlManager` does; `kraft.version` is Raft's and never appears here.

use std::collections::BTreeMap;

use yakt_wire::{FeatureLevelRecord, MetadataRecord};

use crate::controller::error::Inconsistency;
use crate::controller::versions::Mv;
use crate::features::{MetadataVersion, METADATA_VERSION};

/// The finalized feature levels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeaturesImage {
    levels: BTreeMap<String, i16>,
}

impl FeaturesImage {
    /// The finalized `metadata.version` level, if one was set.
    pub fn metadata_version_level(&self) -> Option<i16> {
        self.levels.get(METADATA_VERSION).copied()
    }

    /// The finalized `metadata.version` (the minimum, 3.3-IV3, before one is set).
    pub fn metadata_version(&self) -> Mv {
        Mv(self
            .metadata_version_level()
            .unwrap_or(MetadataVersion::MINIMUM.level))
    }

    /// The level of `name`, 0 when not finalized.
    pub fn level(&self, name: &str) -> i16 {
        self.levels.get(name).copied().unwrap_or(0)
    }

    /// Every finalized feature and its level (all above 0), by name.
    pub fn levels(&self) -> &BTreeMap<String, i16> {
        &self.levels
    }

    /// Whether eligible leader replicas are on: the feature at level 1 or more and a
    /// metadata version that carries them (Kafka's `isElrFeatureEnabled`).
    pub fn elr_enabled(&self) -> bool {
        self.level("eligible.leader.replicas.version") >= 1
            && self.metadata_version().elr_supported()
    }

    pub(crate) fn replay(&mut self, record: &FeatureLevelRecord) -> Result<(), Inconsistency> {
        if record.name == METADATA_VERSION {
            MetadataVersion::from_level(record.feature_level).map_err(|_| {
                Inconsistency::UnknownMetadataVersion {
                    level: record.feature_level,
                }
            })?;
        }
        if record.feature_level == 0 {
            self.levels.remove(&record.name);
        } else {
            self.levels
                .insert(record.name.clone(), record.feature_level);
        }
        Ok(())
    }

    /// The records of a snapshot: `metadata.version` first, then the others by name.
    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        let mv = self.levels.get_key_value(METADATA_VERSION);
        let others = self
            .levels
            .iter()
            .filter(|(name, _)| *name != METADATA_VERSION);
        for (name, level) in mv.into_iter().chain(others) {
            let record = FeatureLevelRecord {
                name: name.clone(),
                feature_level: *level,
                ..Default::default()
            };
            out.push((record.into(), 0));
        }
    }
}
