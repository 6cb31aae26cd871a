//! The drop-in promise, as an operator's rolling migration would test it: three Kafka
//! controllers (formatted by `kafka-storage format`) and a Kafka broker, whose controllers are
//! swapped one by one for `yakt run` on the very same `controller.properties` and data
//! directory. Two scenarios, one cluster at a time.
//!
//! A static quorum (`controller.quorum.voters`, kraft.version 0):
//! 1. Kafka's quorum and broker serve a topic created with `kafka-topics`.
//! 2. Controller 3 becomes yakt: it rejoins, catches up with the Kafka leader (lag 0 in
//!    `kafka-metadata-quorum describe --replication`) and replays a topic the Kafka leader writes.
//! 3. Controller 2 becomes yakt and Kafka controller 1 stops, so a yakt node leads and writes a
//!    third topic; Kafka controller 1 comes back, catches up on the records yakt wrote and keeps
//!    running (a Kafka controller that cannot replay a record exits).
//! 4. Controller 1 becomes yakt: an all-yakt quorum on the directories Kafka created still
//!    serves the broker every topic, and Kafka's `kafka-dump-log --cluster-metadata-decoder`
//!    reads each node's log.
//!
//! A dynamic quorum (KIP-853, kraft.version 1): the controllers formatted with
//! `--initial-controllers` (each voter with its directory id), everyone, the broker included,
//! configured with `controller.quorum.bootstrap.servers` only. yakt takes the voters from the
//! VotersRecord of Kafka's bootstrap checkpoint. At every step `describe --status` names the
//! leader and exactly the expected voters, each with its directory id and endpoint, and
//! `describe --replication` lists each voter with its directory id.
//! 1. Kafka's quorum and broker serve a topic.
//! 2. Controller 3 becomes yakt, follows the Kafka leader to lag 0 and replays a second topic.
//! 3. Controller 2 becomes yakt, Kafka controller 1 stops: a yakt node leads, knows both
//!    topics and writes a third.
//! 4. Kafka controller 1 comes back on a new port: it follows the yakt leader, applies what yakt
//!    wrote, and its UpdateRaftVoter (its endpoint differs from the VotersRecord) is answered
//!    with a VotersRecord holding the new endpoint.
//! 5. While yakt leads, `kafka-metadata-quorum remove-controller` of Kafka controller 1 leaves
//!    it an observer and two voters; `add-controller` with its properties makes it a voter
//!    again, and it replays a fourth topic.
//! 6. Controller 1 becomes yakt: an all-yakt quorum on the voters Kafka formatted and yakt
//!    changed serves the broker every topic.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use support::{
    as_pairs, expect_success, format_storage, free_port, kafka_version, random_cluster_id,
    static_voters, test_log_dir, wait_for_port, write_properties, BackgroundProcess, KafkaBroker,
    KafkaTool, STARTUP_TIMEOUT,
};

/// The broker's node id.
const BROKER_ID: i32 = 100;
/// How long the quorum may take to elect a leader, catch a node up or show a topic.
const CONVERGENCE: Duration = Duration::from_secs(60);
/// Held by each scenario while it runs: two clusters of four JVMs at once would starve each
/// other on a small machine.
static ONE_CLUSTER_AT_A_TIME: Mutex<()> = Mutex::new(());
/// The three topics, one created in each phase of the migration.
const TOPICS: [&str; 3] = ["written-by-kafka", "replayed-by-yakt", "written-by-yakt"];

/// How the controllers and the broker find the quorum.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quorum {
    /// `controller.quorum.voters` everywhere (kraft.version 0).
    Static,
    /// `controller.quorum.bootstrap.servers` everywhere, the controllers formatted with
    /// `--initial-controllers` (kraft.version 1, KIP-853).
    Dynamic,
}

/// One controller slot: its id, port and directory, running Kafka or yakt (or nothing).
struct Controller {
    id: i32,
    port: u16,
    dir: PathBuf,
    /// The metadata directory's `directory.id` (chosen by the test for a dynamic quorum).
    directory_id: String,
    running: Running,
}

