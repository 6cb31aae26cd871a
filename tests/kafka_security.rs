//! Authorization and delegation tokens on yakt, judged by Kafka's own broker and tools: one yakt
//! controller with `authorizer.class.name=...StandardAuthorizer`, `super.users=User:ANONYMOUS`
//! (brokers and tools on PLAINTEXT are ANONYMOUS) and a `delegation.token.secret.key`, and one
//! Kafka broker of the newest release with the same authorizer and key, a PLAINTEXT listener
//! and a SASL_PLAINTEXT/SCRAM-SHA-256 one. User alice gets a SCRAM credential through the
//! broker and authenticates over SASL; the broker forwards her requests in Envelopes with her
//! principal, and yakt decides on it:
//! - her CreateTopics, against the ACLs `kafka-acls` wrote through the broker (refused without
//!   one, allowed by a literal or wildcard ALLOW, refused by a DENY);
//! - her delegation tokens: `kafka-delegation-tokens` creates, describes, renews and expires
//!   one; a client authenticates with the token itself (SCRAM with `tokenauth=true`) and no
//!   longer can once it is expired; a short-lived token is removed by yakt's periodic sweep.
//!
//! A second test shows a controller without an authorizer answering the ACL APIs
//! SECURITY_DISABLED. Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use support::{
    as_pairs, expect_success, free_port, kafka_version, merge_properties, KafkaBroker, KafkaTool,
    YaktProcess,
};

const CLUSTER_ID: &str = "MkU3OEVBNTcwNTJENDM2Qg";
const STANDARD_AUTHORIZER: &str = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
const SECRET_KEY: &str = "a-secret-shared-by-controller-and-broker";
const DELEGATION_TOKENS: &str = "org.apache.kafka.tools.DelegationTokenCommand";
/// How long a broker starting next to yakt may take to be unfenced.
const BROKER_STARTUP: Duration = Duration::from_secs(120);
/// How long the broker may take to learn a credential or token from the metadata log.
const CONVERGENCE: Duration = Duration::from_secs(60);
/// `--describe` for alice's tokens. Without `--owner-principal` the 4.x tool sends an empty
/// owner list, which a broker answers with no tokens at all.
const DESCRIBE_ALICE: &[&str] = &["--describe", "--owner-principal", "User:alice"];
/// A small heap for the broker and every tool.
const HEAP: &str = "256m";

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

fn path_text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Runs `tool` until its output no longer says authentication failed (the broker has not
/// replayed the credential or token yet), for at most [`CONVERGENCE`].
fn once_authenticated(mut run: impl FnMut() -> Output) -> Output {
    let deadline = Instant::now() + CONVERGENCE;
    loop {
        let output = run();
        if !text(&output).contains("Authentication failed") || Instant::now() >= deadline {
            return output;
        }
    }
}

/// The broker's properties: PLAINTEXT for ANONYMOUS (brokers, tools), SASL_PLAINTEXT with
/// SCRAM-SHA-256 for alice, the authorizer and the secret key as on the controller.
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
            ("delegation.token.secret.key", SECRET_KEY),
        ],
    );
    properties
}

/// A SCRAM-SHA-256 client config for `username`/`password` (with `tokenauth=true` when the
/// two are a token id and its HMAC).
fn scram_config(path: &Path, username: &str, password: &str, token: bool) {
    let tokenauth = if token { " tokenauth=\"true\"" } else { "" };
    fs::write(
        path,
        format!(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\n\
             sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
             username=\"{username}\" password=\"{password}\"{tokenauth};\n"
        ),
    )
    .expect("write a client config");
}

/// The controller and the broker, with alice's SCRAM credential written.
struct SecureCluster {
    root: PathBuf,
    controller: YaktProcess,
    broker: KafkaBroker,
    /// The broker's PLAINTEXT listener (ANONYMOUS, a super user).
    plaintext: String,
    /// The broker's SASL_PLAINTEXT listener.
    sasl: String,
    /// alice's client config for `sasl`.
    alice: PathBuf,
}

