//! Kafka's feature levels at bootstrap: the `metadata.version` table, the other production
//! features and the level each one defaults to for a release, and the `FeatureLevelRecord`s
//! that `kafka-storage format` puts in `bootstrap.checkpoint`.
//!
//! The facts are Kafka 4.3.1's (`MetadataVersion`, `Feature.PRODUCTION_FEATURES`, checked
//! against `kafka-storage version-mapping --release-version X`): a feature's default level for
//! a metadata version is its highest level whose bootstrap metadata version is not newer. The
//! rules that combine `--release-version`, `--feature name=level` and the quorum kind are
//! those of Kafka's `Formatter.calculateEffectiveFeatureLevels`, with its error messages.
//!
//! yakt's default release is **4.0** (metadata.version 25), not Kafka's newest: a 4.0.x
//! broker supports metadata.version 7..=25 only, and yakt serves 4.0 and newer brokers.

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use yakt_wire::{encode_frame, FeatureLevelRecord, MetadataRecord};

/// The name of the metadata version feature.
pub const METADATA_VERSION: &str = "metadata.version";
/// The name of the Raft protocol feature (it gets no `FeatureLevelRecord`).
pub const KRAFT_VERSION: &str = "kraft.version";
/// The release yakt formats for when none is given: the newest that 4.0.x brokers support.
pub const DEFAULT_RELEASE_VERSION: &str = "4.0";

/// A `metadata.version`: its feature level and Kafka's name for it (`4.0-IV3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetadataVersion {
    /// The feature level written in the `FeatureLevelRecord`.
    pub level: i16,
    /// Kafka's name, `<release>-IV<n>`.
    pub name: &'static str,
}

/// Every production `metadata.version` of Kafka 4.3.1, oldest first.
pub const METADATA_VERSIONS: &[MetadataVersion] = &[
    mv(7, "3.3-IV3"),
    mv(8, "3.4-IV0"),
    mv(9, "3.5-IV0"),
    mv(10, "3.5-IV1"),
    mv(11, "3.5-IV2"),
    mv(12, "3.6-IV0"),
    mv(13, "3.6-IV1"),
    mv(14, "3.6-IV2"),
    mv(15, "3.7-IV0"),
    mv(16, "3.7-IV1"),
    mv(17, "3.7-IV2"),
    mv(18, "3.7-IV3"),
    mv(19, "3.7-IV4"),
    mv(20, "3.8-IV0"),
    mv(21, "3.9-IV0"),
    mv(22, "4.0-IV0"),
    mv(23, "4.0-IV1"),
    mv(24, "4.0-IV2"),
    mv(25, "4.0-IV3"),
    mv(26, "4.1-IV0"),
    mv(27, "4.1-IV1"),
    mv(28, "4.2-IV0"),
    mv(29, "4.2-IV1"),
    mv(30, "4.3-IV0"),
];

const fn mv(level: i16, name: &'static str) -> MetadataVersion {
    MetadataVersion { level, name }
}

impl MetadataVersion {
    /// The oldest metadata version Kafka 4.x can bootstrap (`3.3-IV3`).
    pub const MINIMUM: MetadataVersion = METADATA_VERSIONS[0];

    /// The release this version belongs to, e.g. `4.0` for `4.0-IV3`.
    pub fn release(&self) -> &'static str {
        self.name
            .split_once("-IV")
            .map_or(self.name, |(release, _)| release)
    }

    /// The version with feature level `level` (Kafka's `MetadataVersion.fromFeatureLevel`).
    pub fn from_level(level: i16) -> Result<MetadataVersion, FeatureError> {
        METADATA_VERSIONS
            .iter()
            .copied()
            .find(|version| version.level == level)
            .ok_or(FeatureError::UnknownMetadataLevel { level })
    }

    /// Parses a release (`4.0`, the newest version of that release; a patch part such as
    /// `4.0.2` is ignored) or a version name (`4.0-IV1`), as Kafka's `--release-version` does.
    pub fn parse(text: &str) -> Result<MetadataVersion, FeatureError> {
        let key = match text.splitn(3, '.').collect::<Vec<_>>().as_slice() {
            [major, minor, _] => format!("{major}.{minor}"),
            _ => text.to_owned(),
        };
        let exact = METADATA_VERSIONS.iter().find(|v| v.name == key);
        let newest_of_release = || METADATA_VERSIONS.iter().rev().find(|v| v.release() == key);
        exact.or_else(newest_of_release).copied().ok_or_else(|| {
            FeatureError::UnknownReleaseVersion {
                text: text.to_owned(),
            }
        })
    }
}

