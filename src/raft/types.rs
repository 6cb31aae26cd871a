//! Small value types shared by the whole engine: node ids, `OffsetAndEpoch`, opaque request
//! handles, endpoints, and the error codes the KRaft RPCs use (Kafka's `Errors` numbering).

use std::cmp::Ordering;
use std::fmt;

/// A Kafka node id (`node.id`); -1 means "none" on the wire.
pub type NodeId = i32;

/// A position in the log together with the epoch of the record before it (Kafka's
/// `OffsetAndEpoch`). Ordered by epoch first, then offset, as Kafka compares a candidate's log
/// with a voter's (KIP-595: "at least as up to date").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OffsetAndEpoch {
    /// The offset (an end offset: one past the last record it covers).
    pub offset: i64,
    /// The leader epoch.
    pub epoch: i32,
}

impl OffsetAndEpoch {
    /// Builds one.
    pub const fn new(offset: i64, epoch: i32) -> Self {
        OffsetAndEpoch { offset, epoch }
    }
}

impl Ord for OffsetAndEpoch {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then(self.offset.cmp(&other.offset))
    }
}

impl PartialOrd for OffsetAndEpoch {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for OffsetAndEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(offset={}, epoch={})", self.offset, self.epoch)
    }
}

/// The driver's handle for an inbound request; the engine answers it with
/// [`Output::Respond`](crate::raft::Output::Respond) carrying the same id, exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// A host and port a node listens on for the controller listener.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Error codes of the KRaft RPCs, Kafka's `Errors` numbering.
pub mod error_code {
    /// No error.
    pub const NONE: i16 = 0;
    /// UNKNOWN_SERVER_ERROR.
    pub const UNKNOWN_SERVER_ERROR: i16 = -1;
    /// UNKNOWN_TOPIC_OR_PARTITION.
    pub const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
    /// NOT_LEADER_OR_FOLLOWER.
    pub const NOT_LEADER_OR_FOLLOWER: i16 = 6;
    /// REQUEST_TIMED_OUT.
    pub const REQUEST_TIMED_OUT: i16 = 7;
    /// BROKER_NOT_AVAILABLE: the node is shutting down.
    pub const BROKER_NOT_AVAILABLE: i16 = 8;
    /// UNSUPPORTED_VERSION.
    pub const UNSUPPORTED_VERSION: i16 = 35;
    /// INVALID_REQUEST.
    pub const INVALID_REQUEST: i16 = 42;
    /// FENCED_LEADER_EPOCH: the request's epoch is older than ours.
    pub const FENCED_LEADER_EPOCH: i16 = 74;
    /// UNKNOWN_LEADER_EPOCH: the request's epoch is newer than ours.
    pub const UNKNOWN_LEADER_EPOCH: i16 = 75;
    /// INCONSISTENT_VOTER_SET.
    pub const INCONSISTENT_VOTER_SET: i16 = 94;
    /// SNAPSHOT_NOT_FOUND.
    pub const SNAPSHOT_NOT_FOUND: i16 = 98;
    /// POSITION_OUT_OF_RANGE.
    pub const POSITION_OUT_OF_RANGE: i16 = 99;
    /// INCONSISTENT_CLUSTER_ID.
    pub const INCONSISTENT_CLUSTER_ID: i16 = 104;
    /// INVALID_VOTER_KEY.
    pub const INVALID_VOTER_KEY: i16 = 125;
    /// DUPLICATE_VOTER: the voter to add is already one.
    pub const DUPLICATE_VOTER: i16 = 126;
    /// VOTER_NOT_FOUND: no voter has that id and directory id.
    pub const VOTER_NOT_FOUND: i16 = 127;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_and_epoch_orders_by_epoch_then_offset() {
        let a = OffsetAndEpoch::new(100, 1);
        let b = OffsetAndEpoch::new(5, 2);
        let c = OffsetAndEpoch::new(6, 2);
        assert!(a < b, "a higher epoch wins over a longer log");
        assert!(b < c);
        assert_eq!(b.cmp(&OffsetAndEpoch::new(5, 2)), Ordering::Equal);
    }
}
