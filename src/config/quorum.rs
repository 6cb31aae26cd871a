//! The metadata quorum's settings: who the voters are or where to find them
//! (`controller.quorum.voters`, `controller.quorum.bootstrap.servers`), and the Raft timings
//! (`controller.quorum.*`, Kafka's `QuorumConfig`).

use super::defaults::*;
use super::endpoint::{HostPort, QuorumVoter};
use super::error::ConfigError;
use super::read::Reader;

/// The Raft timings of the metadata quorum (`controller.quorum.*`, Kafka's `QuorumConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumTimeouts {
    /// `controller.quorum.election.timeout.ms`: how long without a leader before an election.
    pub election_timeout_ms: i32,
    /// `controller.quorum.fetch.timeout.ms`: how long without a successful Fetch from the
    /// leader before a voter becomes a candidate (and a leader resigns after 1.5 times it
    /// without Fetches from a majority).
    pub fetch_timeout_ms: i32,
    /// `controller.quorum.election.backoff.max.ms`: the cap of the election backoff.
    pub election_backoff_max_ms: i32,
    /// `controller.quorum.request.timeout.ms`: how long to wait for a Raft response.
    pub request_timeout_ms: i32,
    /// `controller.quorum.retry.backoff.ms`: the wait before retrying a failed request.
    pub retry_backoff_ms: i32,
    /// `controller.quorum.append.linger.ms`: how long the leader lets writes gather before
    /// flushing them.
    pub append_linger_ms: i32,
}

impl Default for QuorumTimeouts {
    fn default() -> Self {
        QuorumTimeouts {
            election_timeout_ms: QUORUM_ELECTION_TIMEOUT_MS_DEFAULT,
            fetch_timeout_ms: QUORUM_FETCH_TIMEOUT_MS_DEFAULT,
            election_backoff_max_ms: QUORUM_ELECTION_BACKOFF_MAX_MS_DEFAULT,
            request_timeout_ms: QUORUM_REQUEST_TIMEOUT_MS_DEFAULT,
            retry_backoff_ms: QUORUM_RETRY_BACKOFF_MS_DEFAULT,
            append_linger_ms: QUORUM_APPEND_LINGER_MS_DEFAULT,
        }
    }
}

pub(crate) fn read_voters(reader: &mut Reader<'_>) -> Result<Vec<QuorumVoter>, ConfigError> {
    let mut voters: Vec<QuorumVoter> = Vec::new();
    for entry in reader.list(QUORUM_VOTERS)?.unwrap_or_default() {
        let voter = QuorumVoter::parse(&entry).ok_or_else(|| {
            ConfigError::invalid(
                QUORUM_VOTERS,
                &entry,
                "a voter of the form {id}@{host}:{port}",
            )
        })?;
        if voter.host == "0.0.0.0" {
            return Err(ConfigError::invalid(
                QUORUM_VOTERS,
                &entry,
                "a voter with a routable host",
            ));
        }
        // As in Kafka (a map by id), a later entry for the same id replaces an earlier one.
        match voters.iter_mut().find(|other| other.id == voter.id) {
            Some(earlier) => *earlier = voter,
            None => voters.push(voter),
        }
    }
    Ok(voters)
}

pub(crate) fn read_bootstrap_servers(
    reader: &mut Reader<'_>,
) -> Result<Vec<HostPort>, ConfigError> {
    let entries = reader.list(QUORUM_BOOTSTRAP_SERVERS)?.unwrap_or_default();
    entries
        .iter()
        .map(|entry| {
            HostPort::parse(entry).ok_or_else(|| {
                ConfigError::invalid(
                    QUORUM_BOOTSTRAP_SERVERS,
                    entry,
                    "a server of the form {host}:{port}",
                )
            })
        })
        .collect()
}

/// A controller needs a static voter set or bootstrap servers, and a static voter set must
/// hold the controller itself.
pub(crate) fn check_quorum(
    node_id: i32,
    voters: &[QuorumVoter],
    bootstrap: &[HostPort],
) -> Result<(), ConfigError> {
    if voters.is_empty() && bootstrap.is_empty() {
        return Err(ConfigError::inconsistent(
            QUORUM_VOTERS,
            "either controller.quorum.voters must list the static quorum or \
             controller.quorum.bootstrap.servers must list the bootstrap controllers",
        ));
    }
    if !voters.is_empty() && !voters.iter().any(|voter| voter.id == node_id) {
        let ids: Vec<String> = voters.iter().map(|voter| voter.id.to_string()).collect();
        return Err(ConfigError::inconsistent(
            QUORUM_VOTERS,
            format!(
                "a controller's node.id ({node_id}) must be one of the voters ({})",
                ids.join(", ")
            ),
        ));
    }
    Ok(())
}

pub(crate) fn read_quorum_timeouts(reader: &mut Reader<'_>) -> Result<QuorumTimeouts, ConfigError> {
    let d = QuorumTimeouts::default();
    Ok(QuorumTimeouts {
        election_timeout_ms: reader.int(
            QUORUM_ELECTION_TIMEOUT_MS,
            d.election_timeout_ms,
            Some(0),
        )?,
        fetch_timeout_ms: reader.int(QUORUM_FETCH_TIMEOUT_MS, d.fetch_timeout_ms, Some(0))?,
        election_backoff_max_ms: reader.int(
            QUORUM_ELECTION_BACKOFF_MAX_MS,
            d.election_backoff_max_ms,
            Some(0),
        )?,
        request_timeout_ms: reader.int(QUORUM_REQUEST_TIMEOUT_MS, d.request_timeout_ms, Some(0))?,
        retry_backoff_ms: reader.int(QUORUM_RETRY_BACKOFF_MS, d.retry_backoff_ms, Some(0))?,
        append_linger_ms: reader.int(QUORUM_APPEND_LINGER_MS, d.append_linger_ms, Some(0))?,
    })
}
