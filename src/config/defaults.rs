//! Kafka's key names and default values for every setting yakt reads.
//!
//! Each default is Kafka 4.x's, checked against the `ConfigDef` that
//! `kafka.server.KafkaConfig.configDef()` builds in the 4.1.1 and 4.3.1 releases; the
//! comment on each names the Java source that defines it.

/// `node.id` (`KRaftConfigs.NODE_ID_CONFIG`): required, at least 0.
pub const NODE_ID: &str = "node.id";
/// `process.roles` (`KRaftConfigs.PROCESS_ROLES_CONFIG`): required.
pub const PROCESS_ROLES: &str = "process.roles";
/// `listeners` (`SocketServerConfigs.LISTENERS_CONFIG`).
pub const LISTENERS: &str = "listeners";
/// `SocketServerConfigs.LISTENERS_DEFAULT`.
pub const LISTENERS_DEFAULT: &str = "PLAINTEXT://:9092";
/// `advertised.listeners` (`SocketServerConfigs.ADVERTISED_LISTENERS_CONFIG`): no default;
/// a controller advertises its `listeners` (see [`super::ControllerConfig::advertised_listeners`]).
pub const ADVERTISED_LISTENERS: &str = "advertised.listeners";
/// `controller.listener.names` (`KRaftConfigs.CONTROLLER_LISTENER_NAMES_CONFIG`): required.
pub const CONTROLLER_LISTENER_NAMES: &str = "controller.listener.names";
/// `listener.security.protocol.map` (`SocketServerConfigs.LISTENER_SECURITY_PROTOCOL_MAP_CONFIG`);
/// the default maps PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL to themselves.
pub const LISTENER_SECURITY_PROTOCOL_MAP: &str = "listener.security.protocol.map";
/// `inter.broker.listener.name` (`ReplicationConfigs`): read only to check that a controller
/// does not name one of its own listeners there.
pub const INTER_BROKER_LISTENER_NAME: &str = "inter.broker.listener.name";
/// `sasl.mechanism.controller.protocol` (`KRaftConfigs`).
pub const SASL_MECHANISM_CONTROLLER_PROTOCOL: &str = "sasl.mechanism.controller.protocol";
/// `SaslConfigs.DEFAULT_SASL_MECHANISM`.
pub const SASL_MECHANISM_CONTROLLER_PROTOCOL_DEFAULT: &str = "GSSAPI";