impl fmt::Display for MetadataVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// One level of a feature: the oldest metadata version that enables it by default, and the
/// levels of other features it needs.
#[derive(Clone, Copy, Debug)]
struct FeatureLevel {
    level: i16,
    bootstrap_metadata_level: i16,
    requires: &'static [(&'static str, i16)],
}

const fn level(level: i16, bootstrap_metadata_level: i16) -> FeatureLevel {
    FeatureLevel {
        level,
        bootstrap_metadata_level,
        requires: &[],
    }
}

/// A production feature other than `metadata.version`.
#[derive(Clone, Copy, Debug)]
pub struct Feature {
    /// The feature's name, e.g. `group.version`.
    pub name: &'static str,
    levels: &'static [FeatureLevel],
}

/// Kafka 4.3.1's production features besides `metadata.version`, in Kafka's order.
pub const FEATURES: &[Feature] = &[
    Feature {
        name: KRAFT_VERSION,
        levels: &[level(0, 7), level(1, 21)],
    },
    Feature {
        name: "transaction.version",
        levels: &[level(0, 7), level(1, 24), level(2, 24)],
    },
    Feature {
        name: "group.version",
        levels: &[level(0, 7), level(1, 22)],
    },
    Feature {
        name: "eligible.leader.replicas.version",
        levels: &[
            level(0, 7),
            FeatureLevel {
                level: 1,
                bootstrap_metadata_level: 26,
                requires: &[(METADATA_VERSION, 23)],
            },
        ],
    },
    Feature {
        name: "share.version",
        levels: &[level(0, 7), level(1, 28)],
    },
    Feature {
        name: "streams.version",
        levels: &[level(0, 7), level(1, 29)],
    },
];

impl Feature {
    /// The production feature named `name`.
    pub fn named(name: &str) -> Option<&'static Feature> {
        FEATURES.iter().find(|feature| feature.name == name)
    }

    /// The level the feature starts at for `version` (Kafka's `Feature.defaultLevel`).
    pub fn default_level(&self, version: MetadataVersion) -> i16 {
        self.levels
            .iter()
            .filter(|l| l.bootstrap_metadata_level <= version.level)
            .map(|l| l.level)
            .max()
            .unwrap_or(0)
    }

    /// The highest production level.
    pub fn latest_level(&self) -> i16 {
        self.levels.iter().map(|l| l.level).max().unwrap_or(0)
    }

    fn level_spec(&self, level: i16) -> Result<&'static FeatureLevel, FeatureError> {
        self.levels
            .iter()
            .find(|l| l.level == level)
            .ok_or(FeatureError::UnknownLevel {
                feature: self.name,
                level,
            })
    }
}

/// What the feature levels are computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeatureRequest {
    /// `--release-version`, if given.
    pub release_version: Option<MetadataVersion>,
    /// `--feature name=level` overrides, in order (a later one for the same name wins).
    pub overrides: Vec<(String, i16)>,
    /// Whether the quorum is dynamic: `controller.quorum.voters` is empty (Kafka then
    /// defaults `kraft.version` to 1).
    pub dynamic_quorum: bool,
}