enum Running {
    Kafka(KafkaBroker),
    Yakt(BackgroundProcess),
    Stopped,
}

impl Controller {
    /// The `controller.properties` Kafka runs on, and that yakt is later given unchanged.
    fn properties_path(&self) -> PathBuf {
        self.dir.join("server.properties")
    }

    fn metadata_dir(&self) -> PathBuf {
        self.dir.join("metadata")
    }

    /// The controller's properties; `quorum` is the `controller.quorum.*` key and its value.
    fn properties(&self, quorum: (&str, &str)) -> Vec<(String, String)> {
        let metadata = self.metadata_dir().display().to_string();
        [
            ("node.id", self.id.to_string()),
            ("process.roles", "controller".to_string()),
            ("listeners", format!("CONTROLLER://127.0.0.1:{}", self.port)),
            ("controller.listener.names", "CONTROLLER".to_string()),
            (
                "listener.security.protocol.map",
                "CONTROLLER:PLAINTEXT".to_string(),
            ),
            (quorum.0, quorum.1.to_string()),
            ("metadata.log.dir", metadata.clone()),
            ("log.dirs", metadata),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
    }

    /// Starts (or restarts) Kafka's controller on the properties file already written.
    fn start_kafka(&mut self, version: &str) {
        let text = std::fs::read_to_string(self.properties_path()).expect("read properties");
        let properties: Vec<(String, String)> = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut node = KafkaBroker::start(version, &as_pairs(&properties), &self.dir);
        wait_for_port(self.address(), node.process());
        self.running = Running::Kafka(node);
    }

    /// Stops whatever runs in this slot with SIGTERM and checks it exited as a clean stop does.
    fn stop(&mut self) {
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::Kafka(mut node) => {
                let status = node.stop();
                assert_eq!(
                    status.code(),
                    Some(143),
                    "Kafka controller {} exit",
                    self.id
                );
            }
            Running::Yakt(mut process) => {
                let status = process.terminate();
                assert!(
                    status.success(),
                    "yakt controller {} exit: {status}",
                    self.id
                );
            }
            Running::Stopped => {}
        }
    }

    /// The operator's swap: the Kafka controller stops and `yakt run` starts on the same
    /// properties file and data directory.
    fn swap_to_yakt(&mut self) {
        self.stop();
        let name = format!("yakt-node-{}", self.id);
        let mut command = Command::new(env!("CARGO_BIN_EXE_yakt"));
        command
            .arg("run")
            .arg("--config")
            .arg(self.properties_path())
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("info".into()),
            )
            .env("NO_COLOR", "1");
        let mut process = BackgroundProcess::spawn(&name, command, test_log_dir(&name));
        wait_for_port(self.address(), &mut process);
        self.running = Running::Yakt(process);
    }

    /// Moves the controller listener to a new port in the properties file, as an operator
    /// moving a stopped controller would.
    fn move_to_new_port(&mut self) {
        let path = self.properties_path();
        let text = std::fs::read_to_string(&path).expect("read properties");
        let old = format!("listeners=CONTROLLER://127.0.0.1:{}\n", self.port);
        assert!(text.contains(&old), "{text}");
        self.port = free_port();
        let new = format!("listeners=CONTROLLER://127.0.0.1:{}\n", self.port);
        std::fs::write(&path, text.replace(&old, &new)).expect("write properties");
    }

    /// Waits until the Kafka controller in this slot logs `needle` in its `server.log`.
    fn wait_for_kafka_log(&mut self, needle: &str) {
        match &mut self.running {
            Running::Kafka(node) => node.wait_for_log(needle, CONVERGENCE),
            _ => panic!("controller {} is not a Kafka controller", self.id),
        }
    }

    fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Panics (with the logs) if the process in this slot has exited.
    fn assert_running(&mut self) {
        match &mut self.running {
            Running::Kafka(node) => node.process().assert_running(),
            Running::Yakt(process) => process.assert_running(),
            Running::Stopped => panic!("controller {} is not running", self.id),
        }
    }

    fn is_running(&self) -> bool {
        !matches!(self.running, Running::Stopped)
    }
}