/// `controller.quorum.voters` (`QuorumConfig.QUORUM_VOTERS_CONFIG`): default empty.
pub const QUORUM_VOTERS: &str = "controller.quorum.voters";
/// `controller.quorum.bootstrap.servers` (`QuorumConfig`): default empty.
pub const QUORUM_BOOTSTRAP_SERVERS: &str = "controller.quorum.bootstrap.servers";
/// `controller.quorum.election.timeout.ms` (`QuorumConfig`).
pub const QUORUM_ELECTION_TIMEOUT_MS: &str = "controller.quorum.election.timeout.ms";
/// `QuorumConfig.DEFAULT_QUORUM_ELECTION_TIMEOUT_MS`.
pub const QUORUM_ELECTION_TIMEOUT_MS_DEFAULT: i32 = 1_000;
/// `controller.quorum.fetch.timeout.ms` (`QuorumConfig`).
pub const QUORUM_FETCH_TIMEOUT_MS: &str = "controller.quorum.fetch.timeout.ms";
/// `QuorumConfig.DEFAULT_QUORUM_FETCH_TIMEOUT_MS`.
pub const QUORUM_FETCH_TIMEOUT_MS_DEFAULT: i32 = 2_000;
/// `controller.quorum.election.backoff.max.ms` (`QuorumConfig`).
pub const QUORUM_ELECTION_BACKOFF_MAX_MS: &str = "controller.quorum.election.backoff.max.ms";
/// `QuorumConfig.DEFAULT_QUORUM_ELECTION_BACKOFF_MAX_MS`.
pub const QUORUM_ELECTION_BACKOFF_MAX_MS_DEFAULT: i32 = 1_000;
/// `controller.quorum.request.timeout.ms` (`QuorumConfig`).
pub const QUORUM_REQUEST_TIMEOUT_MS: &str = "controller.quorum.request.timeout.ms";
/// `QuorumConfig.DEFAULT_QUORUM_REQUEST_TIMEOUT_MS`.
pub const QUORUM_REQUEST_TIMEOUT_MS_DEFAULT: i32 = 2_000;
/// `controller.quorum.retry.backoff.ms` (`QuorumConfig`).
pub const QUORUM_RETRY_BACKOFF_MS: &str = "controller.quorum.retry.backoff.ms";
/// `QuorumConfig.DEFAULT_QUORUM_RETRY_BACKOFF_MS`.
pub const QUORUM_RETRY_BACKOFF_MS_DEFAULT: i32 = 20;
/// `controller.quorum.append.linger.ms` (`QuorumConfig`).
pub const QUORUM_APPEND_LINGER_MS: &str = "controller.quorum.append.linger.ms";
/// `QuorumConfig.DEFAULT_QUORUM_LINGER_MS`.
pub const QUORUM_APPEND_LINGER_MS_DEFAULT: i32 = 25;
/// `controller.quorum.auto.join.enable` (`QuorumConfig`, Kafka 4.2+, KIP-853).
pub const QUORUM_AUTO_JOIN_ENABLE: &str = "controller.quorum.auto.join.enable";
/// Default of `controller.quorum.auto.join.enable`.
pub const QUORUM_AUTO_JOIN_ENABLE_DEFAULT: bool = false;
/// `controller.quorum.fetch.max.bytes` (`QuorumConfig`, after 4.1; in 4.3.1): at least 1.
pub const QUORUM_FETCH_MAX_BYTES: &str = "controller.quorum.fetch.max.bytes";
/// Default of `controller.quorum.fetch.max.bytes`: 1 MiB.
pub const QUORUM_FETCH_MAX_BYTES_DEFAULT: i32 = 1024 * 1024;
/// `controller.quorum.fetch.snapshot.max.bytes` (`QuorumConfig`, after 4.1; in 4.3.1): at least 1.
pub const QUORUM_FETCH_SNAPSHOT_MAX_BYTES: &str = "controller.quorum.fetch.snapshot.max.bytes";
/// Default of `controller.quorum.fetch.snapshot.max.bytes`: 1 MiB.
pub const QUORUM_FETCH_SNAPSHOT_MAX_BYTES_DEFAULT: i32 = 1024 * 1024;

/// `broker.heartbeat.interval.ms` (`KRaftConfigs`).
pub const BROKER_HEARTBEAT_INTERVAL_MS: &str = "broker.heartbeat.interval.ms";
/// `KRaftConfigs.BROKER_HEARTBEAT_INTERVAL_MS_DEFAULT`.
pub const BROKER_HEARTBEAT_INTERVAL_MS_DEFAULT: i32 = 2_000;
/// `broker.session.timeout.ms` (`KRaftConfigs`).
pub const BROKER_SESSION_TIMEOUT_MS: &str = "broker.session.timeout.ms";
/// `KRaftConfigs.BROKER_SESSION_TIMEOUT_MS_DEFAULT`.
pub const BROKER_SESSION_TIMEOUT_MS_DEFAULT: i32 = 9_000;

