//! What each API asks of the authorizer, and the answer when it says no (Kafka's
//! `ControllerApis`, `AclApis`, `ConfigHelper` and `AuthHelper` on a controller).
//!
//! [`requirement`] is the one table: most APIs need one operation on the cluster, checked
//! before anything else, and refused as a whole with CLUSTER_AUTHORIZATION_FAILED in the API's
//! error shape; CreateTopics, DeleteTopics, CreatePartitions and the config APIs are checked
//! per topic, group or config resource: the refused items are taken out of the request,
//! answered with TOPIC_ / GROUP_ / CLUSTER_AUTHORIZATION_FAILED, and put back into the
//! response ([`complete`]). A principal that is not a super user is answered
//! UNKNOWN_SERVER_ERROR until the ACLs are loaded (Kafka's `AuthorizerNotReadyException`).
//! Without an authorizer nothing is refused, except that the ACL APIs answer
//! SECURITY_DISABLED.
//!
//! Decisions are made on the committed ACLs, as Kafka's authorizer sees what its metadata
//! publisher has published. The module holds no state and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse as AlterConfigsResult;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::describe_configs_response::DescribeConfigsResult;
use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse as IncrementalResult;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

use super::api::Services;
use super::controller_api::{self, Computed};
use crate::controller::authorizer::{AclOperation, Action, Authorizer, Decision, ResourceType};
use crate::controller::context::RequestContext;
use crate::controller::delegation_tokens::{refused_for, requested_owner, token_requests_allowed};
use crate::controller::{Controller, ControllerResult, MetadataImage};

/// Kafka's UNKNOWN_SERVER_ERROR (an authorizer that is not ready yet).
pub const UNKNOWN_SERVER_ERROR: i16 = -1;
/// Kafka's TOPIC_AUTHORIZATION_FAILED.
pub const TOPIC_AUTHORIZATION_FAILED: i16 = 29;
/// Kafka's GROUP_AUTHORIZATION_FAILED.
pub const GROUP_AUTHORIZATION_FAILED: i16 = 30;
/// Kafka's CLUSTER_AUTHORIZATION_FAILED.
pub const CLUSTER_AUTHORIZATION_FAILED: i16 = 31;
/// Kafka's DELEGATION_TOKEN_AUTHORIZATION_FAILED.
pub const DELEGATION_TOKEN_AUTHORIZATION_FAILED: i16 = 65;
/// Kafka's SECURITY_DISABLED.
pub const SECURITY_DISABLED: i16 = 54;

// Config resource types (Kafka's `ConfigResource.Type`).
const CONFIG_TOPIC: i8 = 2;
const CONFIG_BROKER: i8 = 4;
const CONFIG_BROKER_LOGGER: i8 = 8;
const CONFIG_CLIENT_METRICS: i8 = 16;
const CONFIG_GROUP: i8 = 32;

/// What an API needs from the authorizer before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// One operation on the cluster, for the whole request.
    Cluster(AclOperation),
    /// Operations on each topic or config resource named (see [`authorize`]).
    PerResource,
    /// Nothing (ApiVersions; Renew/ExpireDelegationToken, which the token's owner and
    /// renewers decide).
    Nothing,
}

