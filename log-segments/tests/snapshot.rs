//! Snapshot files and bootstrap.checkpoint: layout, durability protocol, checks on read.

mod common;

use std::sync::Arc;

use common::Env;
use yakt_log::control::{self, VoterSpec};
use yakt_log::snapshot::{
    self, read_snapshot, SnapshotId, SnapshotWriter, PARTIAL_SUFFIX, SNAPSHOT_SUFFIX,
};
use yakt_log::{LogConfig, LogError};
use yakt_wire::batch::BatchView;

fn id(end_offset: i64, epoch: i32) -> SnapshotId {
    SnapshotId { end_offset, epoch }
}

fn write(env: &Env, snapshot: SnapshotId, records: &[&[u8]]) {
    env.fs.create_dir_all(&env.dir).unwrap();
    let mut w =
        SnapshotWriter::create(Arc::clone(&env.fs), &env.dir, snapshot, 777, 1_000, &[]).unwrap();
    w.append_records(records).unwrap();
    w.freeze().unwrap();
}

#[test]
fn names_follow_kafka() {
    assert_eq!(
        id(42, 3).file_name(".checkpoint"),
        "00000000000000000042-0000000003.checkpoint"
    );
    assert_eq!(
        SnapshotId::parse("00000000000000000042-0000000003.checkpoint", ".checkpoint"),
        Some(id(42, 3))
    );
    assert_eq!(SnapshotId::parse("0042-3.checkpoint", ".checkpoint"), None);
}

#[test]
fn round_trip_on_both_file_systems() {
    for env in [Env::mem(), Env::real()] {
        write(&env, id(10, 2), &[b"one", b"two", b"three"]);
        let snap = read_snapshot(&*env.fs, &env.dir, id(10, 2)).unwrap();
        assert_eq!(snap.last_contained_log_timestamp, 777);
        assert_eq!(snap.epoch, 2);
        let records: Vec<&[u8]> = snap.records.iter().map(|b| &b[..]).collect();
        assert_eq!(records, [&b"one"[..], b"two", b"three"]);
        assert!(snap.control_records.is_empty());
        if env.mem.is_none() {
            let path = env.dir.join(id(10, 2).file_name(SNAPSHOT_SUFFIX));
            let permissions = std::fs::metadata(path).unwrap().permissions();
            assert!(
                permissions.readonly(),
                "frozen snapshots are read-only, as Kafka's"
            );
        }
        assert_eq!(
            snapshot::list_snapshots(&*env.fs, &env.dir).unwrap(),
            [id(10, 2)]
        );
    }
}

#[test]
fn layout_is_header_batch_data_batch_footer_batch_from_offset_zero() {
    let env = Env::mem();
    write(&env, id(5, 1), &[b"a", b"b"]);
    let bytes = env
        .fs
        .read(&env.dir.join(id(5, 1).file_name(SNAPSHOT_SUFFIX)))
        .unwrap();
    let mut rest = &bytes[..];
    let mut seen = Vec::new();
    while !rest.is_empty() {
        let view = BatchView::parse(rest).unwrap();
        let h = view.header;
        let keys: Vec<Option<i16>> = view
            .records()
            .map(|r| r.unwrap().key.and_then(control::control_type))
            .collect();
        seen.push((
            h.base_offset,
            h.is_control(),
            h.partition_leader_epoch,
            keys,
        ));
        rest = &rest[h.size_in_bytes()..];
    }
    assert_eq!(
        seen,
        [
            (0, true, 1, vec![Some(control::SNAPSHOT_HEADER)]),
            (1, false, 1, vec![None, None]),
            (3, true, 1, vec![Some(control::SNAPSHOT_FOOTER)]),
        ]
    );
}

#[test]
fn partial_snapshot_is_invisible_and_removed_when_the_log_opens() {
    let env = Env::mem();
    env.fs.create_dir_all(&env.dir).unwrap();
    let mut w = SnapshotWriter::create(Arc::clone(&env.fs), &env.dir, id(9, 1), 0, 0, &[]).unwrap();
    w.append_records(&[b"x"]).unwrap();
    drop(w);
    let part = env.dir.join(id(9, 1).file_name(PARTIAL_SUFFIX));
    assert!(env.fs.exists(&part));
    assert!(snapshot::list_snapshots(&*env.fs, &env.dir)
        .unwrap()
        .is_empty());
    drop(env.open(LogConfig::default()).unwrap());
    assert!(!env.fs.exists(&part));
}

