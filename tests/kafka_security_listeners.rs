//! yakt's controller listener secured with SASL, judged by Kafka's own broker and tools: a
//! Kafka broker of the newest release logs in with PLAIN and is unfenced;
//! `kafka-metadata-quorum --bootstrap-controller --command-config` describes the quorum with
//! PLAIN and with SCRAM-SHA-256 (the credential created by `kafka-configs` through the broker,
//! which forwards it over its authenticated connection) and fails with Kafka's
//! authentication error on a wrong password; the broker re-authenticates when its session
//! ends (`connections.max.reauth.ms`); three yakt controllers that log in to each other
//! with PLAIN elect a leader and register; users given to `yakt format --add-scram` log in
//! over SCRAM before any broker exists.
//!
//! Needs Java 17 and `scripts/kafka fetch`; fails without them.

mod support;

use std::collections::BTreeMap;
use std::fs;
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

/// What Kafka's SCRAM client says of a wrong password.
const SCRAM_REFUSED: &str = "Authentication failed during authentication due to invalid \
                             credentials with SASL mechanism SCRAM-SHA-256";

/// The tool failed, and its output holds every one of `needles`.
fn expect_refused(output: &Output, needles: &[&str]) {
    let all = text(output);
    assert!(
        !output.status.success() && needles.iter().all(|needle| all.contains(needle)),
        "expected a failure naming {needles:?}:\n{all}"
    );
}

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
        // Sessions of 5 s: Kafka's clients and yakt's own re-authenticate or reconnect.
        (
            "listener.name.controller.plain.connections.max.reauth.ms",
            "5000",
        ),
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
    expect_refused(
        &describe_status(&bootstrap, &wrong),
        &[
            "SaslAuthenticationException",
            "Authentication failed: Invalid username or password",
        ],
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
    expect_refused(&describe_status(&bootstrap, &bad_alice), &[SCRAM_REFUSED]);

    // A mechanism the listener does not enable: Kafka's client names the enabled ones.
    let sha512 = client_config(&clients, "sha512", "SCRAM-SHA-512", "alice", "alice-secret");
    expect_refused(
        &describe_status(&bootstrap, &sha512),
        &[
            "UnsupportedSaslMechanismException",
            "enabled mechanisms are [PLAIN, SCRAM-SHA-256]",
        ],
    );

    // A client without SASL on the SASL listener gets no answer: yakt closes the connection
    // at its first request after ApiVersions, and the tool gives up.
    let plaintext = clients.join("plaintext.properties");
    fs::write(
        &plaintext,
        "security.protocol=PLAINTEXT\ndefault.api.timeout.ms=5000\nrequest.timeout.ms=2000\n",
    )
    .expect("write a PLAINTEXT client config");
    expect_refused(&describe_status(&bootstrap, &plaintext), &[]);

    // The broker's PLAIN session lasts 5 s: it re-authenticates on the same connection
    // (KIP-368) and still reaches the controller.
    let log = controller.process().log_dir().join("stderr.log");
    support::wait_until(
        "the broker re-authenticates",
        Duration::from_secs(30),
        || {
            fs::read_to_string(&log).is_ok_and(|t| {
                t.lines().any(|line| {
                    line.contains("SASL re-authentication succeeded")
                        && line.contains("principal=User:broker")
                })
            })
        },
    );
    let created = KafkaTool::run(
        &kafka_version(),
        "topics",
        &[
            "--bootstrap-server",
            &format!("127.0.0.1:{broker_port}"),
            "--create",
            "--topic",
            "after-reauthentication",
            "--partitions",
            "1",
            "--replication-factor",
            "1",
        ],
    );
    expect_success(&created, "kafka-topics --create after re-authentication");

    broker.stop();
    controller.stop();
}

