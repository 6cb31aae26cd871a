//! Dynamic configs (`ConfigRecord`) by resource: topic, broker (an empty name is the
//! cluster-wide default), broker logger, client metrics and group. A null value deletes
//! the key; a resource with no keys left is gone. A topic's configs go with the topic.

use std::collections::BTreeMap;

use yakt_wire::{ConfigRecord, MetadataRecord};

use crate::controller::error::Inconsistency;

/// Kafka's `ConfigResource.Type` ids.
pub mod resource_type {
    /// A topic.
    pub const TOPIC: i8 = 2;
    /// A broker, or the cluster default with an empty name.
    pub const BROKER: i8 = 4;
    /// A broker's loggers.
    pub const BROKER_LOGGER: i8 = 8;
    /// A client metrics subscription.
    pub const CLIENT_METRICS: i8 = 16;
    /// A consumer or share group.
    pub const GROUP: i8 = 32;

    /// Whether `id` is a resource type Kafka keeps configs for.
    pub fn is_known(id: i8) -> bool {
        matches!(id, TOPIC | BROKER | BROKER_LOGGER | CLIENT_METRICS | GROUP)
    }
}

/// A config resource: type and name.
pub type ConfigResource = (i8, String);

/// Every dynamic config, by resource then key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigsImage {
    resources: BTreeMap<ConfigResource, BTreeMap<String, String>>,
}

impl ConfigsImage {
    /// The configs of a resource (empty if it has none).
    pub fn resource(&self, resource_type: i8, name: &str) -> Option<&BTreeMap<String, String>> {
        self.resources.get(&(resource_type, name.to_owned()))
    }

    /// One config value.
    pub fn get(&self, resource_type: i8, name: &str, key: &str) -> Option<&str> {
        self.resource(resource_type, name)?
            .get(key)
            .map(String::as_str)
    }

    /// Every resource with configs.
    pub fn resources(&self) -> &BTreeMap<ConfigResource, BTreeMap<String, String>> {
        &self.resources
    }

    pub(crate) fn replay(&mut self, record: &ConfigRecord) -> Result<(), Inconsistency> {
        if !resource_type::is_known(record.resource_type) {
            let resource_type = record.resource_type;
            return Err(Inconsistency::UnknownConfigResourceType { resource_type });
        }
        let resource = (record.resource_type, record.resource_name.clone());
        match &record.value {
            Some(value) => {
                let configs = self.resources.entry(resource).or_default();
                configs.insert(record.name.clone(), value.clone());
            }
            None => {
                if let Some(configs) = self.resources.get_mut(&resource) {
                    configs.remove(&record.name);
                    if configs.is_empty() {
                        self.resources.remove(&resource);
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn remove_topic(&mut self, name: &str) {
        self.resources
            .remove(&(resource_type::TOPIC, name.to_owned()));
    }

    /// The records of a snapshot, by resource then key.
    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        for ((resource_type, resource_name), configs) in &self.resources {
            for (name, value) in configs {
                let record = ConfigRecord {
                    resource_type: *resource_type,
                    resource_name: resource_name.clone(),
                    name: name.clone(),
                    value: Some(value.clone()),
                    ..Default::default()
                };
                out.push((record.into(), 0));
            }
        }
    }
}
