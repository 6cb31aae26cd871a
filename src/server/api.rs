//! The table of Kafka APIs yakt serves, and the handlers they dispatch to.
//!
//! [`APIS`] is the single source of truth for what this node answers: the connection dispatches
//! by looking a request's API key up here, and ApiVersions advertises exactly these rows. An API
//! is added by adding a row and its [`Handler`]; nothing else lists APIs.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, EnvelopeResponse, RequestHeader, RequestKind,
    ResponseHeader,
};
use kafka_protocol::protocol::{Encodable, HeaderVersion, StrBytes};

use super::raft_driver::{from_request_kind, RaftHandle};
use crate::controller::context::{KafkaPrincipal, RequestContext};
use crate::raft::RaftResponse;

/// Kafka's error code for a version outside the served range.
pub const UNSUPPORTED_VERSION: i16 = 35;
/// Kafka's error code for a request that is well-formed but not valid.
pub const INVALID_REQUEST: i16 = 42;
/// Kafka's error code for an Envelope whose principal cannot be read.
pub const PRINCIPAL_DESERIALIZATION_FAILURE: i16 = 97;

/// Which code answers an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// ApiVersions: answered from this table.
    ApiVersions,
    /// A KRaft RPC: answered by the raft engine.
    Raft,
    /// DescribeCluster for `--bootstrap-controller` clients.
    DescribeCluster,
    /// A controller RPC: answered by the metadata state machine (NOT_CONTROLLER on a standby).
    Controller,
    /// Envelope: a request a broker forwards, with its own header inside.
    Envelope,
    /// SaslHandshake and SaslAuthenticate: read by the connection before authentication
    /// (`server::sasl`); afterwards, or on a listener without SASL, ILLEGAL_SASL_STATE.
    Sasl,
}

/// One API yakt serves: its key, the versions it accepts, and who answers it.
#[derive(Debug, Clone, Copy)]
pub struct ApiSpec {
    /// The API key.
    pub key: ApiKey,
    /// The lowest version served.
    pub min_version: i16,
    /// The highest version served.
    pub max_version: i16,
    /// The code that answers it.
    pub handler: Handler,
}

impl ApiSpec {
    /// Whether `version` is within the served range.
    pub fn supports(&self, version: i16) -> bool {
        (self.min_version..=self.max_version).contains(&version)
    }
}

const fn api(key: ApiKey, min_version: i16, max_version: i16, handler: Handler) -> ApiSpec {
    ApiSpec {
        key,
        min_version,
        max_version,
        handler,
    }
}