/// The table: what each served API requires (`ControllerApis.handle*`).
pub fn requirement(request: &RequestKind) -> Requirement {
    use AclOperation::*;
    use RequestKind as R;
    match request {
        // Raft, and what brokers and controllers send each other.
        R::Vote(_)
        | R::BeginQuorumEpoch(_)
        | R::EndQuorumEpoch(_)
        | R::Fetch(_)
        | R::FetchSnapshot(_)
        | R::UpdateRaftVoter(_)
        | R::BrokerRegistration(_)
        | R::BrokerHeartbeat(_)
        | R::AlterPartition(_)
        | R::ControllerRegistration(_)
        | R::AllocateProducerIds(_)
        | R::AssignReplicasToDirs(_)
        | R::Envelope(_) => Requirement::Cluster(ClusterAction),
        R::DescribeQuorum(_) | R::ListPartitionReassignments(_) | R::DescribeAcls(_) => {
            Requirement::Cluster(Describe)
        }
        // On a controller, DescribeCluster needs ALTER (more than on a broker).
        R::DescribeCluster(_)
        | R::AddRaftVoter(_)
        | R::RemoveRaftVoter(_)
        | R::ElectLeaders(_)
        | R::UnregisterBroker(_)
        | R::AlterPartitionReassignments(_)
        | R::AlterUserScramCredentials(_)
        | R::UpdateFeatures(_)
        | R::CreateAcls(_)
        | R::DeleteAcls(_) => Requirement::Cluster(Alter),
        R::AlterClientQuotas(_) => Requirement::Cluster(AlterConfigs),
        R::CreateTopics(_)
        | R::DeleteTopics(_)
        | R::CreatePartitions(_)
        | R::IncrementalAlterConfigs(_)
        | R::AlterConfigs(_)
        | R::DescribeConfigs(_) => Requirement::PerResource,
        // A token for another owner needs CREATE_TOKENS on that USER.
        R::CreateDelegationToken(_) => Requirement::PerResource,
        _ => Requirement::Nothing,
    }
}

/// What to do with a request after authorization.
#[derive(Debug)]
pub enum Verdict {
    /// Handle `request` (the refused items taken out) and add `denied` to its response.
    Proceed {
        /// The request to handle.
        request: RequestKind,
        /// The answers for the items taken out.
        denied: Denied,
    },
    /// Answer this, without handling the request.
    Refuse(ResponseKind),
}

/// The answers for refused items, to merge into the response of the rest.
#[derive(Debug, Default)]
pub enum Denied {
    /// Nothing was refused.
    #[default]
    Nothing,
    /// CreateTopics: refused topics, and topics whose configs may not be described.
    CreateTopics(Vec<CreatableTopicResult>, BTreeSet<String>),
    /// DeleteTopics: refused topics.
    DeleteTopics(Vec<DeletableTopicResult>),
    /// CreatePartitions: refused topics.
    CreatePartitions(Vec<CreatePartitionsTopicResult>),
    /// IncrementalAlterConfigs: refused resources.
    IncrementalAlterConfigs(Vec<IncrementalResult>),
    /// AlterConfigs: refused resources.
    AlterConfigs(Vec<AlterConfigsResult>),
    /// DescribeConfigs: refused resources.
    DescribeConfigs(Vec<DescribeConfigsResult>),
}

/// Authorizes `request` under `context`; `image` resolves topic ids to names.
pub fn authorize(
    authorizer: &Authorizer<'_>,
    context: &RequestContext,
    image: &MetadataImage,
    request: RequestKind,
) -> Verdict {
    let requirement = requirement(&request);
    if requirement != Requirement::Nothing {
        let ready = authorizer.authorize(context, Action::cluster(AclOperation::Describe));
        if ready == Decision::NotReady {
            return Verdict::Refuse(refuse(&request, UNKNOWN_SERVER_ERROR));
        }
    }
    if let Requirement::Cluster(operation) = requirement {
        if let Some(code) = cluster_refusal(authorizer, context, operation) {
            return Verdict::Refuse(refuse(&request, code));
        }
    }
    if !authorizer.is_enabled() {
        if let Some(response) = security_disabled(&request) {
            return Verdict::Refuse(response);
        }
    }
    if requirement != Requirement::PerResource {
        return Verdict::Proceed {
            request,
            denied: Denied::Nothing,
        };
    }
    let check = Check {
        authorizer,
        context,
    };
    let (request, denied) = match request {
        RequestKind::CreateTopics(r) => check.create_topics(r),
        RequestKind::DeleteTopics(r) => check.delete_topics(r, image),
        RequestKind::CreatePartitions(r) => check.create_partitions(r),
        RequestKind::IncrementalAlterConfigs(r) => check.incremental_alter_configs(r),
        RequestKind::AlterConfigs(r) => check.alter_configs(r),
        RequestKind::DescribeConfigs(r) => check.describe_configs(r),
        RequestKind::CreateDelegationToken(r) => {
            if let Some(refusal) = check.create_token(&r) {
                return Verdict::Refuse(refusal);
            }
            (RequestKind::CreateDelegationToken(r), Denied::Nothing)
        }
        other => (other, Denied::Nothing),
    };
    Verdict::Proceed { request, denied }
}

