//! The `yakt` commands behind the command line: each module owns one command's work and its
//! output, so `main.rs` stays a thin argument parser and tests can call the commands directly.
//!
//! - [`run`]: a controller from Kafka's `controller.properties`, until SIGTERM/SIGINT.
//! - [`format`]: what `kafka-storage format` writes for a controller ([`voters`] parses the
//!   initial voters of a dynamic quorum, [`add_scram`] the SCRAM credentials of
//!   `--add-scram`).
//! - [`info`]: what the controller's directories hold, as `kafka-storage info` and more.
//! - [`quickstart`]: a local quorum of controllers under one directory, in this process.
//! - [`dump_log`]: segments and snapshots as `kafka-dump-log --cluster-metadata-decoder`
//!   prints them.
//! - [`simulate`]: the deterministic simulator of the raft engine over a range of seeds.

pub mod add_scram;
pub mod dump_log;
pub mod format;
pub mod info;
pub mod quickstart;
pub mod run;
pub mod simulate;
pub mod voters;