/// Every API this node serves, by key.
///
/// Raft's Fetch starts at v13, the first with topic ids (Kafka's `RaftUtil` refuses older ones).
pub const APIS: &[ApiSpec] = &[
    api(ApiKey::Fetch, 13, 18, Handler::Raft),
    api(ApiKey::ApiVersions, 0, 4, Handler::ApiVersions),
    api(ApiKey::Vote, 0, 2, Handler::Raft),
    api(ApiKey::BeginQuorumEpoch, 0, 1, Handler::Raft),
    api(ApiKey::EndQuorumEpoch, 0, 1, Handler::Raft),
    api(ApiKey::DescribeQuorum, 0, 2, Handler::Raft),
    api(ApiKey::FetchSnapshot, 0, 1, Handler::Raft),
    // v1 adds AckWhenCommitted (Kafka 4.3 serves v0-1).
    api(ApiKey::AddRaftVoter, 0, 1, Handler::Raft),
    api(ApiKey::RemoveRaftVoter, 0, 0, Handler::Raft),
    api(ApiKey::UpdateRaftVoter, 0, 0, Handler::Raft),
    api(ApiKey::DescribeCluster, 0, 2, Handler::DescribeCluster),
    api(ApiKey::Envelope, 0, 0, Handler::Envelope),
    api(ApiKey::SaslHandshake, 0, 1, Handler::Sasl),
    api(ApiKey::SaslAuthenticate, 0, 2, Handler::Sasl),
    api(ApiKey::CreateTopics, 2, 7, Handler::Controller),
    api(ApiKey::DeleteTopics, 1, 6, Handler::Controller),
    api(ApiKey::DescribeConfigs, 1, 4, Handler::Controller),
    api(ApiKey::AlterConfigs, 0, 2, Handler::Controller),
    api(ApiKey::CreatePartitions, 0, 3, Handler::Controller),
    api(ApiKey::IncrementalAlterConfigs, 0, 1, Handler::Controller),
    api(ApiKey::ElectLeaders, 0, 2, Handler::Controller),
    api(
        ApiKey::AlterPartitionReassignments,
        0,
        1,
        Handler::Controller,
    ),
    api(
        ApiKey::ListPartitionReassignments,
        0,
        0,
        Handler::Controller,
    ),
    api(ApiKey::AlterPartition, 2, 3, Handler::Controller),
    api(ApiKey::UpdateFeatures, 0, 2, Handler::Controller),
    api(ApiKey::BrokerRegistration, 0, 4, Handler::Controller),
    api(ApiKey::BrokerHeartbeat, 0, 2, Handler::Controller),
    api(ApiKey::UnregisterBroker, 0, 0, Handler::Controller),
    api(ApiKey::AllocateProducerIds, 0, 0, Handler::Controller),
    api(ApiKey::ControllerRegistration, 0, 0, Handler::Controller),
    api(ApiKey::AssignReplicasToDirs, 0, 0, Handler::Controller),
    api(ApiKey::DescribeAcls, 1, 3, Handler::Controller),
    api(ApiKey::CreateAcls, 1, 3, Handler::Controller),
    api(ApiKey::DeleteAcls, 1, 3, Handler::Controller),
    api(ApiKey::AlterClientQuotas, 0, 1, Handler::Controller),
    api(ApiKey::AlterUserScramCredentials, 0, 0, Handler::Controller),
    api(ApiKey::CreateDelegationToken, 1, 3, Handler::Controller),
    api(ApiKey::RenewDelegationToken, 1, 2, Handler::Controller),
    api(ApiKey::ExpireDelegationToken, 1, 2, Handler::Controller),
];

/// The versions of an API this node speaks, for requests it sends (none if not in [`APIS`]).
pub fn raft_versions(key: ApiKey) -> std::ops::RangeInclusive<i16> {
    match APIS.iter().find(|api| api.key == key) {
        Some(api) => api.min_version..=api.max_version,
        None => std::ops::RangeInclusive::new(1, 0),
    }
}

/// What handlers reach beyond the request itself.
#[derive(Debug, Clone, Default)]
pub struct Services {
    /// The node's raft event loop; `None` on a bare listener (then raft APIs close the
    /// connection).
    pub raft: Option<RaftHandle>,
    /// The cluster id and controllers, for DescribeCluster; `None` on a bare listener.
    pub cluster: Option<super::cluster::ClusterInfo>,
    /// The metadata state machine; `None` on a bare listener (then controller APIs close the
    /// connection).
    pub controller: Option<super::controller_driver::ControllerHandle>,
    /// How each listener's connections authenticate, by listener name (PLAINTEXT if absent).
    pub security: std::collections::BTreeMap<String, super::connection::ConnectionSecurity>,
}

/// The row for `api_key`, if yakt serves it.
pub fn lookup(api_key: i16) -> Option<&'static ApiSpec> {
    APIS.iter().find(|api| api.key as i16 == api_key)
}

/// Encodes a complete response frame: size, response header (v0 or v1 as the API and version
/// say), body.
pub fn encode_response<R: Encodable + HeaderVersion>(
    correlation_id: i32,
    version: i16,
    body: &R,
) -> anyhow::Result<Bytes> {
    let header_version = R::header_version(version);
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    let size = header.compute_size(header_version)? + body.compute_size(version)?;
    let mut out = BytesMut::with_capacity(4 + size);
    out.extend_from_slice(&(size as i32).to_be_bytes());
    header.encode(&mut out, header_version)?;
    body.encode(&mut out, version)?;
    debug_assert_eq!(out.len(), 4 + size);
    Ok(out.freeze())
}

