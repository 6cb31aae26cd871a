//! Dynamic configs: the topic config keys Kafka knows and how their values are checked
//! ([`topic_keys`]), the broker config keys Kafka knows ([`broker_keys`]), the group and
//! client metrics keys and their checks ([`group_keys`], [`client_metrics_keys`], with the
//! Java behaviours they reproduce: [`java_hash_order`], [`java_duration`], [`java_regex`]),
//! computing the
//! `ConfigRecord`s of a change to one resource ([`alter`]), a broker resource described as
//! Kafka's controller describes itself ([`describe_broker`]), and the
//! IncrementalAlterConfigs, AlterConfigs and DescribeConfigs requests ([`requests`]).

pub mod alter;
pub mod broker_keys;
pub mod client_metrics_keys;
pub mod describe_broker;
pub mod group_keys;
pub mod java_duration;
pub mod java_hash_order;
pub mod java_regex;
pub mod requests;
pub mod topic_keys;
