//! The small state files: `quorum-state` (Kafka's `FileQuorumStateStore`: one JSON object,
//! `data_version` 0 for kraft.version 0 and 1 for kraft.version 1) and `meta.properties`
//! (Kafka's `MetaProperties`, a Java properties file). Both are written through `.tmp`, fsync,
//! rename and a directory fsync; both are read with typed errors naming the file and the
//! problem. A stale `.tmp` left by a crash is ignored and removed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use yakt_wire::Uuid;

use crate::durable;
use crate::error::{LogError, Result};
use crate::fs::FileSystem;
use crate::properties;

/// The quorum state file name (in the partition directory).
pub const QUORUM_STATE: &str = "quorum-state";
/// The node identity file name (in every log directory).
pub const META_PROPERTIES: &str = "meta.properties";

/// What a voter remembers across restarts: the epoch, its leader and its vote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumState {
    /// The leader of `leader_epoch`, -1 when unknown.
    pub leader_id: i32,
    /// The latest known epoch.
    pub leader_epoch: i32,
    /// The candidate voted for in `leader_epoch`, -1 when none.
    pub voted_id: i32,
    /// Version 1: the directory id of the candidate voted for (zero when none).
    pub voted_directory_id: Uuid,
    /// Version 0: the static voter set.
    pub current_voters: Option<Vec<i32>>,
    /// 0 (kraft.version 0) or 1 (kraft.version 1).
    pub data_version: i16,
}

impl QuorumState {
    /// Kafka's JSON, fields in Kafka's order, `data_version` last.
    pub fn to_json(&self) -> String {
        let json = if self.data_version == 0 {
            let voters = self
                .current_voters
                .as_ref()
                .map(|ids| ids.iter().map(|&voter_id| VoterJson { voter_id }).collect());
            serde_json::to_string(&QuorumStateV0 {
                cluster_id: "",
                leader_id: self.leader_id,
                leader_epoch: self.leader_epoch,
                voted_id: self.voted_id,
                applied_offset: 0,
                current_voters: voters,
                data_version: 0,
            })
        } else {
            serde_json::to_string(&QuorumStateV1 {
                leader_id: self.leader_id,
                leader_epoch: self.leader_epoch,
                voted_id: self.voted_id,
                voted_directory_id: self.voted_directory_id.to_string(),
                data_version: self.data_version,
            })
        };
        json.expect("plain structs always serialize")
    }