/// The ApiVersions body listing [`APIS`], with `error_code`.
pub fn api_versions_body(error_code: i16) -> ApiVersionsResponse {
    let api_keys = APIS
        .iter()
        .map(|api| {
            ApiVersion::default()
                .with_api_key(api.key as i16)
                .with_min_version(api.min_version)
                .with_max_version(api.max_version)
        })
        .collect();
    ApiVersionsResponse::default()
        .with_error_code(error_code)
        .with_api_keys(api_keys)
        .with_finalized_features_epoch(-1)
}

/// Answers an ApiVersions request that parsed at a served version.
///
/// As Kafka does, from v3 on the client software name and version must match
/// `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`, else the answer is INVALID_REQUEST.
pub fn handle_api_versions(
    header: &RequestHeader,
    request: &ApiVersionsRequest,
) -> ApiVersionsResponse {
    let valid = header.request_api_version < 3
        || (is_valid_software_field(&request.client_software_name)
            && is_valid_software_field(&request.client_software_version));
    api_versions_body(if valid { 0 } else { INVALID_REQUEST })
}

fn is_valid_software_field(value: &StrBytes) -> bool {
    let bytes = value.as_bytes();
    let edge_ok = |b: &u8| b.is_ascii_alphanumeric();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            edge_ok(first)
                && edge_ok(last)
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.')
        }
        _ => false,
    }
}

/// Runs the handler for a parsed request and encodes its response frame, counting it and its
/// time in the request metrics (`server::admin::metrics`).
pub async fn dispatch(
    services: &Services,
    context: &RequestContext,
    spec: &ApiSpec,
    header: RequestHeader,
    request: RequestKind,
) -> anyhow::Result<Bytes> {
    let started = std::time::Instant::now();
    let answer = answer(services, context, spec, header, request).await;
    super::admin::metrics::record_request(spec.key, started.elapsed(), answer.is_ok());
    answer
}

async fn answer(
    services: &Services,
    context: &RequestContext,
    spec: &ApiSpec,
    header: RequestHeader,
    request: RequestKind,
) -> anyhow::Result<Bytes> {
    let version = header.request_api_version;
    let correlation_id = header.correlation_id;
    if matches!(
        spec.handler,
        Handler::Raft | Handler::DescribeCluster | Handler::Envelope
    ) {
        if let Some(refusal) = super::authorization::refusal_outside(services, context, &request) {
            return encode_response_kind(correlation_id, spec.key, version, &refusal);
        }
    }
    match (spec.handler, request) {
        (Handler::ApiVersions, RequestKind::ApiVersions(request)) => {
            let mut body = handle_api_versions(&header, &request);
            if let Some(controller) = &services.controller {
                with_features(&mut body, &controller.features(), version);
            }
            encode_response(correlation_id, version, &body)
        }
        (Handler::Controller, request) => {
            let controller = services.controller.as_ref().ok_or_else(|| {
                anyhow::anyhow!(
                    "{:?} needs the controller and this listener has none",
                    spec.key
                )
            })?;
            use super::loggers::{after, before, Routed};
            let response = match before(services, context, request) {
                Routed::Controller(request, local) => after(
                    controller.call(context.clone(), request, version).await?,
                    local,
                ),
                Routed::Answered(answer) => answer,
            };
            encode_response_kind(correlation_id, spec.key, version, &response)
        }
        (Handler::Envelope, RequestKind::Envelope(envelope)) => {
            let body = handle_envelope(services, context, envelope).await;
            encode_response(correlation_id, version, &body)
        }
        (Handler::DescribeCluster, RequestKind::DescribeCluster(request)) => {
            let cluster = services
                .cluster
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("DescribeCluster needs the cluster's identity"))?;
            let view = services
                .controller
                .as_ref()
                .map(|c| c.registration_view().borrow().clone())
                .unwrap_or_default();
            let input = super::cluster::DescribeClusterInput {
                cluster,
                view: &view,
                leader_id: services.raft.as_ref().and_then(|r| r.status().leader_id),
                listener: &context.listener,
            };
            let body = super::cluster::describe_cluster(input, version, &request);
            encode_response(correlation_id, version, &body)
        }
        (Handler::Raft, request) => {
            let raft = services.raft.as_ref().ok_or_else(|| {
                anyhow::anyhow!(
                    "{:?} needs a raft engine and this listener has none",
                    spec.key
                )
            })?;
            let request = from_request_kind(request)
                .ok_or_else(|| anyhow::anyhow!("{:?} is not a raft request", spec.key))?;
            let response = raft
                .request(version, from_raft_version(request, version))
                .await?;
            encode_raft_response(correlation_id, version, to_raft_version(response, version))
        }
        (Handler::Sasl, request) => {
            let response = super::sasl::handshake::illegal_state_response(&request)
                .ok_or_else(|| anyhow::anyhow!("{:?} is not a SASL request", spec.key))?;
            encode_response_kind(correlation_id, spec.key, version, &response)
        }
        (handler, request) => anyhow::bail!(
            "request {:?} does not match its handler {handler:?}",
            std::mem::discriminant(&request)
        ),
    }
}

