//! Shared support for integration tests that put yakt next to real Apache Kafka, or start it
//! in the test process and talk to it as a client would.
//!
//! Used as `mod support;` from `tests/*.rs`. It owns these things, one file each:
//! - `kafka.rs`: finding Kafka's jars (fetched by `scripts/kafka fetch`) and Java 17 (a
//!   missing piece **panics** with the command that fixes it, so such tests fail rather than
//!   skip), and running a Kafka tool to completion ([`KafkaTool`]) or a Kafka broker or
//!   controller in the background ([`KafkaBroker`]) through `scripts/kafka run`, the one place
//!   that knows the JVM flags, classpath and log4j2 configuration;
//! - `yakt.rs`: running the `yakt` binary under test ([`YaktProcess`]) on a generated
//!   `controller.properties`;
//! - `process.rs`: background processes ([`BackgroundProcess`]) in their own process group,
//!   killed with it on drop, their logs kept in `target/kafka-test-logs/<test>/<process>/` and,
//!   when a test panics, printed (path and tail of each log);
//! - `in_process.rs`: a one-voter controller started in the test process with its admin
//!   listener ([`start_in_process_controller`]);
//! - `http.rs` (used as `support::http`): `GET` on the admin listener, the body as text or
//!   JSON, kept-alive connections and the ndjson stream;
//! - `kafka_client.rs`: a bare Kafka-protocol connection ([`KafkaConnection`]) that sends any
//!   request and plays a broker that registers, unfences and creates topics;
//! - this file: polling with a deadline ([`wait_until`], [`poll_until`], [`wait_for_port`]),
//!   free ports, log directories and properties files.
#![allow(dead_code)] // each test binary uses a different part of this module
#![allow(unused_imports)] // likewise for the re-exports

pub mod http;
mod in_process;
mod kafka;
mod kafka_client;
mod process;
mod yakt;

pub use in_process::*;
pub use kafka::*;
pub use kafka_client::*;
pub use process::*;
pub use yakt::*;

use std::collections::HashSet;
use std::fs;
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// How long a process may take to accept connections on its listener.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a process may take to exit after SIGTERM.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often [`wait_until`] re-checks its condition.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The repository root (the `yakt` package's manifest directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory (the parent of `CARGO_TARGET_TMPDIR`).
pub fn target_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(Path::to_path_buf).unwrap_or(tmp)
}

/// The running test's name, from the thread name libtest gives each test.
pub fn current_test_name() -> String {
    let name = thread::current().name().unwrap_or("unnamed").to_string();
    name.replace("::", "__")
}

/// A fresh, empty log directory `target/kafka-test-logs/<test>/<process>/`. A process name
/// used again in the same test (a restart) gets `<process>-2`, `-3`, ... so earlier logs stay.
pub fn test_log_dir(process: &str) -> PathBuf {
    static USED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    let mut used = USED.lock().unwrap_or_else(|e| e.into_inner());
    let used = used.get_or_insert_with(HashSet::new);
    let test_dir = target_dir()
        .join("kafka-test-logs")
        .join(current_test_name());
    let mut dir = test_dir.join(process);
    let mut run = 1;
    while used.contains(&dir) {
        run += 1;
        dir = test_dir.join(format!("{process}-{run}"));
    }
    used.insert(dir.clone());
    if dir.exists() {
        fs::remove_dir_all(&dir).expect("clear the test log directory");
    }
    fs::create_dir_all(&dir).expect("create the test log directory");
    dir
}

/// A TCP port on 127.0.0.1 that was free a moment ago and that this test binary has not
/// handed out before.
pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = listener.local_addr().expect("local address").port();
        if handed_out.insert(port) {
            return port;
        }
    }
}

/// Polls `condition` every 50 ms until it holds; panics naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        thread::sleep(POLL_INTERVAL);
    }
}

/// Awaits `check` every 50 ms until it gives a value; panics naming `what` after `timeout`.
pub async fn poll_until<T, F: Future<Output = Option<T>>>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Waits until `addr` accepts a TCP connection, failing early if `process` exits first.
pub fn wait_for_port(addr: SocketAddr, process: &mut BackgroundProcess) {
    wait_until(
        &format!("{} to accept connections on {addr}", process.name()),
        STARTUP_TIMEOUT,
        || {
            process.assert_running();
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        },
    );
}

/// The port of the first entry of `listeners` (`NAME://HOST:PORT,...`).
pub(crate) fn first_listener_port(properties: &[(String, String)]) -> u16 {
    let listeners = properties
        .iter()
        .find(|(key, _)| key == "listeners")
        .map(|(_, value)| value.as_str())
        .expect("properties name listeners");
    let first = listeners.split(',').next().unwrap_or_default();
    first
        .rsplit(':')
        .next()
        .and_then(|port| port.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in listeners={listeners}"))
}

/// Renders `(key, value)` pairs as a Java properties file.
pub fn properties_text(properties: &[(String, String)]) -> String {
    properties
        .iter()
        .map(|(key, value)| format!("{key}={value}\n"))
        .collect()
}

/// Writes `properties` to `path` as a Java properties file.
pub fn write_properties(path: &Path, properties: &[(&str, &str)]) {
    let mut owned = Vec::new();
    merge_properties(&mut owned, properties);
    fs::write(path, properties_text(&owned))
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Borrows owned `(key, value)` pairs as the `&[(&str, &str)]` the start functions take.
pub fn as_pairs(properties: &[(String, String)]) -> Vec<(&str, &str)> {
    properties
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

/// Overlays `overrides` onto `base`, replacing keys that are already there.
pub fn merge_properties(base: &mut Vec<(String, String)>, overrides: &[(&str, &str)]) {
    for (key, value) in overrides {
        match base.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => base.push((key.to_string(), value.to_string())),
        }
    }
}

/// Panics with the tool's output unless it exited 0; returns its stdout as text.
pub fn expect_success(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
