//! Broker sessions: soft state outside the image, as Kafka's `BrokerHeartbeatManager`
//! keeps it. Only the active controller has it; a new active controller starts every
//! registered broker's session afresh ([`BrokerHeartbeats::activate`]), so a broker is
//! never fenced for silence that happened before this controller led.
//!
//! A session is valid while the broker is unfenced and its last contact is within
//! `broker.session.timeout.ms`. The metadata offset each broker reported and the offset at
//! which it entered controlled shutdown decide when it may shut down.

use std::collections::BTreeMap;

use crate::controller::image::ClusterImage;

/// One broker's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokerSession {
    /// When the broker last registered or heartbeat, in milliseconds.
    pub last_contact_ms: i64,
    /// The metadata offset it last reported (-1 before its first heartbeat).
    pub metadata_offset: i64,
    /// The end offset of the batch that put it in controlled shutdown, once written.
    pub controlled_shutdown_offset: Option<i64>,
    /// Whether its fencing for a timed-out session was computed and awaits commit.
    pub fencing: bool,
}

/// Every broker's session.
#[derive(Debug, Clone, Default)]
pub struct BrokerHeartbeats {
    session_timeout_ms: i64,
    sessions: BTreeMap<i32, BrokerSession>,
}

impl BrokerHeartbeats {
    /// No sessions; brokers silent for `session_timeout_ms` go stale.
    pub fn new(session_timeout_ms: i64) -> BrokerHeartbeats {
        BrokerHeartbeats {
            session_timeout_ms,
            sessions: BTreeMap::new(),
        }
    }

    /// Starts a session for every registered broker at `now_ms` (on becoming active).
    pub fn activate(&mut self, cluster: &ClusterImage, now_ms: i64) {
        self.sessions.clear();
        for id in cluster.brokers().keys() {
            self.sessions.insert(*id, BrokerSession::fresh(now_ms));
        }
    }

    /// The session of broker `id`.
    pub fn session(&self, id: i32) -> Option<&BrokerSession> {
        self.sessions.get(&id)
    }

    /// Whether broker `id`, unfenced in the image, has been heard from within the timeout.
    pub fn has_valid_session(&self, cluster: &ClusterImage, id: i32, now_ms: i64) -> bool {
        let unfenced = cluster.broker(id).is_some_and(|b| !b.fenced);
        unfenced
            && self.sessions.get(&id).is_some_and(|s| {
                s.last_contact_ms.saturating_add(self.session_timeout_ms) >= now_ms
            })
    }

    /// A (re-)registration: a new incarnation starts a new session.
    pub fn register(&mut self, id: i32, new_incarnation: bool, now_ms: i64) {
        let session = self
            .sessions
            .entry(id)
            .or_insert(BrokerSession::fresh(now_ms));
        if new_incarnation {
            *session = BrokerSession::fresh(now_ms);
        }
        session.last_contact_ms = now_ms;
    }

    /// A heartbeat: contact now, at `metadata_offset`; a fenced broker is not shutting down.
    pub fn touch(&mut self, id: i32, fenced: bool, metadata_offset: i64, now_ms: i64) {
        let session = self
            .sessions
            .entry(id)
            .or_insert(BrokerSession::fresh(now_ms));
        session.last_contact_ms = now_ms;
        session.metadata_offset = metadata_offset;
        session.fencing = false;
        if fenced {
            session.controlled_shutdown_offset = None;
        }
    }

    /// Notes that the batch putting broker `id` in controlled shutdown ends at `offset`
    /// (the first such offset is kept).
    pub fn set_controlled_shutdown_offset(&mut self, id: i32, offset: i64) {
        if let Some(session) = self.sessions.get_mut(&id) {
            session.controlled_shutdown_offset.get_or_insert(offset);
        }
    }

    /// The controlled shutdown offset of broker `id`, set to `default` if not yet known
    /// (a broker found in controlled shutdown by a newly active controller).
    pub fn controlled_shutdown_offset_or(&mut self, id: i32, default: i64) -> i64 {
        let session = self
            .sessions
            .entry(id)
            .or_insert(BrokerSession::fresh(i64::MIN));
        *session.controlled_shutdown_offset.get_or_insert(default)
    }

    /// Notes that broker `id`'s fencing for a timed-out session was computed, so it is not
    /// picked again before the fencing commits.
    pub fn mark_fencing(&mut self, id: i32) {
        if let Some(session) = self.sessions.get_mut(&id) {
            session.fencing = true;
        }
    }

    /// Forgets broker `id` (unregistered).
    pub fn remove(&mut self, id: i32) {
        self.sessions.remove(&id);
    }

    /// The lowest metadata offset reported by an active broker (unfenced, not shutting
    /// down), or `i64::MAX` if there is none.
    pub fn lowest_active_offset(&self, cluster: &ClusterImage) -> i64 {
        self.sessions
            .iter()
            .filter(|(id, _)| cluster.is_active(**id))
            .map(|(_, s)| s.metadata_offset)
            .min()
            .unwrap_or(i64::MAX)
    }

    /// Unfenced brokers whose session expired at `now_ms`, longest silent first.
    pub fn stale_brokers(&self, cluster: &ClusterImage, now_ms: i64) -> Vec<i32> {
        let mut stale: Vec<(i64, i32)> = cluster
            .brokers()
            .values()
            .filter(|b| !b.fenced)
            .filter(|b| !self.sessions.get(&b.id).is_some_and(|s| s.fencing))
            .filter(|b| !self.has_valid_session(cluster, b.id, now_ms))
            .map(|b| {
                (
                    self.sessions
                        .get(&b.id)
                        .map_or(i64::MIN, |s| s.last_contact_ms),
                    b.id,
                )
            })
            .collect();
        stale.sort();
        stale.into_iter().map(|(_, id)| id).collect()
    }

    /// When the next unfenced broker's session runs out, if any is unfenced.
    pub fn next_expiry_ms(&self, cluster: &ClusterImage) -> Option<i64> {
        cluster
            .brokers()
            .values()
            .filter(|b| !b.fenced)
            .map(|b| {
                self.sessions.get(&b.id).map_or(i64::MIN, |s| {
                    s.last_contact_ms.saturating_add(self.session_timeout_ms)
                })
            })
            .min()
    }
}

impl BrokerSession {
    fn fresh(now_ms: i64) -> BrokerSession {
        BrokerSession {
            last_contact_ms: now_ms,
            metadata_offset: -1,
            controlled_shutdown_offset: None,
            fencing: false,
        }
    }
}