impl SecureCluster {
    fn start() -> SecureCluster {
        let root = support::test_log_dir("data");
        let controller = YaktProcess::start_formatted(
            &root.join("controller"),
            CLUSTER_ID,
            &[
                ("authorizer.class.name", STANDARD_AUTHORIZER),
                ("super.users", "User:ANONYMOUS"),
                ("delegation.token.secret.key", SECRET_KEY),
                ("delegation.token.expiry.check.interval.ms", "1000"),
            ],
        );
        let ports = (free_port(), free_port());
        let dir = root.join("broker");
        let properties = broker_properties(&dir, &controller, ports);
        let mut broker = KafkaBroker::start_formatted(
            &kafka_version(),
            CLUSTER_ID,
            &as_pairs(&properties),
            &dir,
        );
        broker.wait_for_log("The broker has been unfenced", BROKER_STARTUP);
        let plaintext = format!("127.0.0.1:{}", ports.0);
        // alice's SCRAM credential, written by an ANONYMOUS (super user) client through the
        // broker, which forwards it to yakt.
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
        let alice = root.join("alice.properties");
        scram_config(&alice, "alice", "alice-secret", false);
        SecureCluster {
            root,
            controller,
            broker,
            plaintext,
            sasl: format!("127.0.0.1:{}", ports.1),
            alice,
        }
    }

    fn stop(mut self) {
        self.broker.stop();
        self.controller.stop();
    }
}

/// alice's `kafka-topics --create --topic <topic>` over SASL (retried while the broker does
/// not know her credential yet).
fn alice_creates(cluster: &SecureCluster, topic: &str) -> Output {
    once_authenticated(|| {
        tool(
            "topics",
            &[
                "--bootstrap-server",
                &cluster.sasl,
                "--command-config",
                path_text(&cluster.alice),
                "--create",
                "--topic",
                topic,
                "--partitions",
                "1",
                "--replication-factor",
                "1",
            ],
        )
    })
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

/// `kafka-delegation-tokens --bootstrap-server <sasl> --command-config <config> <args>`.
fn delegation_tokens(sasl: &str, config: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "--bootstrap-server",
        sasl,
        "--command-config",
        path_text(config),
    ];
    all.extend_from_slice(args);
    tool(DELEGATION_TOKENS, &all)
}

/// One row of the token table `kafka-delegation-tokens` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TokenRow {
    token_id: String,
    hmac: String,
    owner: String,
    requester: String,
    renewers: String,
}

/// The rows under the `TOKENID HMAC OWNER ...` header.
fn token_rows(stdout: &str) -> Vec<TokenRow> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("TOKENID"));
    lines.next();
    lines
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.len() >= 8).then(|| TokenRow {
                token_id: fields[0].into(),
                hmac: fields[1].into(),
                owner: fields[2].into(),
                requester: fields[3].into(),
                renewers: fields[4].into(),
            })
        })
        .collect()
}

/// `kafka-topics --list` over SASL with `config`.
fn list_topics(sasl: &str, config: &Path) -> Output {
    tool(
        "topics",
        &[
            "--bootstrap-server",
            sasl,
            "--command-config",
            path_text(config),
            "--list",
        ],
    )
}

