//! The configuration the state machine needs, taken from Kafka's controller properties
//! (`broker.session.timeout.ms`, `num.partitions`, `default.replication.factor`,
//! `min.insync.replicas`, `metadata.max.idle.interval.ms`, `delegation.token.*`, ...) plus the
//! cluster id.

use crate::config::{ControllerConfig, DelegationTokenConfig, FileProperties};
use crate::controller::authorizer::AuthorizerSettings;

/// What the controller's handlers are configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerSettings {
    /// This controller's `node.id`.
    pub node_id: i32,
    /// The cluster id from `meta.properties`.
    pub cluster_id: String,
    /// `broker.session.timeout.ms`: a broker with no heartbeat for this long is fenced.
    pub broker_session_timeout_ms: i64,
    /// `num.partitions`: partitions of a topic created with -1.
    pub default_num_partitions: i32,
    /// `default.replication.factor`: replicas of a topic created with -1.
    pub default_replication_factor: i16,
    /// `min.insync.replicas`: the cluster default, written at bootstrap when ELR is on.
    pub min_insync_replicas: i32,
    /// `unclean.leader.election.enable`: the cluster default (false).
    pub unclean_leader_election_enable: bool,
    /// `metadata.max.idle.interval.ms`: how often an idle active controller writes a
    /// NoOpRecord; 0 never.
    pub metadata_max_idle_interval_ms: i64,
    /// The ids of the quorum's controllers (static voters; with a dynamic quorum the Raft
    /// layer's voter set): a broker config resource may name one.
    pub controller_ids: Vec<i32>,
    /// `authorizer.class.name`: StandardAuthorizer's settings, or `None` for no authorizer.
    pub authorizer: Option<AuthorizerSettings>,
    /// `delegation.token.*`: the secret key (tokens are off without one) and lifetimes.
    pub delegation_tokens: DelegationTokenConfig,
    /// The keys and values of the controller's properties file, as written (described as
    /// STATIC_BROKER_CONFIG); empty for settings not read from a file.
    pub static_configs: FileProperties,
}

impl ControllerSettings {
    /// Settings with Kafka's defaults, for node `node_id` of cluster `cluster_id`.
    pub fn new(node_id: i32, cluster_id: impl Into<String>) -> ControllerSettings {
        ControllerSettings {
            node_id,
            cluster_id: cluster_id.into(),
            broker_session_timeout_ms: 9_000,
            default_num_partitions: 1,
            default_replication_factor: 1,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            metadata_max_idle_interval_ms: 500,
            controller_ids: vec![node_id],
            authorizer: None,
            delegation_tokens: DelegationTokenConfig::default(),
            static_configs: FileProperties::default(),
        }
    }

    /// Settings from a controller configuration.
    pub fn from_config(
        config: &ControllerConfig,
        cluster_id: impl Into<String>,
    ) -> ControllerSettings {
        ControllerSettings {
            node_id: config.node_id,
            cluster_id: cluster_id.into(),
            broker_session_timeout_ms: i64::from(config.broker_session_timeout_ms),
            default_num_partitions: config.num_partitions,
            default_replication_factor: i16::try_from(config.default_replication_factor)
                .unwrap_or(i16::MAX),
            min_insync_replicas: config.min_insync_replicas,
            unclean_leader_election_enable: false,
            metadata_max_idle_interval_ms: i64::from(config.metadata_max_idle_interval_ms),
            controller_ids: if config.quorum_voters.is_empty() {
                vec![config.node_id]
            } else {
                config.quorum_voters.iter().map(|v| v.id).collect()
            },
            authorizer: config.authorizer.clone(),
            delegation_tokens: config.delegation_tokens.clone(),
            static_configs: config.properties().clone(),
        }
    }
}
