//! BrokerHeartbeat v0-2 and session-timeout fencing (Kafka's `BrokerHeartbeatManager
//! .calculateNextBrokerState`, `ReplicationControlManager.processBrokerHeartbeat` and
//! `maybeFenceOneStaleBroker`).
//!
//! A fenced broker is unfenced when it does not want to be fenced and has caught up to its
//! own registration (`CurrentMetadataOffset >= offset of its RegisterBrokerRecord`). An
//! unfenced broker that wants to shut down enters controlled shutdown while it still leads
//! partitions, and is told to shut down once it leads none and every active broker has
//! seen the offset at which it entered controlled shutdown.

use kafka_protocol::messages::{BrokerHeartbeatRequest, BrokerHeartbeatResponse};
use kafka_protocol::ResponseError;
use yakt_wire::Uuid;

use crate::controller::brokers::transitions;
use crate::controller::machine::Controller;
use crate::controller::result::{ApiError, ControllerResult};
use crate::controller::versions::MV_CORDONED_LOG_DIRS;

/// A broker's state as the controller sees it (Kafka's `BrokerControlState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerControlState {
    /// Fenced: leads nothing, in no ISR.
    Fenced,
    /// Unfenced and serving.
    Unfenced,
    /// Moving its leaderships away before shutting down.
    ControlledShutdown,
    /// Told to shut down now.
    ShutdownNow,
}

impl BrokerControlState {
    /// Whether the broker is fenced in this state.
    pub fn fenced(self) -> bool {
        matches!(
            self,
            BrokerControlState::Fenced | BrokerControlState::ShutdownNow
        )
    }
}

/// What a heartbeat decided, besides the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatOutcome {
    /// The state before the heartbeat.
    pub current: BrokerControlState,
    /// The state after it.
    pub next: BrokerControlState,
}

impl Controller {
    /// Handles a BrokerHeartbeat at `now_ms`. When the outcome's next state is
    /// [`BrokerControlState::ControlledShutdown`], the driver calls
    /// [`Controller::controlled_shutdown_written`] with the end offset of the batch.
    pub fn broker_heartbeat(
        &mut self,
        request: &BrokerHeartbeatRequest,
        now_ms: i64,
    ) -> ControllerResult<(BrokerHeartbeatResponse, Option<HeartbeatOutcome>)> {
        match self.compute_heartbeat(request, now_ms) {
            Ok(result) => result,
            Err(error) => ControllerResult::response_only((
                BrokerHeartbeatResponse::default()
                    .with_error_code(error.code)
                    .with_is_fenced(true),
                None,
            )),
        }
    }

    /// The batch that put `broker_id` in controlled shutdown ended at `end_offset`.
    pub fn controlled_shutdown_written(&mut self, broker_id: i32, end_offset: i64) {
        self.heartbeats
            .set_controlled_shutdown_offset(broker_id, end_offset);
    }

