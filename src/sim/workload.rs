//! The controller workload of a simulated cluster: three brokers that register, heartbeat and
//! ask for producer ids, and an admin client that creates topics, alters their configs, adds
//! partitions and deletes them, every request drawn from the seed. It remembers only what was
//! acknowledged (a broker's epoch, the topics it created and their partition counts), as a real
//! client would, and names each request's expected effect ([`Op`]) for the image checks.

use kafka_protocol::messages::broker_registration_request::{Feature, Listener};
use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::*;
use kafka_protocol::protocol::StrBytes;

use crate::raft::rng::Rng;

/// The simulated brokers' ids (apart from every controller id).
pub const BROKER_IDS: [i32; 3] = [1001, 1002, 1003];

/// The topic config key the workload sets (each value larger than the last).
pub const RETENTION_MS: &str = "retention.ms";

/// What a request does if it is acknowledged, for the image checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// BrokerRegistration of a broker.
    Register(i32),
    /// BrokerHeartbeat of a broker.
    Heartbeat(i32),
    /// CreateTopics of a new topic name with this many partitions.
    CreateTopic(String, i32),
    /// IncrementalAlterConfigs of `retention.ms` on a topic to a value.
    SetRetention(String, i64),
    /// CreatePartitions of a topic up to this count.
    CreatePartitions(String, i32),
    /// DeleteTopics of a topic.
    DeleteTopic(String),
    /// AllocateProducerIds for a broker.
    AllocateProducerIds(i32),
}

/// A topic the workload created (acknowledged).
#[derive(Debug, Clone, PartialEq, Eq)]
struct KnownTopic {
    name: String,
    partitions: i32,
}

/// The client side of the workload.
#[derive(Debug, Default)]
pub struct Workload {
    /// Each broker's epoch, once a registration was acknowledged.
    epochs: [Option<i64>; 3],
    /// Each broker's incarnation (a new one now and then: a restarted broker).
    incarnations: [u64; 3],
    topics: Vec<KnownTopic>,
    sequence: u64,
}

fn text(value: String) -> StrBytes {
    StrBytes::from_string(value)
}

fn range(name: &'static str, min: i16, max: i16) -> Feature {
    Feature::default()
        .with_name(StrBytes::from_static_str(name))
        .with_min_supported_version(min)
        .with_max_supported_version(max)
}

/// The features a Kafka 4.3 broker registers with.
pub fn broker_features() -> Vec<Feature> {
    vec![
        range("metadata.version", 7, 30),
        range("kraft.version", 0, 1),
        range("group.version", 0, 1),
        range("transaction.version", 0, 2),
        range("eligible.leader.replicas.version", 0, 1),
        range("share.version", 0, 1),
        range("streams.version", 0, 1),
    ]
}

/// The one log directory of a simulated broker.
pub fn directory_of(broker: i32) -> yakt_wire::Uuid {
    yakt_wire::Uuid::new(0xd1 << 32 | broker as u64, 0xd1)
}

impl Workload {
    /// The next request: the op it stands for, the request and its version. `offset` is the
    /// metadata offset a broker reports it has caught up to.
    pub fn next(&mut self, rng: &mut Rng, cluster_id: &str, offset: i64) -> (Op, RequestKind, i16) {
        self.sequence += 1;
        let slot = rng.below(3) as usize;
        let broker = BROKER_IDS[slot];
        let topic = (!self.topics.is_empty())
            .then(|| self.topics[rng.below(self.topics.len() as u64) as usize].clone());
        let Some(epoch) = self.epochs[slot] else {
            return self.registration(rng, slot, cluster_id);
        };
        match (rng.below(20), topic) {
            (0, _) => self.registration(rng, slot, cluster_id),
            (1..=5, _) => (
                Op::Heartbeat(broker),
                RequestKind::BrokerHeartbeat(
                    BrokerHeartbeatRequest::default()
                        .with_broker_id(BrokerId(broker))
                        .with_broker_epoch(epoch)
                        .with_current_metadata_offset(offset),
                ),
                1,
            ),
            (6, _) => (
                Op::AllocateProducerIds(broker),
                RequestKind::AllocateProducerIds(
                    AllocateProducerIdsRequest::default()
                        .with_broker_id(BrokerId(broker))
                        .with_broker_epoch(epoch),
                ),
                0,
            ),
            (7..=9, Some(topic)) => self.alter(topic),
            (10..=11, Some(topic)) => {
                let count = topic.partitions + 1 + rng.below(2) as i32;
                let request = CreatePartitionsRequest::default()
                    .with_topics(vec![CreatePartitionsTopic::default()
                        .with_name(TopicName(text(topic.name.clone())))
                        .with_count(count)])
                    .with_timeout_ms(30_000);
                let op = Op::CreatePartitions(topic.name, count);
                (op, RequestKind::CreatePartitions(request), 3)
            }
            (12, Some(topic)) => {
                self.topics.retain(|t| t.name != topic.name);
                let request = DeleteTopicsRequest::default()
                    .with_topics(vec![delete_topics_request::DeleteTopicState::default()
                        .with_name(Some(TopicName(text(topic.name.clone()))))])
                    .with_timeout_ms(30_000);
                (
                    Op::DeleteTopic(topic.name),
                    RequestKind::DeleteTopics(request),
                    6,
                )
            }
            _ => self.create(rng),
        }
    }