/// Users given to `yakt format --add-scram` exist from the first activation: with no broker
/// at all, Kafka's tool logs in to the controller as alice over SCRAM-SHA-256 (a password
/// salted by format, and a salted password given as such) and is refused with a wrong one.
#[test]
fn scram_users_from_format_log_in_before_any_broker_exists() {
    let root = support::test_log_dir("data");
    let dir = root.join("controller");
    let settings = sasl_controller_settings("PLAIN,SCRAM-SHA-256");
    let mut properties = YaktProcess::default_properties(&dir, free_port());
    merge_properties(&mut properties, &as_pairs(&settings));
    fs::create_dir_all(&dir).expect("create the controller directory");
    let format_config = dir.join("format.properties");
    fs::write(&format_config, support::properties_text(&properties)).expect("write properties");
    // bob's salted password: Hi("bob-secret", "salt", 4096) with HMAC-SHA-256, in base64.
    let bob = "SCRAM-SHA-256=[name=bob,salt=c2FsdA==,\
               saltedpassword=XptnrI8kvNAJV5Ng4ufjzRkGJkWk7c/om+1rHVaMaKo=]";
    let format = std::process::Command::new(env!("CARGO_BIN_EXE_yakt"))
        .args(["format", "-t", CLUSTER_ID, "-c"])
        .arg(&format_config)
        .args([
            "--add-scram",
            "SCRAM-SHA-256=[name=alice,password=alice-secret]",
            "--add-scram",
            bob,
        ])
        .output()
        .expect("run yakt format");
    expect_success(&format, "yakt format --add-scram");
    // Formatted already: the start keeps the credentials.
    let mut controller = YaktProcess::start_formatted(&dir, CLUSTER_ID, &as_pairs(&settings));
    let bootstrap = controller.address();
    let clients = root.join("clients");
    for (user, password) in [("alice", "alice-secret"), ("bob", "bob-secret")] {
        let config = client_config(&clients, user, "SCRAM-SHA-256", user, password);
        let mut status = BTreeMap::new();
        support::wait_until(
            &format!("describe --status as {user} (SCRAM from format)"),
            Duration::from_secs(60),
            || {
                let output = describe_status(&bootstrap, &config);
                status = status_map(&String::from_utf8_lossy(&output.stdout));
                output.status.success()
            },
        );
        assert_eq!(
            status.get("LeaderId").map(String::as_str),
            Some("1"),
            "{status:?}"
        );
    }
    let wrong = client_config(&clients, "wrong", "SCRAM-SHA-256", "alice", "bob-secret");
    expect_refused(&describe_status(&bootstrap, &wrong), &[SCRAM_REFUSED]);
    controller.stop();
}

