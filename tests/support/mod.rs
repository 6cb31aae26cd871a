//! Shared support for integration tests that put yakt next to real Apache Kafka.
//!
//! Used as `mod support;` from `tests/*.rs`. It owns four things:
//! - finding Kafka's jars (fetched by `scripts/kafka fetch`) and Java 17: a missing piece
//!   **panics** with the command that fixes it, so such tests fail rather than skip;
//! - running a Kafka tool to completion ([`KafkaTool`]) or a Kafka broker/controller in the
//!   background ([`KafkaBroker`]) through `scripts/kafka run`, the one place that knows the
//!   JVM flags, classpath and log4j2 configuration;
//! - running the `yakt` binary under test ([`YaktProcess`]) on a generated
//!   `controller.properties`;
//! - polling with a deadline ([`wait_until`], [`wait_for_port`]) and picking free ports.
//!
//! Background processes run in their own process group and are killed with it on drop. Their
//! logs stay in `target/kafka-test-logs/<test>/<process>/`; when a test panics, the guard
//! prints that path and the tail of each log.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// How long a Kafka tool may run before the test fails.
pub const TOOL_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a process may take to accept connections on its listener.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a process may take to exit after SIGTERM.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// How often [`wait_until`] re-checks its condition.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Lines of each log printed when a test fails.
const LOG_TAIL_LINES: usize = 40;

/// The repository root (the `yakt` package's manifest directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The newest Kafka release the project is judged against (`YAKT_KAFKA_VERSION`).
pub fn kafka_version() -> String {
    default_version("YAKT_KAFKA_VERSION")
}

/// The oldest supported Kafka release line's newest version (`YAKT_KAFKA_OLD_VERSION`).
pub fn kafka_old_version() -> String {
    default_version("YAKT_KAFKA_OLD_VERSION")
}

/// Reads `key` from the environment, else from `scripts/kafka-versions`.
fn default_version(key: &str) -> String {
    if let Ok(value) = std::env::var(key) {
        if !value.is_empty() {
            return value;
        }
    }
    include_str!("../../scripts/kafka-versions")
        .lines()
        .filter_map(|line| line.split_once('='))
        .find(|(name, _)| name.trim() == key)
        .map(|(_, value)| value.trim().to_string())
        .unwrap_or_else(|| panic!("scripts/kafka-versions names no {key}"))
}

/// `$JAVA_HOME`, defaulting to Debian's Java 17.
pub fn java_home() -> PathBuf {
    std::env::var_os("JAVA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/jvm/java-17-openjdk-amd64"))
}

