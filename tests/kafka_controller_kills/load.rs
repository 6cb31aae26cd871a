//! The metadata load (`tests/java/AdminLoadProbe.java`, Kafka's Admin client through the
//! broker) run in the background, what its acknowledged and failed operations allow each
//! topic to be, and the broker's own view of the topics.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::logs::TopicState;
use crate::support::{
    compile_java, kafka_libs, kafka_version, repo_root, test_log_dir, wait_until,
    BackgroundProcess, KafkaTool,
};

/// The prefix of every topic the load creates.
pub const TOPIC_PREFIX: &str = "load-";
/// The probe's Java class.
const PROBE: &str = "AdminLoadProbe";
/// The longest the probe runs if nobody stops it.
const PROBE_DEADLINE: Duration = Duration::from_secs(240);
/// The pause between two operations: a steady load that leaves the 2-core machine room.
const PROBE_PAUSE_MS: &str = "20";
/// How long a stopped probe may take to finish its operation in flight (its Admin calls end
/// within default.api.timeout.ms, 10 s).
const PROBE_STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The load probe running in the background.
pub struct LoadProbe {
    process: BackgroundProcess,
    stop_file: PathBuf,
}

impl LoadProbe {
    /// Starts `AdminLoadProbe load` against the broker at `bootstrap`.
    pub fn start(bootstrap: &str) -> Self {
        let version = kafka_version();
        kafka_libs(&version);
        let classes = compile_java(&version, PROBE);
        let log_dir = test_log_dir("load-probe");
        let stop_file = log_dir.join("stop");
        let deadline_ms = PROBE_DEADLINE.as_millis().to_string();
        let mut command = Command::new(repo_root().join("scripts/kafka"));
        command
            .args(["run", &version, PROBE, "load", bootstrap])
            .arg(&stop_file)
            .args([deadline_ms.as_str(), PROBE_PAUSE_MS])
            .env("YAKT_KAFKA_CLASSPATH", classes)
            .env("YAKT_KAFKA_HEAP", "128m");
        LoadProbe {
            process: BackgroundProcess::spawn("load-probe", command, log_dir),
            stop_file,
        }
    }

    /// The lines printed so far.
    pub fn lines(&self) -> Vec<String> {
        let stdout = self.process.log_dir().join("stdout.log");
        fs::read_to_string(stdout)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The operations acknowledged so far.
    pub fn acks(&self) -> usize {
        self.lines()
            .iter()
            .filter(|line| line.starts_with("ack "))
            .count()
    }

    /// Waits until at least `count` operations were acknowledged.
    pub fn wait_for_acks(&mut self, count: usize, within: Duration) {
        let what = format!("{count} acknowledged metadata operations");
        wait_until(&what, within, || {
            self.process.assert_running();
            self.acks() >= count
        });
    }

    /// Tells the probe to stop, waits for its `done` line and returns every line it printed.
    pub fn stop(mut self) -> Vec<String> {
        fs::write(&self.stop_file, b"stop").expect("write the stop file");
        let mut lines = Vec::new();
        wait_until("the load probe to finish", PROBE_STOP_TIMEOUT, || {
            lines = self.lines();
            if lines.iter().any(|line| line.starts_with("done ")) {
                return true;
            }
            self.process.assert_running();
            false
        });
        self.process.terminate();
        lines
    }
}

/// The exception of a CreateTopics whose topic exists: a retry after a lost answer (the
/// load's topic names are never used twice).
const TOPIC_EXISTS: &str = "org.apache.kafka.common.errors.TopicExistsException";

/// What the probe's lines allow one topic to be.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    /// The creation was acknowledged (or refused because the topic exists).
    pub acknowledged: bool,
    pub partitions: BTreeSet<usize>,
    pub retention_ms: BTreeSet<String>,
}

/// Each topic the probe tried to create and what it may be now: an acknowledged operation
/// fixes a value, a failed one may or may not have taken effect. The probe leaves a topic
/// alone after a failure, so the failed attempt is the only other possibility.
pub fn allowed_topics(lines: &[String]) -> BTreeMap<String, Allowed> {
    let mut topics: BTreeMap<String, Allowed> = BTreeMap::new();
    for line in lines {
        let fields: Vec<&str> = line.split(' ').collect();
        match fields.as_slice() {
            [outcome @ ("ack" | "fail"), "create", topic, partitions, retention, rest @ ..] => {
                let allowed = Allowed {
                    acknowledged: *outcome == "ack" || rest == [TOPIC_EXISTS],
                    partitions: BTreeSet::from([partitions.parse().expect("a count")]),
                    retention_ms: BTreeSet::from([retention.to_string()]),
                };
                topics.insert(topic.to_string(), allowed);
            }
            [outcome @ ("ack" | "fail"), "partitions", topic, total, ..] => {
                let allowed = topics.get_mut(*topic).expect("a created topic");
                if *outcome == "ack" {
                    allowed.partitions.clear();
                }
                allowed.partitions.insert(total.parse().expect("a count"));
            }
            [outcome @ ("ack" | "fail"), "config", topic, retention, ..] => {
                let allowed = topics.get_mut(*topic).expect("a created topic");
                if *outcome == "ack" {
                    allowed.retention_ms.clear();
                }
                allowed.retention_ms.insert(retention.to_string());
            }
            ["done", ..] => {}
            _ => panic!("an unexpected line from the load probe: {line}"),
        }
    }
    topics
}