#[test]
fn snapshot_with_a_bad_crc_is_rejected_with_its_position() {
    let env = Env::mem();
    write(&env, id(3, 1), &[b"payload-payload"]);
    let path = env.dir.join(id(3, 1).file_name(SNAPSHOT_SUFFIX));
    let header_batch = BatchView::parse(&env.fs.read(&path).unwrap())
        .unwrap()
        .bytes
        .len();
    env.memfs().flip_bit(&path, header_batch + 70, 0).unwrap();
    let err = read_snapshot(&*env.fs, &env.dir, id(3, 1)).unwrap_err();
    assert!(matches!(err, LogError::Malformed { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("CRC") && text.contains(&format!("byte {header_batch}")),
        "{text}"
    );
}

#[test]
fn truncated_or_footerless_snapshot_is_rejected() {
    let env = Env::mem();
    write(&env, id(3, 1), &[b"payload"]);
    let path = env.dir.join(id(3, 1).file_name(SNAPSHOT_SUFFIX));
    let len = env.fs.read(&path).unwrap().len();
    env.memfs().set_file_len(&path, len - 1).unwrap();
    assert!(read_snapshot(&*env.fs, &env.dir, id(3, 1))
        .unwrap_err()
        .to_string()
        .contains("truncated"));
    let footer = yakt_wire::batch::BatchBuilder::new(0, 0, 0).control();
    let footer_len = {
        let mut f = footer;
        f.push(
            Some(&control::control_key(4)),
            Some(&control::snapshot_footer().value),
        );
        f.build().len()
    };
    env.memfs().set_file_len(&path, len - footer_len).unwrap();
    let err = read_snapshot(&*env.fs, &env.dir, id(3, 1)).unwrap_err();
    assert!(err.to_string().contains("no SnapshotFooterRecord"), "{err}");
}

#[test]
fn delete_leaves_nothing_and_existing_ids_are_refused() {
    let env = Env::mem();
    write(&env, id(3, 1), &[b"a"]);
    write(&env, id(8, 2), &[b"b"]);
    assert_eq!(
        snapshot::latest_snapshot(&*env.fs, &env.dir).unwrap(),
        Some(id(8, 2))
    );
    let again = SnapshotWriter::create(Arc::clone(&env.fs), &env.dir, id(8, 2), 0, 0, &[]);
    assert!(matches!(again, Err(LogError::SnapshotExists { .. })));
    snapshot::delete_snapshot(&*env.fs, &env.dir, id(3, 1)).unwrap();
    assert_eq!(
        snapshot::list_snapshots(&*env.fs, &env.dir).unwrap(),
        [id(8, 2)]
    );
    let names = env.fs.list_dir(&env.dir).unwrap();
    assert!(
        names.iter().all(|n| !n.contains("00000000000000000003-")),
        "{names:?}"
    );
}

#[test]
fn raw_writer_copies_a_fetched_snapshot_byte_for_byte() {
    let env = Env::mem();
    write(&env, id(3, 1), &[b"a", b"b"]);
    let source = read_snapshot(&*env.fs, &env.dir, id(3, 1)).unwrap();
    let mut w = SnapshotWriter::create_raw(Arc::clone(&env.fs), &env.dir, id(4, 1)).unwrap();
    for chunk in source.bytes.as_slice().chunks(7) {
        w.append_raw(chunk).unwrap();
    }
    w.freeze().unwrap();
    let copy = read_snapshot(&*env.fs, &env.dir, id(4, 1)).unwrap();
    assert_eq!(copy.bytes.as_slice(), source.bytes.as_slice());
}

#[test]
fn bootstrap_checkpoint_and_dynamic_quorum_controls_round_trip() {
    let env = Env::mem();
    let meta_dir = env.dir.parent().unwrap().to_path_buf();
    env.fs.create_dir_all(&env.dir).unwrap();
    snapshot::write_bootstrap_checkpoint(Arc::clone(&env.fs), &meta_dir, &[b"feature"], 5).unwrap();
    let boot = snapshot::read_bootstrap_checkpoint(&*env.fs, &meta_dir)
        .unwrap()
        .unwrap();
    assert_eq!((boot.epoch, boot.last_contained_log_timestamp), (0, 0));
    assert_eq!(boot.records, [&b"feature"[..]]);
    assert!(!env.fs.exists(&meta_dir.join("bootstrap.checkpoint.tmp")));

    let voter = VoterSpec {
        id: 1,
        directory_id: yakt_wire::Uuid::new(7, 9),
        endpoints: vec![("CONTROLLER".into(), "localhost".into(), 9093)],
    };
    let controls = [control::kraft_version(1), control::voters(&[voter])];
    let w = SnapshotWriter::create(
        Arc::clone(&env.fs),
        &env.dir,
        SnapshotId::BOOTSTRAP,
        0,
        5,
        &controls,
    )
    .unwrap();
    w.freeze().unwrap();
    let snap = read_snapshot(&*env.fs, &env.dir, SnapshotId::BOOTSTRAP).unwrap();
    assert_eq!(snap.control_records, controls);
    assert!(snap.records.is_empty());
}

#[test]
fn snapshots_behind_the_log_start_are_deleted_but_never_the_latest() {
    let env = Env::mem();
    for (end, epoch) in [(3, 1), (8, 1), (20, 2)] {
        write(&env, id(end, epoch), &[b"r"]);
    }
    let deleted = snapshot::delete_snapshots_below(&*env.fs, &env.dir, 10).unwrap();
    assert_eq!(deleted, [id(3, 1), id(8, 1)]);
    let deleted = snapshot::delete_snapshots_below(&*env.fs, &env.dir, 100).unwrap();
    assert!(deleted.is_empty());
    assert_eq!(
        snapshot::list_snapshots(&*env.fs, &env.dir).unwrap(),
        [id(20, 2)]
    );
}
