//! Shared by the `controller_*` tests: a controller with a bootstrapped image, requests
//! built the way Kafka 4.x brokers send them, and results replayed as a committed log would
//! replay them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use kafka_protocol::messages::broker_registration_request::Listener;
use kafka_protocol::messages::{BrokerHeartbeatRequest, BrokerId, BrokerRegistrationRequest};
use kafka_protocol::protocol::StrBytes;
use yakt::controller::{Controller, ControllerResult, ControllerSettings};
use yakt_wire::{
    check_batch, records_of, BatchView, FeatureLevelRecord, LogRecord, MetadataRecord,
    PartitionRecord, Scan, TopicRecord, Uuid,
};

pub const CLUSTER_ID: &str = "BRGG78EWSlaXH-PgyrMzHQ";

/// A controller and the log it has replayed so far.
pub struct Harness {
    pub controller: Controller,
    pub next_offset: i64,
    pub now_ms: i64,
}

pub fn feature(name: &str, level: i16) -> MetadataRecord {
    FeatureLevelRecord {
        name: name.into(),
        feature_level: level,
        ..Default::default()
    }
    .into()
}

impl Harness {
    /// A controller whose log holds metadata.version `mv` (and ELR 1 when `elr`).
    pub fn new(mv: i16, elr: bool) -> Harness {
        Harness::with_settings(mv, elr, ControllerSettings::new(1, CLUSTER_ID))
    }

    /// As [`Harness::new`], with `settings`.
    pub fn with_settings(mv: i16, elr: bool, settings: ControllerSettings) -> Harness {
        let mut harness = Harness {
            controller: Controller::new(settings, 42),
            next_offset: 0,
            now_ms: 1_000_000,
        };
        harness.replay(&[feature("metadata.version", mv)]);
        if elr {
            harness.replay(&[feature("eligible.leader.replicas.version", 1)]);
        }
        harness.controller.activate(harness.now_ms);
        harness
    }

    /// Appends `records` at the next offsets and commits them: the working image and
    /// (on the active controller) the committed one both replay them.
    pub fn replay(&mut self, records: &[MetadataRecord]) {
        for record in records {
            let appended = [(record.clone(), 0)];
            if self.controller.is_active() {
                self.controller
                    .apply_appended(&appended, self.next_offset)
                    .unwrap();
            }
            self.controller.replay(record, self.next_offset).unwrap();
            self.next_offset += 1;
        }
        if self.controller.is_active() {
            assert_eq!(self.controller.image(), self.controller.committed().image());
        }
    }

    /// Replays a result's records, as if committed; returns its response.
    pub fn commit<R>(&mut self, result: ControllerResult<R>) -> R {
        let records: Vec<MetadataRecord> = result.records.into_iter().map(|(r, _)| r).collect();
        self.replay(&records);
        result.response
    }

    /// Registers broker `id` (directories `dirs`) and returns its epoch.
    pub fn register(&mut self, id: i32, dirs: &[Uuid]) -> i64 {
        let request = registration(id, Uuid::new(9, id as u64), dirs);
        let result = self
            .controller
            .register_broker(&request, 4, self.next_offset, self.now_ms);
        assert_eq!(result.response.error_code, 0, "{:?}", result.response);
        self.commit(result).broker_epoch
    }

    /// Registers and unfences broker `id` with one directory.
    pub fn add_broker(&mut self, id: i32) -> i64 {
        let epoch = self.register(id, &[dir_of(id)]);
        let result = self.controller.broker_heartbeat(
            &heartbeat(id, epoch, self.next_offset, false, false),
            self.now_ms,
        );
        assert!(!result.response.0.is_fenced, "{:?}", result.response);
        self.commit(result);
        epoch
    }

