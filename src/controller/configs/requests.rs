//! IncrementalAlterConfigs, AlterConfigs and DescribeConfigs as a Kafka controller answers
//! them (`ControllerApis`, `ConfigurationControlManager`).
//!
//! Alters: a resource named twice is INVALID_REQUEST ("Duplicate resource."), each resource
//! is checked and changed on its own (see [`crate::controller::configs::alter`]), all
//! records of the request form one atomic batch, validate-only writes none.
//!
//! DescribeConfigs (`ConfigHelper.describeConfigs`): a topic lists every topic config with
//! its effective value and source (set on the topic, the cluster-wide broker default of its
//! synonym, or Kafka's default); a broker resource is this controller's own configs or the
//! cluster-wide defaults (see [`crate::controller::configs::describe_broker`]); a group lists
//! every group config with its value from the group or the controller's `group.*` settings
//! (see [`crate::controller::configs::group_keys`]); a client-metrics subscription lists
//! every client metrics config, set or default.

use std::collections::{BTreeMap, BTreeSet};

use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use kafka_protocol::messages::incremental_alter_configs_response::AlterConfigsResourceResponse;
use kafka_protocol::messages::{
    AlterConfigsRequest, AlterConfigsResponse, DescribeConfigsRequest, DescribeConfigsResponse,
    IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::MetadataRecord;

use crate::controller::configs::alter::{incremental_alter, legacy_alter, OpType, Target};
use crate::controller::configs::describe_broker::{
    describe_broker, BrokerConfigSources, DescribeOptions,
};
use crate::controller::configs::group_keys::{
    describe_group_configs, java_trim, parse_int, DescribedConfig, GroupCoordinatorSettings,
};
use crate::controller::configs::topic_keys::{ConfigType, TopicConfigKey, TOPIC_CONFIG_KEYS};
use crate::controller::image::configs::resource_type;
use crate::controller::machine::Controller;
use crate::controller::result::{
    too_many_records, ApiError, ControllerResult, MAX_RECORDS_PER_USER_OP,
};
use crate::controller::topics::create::config_source;
use crate::controller::topics::names::validate_topic_name;

type Records = Vec<(MetadataRecord, i16)>;

fn text(value: impl Into<String>) -> StrBytes {
    StrBytes::from_string(value.into())
}

/// One resource of an alter request: type, name and the changes asked (or why they are
/// malformed).
type ResourceChanges<T> = Vec<(i8, String, Result<T, ApiError>)>;

/// Incremental operations by key.
type Ops = BTreeMap<String, (OpType, Option<String>)>;

/// One resource's outcome in an alter request.
struct AlterOutcome {
    resource_type: i8,
    resource_name: String,
    error: ApiError,
}

impl Controller {
    /// Handles an IncrementalAlterConfigs.
    pub fn incremental_alter_configs(
        &self,
        request: &IncrementalAlterConfigsRequest,
    ) -> ControllerResult<IncrementalAlterConfigsResponse> {
        let resources: ResourceChanges<Ops> = request
            .resources
            .iter()
            .map(|r| {
                let mut ops = BTreeMap::new();
                for config in &r.configs {
                    let Some(op) = OpType::from_id(config.config_operation) else {
                        let message =
                            format!("Unknown config operation {}", config.config_operation);
                        return (
                            r.resource_type,
                            r.resource_name.to_string(),
                            Err(ApiError::new(ResponseError::InvalidRequest, message)),
                        );
                    };
                    let value = config.value.as_ref().map(|v| v.to_string());
                    ops.insert(config.name.to_string(), (op, value));
                }
                (r.resource_type, r.resource_name.to_string(), Ok(ops))
            })
            .collect();
        let (records, outcomes) =
            self.alter_each(resources, request.validate_only, |target, ops| {
                incremental_alter(self.image(), target, ops)
            });
        let responses = outcomes
            .into_iter()
            .map(|o| {
                AlterConfigsResourceResponse::default()
                    .with_error_code(o.error.code)
                    .with_error_message(o.error.message.map(text))
                    .with_resource_type(o.resource_type)
                    .with_resource_name(text(o.resource_name))
            })
            .collect();
        ControllerResult::atomic(
            records,
            IncrementalAlterConfigsResponse::default().with_responses(responses),
        )
    }

    /// Handles a (legacy) AlterConfigs: each named resource's configs are replaced.
    pub fn alter_configs(
        &self,
        request: &AlterConfigsRequest,
    ) -> ControllerResult<AlterConfigsResponse> {
        use kafka_protocol::messages::alter_configs_response::AlterConfigsResourceResponse as Response;
        let resources: ResourceChanges<BTreeMap<String, Option<String>>> = request
            .resources
            .iter()
            .map(|r| {
                let configs = r
                    .configs
                    .iter()
                    .map(|c| (c.name.to_string(), c.value.as_ref().map(|v| v.to_string())));
                (
                    r.resource_type,
                    r.resource_name.to_string(),
                    Ok(configs.collect()),
                )
            })
            .collect();
        let (records, outcomes) =
            self.alter_each(resources, request.validate_only, |target, configs| {
                legacy_alter(self.image(), target, configs)
            });
        let responses = outcomes
            .into_iter()
            .map(|o| {
                Response::default()
                    .with_error_code(o.error.code)
                    .with_error_message(o.error.message.map(text))
                    .with_resource_type(o.resource_type)
                    .with_resource_name(text(o.resource_name))
            })
            .collect();
        ControllerResult::atomic(
            records,
            AlterConfigsResponse::default().with_responses(responses),
        )
    }

    /// Runs `alter` on every resource named once; duplicates are INVALID_REQUEST.
    fn alter_each<T>(
        &self,
        resources: ResourceChanges<T>,
        validate_only: bool,
        alter: impl Fn(Target<'_>, &T) -> Result<Records, ApiError>,
    ) -> (Records, Vec<AlterOutcome>) {
        let mut seen = BTreeSet::new();
        let duplicates: BTreeSet<(i8, String)> = resources
            .iter()
            .map(|(t, n, _)| (*t, n.clone()))
            .filter(|key| !seen.insert(key.clone()))
            .collect();
        let mut records = Records::new();
        let mut outcomes = Vec::new();
        for (resource_type, resource_name, changes) in resources {
            let error = if duplicates.contains(&(resource_type, resource_name.clone())) {
                ApiError::new(ResponseError::InvalidRequest, "Duplicate resource.")
            } else {
                let target = Target {
                    resource_type,
                    resource_name: &resource_name,
                    newly_created: false,
                    controller_ids: &self.settings.controller_ids,
                    static_configs: &self.settings.static_configs,
                };
                match changes.and_then(|changes| alter(target, &changes)) {
                    Ok(new) => {
                        records.extend(new);
                        ApiError::NONE
                    }
                    Err(error) => error,
                }
            };
            outcomes.push(AlterOutcome {
                resource_type,
                resource_name,
                error,
            });
        }
        if records.len() > MAX_RECORDS_PER_USER_OP {
            for outcome in &mut outcomes {
                outcome.error = too_many_records();
            }
            records.clear();
        }
        if validate_only {
            records.clear();
        }
        (records, outcomes)
    }

    /// Handles a DescribeConfigs (request `version` decides whether types are returned).
    pub fn describe_configs(
        &self,
        request: &DescribeConfigsRequest,
        version: i16,
    ) -> DescribeConfigsResponse {
        let results = request
            .resources
            .iter()
            .map(|resource| {
                let name = resource.resource_name.to_string();
                // Null or empty: every config (Kafka's `describeConfigs`).
                let keys: Option<BTreeSet<String>> = resource
                    .configuration_keys
                    .as_ref()
                    .filter(|keys| !keys.is_empty())
                    .map(|keys| keys.iter().map(|k| k.to_string()).collect());
                let result = DescribeConfigsResult::default()
                    .with_resource_type(resource.resource_type)
                    .with_resource_name(resource.resource_name.clone())
                    .with_error_message(None);
                match self.describe_resource(resource.resource_type, &name, request, version) {
                    Ok(configs) => {
                        let wanted = |c: &DescribeConfigsResourceResult| {
                            keys.as_ref()
                                .is_none_or(|keys| keys.contains(c.name.as_str()))
                        };
                        // Kafka's ErrorMessage defaults to "", not null.
                        result
                            .with_error_message(Some(text("")))
                            .with_configs(configs.into_iter().filter(wanted).collect())
                    }
                    Err(error) => result
                        .with_error_code(error.code)
                        .with_error_message(error.message.map(text)),
                }
            })
            .collect();
        DescribeConfigsResponse::default().with_results(results)
    }

    fn describe_resource(
        &self,
        resource_type: i8,
        name: &str,
        request: &DescribeConfigsRequest,
        version: i16,
    ) -> Result<Vec<DescribeConfigsResourceResult>, ApiError> {
        let image = self.image();
        let empty = BTreeMap::new();
        let stored = image
            .configs
            .resource(resource_type, name)
            .unwrap_or(&empty);
        let options = DescribeOptions {
            include_synonyms: request.include_synonyms,
            include_documentation: request.include_documentation,
        };
        let on_wire = |described: Vec<DescribedConfig>| {
            described
                .into_iter()
                .map(|config| described_entry(config, options, version))
                .collect()
        };
        match resource_type {
            resource_type::BROKER => {
                let node_id = self.settings.node_id.to_string();
                let sources = BrokerConfigSources {
                    node_id: self.settings.node_id,
                    static_configs: &self.settings.static_configs,
                    dynamic_broker: image.configs.resource(resource_type::BROKER, &node_id),
                    dynamic_default: image.configs.resource(resource_type::BROKER, ""),
                };
                describe_broker(sources, name, options)
            }
            resource_type::BROKER_LOGGER => self.describe_broker_loggers(name),
            resource_type::TOPIC => {
                validate_topic_name(name)?;
                if image.topics.topic_named(name).is_none() {
                    return Err(ApiError {
                        code: ResponseError::UnknownTopicOrPartition.code(),
                        message: None,
                    });
                }
                Ok(TOPIC_CONFIG_KEYS
                    .iter()
                    .map(|key| {
                        self.describe_topic_config(name, key, request.include_synonyms, version)
                    })
                    .collect())
            }
            resource_type::GROUP if name.is_empty() => Err(ApiError::new(
                ResponseError::InvalidRequest,
                "Group name must not be empty",
            )),
            resource_type::GROUP => {
                let properties = &self.settings.static_configs;
                let settings = GroupCoordinatorSettings::from_properties(properties);
                describe_group_configs(stored, properties, &settings)
                    .map(on_wire)
                    .ok_or_else(unparsable)
            }
            resource_type::CLIENT_METRICS if name.is_empty() => Err(ApiError::new(
                ResponseError::InvalidRequest,
                "Client metrics subscription name must not be empty",
            )),
            resource_type::CLIENT_METRICS => describe_client_metrics(stored)
                .map(on_wire)
                .ok_or_else(unparsable),
            other => Err(ApiError::new(
                ResponseError::InvalidRequest,
                format!("Unsupported resource type: {other}"),
            )),
        }
    }

    /// BROKER_LOGGER: only this node's own id; `server::loggers` lists the process's loggers
    /// in the configs left empty here.
    fn describe_broker_loggers(
        &self,
        name: &str,
    ) -> Result<Vec<DescribeConfigsResourceResult>, ApiError> {
        let invalid = |message: String| ApiError::new(ResponseError::InvalidRequest, message);
        if name.is_empty() {
            return Err(invalid("Broker id must not be empty".to_owned()));
        }
        let id: i32 = name
            .parse()
            .map_err(|_| invalid(format!("Broker id must be an integer, but it is: {name}")))?;
        if id != self.settings.node_id {
            return Err(invalid(format!(
                "Unexpected broker id, expected {} but received {name}",
                self.settings.node_id
            )));
        }
        Ok(Vec::new())
    }

    fn describe_topic_config(
        &self,
        topic: &str,
        key: &TopicConfigKey,
        include_synonyms: bool,
        version: i16,
    ) -> DescribeConfigsResourceResult {
        let configs = &self.image().configs;
        let mut synonyms = Vec::new();
        if let Some(value) = configs.get(resource_type::TOPIC, topic, key.name) {
            synonyms.push((key.name, value, config_source::DYNAMIC_TOPIC_CONFIG));
        }
        if let Some(synonym) = key.broker_synonym {
            if let Some(value) = configs.get(resource_type::BROKER, "", synonym) {
                synonyms.push((synonym, value, config_source::DYNAMIC_DEFAULT_BROKER_CONFIG));
            }
        }
        let default_name = key.broker_synonym.unwrap_or(key.name);
        synonyms.push((default_name, key.default, config_source::DEFAULT_CONFIG));
        let (_, value, source) = synonyms[0];
        let mut result = entry(key.name, Some(value), source, version >= 3, key.config_type);
        if include_synonyms {
            result = result.with_synonyms(
                synonyms
                    .into_iter()
                    .map(|(name, value, source)| {
                        DescribeConfigsSynonym::default()
                            .with_name(text(name))
                            .with_value(Some(text(value)))
                            .with_source(source)
                    })
                    .collect(),
            );
        }
        result
    }
}

/// `ConfigSource.CLIENT_METRICS_CONFIG`.
const CLIENT_METRICS_CONFIG: i8 = 7;

/// A stored value Kafka's config classes cannot parse: Kafka answers UNKNOWN_SERVER_ERROR
/// without a message.
fn unparsable() -> ApiError {
    ApiError {
        code: ResponseError::UnknownServerError.code(),
        message: None,
    }
}

/// Kafka's client metrics keys as its `ClientMetricsConfigs` hash map yields them: name,
/// `ConfigType` id (INT 3, LIST 7), default, documentation.
const CLIENT_METRICS_KEYS: &[(&str, i8, &str, &str)] = &[
    (
        "interval.ms",
        3,
        "300000",
        "Metrics push interval in milliseconds",
    ),
    ("match", 7, "", "Client match criteria"),
    ("metrics", 7, "", "Telemetry metric name prefix list"),
];

/// A subscription's configs as Kafka describes them (`ClientMetricsConfigs.fromProps` over
/// its defaults): the keys it does not know as stored, then every key with its value
/// (CLIENT_METRICS_CONFIG, the value its own synonym) or Kafka's default (DEFAULT_CONFIG,
/// no synonyms). None where a stored value does not parse.
fn describe_client_metrics(stored: &BTreeMap<String, String>) -> Option<Vec<DescribedConfig>> {
    let unknown = stored
        .iter()
        .filter(|(k, _)| CLIENT_METRICS_KEYS.iter().all(|key| key.0 != k.as_str()));
    let mut described: Vec<DescribedConfig> = unknown
        .map(|(name, value)| DescribedConfig {
            name: name.clone(),
            value: Some(value.clone()),
            source: CLIENT_METRICS_CONFIG,
            sensitive: false,
            type_id: 0,
            documentation: None,
            synonyms: vec![(name.clone(), Some(value.clone()), CLIENT_METRICS_CONFIG)],
        })
        .collect();
    for (name, type_id, default, documentation) in CLIENT_METRICS_KEYS {
        let (value, source, synonyms) = match stored.get(*name) {
            Some(text) => {
                let value = if *type_id == 3 {
                    parse_int(java_trim(text))?.to_string()
                } else {
                    list_value(text)
                };
                let synonym = (
                    (*name).to_owned(),
                    Some(value.clone()),
                    CLIENT_METRICS_CONFIG,
                );
                (value, CLIENT_METRICS_CONFIG, vec![synonym])
            }
            None => (
                (*default).to_owned(),
                config_source::DEFAULT_CONFIG,
                Vec::new(),
            ),
        };
        described.push(DescribedConfig {
            name: (*name).to_owned(),
            value: Some(value),
            source,
            sensitive: false,
            type_id: *type_id,
            documentation: Some(documentation),
            synonyms,
        });
    }
    Some(described)
}

/// A LIST value as Kafka prints it back: its items trimmed, joined by commas.
fn list_value(text: &str) -> String {
    let trimmed = java_trim(text);
    if trimmed.is_empty() {
        return String::new();
    }
    let items: Vec<&str> = trimmed.split(',').map(java_trim).collect();
    items.join(",")
}

/// A described config on the wire: synonyms and documentation only when asked, the type
/// from version 3.
fn described_entry(
    config: DescribedConfig,
    options: DescribeOptions,
    version: i16,
) -> DescribeConfigsResourceResult {
    let synonyms = super::describe_broker::wire_synonyms(config.synonyms, options);
    let documentation = config
        .documentation
        .filter(|_| options.include_documentation);
    DescribeConfigsResourceResult::default()
        .with_name(text(config.name))
        .with_value(config.value.map(text))
        .with_config_source(config.source)
        .with_is_sensitive(config.sensitive)
        .with_read_only(false)
        .with_config_type(if version >= 3 { config.type_id } else { 0 })
        .with_documentation(documentation.map(text))
        .with_synonyms(synonyms)
}

/// Kafka's `DescribeConfigsResponse.ConfigType` id of a config type.
fn type_id(config_type: ConfigType) -> i8 {
    match config_type {
        ConfigType::Boolean => 1,
        ConfigType::String => 2,
        ConfigType::Int => 3,
        ConfigType::Long => 5,
        ConfigType::Double => 6,
        ConfigType::List => 7,
    }
}

fn entry(
    name: &str,
    value: Option<&str>,
    source: i8,
    with_type: bool,
    config_type: ConfigType,
) -> DescribeConfigsResourceResult {
    DescribeConfigsResourceResult::default()
        .with_name(text(name))
        .with_value(value.map(text))
        .with_config_source(source)
        .with_config_type(if with_type { type_id(config_type) } else { 0 })
        .with_documentation(None)
}
