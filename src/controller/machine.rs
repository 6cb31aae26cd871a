//! [`Controller`]: the state machine the driver owns. It holds the image (changed only by
//! [`Controller::replay`] and [`Controller::load_snapshot`]), the broker sessions (soft
//! state, active controller only), the settings and the seeded randomness. Request handlers
//! live in their own files as `impl Controller` blocks; each takes `&mut self` only for the
//! soft state and returns a [`crate::controller::result::ControllerResult`] without touching
//! the image.

use yakt_wire::{LogRecord, MetadataRecord};

use crate::controller::error::ReplayError;
use crate::controller::heartbeats::BrokerHeartbeats;
use crate::controller::image::MetadataImage;
use crate::controller::replay::Replayer;
use crate::controller::rng::ControllerRng;
use crate::controller::settings::ControllerSettings;

/// The metadata state machine of one controller node.
#[derive(Debug, Clone)]
pub struct Controller {
    pub(crate) settings: ControllerSettings,
    pub(crate) replayer: Replayer,
    pub(crate) heartbeats: BrokerHeartbeats,
    pub(crate) rng: ControllerRng,
    pub(crate) kraft_version: i16,
}

impl Controller {
    /// A controller with an empty image; `seed` fixes replica placement and new ids.
    pub fn new(settings: ControllerSettings, seed: u64) -> Controller {
        Controller {
            heartbeats: BrokerHeartbeats::new(settings.broker_session_timeout_ms),
            settings,
            replayer: Replayer::new(),
            rng: ControllerRng::new(seed),
            kraft_version: 0,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ControllerSettings {
        &self.settings
    }

    /// The committed image.
    pub fn image(&self) -> &MetadataImage {
        self.replayer.image()
    }

    /// The image and its offsets.
    pub fn replayer(&self) -> &Replayer {
        &self.replayer
    }

    /// The broker sessions.
    pub fn heartbeats(&self) -> &BrokerHeartbeats {
        &self.heartbeats
    }

    /// Replays one committed metadata record; an error is fatal to the node.
    pub fn replay(&mut self, record: &MetadataRecord, offset: i64) -> Result<(), ReplayError> {
        self.replayer.replay(record, offset)?;
        if let MetadataRecord::UnregisterBroker(r) = record {
            self.heartbeats.remove(r.broker_id);
        }
        Ok(())
    }

    /// Replays one record of a committed batch (control records only move the offset).
    pub fn replay_log_record(
        &mut self,
        record: &LogRecord,
        offset: i64,
    ) -> Result<(), ReplayError> {
        match record {
            LogRecord::Metadata(record, _) => self.replay(record, offset),
            LogRecord::Control(_) => self.replayer.replay_log_record(record, offset),
        }
    }

    /// Replaces the image with a snapshot's records (see [`Replayer::load_snapshot`]).
    pub fn load_snapshot<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a MetadataRecord>,
        last_contained_offset: i64,
    ) -> Result<(), ReplayError> {
        self.replayer.load_snapshot(records, last_contained_offset)
    }

    /// The finalized `kraft.version`, which the Raft layer knows (registrations check it).
    pub fn set_kraft_version(&mut self, level: i16) {
        self.kraft_version = level;
    }

    /// A fresh random id from the controller's seeded generator (new topic ids).
    pub fn random_uuid(&mut self) -> yakt_wire::Uuid {
        self.rng.uuid()
    }

    /// This node became the active controller at `now_ms`: every registered broker starts
    /// a fresh session.
    pub fn activate_sessions(&mut self, now_ms: i64) {
        let cluster = &self.replayer.image().cluster;
        self.heartbeats.activate(cluster, now_ms);
    }
}
