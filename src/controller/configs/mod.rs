//! Dynamic configs: the topic config keys Kafka knows and how their values are checked
//! ([`topic_keys`]), computing the `ConfigRecord`s of a change to one resource ([`alter`]),
//! and the IncrementalAlterConfigs, AlterConfigs and DescribeConfigs requests
//! ([`requests`]).

pub mod alter;
pub mod requests;
pub mod topic_keys;