/// `metadata.log.dir` (`KRaftConfigs`): no default; falls back to the first log directory.
pub const METADATA_LOG_DIR: &str = "metadata.log.dir";
/// `log.dirs` (`ServerLogConfigs.LOG_DIRS_CONFIG`): no default; overrides `log.dir`.
pub const LOG_DIRS: &str = "log.dirs";
/// `log.dir` (`ServerLogConfigs.LOG_DIR_CONFIG`).
pub const LOG_DIR: &str = "log.dir";
/// `ServerLogConfigs.LOG_DIR_DEFAULT`.
pub const LOG_DIR_DEFAULT: &str = "/tmp/kafka-logs";
/// `metadata.max.idle.interval.ms` (`KRaftConfigs`): at least 0; 0 disables NoOpRecords.
pub const METADATA_MAX_IDLE_INTERVAL_MS: &str = "metadata.max.idle.interval.ms";
/// `KRaftConfigs.METADATA_MAX_IDLE_INTERVAL_MS_DEFAULT`.
pub const METADATA_MAX_IDLE_INTERVAL_MS_DEFAULT: i32 = 500;
/// `metadata.log.segment.bytes` (`KRaftConfigs`).
pub const METADATA_LOG_SEGMENT_BYTES: &str = "metadata.log.segment.bytes";
/// `LogConfig.DEFAULT_SEGMENT_BYTES`: 1 GiB.
pub const METADATA_LOG_SEGMENT_BYTES_DEFAULT: i32 = 1024 * 1024 * 1024;
/// The least `metadata.log.segment.bytes` Kafka 4.x accepts: 8 MiB.
pub const METADATA_LOG_SEGMENT_BYTES_MIN: i32 = 8 * 1024 * 1024;
/// `metadata.log.segment.ms` (`KRaftConfigs`).
pub const METADATA_LOG_SEGMENT_MS: &str = "metadata.log.segment.ms";
/// `LogConfig.DEFAULT_SEGMENT_MS`: 7 days.
pub const METADATA_LOG_SEGMENT_MS_DEFAULT: i64 = 7 * 24 * 60 * 60 * 1000;
/// `metadata.max.retention.bytes` (`KRaftConfigs`).
pub const METADATA_MAX_RETENTION_BYTES: &str = "metadata.max.retention.bytes";
/// `KRaftConfigs.METADATA_MAX_RETENTION_BYTES_DEFAULT`: 100 MiB.
pub const METADATA_MAX_RETENTION_BYTES_DEFAULT: i64 = 100 * 1024 * 1024;
/// `metadata.max.retention.ms` (`KRaftConfigs`).
pub const METADATA_MAX_RETENTION_MS: &str = "metadata.max.retention.ms";
/// `LogConfig.DEFAULT_RETENTION_MS`: 7 days.
pub const METADATA_MAX_RETENTION_MS_DEFAULT: i64 = 7 * 24 * 60 * 60 * 1000;
/// `metadata.log.max.record.bytes.between.snapshots` (`KRaftConfigs`): at least 1.
pub const METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES: &str =
    "metadata.log.max.record.bytes.between.snapshots";
/// `KRaftConfigs.METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES`: 20 MiB.
pub const METADATA_SNAPSHOT_MAX_NEW_RECORD_BYTES_DEFAULT: i64 = 20 * 1024 * 1024;
/// `metadata.log.max.snapshot.interval.ms` (`KRaftConfigs`): at least 0; 0 disables.
pub const METADATA_SNAPSHOT_MAX_INTERVAL_MS: &str = "metadata.log.max.snapshot.interval.ms";
/// `KRaftConfigs.METADATA_SNAPSHOT_MAX_INTERVAL_MS_DEFAULT`: 1 hour.
pub const METADATA_SNAPSHOT_MAX_INTERVAL_MS_DEFAULT: i64 = 60 * 60 * 1000;

/// `socket.request.max.bytes` (`SocketServerConfigs`): at least 1.
pub const SOCKET_REQUEST_MAX_BYTES: &str = "socket.request.max.bytes";
/// yakt's own key (Kafka ignores it): `host:port` of the HTTP listener serving the JSON admin
/// API, its stream of metadata changes and Prometheus metrics; unset, there is none.
pub const YAKT_ADMIN_LISTENER: &str = "yakt.admin.listener";
/// `SocketServerConfigs.SOCKET_REQUEST_MAX_BYTES_DEFAULT`: 100 MiB.
pub const SOCKET_REQUEST_MAX_BYTES_DEFAULT: i32 = 100 * 1024 * 1024;
/// `socket.send.buffer.bytes` (`SocketServerConfigs`): SO_SNDBUF of every connection; -1 the
/// operating system's default.
pub const SOCKET_SEND_BUFFER_BYTES: &str = "socket.send.buffer.bytes";
/// `socket.receive.buffer.bytes`: SO_RCVBUF of every connection; -1 the system's default.
pub const SOCKET_RECEIVE_BUFFER_BYTES: &str = "socket.receive.buffer.bytes";
/// Both buffers' default: 100 KiB.
pub const SOCKET_BUFFER_BYTES_DEFAULT: i32 = 100 * 1024;

