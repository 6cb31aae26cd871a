//! DescribeCluster as a controller answers it for `--bootstrap-controller` clients
//! (`EndpointType` 2, Kafka's `ControllerApis.handleDescribeCluster`): the cluster id, the
//! active controller, and the registered controllers with their endpoint on the listener the
//! request came in on.
//!
//! Owns only the answer's shape. Which controllers exist comes from the RegisterControllerRecords
//! in the committed image ([`RegistrationView`]); a controller without an endpoint on that
//! listener is left out, and `ControllerId` is the raft leader only once the leader is listed
//! (-1 before, so clients wait for its registration rather than for an address they lack).
//! Before the finalized `metadata.version` is 3.7-IV0 or newer the answer is
//! UNSUPPORTED_VERSION, as Kafka's is.

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse};
use kafka_protocol::protocol::StrBytes;

use super::api::{INVALID_REQUEST, UNSUPPORTED_VERSION};
use super::controller_registration::RegistrationView;

/// `EndpointType` 1: broker endpoints (the default, and all a v0 request can ask for).
pub const ENDPOINT_TYPE_BROKER: i8 = 1;
/// `EndpointType` 2: controller endpoints.
pub const ENDPOINT_TYPE_CONTROLLER: i8 = 2;
/// Kafka's MISMATCHED_ENDPOINT_TYPE: a controller asked for broker endpoints.
pub const MISMATCHED_ENDPOINT_TYPE: i16 = 114;
/// Kafka's UNSUPPORTED_ENDPOINT_TYPE: an endpoint type Kafka does not know.
pub const UNSUPPORTED_ENDPOINT_TYPE: i16 = 115;

/// What a controller knows of its cluster beyond the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// `cluster.id` from meta.properties.
    pub cluster_id: String,
    /// This node's id.
    pub node_id: i32,
}

/// What one DescribeCluster is answered from.
#[derive(Debug, Clone, Copy)]
pub struct DescribeClusterInput<'a> {
    /// The cluster's identity.
    pub cluster: &'a ClusterInfo,
    /// The committed image's controller registrations and metadata.version.
    pub view: &'a RegistrationView,
    /// The raft leader, if known.
    pub leader_id: Option<i32>,
    /// The listener the request came in on.
    pub listener: &'a str,
}