/// The directory holding Kafka `version`'s jars. Panics, naming the fix, when Java or the
/// jars are missing.
pub fn kafka_libs(version: &str) -> PathBuf {
    let java = java_home().join("bin/java");
    assert!(
        java.is_file(),
        "no Java at {} (set JAVA_HOME or apt-get install -y openjdk-17-jdk-headless)",
        java.display()
    );
    let cache = std::env::var_os("YAKT_KAFKA_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".cache/kafka"));
    let libs = cache.join(version).join("libs");
    assert!(
        libs.join(".complete").is_file(),
        "Kafka {version} jars are missing from {}: run scripts/kafka fetch {version}",
        libs.display()
    );
    libs
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

/// Waits until `addr` accepts a TCP connection, failing early if `process` exits first.
pub fn wait_for_port(addr: SocketAddr, process: &mut BackgroundProcess) {
    wait_until(
        &format!("{} to accept connections on {addr}", process.name),
        STARTUP_TIMEOUT,
        || {
            process.assert_running();
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        },
    );
}

/// The port of the first entry of `listeners` (`NAME://HOST:PORT,...`).
fn first_listener_port(properties: &[(String, String)]) -> u16 {
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

/// A new cluster id from Kafka's own `kafka-storage random-uuid`.
pub fn random_cluster_id(version: &str) -> String {
    let output = KafkaTool::run(version, "storage", &["random-uuid"]);
    expect_success(&output, "kafka-storage random-uuid")
        .trim()
        .to_string()
}

/// Formats the directories named in the properties file `config` with Kafka's own
/// `kafka-storage format -t <cluster_id> -c <config>`, panicking if it fails.
pub fn format_storage(version: &str, cluster_id: &str, config: &Path) {
    let config_text = config.to_str().expect("UTF-8 path");
    let output = KafkaTool::run(
        version,
        "storage",
        &["format", "-t", cluster_id, "-c", config_text],
    );
    expect_success(&output, &format!("kafka-storage format -c {config_text}"));
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

/// Sends `signal` (e.g. "TERM", "KILL") to a process, or with `group` to its process group.
fn send_signal(pid: u32, signal: &str, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    // A process that already exited makes `kill` fail: that is fine here.
    let _ = Command::new("kill")
        .args(["-s", signal, "--", &target])
        .stderr(Stdio::null())
        .status();
}

/// The last `lines` lines of a file, or a note saying why there are none.
fn tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read: {e})"),
    }
}

/// The `scripts/kafka run VERSION NAME` command, with Kafka `version`'s jars checked first.
fn kafka_command(version: &str, main_class_or_shortcut: &str) -> Command {
    kafka_libs(version);
    let mut command = Command::new(repo_root().join("scripts/kafka"));
    command.args(["run", version, main_class_or_shortcut]);
    command
}

/// A Kafka command-line tool (any main class or a `scripts/kafka` shortcut such as `storage`,
/// `metadata-quorum`, `dump-log`) run to completion with a timeout.
pub struct KafkaTool {
    command: Command,
    description: String,
    timeout: Duration,
}

impl KafkaTool {
    /// Runs `main_class_or_shortcut` of Kafka `version` with `args` and returns its output,
    /// whatever its exit status. Panics if it outlives [`TOOL_TIMEOUT`].
    pub fn run(version: &str, main_class_or_shortcut: &str, args: &[&str]) -> Output {
        Self::new(version, main_class_or_shortcut)
            .args(args)
            .output()
    }

    /// A tool invocation to configure before [`KafkaTool::output`].
    pub fn new(version: &str, main_class_or_shortcut: &str) -> Self {
        KafkaTool {
            command: kafka_command(version, main_class_or_shortcut),
            description: format!("Kafka {version} {main_class_or_shortcut}"),
            timeout: TOOL_TIMEOUT,
        }
    }

    /// Adds arguments.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.command.args(args);
        self.description.push_str(&format!(" {}", args.join(" ")));
        self
    }

    /// Puts `dir` (compiled classes) on the classpath before Kafka's jars.
    pub fn classpath(mut self, dir: &Path) -> Self {
        self.command.env("YAKT_KAFKA_CLASSPATH", dir);
        self
    }

    /// Replaces [`TOOL_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs the tool to completion and returns its exit status, stdout and stderr.
    pub fn output(mut self) -> Output {
        use std::os::unix::process::CommandExt;
        let mut child = self
            .command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.description));
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = child.try_wait().expect("poll the tool") {
                break status;
            }
            if Instant::now() >= deadline {
                send_signal(child.id(), "KILL", true);
                let _ = child.wait();
                let stdout = stdout.join().unwrap_or_default();
                let stderr = stderr.join().unwrap_or_default();
                panic!(
                    "{} did not finish within {:?}\n--- stdout\n{}\n--- stderr\n{}",
                    self.description,
                    self.timeout,
                    String::from_utf8_lossy(&stdout),
                    String::from_utf8_lossy(&stderr)
                );
            }
            thread::sleep(POLL_INTERVAL);
        };
        Output {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        }
    }
}

/// Reads a pipe to its end on a thread, so a chatty child never blocks on a full pipe.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
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

