//! `yakt quickstart`: a local quorum of three controllers that answer ApiVersions at the
//! printed voter addresses, stop cleanly on SIGTERM, and keep their cluster and data for the
//! next run.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{free_port, test_log_dir, wait_until, BackgroundProcess, STARTUP_TIMEOUT};

const CONTROLLERS: u16 = 3;

/// A port `p` such that `p..p + count` were all free a moment ago.
fn free_port_run(count: u16) -> u16 {
    loop {
        let base = free_port();
        if u32::from(base) + u32::from(count) > 65_535 {
            continue;
        }
        let all_free =
            (base..base + count).all(|port| TcpListener::bind(("127.0.0.1", port)).is_ok());
        if all_free {
            return base;
        }
    }
}

fn start(dir: &Path, base_port: u16, name: &str) -> BackgroundProcess {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yakt"));
    command
        .args(["quickstart", "--controllers", &CONTROLLERS.to_string()])
        .arg("--dir")
        .arg(dir)
        .args(["--base-port", &base_port.to_string()])
        .env("NO_COLOR", "1");
    BackgroundProcess::spawn(name, command, test_log_dir(name))
}

/// Waits for the banner; returns its `key=value` lines.
fn banner(process: &mut BackgroundProcess) -> BTreeMap<String, String> {
    let stdout = process.log_dir().join("stdout.log");
    let mut text = String::new();
    wait_until("the quickstart banner", STARTUP_TIMEOUT, || {
        process.assert_running();
        text = fs::read_to_string(&stdout).unwrap_or_default();
        text.contains("controller.quorum.bootstrap.servers=")
    });
    text.lines()
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// Sends ApiVersions v0 and reads the answer; true when it has error code 0 and lists
/// ApiVersions (key 18).
fn answers_api_versions(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let client_id = b"quickstart-test";
    let mut request = Vec::new();
    request.extend_from_slice(&18i16.to_be_bytes()); // api key: ApiVersions
    request.extend_from_slice(&0i16.to_be_bytes()); // version 0
    request.extend_from_slice(&7i32.to_be_bytes()); // correlation id
    request.extend_from_slice(&(client_id.len() as i16).to_be_bytes());
    request.extend_from_slice(client_id);
    let mut frame = (request.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&request);
    if stream.write_all(&frame).is_err() {
        return false;
    }
    let mut size = [0u8; 4];
    if stream.read_exact(&mut size).is_err() {
        return false;
    }
    let size = i32::from_be_bytes(size);
    if !(10..=1 << 20).contains(&size) {
        return false;
    }
    let mut body = vec![0u8; size as usize];
    if stream.read_exact(&mut body).is_err() {
        return false;
    }
    let correlation = i32::from_be_bytes(body[0..4].try_into().unwrap());
    let error_code = i16::from_be_bytes(body[4..6].try_into().unwrap());
    let count = i32::from_be_bytes(body[6..10].try_into().unwrap());
    let keys: Vec<i16> = body[10..]
        .chunks_exact(6)
        .take(count.max(0) as usize)
        .map(|api| i16::from_be_bytes([api[0], api[1]]))
        .collect();
    correlation == 7 && error_code == 0 && keys.contains(&18)
}

fn voter_addresses(voters: &str) -> Vec<SocketAddr> {
    voters
        .split(',')
        .map(|voter| voter.split_once('@').unwrap().1.parse().unwrap())
        .collect()
}

fn directory_ids(dir: &Path) -> Vec<String> {
    (1..=CONTROLLERS)
        .map(|id| {
            let meta = dir.join(format!("controller-{id}/meta.properties"));
            let text = fs::read_to_string(&meta).unwrap();
            text.lines()
                .find_map(|line| line.strip_prefix("directory.id="))
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn three_controllers_answer_stop_on_sigterm_and_keep_their_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let base_port = free_port_run(CONTROLLERS);

    let mut first = start(dir.path(), base_port, "quickstart-first");
    let printed = banner(&mut first);
    let voters = &printed["controller.quorum.voters"];
    let expected: Vec<String> = (0..CONTROLLERS)
        .map(|i| format!("{}@127.0.0.1:{}", i + 1, base_port + i))
        .collect();
    assert_eq!(voters, &expected.join(","));
    let addresses = voter_addresses(voters);
    let bootstrap: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed["controller.quorum.bootstrap.servers"],
        bootstrap.join(",")
    );
    for address in &addresses {
        wait_until(
            &format!("ApiVersions at {address}"),
            STARTUP_TIMEOUT,
            || {
                first.assert_running();
                answers_api_versions(*address)
            },
        );
    }
    let cluster_id = printed["cluster.id"].clone();
    assert_eq!(
        fs::read_to_string(dir.path().join("cluster.id"))
            .unwrap()
            .trim(),
        cluster_id
    );
    for id in 1..=CONTROLLERS {
        let path = dir.path().join(format!("controller-{id}.properties"));
        let config = yakt::config::ControllerConfig::load(&path).unwrap();
        assert_eq!(config.node_id, i32::from(id));
        let configured: Vec<String> = config
            .quorum_voters
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(&configured.join(","), voters);
    }
    let ids = directory_ids(dir.path());
    assert_eq!(first.terminate().code(), Some(0));
    for address in &addresses {
        assert!(!answers_api_versions(*address), "{address} still answers");
    }

    let mut second = start(dir.path(), base_port, "quickstart-second");
    let again = banner(&mut second);
    assert_eq!(again["cluster.id"], cluster_id);
    assert_eq!(
        directory_ids(dir.path()),
        ids,
        "the data was formatted again"
    );
    for address in &addresses {
        wait_until(
            &format!("ApiVersions at {address}"),
            STARTUP_TIMEOUT,
            || {
                second.assert_running();
                answers_api_versions(*address)
            },
        );
    }
    let stdout = fs::read_to_string(second.log_dir().join("stdout.log")).unwrap();
    assert!(stdout.contains("data kept from an earlier run"), "{stdout}");
    assert_eq!(second.terminate().code(), Some(0));
}

#[test]
fn bad_sizes_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let quorum = dir.path().join("q");
    for args in [
        ["--controllers", "0", "--base-port", "9093"],
        ["--controllers", "3", "--base-port", "0"],
        ["--controllers", "3", "--base-port", "65535"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_yakt"))
            .arg("quickstart")
            .arg("--dir")
            .arg(&quorum)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(!quorum.exists(), "{args:?}");
    }
}
