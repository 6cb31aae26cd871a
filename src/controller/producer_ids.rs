//! AllocateProducerIds v0 (Kafka's `ProducerIdControlManager.generateNextProducerId`): the
//! next block of 1000 producer ids, for a broker at its current epoch
//! (STALE_BROKER_EPOCH otherwise); the block is handed out by one `ProducerIdsRecord`
//! whose `NextProducerId` is the start of the block after it.

use kafka_protocol::messages::{
    AllocateProducerIdsRequest, AllocateProducerIdsResponse, ProducerId,
};
use kafka_protocol::ResponseError;
use yakt_wire::ProducerIdsRecord;

use crate::controller::machine::Controller;
use crate::controller::result::ControllerResult;

/// Producer ids per block (Kafka's `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`).
pub const PRODUCER_ID_BLOCK_SIZE: i64 = 1000;

impl Controller {
    /// Handles an AllocateProducerIds.
    pub fn allocate_producer_ids(
        &self,
        request: &AllocateProducerIdsRequest,
    ) -> ControllerResult<AllocateProducerIdsResponse> {
        let image = self.image();
        let broker_id = request.broker_id.0;
        let failed = |error: ResponseError| {
            ControllerResult::response_only(
                AllocateProducerIdsResponse::default()
                    .with_error_code(error.code())
                    .with_producer_id_start(ProducerId(-1))
                    .with_producer_id_len(-1),
            )
        };
        let current = image
            .cluster
            .broker(broker_id)
            .is_some_and(|b| b.epoch == request.broker_epoch);
        if !current {
            return failed(ResponseError::StaleBrokerEpoch);
        }
        let start = image.producer_ids.next_producer_id();
        if start > i64::MAX - PRODUCER_ID_BLOCK_SIZE {
            return failed(ResponseError::UnknownServerError);
        }
        let record = ProducerIdsRecord {
            broker_id,
            broker_epoch: request.broker_epoch,
            next_producer_id: start + PRODUCER_ID_BLOCK_SIZE,
            ..Default::default()
        };
        let response = AllocateProducerIdsResponse::default()
            .with_producer_id_start(ProducerId(start))
            .with_producer_id_len(PRODUCER_ID_BLOCK_SIZE as i32);
        ControllerResult::of(vec![(record.into(), 0)], response)
    }
}
