//! The metadata state machine of a KRaft controller, sans-IO: no sockets, no files, no
//! clock of its own. The driver feeds it committed records and requests, and it answers with
//! records to append and responses to send.
//!
//! - [`image`]: what the committed records say (features, brokers, controllers, topics,
//!   partitions, configs, producer ids, ACLs, SCRAM, quotas, delegation tokens).
//! - [`replay`]: the one path by which records change the image, with metadata
//!   transactions and the offsets the image stands at.
//! - [`error`]: the fatal tier (a committed record that does not fit).
//! - [`versions`]: the record versions a `metadata.version` implies.
//! - [`machine`]: [`Controller`], which the driver owns: image, broker sessions, settings.
//! - [`brokers`]: broker and controller registration, heartbeats, fencing.
//! - [`partition_change`], [`elections`]: how partition leaders and ISRs change.
//! - [`topics`]: CreateTopics, DeleteTopics, CreatePartitions, AlterPartition,
//!   ElectLeaders, reassignments, AssignReplicasToDirs; names and replica placement.
//! - [`configs`]: IncrementalAlterConfigs, AlterConfigs, DescribeConfigs.
//! - [`acls`]: CreateAcls, DeleteAcls, DescribeAcls.
//! - [`authorizer`]: the StandardAuthorizer decision over the committed ACLs, `super.users`
//!   and `allow.everyone.if.no.acl.found`.
//! - [`quotas`]: client quotas (AlterClientQuotas).
//! - [`scram`]: SCRAM credentials (AlterUserScramCredentials).
//! - [`delegation_tokens`]: CreateDelegationToken, RenewDelegationToken,
//!   ExpireDelegationToken, and the periodic removal of expired tokens.
//! - [`feature_updates`], [`producer_ids`]: UpdateFeatures and ApiVersions' features;
//!   AllocateProducerIds.
//! - [`activation`]: bootstrap records on an empty log, aborting a half-written
//!   transaction, NoOpRecords while idle.
//! - [`snapshots`]: when to snapshot the committed image, and its records.
//! - [`heartbeats`]: broker sessions (soft state of the active controller).
//! - [`context`]: who sent a request (principal, client address, listener).
//! - [`result`], [`settings`], [`rng`]: what handlers return, are configured with, and
//!   draw randomness from.
//!
//! Request handlers compute `(records, response)` from the image without changing it
//! (style item 4); only [`replay::Replayer::replay`] changes it, once the records are
//! committed.

pub mod acls;
pub mod activation;
pub mod authorizer;
pub mod brokers;
pub mod configs;
pub mod context;
pub mod delegation_tokens;
pub mod elections;
pub mod error;
pub mod feature_updates;
pub mod heartbeats;
pub mod image;
pub mod machine;
pub mod partition_change;
pub mod producer_ids;
pub mod quotas;
pub mod replay;
pub mod result;
pub mod rng;
pub mod scram;
pub mod settings;
pub mod snapshots;
pub mod topics;
pub mod versions;

pub use error::{Inconsistency, ReplayError};
pub use image::MetadataImage;
pub use machine::Controller;
pub use replay::Replayer;
pub use result::{ApiError, ControllerResult};
pub use settings::ControllerSettings;
