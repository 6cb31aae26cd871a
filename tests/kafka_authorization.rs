//! Authorization on yakt, judged by Kafka's own broker and tools: one yakt controller with
//! `authorizer.class.name=...StandardAuthorizer` and `super.users=User:ANONYMOUS` (brokers and
//! tools on PLAINTEXT are ANONYMOUS), and one Kafka broker of the newest release with the same
//! authorizer, a PLAINTEXT listener and a SASL_PLAINTEXT/SCRAM-SHA-256 listener. User alice
//! authenticates over SASL; the broker forwards her CreateTopics in an Envelope, and yakt
//! decides on her principal against the ACLs `kafka-acls` wrote through the broker. A second
//! test shows a controller without an authorizer answering the ACL APIs SECURITY_DISABLED.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use support::{
    as_pairs, expect_success, free_port, kafka_version, merge_properties, KafkaBroker, KafkaTool,
    YaktProcess,
};

const CLUSTER_ID: &str = "MkU3OEVBNTcwNTJENDM2Qg";
const STANDARD_AUTHORIZER: &str = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
/// How long a broker starting next to yakt may take to be unfenced.
const BROKER_STARTUP: Duration = Duration::from_secs(120);
/// How long the broker may take to learn alice's SCRAM credential from the metadata log.
const CONVERGENCE: Duration = Duration::from_secs(60);

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn tool(name: &str, args: &[&str]) -> Output {
    KafkaTool::run(&kafka_version(), name, args)
}

