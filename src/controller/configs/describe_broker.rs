//! DescribeConfigs of a BROKER resource as a Kafka controller answers it (`ConfigHelper
//! .describeConfigs` over the controller's own `KafkaConfig` and `DynamicBrokerConfig`):
//!
//! - the empty name: the cluster-wide dynamic defaults this node applies
//!   (DYNAMIC_DEFAULT_BROKER_CONFIG);
//! - this node's id: every config of the node: each key Kafka defines with its effective
//!   value, plus every other key of the properties file or of the dynamic configs; each
//!   with its source and synonyms (dynamic per-broker, dynamic default, the file, Kafka's
//!   default, in that order, from the entry's own name on), sensitivity (PASSWORD keys and
//!   keys of unknown type have no value), read-only flag (not dynamic), type and
//!   documentation;
//! - any other id: INVALID_REQUEST, as Kafka's controller only describes itself.

use std::collections::BTreeMap;

use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsSynonym,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;

use crate::controller::configs::broker_keys::{
    applied_dynamic_configs, broker_config_key, broker_config_keys, broker_config_synonyms,
    broker_config_type, normalize_value, BrokerConfigType,
};
use crate::controller::result::ApiError;
use crate::controller::topics::create::config_source;

/// `ConfigSource.STATIC_BROKER_CONFIG`: set in the node's properties file.
const STATIC_BROKER_CONFIG: i8 = 4;

/// What a node's broker configs are made of.
#[derive(Debug, Clone, Copy)]
pub struct BrokerConfigSources<'a> {
    /// This node's id.
    pub node_id: i32,
    /// The properties file's keys and values, as written.
    pub static_configs: &'a [(String, String)],
    /// The dynamic configs set on this node's id.
    pub dynamic_broker: Option<&'a BTreeMap<String, String>>,
    /// The cluster-wide dynamic defaults.
    pub dynamic_default: Option<&'a BTreeMap<String, String>>,
}

/// What a DescribeConfigs asks to be included.
#[derive(Debug, Clone, Copy)]
pub struct DescribeOptions {
    /// Synonyms of each config.
    pub include_synonyms: bool,
    /// Kafka's documentation of each config.
    pub include_documentation: bool,
}

/// The maps a config's synonyms are looked up in, strongest first.
struct Layers {
    dynamic_broker: BTreeMap<String, String>,
    dynamic_default: BTreeMap<String, String>,
    static_configs: BTreeMap<String, String>,
    /// Kafka's defaults (`KafkaConfig.defaultValues`), where not null.
    static_defaults: BTreeMap<String, String>,
}

impl Layers {
    fn new(sources: BrokerConfigSources<'_>) -> Layers {
        let empty = BTreeMap::new();
        let mut static_configs: BTreeMap<String, String> =
            sources.static_configs.iter().cloned().collect();
        // `AbstractKafkaConfig.populateSynonyms`: node.id and broker.id name each other.
        match (
            static_configs.get("node.id").cloned(),
            static_configs.get("broker.id").cloned(),
        ) {
            (Some(node_id), None) => {
                static_configs.insert("broker.id".to_owned(), node_id);
            }
            (None, Some(broker_id)) => {
                static_configs.insert("node.id".to_owned(), broker_id);
            }
            _ => {}
        }
        Layers {
            dynamic_broker: applied_dynamic_configs(sources.dynamic_broker.unwrap_or(&empty), true),
            dynamic_default: applied_dynamic_configs(
                sources.dynamic_default.unwrap_or(&empty),
                false,
            ),
            static_configs,
            static_defaults: broker_config_keys()
                .values()
                .filter(|k| !k.dynamic_only)
                .filter_map(|k| Some((k.name.to_owned(), k.default.clone()?)))
                .collect(),
        }
    }

    /// The node's current properties: the file, then the dynamic defaults, then its own
    /// dynamic configs, each override removing the keys it is a synonym of.
    fn current(&self) -> BTreeMap<String, String> {
        let mut current = self.static_configs.clone();
        for layer in [&self.dynamic_default, &self.dynamic_broker] {
            for (name, value) in layer {
                for synonym in broker_config_synonyms(name, false) {
                    current.remove(&synonym);
                }
                current.insert(name.clone(), value.clone());
            }
        }
        current
    }

