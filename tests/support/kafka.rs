//! Real Apache Kafka from the jars `scripts/kafka fetch` caches: the releases under test, the
//! jar cache and Java (missing ones panic with the fix), tools run to completion with a
//! timeout, brokers and controllers run in the background, and Java sources under
//! `tests/java/` compiled against the jars.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::repo_root;
use super::{
    drain, expect_success, merge_properties, properties_text, send_signal, target_dir,
    test_log_dir, wait_until, write_properties, BackgroundProcess, POLL_INTERVAL,
};

/// How long a Kafka tool may run before the test fails.
pub const TOOL_TIMEOUT: Duration = Duration::from_secs(120);

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

/// Compiles `tests/java/<class_name>.java` against Kafka `version`'s jars (see
/// [`compile_java_source`]) and returns the class directory, for [`KafkaTool::classpath`].
pub fn compile_java(version: &str, class_name: &str) -> PathBuf {
    compile_java_source(
        version,
        &repo_root().join(format!("tests/java/{class_name}.java")),
    )
}

/// Compiles the Java `source` against Kafka `version`'s jars into
/// `target/java-classes/<version>/`, once per test binary, version and source (tests that run
/// at the same time wait for one javac instead of overwriting each other's class files), and
/// returns that directory.
pub fn compile_java_source(version: &str, source: &Path) -> PathBuf {
    static COMPILED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let libs = kafka_libs(version);
    let out = target_dir().join("java-classes").join(version);
    let mut compiled = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    let key = format!("{version}/{}", source.display());
    if compiled.get_or_insert_with(HashSet::new).contains(&key) {
        return out;
    }
    let output = Command::new(java_home().join("bin/javac"))
        .arg("-d")
        .arg(&out)
        .arg("-cp")
        .arg(libs.join("*"))
        .arg(source)
        .output()
        .unwrap_or_else(|e| panic!("run javac (apt-get install -y openjdk-17-jdk-headless): {e}"));
    expect_success(&output, &format!("javac {}", source.display()));
    compiled.get_or_insert_with(HashSet::new).insert(key);
    out
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
