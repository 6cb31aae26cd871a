//! `format_controller_dir` and `describe_dir`.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::Env;
use yakt_log::control::{self, VoterSpec};
use yakt_log::format::{self, FormatOutcome, FormatRequest};
use yakt_log::snapshot::{self, SnapshotId};
use yakt_log::{LogConfig, LogError};
use yakt_wire::Uuid;

fn request(dynamic: bool) -> FormatRequest {
    FormatRequest {
        cluster_id: "MkU3OEVBNTcwNTJENDM2Qg".into(),
        node_id: 1,
        directory_id: Uuid::new(11, 22),
        bootstrap_records: vec![
            Bytes::from_static(b"\x01\x0c\x00mv"),
            Bytes::from_static(b"\x01\x0c\x00gv"),
        ],
        dynamic_voters: dynamic.then(|| {
            vec![VoterSpec {
                id: 1,
                directory_id: Uuid::new(11, 22),
                endpoints: vec![("CONTROLLER".into(), "localhost".into(), 9093)],
            }]
        }),
        is_metadata_log_dir: true,
        ignore_formatted: false,
        now_ms: 1_700_000_000_000,
    }
}

#[test]
fn static_quorum_gets_meta_properties_and_bootstrap_checkpoint_only() {
    let env = Env::mem();
    let dir = env.dir.parent().unwrap().to_path_buf();
    let outcome =
        format::format_controller_dir(Arc::clone(&env.fs), &dir, &request(false)).unwrap();
    let FormatOutcome::Formatted(files) = outcome else {
        panic!("not formatted")
    };
    assert_eq!(
        files,
        [
            dir.join("bootstrap.checkpoint"),
            dir.join("meta.properties")
        ]
    );
    let info = format::describe_dir(&*env.fs, &dir).unwrap();
    let meta = info.meta_properties.unwrap();
    assert_eq!(
        (meta.node_id, meta.directory_id),
        (Some(1), Some(Uuid::new(11, 22)))
    );
    assert_eq!(info.bootstrap_records, Some(2));
    assert!(info.snapshots.is_empty() && info.problems.is_empty());
}

#[test]
fn dynamic_quorum_also_gets_the_0_0_snapshot_with_kraft_version_and_voters() {
    let env = Env::real();
    let dir = env.dir.parent().unwrap().to_path_buf();
    format::format_controller_dir(Arc::clone(&env.fs), &dir, &request(true)).unwrap();
    let snap = snapshot::read_snapshot(&*env.fs, &env.dir, SnapshotId::BOOTSTRAP).unwrap();
    let types: Vec<i16> = snap.control_records.iter().map(|c| c.record_type).collect();
    assert_eq!(types, [control::KRAFT_VERSION, control::KRAFT_VOTERS]);
    assert_eq!(snap.control_records[0], control::kraft_version(1));
    // The log opens beside it, empty.
    let log = env.open(LogConfig::default()).unwrap();
    assert_eq!(log.log_end_offset(), 0);
    assert_eq!(
        format::describe_dir(&*env.fs, &dir).unwrap().snapshots,
        [SnapshotId::BOOTSTRAP]
    );
}

#[test]
fn formatted_directory_is_refused_unless_ignored() {
    let env = Env::mem();
    let dir = env.dir.parent().unwrap().to_path_buf();
    format::format_controller_dir(Arc::clone(&env.fs), &dir, &request(false)).unwrap();
    let before = env.fs.read(&dir.join("meta.properties")).unwrap();
    let err =
        format::format_controller_dir(Arc::clone(&env.fs), &dir, &request(false)).unwrap_err();
    assert!(matches!(err, LogError::AlreadyFormatted { .. }), "{err}");
    assert!(err.to_string().contains("--ignore-formatted"));
    let ignore = FormatRequest {
        ignore_formatted: true,
        node_id: 9,
        ..request(false)
    };
    let outcome = format::format_controller_dir(Arc::clone(&env.fs), &dir, &ignore).unwrap();
    assert_eq!(outcome, FormatOutcome::AlreadyFormatted);
    assert_eq!(env.fs.read(&dir.join("meta.properties")).unwrap(), before);
}

#[test]
fn describe_reports_leftovers_and_malformed_files() {
    let env = Env::mem();
    let dir = env.dir.parent().unwrap().to_path_buf();
    format::format_controller_dir(Arc::clone(&env.fs), &dir, &request(false)).unwrap();
    env.fs.create_dir_all(&env.dir).unwrap();
    env.memfs()
        .put_file(&env.dir.join("quorum-state"), b"{\"leaderId\":");
    env.memfs().put_file(
        &env.dir
            .join("00000000000000000005-0000000001.checkpoint.part"),
        b"x",
    );
    let info = format::describe_dir(&*env.fs, &dir).unwrap();
    assert_eq!(info.problems.len(), 2, "{:?}", info.problems);
    assert!(info.quorum_state.is_none());
}
