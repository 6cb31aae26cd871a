//! The metadata image: everything the committed records of `__cluster_metadata` say, one
//! file per area (features, brokers and controllers, topics and partitions, configs,
//! producer ids, and the security records kept as they come).
//!
//! [`MetadataImage::apply`] changes the image by one record and is the only way to change it
//! (style item 4, "compute, then replay"); [`MetadataImage::to_records`] writes the image
//! back as the records of a snapshot, in Kafka's snapshot order (features, cluster, topics,
//! configs, client quotas, producer ids, ACLs, SCRAM, delegation tokens), so that applying
//! them to an empty image gives an equal image. Metadata transactions and offsets are the
//! business of [`crate::controller::replay`].

pub mod cluster;
pub mod configs;
pub mod features;
pub mod partition;
pub mod producer_ids;
pub mod security;
pub mod topics;

use yakt_wire::MetadataRecord;

pub use cluster::{BrokerRegistration, ClusterImage, ControllerRegistration};
pub use configs::ConfigsImage;
pub use features::FeaturesImage;
pub use partition::PartitionRegistration;
pub use producer_ids::ProducerIdsImage;
pub use security::{AclsImage, ClientQuotasImage, DelegationTokensImage, ScramImage};
pub use topics::{TopicImage, TopicsImage};

use crate::controller::error::Inconsistency;
use crate::controller::versions::Mv;
use cluster::RegistrationChange;

/// The whole metadata state, as committed records built it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetadataImage {
    /// Finalized feature levels.
    pub features: FeaturesImage,
    /// Broker and controller registrations.
    pub cluster: ClusterImage,
    /// Topics and partitions.
    pub topics: TopicsImage,
    /// Dynamic configs.
    pub configs: ConfigsImage,
    /// The next producer id block.
    pub producer_ids: ProducerIdsImage,
    /// ACLs.
    pub acls: AclsImage,
    /// SCRAM credentials.
    pub scram: ScramImage,
    /// Client quotas.
    pub client_quotas: ClientQuotasImage,
    /// Delegation tokens.
    pub delegation_tokens: DelegationTokensImage,
}

impl MetadataImage {
    /// The finalized metadata version.
    pub fn metadata_version(&self) -> Mv {
        self.features.metadata_version()
    }

    /// Applies one record found at `offset`. Transaction markers and no-ops change nothing
    /// here. On error the image may be partly changed: the error is fatal.
    pub fn apply(&mut self, record: &MetadataRecord, offset: i64) -> Result<(), Inconsistency> {
        use MetadataRecord as R;
        match record {
            R::FeatureLevel(r) => self.features.replay(r)?,
            R::RegisterBroker(r) => self.cluster.replay_register_broker(r, offset)?,
            R::UnregisterBroker(r) => self.cluster.replay_unregister_broker(r)?,
            R::BrokerRegistrationChange(r) => self
                .cluster
                .replay_change(RegistrationChange::from_record(r)?)?,
            R::FenceBroker(r) => self.cluster.replay_change(RegistrationChange {
                broker_id: r.id,
                broker_epoch: r.epoch,
                fenced: Some(true),
                ..Default::default()
            })?,
            R::UnfenceBroker(r) => self.cluster.replay_change(RegistrationChange {
                broker_id: r.id,
                broker_epoch: r.epoch,
                fenced: Some(false),
                ..Default::default()
            })?,
            R::RegisterController(r) => self.cluster.replay_register_controller(r),
            R::UnregisterController(r) => {
                self.cluster.replay_unregister_controller(r.controller_id)
            }
            R::Topic(r) => self.topics.replay_topic(r)?,
            R::Partition(r) => self.topics.replay_partition(r)?,
            R::PartitionChange(r) => self.topics.replay_change(r)?,
            R::RemoveTopic(r) => {
                let name = self.topics.replay_remove(r.topic_id)?;
                self.configs.remove_topic(&name);
            }
            R::ClearElr(r) => self.topics.replay_clear_elr(r)?,
            R::Config(r) => self.configs.replay(r)?,
            R::ProducerIds(r) => self.producer_ids.replay(r)?,
            R::AccessControlEntry(r) => self.acls.replay(r),
            R::RemoveAccessControlEntry(r) => self.acls.replay_remove(r.id)?,
            R::UserScramCredential(r) => self.scram.replay(r),
            R::RemoveUserScramCredential(r) => self.scram.replay_remove(&r.name, r.mechanism)?,
            R::ClientQuota(r) => self.client_quotas.replay(r),
            R::DelegationToken(r) => self.delegation_tokens.replay(r),
            R::RemoveDelegationToken(r) => self.delegation_tokens.replay_remove(&r.token_id),
            R::NoOp(_)
            | R::ZkMigrationState(_)
            | R::BeginTransaction(_)
            | R::EndTransaction(_)
            | R::AbortTransaction(_) => {}
        }
        Ok(())
    }

    /// The records of a snapshot of this image, each with the version to write it at, in
    /// Kafka's snapshot order.
    pub fn to_records(&self) -> Vec<(MetadataRecord, i16)> {
        let mv = self.metadata_version();
        let mut out = Vec::new();
        self.features.write(&mut out);
        self.cluster.write(mv, &mut out);
        self.topics.write(mv, &mut out);
        self.configs.write(&mut out);
        self.client_quotas.write(&mut out);
        self.producer_ids.write(&mut out);
        self.acls.write(&mut out);
        self.scram.write(&mut out);
        self.delegation_tokens.write(&mut out);
        out
    }
}