/// The feature levels a cluster is bootstrapped with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalizedFeatures {
    /// The metadata version.
    pub metadata_version: MetadataVersion,
    /// Every feature's level, `metadata.version` and `kraft.version` included, by name.
    pub levels: BTreeMap<String, i16>,
}

/// Why feature levels could not be settled; the messages are Kafka's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    /// `--release-version` names no production metadata version.
    #[error(
        "Unknown metadata.version '{text}'. Supported metadata.version are: {}",
        supported_versions()
    )]
    UnknownReleaseVersion {
        /// The text given.
        text: String,
    },
    /// `--feature metadata.version=N` names no metadata version.
    #[error(
        "No MetadataVersion with feature level {level}. Valid feature levels are from {} to {}.",
        MetadataVersion::MINIMUM.level,
        newest().level
    )]
    UnknownMetadataLevel {
        /// The level given.
        level: i16,
    },
    /// Both `--release-version` and `--feature metadata.version=N`.
    #[error("Use --release-version instead of --feature metadata.version=X to avoid ambiguity.")]
    AmbiguousMetadataVersion,
    /// A `--feature` argument is not `name=level`.
    #[error("Can't parse feature=level string {text}: {reason}")]
    BadFeatureArgument {
        /// The argument.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--feature` names a feature Kafka does not have.
    #[error(
        "Unsupported feature: {name}. Supported features are: {}",
        supported_features()
    )]
    UnsupportedFeature {
        /// The name given.
        name: String,
    },
    /// The feature has no such production level.
    #[error("No feature:{feature} with feature level {level}")]
    UnknownLevel {
        /// The feature.
        feature: &'static str,
        /// The level given.
        level: i16,
    },
    /// A level needs a higher level of another feature.
    #[error("{feature} could not be set to {level} because it depends on {requires} level {requires_level}")]
    MissingDependency {
        /// The feature.
        feature: &'static str,
        /// Its level.
        level: i16,
        /// The feature it depends on.
        requires: &'static str,
        /// The level needed.
        requires_level: i16,
    },
    /// `kraft.version=0` on a dynamic quorum.
    #[error(
        "Cannot set kraft.version to 0 if controller.quorum.voters is empty and one of the flags \
         --standalone, --initial-controllers, or --no-initial-controllers is used. For dynamic \
         controllers support, try removing the --feature flag for kraft.version."
    )]
    KraftVersionZeroOnDynamicQuorum,
    /// `kraft.version` above 0 on a static quorum.
    #[error(
        "Cannot set kraft.version to {level} unless controller.quorum.voters is empty and one of \
         the flags --standalone, --initial-controllers, or --no-initial-controllers is used. For \
         dynamic controllers support, try using one of --standalone, --initial-controllers, or \
         --no-initial-controllers and removing controller.quorum.voters."
    )]
    KraftVersionOnStaticQuorum {
        /// The level given.
        level: i16,
    },
}

fn newest() -> MetadataVersion {
    METADATA_VERSIONS[METADATA_VERSIONS.len() - 1]
}

fn supported_versions() -> String {
    let names: Vec<&str> = METADATA_VERSIONS.iter().map(|v| v.name).collect();
    names.join(", ")
}

fn supported_features() -> String {
    let mut names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    names.sort_unstable();
    names.join(", ")
}

/// Parses one `--feature name=level` argument (Kafka's `StorageTool.parseNameAndLevel`).
pub fn parse_feature_argument(text: &str) -> Result<(String, i16), FeatureError> {
    let bad = |reason: String| FeatureError::BadFeatureArgument {
        text: text.to_owned(),
        reason,
    };
    let (name, level) = text
        .split_once('=')
        .ok_or_else(|| bad("equals sign not found.".to_owned()))?;
    let level = level.trim();
    let level = level
        .parse::<i16>()
        .map_err(|_| bad(format!("unable to parse {level} as a short.")))?;
    Ok((name.trim().to_owned(), level))
}