    /// `ConfigHelper.configSynonyms`: every synonym found in each layer, from `name` on.
    fn synonyms(&self, name: &str, sensitive: bool) -> Vec<(String, Option<String>, i8)> {
        let names = broker_config_synonyms(name, true);
        let mut found = Vec::new();
        let layers = [
            (&self.dynamic_broker, config_source::DYNAMIC_BROKER_CONFIG),
            (
                &self.dynamic_default,
                config_source::DYNAMIC_DEFAULT_BROKER_CONFIG,
            ),
            (&self.static_configs, STATIC_BROKER_CONFIG),
            (&self.static_defaults, config_source::DEFAULT_CONFIG),
        ];
        for (layer, source) in layers {
            for synonym in &names {
                if let Some(value) = layer.get(synonym) {
                    found.push((synonym.clone(), (!sensitive).then(|| value.clone()), source));
                }
            }
        }
        let from = found.iter().position(|(n, _, _)| n == name);
        found.split_off(from.unwrap_or(found.len()))
    }
}

/// Describes broker resource `name` on node `sources.node_id`.
pub fn describe_broker(
    sources: BrokerConfigSources<'_>,
    name: &str,
    options: DescribeOptions,
) -> Result<Vec<DescribeConfigsResourceResult>, ApiError> {
    let layers = Layers::new(sources);
    if name.is_empty() {
        return Ok(layers
            .dynamic_default
            .iter()
            .map(|(key, value)| entry(&layers, key, Some(value.clone()), false, options))
            .collect());
    }
    let id: i32 = name.parse().map_err(|_| {
        ApiError::new(
            ResponseError::InvalidRequest,
            format!("Broker id must be an integer, but it is: {name}"),
        )
    })?;
    if id != sources.node_id {
        return Err(ApiError::new(
            ResponseError::InvalidRequest,
            format!(
                "Unexpected broker id, expected {} or empty string, but received {name}",
                sources.node_id
            ),
        ));
    }
    let current = layers.current();
    let mut values: BTreeMap<&str, Option<String>> = current
        .iter()
        .map(|(key, value)| (key.as_str(), Some(value.clone())))
        .collect();
    for key in broker_config_keys().values().filter(|k| k.listed()) {
        let value = match current.get(key.name) {
            Some(raw) => normalize_value(key.config_type, raw).or_else(|| Some(raw.clone())),
            None => key.default.clone(),
        };
        values.insert(key.name, value);
    }
    Ok(values
        .into_iter()
        .map(|(key, value)| entry(&layers, key, value, true, options))
        .collect())
}

/// `ConfigHelper.createBrokerConfigEntry`.
fn entry(
    layers: &Layers,
    name: &str,
    value: Option<String>,
    per_broker: bool,
    options: DescribeOptions,
) -> DescribeConfigsResourceResult {
    let config_type = broker_config_type(name);
    let sensitive = config_type.is_none_or(|t| t == BrokerConfigType::Password);
    let synonyms: Vec<_> = layers
        .synonyms(name, sensitive)
        .into_iter()
        .filter(|(_, _, source)| {
            per_broker || *source == config_source::DYNAMIC_DEFAULT_BROKER_CONFIG
        })
        .collect();
    let source = synonyms
        .first()
        .map_or(config_source::DEFAULT_CONFIG, |(_, _, source)| *source);
    let read_only = !broker_config_key(name).is_some_and(|k| k.dynamic);
    let documentation = options
        .include_documentation
        .then(|| broker_config_key(name).filter(|k| !k.dynamic_only))
        .flatten()
        .and_then(|k| k.documentation.clone());
    let text = |s: String| StrBytes::from_string(s);
    DescribeConfigsResourceResult::default()
        .with_name(text(name.to_owned()))
        .with_value(if sensitive { None } else { value.map(text) })
        .with_config_source(source)
        .with_is_sensitive(sensitive)
        .with_read_only(read_only)
        .with_config_type(config_type.map_or(0, BrokerConfigType::id))
        .with_documentation(documentation.map(text))
        .with_synonyms(wire_synonyms(synonyms, options))
}

/// A config's synonyms (name, value, source) on the wire, when the request asked for them.
pub fn wire_synonyms(
    synonyms: Vec<(String, Option<String>, i8)>,
    options: DescribeOptions,
) -> Vec<DescribeConfigsSynonym> {
    if !options.include_synonyms {
        return Vec::new();
    }
    let text = |s: String| StrBytes::from_string(s);
    synonyms
        .into_iter()
        .map(|(name, value, source)| {
            DescribeConfigsSynonym::default()
                .with_name(text(name))
                .with_value(value.map(text))
                .with_source(source)
        })
        .collect()
}