/// alice's CreateTopics, decided by yakt on her forwarded principal.
fn alice_is_authorized_on_her_forwarded_principal(cluster: &SecureCluster) {
    let (plaintext, controller) = (&cluster.plaintext, &cluster.controller);
    // No ACL for alice: yakt refuses her forwarded CreateTopics.
    let refused = alice_creates(cluster, "t");
    expect_topic_authorization_failed(&refused, "alice creates t without an ACL");

    // kafka-acls through the broker: forwarded to yakt, written as an ACL record.
    acls(
        plaintext,
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
    let created = alice_creates(cluster, "t");
    let out = expect_success(&created, "alice creates t with ALLOW CREATE on t");
    assert!(out.contains("Created topic t."), "{out}");

    // A wildcard ALLOW, and a DENY on u that beats it.
    acls(
        plaintext,
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
        plaintext,
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
    let created = alice_creates(cluster, "v");
    expect_success(&created, "alice creates v through the wildcard ALLOW");
    let refused = alice_creates(cluster, "u");
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
}

/// alice's delegation tokens, created, renewed and expired by yakt, authenticating clients.
fn alice_creates_renews_and_expires_a_token_that_authenticates_clients(cluster: &SecureCluster) {
    let (root, sasl, alice) = (&cluster.root, &cluster.sasl, &cluster.alice);
    // Create: forwarded to yakt, which signs the token.
    let created = once_authenticated(|| {
        delegation_tokens(
            sasl,
            alice,
            &[
                "--create",
                "--max-life-time-period",
                "-1",
                "--renewer-principal",
                "User:bob",
            ],
        )
    });
    let stdout = expect_success(&created, "kafka-delegation-tokens --create");
    let rows = token_rows(&stdout);
    assert_eq!(rows.len(), 1, "one token created:\n{stdout}");
    let token = rows[0].clone();
    assert_eq!(
        (
            token.owner.as_str(),
            token.requester.as_str(),
            token.renewers.as_str()
        ),
        ("User:alice", "User:alice", "[User:bob]"),
        "{stdout}"
    );

    // Describe: answered by the broker from the token record it replayed from yakt's log,
    // with the HMAC the broker computes under its own copy of the key.
    let mut described = Vec::new();
    support::wait_until("the broker describes alice's token", CONVERGENCE, || {
        let output = delegation_tokens(sasl, alice, DESCRIBE_ALICE);
        described = token_rows(&expect_success(
            &output,
            "kafka-delegation-tokens --describe",
        ));
        !described.is_empty()
    });
    assert_eq!(
        described,
        vec![token.clone()],
        "the broker's HMAC is yakt's"
    );

    // A client authenticated by the token itself.
    let by_token = root.join("token.properties");
    scram_config(&by_token, &token.token_id, &token.hmac, true);
    let listed = once_authenticated(|| list_topics(sasl, &by_token));
    expect_success(&listed, "kafka-topics --list authenticated with the token");

    // Renew and expire, by HMAC: forwarded to yakt with alice's principal.
    let renewed = delegation_tokens(
        sasl,
        alice,
        &[
            "--renew",
            "--hmac",
            &token.hmac,
            "--renew-time-period",
            "3600000",
        ],
    );
    let renewed = expect_success(&renewed, "kafka-delegation-tokens --renew");
    assert!(renewed.contains("Completed renew operation"), "{renewed}");
    let expired = delegation_tokens(
        sasl,
        alice,
        &[
            "--expire",
            "--hmac",
            &token.hmac,
            "--expiry-time-period",
            "-1",
        ],
    );
    let expired = expect_success(&expired, "kafka-delegation-tokens --expire");
    assert!(expired.contains("Completed expire operation"), "{expired}");

    // Gone from the broker, which now refuses the token.
    support::wait_until("the broker forgets alice's token", CONVERGENCE, || {
        let output = delegation_tokens(sasl, alice, DESCRIBE_ALICE);
        token_rows(&expect_success(
            &output,
            "kafka-delegation-tokens --describe",
        ))
        .is_empty()
    });
    let refused = list_topics(sasl, &by_token);
    assert!(
        !refused.status.success() && text(&refused).contains("Authentication failed"),
        "an expired token must not authenticate:\n{}",
        text(&refused)
    );
    // The same HMAC again: yakt no longer knows the token.
    let again = delegation_tokens(
        sasl,
        alice,
        &[
            "--renew",
            "--hmac",
            &token.hmac,
            "--renew-time-period",
            "3600000",
        ],
    );
    assert!(
        !again.status.success() && text(&again).contains("DelegationTokenNotFoundException"),
        "{}",
        text(&again)
    );

    // A token that lives eight seconds: yakt's active controller removes it once expired
    // (checking every second), and the broker then no longer describes it.
    let short_lived =
        delegation_tokens(sasl, alice, &["--create", "--max-life-time-period", "8000"]);
    let short_lived = token_rows(&expect_success(&short_lived, "--create, 8 s"));
    assert_eq!(short_lived.len(), 1);
    let mut seen = false;
    support::wait_until("yakt removes the expired token", CONVERGENCE, || {
        let output = delegation_tokens(sasl, alice, DESCRIBE_ALICE);
        let rows = token_rows(&expect_success(
            &output,
            "kafka-delegation-tokens --describe",
        ));
        seen |= rows == short_lived;
        seen && rows.is_empty()
    });
}

#[test]
fn yakt_authorizes_forwarded_principals_and_signs_their_tokens() {
    // Inherited by the broker and every tool (the one Kafka test of this binary).
    std::env::set_var("YAKT_KAFKA_HEAP", HEAP);
    let cluster = SecureCluster::start();
    alice_is_authorized_on_her_forwarded_principal(&cluster);
    alice_creates_renews_and_expires_a_token_that_authenticates_clients(&cluster);
    cluster.stop();
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