/// Answers an Envelope: parses the forwarded request with its own header, has the controller
/// (or raft, for DescribeQuorum, AddRaftVoter and RemoveRaftVoter) answer it, and returns the
/// inner response with its header.
async fn handle_envelope(
    services: &Services,
    context: &RequestContext,
    envelope: kafka_protocol::messages::EnvelopeRequest,
) -> EnvelopeResponse {
    let refuse = |code: i16| EnvelopeResponse::default().with_error_code(code);
    let Some(principal) = envelope
        .request_principal
        .as_deref()
        .and_then(KafkaPrincipal::from_envelope)
    else {
        return refuse(PRINCIPAL_DESERIALIZATION_FAILURE);
    };
    let Some(context) = context.forwarded(principal, &envelope.client_host_address) else {
        return refuse(INVALID_REQUEST);
    };
    let inner = match super::connection::parse_request(BytesMut::from(&envelope.request_data[..])) {
        Ok(super::connection::Parsed::Request(inner)) => inner,
        Ok(super::connection::Parsed::Reply(_)) | Err(_) => return refuse(INVALID_REQUEST),
    };
    let key = inner.spec.key;
    let version = inner.header.request_api_version;
    let correlation_id = inner.header.correlation_id;
    // Kafka's standbys refuse the whole envelope, so the broker re-resolves the controller.
    if let (Handler::Controller, Some(controller)) = (inner.spec.handler, &services.controller) {
        if !controller.is_active() {
            return refuse(super::controller_api::NOT_CONTROLLER);
        }
    }
    // A forwarded raft request is authorized for the broker's client, as on a connection.
    if inner.spec.handler == Handler::Raft {
        if let Some(refusal) =
            super::authorization::refusal_outside(services, &context, &inner.body)
        {
            return match encode_response_kind(correlation_id, key, version, &refusal) {
                Ok(frame) => EnvelopeResponse::default().with_response_data(Some(frame.slice(4..))),
                Err(_) => refuse(INVALID_REQUEST),
            };
        }
    }
    let frame = match (
        inner.spec.handler,
        inner.body,
        &services.controller,
        &services.raft,
    ) {
        (Handler::Controller, body, Some(controller), _) => {
            let (body, local) = match super::loggers::before(services, &context, body) {
                super::loggers::Routed::Controller(body, local) => (body, local),
                super::loggers::Routed::Answered(answered) => {
                    return match encode_response_kind(correlation_id, key, version, &answered) {
                        Ok(frame) => {
                            EnvelopeResponse::default().with_response_data(Some(frame.slice(4..)))
                        }
                        Err(_) => refuse(INVALID_REQUEST),
                    }
                }
            };
            match controller.call(context, body, version).await {
                // Leadership was lost while the request was handled.
                Ok(_) if !controller.is_active() => {
                    return refuse(super::controller_api::NOT_CONTROLLER)
                }
                Ok(response) => {
                    let response = super::loggers::after(response, local);
                    encode_response_kind(correlation_id, key, version, &response)
                }
                Err(_) => return refuse(super::controller_api::NOT_CONTROLLER),
            }
        }
        (Handler::Raft, body, _, Some(raft)) => {
            // Brokers forward DescribeQuorum, AddRaftVoter and RemoveRaftVoter.
            use crate::raft::RaftRequest as R;
            let Some(request) = from_request_kind(body).filter(|r| {
                matches!(
                    r,
                    R::DescribeQuorum(_) | R::AddRaftVoter(_) | R::RemoveRaftVoter(_)
                )
            }) else {
                return refuse(INVALID_REQUEST);
            };
            match raft.request(version, request).await {
                Ok(response) => encode_raft_response(
                    correlation_id,
                    version,
                    to_raft_version(response, version),
                ),
                Err(_) => return refuse(super::controller_api::NOT_CONTROLLER),
            }
        }
        _ => return refuse(INVALID_REQUEST),
    };
    match frame {
        // The inner response goes without the frame's size prefix.
        Ok(frame) => EnvelopeResponse::default().with_response_data(Some(frame.slice(4..))),
        Err(_) => refuse(INVALID_REQUEST),
    }
}

