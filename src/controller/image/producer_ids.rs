//! The next producer id block (`ProducerIdsRecord`): only the next id is kept, and it must
//! move forward, as Kafka's `ProducerIdControlManager.replay` checks.

use yakt_wire::{MetadataRecord, ProducerIdsRecord};

use crate::controller::error::Inconsistency;

/// The first producer id of the next block to hand out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProducerIdsImage {
    next_producer_id: i64,
}

impl ProducerIdsImage {
    /// The first id of the next block (0 before any block was handed out).
    pub fn next_producer_id(&self) -> i64 {
        self.next_producer_id
    }

    pub(crate) fn replay(&mut self, record: &ProducerIdsRecord) -> Result<(), Inconsistency> {
        if record.next_producer_id <= self.next_producer_id {
            return Err(Inconsistency::ProducerIdNotIncreasing {
                current: self.next_producer_id,
                next: record.next_producer_id,
            });
        }
        self.next_producer_id = record.next_producer_id;
        Ok(())
    }

    /// The record of a snapshot (none before the first block), with broker id and epoch
    /// -1 as Kafka writes them.
    pub(crate) fn write(&self, out: &mut Vec<(MetadataRecord, i16)>) {
        if self.next_producer_id > 0 {
            let record = ProducerIdsRecord {
                broker_id: -1,
                broker_epoch: -1,
                next_producer_id: self.next_producer_id,
                ..Default::default()
            };
            out.push((record.into(), 0));
        }
    }
}
