//! The `BROKER_LOGGER` config resource on a controller, as Kafka's `ControllerApis` serves it
//! beside the controller proper: IncrementalAlterConfigs of this node's loggers changes the
//! process's log levels at once (nothing is written to the metadata log, and any controller,
//! active or not, answers), and DescribeConfigs lists the loggers with their levels.
//!
//! [`before`] takes the logger resources out of a request (the controller computes the rest,
//! if any is left), [`after`] puts their answers into the controller's response.

use kafka_protocol::messages::describe_configs_response::DescribeConfigsResourceResult;
use kafka_protocol::messages::incremental_alter_configs_request::AlterConfigsResource;
use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse as IncrementalResult;
use kafka_protocol::messages::{IncrementalAlterConfigsResponse, RequestKind, ResponseKind};
use kafka_protocol::protocol::StrBytes;

use crate::controller::authorizer::AclOperation;
use crate::controller::context::RequestContext;
use crate::controller::image::configs::resource_type::BROKER_LOGGER;
use crate::logging::{self, LogLevels, ROOT, VALID_LEVELS};

use super::api::Services;

const CLUSTER_AUTHORIZATION_FAILED: i16 = 31;
const INVALID_CONFIG: i16 = 40;
const INVALID_REQUEST: i16 = 42;
/// Kafka's `ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG`.
const DYNAMIC_BROKER_LOGGER_CONFIG: i8 = 6;

/// Kafka's `AlterConfigOp.OpType` ids.
const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;
const SUBTRACT: i8 = 3;

/// What [`before`] kept for [`after`].
#[derive(Debug, Default)]
pub enum Local {
    /// The request names no logger resource.
    #[default]
    Nothing,
    /// The answers to an IncrementalAlterConfigs' logger resources, already applied.
    Altered(Vec<IncrementalResult>),
    /// The config keys asked of each logger resource of a DescribeConfigs (`None`: all).
    Describe(Vec<Option<Vec<StrBytes>>>),
}

/// Where a request goes once its logger resources are answered.
#[derive(Debug)]
pub enum Routed {
    /// To the controller, then through [`after`] with what was kept.
    Controller(RequestKind, Local),
    /// Nowhere: this is the whole answer.
    Answered(ResponseKind),
}

/// Answers the logger resources of `request` (changing the levels unless it only validates)
/// and returns what is left for the controller, or the whole answer when nothing is.
pub fn before(services: &Services, context: &RequestContext, request: RequestKind) -> Routed {
    match request {
        RequestKind::IncrementalAlterConfigs(mut r)
            if r.resources.iter().any(|c| c.resource_type == BROKER_LOGGER) =>
        {
            let node_id = services.cluster.as_ref().map(|c| c.node_id);
            let refusal = services.controller.as_ref().and_then(|controller| {
                let view = controller.authorizer_view();
                super::authorization::cluster_refusal(
                    &view.authorizer(),
                    context,
                    AclOperation::ClusterAction,
                )
            });
            let (loggers, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut r.resources)
                .into_iter()
                .partition(|c| c.resource_type == BROKER_LOGGER);
            let answers = loggers
                .iter()
                .map(|resource| {
                    let outcome = alter(node_id, refusal, r.validate_only, resource);
                    let (code, message) = outcome.err().unwrap_or((0, None));
                    IncrementalResult::default()
                        .with_resource_type(BROKER_LOGGER)
                        .with_resource_name(resource.resource_name.clone())
                        .with_error_code(code)
                        .with_error_message(message.map(StrBytes::from_string))
                })
                .collect();
            if rest.is_empty() {
                return Routed::Answered(ResponseKind::IncrementalAlterConfigs(
                    IncrementalAlterConfigsResponse::default().with_responses(answers),
                ));
            }
            r.resources = rest;
            Routed::Controller(
                RequestKind::IncrementalAlterConfigs(r),
                Local::Altered(answers),
            )
        }
        RequestKind::DescribeConfigs(r)
            if r.resources.iter().any(|c| c.resource_type == BROKER_LOGGER) =>
        {
            let keys = r
                .resources
                .iter()
                .filter(|c| c.resource_type == BROKER_LOGGER)
                .map(|c| c.configuration_keys.clone())
                .collect();
            Routed::Controller(RequestKind::DescribeConfigs(r), Local::Describe(keys))
        }
        other => Routed::Controller(other, Local::Nothing),
    }
}

