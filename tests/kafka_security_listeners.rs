//! yakt's controller listener secured with SASL, judged by Kafka's own broker and tools: a
//! Kafka broker of the newest release logs in with PLAIN and is unfenced;
//! `kafka-metadata-quorum --bootstrap-controller --command-config` describes the quorum with
//! PLAIN and with SCRAM-SHA-256 (the credential created by `kafka-configs` through the broker,
//! which forwards it over its authenticated connection) and fails with Kafka's
//! authentication error on a wrong password; three yakt controllers that log in to each other
//! with PLAIN elect a leader and register.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use support::{
    as_pairs, expect_success, free_port, kafka_version, merge_properties, KafkaBroker, KafkaTool,
    YaktProcess,
};

const CLUSTER_ID: &str = "U2FzbExpc3RlbmVyc1Rlc3Q";
const PLAIN_MODULE: &str = "org.apache.kafka.common.security.plain.PlainLoginModule";
const SCRAM_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";
/// How long a broker starting next to yakt may take to be unfenced.
const BROKER_STARTUP: Duration = Duration::from_secs(120);

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The controller's JAAS entry: its own login (`admin`) and the PLAIN users.
fn controller_plain_jaas() -> String {
    format!(
        "{PLAIN_MODULE} required username=\"admin\" password=\"admin-secret\" \
         user_admin=\"admin-secret\" user_broker=\"broker-secret\";"
    )
}