/// The error refusing `operation` on the cluster: CLUSTER_AUTHORIZATION_FAILED, or
/// UNKNOWN_SERVER_ERROR before the ACLs are loaded; `None` if allowed.
pub fn cluster_refusal(
    authorizer: &Authorizer<'_>,
    context: &RequestContext,
    operation: AclOperation,
) -> Option<i16> {
    match authorizer.authorize(context, Action::cluster(operation)) {
        Decision::Allowed => None,
        Decision::Denied => Some(CLUSTER_AUTHORIZATION_FAILED),
        Decision::NotReady => Some(UNKNOWN_SERVER_ERROR),
    }
}

/// For the requests answered outside the controller loop (raft RPCs, DescribeCluster,
/// Envelope, which is the forwarding broker's own CLUSTER_ACTION): the refusal, if the node's
/// authorizer says no. A listener without a controller authorizes nothing.
pub fn refusal_outside(
    services: &Services,
    context: &RequestContext,
    request: &RequestKind,
) -> Option<ResponseKind> {
    let Requirement::Cluster(operation) = requirement(request) else {
        return None;
    };
    let view = services.controller.as_ref()?.authorizer_view();
    let code = cluster_refusal(&view.authorizer(), context, operation)?;
    Some(refuse(request, code))
}

/// Computes a controller request as [`controller_api::compute`] does, after authorizing it
/// against the controller's committed ACLs. Only the active controller computes, and it has
/// replayed the whole committed log before activating, so its authorizer is loaded.
pub fn compute(
    controller: &mut Controller,
    context: &RequestContext,
    request: RequestKind,
    version: i16,
    next_offset: i64,
    now_ms: i64,
) -> Computed {
    let refusal = controller_api::not_controller(&request);
    let verdict = {
        let settings = controller.settings().authorizer.as_ref();
        let image = controller.committed().image();
        authorize(
            &Authorizer::new(settings, &image.acls, true),
            context,
            image,
            request,
        )
    };
    match verdict {
        Verdict::Refuse(response) => Computed {
            result: ControllerResult::response_only(response),
            after_append: None,
            refusal,
        },
        Verdict::Proceed { request, denied } => {
            let mut computed =
                controller_api::compute(controller, context, request, version, next_offset, now_ms);
            computed.result.response = complete(computed.result.response, denied);
            computed.refusal = refusal;
            computed
        }
    }
}

/// A standby's answer to a controller request it does not serve itself: what authorization
/// refuses (a cluster operation the principal lacks, the ACL APIs SECURITY_DISABLED without an
/// authorizer), as Kafka's `ControllerApis` checks those before the controller says it is not
/// active; else NOT_CONTROLLER.
pub fn standby_answer(
    controller: &Controller,
    context: &RequestContext,
    request: RequestKind,
) -> ResponseKind {
    let settings = controller.settings().authorizer.as_ref();
    let image = controller.committed().image();
    match authorize(
        &Authorizer::new(settings, &image.acls, true),
        context,
        image,
        request,
    ) {
        Verdict::Refuse(response) => response,
        Verdict::Proceed { request, .. } => controller_api::not_controller(&request),
    }
}

/// Whether `context`'s principal may create a delegation token owned by `owner` (`Type:name`):
/// always for itself, else with CREATE_TOKENS on that USER (`ControllerApis`).
pub fn may_create_token_for(
    authorizer: &Authorizer<'_>,
    context: &RequestContext,
    owner: &str,
) -> bool {
    owner == context.principal.to_string()
        || authorizer.allows(
            context,
            Action {
                operation: AclOperation::CreateTokens,
                resource_type: ResourceType::User,
                resource_name: owner,
            },
        )
}