/// The broker's properties: PLAINTEXT for ANONYMOUS (brokers, tools), SASL_PLAINTEXT with
/// SCRAM-SHA-256 for alice, StandardAuthorizer as on the controller.
fn broker_properties(
    dir: &Path,
    controller: &YaktProcess,
    ports: (u16, u16),
) -> Vec<(String, String)> {
    let voters = format!("1@{}", controller.address());
    let mut properties = KafkaBroker::broker_properties(2, ports.0, &voters, dir);
    let listeners = format!(
        "PLAINTEXT://127.0.0.1:{},SASL_PLAINTEXT://127.0.0.1:{}",
        ports.0, ports.1
    );
    merge_properties(
        &mut properties,
        &[
            ("listeners", listeners.as_str()),
            (
                "listener.security.protocol.map",
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
            ),
            ("sasl.enabled.mechanisms", "SCRAM-SHA-256"),
            (
                "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            ),
            ("authorizer.class.name", STANDARD_AUTHORIZER),
            ("super.users", "User:ANONYMOUS"),
        ],
    );
    properties
}

/// alice's `kafka-topics --create --topic <topic>` over SASL; retried while the broker does
/// not know her credential yet. Returns the tool's output.
fn alice_creates(sasl: &str, alice_config: &Path, topic: &str) -> Output {
    let deadline = Instant::now() + CONVERGENCE;
    loop {
        let output = tool(
            "topics",
            &[
                "--bootstrap-server",
                sasl,
                "--command-config",
                alice_config.to_str().expect("UTF-8 path"),
                "--create",
                "--topic",
                topic,
                "--partitions",
                "1",
                "--replication-factor",
                "1",
            ],
        );
        let all = text(&output);
        if !all.contains("Authentication failed") || Instant::now() >= deadline {
            return output;
        }
    }
}

fn expect_topic_authorization_failed(output: &Output, what: &str) {
    let all = text(output);
    assert!(
        !output.status.success() && all.contains("TopicAuthorizationException"),
        "{what}: expected TopicAuthorizationFailed, got {}\n{all}",
        output.status
    );
}

fn acls(plaintext: &str, args: &[&str]) {
    let mut all = vec!["--bootstrap-server", plaintext];
    all.extend_from_slice(args);
    expect_success(
        &tool("acls", &all),
        &format!("kafka-acls {}", args.join(" ")),
    );
}

#[test]
fn alice_is_authorized_by_yakt_on_her_forwarded_principal() {
    let root = support::test_log_dir("data");
    let mut controller = YaktProcess::start_formatted(
        &root.join("controller"),
        CLUSTER_ID,
        &[
            ("authorizer.class.name", STANDARD_AUTHORIZER),
            ("super.users", "User:ANONYMOUS"),
        ],
    );
    let ports = (free_port(), free_port());
    let dir = root.join("broker");
    let properties = broker_properties(&dir, &controller, ports);
    let mut broker =
        KafkaBroker::start_formatted(&kafka_version(), CLUSTER_ID, &as_pairs(&properties), &dir);
    broker.wait_for_log("The broker has been unfenced", BROKER_STARTUP);
    let plaintext = format!("127.0.0.1:{}", ports.0);
    let sasl = format!("127.0.0.1:{}", ports.1);

    // alice's SCRAM credential, written by an ANONYMOUS (super user) client through the broker.
    let scram = tool(
        "configs",
        &[
            "--bootstrap-server",
            &plaintext,
            "--alter",
            "--add-config",
            "SCRAM-SHA-256=[password=alice-secret]",
            "--entity-type",
            "users",
            "--entity-name",
            "alice",
        ],
    );
    expect_success(&scram, "kafka-configs --add-config SCRAM-SHA-256 for alice");
    let alice_config = root.join("alice.properties");
    fs::write(
        &alice_config,
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\n\
         sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
         username=\"alice\" password=\"alice-secret\";\n",
    )
    .expect("write alice's client config");

    // No ACL for alice: yakt refuses her forwarded CreateTopics.
    let refused = alice_creates(&sasl, &alice_config, "t");
    expect_topic_authorization_failed(&refused, "alice creates t without an ACL");

    // kafka-acls through the broker: forwarded to yakt, written as an ACL record.
    acls(
        &plaintext,
        &[
            "--add",
            "--allow-principal",
            "User:alice",
            "--operation",
            "Create",
            "--topic",
            "t",
        ],
    );
    let created = alice_creates(&sasl, &alice_config, "t");
    let out = expect_success(&created, "alice creates t with ALLOW CREATE on t");
    assert!(out.contains("Created topic t."), "{out}");

    // A wildcard ALLOW, and a DENY on u that beats it.
    acls(
        &plaintext,
        &[
            "--add",
            "--allow-principal",
            "User:alice",
            "--operation",
            "Create",
            "--topic",
            "*",
        ],
    );
    acls(
        &plaintext,
        &[
            "--add",
            "--deny-principal",
            "User:alice",
            "--operation",
            "Create",
            "--topic",
            "u",
        ],
    );
    let created = alice_creates(&sasl, &alice_config, "v");
    expect_success(&created, "alice creates v through the wildcard ALLOW");
    let refused = alice_creates(&sasl, &alice_config, "u");
    expect_topic_authorization_failed(&refused, "alice creates u, denied by name");

    // The ACLs, as the controller lists them.
    let listed = tool(
        "acls",
        &["--bootstrap-controller", &controller.address(), "--list"],
    );
    let listed = expect_success(&listed, "kafka-acls --bootstrap-controller --list");
    for (name, permission) in [("t", "ALLOW"), ("*", "ALLOW"), ("u", "DENY")] {
        let resource =
            format!("ResourcePattern(resourceType=TOPIC, name={name}, patternType=LITERAL)");
        let entry = format!(
            "(principal=User:alice, host=*, operation=CREATE, permissionType={permission})"
        );
        let section = listed
            .split("Current ACLs for resource")
            .find(|section| section.contains(&resource))
            .unwrap_or_else(|| panic!("no ACLs listed for {resource}:\n{listed}"));
        assert!(
            section.contains(&entry),
            "{entry} not under {resource}:\n{listed}"
        );
    }

    broker.stop();
    controller.stop();
}

#[test]
fn without_an_authorizer_the_acl_apis_are_security_disabled() {
    let root = support::test_log_dir("data");
    let mut controller = YaktProcess::start_formatted(&root.join("controller"), CLUSTER_ID, &[]);
    let address = controller.address();
    let listed = tool("acls", &["--bootstrap-controller", &address, "--list"]);
    let added = tool(
        "acls",
        &[
            "--bootstrap-controller",
            &address,
            "--add",
            "--allow-principal",
            "User:alice",
            "--operation",
            "Read",
            "--topic",
            "t",
        ],
    );
    for (what, output) in [("--list", listed), ("--add", added)] {
        let all = text(&output);
        assert!(
            all.contains("SecurityDisabledException"),
            "kafka-acls {what} without an authorizer: {}\n{all}",
            output.status
        );
    }
    controller.stop();
}
