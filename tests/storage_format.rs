//! `yakt format` and `yakt info` next to Kafka's own `kafka-storage`: on twin configurations
//! both write the same files with the same records (timestamps and random directory ids
//! aside), each tool reads what the other wrote, and the flags are refused with Kafka's
//! messages.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{expect_success, kafka_old_version, kafka_version, write_properties, KafkaTool};
use yakt_log::snapshot::{read_snapshot_file, SnapshotFile};
use yakt_log::RealFs;
use yakt_wire::{ControlRecord, MetadataRecord, UserScramCredentialRecord};

const CLUSTER_ID: &str = "MkU3OEVBNTcwNTJENDM2Qg";
const DIR_1: &str = "JEXY6aqzQY-32P5TStzaFg";
const DIR_2: &str = "MvDxzVmcRsaTz33bUuRU6A";
const DIR_3: &str = "07R5amHmR32VDA6jHkGbTA";
const SNAPSHOT_0_0: &str = "__cluster_metadata-0/00000000000000000000-0000000000.checkpoint";

fn yakt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yakt"))
        .args(args)
        .output()
        .expect("yakt runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Which quorum a twin configuration describes.
#[derive(Clone, Copy)]
enum Quorum {
    Static,
    Dynamic,
}

/// Writes `<root>/<name>.properties` for node 1: two data directories and a metadata
/// directory under `<root>/<name>/`. Returns the properties file and the three directories.
fn config(root: &Path, name: &str, quorum: Quorum) -> (PathBuf, Vec<PathBuf>) {
    let base = root.join(name);
    let dirs = vec![base.join("a"), base.join("b"), base.join("meta")];
    let log_dirs = format!("{},{}", dirs[0].display(), dirs[1].display());
    let metadata = dirs[2].display().to_string();
    let mut properties = vec![
        ("process.roles", "controller"),
        ("node.id", "1"),
        ("listeners", "CONTROLLER://:19093"),
        ("controller.listener.names", "CONTROLLER"),
        ("log.dirs", &log_dirs),
        ("metadata.log.dir", &metadata),
    ];
    match quorum {
        Quorum::Static => properties.push(("controller.quorum.voters", "1@127.0.0.1:19093")),
        Quorum::Dynamic => {
            properties.push(("controller.quorum.bootstrap.servers", "127.0.0.1:19093"))
        }
    }
    let path = root.join(format!("{name}.properties"));
    write_properties(&path, &properties);
    (path, dirs)
}

fn kafka_format(version: &str, config: &Path, extra: &[&str]) -> String {
    let config = config.to_str().unwrap();
    let mut args = vec!["format", "-t", CLUSTER_ID, "-c", config];
    args.extend_from_slice(extra);
    let output = KafkaTool::run(version, "storage", &args);
    expect_success(&output, &format!("kafka-storage format {extra:?}"))
}

fn yakt_format(config: &Path, extra: &[&str]) -> String {
    let config = config.to_str().unwrap();
    let mut args = vec!["format", "--cluster-id", CLUSTER_ID, "--config", config];
    args.extend_from_slice(extra);
    expect_success(&yakt(&args), &format!("yakt format {extra:?}"))
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `meta.properties` as key → value.
fn meta_properties(dir: &Path) -> BTreeMap<String, String> {
    fs::read_to_string(dir.join("meta.properties"))
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

fn snapshot(path: &Path) -> SnapshotFile {
    read_snapshot_file(&RealFs, path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn control_records(file: &SnapshotFile) -> Vec<ControlRecord> {
    file.control_records
        .iter()
        .map(|c| c.decode().unwrap())
        .collect()
}

/// The voters' directory ids (random under `--standalone`) replaced by zero.
fn without_directory_ids(mut records: Vec<ControlRecord>) -> Vec<ControlRecord> {
    for record in &mut records {
        if let ControlRecord::Voters(voters) = record {
            for voter in &mut voters.voters {
                voter.voter_directory_id = Default::default();
            }
        }
    }
    records
}

/// The voter directory ids of the `VotersRecord` in `file`.
fn voter_directory_ids(file: &SnapshotFile) -> Vec<String> {
    control_records(file)
        .into_iter()
        .filter_map(|record| match record {
            ControlRecord::Voters(voters) => Some(voters.voters),
            _ => None,
        })
        .flatten()
        .map(|voter| yakt_wire::Uuid::from(voter.voter_directory_id).to_string())
        .collect()
}

/// Both trees hold the same files; their bootstrap records and 0-0 snapshot records are
/// equal (directory ids aside when `random_voter_ids`); meta.properties have the same keys,
/// cluster id and node id, and directory ids that differ between directories.
fn assert_twins(kafka: &[PathBuf], ours: &[PathBuf], random_voter_ids: bool) {
    for (kafka_dir, our_dir) in kafka.iter().zip(ours) {
        let what = our_dir.display();
        assert_eq!(files(kafka_dir), files(our_dir), "{what}");
        let theirs = snapshot(&kafka_dir.join("bootstrap.checkpoint"));
        let mine = snapshot(&our_dir.join("bootstrap.checkpoint"));
        assert_eq!(theirs.records, mine.records, "{what}");
        assert_eq!(theirs.last_contained_log_timestamp, 0);
        assert_eq!(mine.last_contained_log_timestamp, 0);
        assert!(mine.control_records.is_empty(), "{what}");
        let (kafka_meta, our_meta) = (meta_properties(kafka_dir), meta_properties(our_dir));
        assert_eq!(
            kafka_meta.keys().collect::<Vec<_>>(),
            our_meta.keys().collect::<Vec<_>>(),
            "{what}"
        );
        for key in ["version", "cluster.id", "node.id"] {
            assert_eq!(kafka_meta[key], our_meta[key], "{what} {key}");
        }
        let snapshot_path = our_dir.join(SNAPSHOT_0_0);
        if snapshot_path.exists() {
            let theirs = snapshot(&kafka_dir.join(SNAPSHOT_0_0));
            let mine = snapshot(&snapshot_path);
            assert!(mine.records.is_empty() && theirs.records.is_empty());
            assert!(mine.last_contained_log_timestamp > 0);
            let (theirs_controls, mine_controls) = if random_voter_ids {
                (
                    without_directory_ids(control_records(&theirs)),
                    without_directory_ids(control_records(&mine)),
                )
            } else {
                (control_records(&theirs), control_records(&mine))
            };
            assert_eq!(theirs_controls, mine_controls, "{what}");
        }
    }
    let ids: Vec<String> = ours
        .iter()
        .map(|dir| meta_properties(dir)["directory.id"].clone())
        .collect();
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
}

#[test]
fn static_standalone_and_initial_controllers_format_as_kafka_does_and_read_both_ways() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let version = kafka_version();

    let (kafka_static, kafka_static_dirs) = config(root, "kafka-static", Quorum::Static);
    let (our_static, our_static_dirs) = config(root, "yakt-static", Quorum::Static);
    let kafka_out = kafka_format(&version, &kafka_static, &["--release-version", "4.3"]);
    let our_out = yakt_format(&our_static, &["--release-version", "4.3"]);
    assert_twins(&kafka_static_dirs, &our_static_dirs, false);
    for (kafka_dir, our_dir) in kafka_static_dirs.iter().zip(&our_static_dirs) {
        let kind = if kafka_dir.ends_with("meta") {
            "metadata directory"
        } else {
            "data directory"
        };
        let line = |dir: &Path| {
            format!(
                "Formatting {kind} {} with metadata.version 4.3-IV0.",
                dir.display()
            )
        };
        assert!(kafka_out.contains(&line(kafka_dir)), "{kafka_out}");
        assert!(our_out.contains(&line(our_dir)), "{our_out}");
    }

    let (kafka_alone, kafka_alone_dirs) = config(root, "kafka-standalone", Quorum::Dynamic);
    let (our_alone, our_alone_dirs) = config(root, "yakt-standalone", Quorum::Dynamic);
    kafka_format(
        &version,
        &kafka_alone,
        &["--release-version", "4.3", "--standalone"],
    );
    yakt_format(&our_alone, &["--release-version", "4.3", "--standalone"]);
    assert_twins(&kafka_alone_dirs, &our_alone_dirs, true);
    for dirs in [&kafka_alone_dirs, &our_alone_dirs] {
        let metadata = &dirs[2];
        let voter_ids = voter_directory_ids(&snapshot(&metadata.join(SNAPSHOT_0_0)));
        assert_eq!(
            voter_ids,
            [meta_properties(metadata)["directory.id"].clone()]
        );
        assert!(!dirs[0].join("__cluster_metadata-0").exists());
    }

    let voters = format!("1@localhost:19093:{DIR_1},2@[::1]:19094:{DIR_2},3@c3:19095:{DIR_3}");
    let (kafka_initial, kafka_initial_dirs) = config(root, "kafka-initial", Quorum::Dynamic);
    let (our_initial, our_initial_dirs) = config(root, "yakt-initial", Quorum::Dynamic);
    kafka_format(
        &version,
        &kafka_initial,
        &["--initial-controllers", &voters],
    );
    yakt_format(
        &our_initial,
        &["--release-version", "4.3", "--initial-controllers", &voters],
    );
    assert_twins(&kafka_initial_dirs, &our_initial_dirs, false);
    for dirs in [&kafka_initial_dirs, &our_initial_dirs] {
        assert_eq!(meta_properties(&dirs[2])["directory.id"], DIR_1);
        assert_eq!(
            voter_directory_ids(&snapshot(&dirs[2].join(SNAPSHOT_0_0))),
            [DIR_1, DIR_2, DIR_3]
        );
    }

    // Kafka's `kafka-storage info` reads every directory yakt formatted.
    let all_ours: Vec<String> = [our_static_dirs, our_alone_dirs, our_initial_dirs]
        .concat()
        .iter()
        .map(|dir| dir.display().to_string())
        .collect();
    let info_config = root.join("info.properties");
    write_properties(
        &info_config,
        &[
            ("process.roles", "controller"),
            ("node.id", "1"),
            ("listeners", "CONTROLLER://:19093"),
            ("controller.listener.names", "CONTROLLER"),
            ("controller.quorum.voters", "1@127.0.0.1:19093"),
            ("log.dirs", &all_ours.join(",")),
        ],
    );
    let info = KafkaTool::run(
        &version,
        "storage",
        &["info", "-c", info_config.to_str().unwrap()],
    );
    let info = expect_success(&info, "kafka-storage info");
    assert!(info.contains("Found log directories:"), "{info}");
    for dir in &all_ours {
        assert!(
            info.contains(&format!("  {dir}\n")),
            "{dir} missing from\n{info}"
        );
    }
    assert!(
        info.contains(&format!(
            "Found metadata: {{cluster.id={CLUSTER_ID}, directory.id="
        )),
        "{info}"
    );
    assert!(info.contains("node.id=1, version=1}"), "{info}");
    assert!(!info.contains("problem"), "{info}");

    // yakt info reads the directories Kafka formatted.
    for (config, dirs) in [
        (&kafka_static, &kafka_static_dirs),
        (&kafka_alone, &kafka_alone_dirs),
    ] {
        let out = yakt(&["info", "--config", config.to_str().unwrap()]);
        let out = expect_success(&out, "yakt info");
        for dir in dirs.iter() {
            let id = &meta_properties(dir)["directory.id"];
            assert!(out.contains(&format!("directory.id={id}")), "{out}");
        }
        assert!(out.contains("6 record(s): metadata.version=30, eligible.leader.replicas.version=1, group.version=1, share.version=1, streams.version=1, transaction.version=2"), "{out}");
    }
    let out = expect_success(
        &yakt(&["info", "--config", kafka_alone.to_str().unwrap()]),
        "yakt info",
    );
    assert!(
        out.contains("kraft.version=1; voters 1 (directory "),
        "{out}"
    );
    assert!(out.contains("CONTROLLER://localhost:19093"), "{out}");
}

/// yakt's default release is 4.0, the one Kafka 4.0.x formats by default.
#[test]
fn the_default_release_matches_kafka_4_0s_default() {
    let root = tempfile::tempdir().unwrap();
    let (kafka, kafka_dirs) = config(root.path(), "kafka", Quorum::Static);
    let (ours, our_dirs) = config(root.path(), "yakt", Quorum::Static);
    kafka_format(&kafka_old_version(), &kafka, &[]);
    let out = yakt_format(&ours, &[]);
    assert!(
        out.contains("metadata.version=25 (4.0-IV3), group.version=1, transaction.version=2"),
        "{out}"
    );
    assert_twins(&kafka_dirs, &our_dirs, false);
}

/// The flags Kafka refuses, refused with Kafka's words.
#[test]
fn quorum_flags_are_refused_as_kafka_refuses_them() {
    let root = tempfile::tempdir().unwrap();
    let version = kafka_version();
    let (static_config, _) = config(root.path(), "static", Quorum::Static);
    let (dynamic_config, dynamic_dirs) = config(root.path(), "dynamic", Quorum::Dynamic);
    for (config, extra) in [(&static_config, "--standalone"), (&dynamic_config, "")] {
        let config = config.to_str().unwrap();
        let mut args = vec!["format", "-t", CLUSTER_ID, "-c", config];
        args.extend(Some(extra).filter(|e| !e.is_empty()));
        let kafka = KafkaTool::run(&version, "storage", &args);
        let ours = yakt(&args);
        assert!(!kafka.status.success() && !ours.status.success());
        let kafka_message = text(&kafka.stderr).trim().to_string();
        let our_message = text(&ours.stderr);
        assert!(!kafka_message.is_empty());
        assert_eq!(our_message.trim(), format!("yakt: {kafka_message}"));
    }
    assert!(!dynamic_dirs[2].exists(), "nothing was written");
}

#[test]
fn a_formatted_directory_is_refused_unless_ignore_formatted() {
    let root = tempfile::tempdir().unwrap();
    let (config, dirs) = config(root.path(), "yakt", Quorum::Static);
    let config = config.to_str().unwrap();
    yakt_format(Path::new(config), &[]);
    let before = fs::read(dirs[2].join("meta.properties")).unwrap();

    let again = yakt(&["format", "-t", CLUSTER_ID, "-c", config]);
    assert!(!again.status.success());
    assert_eq!(
        text(&again.stderr).trim(),
        format!(
            "yakt: Log directory {} is already formatted. Use --ignore-formatted to ignore \
             this directory and format the others.",
            dirs[0].display()
        )
    );
    let ignored = expect_success(
        &yakt(&[
            "format",
            "-t",
            CLUSTER_ID,
            "-c",
            config,
            "--ignore-formatted",
        ]),
        "yakt format --ignore-formatted",
    );
    assert_eq!(
        ignored.trim(),
        "All of the log directories are already formatted."
    );
    assert_eq!(fs::read(dirs[2].join("meta.properties")).unwrap(), before);

    // A lost data directory is formatted again; the others are kept.
    fs::remove_dir_all(&dirs[1]).unwrap();
    let partial = expect_success(
        &yakt(&["format", "-t", CLUSTER_ID, "-c", config, "-g"]),
        "yakt format -g",
    );
    assert!(partial.contains(&format!("Formatting data directory {}", dirs[1].display())));
    assert_eq!(fs::read(dirs[2].join("meta.properties")).unwrap(), before);

    // Another cluster's directory is refused even with --ignore-formatted.
    let other = yakt(&["format", "-t", "AAAAAAAAAAAAAAAAAAAAAQ", "-c", config, "-g"]);
    assert!(!other.status.success());
    assert!(text(&other.stderr).contains("Invalid cluster.id in:"));
}

#[test]
fn info_reports_missing_and_unformatted_directories() {
    let root = tempfile::tempdir().unwrap();
    let (config, dirs) = config(root.path(), "yakt", Quorum::Static);
    fs::create_dir_all(&dirs[0]).unwrap();
    let out = yakt(&["info", "-c", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("  {} is not formatted.", dirs[0].display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  {} does not exist", dirs[2].display())),
        "{stdout}"
    );
    assert!(stdout.contains("Found problems:"), "{stdout}");
}

/// A controller that is not among `--initial-controllers` still gets the 0-0 snapshot with
/// the voter set (Kafka's "dynamic metadata directory"), under a fresh directory id.
#[test]
fn a_controller_outside_the_initial_voters_gets_the_voter_set_too() {
    let root = tempfile::tempdir().unwrap();
    let (config, dirs) = config(root.path(), "yakt", Quorum::Dynamic);
    let voters = format!("2@c2:19094:{DIR_2},3@c3:19095:{DIR_3}");
    let out = yakt_format(&config, &["--initial-controllers", &voters]);
    assert!(
        out.contains(&format!(
            "Formatting dynamic metadata directory {} with metadata.version 4.0-IV3.",
            dirs[2].display()
        )),
        "{out}"
    );
    let file = snapshot(&dirs[2].join(SNAPSHOT_0_0));
    assert_eq!(voter_directory_ids(&file), [DIR_2, DIR_3]);
    let own_id = &meta_properties(&dirs[2])["directory.id"];
    assert!(own_id != DIR_2 && own_id != DIR_3, "{own_id}");
}

#[test]
fn the_storage_commands_explain_themselves() {
    for command in ["format", "info", "dump-log", "quickstart"] {
        let help = expect_success(&yakt(&[command, "--help"]), command);
        assert!(help.contains("Usage"), "{help}");
    }
    let help = expect_success(&yakt(&["format", "--help"]), "format --help");
    assert!(help.contains("Default 4.0 (metadata.version 25)"), "{help}");
    assert!(
        help.contains("--add-scram <MECHANISM=[KEY=VALUE,...]>"),
        "{help}"
    );
}

/// The `UserScramCredentialRecord`s of a `bootstrap.checkpoint`, after its feature levels.
fn scram_records(dir: &Path) -> Vec<UserScramCredentialRecord> {
    let records: Vec<MetadataRecord> = snapshot(&dir.join("bootstrap.checkpoint"))
        .records
        .iter()
        .map(|frame| yakt_wire::decode_frame(frame).unwrap().0)
        .collect();
    let first_scram = records
        .iter()
        .position(|r| matches!(r, MetadataRecord::UserScramCredential(_)))
        .unwrap_or(records.len());
    assert!(
        records[..first_scram]
            .iter()
            .all(|r| matches!(r, MetadataRecord::FeatureLevel(_))),
        "{records:?}"
    );
    records[first_scram..]
        .iter()
        .map(|record| match record {
            MetadataRecord::UserScramCredential(scram) => scram.clone(),
            other => panic!("after the SCRAM records: {other:?}"),
        })
        .collect()
}

const ALICE_FIXED: &str = "SCRAM-SHA-256=[name=alice,password=alice-secret,salt=\"N3E=\"]";
const BOB_SALTED: &str =
    "SCRAM-SHA-512=[name=bob,iterations=8192,salt=\"N3E=\",saltedpassword=\"YCE=\"]";

/// With a given salt both tools write the same credentials byte for byte, after the feature
/// levels, in every directory; a dynamic quorum's 0-0 snapshot stays without them.
#[test]
fn add_scram_with_a_fixed_salt_writes_kafkas_records() {
    let root = tempfile::tempdir().unwrap();
    let version = kafka_version();
    let args = [
        "--release-version",
        "4.3",
        "--standalone",
        "--add-scram",
        ALICE_FIXED,
        "-S",
        BOB_SALTED,
        "-S",
        "SCRAM-SHA-512=[name=alice,password=\"a b\",salt=c2FsdA,iterations=16384]",
    ];
    let (kafka, kafka_dirs) = config(root.path(), "kafka", Quorum::Dynamic);
    let (ours, our_dirs) = config(root.path(), "yakt", Quorum::Dynamic);
    kafka_format(&version, &kafka, &args);
    yakt_format(&ours, &args);
    assert_twins(&kafka_dirs, &our_dirs, true);
    for (kafka_dir, our_dir) in kafka_dirs.iter().zip(&our_dirs) {
        let (theirs, mine) = (scram_records(kafka_dir), scram_records(our_dir));
        let summary: Vec<(&str, i8, &[u8], i32)> = mine
            .iter()
            .map(|r| (r.name.as_str(), r.mechanism, &r.salt[..], r.iterations))
            .collect();
        assert_eq!(
            summary,
            [
                ("alice", 1, &b"7q"[..], 4096),
                ("bob", 2, b"7q", 8192),
                ("alice", 2, b"salt", 16384)
            ]
        );
        assert_eq!(theirs, mine, "{}", our_dir.display());
    }
}

/// Without a salt each tool draws its own (130 random bits as base-36 text), the same in
/// every directory; names, mechanisms and iterations match Kafka's.
#[test]
fn add_scram_with_a_random_salt_matches_kafka_but_the_salt() {
    let root = tempfile::tempdir().unwrap();
    let version = kafka_version();
    let args = [
        "--release-version",
        "3.5-IV2",
        "--add-scram",
        "SCRAM-SHA-256=[name=alice,password=alice-secret]",
        "--add-scram",
        "SCRAM-SHA-512=[name=admin,password=admin-secret,iterations=5000]",
    ];
    let (kafka, kafka_dirs) = config(root.path(), "kafka", Quorum::Static);
    let (ours, our_dirs) = config(root.path(), "yakt", Quorum::Static);
    kafka_format(&version, &kafka, &args);
    yakt_format(&ours, &args);
    let shape = |records: &[UserScramCredentialRecord]| -> Vec<(String, i8, i32)> {
        records
            .iter()
            .map(|r| (r.name.clone(), r.mechanism, r.iterations))
            .collect()
    };
    let mut salts = Vec::new();
    for dirs in [&kafka_dirs, &our_dirs] {
        let first = scram_records(&dirs[0]);
        assert_eq!(
            shape(&first),
            [("alice".into(), 1, 4096), ("admin".into(), 2, 5000)]
        );
        for record in &first {
            assert!(
                !record.salt.is_empty()
                    && record.salt.len() <= 26
                    && record.salt.iter().all(u8::is_ascii_alphanumeric),
                "{:?}",
                record.salt
            );
            assert_eq!(
                record.stored_key.len(),
                [32, 64][record.mechanism as usize - 1]
            );
        }
        for dir in &dirs[1..] {
            assert_eq!(scram_records(dir), first, "{}", dir.display());
        }
        salts.push(first[0].salt.clone());
    }
    assert_ne!(salts[0], salts[1]);
}

/// The refusals of `--add-scram`, each with Kafka's message, and nothing written.
#[test]
fn add_scram_is_refused_as_kafka_refuses_it() {
    let root = tempfile::tempdir().unwrap();
    let version = kafka_version();
    let (config, dirs) = config(root.path(), "refused", Quorum::Static);
    let config = config.to_str().unwrap();
    for extra in [
        &["--release-version", "3.5-IV1", "-S", "nonsense"][..],
        &["-S", ALICE_FIXED, "-S", "SCRAM-SHA-1=[name=a,password=b]"],
        &["-S", "SCRAM-SHA-256=[password=b]"],
        &["-S", "SCRAM-SHA-256=[name=a,password=b,iterations=4095]"],
        &["-S", "SCRAM-SHA-512=[name=a,password=b,iterations=16385]"],
        &["-S", "SCRAM-SHA-256=[name=a,saltedpassword=YCE=]"],
        &["-S", "SCRAM-SHA-256=[name=a,password=b,salt=QQ=]"],
        &[
            "-S",
            "SCRAM-SHA-256=[name=a,password=b,pepper=c,iterations=x]",
        ],
        &["-S", "SCRAM-SHA-256=[name=a,password=b,pepper=c,extra=d]"],
        &["-S", "SCRAM-SHA-256=[name=a,,password=b]"],
        &["-S", "SCRAM-SHA-256=name=a]"],
    ] {
        let mut args = vec!["format", "-t", CLUSTER_ID, "-c", config];
        args.extend_from_slice(extra);
        let kafka = KafkaTool::run(&version, "storage", &args);
        let ours = yakt(&args);
        assert!(
            !kafka.status.success() && !ours.status.success(),
            "{extra:?}"
        );
        let kafka_message = text(&kafka.stderr).trim().to_string();
        assert!(!kafka_message.is_empty(), "{extra:?}");
        assert_eq!(
            text(&ours.stderr).trim(),
            format!("yakt: {kafka_message}"),
            "{extra:?}"
        );
    }
    assert!(dirs.iter().all(|dir| !dir.exists()), "nothing was written");
}