/// The response to the whole request: the controller's with the loggers' answers put in.
/// The controller checked a described logger resource (authorization, node id) and left its
/// configs empty; they are this process's loggers.
pub fn after(response: ResponseKind, local: Local) -> ResponseKind {
    match (response, local) {
        (ResponseKind::IncrementalAlterConfigs(mut r), Local::Altered(answers)) => {
            r.responses.extend(answers);
            ResponseKind::IncrementalAlterConfigs(r)
        }
        (ResponseKind::DescribeConfigs(mut r), Local::Describe(keys)) => {
            let loggers = logging::loggers().levels().loggers();
            let results = r
                .results
                .iter_mut()
                .filter(|result| result.resource_type == BROKER_LOGGER);
            for (result, keys) in results.zip(keys) {
                if result.error_code != 0 {
                    continue;
                }
                let wanted = |name: &String| match &keys {
                    Some(keys) if !keys.is_empty() => keys.iter().any(|k| k.as_str() == name),
                    _ => true,
                };
                result.configs = loggers
                    .iter()
                    .filter(|(name, _)| wanted(name))
                    .map(|(name, level)| {
                        DescribeConfigsResourceResult::default()
                            .with_name(StrBytes::from_string(name.clone()))
                            .with_value(Some(StrBytes::from_string(level.clone())))
                            .with_config_source(DYNAMIC_BROKER_LOGGER_CONFIG)
                    })
                    .collect();
            }
            ResponseKind::DescribeConfigs(r)
        }
        (response, _) => response,
    }
}

type Refusal = (i16, Option<String>);

/// One logger resource of an IncrementalAlterConfigs, checked and (unless `validate_only`)
/// applied, with Kafka's errors (`RuntimeLoggerManager`).
fn alter(
    node_id: Option<i32>,
    refusal: Option<i16>,
    validate_only: bool,
    resource: &AlterConfigsResource,
) -> Result<(), Refusal> {
    if let Some(code) = refusal {
        let message = (code == CLUSTER_AUTHORIZATION_FAILED)
            .then(|| "Cluster authorization failed.".to_owned());
        return Err((code, message));
    }
    let invalid_request = |message: String| (INVALID_REQUEST, Some(message));
    let name = resource.resource_name.as_str();
    let id: i32 = name
        .parse()
        .map_err(|_| invalid_request(format!("Node id must be an integer, but it is: {name}")))?;
    if node_id != Some(id) {
        let expected = node_id.map_or("this node's id".to_owned(), |id| id.to_string());
        return Err(invalid_request(format!(
            "Unexpected node id. Expected {expected}, but received {name}"
        )));
    }
    let loggers = logging::loggers();
    let mut levels = loggers.levels();
    for config in &resource.configs {
        check_and_apply(&mut levels, config.name.as_str(), config)?;
    }
    if !validate_only {
        loggers.update(|current| {
            for config in &resource.configs {
                let logger = config.name.as_str();
                match config
                    .value
                    .as_ref()
                    .filter(|_| config.config_operation == SET)
                {
                    Some(level) => {
                        current.set(logger, level.as_str());
                        tracing::warn!("Updated the log level of {logger} to {}", level.as_str());
                    }
                    None => {
                        current.unset(logger);
                        tracing::warn!("Unset the log level of {logger}");
                    }
                }
            }
        });
    }
    Ok(())
}