    /// Parses Kafka's JSON (data_version 0 or 1).
    pub fn from_json(path: &Path, text: &str) -> Result<QuorumState> {
        let bad = |reason: String| LogError::malformed(path, reason);
        let value: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let obj = value
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        let int = |name: &str| -> Result<i64> {
            match obj.get(name) {
                Some(v) => v
                    .as_i64()
                    .ok_or_else(|| bad(format!("{name} is not an integer"))),
                None => Err(bad(format!("missing {name}"))),
            }
        };
        let i32_field = |name: &str| -> Result<i32> {
            i32::try_from(int(name)?).map_err(|_| bad(format!("{name} is out of range")))
        };
        let data_version = match int("data_version")? {
            0 => 0,
            1 => 1,
            v => return Err(bad(format!("unsupported data_version {v}"))),
        };
        let voted_directory_id = match obj.get("votedDirectoryId") {
            None | Some(Value::Null) => Uuid::ZERO,
            Some(Value::String(s)) => s
                .parse()
                .map_err(|e| bad(format!("votedDirectoryId: {e}")))?,
            Some(_) => return Err(bad("votedDirectoryId is not a string".into())),
        };
        let current_voters = match obj.get("currentVoters") {
            None | Some(Value::Null) => None,
            Some(Value::Array(list)) => {
                Some(parse_voters(list).ok_or_else(|| bad("bad currentVoters".into()))?)
            }
            Some(_) => return Err(bad("currentVoters is not an array".into())),
        };
        Ok(QuorumState {
            leader_id: i32_field("leaderId")?,
            leader_epoch: i32_field("leaderEpoch")?,
            voted_id: i32_field("votedId")?,
            voted_directory_id,
            current_voters,
            data_version,
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QuorumStateV0 {
    cluster_id: &'static str,
    leader_id: i32,
    leader_epoch: i32,
    voted_id: i32,
    applied_offset: i64,
    current_voters: Option<Vec<VoterJson>>,
    #[serde(rename = "data_version")]
    data_version: i16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QuorumStateV1 {
    leader_id: i32,
    leader_epoch: i32,
    voted_id: i32,
    voted_directory_id: String,
    #[serde(rename = "data_version")]
    data_version: i16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VoterJson {
    voter_id: i32,
}

fn parse_voters(list: &[Value]) -> Option<Vec<i32>> {
    list.iter()
        .map(|v| i32::try_from(v.get("voterId")?.as_i64()?).ok())
        .collect()
}

/// Reads `quorum-state` from the partition directory (`None` when absent), removing a stale
/// `.tmp`.
pub fn read_quorum_state(fs: &dyn FileSystem, partition_dir: &Path) -> Result<Option<QuorumState>> {
    let path = partition_dir.join(QUORUM_STATE);
    durable::remove_stale_tmp(fs, &path)?;
    let Some(bytes) = durable::read_if_exists(fs, &path)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| LogError::malformed(&path, "not UTF-8"))?;
    QuorumState::from_json(&path, text.trim_end()).map(Some)
}

/// Writes `quorum-state` durably (tmp, fsync, rename, directory fsync).
pub fn write_quorum_state(
    fs: &dyn FileSystem,
    partition_dir: &Path,
    state: &QuorumState,
) -> Result<()> {
    let path = partition_dir.join(QUORUM_STATE);
    durable::write_durably(fs, &path, state.to_json().as_bytes())
}

/// The identity of a log directory (`meta.properties`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaProperties {
    /// `version`: 1 for KRaft (0 is the ZooKeeper-era layout with `broker.id`).
    pub version: i32,
    /// `cluster.id`.
    pub cluster_id: Option<String>,
    /// `node.id` (`broker.id` in version 0).
    pub node_id: Option<i32>,
    /// `directory.id`.
    pub directory_id: Option<Uuid>,
    /// Any other properties, kept as read.
    pub other: BTreeMap<String, String>,
}

impl MetaProperties {
    /// A version 1 identity.
    pub fn new(cluster_id: &str, node_id: i32, directory_id: Uuid) -> MetaProperties {
        MetaProperties {
            version: 1,
            cluster_id: Some(cluster_id.to_owned()),
            node_id: Some(node_id),
            directory_id: Some(directory_id),
            other: BTreeMap::new(),
        }
    }

    /// The file as Kafka writes it: an empty comment, a date comment, then the properties.
    pub fn to_properties(&self, now_ms: i64) -> String {
        let mut entries = Vec::new();
        let node_key = if self.version == 0 {
            "broker.id"
        } else {
            "node.id"
        };
        if let Some(id) = self.node_id {
            entries.push((node_key.to_owned(), id.to_string()));
        }
        if let Some(dir) = self.directory_id {
            entries.push(("directory.id".to_owned(), dir.to_string()));
        }
        entries.push(("version".to_owned(), self.version.to_string()));
        if let Some(cluster) = &self.cluster_id {
            entries.push(("cluster.id".to_owned(), cluster.clone()));
        }
        entries.extend(self.other.iter().map(|(k, v)| (k.clone(), v.clone())));
        properties::store(&entries, now_ms)
    }

    /// Parses the file, checking the fields Kafka requires.
    pub fn parse(path: &Path, text: &str) -> Result<MetaProperties> {
        let mut props: std::collections::BTreeMap<String, String> =
            properties::Properties::parse(text)
                .map_err(|e| LogError::malformed(path, e.to_string()))?
                .iter()
                .map(|p| (p.key.clone(), p.value.clone()))
                .collect();
        let bad = |reason: String| LogError::malformed(path, reason);
        let version = match props.remove("version").as_deref() {
            Some("0") => 0,
            Some("1") => 1,
            Some(v) => return Err(bad(format!("unsupported version {v:?}"))),
            None => return Err(bad("missing version".into())),
        };
        let node_key = if version == 0 { "broker.id" } else { "node.id" };
        let node_id = match props.remove(node_key) {
            Some(v) => Some(
                v.parse()
                    .map_err(|_| bad(format!("{node_key} {v:?} is not an integer")))?,
            ),
            None if version == 1 => return Err(bad("missing node.id".into())),
            None => None,
        };
        let directory_id = match props.remove("directory.id") {
            Some(v) => Some(
                v.parse()
                    .map_err(|e| bad(format!("directory.id {v:?}: {e}")))?,
            ),
            None => None,
        };
        Ok(MetaProperties {
            version,
            cluster_id: props.remove("cluster.id"),
            node_id,
            directory_id,
            other: props,
        })
    }
}

/// Reads `meta.properties` from a log directory (`None` when absent), removing a stale `.tmp`.
pub fn read_meta_properties(fs: &dyn FileSystem, dir: &Path) -> Result<Option<MetaProperties>> {
    let path = dir.join(META_PROPERTIES);
    durable::remove_stale_tmp(fs, &path)?;
    let Some(bytes) = durable::read_if_exists(fs, &path)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| LogError::malformed(&path, "not UTF-8"))?;
    MetaProperties::parse(&path, text).map(Some)
}

/// Writes `meta.properties` durably, stamped with `now_ms` in its date comment.
pub fn write_meta_properties(
    fs: &dyn FileSystem,
    dir: &Path,
    meta: &MetaProperties,
    now_ms: i64,
) -> Result<()> {
    let path = dir.join(META_PROPERTIES);
    durable::write_durably(fs, &path, meta.to_properties(now_ms).as_bytes())
}