/// Compiles `tests/java/<class_name>.java` against Kafka `version`'s jars into
/// `target/java-classes/<version>/` (once per test binary and version) and returns that
/// directory, for [`KafkaTool::classpath`].
pub fn compile_java(version: &str, class_name: &str) -> PathBuf {
    static COMPILED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let libs = kafka_libs(version);
    let out = target_dir().join("java-classes").join(version);
    let mut compiled = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    let key = format!("{version}/{class_name}");
    if compiled.get_or_insert_with(HashSet::new).contains(&key) {
        return out;
    }
    let source = repo_root().join(format!("tests/java/{class_name}.java"));
    let output = Command::new(java_home().join("bin/javac"))
        .arg("-d")
        .arg(&out)
        .arg("-cp")
        .arg(libs.join("*"))
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("run javac (apt-get install -y openjdk-17-jdk-headless): {e}"));
    expect_success(&output, &format!("javac {}", source.display()));
    compiled.get_or_insert_with(HashSet::new).insert(key);
    out
}

/// A child process in its own process group, logging into a kept directory. Dropping it
/// kills the whole group; if the test is panicking it also prints where the logs are and
/// their last lines.
pub struct BackgroundProcess {
    name: String,
    child: Child,
    log_dir: PathBuf,
    exit_status: Option<ExitStatus>,
}

impl BackgroundProcess {
    /// Spawns `command` with stdout and stderr going to `<log_dir>/stdout.log` and
    /// `<log_dir>/stderr.log`.
    pub fn spawn(name: &str, mut command: Command, log_dir: PathBuf) -> Self {
        use std::os::unix::process::CommandExt;
        let stdout = fs::File::create(log_dir.join("stdout.log")).expect("create stdout.log");
        let stderr = fs::File::create(log_dir.join("stderr.log")).expect("create stderr.log");
        let child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        BackgroundProcess {
            name: name.to_string(),
            child,
            log_dir,
            exit_status: None,
        }
    }

    /// The directory holding this process's logs.
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// The operating-system process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Panics with the log tails if the process has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().expect("poll the process") {
            self.exit_status = Some(status);
            // Drop prints the log tails while this panic unwinds.
            panic!("{} exited early with {status}", self.name);
        }
    }

    /// Sends SIGTERM and waits for the exit status; panics if it takes longer than
    /// [`SHUTDOWN_TIMEOUT`].
    pub fn terminate(&mut self) -> ExitStatus {
        if let Some(status) = self.exit_status {
            return status;
        }
        send_signal(self.child.id(), "TERM", false);
        let mut status = None;
        wait_until(
            &format!("{} to exit after SIGTERM", self.name),
            SHUTDOWN_TIMEOUT,
            || {
                status = self.child.try_wait().expect("poll the process");
                status.is_some()
            },
        );
        self.exit_status = status;
        status.expect("exit status after wait_until")
    }

    /// The last lines of every file in the log directory.
    pub fn log_tails(&self) -> String {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.log_dir)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter(|path| path.is_file())
            .map(|path| format!("--- {}\n{}\n", path.display(), tail(path, LOG_TAIL_LINES)))
            .collect()
    }
}

impl Drop for BackgroundProcess {
    fn drop(&mut self) {
        if self.exit_status.is_none() {
            send_signal(self.child.id(), "KILL", true);
            let _ = self.child.wait();
        }
        if thread::panicking() {
            eprintln!(
                "{} logs are kept in {}\n{}",
                self.name,
                self.log_dir.display(),
                self.log_tails()
            );
        }
    }
}

/// A real Kafka broker or controller (`kafka.Kafka`) running from the jars.
pub struct KafkaBroker {
    process: BackgroundProcess,
    properties_path: PathBuf,
}

