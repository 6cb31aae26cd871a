//! The controller RPCs (the rows of `server::api::APIS` with `Handler::Controller`): which
//! [`Controller`] handler computes each, and the answer a non-active controller gives (NOT_CONTROLLER in the places
//! Kafka puts it, so brokers and admin clients look for the new active controller).

use kafka_protocol::messages::alter_client_quotas_response::{
    EntityData as QuotaEntityData, EntryData as QuotaEntryData,
};
use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse as AlterConfigsResult;
use kafka_protocol::messages::alter_user_scram_credentials_response::AlterUserScramCredentialsResult;
use kafka_protocol::messages::create_acls_response::AclCreationResult;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::delete_acls_response::DeleteAclsFilterResult;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::describe_configs_response::DescribeConfigsResult;
use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse as IncrementalResult;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

use crate::controller::brokers::heartbeat::BrokerControlState;
use crate::controller::context::RequestContext;
use crate::controller::delegation_tokens::{self, token_requests_allowed};
use crate::controller::{Controller, ControllerResult};

/// Kafka's NOT_CONTROLLER.
pub const NOT_CONTROLLER: i16 = 41;

/// Runs after the records were appended, with the end offset of their batch.
pub type AfterAppend = Box<dyn FnOnce(&mut Controller, i64) + Send>;

/// A computed request: the records and response, what to do once appended, and the answer
/// to give if raft refuses the append.
pub struct Computed {
    /// Records and the response to send once they commit.
    pub result: ControllerResult<ResponseKind>,
    /// Follow-up once the records have offsets.
    pub after_append: Option<AfterAppend>,
    /// The answer if the records could not be appended (leadership lost).
    pub refusal: ResponseKind,
}

fn map<R>(
    result: ControllerResult<R>,
    wrap: impl FnOnce(R) -> ResponseKind,
) -> ControllerResult<ResponseKind> {
    ControllerResult {
        records: result.records,
        response: wrap(result.response),
        atomic: result.atomic,
    }
}