/// Checks one change against `levels` and makes it there, so later changes of the same
/// request see it.
fn check_and_apply(
    levels: &mut LogLevels,
    logger: &str,
    config: &kafka_protocol::messages::incremental_alter_configs_request::AlterableConfig,
) -> Result<(), Refusal> {
    let exists = |levels: &LogLevels| {
        if levels.exists(logger) {
            Ok(())
        } else {
            Err((
                INVALID_CONFIG,
                Some(format!("Logger {logger} does not exist!")),
            ))
        }
    };
    let not_allowed = |op: &str| {
        Err((
            INVALID_REQUEST,
            Some(format!(
                "{op} operation is not allowed for the BROKER_LOGGER resource"
            )),
        ))
    };
    match config.config_operation {
        SET => {
            exists(levels)?;
            let level = config.value.as_ref().map_or("null", |v| v.as_str());
            if !VALID_LEVELS.contains(&level) {
                return Err((
                    INVALID_CONFIG,
                    Some(format!(
                        "Cannot set the log level of {logger} to {level} as it is not a \
                         supported log level. Valid log levels are {}",
                        VALID_LEVELS.join(", ")
                    )),
                ));
            }
            levels.set(logger, level);
        }
        DELETE => {
            exists(levels)?;
            if logger == ROOT {
                return Err((
                    INVALID_REQUEST,
                    Some(format!(
                        "Removing the log level of the {ROOT} logger is not allowed"
                    )),
                ));
            }
            levels.unset(logger);
        }
        APPEND => return not_allowed("APPEND"),
        SUBTRACT => return not_allowed("SUBTRACT"),
        other => {
            return Err((
                INVALID_REQUEST,
                Some(format!(
                    "Unknown operation type {other} is not allowed for the BROKER_LOGGER resource"
                )),
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
    use kafka_protocol::messages::describe_configs_response::DescribeConfigsResult;
    use kafka_protocol::messages::incremental_alter_configs_request::AlterableConfig;
    use kafka_protocol::messages::{
        DescribeConfigsRequest, DescribeConfigsResponse, IncrementalAlterConfigsRequest,
    };

    use super::*;
    use crate::server::cluster::ClusterInfo;

    const TOPIC: i8 = 2;

    fn services() -> Services {
        Services {
            raft: None,
            cluster: Some(ClusterInfo {
                cluster_id: "c".into(),
                node_id: 3,
            }),
            controller: None,
            security: Default::default(),
        }
    }

    fn change(op: i8, name: &str, value: Option<&str>) -> AlterableConfig {
        AlterableConfig::default()
            .with_config_operation(op)
            .with_name(StrBytes::from_string(name.to_owned()))
            .with_value(value.map(|v| StrBytes::from_string(v.to_owned())))
    }

    fn resource(kind: i8, name: &str, configs: Vec<AlterableConfig>) -> AlterConfigsResource {
        AlterConfigsResource::default()
            .with_resource_type(kind)
            .with_resource_name(StrBytes::from_string(name.to_owned()))
            .with_configs(configs)
    }

    /// The outcome of one logger resource, validated only (the process's levels stay).
    fn validate(name: &str, configs: Vec<AlterableConfig>) -> Result<(), Refusal> {
        alter(Some(3), None, true, &resource(BROKER_LOGGER, name, configs))
    }

    #[test]
    fn changes_are_checked_as_kafka_checks_them() {
        let set = |name, level| vec![change(SET, name, Some(level))];
        assert_eq!(validate("3", set("yakt.raft", "DEBUG")), Ok(()));
        assert_eq!(validate("3", set(ROOT, "OFF")), Ok(()));
        assert_eq!(
            validate("3", vec![change(DELETE, "yakt.raft", None)]),
            Ok(())
        );

        let code = |outcome: Result<(), Refusal>| outcome.unwrap_err().0;
        assert_eq!(
            code(validate("3", set("kafka.server", "DEBUG"))),
            INVALID_CONFIG
        );
        assert_eq!(
            code(validate("3", set("yakt.raft", "debug"))),
            INVALID_CONFIG
        );
        assert_eq!(
            code(validate("3", set("yakt.raft", "VERBOSE"))),
            INVALID_CONFIG
        );
        assert_eq!(
            code(validate("3", vec![change(SET, "yakt", None)])),
            INVALID_CONFIG
        );
        assert_eq!(
            code(validate("3", vec![change(DELETE, ROOT, None)])),
            INVALID_REQUEST
        );
        for op in [APPEND, SUBTRACT, 9] {
            let refused = validate("3", vec![change(op, "yakt", Some("INFO"))]);
            assert_eq!(code(refused), INVALID_REQUEST, "op {op}");
        }
        assert_eq!(code(validate("4", set("yakt", "INFO"))), INVALID_REQUEST);
        assert_eq!(
            code(validate("three", set("yakt", "INFO"))),
            INVALID_REQUEST
        );
        let refused = alter(
            Some(3),
            Some(31),
            true,
            &resource(BROKER_LOGGER, "3", vec![]),
        );
        assert_eq!(
            refused,
            Err((31, Some("Cluster authorization failed.".into())))
        );
    }

    #[test]
    fn logger_resources_are_answered_here_and_the_rest_goes_to_the_controller() {
        let context = RequestContext::connection("CONTROLLER", [127, 0, 0, 1].into());
        let bad = vec![change(SET, "yakt", Some("LOUD"))];
        let request = IncrementalAlterConfigsRequest::default()
            .with_validate_only(true)
            .with_resources(vec![
                resource(TOPIC, "t", vec![change(SET, "retention.ms", Some("1"))]),
                resource(BROKER_LOGGER, "3", bad.clone()),
            ]);
        let request = RequestKind::IncrementalAlterConfigs(request);
        let Routed::Controller(RequestKind::IncrementalAlterConfigs(rest), local) =
            before(&services(), &context, request)
        else {
            panic!("the topic is left for the controller");
        };
        assert_eq!(rest.resources.len(), 1);
        assert_eq!(rest.resources[0].resource_type, TOPIC);
        let controller = IncrementalAlterConfigsResponse::default()
            .with_responses(vec![IncrementalResult::default().with_resource_type(TOPIC)]);
        let ResponseKind::IncrementalAlterConfigs(all) =
            after(ResponseKind::IncrementalAlterConfigs(controller), local)
        else {
            panic!("an IncrementalAlterConfigs response");
        };
        let codes: Vec<_> = all
            .responses
            .iter()
            .map(|r| (r.resource_type, r.error_code))
            .collect();
        assert_eq!(codes, [(TOPIC, 0), (BROKER_LOGGER, INVALID_CONFIG)]);

        // Only loggers: answered without the controller.
        let request = IncrementalAlterConfigsRequest::default()
            .with_validate_only(true)
            .with_resources(vec![resource(BROKER_LOGGER, "3", vec![])]);
        let answered = before(
            &services(),
            &context,
            RequestKind::IncrementalAlterConfigs(request),
        );
        let Routed::Answered(ResponseKind::IncrementalAlterConfigs(answer)) = answered else {
            panic!("answered here");
        };
        assert_eq!(answer.responses.len(), 1);
        assert_eq!(answer.responses[0].error_code, 0);
    }

    #[test]
    fn described_logger_resources_list_the_loggers_asked_for() {
        let context = RequestContext::connection("CONTROLLER", [127, 0, 0, 1].into());
        let asked = |keys: Option<Vec<&str>>| {
            DescribeConfigsResource::default()
                .with_resource_type(BROKER_LOGGER)
                .with_resource_name("3".into())
                .with_configuration_keys(keys.map(|keys| {
                    keys.into_iter()
                        .map(|k| StrBytes::from_string(k.to_owned()))
                        .collect()
                }))
        };
        let request = DescribeConfigsRequest::default().with_resources(vec![
            asked(None),
            asked(Some(vec!["root", "yakt.raft"])),
            asked(None),
        ]);
        let Routed::Controller(_, local) =
            before(&services(), &context, RequestKind::DescribeConfigs(request))
        else {
            panic!("the controller checks the resources");
        };
        let checked = DescribeConfigsResult::default().with_resource_type(BROKER_LOGGER);
        let controller = DescribeConfigsResponse::default().with_results(vec![
            checked.clone(),
            checked.clone(),
            checked.with_error_code(31),
        ]);
        let ResponseKind::DescribeConfigs(answer) =
            after(ResponseKind::DescribeConfigs(controller), local)
        else {
            panic!("a DescribeConfigs response");
        };
        let names = |i: usize| -> Vec<String> {
            answer.results[i]
                .configs
                .iter()
                .map(|c| c.name.to_string())
                .collect()
        };
        assert!(names(0).len() > 2 && names(0).contains(&"yakt.server".to_owned()));
        assert_eq!(names(1), ["root", "yakt.raft"]);
        assert!(names(2).is_empty(), "a refused resource stays empty");
        let root = &answer.results[1].configs[0];
        assert_eq!(root.config_source, DYNAMIC_BROKER_LOGGER_CONFIG);
        assert!(root.value.is_some() && !root.read_only && !root.is_sensitive);
    }
}
