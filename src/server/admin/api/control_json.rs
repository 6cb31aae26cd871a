//! Control records (LeaderChange, SnapshotHeader/Footer, KRaftVersion, KRaftVoters, the
//! transaction markers) as JSON lines of the stream: typed by Kafka's `ControlRecordType`
//! names, the data as `kafka-dump-log` prints them.

use serde_json::{json, Value};
use yakt_wire::{ControlRecord, Uuid};

/// Kafka's `ControlRecordType` name of `record`.
pub(crate) fn type_name(record: &ControlRecord) -> &'static str {
    match record {
        ControlRecord::Abort(_) => "ABORT",
        ControlRecord::Commit(_) => "COMMIT",
        ControlRecord::LeaderChange(_) => "LEADER_CHANGE",
        ControlRecord::SnapshotHeader(_) => "SNAPSHOT_HEADER",
        ControlRecord::SnapshotFooter(_) => "SNAPSHOT_FOOTER",
        ControlRecord::KRaftVersion(_) => "KRAFT_VERSION",
        ControlRecord::Voters(_) => "KRAFT_VOTERS",
    }
}

/// The record's value version and its fields.
pub(crate) fn version_and_data(record: &ControlRecord) -> (i16, Value) {
    match record {
        ControlRecord::Abort(value) | ControlRecord::Commit(value) => marker(value),
        ControlRecord::LeaderChange(message) => {
            let voters = |voters: &[kafka_protocol::messages::leader_change_message::Voter]| {
                let list = voters.iter().map(|voter| {
                    let mut object = json!({ "voterId": voter.voter_id });
                    if message.version >= 1 {
                        let directory = Uuid::from(voter.voter_directory_id).to_string();
                        object["voterDirectoryId"] = directory.into();
                    }
                    object
                });
                Value::Array(list.collect())
            };
            let data = json!({
                "version": message.version,
                "leaderId": *message.leader_id,
                "voters": voters(&message.voters),
                "grantingVoters": voters(&message.granting_voters),
            });
            (message.version, data)
        }
        ControlRecord::SnapshotHeader(header) => {
            let data = json!({
                "version": header.version,
                "lastContainedLogTimestamp": header.last_contained_log_timestamp,
            });
            (header.version, data)
        }
        ControlRecord::SnapshotFooter(footer) => {
            (footer.version, json!({ "version": footer.version }))
        }
        ControlRecord::KRaftVersion(record) => {
            let data = json!({
                "version": record.version,
                "kRaftVersion": record.k_raft_version,
            });
            (record.version, data)
        }
        ControlRecord::Voters(record) => (record.version, voters(record)),
    }
}

/// An ABORT or COMMIT marker: value `{int16 version, int32 coordinatorEpoch}`.
fn marker(value: &[u8]) -> (i16, Value) {
    match value {
        [v0, v1, e0, e1, e2, e3, ..] => {
            let version = i16::from_be_bytes([*v0, *v1]);
            let epoch = i32::from_be_bytes([*e0, *e1, *e2, *e3]);
            (
                version,
                json!({ "version": version, "coordinatorEpoch": epoch }),
            )
        }
        _ => (0, json!({})),
    }
}

fn voters(record: &kafka_protocol::messages::VotersRecord) -> Value {
    let voters = record.voters.iter().map(|voter| {
        let endpoints = voter.endpoints.iter().map(|endpoint| {
            json!({
                "name": endpoint.name.as_str(),
                "host": endpoint.host.as_str(),
                "port": endpoint.port,
            })
        });
        let feature = &voter.k_raft_version_feature;
        json!({
            "voterId": *voter.voter_id,
            "voterDirectoryId": Uuid::from(voter.voter_directory_id).to_string(),
            "endpoints": endpoints.collect::<Vec<_>>(),
            "kRaftVersionFeature": {
                "minSupportedVersion": feature.min_supported_version,
                "maxSupportedVersion": feature.max_supported_version,
            },
        })
    });
    json!({ "version": record.version, "voters": voters.collect::<Vec<_>>() })
}