/// Computes `request`, sent under `context`, against the controller's working image.
pub fn compute(
    controller: &mut Controller,
    context: &RequestContext,
    request: RequestKind,
    version: i16,
    next_offset: i64,
    now_ms: i64,
) -> Computed {
    let refusal = not_controller(&request);
    let mut after_append: Option<AfterAppend> = None;
    let result = match &request {
        RequestKind::BrokerRegistration(r) => map(
            controller.register_broker(r, version, next_offset, now_ms),
            ResponseKind::BrokerRegistration,
        ),
        RequestKind::BrokerHeartbeat(r) => {
            let result = controller.broker_heartbeat(r, now_ms);
            let (response, outcome) = result.response;
            if outcome.is_some_and(|o| o.next == BrokerControlState::ControlledShutdown) {
                let broker_id = r.broker_id.0;
                after_append = Some(Box::new(move |controller: &mut Controller, end_offset| {
                    controller.controlled_shutdown_written(broker_id, end_offset)
                }));
            }
            ControllerResult {
                records: result.records,
                response: ResponseKind::BrokerHeartbeat(response),
                atomic: result.atomic,
            }
        }
        RequestKind::ControllerRegistration(r) => map(
            controller.register_controller(r),
            ResponseKind::ControllerRegistration,
        ),
        RequestKind::UnregisterBroker(r) => map(
            controller.unregister_broker(r),
            ResponseKind::UnregisterBroker,
        ),
        RequestKind::CreateTopics(r) => map(
            controller.create_topics(r, version),
            ResponseKind::CreateTopics,
        ),
        RequestKind::DeleteTopics(r) => {
            map(controller.delete_topics(r), ResponseKind::DeleteTopics)
        }
        RequestKind::CreatePartitions(r) => map(
            controller.create_partitions(r),
            ResponseKind::CreatePartitions,
        ),
        RequestKind::AlterPartition(r) => map(
            controller.alter_partition(r, version),
            ResponseKind::AlterPartition,
        ),
        RequestKind::AllocateProducerIds(r) => map(
            controller.allocate_producer_ids(r),
            ResponseKind::AllocateProducerIds,
        ),
        RequestKind::AssignReplicasToDirs(r) => map(
            controller.assign_replicas_to_dirs(r),
            ResponseKind::AssignReplicasToDirs,
        ),
        RequestKind::IncrementalAlterConfigs(r) => map(
            controller.incremental_alter_configs(r),
            ResponseKind::IncrementalAlterConfigs,
        ),
        RequestKind::AlterConfigs(r) => {
            map(controller.alter_configs(r), ResponseKind::AlterConfigs)
        }
        RequestKind::DescribeConfigs(r) => ControllerResult::response_only(
            ResponseKind::DescribeConfigs(controller.describe_configs(r, version)),
        ),
        RequestKind::ElectLeaders(r) => {
            map(controller.elect_leaders(r), ResponseKind::ElectLeaders)
        }
        RequestKind::AlterPartitionReassignments(r) => map(
            controller.alter_partition_reassignments(r, version),
            ResponseKind::AlterPartitionReassignments,
        ),
        RequestKind::ListPartitionReassignments(r) => ControllerResult::response_only(
            ResponseKind::ListPartitionReassignments(controller.list_partition_reassignments(r)),
        ),
        RequestKind::UpdateFeatures(r) => map(
            controller.update_features(r, version),
            ResponseKind::UpdateFeatures,
        ),
        RequestKind::CreateAcls(r) => map(controller.create_acls(r), ResponseKind::CreateAcls),
        RequestKind::DeleteAcls(r) => map(controller.delete_acls(r), ResponseKind::DeleteAcls),
        RequestKind::DescribeAcls(r) => {
            ControllerResult::response_only(ResponseKind::DescribeAcls(controller.describe_acls(r)))
        }
        RequestKind::AlterClientQuotas(r) => map(
            controller.alter_client_quotas(r),
            ResponseKind::AlterClientQuotas,
        ),
        RequestKind::AlterUserScramCredentials(r) => map(
            controller.alter_user_scram_credentials(r),
            ResponseKind::AlterUserScramCredentials,
        ),
        RequestKind::CreateDelegationToken(_)
        | RequestKind::RenewDelegationToken(_)
        | RequestKind::ExpireDelegationToken(_)
            if !token_requests_allowed(context) =>
        {
            let refused = delegation_tokens::request_not_allowed(&request, &context.principal);
            ControllerResult::response_only(refused.unwrap_or_else(|| refuse(&request, 42)))
        }
        RequestKind::CreateDelegationToken(r) => map(
            controller.create_delegation_token(&context.principal, r, now_ms),
            ResponseKind::CreateDelegationToken,
        ),
        RequestKind::RenewDelegationToken(r) => map(
            controller.renew_delegation_token(&context.principal, r, now_ms),
            ResponseKind::RenewDelegationToken,
        ),
        RequestKind::ExpireDelegationToken(r) => map(
            controller.expire_delegation_token(&context.principal, r, now_ms),
            ResponseKind::ExpireDelegationToken,
        ),
        _ => ControllerResult::response_only(refuse(&request, 42)),
    };
    Computed {
        result,
        after_append,
        refusal,
    }
}

/// The answer of a controller that is not the active one.
pub fn not_controller(request: &RequestKind) -> ResponseKind {
    refuse(request, NOT_CONTROLLER)
}

fn message(code: i16) -> Option<StrBytes> {
    (code == NOT_CONTROLLER)
        .then(|| StrBytes::from_static_str("This is not the active controller."))
}

/// The response to `request` failing as a whole with `code`.
pub fn refuse(request: &RequestKind, code: i16) -> ResponseKind {
    refuse_with(request, code, message(code))
}