/// The refused items merged into the response of the rest.
pub fn complete(response: ResponseKind, denied: Denied) -> ResponseKind {
    match (response, denied) {
        (ResponseKind::CreateTopics(mut r), Denied::CreateTopics(refused, undescribable)) => {
            for topic in &mut r.topics {
                if topic.error_code == 0 && undescribable.contains(topic.name.as_str()) {
                    // ReplicationControlManager: no configs, counts left at their defaults.
                    topic.configs = topic.configs.as_ref().map(|_| Vec::new());
                    topic.num_partitions = -1;
                    topic.replication_factor = -1;
                    topic.topic_config_error_code = TOPIC_AUTHORIZATION_FAILED;
                }
            }
            r.topics.extend(refused);
            ResponseKind::CreateTopics(r)
        }
        (ResponseKind::DeleteTopics(mut r), Denied::DeleteTopics(refused)) => {
            r.responses.extend(refused);
            ResponseKind::DeleteTopics(r)
        }
        (ResponseKind::CreatePartitions(mut r), Denied::CreatePartitions(refused)) => {
            r.results.extend(refused);
            ResponseKind::CreatePartitions(r)
        }
        (ResponseKind::IncrementalAlterConfigs(mut r), Denied::IncrementalAlterConfigs(x)) => {
            r.responses.extend(x);
            ResponseKind::IncrementalAlterConfigs(r)
        }
        (ResponseKind::AlterConfigs(mut r), Denied::AlterConfigs(refused)) => {
            r.responses.extend(refused);
            ResponseKind::AlterConfigs(r)
        }
        (ResponseKind::DescribeConfigs(mut r), Denied::DescribeConfigs(refused)) => {
            r.results.extend(refused);
            ResponseKind::DescribeConfigs(r)
        }
        (response, _) => response,
    }
}

/// The ACL APIs without an authorizer (`AclApis`: SecurityDisabledException).
fn security_disabled(request: &RequestKind) -> Option<ResponseKind> {
    let text = match request {
        RequestKind::DescribeAcls(_) => "No Authorizer is configured on the broker",
        RequestKind::CreateAcls(_) | RequestKind::DeleteAcls(_) => "No Authorizer is configured.",
        _ => return None,
    };
    let text = Some(StrBytes::from_static_str(text));
    Some(controller_api::refuse_with(
        request,
        SECURITY_DISABLED,
        text,
    ))
}

/// The whole request failing with `code`, in its API's error shape (Kafka's
/// `getErrorResponse`): raft RPCs, DescribeCluster and Envelope here, controller RPCs as
/// [`controller_api::refuse`] answers them.
pub fn refuse(request: &RequestKind, code: i16) -> ResponseKind {
    use RequestKind as R;
    use ResponseKind as S;
    match request {
        R::Vote(_) => S::Vote(VoteResponse::default().with_error_code(code)),
        R::BeginQuorumEpoch(_) => {
            S::BeginQuorumEpoch(BeginQuorumEpochResponse::default().with_error_code(code))
        }
        R::EndQuorumEpoch(_) => {
            S::EndQuorumEpoch(EndQuorumEpochResponse::default().with_error_code(code))
        }
        R::Fetch(_) => S::Fetch(FetchResponse::default().with_error_code(code)),
        R::FetchSnapshot(_) => {
            S::FetchSnapshot(FetchSnapshotResponse::default().with_error_code(code))
        }
        R::DescribeQuorum(_) => {
            S::DescribeQuorum(DescribeQuorumResponse::default().with_error_code(code))
        }
        R::AddRaftVoter(_) => {
            S::AddRaftVoter(AddRaftVoterResponse::default().with_error_code(code))
        }
        R::RemoveRaftVoter(_) => {
            S::RemoveRaftVoter(RemoveRaftVoterResponse::default().with_error_code(code))
        }
        R::UpdateRaftVoter(_) => {
            S::UpdateRaftVoter(UpdateRaftVoterResponse::default().with_error_code(code))
        }
        R::DescribeCluster(_) => {
            S::DescribeCluster(DescribeClusterResponse::default().with_error_code(code))
        }
        R::Envelope(_) => S::Envelope(EnvelopeResponse::default().with_error_code(code)),
        other => controller_api::refuse(other, code),
    }
}

