//! ControllerRegistration (KIP-919: each controller's endpoints and features, which
//! `DescribeCluster` for `--bootstrap-controller` is built from) and UnregisterBroker.

use kafka_protocol::messages::{
    ControllerRegistrationRequest, ControllerRegistrationResponse, UnregisterBrokerRequest,
    UnregisterBrokerResponse,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{ControllerEndpoint, ControllerFeature, RegisterControllerRecord, Uuid};

use crate::controller::brokers::transitions;
use crate::controller::machine::Controller;
use crate::controller::result::{
    too_many_records, ApiError, ControllerResult, MAX_RECORDS_PER_USER_OP,
};

impl Controller {
    /// Handles a ControllerRegistration: one `RegisterControllerRecord` (metadata.version
    /// 3.7-IV0 or later, else UNSUPPORTED_VERSION).
    pub fn register_controller(
        &self,
        request: &ControllerRegistrationRequest,
    ) -> ControllerResult<ControllerRegistrationResponse> {
        if !self.image().metadata_version().controller_registration() {
            let error = ApiError::new(
                ResponseError::UnsupportedVersion,
                "The current MetadataVersion is too old to support controller registrations.",
            );
            return ControllerResult::response_only(
                ControllerRegistrationResponse::default()
                    .with_error_code(error.code)
                    .with_error_message(error.message.map(StrBytes::from_string)),
            );
        }
        let record = RegisterControllerRecord {
            controller_id: request.controller_id,
            incarnation_id: Uuid::from(request.incarnation_id),
            zk_migration_ready: false,
            end_points: request
                .listeners
                .iter()
                .map(|l| ControllerEndpoint {
                    name: l.name.to_string(),
                    host: l.host.to_string(),
                    port: l.port,
                    security_protocol: l.security_protocol,
                    ..Default::default()
                })
                .collect(),
            features: request
                .features
                .iter()
                .map(|f| ControllerFeature {
                    name: f.name.to_string(),
                    min_supported_version: f.min_supported_version,
                    max_supported_version: f.max_supported_version,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        ControllerResult::atomic(vec![(record.into(), 0)], Default::default())
    }

    /// Handles an UnregisterBroker: the broker leaves every ISR and ELR, then
    /// `UnregisterBrokerRecord` (BROKER_ID_NOT_REGISTERED for an unknown broker).
    pub fn unregister_broker(
        &self,
        request: &UnregisterBrokerRequest,
    ) -> ControllerResult<UnregisterBrokerResponse> {
        let broker_id = request.broker_id.0;
        let failed = |error: ApiError| {
            ControllerResult::response_only(
                UnregisterBrokerResponse::default()
                    .with_error_code(error.code)
                    .with_error_message(error.message.map(StrBytes::from_string)),
            )
        };
        let Some(registration) = self.image().cluster.broker(broker_id) else {
            return failed(ApiError::new(
                ResponseError::BrokerIdNotRegistered,
                format!("Broker ID {broker_id} is not currently registered"),
            ));
        };
        let unclean = self.settings.unclean_leader_election_enable;
        let records =
            transitions::unregistered(self.image(), broker_id, registration.epoch, unclean);
        if records.len() > MAX_RECORDS_PER_USER_OP {
            return failed(too_many_records());
        }
        ControllerResult::of(records, Default::default())
    }
}