/// `num.partitions` (`ServerLogConfigs`): at least 1.
pub const NUM_PARTITIONS: &str = "num.partitions";
/// `ServerLogConfigs.NUM_PARTITIONS_DEFAULT`.
pub const NUM_PARTITIONS_DEFAULT: i32 = 1;
/// `default.replication.factor` (`ReplicationConfigs`).
pub const DEFAULT_REPLICATION_FACTOR: &str = "default.replication.factor";
/// `ReplicationConfigs.REPLICATION_FACTOR_DEFAULT`.
pub const DEFAULT_REPLICATION_FACTOR_DEFAULT: i32 = 1;
/// `min.insync.replicas` (`ServerLogConfigs`): at least 1.
pub const MIN_INSYNC_REPLICAS: &str = "min.insync.replicas";
/// `ServerLogConfigs.MIN_IN_SYNC_REPLICAS_DEFAULT`.
pub const MIN_INSYNC_REPLICAS_DEFAULT: i32 = 1;

/// `authorizer.class.name` (`ServerConfigs.AUTHORIZER_CLASS_NAME_CONFIG`): empty (no
/// authorizer) by default.
pub const AUTHORIZER_CLASS_NAME: &str = "authorizer.class.name";
/// `super.users` (`StandardAuthorizer.SUPER_USERS_CONFIG`, read by the authorizer): principals
/// separated by semicolons; none by default.
pub const SUPER_USERS: &str = "super.users";
/// `allow.everyone.if.no.acl.found` (`StandardAuthorizer`): false unless `true` in any case.
pub const ALLOW_EVERYONE_IF_NO_ACL_FOUND: &str = "allow.everyone.if.no.acl.found";

/// `delegation.token.secret.key` (`DelegationTokenManagerConfigs`): a PASSWORD, no default;
/// unset or empty turns delegation tokens off.
pub const DELEGATION_TOKEN_SECRET_KEY: &str = "delegation.token.secret.key";
/// `delegation.token.max.lifetime.ms` (`DelegationTokenManagerConfigs`): at least 1.
pub const DELEGATION_TOKEN_MAX_LIFETIME_MS: &str = "delegation.token.max.lifetime.ms";
/// `DelegationTokenManagerConfigs.DELEGATION_TOKEN_MAX_LIFE_TIME_MS_DEFAULT`: 7 days.
pub const DELEGATION_TOKEN_MAX_LIFETIME_MS_DEFAULT: i64 = 7 * 24 * 60 * 60 * 1000;
/// `delegation.token.expiry.time.ms` (`DelegationTokenManagerConfigs`): at least 1.
pub const DELEGATION_TOKEN_EXPIRY_TIME_MS: &str = "delegation.token.expiry.time.ms";
/// `DelegationTokenManagerConfigs.DELEGATION_TOKEN_EXPIRY_TIME_MS_DEFAULT`: 1 day.
pub const DELEGATION_TOKEN_EXPIRY_TIME_MS_DEFAULT: i64 = 24 * 60 * 60 * 1000;
/// `delegation.token.expiry.check.interval.ms` (`DelegationTokenManagerConfigs`): at least 1.
pub const DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS: &str =
    "delegation.token.expiry.check.interval.ms";
/// `DelegationTokenManagerConfigs.DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS_DEFAULT`: 1 hour.
pub const DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS_DEFAULT: i64 = 60 * 60 * 1000;