impl FeatureRequest {
    /// Settles every feature's level (Kafka's `Formatter.calculateEffectiveReleaseVersion`
    /// and `calculateEffectiveFeatureLevels`), with yakt's default release
    /// [`DEFAULT_RELEASE_VERSION`] when neither `--release-version` nor
    /// `--feature metadata.version=N` is given.
    pub fn finalize(&self) -> Result<FinalizedFeatures, FeatureError> {
        let overrides: BTreeMap<String, i16> = self.overrides.iter().cloned().collect();
        let metadata_version = self.metadata_version(&overrides)?;
        let mut levels = BTreeMap::new();
        for (name, &level) in &overrides {
            if name != METADATA_VERSION && Feature::named(name).is_none() {
                return Err(FeatureError::UnsupportedFeature { name: name.clone() });
            }
            levels.insert(name.clone(), level);
        }
        levels.insert(METADATA_VERSION.to_owned(), metadata_version.level);
        for feature in FEATURES {
            if feature.name == KRAFT_VERSION {
                let kraft = self.kraft_version(overrides.get(KRAFT_VERSION).copied())?;
                levels.insert(KRAFT_VERSION.to_owned(), kraft);
            } else if !levels.contains_key(feature.name) {
                levels.insert(
                    feature.name.to_owned(),
                    feature.default_level(metadata_version),
                );
            }
        }
        check_levels(&levels)?;
        Ok(FinalizedFeatures {
            metadata_version,
            levels,
        })
    }

    fn metadata_version(
        &self,
        overrides: &BTreeMap<String, i16>,
    ) -> Result<MetadataVersion, FeatureError> {
        match (overrides.get(METADATA_VERSION), self.release_version) {
            (Some(_), Some(_)) => Err(FeatureError::AmbiguousMetadataVersion),
            (Some(&level), None) => MetadataVersion::from_level(level),
            (None, Some(version)) => Ok(version),
            (None, None) => MetadataVersion::parse(DEFAULT_RELEASE_VERSION),
        }
    }

    /// Kafka's `Formatter.effectiveKRaftFeatureLevel`.
    fn kraft_version(&self, configured: Option<i16>) -> Result<i16, FeatureError> {
        match configured {
            Some(0) if self.dynamic_quorum => Err(FeatureError::KraftVersionZeroOnDynamicQuorum),
            Some(level) if level != 0 && !self.dynamic_quorum => {
                Err(FeatureError::KraftVersionOnStaticQuorum { level })
            }
            Some(level) => Ok(level),
            None => Ok(i16::from(self.dynamic_quorum)),
        }
    }
}

/// Every level must exist, and its dependencies must be met by the other levels.
fn check_levels(levels: &BTreeMap<String, i16>) -> Result<(), FeatureError> {
    for (name, &level) in levels {
        let Some(feature) = Feature::named(name) else {
            continue;
        };
        let spec = feature.level_spec(level)?;
        for &(requires, requires_level) in spec.requires {
            if levels
                .get(requires)
                .is_none_or(|&have| have < requires_level)
            {
                return Err(FeatureError::MissingDependency {
                    feature: feature.name,
                    level,
                    requires,
                    requires_level,
                });
            }
        }
    }
    Ok(())
}

impl FinalizedFeatures {
    /// The level of `kraft.version` (0 static quorum, 1 dynamic).
    pub fn kraft_version(&self) -> i16 {
        self.levels.get(KRAFT_VERSION).copied().unwrap_or(0)
    }

    /// The `(name, level)` pairs that get a `FeatureLevelRecord`, in Kafka's order
    /// (`BootstrapMetadata.fromVersions`): `metadata.version` first, then every other feature
    /// whose level is above 0 by name; `kraft.version` never.
    pub fn bootstrap_feature_levels(&self) -> Vec<(String, i16)> {
        let mut out = vec![(METADATA_VERSION.to_owned(), self.metadata_version.level)];
        out.extend(
            self.levels
                .iter()
                .filter(|(name, &level)| {
                    level > 0 && name.as_str() != METADATA_VERSION && name.as_str() != KRAFT_VERSION
                })
                .map(|(name, &level)| (name.clone(), level)),
        );
        out
    }

