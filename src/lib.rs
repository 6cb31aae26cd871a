//! yakt: a KRaft controller quorum for Apache Kafka.
//!
//! The library behind the `yakt` binary, also usable embedded (e.g. in tests): Kafka's
//! configuration file, the Kafka-protocol listener and the CLI's commands.
#![deny(missing_docs)]

pub mod clock;
pub mod commands;
pub mod config;
pub mod controller;
pub mod embed;
pub mod features;
pub mod logging;
pub mod node;
pub mod raft;
pub mod scram;
pub mod server;
pub mod sim;
pub mod storage;
