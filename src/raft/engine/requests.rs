//! Outbound request bookkeeping (Kafka's `RequestManager`): at most one request in flight to
//! each node; a request unanswered within the request timeout fails; after a failure, the node
//! is left alone for the retry backoff. Responses that do not match the request in flight (sent
//! before a role change, or duplicated by the network) are ignored.

use std::collections::BTreeMap;

use crate::raft::types::NodeId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InFlight {
    correlation_id: u64,
    deadline_ms: u64,
}

/// Per-destination state of outbound requests.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestManager {
    in_flight: BTreeMap<NodeId, InFlight>,
    backoff_until_ms: BTreeMap<NodeId, u64>,
    next_correlation_id: u64,
}

impl RequestManager {
    /// Whether a request may be sent to `destination` now.
    pub fn is_ready(&self, destination: NodeId, now_ms: u64) -> bool {
        !self.in_flight.contains_key(&destination)
            && self
                .backoff_until_ms
                .get(&destination)
                .is_none_or(|until| *until <= now_ms)
    }

    /// Whether a request to `destination` is awaiting its response.
    pub fn has_in_flight(&self, destination: NodeId) -> bool {
        self.in_flight.contains_key(&destination)
    }

    /// Records a request sent now; returns its correlation id.
    pub fn on_send(&mut self, destination: NodeId, now_ms: u64, timeout_ms: u64) -> u64 {
        self.next_correlation_id += 1;
        let correlation_id = self.next_correlation_id;
        self.in_flight.insert(
            destination,
            InFlight {
                correlation_id,
                deadline_ms: now_ms.saturating_add(timeout_ms),
            },
        );
        self.backoff_until_ms.remove(&destination);
        correlation_id
    }

    /// Whether a response from `source` with `correlation_id` is the one expected; if so the
    /// request is no longer in flight.
    pub fn take_response(&mut self, source: NodeId, correlation_id: u64) -> bool {
        match self.in_flight.get(&source) {
            Some(in_flight) if in_flight.correlation_id == correlation_id => {
                self.in_flight.remove(&source);
                true
            }
            _ => false,
        }
    }

    /// Backs off from `destination` after a failed request or an unusable response.
    pub fn on_failure(&mut self, destination: NodeId, now_ms: u64, backoff_ms: u64) {
        self.in_flight.remove(&destination);
        self.backoff_until_ms
            .insert(destination, now_ms.saturating_add(backoff_ms));
    }

    /// Fails every request whose timeout has passed; returns their destinations.
    pub fn expire(&mut self, now_ms: u64, backoff_ms: u64) -> Vec<NodeId> {
        let expired: Vec<NodeId> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.deadline_ms <= now_ms)
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            self.on_failure(*id, now_ms, backoff_ms);
        }
        expired
    }

    /// Forgets every request in flight (their responses will be ignored) and every backoff.
    pub fn reset_all(&mut self) {
        self.in_flight.clear();
        self.backoff_until_ms.clear();
    }

    /// The earliest request deadline or backoff end after `now_ms`.
    pub fn next_deadline_ms(&self, now_ms: u64) -> Option<u64> {
        let timeouts = self.in_flight.values().map(|f| f.deadline_ms);
        let backoffs = self
            .backoff_until_ms
            .values()
            .copied()
            .filter(|t| *t > now_ms);
        timeouts.chain(backoffs).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_in_flight_then_timeout_then_backoff() {
        let mut manager = RequestManager::default();
        assert!(manager.is_ready(2, 0));
        let id = manager.on_send(2, 0, 100);
        assert!(!manager.is_ready(2, 50));
        assert!(manager.expire(99, 20).is_empty());
        assert_eq!(manager.expire(100, 20), vec![2]);
        assert!(!manager.is_ready(2, 110), "backing off");
        assert!(manager.is_ready(2, 120));
        assert!(!manager.take_response(2, id), "a late response is ignored");
    }

    #[test]
    fn stale_and_duplicate_responses_are_ignored() {
        let mut manager = RequestManager::default();
        let first = manager.on_send(3, 0, 100);
        manager.reset_all();
        let second = manager.on_send(3, 1, 100);
        assert!(!manager.take_response(3, first));
        assert!(manager.take_response(3, second));
        assert!(!manager.take_response(3, second), "duplicate");
    }
}
