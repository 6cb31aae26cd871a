//! The per-API table and the per-resource checks, by the verdict each request gets.

use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::create_topics_response::CreatableTopicConfigs;
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_request::AlterConfigsResource;
use kafka_protocol::messages::BrokerId;
use yakt_wire::{AccessControlEntryRecord, MetadataRecord, TopicRecord, Uuid};

use super::*;
use crate::controller::authorizer::{AuthorizerSettings, PERMISSION_ALLOW, PERMISSION_DENY};
use crate::controller::context::KafkaPrincipal;
use crate::controller::image::security::AclsImage;

const LITERAL: i8 = crate::controller::acls::PATTERN_LITERAL;

struct World {
    settings: AuthorizerSettings,
    acls: AclsImage,
    image: MetadataImage,
    loaded: bool,
}

impl World {
    fn new() -> World {
        World {
            settings: AuthorizerSettings::default(),
            acls: AclsImage::default(),
            image: MetadataImage::default(),
            loaded: true,
        }
    }

    /// An ACL for `User:alice` from any host.
    fn acl(mut self, kind: ResourceType, name: &str, op: AclOperation, permission: i8) -> World {
        let id = Uuid::from_bytes([self.acls.acls().len() as u8 + 1; 16]);
        self.acls.replay(&AccessControlEntryRecord {
            id,
            resource_type: kind.code(),
            resource_name: name.to_owned(),
            pattern_type: LITERAL,
            principal: "User:alice".to_owned(),
            host: "*".to_owned(),
            operation: op.code(),
            permission_type: permission,
            ..Default::default()
        });
        self
    }

    fn allow(self, kind: ResourceType, name: &str, op: AclOperation) -> World {
        self.acl(kind, name, op, PERMISSION_ALLOW)
    }

    fn cluster(self, op: AclOperation) -> World {
        self.allow(ResourceType::Cluster, "kafka-cluster", op)
    }

    fn topic(mut self, name: &str, id: u8) -> World {
        let record = TopicRecord {
            name: name.to_owned(),
            topic_id: Uuid::from_bytes([id; 16]),
            ..Default::default()
        };
        self.image
            .apply(&MetadataRecord::from(record), i64::from(id))
            .unwrap();
        self
    }

    fn verdict_for(&self, who: &str, enabled: bool, request: RequestKind) -> Verdict {
        let settings = enabled.then_some(&self.settings);
        let authorizer = Authorizer::new(settings, &self.acls, self.loaded);
        let mut context = RequestContext::local();
        context.principal = KafkaPrincipal::user(who);
        authorize(&authorizer, &context, &self.image, request)
    }

    fn verdict(&self, request: RequestKind) -> Verdict {
        self.verdict_for("alice", true, request)
    }
}

fn proceeds(verdict: Verdict) -> (RequestKind, Denied) {
    match verdict {
        Verdict::Proceed { request, denied } => (request, denied),
        Verdict::Refuse(response) => panic!("refused: {response:?}"),
    }
}