/// The controller all of `ports` name through DescribeCluster over a PLAIN-authenticated
/// connection, once they agree and each lists every one of them.
async fn agreed_controller_over_sasl(ports: &[u16]) -> Option<i32> {
    use yakt::config::{Password, SaslClientSettings, SaslMechanism};
    let options = yakt::server::client::PeerOptions {
        sasl: Some(SaslClientSettings {
            mechanism: SaslMechanism::Plain,
            username: "admin".into(),
            password: Password::new("admin-secret"),
            token_auth: false,
        }),
        ..Default::default()
    };
    support::agreed_controller_with(ports.iter().copied(), options).await
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

/// A small PKI made with Java's `keytool`: a CA, PKCS12 keystores signed by it, and a PKCS12
/// truststore holding the CA, all with the password [`STORE_PASSWORD`]. RSA keys: the EC
/// private keys keytool writes carry no public key, which yakt's TLS library needs.
struct Pki {
    dir: PathBuf,
}

const STORE_PASSWORD: &str = "store-secret";
/// The subject of the controllers' certificate (also their client certificate).
const CONTROLLER_DN: &str = "CN=localhost,OU=controllers,O=yakt";
const BROKER_DN: &str = "CN=broker,OU=brokers,O=yakt";
const ADMIN_DN: &str = "CN=admin,O=yakt";
const GUEST_DN: &str = "CN=guest,O=yakt";

impl Pki {
    fn keytool(&self, args: &[&str]) {
        let output = std::process::Command::new(support::java_home().join("bin/keytool"))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("run keytool");
        expect_success(&output, &format!("keytool {}", args.join(" ")));
    }

    fn new(dir: &Path) -> Pki {
        fs::create_dir_all(dir).expect("create the PKI directory");
        let pki = Pki {
            dir: dir.to_owned(),
        };
        let pw = STORE_PASSWORD;
        let common = ["-storetype", "PKCS12", "-storepass", pw, "-keypass", pw];
        let ca = [&["-keystore", "ca.p12", "-alias", "ca"][..], &common[..]].concat();
        pki.keytool(
            &[
                &["-genkeypair", "-keyalg", "RSA", "-keysize", "2048"][..],
                &[
                    "-dname",
                    "CN=yakt-test-ca",
                    "-ext",
                    "bc:c",
                    "-validity",
                    "30",
                ],
                &ca,
            ]
            .concat(),
        );
        pki.keytool(&[&["-exportcert", "-rfc", "-file", "ca.pem"][..], &ca].concat());
        pki.keytool(
            &[
                &[
                    "-importcert",
                    "-noprompt",
                    "-file",
                    "ca.pem",
                    "-alias",
                    "ca",
                ][..],
                &[
                    "-keystore",
                    "trust.p12",
                    "-storetype",
                    "PKCS12",
                    "-storepass",
                    pw,
                ],
            ]
            .concat(),
        );
        for (name, dn) in [
            ("controller", CONTROLLER_DN),
            ("broker", BROKER_DN),
            ("admin", ADMIN_DN),
            ("guest", GUEST_DN),
        ] {
            pki.identity(name, dn, &ca, &common);
        }
        pki
    }

    /// `<name>.p12`: a key pair whose certificate, signed by the CA, names 127.0.0.1 and
    /// localhost.
    fn identity(&self, name: &str, dn: &str, ca: &[&str], common: &[&str]) {
        let store = format!("{name}.p12");
        let (csr, pem) = (format!("{name}.csr"), format!("{name}.pem"));
        let own = [&["-keystore", store.as_str(), "-alias", name][..], common].concat();
        let san = "SAN=ip:127.0.0.1,dns:localhost";
        self.keytool(
            &[
                &["-genkeypair", "-keyalg", "RSA", "-keysize", "2048"][..],
                &["-dname", dn, "-validity", "30"],
                &own,
            ]
            .concat(),
        );
        self.keytool(&[&["-certreq", "-file", csr.as_str()][..], &own].concat());
        self.keytool(
            &[
                &[
                    "-gencert",
                    "-rfc",
                    "-infile",
                    csr.as_str(),
                    "-outfile",
                    pem.as_str(),
                ][..],
                &["-ext", san, "-validity", "30"],
                ca,
            ]
            .concat(),
        );
        let import_ca = [
            &["-importcert", "-noprompt", "-file", "ca.pem"][..],
            &["-keystore", store.as_str(), "-alias", "ca"],
            common,
        ]
        .concat();
        self.keytool(&import_ca);
        self.keytool(&[&["-importcert", "-file", pem.as_str()][..], &own].concat());
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).display().to_string()
    }

    /// The `ssl.*` keys of a node or client presenting `<name>.p12`, each prefixed by `prefix`.
    fn ssl_settings(&self, prefix: &str, name: &str) -> Vec<(String, String)> {
        [
            ("ssl.keystore.type", "PKCS12".to_owned()),
            ("ssl.keystore.location", self.path(&format!("{name}.p12"))),
            ("ssl.keystore.password", STORE_PASSWORD.to_owned()),
            ("ssl.key.password", STORE_PASSWORD.to_owned()),
            ("ssl.truststore.type", "PKCS12".to_owned()),
            ("ssl.truststore.location", self.path("trust.p12")),
            ("ssl.truststore.password", STORE_PASSWORD.to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (format!("{prefix}{key}"), value))
        .collect()
    }

    /// A client properties file for Kafka's tools: `protocol` with `<name>.p12`.
    fn client_config(&self, name: &str, protocol: &str, extra: &str) -> PathBuf {
        let mut text = format!("security.protocol={protocol}\n");
        for (key, value) in self.ssl_settings("", name) {
            text.push_str(&format!("{key}={value}\n"));
        }
        text.push_str(extra);
        let path = self.dir.join(format!("{name}-{protocol}.properties"));
        fs::write(&path, text).expect("write a client config");
        path
    }
}

#[test]
fn kafka_broker_and_tools_over_ssl_are_known_by_their_certificate_subjects() {
    let root = support::test_log_dir("data");
    let pki = Pki::new(&root.join("pki"));
    let super_users = format!("User:{CONTROLLER_DN};User:{BROKER_DN};User:{ADMIN_DN}");
    let mut settings = pki.ssl_settings("listener.name.controller.", "controller");
    merge_properties(
        &mut settings,
        &[
            ("listener.security.protocol.map", "CONTROLLER:SSL"),
            ("listener.name.controller.ssl.client.auth", "required"),
            (
                "authorizer.class.name",
                "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            ),
            ("super.users", super_users.as_str()),
        ],
    );
    let mut controller =
        YaktProcess::start_formatted(&root.join("controller"), CLUSTER_ID, &as_pairs(&settings));
    let bootstrap = controller.address();

    // A Kafka broker on SSL to the controller: registered and unfenced only if yakt reads its
    // certificate's subject as Java writes it (it is a super user by that name).
    let broker_dir = root.join("broker");
    let voters = format!("1@{bootstrap}");
    let mut properties = KafkaBroker::broker_properties(2, free_port(), &voters, &broker_dir);
    merge_properties(
        &mut properties,
        &[(
            "listener.security.protocol.map",
            "CONTROLLER:SSL,PLAINTEXT:PLAINTEXT",
        )],
    );
    let broker_ssl = pki.ssl_settings("listener.name.controller.", "broker");
    merge_properties(&mut properties, &as_pairs(&broker_ssl));
    let mut broker = KafkaBroker::start_formatted(
        &kafka_version(),
        CLUSTER_ID,
        &as_pairs(&properties),
        &broker_dir,
    );
    broker.wait_for_log("The broker has been unfenced", BROKER_STARTUP);

    // The admin tool, a super user by its certificate, describes the quorum.
    let admin = pki.client_config("admin", "SSL", "");
    let output = describe_status(&bootstrap, &admin);
    let status = status_map(&expect_success(
        &output,
        "describe --status as the admin DN",
    ));
    assert_eq!(
        status.get("LeaderId").map(String::as_str),
        Some("1"),
        "{status:?}"
    );

    // Another certificate from the same CA is authenticated but not authorized.
    let guest = pki.client_config("guest", "SSL", "");
    expect_refused(
        &describe_status(&bootstrap, &guest),
        &["ClusterAuthorizationException"],
    );

    broker.stop();
    controller.stop();
}

#[test]
fn three_controllers_on_sasl_ssl_elect_a_leader_and_register() {
    let root = support::test_log_dir("data");
    let pki = Pki::new(&root.join("pki"));
    let ports: BTreeMap<i32, u16> = (1..=3).map(|id| (id, free_port())).collect();
    let mut settings = pki.ssl_settings("listener.name.controller.", "controller");
    merge_properties(&mut settings, &as_pairs(&sasl_controller_settings("PLAIN")));
    merge_properties(
        &mut settings,
        &[("listener.security.protocol.map", "CONTROLLER:SASL_SSL")],
    );
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
    // Kafka's tool over SASL_SSL, through every controller: one leader, three voters, and
    // every controller registered (DescribeCluster lists them all).
    let jaas = format!(
        "sasl.mechanism=PLAIN\nsasl.jaas.config={PLAIN_MODULE} required username=\"admin\" \
         password=\"admin-secret\";\n"
    );
    let admin = pki.client_config("admin", "SASL_SSL", &jaas);
    let mut leaders = Vec::new();
    for port in ports.values() {
        let bootstrap = format!("127.0.0.1:{port}");
        let mut status = BTreeMap::new();
        support::wait_until(
            "a leader and three voters over SASL_SSL",
            Duration::from_secs(90),
            || {
                let output = describe_status(&bootstrap, &admin);
                status = status_map(&String::from_utf8_lossy(&output.stdout));
                output.status.success()
                    && status.get("LeaderId").is_some_and(|l| l != "-1")
                    && status
                        .get("CurrentVoters")
                        .is_some_and(|v| v.matches("\"id\"").count() == 3)
            },
        );
        leaders.push(status["LeaderId"].clone());
        let endpoints = KafkaTool::run(
            &kafka_version(),
            "cluster",
            &[
                "list-endpoints",
                "--bootstrap-controller",
                &bootstrap,
                "--command-config",
                admin.to_str().expect("UTF-8 path"),
            ],
        );
        let listed = expect_success(&endpoints, "kafka-cluster list-endpoints over SASL_SSL");
        for other in ports.values() {
            assert!(listed.contains(&other.to_string()), "{listed}");
        }
    }
    assert!(leaders.windows(2).all(|w| w[0] == w[1]), "{leaders:?}");
    for node in &mut nodes {
        node.stop();
    }
}