    /// Replays a topic with partitions `(replicas, isr, leader)`.
    pub fn add_topic(&mut self, name: &str, id: Uuid, partitions: &[(&[i32], &[i32], i32)]) {
        let mut records = vec![MetadataRecord::from(TopicRecord {
            name: name.into(),
            topic_id: id,
            ..Default::default()
        })];
        for (index, (replicas, isr, leader)) in partitions.iter().enumerate() {
            records.push(
                PartitionRecord {
                    partition_id: index as i32,
                    topic_id: id,
                    replicas: replicas.to_vec(),
                    isr: isr.to_vec(),
                    leader: *leader,
                    leader_epoch: 0,
                    partition_epoch: 0,
                    directories: replicas.iter().map(|r| dir_of(*r)).collect(),
                    ..Default::default()
                }
                .into(),
            );
        }
        self.replay(&records);
    }
}

/// The one log directory of broker `id` in these tests.
pub fn dir_of(id: i32) -> Uuid {
    Uuid::new(0x1000 + id as u64, 0x2000 + id as u64)
}

pub use yakt::sim::workload::broker_features;

/// A BrokerRegistration v4 as Kafka sends it.
pub fn registration(id: i32, incarnation: Uuid, dirs: &[Uuid]) -> BrokerRegistrationRequest {
    BrokerRegistrationRequest::default()
        .with_broker_id(BrokerId(id))
        .with_cluster_id(StrBytes::from_static_str(CLUSTER_ID))
        .with_incarnation_id(incarnation.into())
        .with_listeners(vec![Listener::default()
            .with_name(StrBytes::from_static_str("PLAINTEXT"))
            .with_host(StrBytes::from_static_str("127.0.0.1"))
            .with_port(9092 + id as u16)
            .with_security_protocol(0)])
        .with_features(broker_features())
        .with_log_dirs(dirs.iter().map(|d| (*d).into()).collect())
        .with_previous_broker_epoch(-1)
}

/// A BrokerHeartbeat v1.
pub fn heartbeat(
    id: i32,
    epoch: i64,
    offset: i64,
    want_fence: bool,
    want_shut_down: bool,
) -> BrokerHeartbeatRequest {
    BrokerHeartbeatRequest::default()
        .with_broker_id(BrokerId(id))
        .with_broker_epoch(epoch)
        .with_current_metadata_offset(offset)
        .with_want_fence(want_fence)
        .with_want_shut_down(want_shut_down)
}

pub fn fixture(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("wire/tests/fixtures/kafka-{version}"))
}

/// Every record of a Kafka fixture's log, with its offset.
pub fn fixture_log(version: &str) -> Vec<(i64, LogRecord)> {
    let path = fixture(version).join("__cluster_metadata-0/00000000000000000000.log");
    let bytes = std::fs::read(&path).unwrap();
    let (mut position, mut out) = (0, Vec::new());
    while position < bytes.len() {
        let Ok(Scan::Batch(header)) = check_batch(&bytes[position..], 8 << 20) else {
            panic!("bad batch at byte {position} of {}", path.display());
        };
        let size = header.size_in_bytes();
        let view = BatchView::parse(&bytes[position..position + size]).unwrap();
        out.extend(records_of(&view).map(Result::unwrap));
        position += size;
    }
    out
}

/// A controller that replayed a fixture's log below `end_offset`, active at `now_ms`.
pub fn fixture_controller(version: &str, end_offset: i64) -> Harness {
    let settings = ControllerSettings::new(1, CLUSTER_ID);
    let mut harness = Harness {
        controller: Controller::new(settings, 7),
        next_offset: end_offset,
        now_ms: 5_000_000,
    };
    for (offset, record) in fixture_log(version) {
        if offset < end_offset {
            harness
                .controller
                .replay_log_record(&record, offset)
                .unwrap();
        }
    }
    harness.controller.activate(harness.now_ms);
    harness
}

/// The fixture's metadata records in `[from, to)`.
pub fn fixture_records(version: &str, from: i64, to: i64) -> Vec<MetadataRecord> {
    fixture_log(version)
        .into_iter()
        .filter(|(offset, _)| (from..to).contains(offset))
        .filter_map(|(_, record)| match record {
            LogRecord::Metadata(record, _) => Some(record),
            LogRecord::Control(_) => None,
        })
        .collect()
}
