//! Optional wire round trip for simulated messages: each request and response is encoded with
//! kafka-protocol at the version Kafka 4.x sends and decoded again before delivery, so the
//! simulator also exercises the codecs and catches fields the engine sets that a version lacks.

use bytes::BytesMut;
use kafka_protocol::protocol::{Decodable, Encodable};

use crate::raft::{RaftRequest, RaftResponse};

/// The version each raft API is sent at (Kafka 4.1: Fetch 18, Vote 2, ...).
pub fn version_of(request: &RaftRequest) -> i16 {
    match request {
        RaftRequest::Vote(_) => 2,
        RaftRequest::BeginQuorumEpoch(_) => 1,
        RaftRequest::EndQuorumEpoch(_) => 1,
        RaftRequest::Fetch(_) => 18,
        RaftRequest::FetchSnapshot(_) => 1,
        RaftRequest::DescribeQuorum(_) => 2,
        RaftRequest::AddRaftVoter(_)
        | RaftRequest::RemoveRaftVoter(_)
        | RaftRequest::UpdateRaftVoter(_) => 0,
    }
}

fn round_trip<T: Encodable + Decodable>(value: &T, version: i16) -> Result<T, String> {
    let mut buffer = BytesMut::new();
    value
        .encode(&mut buffer, version)
        .map_err(|e| format!("encode at v{version}: {e}"))?;
    let mut bytes = buffer.freeze();
    let decoded =
        T::decode(&mut bytes, version).map_err(|e| format!("decode at v{version}: {e}"))?;
    if !bytes.is_empty() {
        return Err(format!(
            "{} bytes left after decoding at v{version}",
            bytes.len()
        ));
    }
    Ok(decoded)
}

/// Encodes and decodes `request` at `version`.
pub fn round_trip_request(request: &RaftRequest, version: i16) -> Result<RaftRequest, String> {
    Ok(match request {
        RaftRequest::Vote(r) => RaftRequest::Vote(round_trip(r, version)?),
        RaftRequest::BeginQuorumEpoch(r) => RaftRequest::BeginQuorumEpoch(round_trip(r, version)?),
        RaftRequest::EndQuorumEpoch(r) => RaftRequest::EndQuorumEpoch(round_trip(r, version)?),
        RaftRequest::Fetch(r) => RaftRequest::Fetch(round_trip(r, version)?),
        RaftRequest::FetchSnapshot(r) => RaftRequest::FetchSnapshot(round_trip(r, version)?),
        RaftRequest::DescribeQuorum(r) => RaftRequest::DescribeQuorum(round_trip(r, version)?),
        RaftRequest::AddRaftVoter(r) => RaftRequest::AddRaftVoter(round_trip(r, version)?),
        RaftRequest::RemoveRaftVoter(r) => RaftRequest::RemoveRaftVoter(round_trip(r, version)?),
        RaftRequest::UpdateRaftVoter(r) => RaftRequest::UpdateRaftVoter(round_trip(r, version)?),
    })
}

/// Encodes and decodes `response` at `version`.
pub fn round_trip_response(response: &RaftResponse, version: i16) -> Result<RaftResponse, String> {
    Ok(match response {
        RaftResponse::Vote(r) => RaftResponse::Vote(round_trip(r, version)?),
        RaftResponse::BeginQuorumEpoch(r) => {
            RaftResponse::BeginQuorumEpoch(round_trip(r, version)?)
        }
        RaftResponse::EndQuorumEpoch(r) => RaftResponse::EndQuorumEpoch(round_trip(r, version)?),
        RaftResponse::Fetch(r) => RaftResponse::Fetch(round_trip(r, version)?),
        RaftResponse::FetchSnapshot(r) => RaftResponse::FetchSnapshot(round_trip(r, version)?),
        RaftResponse::DescribeQuorum(r) => RaftResponse::DescribeQuorum(round_trip(r, version)?),
        RaftResponse::AddRaftVoter(r) => RaftResponse::AddRaftVoter(round_trip(r, version)?),
        RaftResponse::RemoveRaftVoter(r) => RaftResponse::RemoveRaftVoter(round_trip(r, version)?),
        RaftResponse::UpdateRaftVoter(r) => RaftResponse::UpdateRaftVoter(round_trip(r, version)?),
    })
}