impl KafkaBroker {
    /// Writes `properties` to `<dir>/server.properties` and starts `kafka.Kafka` of Kafka
    /// `version` on it. Its log4j2 `server.log` goes to the test's log directory. The data
    /// directories named in `properties` must already be formatted (`storage format`).
    /// Returns once the process runs; use [`KafkaBroker::wait_for_log`] or
    /// [`wait_for_port`] for readiness.
    pub fn start(version: &str, properties: &[(&str, &str)], dir: &Path) -> Self {
        let node_id = properties
            .iter()
            .find(|(key, _)| *key == "node.id")
            .map_or("0", |(_, value)| *value);
        let name = format!("kafka-{version}-node-{node_id}");
        let log_dir = test_log_dir(&name);
        let mut merged = Vec::new();
        merge_properties(&mut merged, properties);
        let properties_path = dir.join("server.properties");
        fs::create_dir_all(dir).expect("create the broker directory");
        fs::write(&properties_path, properties_text(&merged)).expect("write server.properties");
        fs::copy(&properties_path, log_dir.join("server.properties")).expect("keep properties");
        let mut command = kafka_command(version, "broker");
        command
            .arg(&properties_path)
            .env("YAKT_KAFKA_LOGS_DIR", &log_dir);
        KafkaBroker {
            process: BackgroundProcess::spawn(&name, command, log_dir),
            properties_path,
        }
    }

    /// As [`KafkaBroker::start`], after formatting the node's directories with
    /// `kafka-storage format -t <cluster_id>`.
    pub fn start_formatted(
        version: &str,
        cluster_id: &str,
        properties: &[(&str, &str)],
        dir: &Path,
    ) -> Self {
        fs::create_dir_all(dir).expect("create the broker directory");
        let format_path = dir.join("format.properties");
        write_properties(&format_path, properties);
        format_storage(version, cluster_id, &format_path);
        Self::start(version, properties, dir)
    }

    /// The properties of broker `node_id` (`process.roles=broker`) with a PLAINTEXT listener
    /// on 127.0.0.1:`port` and its data in `<dir>/data`, finding the controllers through
    /// `controller.quorum.voters` (`id@host:port,...`), with internal topics sized for one
    /// broker. Use [`as_pairs`] to pass them to [`KafkaBroker::start`].
    pub fn broker_properties(
        node_id: u32,
        port: u16,
        controller_quorum_voters: &str,
        dir: &Path,
    ) -> Vec<(String, String)> {
        [
            ("node.id", node_id.to_string()),
            ("process.roles", "broker".to_string()),
            ("listeners", format!("PLAINTEXT://127.0.0.1:{port}")),
            ("inter.broker.listener.name", "PLAINTEXT".to_string()),
            ("controller.listener.names", "CONTROLLER".to_string()),
            (
                "listener.security.protocol.map",
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT".to_string(),
            ),
            (
                "controller.quorum.voters",
                controller_quorum_voters.to_string(),
            ),
            ("log.dirs", dir.join("data").display().to_string()),
            ("offsets.topic.replication.factor", "1".to_string()),
            ("offsets.topic.num.partitions", "3".to_string()),
            ("transaction.state.log.replication.factor", "1".to_string()),
            ("transaction.state.log.min.isr", "1".to_string()),
            ("group.initial.rebalance.delay.ms", "0".to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
    }

    /// The `server.properties` file this node runs on.
    pub fn properties_path(&self) -> &Path {
        &self.properties_path
    }

    /// The process and its logs.
    pub fn process(&mut self) -> &mut BackgroundProcess {
        &mut self.process
    }

    /// Waits until `server.log` contains `needle` (e.g. "Kafka Server started").
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) {
        let log = self.process.log_dir().join("server.log");
        let process = &mut self.process;
        wait_until(&format!("{needle:?} in {}", log.display()), timeout, || {
            process.assert_running();
            fs::read_to_string(&log).is_ok_and(|text| text.contains(needle))
        });
    }

    /// Stops the node with SIGTERM (a clean shutdown) and returns its exit status.
    pub fn stop(&mut self) -> ExitStatus {
        self.process.terminate()
    }
}

/// The `yakt` binary under test, running as a single controller on a generated
/// `controller.properties`.
pub struct YaktProcess {
    process: BackgroundProcess,
    port: u16,
    config_path: PathBuf,
}

impl YaktProcess {
    /// Starts `yakt run --config <dir>/controller.properties` and waits until its listener
    /// accepts connections. The properties are those of voter 1 of a one-voter quorum on a free
    /// port ([`YaktProcess::default_properties`]) with `overrides` replacing or adding keys; a
    /// quorum's nodes override `node.id`, `listeners` and `controller.quorum.voters`, and the
    /// port waited on is the first listener's.
    pub fn start(dir: &Path, overrides: &[(&str, &str)]) -> Self {
        let (config_path, properties) = Self::write_config(dir, overrides);
        Self::run(config_path, &properties)
    }