/// Per-resource checks of one request.
struct Check<'a> {
    authorizer: &'a Authorizer<'a>,
    context: &'a RequestContext,
}

impl Check<'_> {
    fn allows(&self, operation: AclOperation, resource_type: ResourceType, name: &str) -> bool {
        self.authorizer.allows(
            self.context,
            Action {
                operation,
                resource_type,
                resource_name: name,
            },
        )
    }

    fn topic(&self, operation: AclOperation, name: &str) -> bool {
        self.allows(operation, ResourceType::Topic, name)
    }

    fn cluster(&self, operation: AclOperation) -> bool {
        self.allows(
            operation,
            ResourceType::Cluster,
            crate::controller::acls::CLUSTER_NAME,
        )
    }

    /// DELEGATION_TOKEN_AUTHORIZATION_FAILED for a token owned by another principal without
    /// CREATE_TOKENS on that USER. Checked only where token requests are allowed at all:
    /// elsewhere the handler answers DELEGATION_TOKEN_REQUEST_NOT_ALLOWED first, as Kafka does.
    fn create_token(&self, request: &CreateDelegationTokenRequest) -> Option<ResponseKind> {
        if !token_requests_allowed(self.context) {
            return None;
        }
        let requester = &self.context.principal;
        let owner = requested_owner(request, requester)?;
        if may_create_token_for(self.authorizer, self.context, &owner.to_string()) {
            return None;
        }
        let refused = refused_for(DELEGATION_TOKEN_AUTHORIZATION_FAILED, &owner, requester);
        Some(ResponseKind::CreateDelegationToken(refused))
    }

    /// CREATE on the cluster or on each topic; DESCRIBE_CONFIGS on a topic to see its configs.
    /// A name given twice is left to the handler (INVALID_REQUEST before authorization).
    fn create_topics(&self, mut r: CreateTopicsRequest) -> (RequestKind, Denied) {
        let once = named_once(r.topics.iter().map(|t| t.name.to_string()));
        let on_cluster = self.cluster(AclOperation::Create);
        let mut refused = BTreeSet::new();
        let mut undescribable = BTreeSet::new();
        for name in &once {
            if !on_cluster && !self.topic(AclOperation::Create, name) {
                refused.insert(name.clone());
            }
            if !self.topic(AclOperation::DescribeConfigs, name) {
                undescribable.insert(name.clone());
            }
        }
        let denied = r
            .topics
            .iter()
            .filter(|t| refused.contains(t.name.as_str()))
            .map(|t| {
                CreatableTopicResult::default()
                    .with_name(t.name.clone())
                    .with_error_code(TOPIC_AUTHORIZATION_FAILED)
                    .with_error_message(Some(StrBytes::from_static_str("Authorization failed.")))
            })
            .collect();
        r.topics.retain(|t| !refused.contains(t.name.as_str()));
        (
            RequestKind::CreateTopics(r),
            Denied::CreateTopics(denied, undescribable),
        )
    }

    /// DELETE on the cluster, or DESCRIBE and DELETE on each topic: a topic that may not be
    /// described is refused whether or not it exists; one that may be described but not
    /// deleted is refused if it exists (else the handler says it is unknown). Topics by id
    /// are named in the refusal only if they may be described.
    fn delete_topics(
        &self,
        mut r: DeleteTopicsRequest,
        image: &MetadataImage,
    ) -> (RequestKind, Denied) {
        if self.cluster(AclOperation::Delete) {
            return (RequestKind::DeleteTopics(r), Denied::Nothing);
        }
        let names = r.topic_names.iter().map(|n| n.to_string());
        let names = names.chain(
            r.topics
                .iter()
                .filter_map(|t| t.name.as_ref().map(|n| n.to_string())),
        );
        let once_names = named_once(names);
        let once_ids = named_once(r.topics.iter().map(|t| t.topic_id));
        let mut denied = Vec::new();
        let by_name = |name: &str, denied: &mut Vec<DeletableTopicResult>| -> bool {
            if !once_names.contains(name) {
                return true;
            }
            let describable = self.topic(AclOperation::Describe, name);
            let exists = image.topics.topic_named(name).is_some();
            if describable && (self.topic(AclOperation::Delete, name) || !exists) {
                return true;
            }
            denied.push(
                DeletableTopicResult::default()
                    .with_name(Some(TopicName(StrBytes::from_string(name.to_owned()))))
                    .with_error_code(TOPIC_AUTHORIZATION_FAILED),
            );
            false
        };
        r.topic_names
            .retain(|name| by_name(name.as_str(), &mut denied));
        r.topics.retain(|t| match (&t.name, t.topic_id.is_nil()) {
            (Some(name), true) => by_name(name.as_str(), &mut denied),
            (None, false) if once_ids.contains(&t.topic_id) => {
                self.delete_by_id(t, image, &mut denied)
            }
            _ => true,
        });
        (RequestKind::DeleteTopics(r), Denied::DeleteTopics(denied))
    }

    fn delete_by_id(
        &self,
        topic: &DeleteTopicState,
        image: &MetadataImage,
        denied: &mut Vec<DeletableTopicResult>,
    ) -> bool {
        let Some(found) = image.topics.topic(topic.topic_id.into()) else {
            return true;
        };
        if self.topic(AclOperation::Delete, &found.name) {
            return true;
        }
        let name = self
            .topic(AclOperation::Describe, &found.name)
            .then(|| TopicName(StrBytes::from_string(found.name.clone())));
        denied.push(
            DeletableTopicResult::default()
                .with_name(name)
                .with_topic_id(topic.topic_id)
                .with_error_code(TOPIC_AUTHORIZATION_FAILED),
        );
        false
    }

    /// ALTER on each topic.
    fn create_partitions(&self, mut r: CreatePartitionsRequest) -> (RequestKind, Denied) {
        let once = named_once(r.topics.iter().map(|t| t.name.to_string()));
        let refused: BTreeSet<String> = once
            .into_iter()
            .filter(|name| !self.topic(AclOperation::Alter, name))
            .collect();
        let denied = r
            .topics
            .iter()
            .filter(|t| refused.contains(t.name.as_str()))
            .map(|t| {
                CreatePartitionsTopicResult::default()
                    .with_name(t.name.clone())
                    .with_error_code(TOPIC_AUTHORIZATION_FAILED)
            })
            .collect();
        r.topics.retain(|t| !refused.contains(t.name.as_str()));
        (
            RequestKind::CreatePartitions(r),
            Denied::CreatePartitions(denied),
        )
    }

    /// The code refusing `operation` on a config resource, if refused; types without a rule
    /// are left to the handler (`ControllerApis.authorizeAlterResource`, `ConfigHelper`).
    fn config_refusal(
        &self,
        operation: AclOperation,
        resource_type: i8,
        name: &str,
    ) -> Option<i16> {
        let (allowed, code) = match resource_type {
            CONFIG_BROKER | CONFIG_CLIENT_METRICS => {
                (self.cluster(operation), CLUSTER_AUTHORIZATION_FAILED)
            }
            CONFIG_BROKER_LOGGER if operation == AclOperation::DescribeConfigs => {
                (self.cluster(operation), CLUSTER_AUTHORIZATION_FAILED)
            }
            CONFIG_BROKER_LOGGER => (
                self.cluster(AclOperation::ClusterAction),
                CLUSTER_AUTHORIZATION_FAILED,
            ),
            CONFIG_TOPIC => (self.topic(operation, name), TOPIC_AUTHORIZATION_FAILED),
            CONFIG_GROUP => (
                self.allows(operation, ResourceType::Group, name),
                GROUP_AUTHORIZATION_FAILED,
            ),
            _ => return None,
        };
        (!allowed).then_some(code)
    }

    /// ALTER_CONFIGS on each resource (CLUSTER_ACTION for a broker logger); a resource named
    /// twice is left to the handler.
    fn incremental_alter_configs(
        &self,
        mut r: IncrementalAlterConfigsRequest,
    ) -> (RequestKind, Denied) {
        let once = named_once(
            r.resources
                .iter()
                .map(|c| (c.resource_type, c.resource_name.to_string())),
        );
        let mut denied = Vec::new();
        r.resources.retain(|c| {
            let key = (c.resource_type, c.resource_name.to_string());
            let refusal = once
                .contains(&key)
                .then(|| self.config_refusal(AclOperation::AlterConfigs, key.0, &key.1));
            let Some(Some(code)) = refusal else {
                return true;
            };
            denied.push(
                IncrementalResult::default()
                    .with_resource_type(c.resource_type)
                    .with_resource_name(c.resource_name.clone())
                    .with_error_code(code)
                    .with_error_message(Some(default_message(code))),
            );
            false
        });
        (
            RequestKind::IncrementalAlterConfigs(r),
            Denied::IncrementalAlterConfigs(denied),
        )
    }

    /// ALTER_CONFIGS on each resource; a resource named twice is left to the handler.
    fn alter_configs(&self, mut r: AlterConfigsRequest) -> (RequestKind, Denied) {
        let once = named_once(
            r.resources
                .iter()
                .map(|c| (c.resource_type, c.resource_name.to_string())),
        );
        let mut denied = Vec::new();
        r.resources.retain(|c| {
            let key = (c.resource_type, c.resource_name.to_string());
            if c.resource_type == CONFIG_BROKER_LOGGER || !once.contains(&key) {
                return true;
            }
            let Some(code) = self.config_refusal(AclOperation::AlterConfigs, key.0, &key.1) else {
                return true;
            };
            denied.push(
                AlterConfigsResult::default()
                    .with_resource_type(c.resource_type)
                    .with_resource_name(c.resource_name.clone())
                    .with_error_code(code)
                    .with_error_message(Some(default_message(code))),
            );
            false
        });
        (RequestKind::AlterConfigs(r), Denied::AlterConfigs(denied))
    }

    /// DESCRIBE_CONFIGS on each resource; refused ones are answered after the others.
    fn describe_configs(&self, mut r: DescribeConfigsRequest) -> (RequestKind, Denied) {
        let mut denied = Vec::new();
        r.resources.retain(|c| {
            let name = c.resource_name.as_str();
            let Some(code) =
                self.config_refusal(AclOperation::DescribeConfigs, c.resource_type, name)
            else {
                return true;
            };
            denied.push(
                DescribeConfigsResult::default()
                    .with_resource_type(c.resource_type)
                    .with_resource_name(c.resource_name.clone())
                    .with_error_code(code)
                    .with_error_message(Some(default_message(code))),
            );
            false
        });
        (
            RequestKind::DescribeConfigs(r),
            Denied::DescribeConfigs(denied),
        )
    }
}

/// The items that occur exactly once.
fn named_once<T: Ord>(items: impl Iterator<Item = T>) -> BTreeSet<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for item in items {
        *counts.entry(item).or_default() += 1;
    }
    counts
        .into_iter()
        .filter_map(|(item, count)| (count == 1).then_some(item))
        .collect()
}

/// Kafka's message for an authorization error code (`Errors`).
fn default_message(code: i16) -> StrBytes {
    StrBytes::from_static_str(match code {
        TOPIC_AUTHORIZATION_FAILED => "Topic authorization failed.",
        GROUP_AUTHORIZATION_FAILED => "Group authorization failed.",
        _ => "Cluster authorization failed.",
    })
}

#[cfg(test)]
mod tests;
