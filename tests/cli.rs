//! The `yakt` binary's small commands and its refusal of configurations it cannot run.

use std::process::Command;

fn yakt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_yakt"))
        .args(args)
        .output()
        .expect("yakt runs")
}

#[test]
fn random_uuid_prints_kafkas_base64_form() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20 {
        let out = yakt(&["random-uuid"]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let id = text.trim();
        let parsed: yakt_wire::Uuid = id.parse().expect("parses back");
        assert_eq!(parsed.to_string(), id);
        assert_eq!(id.len(), 22, "{id}");
        assert!(!id.starts_with('-'), "{id}");
        assert!(!parsed.is_reserved(), "{id}");
        assert!(seen.insert(id.to_string()), "repeated {id}");
    }
}

#[test]
fn version_names_the_package_version() {
    let out = yakt(&["version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("yakt {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["random-uuid", "--help"],
        &["version", "--help"],
    ] {
        let out = yakt(args);
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8(out.stdout).unwrap().contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn run_refuses_the_broker_role_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.properties");
    std::fs::write(
        &path,
        "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\n\
         listeners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n",
    )
    .unwrap();
    let out = yakt(&["run", "--config", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("process.roles") && stderr.contains("controllers only"),
        "{stderr}"
    );
}

#[test]
fn run_names_the_key_and_value_of_a_bad_setting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("controller.properties");
    std::fs::write(
        &path,
        "process.roles=controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\n\
         listeners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n\
         controller.quorum.election.timeout.ms=soon\n",
    )
    .unwrap();
    let out = yakt(&["run", "--config", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("controller.quorum.election.timeout.ms") && stderr.contains("soon"),
        "{stderr}"
    );
}