    /// As [`YaktProcess::start`], after formatting the directories with
    /// `yakt format --config <file> --cluster-id <cluster_id> --ignore-formatted` (so a restart
    /// on the same `dir` keeps its data).
    pub fn start_formatted(dir: &Path, cluster_id: &str, overrides: &[(&str, &str)]) -> Self {
        let (config_path, properties) = Self::write_config(dir, overrides);
        let config_text = config_path.to_str().expect("UTF-8 path");
        let output = Command::new(env!("CARGO_BIN_EXE_yakt"))
            .args([
                "format",
                "--config",
                config_text,
                "--cluster-id",
                cluster_id,
            ])
            .arg("--ignore-formatted")
            .output()
            .expect("run yakt format");
        expect_success(&output, &format!("yakt format --config {config_text}"));
        Self::run(config_path, &properties)
    }

    /// Writes `<dir>/controller.properties`: the defaults with `overrides` applied.
    fn write_config(dir: &Path, overrides: &[(&str, &str)]) -> (PathBuf, Vec<(String, String)>) {
        let mut properties = Self::default_properties(dir, free_port());
        merge_properties(&mut properties, overrides);
        fs::create_dir_all(dir).expect("create the yakt directory");
        let config_path = dir.join("controller.properties");
        fs::write(&config_path, properties_text(&properties)).expect("write controller.properties");
        (config_path, properties)
    }

    /// Spawns `yakt run` on `config_path` and waits for its first listener.
    fn run(config_path: PathBuf, properties: &[(String, String)]) -> Self {
        let port = first_listener_port(properties);
        let node_id = properties
            .iter()
            .find(|(key, _)| key == "node.id")
            .map_or("0", |(_, value)| value.as_str());
        let name = format!("yakt-node-{node_id}");
        let log_dir = test_log_dir(&name);
        fs::copy(&config_path, log_dir.join("controller.properties")).expect("keep properties");
        let mut command = Command::new(env!("CARGO_BIN_EXE_yakt"));
        command
            .arg("run")
            .arg("--config")
            .arg(&config_path)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("info".into()),
            )
            .env("NO_COLOR", "1");
        let mut process = BackgroundProcess::spawn(&name, command, log_dir);
        wait_for_port(SocketAddr::from(([127, 0, 0, 1], port)), &mut process);
        YaktProcess {
            process,
            port,
            config_path,
        }
    }

    /// The properties of a lone controller (node 1) listening on 127.0.0.1:`port`.
    pub fn default_properties(dir: &Path, port: u16) -> Vec<(String, String)> {
        let metadata_dir = dir.join("metadata");
        [
            ("node.id", "1".to_string()),
            ("process.roles", "controller".to_string()),
            ("listeners", format!("CONTROLLER://127.0.0.1:{port}")),
            ("controller.listener.names", "CONTROLLER".to_string()),
            (
                "listener.security.protocol.map",
                "CONTROLLER:PLAINTEXT".to_string(),
            ),
            ("controller.quorum.voters", format!("1@127.0.0.1:{port}")),
            ("metadata.log.dir", metadata_dir.display().to_string()),
            // Formatting covers log.dirs too, whose default is the shared /tmp/kafka-logs.
            ("log.dirs", metadata_dir.display().to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
    }

    /// The controller listener's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The generated `controller.properties`.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The process and its logs.
    pub fn process(&mut self) -> &mut BackgroundProcess {
        &mut self.process
    }

    /// Stops yakt with SIGTERM and returns its exit status.
    pub fn stop(&mut self) -> ExitStatus {
        self.process.terminate()
    }
}