/// A yakt controller listener on SASL_PLAINTEXT with `mechanisms`, logging in with PLAIN.
fn sasl_controller_settings(mechanisms: &str) -> Vec<(String, String)> {
    [
        (
            "listener.security.protocol.map",
            "CONTROLLER:SASL_PLAINTEXT",
        ),
        ("sasl.enabled.mechanisms", mechanisms),
        ("sasl.mechanism.controller.protocol", "PLAIN"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([(
        "listener.name.controller.plain.sasl.jaas.config".to_owned(),
        controller_plain_jaas(),
    )])
    .collect()
}

/// A client properties file for Kafka's tools.
fn client_config(dir: &Path, name: &str, mechanism: &str, user: &str, password: &str) -> PathBuf {
    let module = if mechanism == "PLAIN" {
        PLAIN_MODULE
    } else {
        SCRAM_MODULE
    };
    let path = dir.join(format!("{name}.properties"));
    fs::create_dir_all(dir).expect("create the client config directory");
    fs::write(
        &path,
        format!(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism={mechanism}\n\
             sasl.jaas.config={module} required username=\"{user}\" password=\"{password}\";\n"
        ),
    )
    .expect("write a client config");
    path
}

fn describe_status(bootstrap: &str, config: &Path) -> Output {
    KafkaTool::new(&kafka_version(), "metadata-quorum")
        .args(&[
            "--bootstrap-controller",
            bootstrap,
            "--command-config",
            config.to_str().expect("UTF-8 path"),
            "describe",
            "--status",
        ])
        .timeout(Duration::from_secs(60))
        .output()
}

fn status_map(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn kafka_broker_and_tools_authenticate_to_a_sasl_controller_listener() {
    let root = support::test_log_dir("data");
    let settings = sasl_controller_settings("PLAIN,SCRAM-SHA-256");
    let mut controller =
        YaktProcess::start_formatted(&root.join("controller"), CLUSTER_ID, &as_pairs(&settings));
    let bootstrap = controller.address();

    // A Kafka broker that logs in to the controller with PLAIN.
    let broker_dir = root.join("broker");
    let voters = format!("1@{bootstrap}");
    let broker_port = free_port();
    let mut properties = KafkaBroker::broker_properties(2, broker_port, &voters, &broker_dir);
    let broker_jaas =
        format!("{PLAIN_MODULE} required username=\"broker\" password=\"broker-secret\";");
    merge_properties(
        &mut properties,
        &[
            (
                "listener.security.protocol.map",
                "CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT",
            ),
            ("sasl.mechanism.controller.protocol", "PLAIN"),
            (
                "listener.name.controller.plain.sasl.jaas.config",
                broker_jaas.as_str(),
            ),
        ],
    );
    let mut broker = KafkaBroker::start_formatted(
        &kafka_version(),
        CLUSTER_ID,
        &as_pairs(&properties),
        &broker_dir,
    );
    broker.wait_for_log("The broker has been unfenced", BROKER_STARTUP);

    // kafka-metadata-quorum with PLAIN.
    let clients = root.join("clients");
    let admin = client_config(&clients, "admin", "PLAIN", "admin", "admin-secret");
    let output = describe_status(&bootstrap, &admin);
    let status = status_map(&expect_success(
        &output,
        "describe --status as admin (PLAIN)",
    ));
    assert_eq!(
        status.get("LeaderId").map(String::as_str),
        Some("1"),
        "{status:?}"
    );

    // A wrong password: Kafka's own authentication error, with PLAIN's message.
    let wrong = client_config(&clients, "wrong", "PLAIN", "admin", "not-the-password");
    let output = describe_status(&bootstrap, &wrong);
    let all = text(&output);
    assert!(
        !output.status.success(),
        "a wrong password succeeded:\n{all}"
    );
    assert!(
        all.contains("SaslAuthenticationException")
            && all.contains("Authentication failed: Invalid username or password"),
        "{all}"
    );

    // A SCRAM credential written through the broker (Kafka's admin client sends
    // AlterUserScramCredentials to brokers only), which forwards it over its PLAIN-authenticated
    // connection; then alice authenticates to the controller with it.
    let scram = KafkaTool::run(
        &kafka_version(),
        "configs",
        &[
            "--bootstrap-server",
            &format!("127.0.0.1:{broker_port}"),
            "--alter",
            "--add-config",
            "SCRAM-SHA-256=[iterations=4096,password=alice-secret]",
            "--entity-type",
            "users",
            "--entity-name",
            "alice",
        ],
    );
    expect_success(&scram, "kafka-configs --add-config SCRAM-SHA-256 for alice");
    let alice = client_config(&clients, "alice", "SCRAM-SHA-256", "alice", "alice-secret");
    let output = describe_status(&bootstrap, &alice);
    let status = status_map(&expect_success(
        &output,
        "describe --status as alice (SCRAM)",
    ));
    assert_eq!(
        status.get("LeaderId").map(String::as_str),
        Some("1"),
        "{status:?}"
    );
    let bad_alice = client_config(&clients, "bad-alice", "SCRAM-SHA-256", "alice", "nope");
    let output = describe_status(&bootstrap, &bad_alice);
    let all = text(&output);
    assert!(
        !output.status.success()
            && all.contains(
                "Authentication failed during authentication due to invalid credentials with \
                 SASL mechanism SCRAM-SHA-256"
            ),
        "{all}"
    );

    // A client without SASL on the SASL listener gets no answer: yakt closes the connection
    // at its first request after ApiVersions, and the tool gives up.
    let plaintext = clients.join("plaintext.properties");
    fs::write(
        &plaintext,
        "security.protocol=PLAINTEXT\ndefault.api.timeout.ms=5000\nrequest.timeout.ms=2000\n",
    )
    .expect("write a PLAINTEXT client config");
    let output = describe_status(&bootstrap, &plaintext);
    assert!(!output.status.success(), "{}", text(&output));

    broker.stop();
    controller.stop();
}

/// The controller all of `ports` name through DescribeCluster over a PLAIN-authenticated
/// connection, once they agree and each lists every one of them.
async fn agreed_controller_over_sasl(ports: &[u16]) -> Option<i32> {
    use kafka_protocol::messages::{DescribeClusterRequest, RequestKind, ResponseKind};
    use yakt::config::{Password, SaslClientSettings, SaslMechanism};
    use yakt::server::client::{Peer, PeerOptions};
    let mut seen = Vec::new();
    for &port in ports {
        let options = PeerOptions {
            sasl: Some(SaslClientSettings {
                mechanism: SaslMechanism::Plain,
                username: "admin".into(),
                password: Password::new("admin-secret"),
                token_auth: false,
            }),
            ..PeerOptions::default()
        };
        let peer = Peer::new(SocketAddr::from(([127, 0, 0, 1], port)), options);
        let request =
            RequestKind::DescribeCluster(DescribeClusterRequest::default().with_endpoint_type(2));
        let Ok((_, ResponseKind::DescribeCluster(response))) =
            peer.call(request, 1..=2, Duration::from_secs(2)).await
        else {
            return None;
        };
        let listed: Vec<i32> = response.brokers.iter().map(|b| b.port).collect();
        if !ports.iter().all(|p| listed.contains(&i32::from(*p))) {
            return None;
        }
        seen.push(response.controller_id.0);
    }
    let first = *seen.first()?;
    (first >= 0 && seen.iter().all(|leader| *leader == first)).then_some(first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_controllers_on_sasl_elect_a_leader_and_register() {
    let root = support::test_log_dir("data");
    let ports: BTreeMap<i32, u16> = (1..=3).map(|id| (id, free_port())).collect();
    let settings = sasl_controller_settings("PLAIN");
    let mut nodes: Vec<YaktProcess> = ports
        .keys()
        .map(|&id| {
            YaktProcess::start_voter(
                &root.join(format!("node-{id}")),
                CLUSTER_ID,
                id,
                &ports,
                &as_pairs(&settings),
            )
        })
        .collect();
    let port_list: Vec<u16> = ports.values().copied().collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let leader = loop {
        if let Some(leader) = agreed_controller_over_sasl(&port_list).await {
            break leader;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no agreed, registered leader over SASL within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(ports.contains_key(&leader), "leader {leader}");

    // Kafka's tool sees the same quorum through any controller.
    let admin = client_config(&root, "admin", "PLAIN", "admin", "admin-secret");
    let bootstrap = format!("127.0.0.1:{}", ports[&2]);
    let output = tokio::task::spawn_blocking(move || describe_status(&bootstrap, &admin))
        .await
        .expect("describe");
    let status = status_map(&expect_success(&output, "describe --status over SASL"));
    assert_eq!(
        status.get("LeaderId"),
        Some(&leader.to_string()),
        "{status:?}"
    );
    for node in &mut nodes {
        node.stop();
    }
}