    fn registration(
        &mut self,
        rng: &mut Rng,
        slot: usize,
        cluster_id: &str,
    ) -> (Op, RequestKind, i16) {
        if rng.chance(300_000) {
            self.incarnations[slot] += 1;
        }
        let broker = BROKER_IDS[slot];
        let incarnation = yakt_wire::Uuid::new(broker as u64, 1 + self.incarnations[slot]);
        let request = BrokerRegistrationRequest::default()
            .with_broker_id(BrokerId(broker))
            .with_cluster_id(text(cluster_id.to_owned()))
            .with_incarnation_id(incarnation.into())
            .with_listeners(vec![Listener::default()
                .with_name(StrBytes::from_static_str("PLAINTEXT"))
                .with_host(text(format!("broker{broker}.sim")))
                .with_port(9092)
                .with_security_protocol(0)])
            .with_features(broker_features())
            .with_log_dirs(vec![directory_of(broker).into()])
            .with_previous_broker_epoch(self.epochs[slot].unwrap_or(-1));
        (
            Op::Register(broker),
            RequestKind::BrokerRegistration(request),
            4,
        )
    }

    fn create(&mut self, rng: &mut Rng) -> (Op, RequestKind, i16) {
        let name = format!("t{}", self.sequence);
        let partitions = 1 + rng.below(3) as i32;
        let replication = if rng.chance(500_000) {
            -1
        } else {
            1 + rng.below(2) as i16
        };
        let request = CreateTopicsRequest::default()
            .with_topics(vec![CreatableTopic::default()
                .with_name(TopicName(text(name.clone())))
                .with_num_partitions(partitions)
                .with_replication_factor(replication)])
            .with_timeout_ms(30_000);
        (
            Op::CreateTopic(name, partitions),
            RequestKind::CreateTopics(request),
            7,
        )
    }

    fn alter(&mut self, topic: KnownTopic) -> (Op, RequestKind, i16) {
        let value = 100_000 + self.sequence as i64;
        let request = IncrementalAlterConfigsRequest::default().with_resources(vec![
            AlterConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(text(topic.name.clone()))
                .with_configs(vec![AlterableConfig::default()
                    .with_name(StrBytes::from_static_str(RETENTION_MS))
                    .with_config_operation(0)
                    .with_value(Some(text(value.to_string())))]),
        ]);
        (
            Op::SetRetention(topic.name, value),
            RequestKind::IncrementalAlterConfigs(request),
            1,
        )
    }

    /// Learns from an acknowledged answer (a broker's epoch, a topic created or grown).
    pub fn acknowledged(&mut self, op: &Op, response: &ResponseKind) {
        match (op, response) {
            (Op::Register(broker), ResponseKind::BrokerRegistration(r)) if r.error_code == 0 => {
                if let Some(slot) = BROKER_IDS.iter().position(|b| b == broker) {
                    self.epochs[slot] = Some(r.broker_epoch);
                }
            }
            (Op::CreateTopic(name, partitions), _) if error_code(response) == Some(0) => {
                self.topics.push(KnownTopic {
                    name: name.clone(),
                    partitions: *partitions,
                });
            }
            (Op::CreatePartitions(name, count), _) if error_code(response) == Some(0) => {
                for topic in self.topics.iter_mut().filter(|t| t.name == *name) {
                    topic.partitions = topic.partitions.max(*count);
                }
            }
            _ => {}
        }
    }
}

/// The error code of a response's only item (or of the response), for the requests the
/// workload sends.
pub fn error_code(response: &ResponseKind) -> Option<i16> {
    match response {
        ResponseKind::BrokerRegistration(r) => Some(r.error_code),
        ResponseKind::BrokerHeartbeat(r) => Some(r.error_code),
        ResponseKind::AllocateProducerIds(r) => Some(r.error_code),
        ResponseKind::CreateTopics(r) => r.topics.first().map(|t| t.error_code),
        ResponseKind::CreatePartitions(r) => r.results.first().map(|t| t.error_code),
        ResponseKind::DeleteTopics(r) => r.responses.first().map(|t| t.error_code),
        ResponseKind::IncrementalAlterConfigs(r) => r.responses.first().map(|t| t.error_code),
        _ => None,
    }
}
