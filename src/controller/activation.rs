//! What a controller writes when it becomes active (Kafka's `ActivationRecordsGenerator`),
//! and the NoOpRecord an active controller writes every `metadata.max.idle.interval.ms`.
//!
//! - An empty log gets the bootstrap records of `bootstrap.checkpoint` (feature levels,
//!   SCRAM credentials) inside `BeginTransactionRecord{Name="Bootstrap records"}` ...
//!   `EndTransactionRecord` (metadata.version 3.6-IV1 and later; one atomic batch before),
//!   plus `ConfigRecord{BROKER, "", min.insync.replicas}` when eligible leader replicas are
//!   on (kraft-interop.md §2.1).
//! - A log that ends inside a transaction (the previous active controller failed in the
//!   middle of one) gets `AbortTransactionRecord{Reason="Controller failover"}`.

use yakt_wire::{
    AbortTransactionRecord, BeginTransactionRecord, ConfigRecord, EndTransactionRecord,
    MetadataRecord, NoOpRecord,
};

use crate::controller::image::configs::resource_type;
use crate::controller::machine::Controller;
use crate::controller::result::ControllerResult;
use crate::controller::versions::Mv;
use crate::features::METADATA_VERSION;

/// Why a controller cannot become active.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    /// The log is empty and the bootstrap records set no metadata.version.
    #[error("the bootstrap records set no metadata.version")]
    NoBootstrapMetadataVersion,
    /// A transaction is open but the metadata.version has no transactions.
    #[error(
        "Detected in-progress transaction at offset {start_offset}, but the metadata.version \
         {level} does not support transactions. Cannot continue."
    )]
    TransactionNotSupported {
        /// Where the transaction began.
        start_offset: i64,
        /// The metadata.version level.
        level: i16,
    },
}

/// The name of the bootstrap transaction.
pub const BOOTSTRAP_TRANSACTION: &str = "Bootstrap records";

fn bootstrap_metadata_version(bootstrap: &[MetadataRecord]) -> Option<i16> {
    bootstrap.iter().find_map(|record| match record {
        MetadataRecord::FeatureLevel(f) if f.name == METADATA_VERSION => Some(f.feature_level),
        _ => None,
    })
}

fn elr_level(bootstrap: &[MetadataRecord]) -> i16 {
    bootstrap
        .iter()
        .find_map(|record| match record {
            MetadataRecord::FeatureLevel(f) if f.name == "eligible.leader.replicas.version" => {
                Some(f.feature_level)
            }
            _ => None,
        })
        .unwrap_or(0)
}

impl Controller {
    /// The records to write on becoming the active controller; `bootstrap` is the metadata
    /// records of `bootstrap.checkpoint` (used only when the log is empty).
    pub fn activation_records(
        &self,
        bootstrap: &[MetadataRecord],
    ) -> Result<ControllerResult<()>, ActivationError> {
        let replayer = &self.replayer;
        if !replayer.has_records() {
            return self.bootstrap_records(bootstrap);
        }
        let mut records = Vec::new();
        if let Some(start_offset) = replayer.transaction_start_offset() {
            let mv = self.image().metadata_version();
            if !mv.transactions() {
                return Err(ActivationError::TransactionNotSupported {
                    start_offset,
                    level: mv.0,
                });
            }
            let abort = AbortTransactionRecord {
                reason: Some("Controller failover".into()),
                ..Default::default()
            };
            records.push((abort.into(), 0));
        }
        Ok(ControllerResult::atomic(records, ()))
    }

    fn bootstrap_records(
        &self,
        bootstrap: &[MetadataRecord],
    ) -> Result<ControllerResult<()>, ActivationError> {
        let level = bootstrap_metadata_version(bootstrap)
            .ok_or(ActivationError::NoBootstrapMetadataVersion)?;
        let transactional = Mv(level).transactions();
        let mut records: Vec<(MetadataRecord, i16)> = Vec::new();
        if transactional {
            let begin = BeginTransactionRecord {
                name: Some(BOOTSTRAP_TRANSACTION.into()),
                ..Default::default()
            };
            records.push((begin.into(), 0));
        }
        // Every bootstrap record type (feature levels, SCRAM credentials) has only version 0.
        records.extend(bootstrap.iter().map(|r| (r.clone(), 0)));
        if elr_level(bootstrap) >= 1 {
            let min_isr = ConfigRecord {
                resource_type: resource_type::BROKER,
                resource_name: String::new(),
                name: "min.insync.replicas".into(),
                value: Some(self.settings.min_insync_replicas.to_string()),
                ..Default::default()
            };
            records.push((min_isr.into(), 0));
        }
        if transactional {
            records.push((EndTransactionRecord::default().into(), 0));
            Ok(ControllerResult::of(records, ()))
        } else {
            Ok(ControllerResult::atomic(records, ()))
        }
    }
}

/// Writes a NoOpRecord every `metadata.max.idle.interval.ms` while active (0: never), so
/// that brokers see the log and the high watermark move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoOpTimer {
    interval_ms: i64,
    next_due_ms: Option<i64>,
}

impl NoOpTimer {
    /// A timer that first fires `interval_ms` after `now_ms` (on becoming active).
    pub fn new(interval_ms: i64, now_ms: i64) -> NoOpTimer {
        NoOpTimer {
            interval_ms,
            next_due_ms: (interval_ms > 0).then(|| now_ms.saturating_add(interval_ms)),
        }
    }

    /// When the next NoOpRecord is due, if ever.
    pub fn deadline_ms(&self) -> Option<i64> {
        self.next_due_ms
    }

    /// The NoOpRecord to write if one is due at `now_ms`; the next is due an interval later.
    pub fn poll(&mut self, now_ms: i64) -> Option<ControllerResult<()>> {
        let due = self.next_due_ms?;
        if now_ms < due {
            return None;
        }
        self.next_due_ms = Some(now_ms.saturating_add(self.interval_ms));
        Some(ControllerResult::of(
            vec![(NoOpRecord::default().into(), 0)],
            (),
        ))
    }
}