/// Failed operations by exception class, for the report.
pub fn failures_by_class(lines: &[String]) -> BTreeMap<String, usize> {
    let mut failures = BTreeMap::new();
    for line in lines.iter().filter(|line| line.starts_with("fail ")) {
        let class = line.rsplit(' ').next().unwrap_or_default().to_string();
        *failures.entry(class).or_default() += 1;
    }
    failures
}

/// Problems with `topics` (`name -> state`, as one node sees them) against what the probe's
/// lines allow; empty when every acknowledged operation is there and nothing else is.
pub fn check_topics(
    allowed: &BTreeMap<String, Allowed>,
    topics: &BTreeMap<String, TopicState>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, allowed) in allowed {
        match topics.get(name) {
            None if allowed.acknowledged => {
                problems.push(format!("acknowledged topic {name} is missing"))
            }
            None => {}
            Some(state) => {
                if !allowed.partitions.contains(&state.partitions) {
                    problems.push(format!(
                        "{name} has {} partitions, not one of {:?}",
                        state.partitions, allowed.partitions
                    ));
                }
                let retention = state.retention_ms.clone().unwrap_or_default();
                if !allowed.retention_ms.contains(&retention) {
                    problems.push(format!(
                        "{name} has retention.ms {retention:?}, not one of {:?}",
                        allowed.retention_ms
                    ));
                }
            }
        }
    }
    for name in topics.keys().filter(|name| name.starts_with(TOPIC_PREFIX)) {
        if !allowed.contains_key(name) {
            problems.push(format!("{name} exists but was never created"));
        }
    }
    problems
}

/// The topics named `TOPIC_PREFIX*` as the broker at `bootstrap` describes them
/// (`AdminLoadProbe describe`); a failed describe's output is the error.
pub fn broker_topics(bootstrap: &str) -> Result<BTreeMap<String, TopicState>, String> {
    let version = kafka_version();
    let output = KafkaTool::new(&version, PROBE)
        .classpath(&compile_java(&version, PROBE))
        .args(&["describe", bootstrap, TOPIC_PREFIX])
        .output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "describe failed ({}):\n{stdout}\n{stderr}",
            output.status
        ));
    }
    let mut topics = BTreeMap::new();
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let ["topic", name, id, partitions, retention] = fields.as_slice() else {
            return Err(format!("an unexpected describe line: {line}"));
        };
        let state = TopicState {
            id: id.to_string(),
            partitions: partitions.parse().map_err(|e| format!("{line}: {e}"))?,
            retention_ms: (*retention != "-").then(|| retention.to_string()),
        };
        topics.insert(name.to_string(), state);
    }
    Ok(topics)
}

/// The judge itself, without Kafka: each way metadata can be lost or invented is reported.
#[test]
fn the_judge_reports_lost_and_invented_metadata() {
    let exception = |name: &str| format!("org.apache.kafka.common.errors.{name}");
    let lines: Vec<String> = [
        "ack create load-0 2 3600000".to_string(),
        "ack partitions load-0 3".to_string(),
        format!(
            "fail create load-1 1 3601000 {}",
            exception("TimeoutException")
        ),
        "ack create load-2 1 3602000".to_string(),
        format!(
            "fail config load-2 3603000 {}",
            exception("TimeoutException")
        ),
        format!(
            "fail create load-3 1 3604000 {}",
            exception("TopicExistsException")
        ),
        "done 3 3".to_string(),
    ]
    .into();
    let allowed = allowed_topics(&lines);
    let state = |id: &str, partitions: usize, retention: &str| TopicState {
        id: id.to_string(),
        partitions,
        retention_ms: Some(retention.to_string()),
    };
    let good = BTreeMap::from([
        ("load-0".to_string(), state("a", 3, "3600000")),
        ("load-2".to_string(), state("c", 1, "3603000")),
        ("load-3".to_string(), state("d", 1, "3604000")),
    ]);
    assert_eq!(check_topics(&allowed, &good), Vec::<String>::new());
    let mut with_failed_create = good.clone();
    with_failed_create.insert("load-1".into(), state("b", 1, "3601000"));
    assert_eq!(
        check_topics(&allowed, &with_failed_create),
        Vec::<String>::new()
    );

    let bad: [(&str, Option<TopicState>); 5] = [
        ("load-0", None),
        ("load-0", Some(state("a", 2, "3600000"))),
        ("load-2", Some(state("c", 1, "3601000"))),
        ("load-3", None),
        ("load-9", Some(state("z", 1, "3600000"))),
    ];
    for (name, changed) in bad {
        let mut topics = good.clone();
        match changed {
            Some(topic) => topics.insert(name.to_string(), topic),
            None => topics.remove(name),
        };
        let problems = check_topics(&allowed, &topics);
        assert_eq!(problems.len(), 1, "{name} {topics:?}: {problems:?}");
        assert!(problems[0].contains(name), "{problems:?}");
    }
}
