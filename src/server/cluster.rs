//! DescribeCluster as a controller answers it for `--bootstrap-controller` clients
//! (`EndpointType` 2): the cluster id, the active controller, and the controllers with their
//! controller-listener endpoints.
//!
//! Owns only the answer's shape. Which controllers exist comes from the voter set for now; the
//! controller state machine will supply them from RegisterControllerRecords.

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse};
use kafka_protocol::protocol::StrBytes;

use super::raft_driver::RaftHandle;

/// `EndpointType` 2: controller endpoints.
pub const ENDPOINT_TYPE_CONTROLLER: i8 = 2;
/// Kafka's MISMATCHED_ENDPOINT_TYPE: a controller asked for broker endpoints.
pub const MISMATCHED_ENDPOINT_TYPE: i16 = 114;
/// Kafka's UNSUPPORTED_ENDPOINT_TYPE: DescribeCluster v0 cannot ask for controllers.
pub const UNSUPPORTED_ENDPOINT_TYPE: i16 = 115;

/// One controller as DescribeCluster lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerEndpoint {
    /// `node.id`.
    pub id: i32,
    /// Advertised host.
    pub host: String,
    /// Advertised port.
    pub port: u16,
}

/// What a controller knows of its cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// `cluster.id` from meta.properties.
    pub cluster_id: String,
    /// The controllers, by id.
    pub controllers: Vec<ControllerEndpoint>,
}

/// Answers DescribeCluster at `version`.
pub fn describe_cluster(
    cluster: &ClusterInfo,
    raft: Option<&RaftHandle>,
    version: i16,
    request: &DescribeClusterRequest,
) -> DescribeClusterResponse {
    let response = DescribeClusterResponse::default()
        .with_endpoint_type(request.endpoint_type)
        .with_cluster_id(StrBytes::from_string(cluster.cluster_id.clone()));
    if request.endpoint_type != ENDPOINT_TYPE_CONTROLLER {
        let code = if version == 0 {
            UNSUPPORTED_ENDPOINT_TYPE
        } else {
            MISMATCHED_ENDPOINT_TYPE
        };
        return response
            .with_error_code(code)
            .with_error_message(Some(StrBytes::from_static_str(
                "the controller quorum lists controllers only (EndpointType 2)",
            )));
    }
    let leader = raft.and_then(|r| r.status().leader_id).unwrap_or(-1);
    let brokers = cluster
        .controllers
        .iter()
        .map(|c| {
            DescribeClusterBroker::default()
                .with_broker_id(BrokerId(c.id))
                .with_host(StrBytes::from_string(c.host.clone()))
                .with_port(i32::from(c.port))
        })
        .collect();
    response
        .with_controller_id(BrokerId(leader))
        .with_brokers(brokers)
}