    /// The bootstrap `FeatureLevelRecord`s (version 0), encoded as metadata record values.
    pub fn bootstrap_records(&self) -> Vec<Bytes> {
        self.bootstrap_feature_levels()
            .into_iter()
            .map(|(name, feature_level)| {
                let record = MetadataRecord::from(FeatureLevelRecord {
                    name,
                    feature_level,
                    ..Default::default()
                });
                encode_frame(&record, 0).expect("a FeatureLevelRecord always encodes at version 0")
            })
            .collect()
    }
}

/// The bootstrap `FeatureLevelRecord`s of a static quorum formatted for `release` with
/// `overrides` (`--feature name=level`).
pub fn bootstrap_records(
    release: MetadataVersion,
    overrides: &[(String, i16)],
) -> Result<Vec<Bytes>, FeatureError> {
    let request = FeatureRequest {
        release_version: Some(release),
        overrides: overrides.to_vec(),
        dynamic_quorum: false,
    };
    Ok(request.finalize()?.bootstrap_records())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels_for(release: &str) -> Vec<(String, i16)> {
        let request = FeatureRequest {
            release_version: Some(MetadataVersion::parse(release).unwrap()),
            ..FeatureRequest::default()
        };
        request.finalize().unwrap().bootstrap_feature_levels()
    }

    fn pairs(expected: &[(&str, i16)]) -> Vec<(String, i16)> {
        expected.iter().map(|(n, l)| (n.to_string(), *l)).collect()
    }

    /// `kafka-storage version-mapping --release-version X` of Kafka 4.3.1.
    #[test]
    fn releases_map_to_kafkas_levels() {
        assert_eq!(
            levels_for("4.0"),
            pairs(&[
                ("metadata.version", 25),
                ("group.version", 1),
                ("transaction.version", 2)
            ])
        );
        assert_eq!(
            levels_for("4.1"),
            pairs(&[
                ("metadata.version", 27),
                ("eligible.leader.replicas.version", 1),
                ("group.version", 1),
                ("transaction.version", 2)
            ])
        );
        let newest = [
            ("eligible.leader.replicas.version", 1),
            ("group.version", 1),
            ("share.version", 1),
            ("streams.version", 1),
            ("transaction.version", 2),
        ];
        let with_mv = |level| {
            let mut all = vec![("metadata.version", level)];
            all.extend(newest);
            pairs(&all)
        };
        assert_eq!(levels_for("4.2"), with_mv(29));
        assert_eq!(levels_for("4.3"), with_mv(30));
        assert_eq!(levels_for("3.9"), pairs(&[("metadata.version", 21)]));
        assert_eq!(levels_for("3.3"), pairs(&[("metadata.version", 7)]));
        assert_eq!(
            levels_for("4.0-IV1"),
            pairs(&[("metadata.version", 23), ("group.version", 1)])
        );
    }

    #[test]
    fn the_default_release_is_4_0() {
        let features = FeatureRequest::default().finalize().unwrap();
        assert_eq!(features.metadata_version.level, 25);
        assert_eq!(features.metadata_version.name, "4.0-IV3");
        assert_eq!(features.kraft_version(), 0);
    }

    #[test]
    fn release_versions_parse_as_kafka_parses_them() {
        let level = |text| MetadataVersion::parse(text).map(|v| v.level);
        assert_eq!(level("4.0"), Ok(25));
        assert_eq!(level("4.0.2"), Ok(25));
        assert_eq!(level("4.0-IV0"), Ok(22));
        assert_eq!(level("3.5"), Ok(11));
        assert_eq!(level("4.3"), Ok(30));
        for bad in ["3.2", "4.4", "4.0-IV9", "", "four"] {
            let err = MetadataVersion::parse(bad).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("Unknown metadata.version '{bad}'")),
                "{err}"
            );
        }
        assert!(FeatureError::UnknownReleaseVersion { text: "x".into() }
            .to_string()
            .ends_with("3.3-IV3, 3.4-IV0, 3.5-IV0, 3.5-IV1, 3.5-IV2, 3.6-IV0, 3.6-IV1, 3.6-IV2, 3.7-IV0, 3.7-IV1, 3.7-IV2, 3.7-IV3, 3.7-IV4, 3.8-IV0, 3.9-IV0, 4.0-IV0, 4.0-IV1, 4.0-IV2, 4.0-IV3, 4.1-IV0, 4.1-IV1, 4.2-IV0, 4.2-IV1, 4.3-IV0"));
    }

    #[test]
    fn overrides_follow_kafkas_rules() {
        let request = |overrides: &[(&str, i16)], dynamic_quorum| FeatureRequest {
            release_version: None,
            overrides: pairs(overrides),
            dynamic_quorum,
        };
        let features = request(&[("metadata.version", 27), ("group.version", 0)], false)
            .finalize()
            .unwrap();
        assert_eq!(
            features.bootstrap_feature_levels(),
            pairs(&[
                ("metadata.version", 27),
                ("eligible.leader.replicas.version", 1),
                ("transaction.version", 2)
            ])
        );
        assert_eq!(
            request(&[("bogus.version", 1)], false).finalize(),
            Err(FeatureError::UnsupportedFeature {
                name: "bogus.version".into()
            })
        );
        assert_eq!(
            request(&[("group.version", 2)], false).finalize(),
            Err(FeatureError::UnknownLevel {
                feature: "group.version",
                level: 2
            })
        );
        assert!(matches!(
            request(
                &[
                    ("metadata.version", 22),
                    ("eligible.leader.replicas.version", 1)
                ],
                false
            )
            .finalize(),
            Err(FeatureError::MissingDependency { .. })
        ));
        assert_eq!(
            request(&[("kraft.version", 1)], false).finalize(),
            Err(FeatureError::KraftVersionOnStaticQuorum { level: 1 })
        );
        assert_eq!(
            request(&[("kraft.version", 0)], true).finalize(),
            Err(FeatureError::KraftVersionZeroOnDynamicQuorum)
        );
        assert_eq!(request(&[], true).finalize().unwrap().kraft_version(), 1);
        let both = FeatureRequest {
            release_version: Some(MetadataVersion::parse("4.0").unwrap()),
            overrides: pairs(&[("metadata.version", 25)]),
            dynamic_quorum: false,
        };
        assert_eq!(both.finalize(), Err(FeatureError::AmbiguousMetadataVersion));
    }

    #[test]
    fn feature_arguments_parse_like_kafkas() {
        assert_eq!(
            parse_feature_argument(" group.version = 1 "),
            Ok(("group.version".into(), 1))
        );
        assert_eq!(
            parse_feature_argument("group.version")
                .unwrap_err()
                .to_string(),
            "Can't parse feature=level string group.version: equals sign not found."
        );
        assert_eq!(
            parse_feature_argument("group.version=x")
                .unwrap_err()
                .to_string(),
            "Can't parse feature=level string group.version=x: unable to parse x as a short."
        );
    }

    #[test]
    fn bootstrap_records_are_feature_level_frames_without_kraft_version() {
        let records = bootstrap_records(MetadataVersion::parse("4.0").unwrap(), &[]).unwrap();
        let decoded: Vec<(String, i16)> = records
            .iter()
            .map(|bytes| match yakt_wire::decode_frame(bytes).unwrap() {
                (MetadataRecord::FeatureLevel(r), 0) => (r.name, r.feature_level),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            decoded,
            pairs(&[
                ("metadata.version", 25),
                ("group.version", 1),
                ("transaction.version", 2)
            ])
        );
    }
}
