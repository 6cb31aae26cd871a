//! Dynamic configs: the topic config keys Kafka knows and how their values are checked
//! ([`topic_keys`]), the broker config keys Kafka knows ([`broker_keys`]), computing the
//! `ConfigRecord`s of a change to one resource ([`alter`]), a broker resource described as
//! Kafka's controller describes itself ([`describe_broker`]), and the
//! IncrementalAlterConfigs, AlterConfigs and DescribeConfigs requests ([`requests`]).

pub mod alter;
pub mod broker_keys;
pub mod describe_broker;
pub mod requests;
pub mod topic_keys;