/// Adds the controller's supported and finalized features to an ApiVersions answer at
/// `version`, as `kafka-features describe` reads them. As Kafka does, an answer below v4 leaves
/// out the supported features whose minimum is 0 (older clients cannot read a zero minimum,
/// KAFKA-17011), and no answer lists a feature finalized at level 0.
fn with_features(
    body: &mut ApiVersionsResponse,
    report: &crate::controller::feature_updates::FeatureReport,
    version: i16,
) {
    use kafka_protocol::messages::api_versions_response::{
        FinalizedFeatureKey, SupportedFeatureKey,
    };
    body.supported_features = report
        .supported
        .iter()
        .filter(|(_, (min, _))| version >= 4 || *min != 0)
        .map(|(name, (min, max))| {
            SupportedFeatureKey::default()
                .with_name(StrBytes::from_string(name.clone()))
                .with_min_version(*min)
                .with_max_version(*max)
        })
        .collect();
    body.finalized_features = report
        .finalized
        .iter()
        .filter(|(_, level)| **level != 0)
        .map(|(name, level)| {
            FinalizedFeatureKey::default()
                .with_name(StrBytes::from_string(name.clone()))
                .with_min_version_level(*level)
                .with_max_version_level(*level)
        })
        .collect();
    body.finalized_features_epoch = report.epoch;
}

/// Encodes a complete response frame for a response of any API.
pub fn encode_response_kind(
    correlation_id: i32,
    key: ApiKey,
    version: i16,
    body: &kafka_protocol::messages::ResponseKind,
) -> anyhow::Result<Bytes> {
    let header_version = key.response_header_version(version);
    let header = ResponseHeader::default().with_correlation_id(correlation_id);
    let mut out = BytesMut::with_capacity(64);
    out.extend_from_slice(&[0; 4]);
    header.encode(&mut out, header_version)?;
    body.encode(&mut out, version)?;
    let size = (out.len() - 4) as i32;
    out[..4].copy_from_slice(&size.to_be_bytes());
    Ok(out.freeze())
}

