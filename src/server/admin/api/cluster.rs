//! `/v1/brokers`, `/v1/controllers`, `/v1/features`: the registrations and the finalized
//! feature levels of the committed image.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::{ApiError, ApiResult};
use crate::config::SecurityProtocol;
use crate::controller::image::{BrokerRegistration, ControllerRegistration};
use crate::features::{MetadataVersion, METADATA_VERSION};
use crate::server::admin::AdminState;

/// A listener of a registration.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Listener {
    name: String,
    host: String,
    port: u16,
    /// Kafka's protocol name (`PLAINTEXT`), or the record's id if it names none.
    security_protocol: serde_json::Value,
}

impl Listener {
    fn new(name: &str, host: &str, port: u16, security_protocol: i16) -> Listener {
        // Kafka's SecurityProtocol ids are 0..=3 in the order of `SecurityProtocol::ALL`.
        let protocol = usize::try_from(security_protocol)
            .ok()
            .and_then(|id| SecurityProtocol::ALL.get(id))
            .map_or(security_protocol.into(), |p| p.name().into());
        Listener {
            name: name.to_owned(),
            host: host.to_owned(),
            port,
            security_protocol: protocol,
        }
    }
}

/// A supported feature range.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Range {
    min_version: i16,
    max_version: i16,
}

fn ranges(features: &BTreeMap<String, (i16, i16)>) -> BTreeMap<String, Range> {
    features
        .iter()
        .map(|(name, (min_version, max_version))| {
            let range = Range {
                min_version: *min_version,
                max_version: *max_version,
            };
            (name.clone(), range)
        })
        .collect()
}

/// A registered broker.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Broker {
    id: i32,
    incarnation_id: String,
    epoch: i64,
    fenced: bool,
    in_controlled_shutdown: bool,
    rack: Option<String>,
    listeners: Vec<Listener>,
    supported_features: BTreeMap<String, Range>,
    log_dirs: Vec<String>,
}

impl From<&BrokerRegistration> for Broker {
    fn from(broker: &BrokerRegistration) -> Broker {
        Broker {
            id: broker.id,
            incarnation_id: broker.incarnation_id.to_string(),
            epoch: broker.epoch,
            fenced: broker.fenced,
            in_controlled_shutdown: broker.in_controlled_shutdown,
            rack: broker.rack.clone().filter(|rack| !rack.is_empty()),
            listeners: broker
                .listeners
                .iter()
                .map(|l| Listener::new(&l.name, &l.host, l.port, l.security_protocol))
                .collect(),
            supported_features: ranges(&broker.supported_features),
            log_dirs: broker.directories.iter().map(|d| d.to_string()).collect(),
        }
    }
}

/// A registered controller (KIP-919).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Controller {
    id: i32,
    incarnation_id: String,
    listeners: Vec<Listener>,
    supported_features: BTreeMap<String, Range>,
}

impl From<&ControllerRegistration> for Controller {
    fn from(controller: &ControllerRegistration) -> Controller {
        Controller {
            id: controller.id,
            incarnation_id: controller.incarnation_id.to_string(),
            listeners: controller
                .listeners
                .iter()
                .map(|l| Listener::new(&l.name, &l.host, l.port, l.security_protocol))
                .collect(),
            supported_features: ranges(&controller.supported_features),
        }
    }
}

pub(crate) async fn brokers(State(state): State<Arc<AdminState>>) -> ApiResult<Vec<Broker>> {
    let brokers = state
        .controller
        .query(|image, _| image.cluster.brokers().values().map(Broker::from).collect())
        .await
        .map_err(ApiError::unavailable)?;
    Ok(Json(brokers))
}

pub(crate) async fn controllers(
    State(state): State<Arc<AdminState>>,
) -> ApiResult<Vec<Controller>> {
    let controllers = state
        .controller
        .query(|image, _| {
            let registrations = image.cluster.controllers().values();
            registrations.map(Controller::from).collect()
        })
        .await
        .map_err(ApiError::unavailable)?;
    Ok(Json(controllers))
}

/// A finalized feature: its level, and Kafka's name for a `metadata.version` level.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Finalized {
    level: i16,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'static str>,
}

/// The answer of `/v1/features`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Features {
    /// The offset the finalized levels stand at (ApiVersions' `FinalizedFeaturesEpoch`).
    finalized_features_epoch: i64,
    finalized: BTreeMap<String, Finalized>,
    /// What this controller supports.
    supported: BTreeMap<String, Range>,
}

pub(crate) async fn features(State(state): State<Arc<AdminState>>) -> ApiResult<Features> {
    let report = state.controller.features();
    let finalized = report
        .finalized
        .iter()
        .map(|(feature, level)| {
            let name = (feature == METADATA_VERSION)
                .then(|| MetadataVersion::from_level(*level).ok().map(|v| v.name))
                .flatten();
            (
                feature.clone(),
                Finalized {
                    level: *level,
                    name,
                },
            )
        })
        .collect();
    Ok(Json(Features {
        finalized_features_epoch: report.epoch,
        finalized,
        supported: ranges(&report.supported),
    }))
}