/// The `directory.id` in `dir`'s `meta.properties`.
fn meta_directory_id(dir: &Path) -> String {
    let meta = std::fs::read_to_string(dir.join("meta.properties")).expect("meta.properties");
    meta.lines()
        .find_map(|line| line.strip_prefix("directory.id="))
        .expect("directory.id in meta.properties")
        .to_string()
}

/// One line of `kafka-metadata-quorum describe --replication`.
#[derive(Debug)]
struct ReplicaRow {
    directory_id: String,
    log_end_offset: i64,
    lag: i64,
    status: String,
}

struct Cluster {
    version: String,
    controllers: Vec<Controller>,
    broker: KafkaBroker,
    broker_port: u16,
    runtime: tokio::runtime::Runtime,
}

impl Cluster {
    /// Step 1: three Kafka controllers formatted by `kafka-storage format` and one broker,
    /// all finding the quorum as `quorum` says.
    fn start(root: &Path, quorum: Quorum) -> Cluster {
        let version = kafka_version();
        let cluster_id = random_cluster_id(&version);
        let mut controllers: Vec<Controller> = (1..=3)
            .map(|id| Controller {
                id,
                port: free_port(),
                dir: root.join(format!("controller-{id}")),
                directory_id: yakt_wire::Uuid::random().to_string(),
                running: Running::Stopped,
            })
            .collect();
        let ports: BTreeMap<i32, u16> = controllers.iter().map(|c| (c.id, c.port)).collect();
        let quorum_key = match quorum {
            Quorum::Static => ("controller.quorum.voters", static_voters(&ports)),
            Quorum::Dynamic => (
                "controller.quorum.bootstrap.servers",
                ports
                    .values()
                    .map(|port| format!("127.0.0.1:{port}"))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        };
        // `--initial-controllers id@host:port:directory-id,...`: every voter's directory id.
        let initial_controllers = controllers
            .iter()
            .map(|c| format!("{}@127.0.0.1:{}:{}", c.id, c.port, c.directory_id))
            .collect::<Vec<_>>()
            .join(",");
        for controller in &mut controllers {
            std::fs::create_dir_all(&controller.dir).expect("create the controller directory");
            let properties = controller.properties((quorum_key.0, &quorum_key.1));
            write_properties(&controller.properties_path(), &as_pairs(&properties));
            match quorum {
                Quorum::Static => {
                    format_storage(&version, &cluster_id, &controller.properties_path());
                    controller.directory_id = meta_directory_id(&controller.metadata_dir());
                }
                Quorum::Dynamic => {
                    let config = controller.properties_path().display().to_string();
                    let args = [
                        "format",
                        "-t",
                        &cluster_id,
                        "-c",
                        &config,
                        "--initial-controllers",
                        &initial_controllers,
                    ];
                    let output = KafkaTool::run(&version, "storage", &args);
                    expect_success(&output, "kafka-storage format --initial-controllers");
                    assert_eq!(
                        meta_directory_id(&controller.metadata_dir()),
                        controller.directory_id,
                        "kafka-storage format takes the directory id from --initial-controllers"
                    );
                }
            }
        }
        for controller in &mut controllers {
            controller.start_kafka(&version);
        }
        let broker_port = free_port();
        let broker_dir = root.join("broker");
        let mut properties =
            KafkaBroker::broker_properties(BROKER_ID as u32, broker_port, "", &broker_dir);
        // The broker knows only the key the controllers use.
        properties.retain(|(key, _)| key != "controller.quorum.voters");
        properties.push((quorum_key.0.to_string(), quorum_key.1.clone()));
        let mut broker = KafkaBroker::start_formatted(
            &version,
            &cluster_id,
            &as_pairs(&properties),
            &broker_dir,
        );
        // A broker logs this only once the controller has unfenced it.
        broker.wait_for_log("Kafka Server started", STARTUP_TIMEOUT);
        Cluster {
            version,
            controllers,
            broker,
            broker_port,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
        }
    }

    fn controller(&mut self, id: i32) -> &mut Controller {
        &mut self.controllers[(id - 1) as usize]
    }

    /// `host:port,...` of the running controllers.
    fn bootstrap_controllers(&self) -> String {
        self.controllers
            .iter()
            .filter(|c| c.is_running())
            .map(|c| format!("127.0.0.1:{}", c.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Waits until every running controller names the same leader (so Java's admin tools do
    /// not hang on a quorum without one) and returns it.
    fn leader(&mut self) -> i32 {
        let ports: Vec<u16> = self
            .controllers
            .iter()
            .filter(|c| c.is_running())
            .map(|c| c.port)
            .collect();
        let deadline = Instant::now() + CONVERGENCE;
        loop {
            for controller in &mut self.controllers {
                if controller.is_running() {
                    controller.assert_running();
                }
            }
            let agreed = self
                .runtime
                .block_on(support::agreed_controller(ports.iter().copied()));
            if let Some(leader) = agreed {
                return leader;
            }
            assert!(
                Instant::now() < deadline,
                "no agreed leader among {ports:?} within {CONVERGENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn tool(&self, name: &str, args: &[&str]) -> String {
        expect_success(
            &KafkaTool::run(&self.version, name, args),
            &format!("kafka {name} {}", args.join(" ")),
        )
    }

    /// `kafka-topics --bootstrap-server <broker>` with `args`.
    fn topics(&self, args: &[&str]) -> String {
        let bootstrap = format!("127.0.0.1:{}", self.broker_port);
        let mut all = vec!["--bootstrap-server", bootstrap.as_str()];
        all.extend_from_slice(args);
        self.tool("topics", &all)
    }

    fn create_topic(&self, topic: &str) {
        self.topics(&[
            "--create",
            "--topic",
            topic,
            "--partitions",
            "2",
            "--replication-factor",
            "1",
        ]);
    }

    /// `describe --replication` as node id -> row, once a leader is agreed on.
    fn replication(&mut self) -> (i32, BTreeMap<i32, ReplicaRow>) {
        let leader = self.leader();
        let bootstrap = self.bootstrap_controllers();
        let output = KafkaTool::run(
            &self.version,
            "metadata-quorum",
            &[
                "--bootstrap-controller",
                &bootstrap,
                "describe",
                "--replication",
            ],
        );
        if !output.status.success() {
            // The leader may have changed between the two calls: the caller polls again.
            return (leader, BTreeMap::new());
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let rows = text
            .lines()
            .skip(1)
            .filter_map(|line| {
                let columns: Vec<&str> = line.split_whitespace().collect();
                // NodeId DirectoryId LogEndOffset Lag LastFetchTimestamp ... Status
                let row = ReplicaRow {
                    directory_id: columns.get(1)?.to_string(),
                    log_end_offset: columns.get(2)?.parse().ok()?,
                    lag: columns.get(3)?.parse().ok()?,
                    status: columns.last()?.to_string(),
                };
                Some((columns.first()?.parse().ok()?, row))
            })
            .collect();
        (leader, rows)
    }

    /// Waits until `describe --replication` shows voter `id` caught up (lag 0) with a leader
    /// the predicate accepts; returns that leader and its log end offset.
    fn wait_caught_up(&mut self, id: i32, leader_ok: impl Fn(i32) -> bool) -> (i32, i64) {
        let deadline = Instant::now() + CONVERGENCE;
        loop {
            let (leader, rows) = self.replication();
            let caught_up = rows
                .get(&id)
                .is_some_and(|row| row.lag == 0 && row.status == "Follower");
            if let (true, Some(leader_row)) = (caught_up && leader_ok(leader), rows.get(&leader)) {
                return (leader, leader_row.log_end_offset);
            }
            assert!(
                Instant::now() < deadline,
                "controller {id} not caught up within {CONVERGENCE:?}: leader {leader}, {rows:?}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Waits until `describe --replication` lists node `id` with `status` (`Follower`,
    /// `Observer`) and lag 0 under a leader the predicate accepts; returns the rows.
    fn wait_listed_as(
        &mut self,
        id: i32,
        status: &str,
        leader_ok: impl Fn(i32) -> bool,
    ) -> (i32, BTreeMap<i32, ReplicaRow>) {
        let deadline = Instant::now() + CONVERGENCE;
        loop {
            let (leader, rows) = self.replication();
            let listed = rows
                .get(&id)
                .is_some_and(|row| row.lag == 0 && row.status == status);
            if listed && leader_ok(leader) && rows.contains_key(&leader) {
                return (leader, rows);
            }
            assert!(
                Instant::now() < deadline,
                "controller {id} not a caught-up {status} within {CONVERGENCE:?}: leader \
                 {leader}, {rows:?}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// `kafka-metadata-quorum --bootstrap-controller <running controllers>` with `args`, once
    /// a leader is agreed on; returns its stdout and panics if it fails.
    fn metadata_quorum(&mut self, args: &[&str]) -> String {
        self.leader();
        let bootstrap = self.bootstrap_controllers();
        let mut all = vec!["--bootstrap-controller", bootstrap.as_str()];
        all.extend_from_slice(args);
        self.tool("metadata-quorum", &all)
    }

    /// `describe --status` as `key -> value`.
    fn status(&mut self) -> BTreeMap<String, String> {
        self.metadata_quorum(&["describe", "--status"])
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
            .collect()
    }

    /// Checks that `describe --status` names `leader` and exactly the voters `ids`, each with
    /// its directory id and its controller endpoint, and that `describe --replication` lists
    /// each voter with its directory id.
    fn expect_voters(&mut self, leader: i32, ids: &[i32]) {
        let status = self.status();
        assert_eq!(status["LeaderId"], leader.to_string(), "{status:?}");
        let voters = &status["CurrentVoters"];
        for controller in &self.controllers {
            let entry = format!(
                "{{\"id\": {}, \"directoryId\": \"{}\", \"endpoints\": \
                 [\"CONTROLLER://127.0.0.1:{}\"]}}",
                controller.id, controller.directory_id, controller.port
            );
            assert_eq!(
                voters.contains(&entry),
                ids.contains(&controller.id),
                "voter {entry} in CurrentVoters: {voters}"
            );
        }
        let (_, rows) = self.replication();
        for &id in ids {
            let row = rows.get(&id);
            assert_eq!(
                row.map(|row| row.directory_id.as_str()),
                Some(self.controller(id).directory_id.as_str()),
                "describe --replication lists voter {id} with its directory id: {rows:?}"
            );
        }
    }

    /// Waits until `describe --status` lists voter `id` with the endpoint it listens on now.
    fn wait_for_voter_endpoint(&mut self, id: i32) {
        let endpoint = format!("\"CONTROLLER://127.0.0.1:{}\"", self.controller(id).port);
        let deadline = Instant::now() + CONVERGENCE;
        loop {
            let status = self.status();
            let voters = &status["CurrentVoters"];
            let listed = voters
                .split("{\"id\": ")
                .any(|voter| voter.starts_with(&format!("{id},")) && voter.contains(&endpoint));
            if listed {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "voter {id} not listed at {endpoint} within {CONVERGENCE:?}: {voters}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Creating `topic` again through the broker fails: the active controller knows it.
    /// Step 3 of both scenarios: controller 2 becomes yakt and Kafka controller 1 stops, so a
    /// yakt node leads; its image holds the first two topics (written under Kafka's leader)
    /// and it writes the third. The leader and the log end its write reached on the other
    /// yakt node.
    fn yakt_takes_the_lead(&mut self, topics: &[&str]) -> (i32, i64) {
        self.controller(2).swap_to_yakt();
        self.wait_caught_up(2, |_| true);
        self.controller(1).stop();
        let leader = self.leader();
        assert!(
            leader == 2 || leader == 3,
            "step 3: a yakt node leads, not {leader}"
        );
        for topic in &topics[..2] {
            self.expect_topic_exists(topic);
        }
        self.create_topic(topics[2]);
        self.wait_for_topics(&topics[..3]);
        let (_, written_end) = self.wait_caught_up(5 - leader, |_| true);
        (leader, written_end)
    }

    fn expect_topic_exists(&self, topic: &str) {
        let bootstrap = format!("127.0.0.1:{}", self.broker_port);
        let output = KafkaTool::run(
            &self.version,
            "topics",
            &[
                "--bootstrap-server",
                &bootstrap,
                "--create",
                "--topic",
                topic,
                "--partitions",
                "2",
            ],
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !output.status.success() && text.contains("already exists"),
            "creating {topic} again must fail with TopicExistsException:\n{text}"
        );
    }

    /// Waits until controller `id`'s ApiVersions names `offset` or later as the offset of its
    /// finalized features, i.e. it has applied the log up to there.
    fn wait_applied(&mut self, id: i32, offset: i64) {
        let address = self.controller(id).address();
        let deadline = Instant::now() + CONVERGENCE;
        loop {
            self.controller(id).assert_running();
            let applied = self.runtime.block_on(async {
                let mut connection = support::KafkaConnection::connect(address).await;
                connection.api_versions().await.finalized_features_epoch
            });
            if applied >= offset {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "controller {id} applied up to {applied}, not {offset}, within {CONVERGENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until the broker describes every topic in `topics` with both partitions led.
    fn wait_for_topics(&self, topics: &[&str]) -> String {
        let deadline = Instant::now() + CONVERGENCE;
        loop {
            let described = self.topics(&["--describe"]);
            let missing: Vec<&&str> = topics
                .iter()
                .filter(|topic| {
                    (0..2).any(|p| {
                        !described.contains(&format!(
                            "Topic: {topic}\tPartition: {p}\tLeader: {BROKER_ID}"
                        ))
                    })
                })
                .collect();
            if missing.is_empty() {
                return described;
            }
            assert!(
                Instant::now() < deadline,
                "the broker does not describe {missing:?} within {CONVERGENCE:?}:\n{described}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

#[test]
fn a_kafka_quorum_migrates_to_yakt_one_controller_at_a_time() {
    let _one = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Four JVMs and yakt share two cores: small heaps.
    std::env::set_var("YAKT_KAFKA_HEAP", "256m");
    let root = tempfile::tempdir().expect("temporary directory");

    // 1. Kafka's own quorum and broker.
    let mut cluster = Cluster::start(root.path(), Quorum::Static);
    let leader = cluster.leader();
    assert!((1..=3).contains(&leader), "step 1: Kafka leader {leader}");
    cluster.create_topic(TOPICS[0]);
    cluster.wait_for_topics(&TOPICS[..1]);

    // 2. Controller 3 becomes yakt on Kafka's directory and follows the Kafka leader.
    cluster.controller(3).swap_to_yakt();
    let (leader, _) = cluster.wait_caught_up(3, |leader| leader != 3);
    assert!(
        leader == 1 || leader == 2,
        "step 2: Kafka leads, not {leader}"
    );
    cluster.create_topic(TOPICS[1]);
    cluster.wait_for_topics(&TOPICS[..2]);
    cluster.wait_caught_up(3, |leader| leader != 3);
    cluster.controller(3).assert_running();

    // 3. Controller 2 becomes yakt, Kafka controller 1 stops: yakt leads and writes.
    let (_, written_end) = cluster.yakt_takes_the_lead(&TOPICS);
    let version = cluster.version.clone();
    cluster.controller(1).start_kafka(&version);
    let (leader, _) = cluster.wait_caught_up(1, |leader| leader == 2 || leader == 3);
    assert!(
        leader == 2 || leader == 3,
        "step 3: yakt still leads, not {leader}"
    );
    // Kafka controller 1 replayed every record yakt wrote (a Kafka controller that cannot
    // replay one exits): its ApiVersions' FinalizedFeaturesEpoch, the offset it applied last,
    // passes them.
    cluster.wait_applied(1, written_end - 1);
    cluster.controller(1).assert_running();
    cluster.wait_for_topics(&TOPICS);

    // 4. Controller 1 becomes yakt: an all-yakt quorum on Kafka's directories.
    cluster.controller(1).swap_to_yakt();
    cluster.wait_caught_up(1, |_| true);
    let described = cluster.wait_for_topics(&TOPICS);
    for topic in TOPICS {
        assert!(
            described.contains(&format!("Topic: {topic}\t")),
            "{described}"
        );
    }
    // An idempotent producer (its producer id block allocated by the yakt leader) and a
    // consumer group (whose offsets topic the yakt leader creates).
    let bootstrap = format!("127.0.0.1:{}", cluster.broker_port);
    let produced = cluster.tool(
        "producer-perf-test",
        &[
            "--topic",
            TOPICS[2],
            "--num-records",
            "20",
            "--record-size",
            "16",
            "--throughput",
            "-1",
            "--producer-props",
            &format!("bootstrap.servers={bootstrap}"),
            "acks=all",
        ],
    );
    assert!(produced.contains("20 records sent"), "{produced}");
    let consumed = KafkaTool::run(
        &cluster.version,
        "console-consumer",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            TOPICS[2],
            "--from-beginning",
            "--max-messages",
            "20",
            "--timeout-ms",
            "30000",
        ],
    );
    expect_success(&consumed, "kafka-console-consumer");
    let summary = String::from_utf8_lossy(&consumed.stderr);
    assert!(
        summary.contains("Processed a total of 20 messages"),
        "{summary}"
    );

    let files: Vec<String> = (1..=3)
        .map(|id| {
            cluster
                .controller(id)
                .metadata_dir()
                .join("__cluster_metadata-0/00000000000000000000.log")
                .display()
                .to_string()
        })
        .collect();
    let dumped = cluster.tool(
        "dump-log",
        &["--cluster-metadata-decoder", "--files", &files.join(",")],
    );
    for file in &files {
        let section = dumped
            .split("Dumping ")
            .find(|part| part.starts_with(file.as_str()))
            .unwrap_or_else(|| panic!("kafka-dump-log dumps {file}:\n{dumped}"));
        for topic in TOPICS {
            assert!(
                section.contains(&format!("\"name\":\"{topic}\"")),
                "{file} holds the TopicRecord of {topic}:\n{section}"
            );
        }
    }

    for id in 1..=3 {
        cluster.controller(id).assert_running();
    }
    assert_eq!(
        cluster.broker.stop().code(),
        Some(143),
        "broker exit status"
    );
    for id in 1..=3 {
        cluster.controller(id).stop();
    }
}

/// The topics of the dynamic quorum's migration, one per phase.
const DYNAMIC_TOPICS: [&str; 4] = [
    "written-by-kafka",
    "replayed-by-yakt",
    "written-by-yakt",
    "after-reconfiguration",
];

#[test]
fn a_dynamic_kafka_quorum_migrates_to_yakt_one_controller_at_a_time() {
    let _one = ONE_CLUSTER_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Four JVMs and yakt share two cores: small heaps.
    std::env::set_var("YAKT_KAFKA_HEAP", "256m");
    let root = tempfile::tempdir().expect("temporary directory");
    let topics = DYNAMIC_TOPICS;

    // 1. Kafka's own dynamic quorum; the broker knows only the bootstrap servers.
    let mut cluster = Cluster::start(root.path(), Quorum::Dynamic);
    let leader = cluster.leader();
    assert!((1..=3).contains(&leader), "step 1: Kafka leader {leader}");
    cluster.expect_voters(leader, &[1, 2, 3]);
    cluster.create_topic(topics[0]);
    cluster.wait_for_topics(&topics[..1]);

    // 2. Controller 3 becomes yakt: it reads the voters from Kafka's bootstrap checkpoint and
    //    follows the Kafka leader under its directory id.
    cluster.controller(3).swap_to_yakt();
    let (leader, _) = cluster.wait_listed_as(3, "Follower", |leader| leader != 3);
    cluster.expect_voters(leader, &[1, 2, 3]);
    cluster.create_topic(topics[1]);
    cluster.wait_for_topics(&topics[..2]);
    cluster.wait_caught_up(3, |leader| leader != 3);

    // 3. Controller 2 becomes yakt, Kafka controller 1 stops: a yakt node leads and writes.
    let (leader, written_end) = cluster.yakt_takes_the_lead(&topics);
    cluster.expect_voters(leader, &[1, 2, 3]);

    // 4. Kafka controller 1 comes back on a new port and follows the yakt leader: its endpoint
    //    differs from the VotersRecord, so it sends UpdateRaftVoter, which the yakt leader
    //    answers by writing a VotersRecord with the new endpoint (Kafka's voter stops fetching
    //    and times out to an election while an UpdateRaftVoter goes unanswered).
    let version = cluster.version.clone();
    cluster.controller(1).move_to_new_port();
    cluster.controller(1).start_kafka(&version);
    let (leader, _) = cluster.wait_listed_as(1, "Follower", |l| l == leader);
    cluster.wait_applied(1, written_end - 1);
    cluster.wait_for_voter_endpoint(1);
    cluster.expect_voters(leader, &[1, 2, 3]);
    cluster.wait_listed_as(1, "Follower", |l| l == leader);
    cluster.controller(1).assert_running();

    // 5. While yakt leads, Kafka controller 1 is removed (it stays on as an observer) and
    //    added back with its own properties, as an operator replaces a controller.
    let directory_1 = cluster.controller(1).directory_id.clone();
    let removed = cluster.metadata_quorum(&[
        "remove-controller",
        "--controller-id",
        "1",
        "--controller-directory-id",
        &directory_1,
    ]);
    assert!(
        removed.contains("Removed") && removed.contains(&directory_1),
        "{removed}"
    );
    cluster.wait_listed_as(1, "Observer", |l| l == leader);
    cluster.expect_voters(leader, &[2, 3]);
    let config_1 = cluster
        .controller(1)
        .properties_path()
        .display()
        .to_string();
    let added = cluster.metadata_quorum(&["--command-config", &config_1, "add-controller"]);
    assert!(
        added.contains("Added") && added.contains("controller 1"),
        "{added}"
    );
    cluster.wait_listed_as(1, "Follower", |l| l == leader);
    cluster.expect_voters(leader, &[1, 2, 3]);
    cluster.create_topic(topics[3]);
    cluster.wait_for_topics(&topics);
    // Kafka's controller publishes a new FinalizedFeaturesEpoch only when the features
    // change, so its own log says it replayed the new topic.
    cluster.wait_caught_up(1, |l| l == leader);
    cluster.controller(1).wait_for_kafka_log(&format!(
        "Replayed PartitionRecord for new partition {}-1 ",
        topics[3]
    ));

    // 6. Controller 1 becomes yakt: an all-yakt quorum on the voters Kafka formatted and yakt
    //    changed.
    cluster.controller(1).swap_to_yakt();
    let (leader, _) = cluster.wait_listed_as(1, "Follower", |_| true);
    cluster.expect_voters(leader, &[1, 2, 3]);
    cluster.wait_for_topics(&topics);

    for id in 1..=3 {
        cluster.controller(id).assert_running();
    }
    assert_eq!(
        cluster.broker.stop().code(),
        Some(143),
        "broker exit status"
    );
    for id in 1..=3 {
        cluster.controller(id).stop();
    }
}