/// The response to `request` failing as a whole with `code` and, where the API's response
/// has one, the error message `text`.
pub fn refuse_with(request: &RequestKind, code: i16, text: Option<StrBytes>) -> ResponseKind {
    match request {
        RequestKind::BrokerRegistration(_) => ResponseKind::BrokerRegistration(
            BrokerRegistrationResponse::default().with_error_code(code),
        ),
        RequestKind::BrokerHeartbeat(_) => ResponseKind::BrokerHeartbeat(
            BrokerHeartbeatResponse::default()
                .with_error_code(code)
                .with_is_fenced(true),
        ),
        RequestKind::ControllerRegistration(_) => ResponseKind::ControllerRegistration(
            ControllerRegistrationResponse::default()
                .with_error_code(code)
                .with_error_message(text.clone()),
        ),
        RequestKind::UnregisterBroker(_) => ResponseKind::UnregisterBroker(
            UnregisterBrokerResponse::default()
                .with_error_code(code)
                .with_error_message(text.clone()),
        ),
        RequestKind::AlterPartition(_) => {
            ResponseKind::AlterPartition(AlterPartitionResponse::default().with_error_code(code))
        }
        RequestKind::AllocateProducerIds(_) => ResponseKind::AllocateProducerIds(
            AllocateProducerIdsResponse::default().with_error_code(code),
        ),
        RequestKind::AssignReplicasToDirs(_) => ResponseKind::AssignReplicasToDirs(
            AssignReplicasToDirsResponse::default().with_error_code(code),
        ),
        RequestKind::UpdateFeatures(_) => ResponseKind::UpdateFeatures(
            UpdateFeaturesResponse::default()
                .with_error_code(code)
                .with_error_message(text.clone()),
        ),
        RequestKind::ElectLeaders(_) => {
            ResponseKind::ElectLeaders(ElectLeadersResponse::default().with_error_code(code))
        }
        RequestKind::AlterPartitionReassignments(_) => ResponseKind::AlterPartitionReassignments(
            AlterPartitionReassignmentsResponse::default()
                .with_error_code(code)
                .with_error_message(text.clone()),
        ),
        RequestKind::ListPartitionReassignments(_) => ResponseKind::ListPartitionReassignments(
            ListPartitionReassignmentsResponse::default()
                .with_error_code(code)
                .with_error_message(text.clone()),
        ),
        RequestKind::CreateTopics(r) => ResponseKind::CreateTopics(
            CreateTopicsResponse::default().with_topics(
                r.topics
                    .iter()
                    .map(|t| {
                        CreatableTopicResult::default()
                            .with_name(t.name.clone())
                            .with_error_code(code)
                            .with_error_message(text.clone())
                    })
                    .collect(),
            ),
        ),
        RequestKind::DeleteTopics(r) => {
            let mut results: Vec<DeletableTopicResult> = r
                .topic_names
                .iter()
                .map(|name| {
                    DeletableTopicResult::default()
                        .with_name(Some(name.clone()))
                        .with_error_code(code)
                })
                .collect();
            results.extend(r.topics.iter().map(|t| {
                DeletableTopicResult::default()
                    .with_name(t.name.clone())
                    .with_topic_id(t.topic_id)
                    .with_error_code(code)
            }));
            ResponseKind::DeleteTopics(DeleteTopicsResponse::default().with_responses(results))
        }
        RequestKind::CreatePartitions(r) => ResponseKind::CreatePartitions(
            CreatePartitionsResponse::default().with_results(
                r.topics
                    .iter()
                    .map(|t| {
                        CreatePartitionsTopicResult::default()
                            .with_name(t.name.clone())
                            .with_error_code(code)
                            .with_error_message(text.clone())
                    })
                    .collect(),
            ),
        ),
        RequestKind::IncrementalAlterConfigs(r) => ResponseKind::IncrementalAlterConfigs(
            IncrementalAlterConfigsResponse::default().with_responses(
                r.resources
                    .iter()
                    .map(|c| {
                        IncrementalResult::default()
                            .with_resource_type(c.resource_type)
                            .with_resource_name(c.resource_name.clone())
                            .with_error_code(code)
                            .with_error_message(text.clone())
                    })
                    .collect(),
            ),
        ),
        RequestKind::AlterConfigs(r) => ResponseKind::AlterConfigs(
            AlterConfigsResponse::default().with_responses(
                r.resources
                    .iter()
                    .map(|c| {
                        AlterConfigsResult::default()
                            .with_resource_type(c.resource_type)
                            .with_resource_name(c.resource_name.clone())
                            .with_error_code(code)
                            .with_error_message(text.clone())
                    })
                    .collect(),
            ),
        ),
        RequestKind::DescribeConfigs(r) => ResponseKind::DescribeConfigs(
            DescribeConfigsResponse::default().with_results(
                r.resources
                    .iter()
                    .map(|c| {
                        DescribeConfigsResult::default()
                            .with_resource_type(c.resource_type)
                            .with_resource_name(c.resource_name.clone())
                            .with_error_code(code)
                            .with_error_message(text.clone())
                    })
                    .collect(),
            ),
        ),
        RequestKind::CreateAcls(r) => ResponseKind::CreateAcls(
            CreateAclsResponse::default().with_results(
                r.creations
                    .iter()
                    .map(|_| {
                        AclCreationResult::default()
                            .with_error_code(code)
                            .with_error_message(text.clone())
                    })
                    .collect(),
            ),
        ),
        RequestKind::DeleteAcls(r) => ResponseKind::DeleteAcls(
            DeleteAclsResponse::default().with_filter_results(
                r.filters
                    .iter()
                    .map(|_| {
                        DeleteAclsFilterResult::default()
                            .with_error_code(code)
                            .with_error_message(text.clone())
                    })
                    .collect(),
            ),
        ),
        RequestKind::DescribeAcls(_) => ResponseKind::DescribeAcls(
            DescribeAclsResponse::default()
                .with_error_code(code)
                .with_error_message(text.clone()),
        ),
        RequestKind::AlterClientQuotas(r) => ResponseKind::AlterClientQuotas(
            AlterClientQuotasResponse::default().with_entries(
                r.entries
                    .iter()
                    .map(|e| {
                        let entity = e
                            .entity
                            .iter()
                            .map(|d| {
                                QuotaEntityData::default()
                                    .with_entity_type(d.entity_type.clone())
                                    .with_entity_name(d.entity_name.clone())
                            })
                            .collect();
                        QuotaEntryData::default()
                            .with_error_code(code)
                            .with_error_message(text.clone())
                            .with_entity(entity)
                    })
                    .collect(),
            ),
        ),
        RequestKind::AlterUserScramCredentials(r) => {
            let users = r.deletions.iter().map(|d| &d.name);
            let users = users.chain(r.upsertions.iter().map(|u| &u.name));
            ResponseKind::AlterUserScramCredentials(
                AlterUserScramCredentialsResponse::default().with_results(
                    users
                        .map(|user| {
                            AlterUserScramCredentialsResult::default()
                                .with_user(user.clone())
                                .with_error_code(code)
                                .with_error_message(text.clone())
                        })
                        .collect(),
                ),
            )
        }
        RequestKind::CreateDelegationToken(_) => {
            ResponseKind::CreateDelegationToken(delegation_tokens::create_refused(code))
        }
        RequestKind::RenewDelegationToken(_) => ResponseKind::RenewDelegationToken(
            RenewDelegationTokenResponse::default().with_error_code(code),
        ),
        RequestKind::ExpireDelegationToken(_) => ResponseKind::ExpireDelegationToken(
            ExpireDelegationTokenResponse::default().with_error_code(code),
        ),
        // Not a controller API: callers only pass the ones in SERVED.
        _ => ResponseKind::ApiVersions(ApiVersionsResponse::default().with_error_code(code)),
    }
}
