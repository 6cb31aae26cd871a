//! Delegation tokens on yakt, judged by Kafka's own broker and tools: one yakt controller and
//! one Kafka broker of the newest release, both with the same `delegation.token.secret.key`.
//! The broker has a PLAINTEXT listener and a SASL_PLAINTEXT/SCRAM-SHA-256 one. User alice gets
//! a SCRAM credential through the broker; over SASL, Kafka's `kafka-delegation-tokens`
//! creates, describes, renews and expires her token (the broker forwards create, renew and
//! expire to yakt in Envelopes with alice's principal, and describes from the records it
//! replayed from yakt's log); a client then authenticates with the token itself (SCRAM with
//! `tokenauth=true`), and no longer can once the token is expired. A token with a short life
//! is removed by yakt's periodic sweep of expired tokens.
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

const CLUSTER_ID: &str = "RGVsZWdhdGlvblRva2Vucw";
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

/// The broker's properties: PLAINTEXT (brokers, tools), SASL_PLAINTEXT with SCRAM-SHA-256,
/// and the controller's secret key.
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

#[test]
fn alice_creates_renews_and_expires_a_token_that_authenticates_clients() {
    // Inherited by the broker and every tool (the one test of this binary).
    std::env::set_var("YAKT_KAFKA_HEAP", HEAP);
    let root = support::test_log_dir("data");
    let mut controller = YaktProcess::start_formatted(
        &root.join("controller"),
        CLUSTER_ID,
        &[
            ("delegation.token.secret.key", SECRET_KEY),
            ("delegation.token.expiry.check.interval.ms", "1000"),
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

    // Create: forwarded to yakt, which signs the token.
    let created = once_authenticated(|| {
        delegation_tokens(
            &sasl,
            &alice,
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
        let output = delegation_tokens(&sasl, &alice, DESCRIBE_ALICE);
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
    let listed = once_authenticated(|| list_topics(&sasl, &by_token));
    expect_success(&listed, "kafka-topics --list authenticated with the token");

    // Renew and expire, by HMAC: forwarded to yakt with alice's principal.
    let renewed = delegation_tokens(
        &sasl,
        &alice,
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
        &sasl,
        &alice,
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
        let output = delegation_tokens(&sasl, &alice, DESCRIBE_ALICE);
        token_rows(&expect_success(
            &output,
            "kafka-delegation-tokens --describe",
        ))
        .is_empty()
    });
    let refused = list_topics(&sasl, &by_token);
    assert!(
        !refused.status.success() && text(&refused).contains("Authentication failed"),
        "an expired token must not authenticate:\n{}",
        text(&refused)
    );
    // The same HMAC again: yakt no longer knows the token.
    let again = delegation_tokens(
        &sasl,
        &alice,
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
    let short_lived = delegation_tokens(
        &sasl,
        &alice,
        &["--create", "--max-life-time-period", "8000"],
    );
    let short_lived = token_rows(&expect_success(&short_lived, "--create, 8 s"));
    assert_eq!(short_lived.len(), 1);
    let mut seen = false;
    support::wait_until("yakt removes the expired token", CONVERGENCE, || {
        let output = delegation_tokens(&sasl, &alice, DESCRIBE_ALICE);
        let rows = token_rows(&expect_success(
            &output,
            "kafka-delegation-tokens --describe",
        ));
        seen |= rows == short_lived;
        seen && rows.is_empty()
    });

    broker.stop();
    controller.stop();
}