    #[allow(clippy::type_complexity)]
    fn compute_heartbeat(
        &mut self,
        request: &BrokerHeartbeatRequest,
        now_ms: i64,
    ) -> Result<ControllerResult<(BrokerHeartbeatResponse, Option<HeartbeatOutcome>)>, ApiError>
    {
        let broker_id = request.broker_id.0;
        let image = self.replayer.image();
        let stale = |message: String| ApiError::new(ResponseError::StaleBrokerEpoch, message);
        let registration_offset =
            image
                .cluster
                .registration_offset(broker_id)
                .ok_or_else(|| {
                    stale(format!(
                        "Receive a heartbeat from broker {broker_id} before registration"
                    ))
                })?;
        let registration = image.cluster.broker(broker_id).ok_or_else(|| {
            stale(format!(
                "No broker registration found for broker id {broker_id}"
            ))
        })?;
        if registration.epoch != request.broker_epoch {
            return Err(stale(format!(
                "Expected broker epoch {}, but got broker epoch {}",
                registration.epoch, request.broker_epoch
            )));
        }
        let current = if registration.fenced {
            BrokerControlState::Fenced
        } else if registration.in_controlled_shutdown {
            BrokerControlState::ControlledShutdown
        } else {
            BrokerControlState::Unfenced
        };
        let epoch = registration.epoch;
        let next = self.next_state(current, request, registration_offset);
        let image = self.replayer.image();
        let unclean = self.settings.unclean_leader_election_enable;
        let mut records = if current == next {
            Vec::new()
        } else {
            match next {
                BrokerControlState::Fenced | BrokerControlState::ShutdownNow => {
                    transitions::fenced(image, broker_id, epoch, unclean)
                }
                BrokerControlState::Unfenced => {
                    transitions::unfenced(image, broker_id, epoch, unclean)
                }
                BrokerControlState::ControlledShutdown => {
                    transitions::controlled_shutdown(image, broker_id, epoch, unclean)
                }
            }
        };
        if image.metadata_version().directory_assignment() {
            let offline: Vec<Uuid> = request
                .offline_log_dirs
                .iter()
                .map(|d| Uuid::from(*d))
                .collect();
            records.extend(transitions::directories_offline(
                image, broker_id, epoch, &offline, unclean,
            ));
        }
        if image.metadata_version().0 >= MV_CORDONED_LOG_DIRS {
            if let Some(cordoned) = &request.cordoned_log_dirs {
                let cordoned: Vec<Uuid> = cordoned.iter().map(|d| Uuid::from(*d)).collect();
                records.extend(transitions::directories_cordoned(
                    image, broker_id, epoch, &cordoned,
                ));
            }
        }
        self.heartbeats.touch(
            broker_id,
            next.fenced(),
            request.current_metadata_offset,
            now_ms,
        );
        let response = BrokerHeartbeatResponse::default()
            .with_is_caught_up(request.current_metadata_offset >= registration_offset)
            .with_is_fenced(next.fenced())
            .with_should_shut_down(next == BrokerControlState::ShutdownNow);
        let outcome = HeartbeatOutcome { current, next };
        Ok(ControllerResult::of(records, (response, Some(outcome))))
    }

    /// Kafka's `calculateNextBrokerState`.
    fn next_state(
        &mut self,
        current: BrokerControlState,
        request: &BrokerHeartbeatRequest,
        registration_offset: i64,
    ) -> BrokerControlState {
        use BrokerControlState::*;
        let broker_id = request.broker_id.0;
        let image = self.replayer.image();
        let has_leaderships = image
            .topics
            .partitions()
            .any(|(_, _, p)| p.leader == broker_id);
        match current {
            Fenced if request.want_shut_down => ShutdownNow,
            Fenced
                if !request.want_fence
                    && request.current_metadata_offset >= registration_offset =>
            {
                Unfenced
            }
            Fenced => Fenced,
            Unfenced if request.want_fence && request.want_shut_down => ShutdownNow,
            Unfenced if request.want_fence => Fenced,
            Unfenced if request.want_shut_down && has_leaderships => ControlledShutdown,
            Unfenced if request.want_shut_down => ShutdownNow,
            Unfenced => Unfenced,
            ControlledShutdown if has_leaderships => ControlledShutdown,
            ControlledShutdown => {
                let last_applied = self.replayer.last_applied_offset();
                let shutdown_offset = self
                    .heartbeats
                    .controlled_shutdown_offset_or(broker_id, last_applied);
                let lowest = self
                    .heartbeats
                    .lowest_active_offset(&self.replayer.image().cluster);
                if shutdown_offset <= lowest {
                    ShutdownNow
                } else {
                    ControlledShutdown
                }
            }
            ShutdownNow => ShutdownNow,
        }
    }

    /// Fences the broker whose session expired longest ago, if any (one at a time, so each
    /// fencing sees the last one's effect, as Kafka does). Call again after replaying the
    /// records until it returns `None`.
    pub fn fence_stale_broker(&mut self, now_ms: i64) -> Option<ControllerResult<i32>> {
        let image = self.replayer.image();
        let broker_id = *self
            .heartbeats
            .stale_brokers(&image.cluster, now_ms)
            .first()?;
        let epoch = image.cluster.broker(broker_id)?.epoch;
        let unclean = self.settings.unclean_leader_election_enable;
        let records = transitions::fenced(image, broker_id, epoch, unclean);
        self.heartbeats.mark_fencing(broker_id);
        Some(ControllerResult::of(records, broker_id))
    }
}