/// Brings a raft request sent at an older version to the shape the engine reads (the newest).
fn from_raft_version(request: crate::raft::RaftRequest, version: i16) -> crate::raft::RaftRequest {
    match request {
        // Below Fetch v15 the fetcher's id is the top-level ReplicaId (KIP-903 moved it).
        crate::raft::RaftRequest::Fetch(mut fetch) if version < 15 => {
            fetch.replica_state.replica_id = fetch.replica_id;
            crate::raft::RaftRequest::Fetch(fetch)
        }
        other => other,
    }
}

/// Clears what a raft response may not carry at an older version.
fn to_raft_version(response: RaftResponse, version: i16) -> RaftResponse {
    match response {
        RaftResponse::DescribeQuorum(mut describe) if version < 2 => {
            describe.nodes.clear();
            describe.error_message = None;
            RaftResponse::DescribeQuorum(describe)
        }
        other => other,
    }
}

fn encode_raft_response(
    correlation_id: i32,
    version: i16,
    response: RaftResponse,
) -> anyhow::Result<Bytes> {
    match response {
        RaftResponse::Vote(r) => encode_response(correlation_id, version, &r),
        RaftResponse::BeginQuorumEpoch(r) => encode_response(correlation_id, version, &r),
        RaftResponse::EndQuorumEpoch(r) => encode_response(correlation_id, version, &r),
        RaftResponse::Fetch(r) => encode_response(correlation_id, version, &r),
        RaftResponse::FetchSnapshot(r) => encode_response(correlation_id, version, &r),
        RaftResponse::DescribeQuorum(r) => encode_response(correlation_id, version, &r),
        RaftResponse::AddRaftVoter(r) => encode_response(correlation_id, version, &r),
        RaftResponse::RemoveRaftVoter(r) => encode_response(correlation_id, version, &r),
        RaftResponse::UpdateRaftVoter(r) => encode_response(correlation_id, version, &r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_api_is_in_range_of_kafka_protocol() {
        use kafka_protocol::messages::ApiKey;
        for api in APIS {
            assert!(api.min_version <= api.max_version);
            // Each served version has a request header version kafka-protocol knows.
            for version in api.min_version..=api.max_version {
                let header_version = api.key.request_header_version(version);
                assert!(
                    (1..=2).contains(&header_version),
                    "{:?} v{version}",
                    api.key
                );
            }
            assert_eq!(ApiKey::try_from(api.key as i16).ok(), Some(api.key));
        }
    }

    #[test]
    fn features_with_a_zero_minimum_are_hidden_below_v4() {
        use crate::controller::feature_updates::FeatureReport;
        let report = FeatureReport {
            supported: [
                ("metadata.version".to_owned(), (7, 30)),
                ("group.version".to_owned(), (0, 1)),
            ]
            .into(),
            finalized: [
                ("metadata.version".to_owned(), 25),
                ("group.version".to_owned(), 0),
            ]
            .into(),
            epoch: 42,
        };
        let names = |version: i16| {
            let mut body = api_versions_body(0);
            with_features(&mut body, &report, version);
            let supported: Vec<String> = body
                .supported_features
                .iter()
                .map(|f| f.name.to_string())
                .collect();
            let finalized: Vec<String> = body
                .finalized_features
                .iter()
                .map(|f| f.name.to_string())
                .collect();
            (supported, finalized)
        };
        let (supported, finalized) = names(3);
        assert_eq!(supported, ["metadata.version"]);
        assert_eq!(finalized, ["metadata.version"]);
        let (supported, finalized) = names(4);
        assert_eq!(supported, ["group.version", "metadata.version"]);
        assert_eq!(finalized, ["metadata.version"]);
    }

    #[test]
    fn software_fields_follow_kafkas_pattern() {
        for good in ["apache-kafka-java", "4.1.1", "a", "librdkafka-2.3.0", "A9"] {
            assert!(
                is_valid_software_field(&StrBytes::from_static_str(good)),
                "{good}"
            );
        }
        for bad in ["", "-x", "x-", ".x", "x.", "a b", "ü"] {
            assert!(
                !is_valid_software_field(&StrBytes::from_static_str(bad)),
                "{bad}"
            );
        }
    }
}