/// Answers DescribeCluster at `version`.
pub fn describe_cluster(
    input: DescribeClusterInput<'_>,
    version: i16,
    request: &DescribeClusterRequest,
) -> DescribeClusterResponse {
    let failed = |code: i16, message: String| {
        DescribeClusterResponse::default()
            .with_error_code(code)
            .with_error_message(Some(StrBytes::from_string(message)))
    };
    if !input.view.registration_supported() {
        return failed(
            UNSUPPORTED_VERSION,
            "Direct-to-controller communication is not supported with the current \
             MetadataVersion."
                .into(),
        );
    }
    match request.endpoint_type {
        ENDPOINT_TYPE_CONTROLLER => {}
        ENDPOINT_TYPE_BROKER => {
            return failed(
                if version == 0 {
                    INVALID_REQUEST
                } else {
                    MISMATCHED_ENDPOINT_TYPE
                },
                "The request was sent to an endpoint of type CONTROLLER, but we wanted an \
                 endpoint of type BROKER"
                    .into(),
            )
        }
        other => {
            return failed(
                if version == 0 {
                    INVALID_REQUEST
                } else {
                    UNSUPPORTED_ENDPOINT_TYPE
                },
                format!("Unsupported endpoint type {other}"),
            )
        }
    }
    let brokers: Vec<DescribeClusterBroker> = input
        .view
        .controllers
        .values()
        .filter_map(|registration| {
            let endpoint = registration
                .listeners
                .iter()
                .find(|l| l.name == input.listener)?;
            Some(
                DescribeClusterBroker::default()
                    .with_broker_id(BrokerId(registration.id))
                    .with_host(StrBytes::from_string(endpoint.host.clone()))
                    .with_port(i32::from(endpoint.port)),
            )
        })
        .collect();
    let controller_id = input
        .leader_id
        .filter(|leader| brokers.iter().any(|b| b.broker_id.0 == *leader))
        .unwrap_or(-1);
    DescribeClusterResponse::default()
        .with_endpoint_type(ENDPOINT_TYPE_CONTROLLER)
        .with_cluster_id(StrBytes::from_string(input.cluster.cluster_id.clone()))
        .with_controller_id(BrokerId(controller_id))
        .with_brokers(brokers)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use yakt_wire::{ControllerEndpoint, Uuid};

    use super::*;
    use crate::controller::image::cluster::ControllerRegistration;

    fn registered(id: i32, listeners: &[(&str, u16)]) -> (i32, ControllerRegistration) {
        let listeners = listeners
            .iter()
            .map(|(name, port)| ControllerEndpoint {
                name: (*name).into(),
                host: format!("c{id}"),
                port: *port,
                ..Default::default()
            })
            .collect();
        let registration = ControllerRegistration {
            id,
            incarnation_id: Uuid::new(1, id as u64),
            zk_migration_ready: false,
            listeners,
            supported_features: BTreeMap::new(),
        };
        (id, registration)
    }

    fn view(mv: Option<i16>, controllers: Vec<(i32, ControllerRegistration)>) -> RegistrationView {
        RegistrationView {
            metadata_version: mv,
            caught_up: true,
            controllers: Arc::new(controllers.into_iter().collect()),
        }
    }

    fn ask(
        view: &RegistrationView,
        leader: Option<i32>,
        listener: &str,
        endpoint_type: i8,
        version: i16,
    ) -> DescribeClusterResponse {
        let cluster = ClusterInfo {
            cluster_id: "c-id".into(),
            node_id: 1,
        };
        let input = DescribeClusterInput {
            cluster: &cluster,
            view,
            leader_id: leader,
            listener,
        };
        let request = DescribeClusterRequest::default().with_endpoint_type(endpoint_type);
        describe_cluster(input, version, &request)
    }

    #[test]
    fn lists_registered_controllers_with_an_endpoint_on_the_request_listener() {
        let view = view(
            Some(25),
            vec![
                registered(1, &[("CONTROLLER", 9093), ("OTHER", 9193)]),
                registered(2, &[("CONTROLLER", 9094)]),
                registered(3, &[("OTHER", 9195)]),
            ],
        );
        let response = ask(&view, Some(2), "CONTROLLER", 2, 1);
        assert_eq!(response.error_code, 0);
        assert_eq!(response.endpoint_type, 2);
        assert_eq!(response.cluster_id.as_str(), "c-id");
        assert_eq!(response.controller_id.0, 2);
        let listed: Vec<_> = response
            .brokers
            .iter()
            .map(|b| (b.broker_id.0, b.host.to_string(), b.port))
            .collect();
        assert_eq!(listed, vec![(1, "c1".into(), 9093), (2, "c2".into(), 9094)]);
        let other = ask(&view, Some(2), "OTHER", 2, 2);
        let ids: Vec<_> = other.brokers.iter().map(|b| b.broker_id.0).collect();
        assert_eq!(ids, vec![1, 3]);
        // The leader has no endpoint on OTHER: no controller id a client could reach.
        assert_eq!(other.controller_id.0, -1);
    }

    #[test]
    fn an_unregistered_leader_is_not_named() {
        let view = view(Some(25), vec![registered(1, &[("CONTROLLER", 9093)])]);
        assert_eq!(ask(&view, Some(3), "CONTROLLER", 2, 1).controller_id.0, -1);
        assert_eq!(ask(&view, None, "CONTROLLER", 2, 1).controller_id.0, -1);
        let empty = RegistrationView {
            metadata_version: Some(25),
            ..RegistrationView::default()
        };
        let response = ask(&empty, Some(1), "CONTROLLER", 2, 1);
        assert_eq!((response.error_code, response.brokers.len()), (0, 0));
        assert_eq!(response.controller_id.0, -1);
    }

    #[test]
    fn metadata_versions_before_3_7_iv0_are_unsupported() {
        for mv in [None, Some(7), Some(14)] {
            let view = view(mv, vec![registered(1, &[("CONTROLLER", 9093)])]);
            let response = ask(&view, Some(1), "CONTROLLER", 2, 1);
            assert_eq!(response.error_code, UNSUPPORTED_VERSION, "{mv:?}");
            assert!(response.brokers.is_empty());
        }
        let view = view(Some(15), vec![registered(1, &[("CONTROLLER", 9093)])]);
        assert_eq!(ask(&view, Some(1), "CONTROLLER", 2, 1).error_code, 0);
    }

    #[test]
    fn endpoint_types_other_than_controller_are_refused_as_kafka_does() {
        let view = view(Some(25), vec![registered(1, &[("CONTROLLER", 9093)])]);
        assert_eq!(
            ask(&view, Some(1), "CONTROLLER", 1, 0).error_code,
            INVALID_REQUEST
        );
        assert_eq!(
            ask(&view, Some(1), "CONTROLLER", 1, 1).error_code,
            MISMATCHED_ENDPOINT_TYPE
        );
        assert_eq!(
            ask(&view, Some(1), "CONTROLLER", 7, 2).error_code,
            UNSUPPORTED_ENDPOINT_TYPE
        );
    }
}
