//! [`Controller`]: the state machine the driver owns. It holds the image, the broker
//! sessions (soft state, active controller only), the settings and the seeded randomness.
//! Request handlers live in their own files as `impl Controller` blocks; each takes
//! `&mut self` only for soft state and returns a
//! [`crate::controller::result::ControllerResult`] without touching the image.
//!
//! # Committed and working images
//!
//! A standby has one image: the committed records, fed by [`Controller::replay`].
//!
//! The active controller, like Kafka's, computes each request against everything it has
//! *appended*, not only what is committed, so two requests in flight cannot both create the
//! same topic or hand out the same producer ids. After [`Controller::activate`] it keeps two
//! images: the committed one (still fed by [`Controller::replay`] as records commit, its own
//! included) and the working one, to which [`Controller::apply_appended`] adds each result's
//! records as soon as the Raft layer has given them offsets. [`Controller::renounce`] drops
//! the working image when leadership is lost (appended records may be truncated).
//!
//! Only replay changes either image (style item 4).

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
    /// The image handlers compute against: committed on a standby, appended on the active.
    pub(crate) replayer: Replayer,
    /// On the active controller, the committed image (the working one is ahead of it).
    committed: Option<Replayer>,
    pub(crate) heartbeats: BrokerHeartbeats,
    pub(crate) rng: ControllerRng,
    pub(crate) kraft_version: i16,
}

impl Controller {
    /// A standby controller with an empty image; `seed` fixes replica placement and new ids.
    pub fn new(settings: ControllerSettings, seed: u64) -> Controller {
        Controller {
            heartbeats: BrokerHeartbeats::new(settings.broker_session_timeout_ms),
            settings,
            replayer: Replayer::new(),
            committed: None,
            rng: ControllerRng::new(seed),
            kraft_version: 0,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ControllerSettings {
        &self.settings
    }

    /// The image requests are computed against (the working image on the active
    /// controller).
    pub fn image(&self) -> &MetadataImage {
        self.replayer.image()
    }

    /// The working image and its offsets.
    pub fn replayer(&self) -> &Replayer {
        &self.replayer
    }

    /// The committed image and its offsets (what a snapshot is taken of).
    pub fn committed(&self) -> &Replayer {
        self.committed.as_ref().unwrap_or(&self.replayer)
    }

    /// Whether this controller is active.
    pub fn is_active(&self) -> bool {
        self.committed.is_some()
    }

    /// The broker sessions.
    pub fn heartbeats(&self) -> &BrokerHeartbeats {
        &self.heartbeats
    }

    /// Replays one committed metadata record; an error is fatal to the node.
    pub fn replay(&mut self, record: &MetadataRecord, offset: i64) -> Result<(), ReplayError> {
        match &mut self.committed {
            Some(committed) => committed.replay(record, offset)?,
            None => self.replayer.replay(record, offset)?,
        }
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
            LogRecord::Control(_) => {
                match &mut self.committed {
                    Some(committed) => committed.skip_to(offset),
                    None => self.replayer.skip_to(offset),
                }
                Ok(())
            }
        }
    }

    /// On the active controller, adds records just appended at `base_offset`,
    /// `base_offset + 1`, ... to the working image (on a standby: as [`Self::replay`]).
    pub fn apply_appended(
        &mut self,
        records: &[(MetadataRecord, i16)],
        base_offset: i64,
    ) -> Result<(), ReplayError> {
        for (i, (record, _)) in records.iter().enumerate() {
            let offset = base_offset + i as i64;
            if self.committed.is_some() {
                self.replayer.replay(record, offset)?;
            } else {
                self.replay(record, offset)?;
            }
        }
        Ok(())
    }

    /// Notes that the working image's log moved to `offset` through control records the
    /// Raft layer appended (e.g. the leader's LeaderChangeMessage).
    pub fn skip_appended(&mut self, offset: i64) {
        self.replayer.skip_to(offset);
    }

    /// Replaces the image with a snapshot's records (see [`Replayer::load_snapshot`]); only
    /// on a standby.
    pub fn load_snapshot<'a>(
        &mut self,
        records: impl IntoIterator<Item = &'a MetadataRecord>,
        last_contained_offset: i64,
    ) -> Result<(), ReplayError> {
        self.committed = None;
        self.replayer.load_snapshot(records, last_contained_offset)
    }

    /// The finalized `kraft.version`, which the Raft layer knows (registrations check it).
    pub fn set_kraft_version(&mut self, level: i16) {
        self.kraft_version = level;
    }

    /// This node became the active controller at `now_ms`, having replayed every committed
    /// record: the working image starts from the committed one and every registered broker
    /// starts a fresh session.
    pub fn activate(&mut self, now_ms: i64) {
        if self.committed.is_none() {
            self.committed = Some(self.replayer.clone());
        }
        let cluster = &self.replayer.image().cluster;
        self.heartbeats.activate(cluster, now_ms);
    }

    /// This node is no longer active: records appended but not committed are forgotten,
    /// and broker sessions with them.
    pub fn renounce(&mut self) {
        if let Some(committed) = self.committed.take() {
            self.replayer = committed;
        }
        self.heartbeats = BrokerHeartbeats::new(self.settings.broker_session_timeout_ms);
    }

    /// A fresh random id from the controller's seeded generator (new topic ids).
    pub fn random_uuid(&mut self) -> yakt_wire::Uuid {
        self.rng.uuid()
    }
}
