//! quorum-state and meta.properties: Kafka's exact formats, durable writes, clear errors.

mod common;

use common::Env;
use yakt_log::state::{self, MetaProperties, QuorumState};
use yakt_log::LogError;
use yakt_wire::Uuid;

fn v0() -> QuorumState {
    QuorumState {
        leader_id: 1,
        leader_epoch: 5,
        voted_id: -1,
        voted_directory_id: Uuid::ZERO,
        current_voters: Some(vec![1, 2, 3]),
        data_version: 0,
    }
}

fn v1() -> QuorumState {
    QuorumState {
        leader_id: -1,
        leader_epoch: 7,
        voted_id: 2,
        voted_directory_id: "p6J8BdsIQnmiUaj1x4H8yw".parse().unwrap(),
        current_voters: None,
        data_version: 1,
    }
}

#[test]
fn quorum_state_json_matches_kafka_field_for_field() {
    assert_eq!(
        v0().to_json(),
        r#"{"clusterId":"","leaderId":1,"leaderEpoch":5,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0}"#
    );
    assert_eq!(
        v1().to_json(),
        r#"{"leaderId":-1,"leaderEpoch":7,"votedId":2,"votedDirectoryId":"p6J8BdsIQnmiUaj1x4H8yw","data_version":1}"#
    );
}

#[test]
fn quorum_state_round_trips_both_versions_on_disk() {
    let env = Env::real();
    env.fs.create_dir_all(&env.dir).unwrap();
    assert_eq!(state::read_quorum_state(&*env.fs, &env.dir).unwrap(), None);
    for s in [v0(), v1()] {
        state::write_quorum_state(&*env.fs, &env.dir, &s).unwrap();
        assert_eq!(
            state::read_quorum_state(&*env.fs, &env.dir).unwrap(),
            Some(s)
        );
    }
}

#[test]
fn torn_quorum_state_is_a_clear_typed_error() {
    let env = Env::mem();
    env.fs.create_dir_all(&env.dir).unwrap();
    let json = v1().to_json();
    for cut in [0, 1, json.len() / 2, json.len() - 1] {
        env.memfs()
            .put_file(&env.dir.join("quorum-state"), &json.as_bytes()[..cut]);
        let err = state::read_quorum_state(&*env.fs, &env.dir).unwrap_err();
        assert!(matches!(err, LogError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains("quorum-state"), "{err}");
    }
    env.memfs().put_file(
        &env.dir.join("quorum-state"),
        br#"{"leaderId":1,"data_version":1}"#,
    );
    let err = state::read_quorum_state(&*env.fs, &env.dir).unwrap_err();
    assert!(err.to_string().contains("missing leaderEpoch"), "{err}");
}

#[test]
fn stale_tmp_from_a_crash_mid_write_is_ignored_and_removed() {
    let env = Env::mem();
    env.fs.create_dir_all(&env.dir).unwrap();
    state::write_quorum_state(&*env.fs, &env.dir, &v0()).unwrap();
    let tmp = env.dir.join("quorum-state.tmp");
    env.memfs().put_file(&tmp, &v1().to_json().as_bytes()[..10]);
    assert_eq!(
        state::read_quorum_state(&*env.fs, &env.dir).unwrap(),
        Some(v0())
    );
    assert!(!env.fs.exists(&tmp));
}

#[test]
fn a_write_survives_a_crash_once_it_returns() {
    let env = Env::mem();
    env.fs.create_dir_all(&env.dir).unwrap();
    state::write_quorum_state(&*env.fs, &env.dir, &v1()).unwrap();
    env.memfs().crash();
    assert_eq!(
        state::read_quorum_state(&*env.fs, &env.dir).unwrap(),
        Some(v1())
    );
}

#[test]
fn meta_properties_written_like_kafka_and_read_back() {
    let env = Env::mem();
    env.fs.create_dir_all(&env.dir).unwrap();
    let dir_id: Uuid = "mzqwRTtnRIqmlCbySqkBzQ".parse().unwrap();
    let meta = MetaProperties::new("MkU3OEVBNTcwNTJENDM2Qg", 1, dir_id);
    state::write_meta_properties(&*env.fs, &env.dir, &meta, 0).unwrap();
    let text = String::from_utf8(env.fs.read(&env.dir.join("meta.properties")).unwrap()).unwrap();
    assert_eq!(
        text,
        "#\n#Thu Jan 01 00:00:00 UTC 1970\nnode.id=1\ndirectory.id=mzqwRTtnRIqmlCbySqkBzQ\nversion=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\n"
    );
    assert_eq!(
        state::read_meta_properties(&*env.fs, &env.dir).unwrap(),
        Some(meta)
    );
}

#[test]
fn meta_properties_as_kafka_wrote_them_parse() {
    let kafka = "#\n#Thu Apr 04 10:58:21 UTC 2024\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\ndirectory.id=mzqwRTtnRIqmlCbySqkBzQ\nnode.id=3\nversion=1\n";
    let meta = MetaProperties::parse(std::path::Path::new("m"), kafka).unwrap();
    assert_eq!(
        (meta.node_id, meta.cluster_id.as_deref()),
        (Some(3), Some("MkU3OEVBNTcwNTJENDM2Qg"))
    );
    assert!(meta.other.is_empty());
}

#[test]
fn malformed_meta_properties_are_typed_errors() {
    let p = std::path::Path::new("meta.properties");
    for (text, needle) in [
        ("node.id=1\n", "missing version"),
        ("version=2\nnode.id=1\n", "unsupported version"),
        ("version=1\ncluster.id=x\n", "missing node.id"),
        ("version=1\nnode.id=one\n", "not an integer"),
        ("version=1\nnode.id=1\ndirectory.id=###\n", "directory.id"),
    ] {
        let err = MetaProperties::parse(p, text).unwrap_err();
        assert!(err.to_string().contains(needle), "{text:?}: {err}");
    }
}
