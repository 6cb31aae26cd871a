//! The `yakt` binary under test, run as a controller on a generated `controller.properties`.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use super::{
    expect_success, first_listener_port, free_port, merge_properties, properties_text,
    test_log_dir, wait_for_port, BackgroundProcess,
};

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

    /// Starts voter `id` of a static quorum on 127.0.0.1 (`ports`: every voter's port), formatted
    /// for `cluster_id` as [`YaktProcess::start_formatted`] does, with `extra` settings on top.
    pub fn start_voter(
        dir: &Path,
        cluster_id: &str,
        id: i32,
        ports: &std::collections::BTreeMap<i32, u16>,
        extra: &[(&str, &str)],
    ) -> Self {
        let voters = static_voters(ports);
        let (node_id, listeners) = (
            id.to_string(),
            format!("CONTROLLER://127.0.0.1:{}", ports[&id]),
        );
        let mut overrides = vec![
            ("node.id", node_id.as_str()),
            ("listeners", listeners.as_str()),
            ("controller.quorum.voters", voters.as_str()),
        ];
        overrides.extend_from_slice(extra);
        Self::start_formatted(dir, cluster_id, &overrides)
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

/// The active controller every one of `ports` (controllers on 127.0.0.1) names through
/// DescribeCluster (EndpointType 2, as `--bootstrap-controller` clients ask), once they agree
/// and each lists all of `ports` (every one of them registered, KIP-919); `None` while any of
/// them is unreachable, knows no registered leader, disagrees, or lacks a registration.
pub async fn agreed_controller(ports: impl IntoIterator<Item = u16>) -> Option<i32> {
    agreed_controller_with(ports, yakt::server::client::PeerOptions::default()).await
}

/// [`agreed_controller`] over connections made with `options` (TLS, SASL).
pub async fn agreed_controller_with(
    ports: impl IntoIterator<Item = u16>,
    options: yakt::server::client::PeerOptions,
) -> Option<i32> {
    use kafka_protocol::messages::{DescribeClusterRequest, RequestKind, ResponseKind};
    use yakt::server::client::Peer;
    let ports: Vec<u16> = ports.into_iter().collect();
    let mut seen = Vec::new();
    for &port in &ports {
        let peer = Peer::new(SocketAddr::from(([127, 0, 0, 1], port)), options.clone());
        let request =
            RequestKind::DescribeCluster(DescribeClusterRequest::default().with_endpoint_type(2));
        let timeout = std::time::Duration::from_secs(2);
        let Ok((_, ResponseKind::DescribeCluster(response))) =
            peer.call(request, 1..=2, timeout).await
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

/// `controller.quorum.voters` for voters listening on 127.0.0.1 (`ports`: id -> port).
pub fn static_voters(ports: &std::collections::BTreeMap<i32, u16>) -> String {
    ports
        .iter()
        .map(|(id, port)| format!("{id}@127.0.0.1:{port}"))
        .collect::<Vec<_>>()
        .join(",")
}