fn refused(verdict: Verdict) -> ResponseKind {
    match verdict {
        Verdict::Refuse(response) => response,
        Verdict::Proceed { request, .. } => panic!("proceeds: {request:?}"),
    }
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

fn create_topics(names: &[&str]) -> RequestKind {
    RequestKind::CreateTopics(
        CreateTopicsRequest::default().with_topics(
            names
                .iter()
                .map(|n| CreatableTopic::default().with_name(topic_name(n)))
                .collect(),
        ),
    )
}

use AclOperation::*;

/// One request of each API that needs an operation on the cluster, with that operation.
fn cluster_apis() -> Vec<(RequestKind, AclOperation)> {
    vec![
        (RequestKind::Vote(Default::default()), ClusterAction),
        (RequestKind::Fetch(Default::default()), ClusterAction),
        (
            RequestKind::FetchSnapshot(Default::default()),
            ClusterAction,
        ),
        (
            RequestKind::BeginQuorumEpoch(Default::default()),
            ClusterAction,
        ),
        (
            RequestKind::EndQuorumEpoch(Default::default()),
            ClusterAction,
        ),
        (
            RequestKind::BrokerRegistration(Default::default()),
            ClusterAction,
        ),
        (
            RequestKind::BrokerHeartbeat(Default::default()),
            ClusterAction,
        ),
        (
            RequestKind::AlterPartition(Default::default()),
            ClusterAction,
        ),
        (
            RequestKind::AllocateProducerIds(Default::default()),
            ClusterAction,
        ),
        (RequestKind::Envelope(Default::default()), ClusterAction),
        (RequestKind::DescribeQuorum(Default::default()), Describe),
        (
            RequestKind::ListPartitionReassignments(Default::default()),
            Describe,
        ),
        (RequestKind::DescribeAcls(Default::default()), Describe),
        (RequestKind::DescribeCluster(Default::default()), Alter),
        (RequestKind::ElectLeaders(Default::default()), Alter),
        (RequestKind::UnregisterBroker(Default::default()), Alter),
        (RequestKind::UpdateFeatures(Default::default()), Alter),
        (
            RequestKind::AlterUserScramCredentials(
                AlterUserScramCredentialsRequest::default()
                    .with_deletions(vec![Default::default()]),
            ),
            Alter,
        ),
        (
            RequestKind::CreateAcls(
                CreateAclsRequest::default().with_creations(vec![Default::default()]),
            ),
            Alter,
        ),
        (
            RequestKind::DeleteAcls(
                DeleteAclsRequest::default().with_filters(vec![Default::default()]),
            ),
            Alter,
        ),
        (
            RequestKind::AlterClientQuotas(
                AlterClientQuotasRequest::default().with_entries(vec![Default::default()]),
            ),
            AlterConfigs,
        ),
    ]
}

#[test]
fn cluster_apis_need_their_operation_on_the_cluster() {
    for (request, operation) in cluster_apis() {
        let what = format!("{request:?} needs {operation:?}");
        let refusal = refused(World::new().verdict(request.clone()));
        assert!(
            format!("{refusal:?}").contains("error_code: 31"),
            "{what}: {refusal:?}"
        );
        proceeds(World::new().cluster(operation).verdict(request.clone()));
        // A different operation does not do (ALL would; DESCRIBE is implied by ALTER).
        let other = if operation == ClusterAction {
            Alter
        } else {
            ClusterAction
        };
        refused(World::new().cluster(other).verdict(request));
    }
}

#[test]
fn heartbeats_are_refused_in_their_own_shape() {
    let request =
        RequestKind::BrokerHeartbeat(BrokerHeartbeatRequest::default().with_broker_id(BrokerId(1)));
    let ResponseKind::BrokerHeartbeat(response) = refused(World::new().verdict(request)) else {
        panic!("not a heartbeat response");
    };
    assert_eq!(response.error_code, CLUSTER_AUTHORIZATION_FAILED);
}

#[test]
fn super_users_pass_and_others_wait_for_the_initial_load() {
    let mut world = World::new();
    world.settings.super_users.insert("User:admin".into());
    world.loaded = false;
    proceeds(world.verdict_for("admin", true, RequestKind::Vote(Default::default())));
    let ResponseKind::Vote(vote) = refused(world.verdict(RequestKind::Vote(Default::default())))
    else {
        panic!("not a vote response");
    };
    assert_eq!(vote.error_code, UNKNOWN_SERVER_ERROR);
    let ResponseKind::CreateTopics(created) = refused(world.verdict(create_topics(&["t"]))) else {
        panic!("not a CreateTopics response");
    };
    assert_eq!(created.topics[0].error_code, UNKNOWN_SERVER_ERROR);
}

#[test]
fn acl_apis_without_an_authorizer_are_security_disabled() {
    let world = World::new();
    let create = RequestKind::CreateAcls(
        CreateAclsRequest::default().with_creations(vec![AclCreation::default()]),
    );
    let ResponseKind::CreateAcls(response) = refused(world.verdict_for("x", false, create)) else {
        panic!("not a CreateAcls response");
    };
    assert_eq!(response.results[0].error_code, SECURITY_DISABLED);
    let describe = RequestKind::DescribeAcls(Default::default());
    let ResponseKind::DescribeAcls(response) = refused(world.verdict_for("x", false, describe))
    else {
        panic!("not a DescribeAcls response");
    };
    assert_eq!(response.error_code, SECURITY_DISABLED);
    // Everything else goes ahead without an authorizer.
    for (request, _) in cluster_apis() {
        if !matches!(
            request,
            RequestKind::CreateAcls(_) | RequestKind::DeleteAcls(_) | RequestKind::DescribeAcls(_)
        ) {
            proceeds(world.verdict_for("x", false, request));
        }
    }
    proceeds(world.verdict_for("x", false, create_topics(&["t"])));
}

#[test]
fn create_topics_refuses_each_topic_without_create() {
    let world = World::new().allow(ResourceType::Topic, "a", Create).allow(
        ResourceType::Topic,
        "a",
        AlterConfigs,
    );
    let (request, denied) = proceeds(world.verdict(create_topics(&["a", "b"])));
    let RequestKind::CreateTopics(request) = request else {
        panic!("not CreateTopics");
    };
    let left: Vec<&str> = request.topics.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(left, ["a"]);
    // The handler's answer for `a`, with configs; `b` is added as refused.
    let answered =
        CreateTopicsResponse::default().with_topics(vec![CreatableTopicResult::default()
            .with_name(topic_name("a"))
            .with_num_partitions(1)
            .with_configs(Some(vec![CreatableTopicConfigs::default()]))]);
    let ResponseKind::CreateTopics(response) =
        complete(ResponseKind::CreateTopics(answered), denied)
    else {
        panic!("not CreateTopics");
    };
    assert_eq!(response.topics.len(), 2);
    assert_eq!(response.topics[0].num_partitions, 1);
    assert_eq!(response.topics[0].configs.as_ref().map(Vec::len), Some(1));
    assert_eq!(response.topics[1].name.as_str(), "b");
    assert_eq!(response.topics[1].error_code, TOPIC_AUTHORIZATION_FAILED);
}

#[test]
fn create_topics_with_cluster_create_but_no_describe_configs_hides_configs() {
    let world = World::new().cluster(Create);
    let (request, denied) = proceeds(world.verdict(create_topics(&["a"])));
    let RequestKind::CreateTopics(request) = request else {
        panic!("not CreateTopics");
    };
    assert_eq!(request.topics.len(), 1);
    let answered =
        CreateTopicsResponse::default().with_topics(vec![CreatableTopicResult::default()
            .with_name(topic_name("a"))
            .with_num_partitions(3)
            .with_replication_factor(1)
            .with_configs(Some(vec![CreatableTopicConfigs::default()]))]);
    let ResponseKind::CreateTopics(response) =
        complete(ResponseKind::CreateTopics(answered), denied)
    else {
        panic!("not CreateTopics");
    };
    let topic = &response.topics[0];
    assert_eq!(topic.error_code, 0);
    assert_eq!(topic.topic_config_error_code, TOPIC_AUTHORIZATION_FAILED);
    assert_eq!((topic.num_partitions, topic.replication_factor), (-1, -1));
    assert_eq!(topic.configs, Some(Vec::new()));
}

#[test]
fn a_topic_named_twice_is_left_to_the_handler() {
    let (request, _) = proceeds(World::new().verdict(create_topics(&["a", "a"])));
    let RequestKind::CreateTopics(request) = request else {
        panic!("not CreateTopics");
    };
    assert_eq!(request.topics.len(), 2);
}

fn delete_by_name(names: &[&str]) -> RequestKind {
    RequestKind::DeleteTopics(
        DeleteTopicsRequest::default()
            .with_topic_names(names.iter().map(|n| topic_name(n)).collect()),
    )
}

fn deleted_refusals(denied: Denied) -> Vec<(Option<String>, i16)> {
    let Denied::DeleteTopics(refused) = denied else {
        panic!("not DeleteTopics");
    };
    refused
        .into_iter()
        .map(|r| (r.name.map(|n| n.to_string()), r.error_code))
        .collect()
}

#[test]
fn delete_topics_by_name_hides_what_may_not_be_described() {
    let world = World::new()
        .topic("visible", 1)
        .topic("secret", 2)
        .allow(ResourceType::Topic, "visible", Describe)
        .allow(ResourceType::Topic, "missing", Describe)
        .allow(ResourceType::Topic, "mine", Delete);
    let (request, denied) = proceeds(world.verdict(delete_by_name(&[
        "visible", "secret", "missing", "mine", "gone",
    ])));
    let RequestKind::DeleteTopics(request) = request else {
        panic!("not DeleteTopics");
    };
    // Describable but missing: left for the handler to call unknown; DELETE implies DESCRIBE.
    let left: Vec<&str> = request.topic_names.iter().map(|n| n.as_str()).collect();
    assert_eq!(left, ["missing", "mine"]);
    let refusals = deleted_refusals(denied);
    let names: Vec<&str> = refusals.iter().filter_map(|(n, _)| n.as_deref()).collect();
    assert_eq!(names, ["visible", "secret", "gone"]);
    assert!(refusals
        .iter()
        .all(|(_, code)| *code == TOPIC_AUTHORIZATION_FAILED));
    // DELETE on the cluster covers every topic.
    let (request, _) = proceeds(World::new().cluster(Delete).verdict(delete_by_name(&["x"])));
    let RequestKind::DeleteTopics(request) = request else {
        panic!("not DeleteTopics");
    };
    assert_eq!(request.topic_names.len(), 1);
}

#[test]
fn delete_topics_by_id_names_only_describable_topics() {
    let world = World::new().topic("visible", 1).topic("secret", 2).allow(
        ResourceType::Topic,
        "visible",
        Describe,
    );
    let by_id =
        |id: u8| DeleteTopicState::default().with_topic_id(Uuid::from_bytes([id; 16]).into());
    let request = RequestKind::DeleteTopics(DeleteTopicsRequest::default().with_topics(vec![
        by_id(1),
        by_id(2),
        by_id(9),
    ]));
    let (request, denied) = proceeds(world.verdict(request));
    let RequestKind::DeleteTopics(request) = request else {
        panic!("not DeleteTopics");
    };
    assert_eq!(
        request.topics.len(),
        1,
        "the unknown id is left to the handler"
    );
    assert_eq!(
        deleted_refusals(denied),
        [
            (Some("visible".to_owned()), TOPIC_AUTHORIZATION_FAILED),
            (None, TOPIC_AUTHORIZATION_FAILED)
        ]
    );
}

#[test]
fn create_partitions_needs_alter_on_each_topic() {
    let world = World::new().allow(ResourceType::Topic, "a", Alter);
    let topics = ["a", "b"]
        .iter()
        .map(|n| CreatePartitionsTopic::default().with_name(topic_name(n)))
        .collect();
    let request =
        RequestKind::CreatePartitions(CreatePartitionsRequest::default().with_topics(topics));
    let (request, denied) = proceeds(world.verdict(request));
    let RequestKind::CreatePartitions(request) = request else {
        panic!("not CreatePartitions");
    };
    assert_eq!(request.topics.len(), 1);
    let Denied::CreatePartitions(refused) = denied else {
        panic!("not CreatePartitions");
    };
    assert_eq!(refused[0].name.as_str(), "b");
    assert_eq!(refused[0].error_code, TOPIC_AUTHORIZATION_FAILED);
}

fn alter(resources: &[(i8, &str)]) -> RequestKind {
    RequestKind::IncrementalAlterConfigs(
        IncrementalAlterConfigsRequest::default().with_resources(
            resources
                .iter()
                .map(|(kind, name)| {
                    AlterConfigsResource::default()
                        .with_resource_type(*kind)
                        .with_resource_name(StrBytes::from_string(name.to_string()))
                })
                .collect(),
        ),
    )
}

#[test]
fn config_resources_are_refused_by_their_own_resource() {
    let world = World::new().allow(ResourceType::Topic, "t", AlterConfigs);
    let request = alter(&[(2, "t"), (2, "u"), (4, "1"), (4, ""), (32, "g"), (16, "m")]);
    let (request, denied) = proceeds(world.verdict(request));
    let RequestKind::IncrementalAlterConfigs(request) = request else {
        panic!("not IncrementalAlterConfigs");
    };
    assert_eq!(request.resources.len(), 1);
    let Denied::IncrementalAlterConfigs(refused) = denied else {
        panic!("not IncrementalAlterConfigs");
    };
    let codes: Vec<(&str, i16)> = refused
        .iter()
        .map(|r| (r.resource_name.as_str(), r.error_code))
        .collect();
    assert_eq!(
        codes,
        [
            ("u", TOPIC_AUTHORIZATION_FAILED),
            ("1", CLUSTER_AUTHORIZATION_FAILED),
            ("", CLUSTER_AUTHORIZATION_FAILED),
            ("g", GROUP_AUTHORIZATION_FAILED),
            ("m", CLUSTER_AUTHORIZATION_FAILED),
        ]
    );
    // ALTER_CONFIGS on the cluster covers broker resources.
    let (request, _) = proceeds(
        World::new()
            .cluster(AlterConfigs)
            .verdict(alter(&[(4, "1")])),
    );
    let RequestKind::IncrementalAlterConfigs(request) = request else {
        panic!("not IncrementalAlterConfigs");
    };
    assert_eq!(request.resources.len(), 1);
}

#[test]
fn describe_configs_is_allowed_by_alter_configs_and_refusals_come_last() {
    let world = World::new()
        .allow(ResourceType::Topic, "t", AlterConfigs)
        .acl(ResourceType::Topic, "u", DescribeConfigs, PERMISSION_DENY);
    let resources = [(2, "u"), (2, "t")]
        .iter()
        .map(|(kind, name)| {
            DescribeConfigsResource::default()
                .with_resource_type(*kind)
                .with_resource_name(StrBytes::from_string(name.to_string()))
        })
        .collect();
    let request =
        RequestKind::DescribeConfigs(DescribeConfigsRequest::default().with_resources(resources));
    let (request, denied) = proceeds(world.verdict(request));
    let RequestKind::DescribeConfigs(request) = request else {
        panic!("not DescribeConfigs");
    };
    assert_eq!(request.resources[0].resource_name.as_str(), "t");
    let answered = DescribeConfigsResponse::default().with_results(vec![
        DescribeConfigsResult::default().with_resource_name(StrBytes::from_static_str("t")),
    ]);
    let ResponseKind::DescribeConfigs(response) =
        complete(ResponseKind::DescribeConfigs(answered), denied)
    else {
        panic!("not DescribeConfigs");
    };
    let names: Vec<(&str, i16)> = response
        .results
        .iter()
        .map(|r| (r.resource_name.as_str(), r.error_code))
        .collect();
    assert_eq!(names, [("t", 0), ("u", TOPIC_AUTHORIZATION_FAILED)]);
}

#[test]
fn token_owners_other_than_the_requester_need_create_tokens() {
    let acls = AclsImage::default();
    let settings = AuthorizerSettings::default();
    let authorizer = Authorizer::new(Some(&settings), &acls, true);
    let mut context = RequestContext::local();
    context.principal = KafkaPrincipal::user("alice");
    assert!(may_create_token_for(&authorizer, &context, "User:alice"));
    assert!(!may_create_token_for(&authorizer, &context, "User:bob"));
    let world = World::new().allow(ResourceType::User, "User:bob", CreateTokens);
    let authorizer = Authorizer::new(Some(&world.settings), &world.acls, true);
    assert!(may_create_token_for(&authorizer, &context, "User:bob"));
}

#[test]
fn a_token_for_another_owner_is_refused_without_create_tokens() {
    let for_bob = || {
        RequestKind::CreateDelegationToken(
            CreateDelegationTokenRequest::default()
                .with_owner_principal_type(Some(StrBytes::from_static_str("User")))
                .with_owner_principal_name(Some(StrBytes::from_static_str("bob"))),
        )
    };
    let forwarded = |world: &World| {
        let authorizer = Authorizer::new(Some(&world.settings), &world.acls, true);
        let context = RequestContext::local()
            .forwarded(KafkaPrincipal::user("alice"), &[10, 0, 0, 1])
            .unwrap();
        authorize(&authorizer, &context, &world.image, for_bob())
    };
    let ResponseKind::CreateDelegationToken(refusal) = refused(forwarded(&World::new())) else {
        panic!("not a CreateDelegationToken response");
    };
    assert_eq!(refusal.error_code, DELEGATION_TOKEN_AUTHORIZATION_FAILED);
    assert_eq!(refusal.principal_name.as_str(), "bob");
    assert_eq!(refusal.token_requester_principal_name.as_str(), "alice");
    let world = World::new().allow(ResourceType::User, "User:bob", CreateTokens);
    proceeds(forwarded(&world));
    // On a direct connection the handler refuses every token request first.
    proceeds(World::new().verdict(for_bob()));
    // A token for oneself needs no ACL.
    let own = RequestKind::CreateDelegationToken(Default::default());
    let world = World::new();
    let authorizer = Authorizer::new(Some(&world.settings), &world.acls, true);
    let context = RequestContext::local()
        .forwarded(KafkaPrincipal::user("alice"), &[10, 0, 0, 1])
        .unwrap();
    proceeds(authorize(&authorizer, &context, &world.image, own));
}

#[test]
fn a_standby_refuses_what_authorization_refuses_before_not_controller() {
    use crate::controller::{Controller, ControllerSettings};
    let standby = |authorizer: Option<AuthorizerSettings>| {
        let mut settings = ControllerSettings::new(1, "cluster");
        settings.authorizer = authorizer;
        Controller::new(settings, 1)
    };
    let as_user = |name: &str| {
        let mut context = RequestContext::local();
        context.principal = KafkaPrincipal::user(name);
        context
    };
    let code = |response: ResponseKind| match response {
        ResponseKind::UpdateFeatures(r) => r.error_code,
        ResponseKind::CreateAcls(r) => r.results[0].error_code,
        other => panic!("{other:?}"),
    };
    let update = || RequestKind::UpdateFeatures(Default::default());
    let settings = AuthorizerSettings {
        super_users: ["User:admin".to_owned()].into(),
        ..AuthorizerSettings::default()
    };
    let controller = standby(Some(settings));
    assert_eq!(
        code(standby_answer(&controller, &as_user("alice"), update())),
        CLUSTER_AUTHORIZATION_FAILED,
        "alice lacks ALTER on the cluster"
    );
    assert_eq!(
        code(standby_answer(&controller, &as_user("admin"), update())),
        controller_api::NOT_CONTROLLER
    );
    let create_acl = RequestKind::CreateAcls(
        CreateAclsRequest::default().with_creations(vec![AclCreation::default()]),
    );
    assert_eq!(
        code(standby_answer(
            &standby(None),
            &as_user("alice"),
            create_acl
        )),
        SECURITY_DISABLED,
        "no authorizer: the ACL APIs are disabled on every controller"
    );
}
