//! Broker and controller registrations (`RegisterBrokerRecord`,
//! `BrokerRegistrationChangeRecord`, the legacy `Fence/UnfenceBrokerRecord`,
//! `UnregisterBrokerRecord`, `RegisterControllerRecord`, `UnregisterControllerRecord`), with
//! Kafka's `ClusterControlManager.replay` checks: a change must name a registered broker at
//! its current epoch, and a log directory belongs to one broker only.
//!
//! The offset of each broker's `RegisterBrokerRecord` is kept beside the image (it decides
//! when the broker may be unfenced) but is not part of image equality: a snapshot restates
//! registrations at the snapshot's offset.

use std::collections::BTreeMap;

use yakt_wire::{
    BrokerEndpoint, BrokerFeature, BrokerRegistrationChangeRecord, ControllerEndpoint,
    ControllerFeature, MetadataRecord, RegisterBrokerRecord, RegisterControllerRecord,
    UnregisterBrokerRecord, Uuid,
};

use crate::controller::error::Inconsistency;
use crate::controller::versions::Mv;

/// The directory id of a replica whose directory failed (Kafka's `DirectoryId.LOST`).
pub const DIRECTORY_LOST: Uuid = Uuid::new(0, 2);

/// A broker's registration.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerRegistration {
    /// The broker id.
    pub id: i32,
    /// The broker epoch: the offset at which this incarnation registered.
    pub epoch: i64,
    /// The incarnation id of the broker process.
    pub incarnation_id: Uuid,
    /// The advertised listeners, by name.
    pub listeners: Vec<BrokerEndpoint>,
    /// The supported feature ranges `(min, max)`, by name.
    pub supported_features: BTreeMap<String, (i16, i16)>,
    /// The rack, if any.
    pub rack: Option<String>,
    /// Whether the broker is fenced.
    pub fenced: bool,
    /// Whether the broker is in controlled shutdown.
    pub in_controlled_shutdown: bool,
    /// Whether it registered as a migrating ZooKeeper broker (legacy).
    pub is_migrating_zk_broker: bool,
    /// The online log directories, sorted.
    pub directories: Vec<Uuid>,
    /// The cordoned log directories (KIP-1066), if reported.
    pub cordoned_directories: Option<Vec<Uuid>>,
}

impl BrokerRegistration {
    /// Whether the broker may lead partitions: not fenced and not shutting down.
    pub fn is_active(&self) -> bool {
        !self.fenced && !self.in_controlled_shutdown
    }

    /// Whether `directory` is one of the broker's online directories. UNASSIGNED and
    /// MIGRATING count as online and LOST as offline, as Kafka's `DirectoryId.isOnline` says.
    pub fn has_online_dir(&self, directory: Uuid) -> bool {
        if directory == Uuid::ZERO || directory == Uuid::ONE {
            return true;
        }
        directory != DIRECTORY_LOST && self.directories.binary_search(&directory).is_ok()
    }

    /// The directory new replicas on this broker go to: its only directory, MIGRATING if it
    /// registered none, UNASSIGNED if it has several (Kafka's `defaultDir`).
    pub fn default_dir(&self) -> Uuid {
        match self.directories.as_slice() {
            [] => Uuid::ZERO,
            [only] => *only,
            _ => Uuid::ONE,
        }
    }

    fn from_record(record: &RegisterBrokerRecord) -> BrokerRegistration {
        let mut listeners = record.end_points.clone();
        listeners.sort_by(|a, b| a.name.cmp(&b.name));
        let supported_features = record
            .features
            .iter()
            .map(|f| {
                let range = (f.min_supported_version, f.max_supported_version);
                (f.name.clone(), range)
            })
            .collect();
        let mut directories = record.log_dirs.clone();
        directories.sort();
        BrokerRegistration {
            id: record.broker_id,
            epoch: record.broker_epoch,
            incarnation_id: record.incarnation_id,
            listeners,
            supported_features,
            rack: record.rack.clone(),
            fenced: record.fenced,
            in_controlled_shutdown: record.in_controlled_shutdown,
            is_migrating_zk_broker: record.is_migrating_zk_broker,
            directories,
            cordoned_directories: record.cordoned_log_dirs.clone(),
        }
    }

    /// The registration as a `RegisterBrokerRecord` (for snapshots).
    pub fn to_record(&self) -> RegisterBrokerRecord {
        RegisterBrokerRecord {
            broker_id: self.id,
            is_migrating_zk_broker: self.is_migrating_zk_broker,
            incarnation_id: self.incarnation_id,
            broker_epoch: self.epoch,
            end_points: self.listeners.clone(),
            features: self
                .supported_features
                .iter()
                .map(|(name, (min, max))| BrokerFeature {
                    name: name.clone(),
                    min_supported_version: *min,
                    max_supported_version: *max,
                    ..Default::default()
                })
                .collect(),
            rack: self.rack.clone(),
            fenced: self.fenced,
            in_controlled_shutdown: self.in_controlled_shutdown,
            log_dirs: self.directories.clone(),
            cordoned_log_dirs: self.cordoned_directories.clone(),
            ..Default::default()
        }
    }
}

/// A controller's registration (KIP-919).
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerRegistration {
    /// The controller id.
    pub id: i32,
    /// The incarnation id of the controller process.
    pub incarnation_id: Uuid,
    /// Whether it was ready for a ZooKeeper migration (legacy).
    pub zk_migration_ready: bool,
    /// The advertised listeners, in registration order.
    pub listeners: Vec<ControllerEndpoint>,
    /// The supported feature ranges `(min, max)`, by name.
    pub supported_features: BTreeMap<String, (i16, i16)>,
}

impl ControllerRegistration {
    /// The registration as a `RegisterControllerRecord` (for snapshots).
    pub fn to_record(&self) -> RegisterControllerRecord {
        RegisterControllerRecord {
            controller_id: self.id,
            incarnation_id: self.incarnation_id,
            zk_migration_ready: self.zk_migration_ready,
            end_points: self.listeners.clone(),
            features: self
                .supported_features
                .iter()
                .map(|(name, (min, max))| ControllerFeature {
                    name: name.clone(),
                    min_supported_version: *min,
                    max_supported_version: *max,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }
}

/// A change to a broker registration, decoded from whichever record carried it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegistrationChange {
    pub broker_id: i32,
    pub broker_epoch: i64,
    pub fenced: Option<bool>,
    pub in_controlled_shutdown: Option<bool>,
    pub directories: Option<Vec<Uuid>>,
    pub cordoned_directories: Option<Vec<Uuid>>,
}

impl RegistrationChange {
    pub fn from_record(
        record: &BrokerRegistrationChangeRecord,
    ) -> Result<RegistrationChange, Inconsistency> {
        let fenced = match record.fenced {
            -1 => Some(false),
            0 => None,
            1 => Some(true),
            value => return Err(Inconsistency::InvalidFencingChange { value }),
        };
        let in_controlled_shutdown = match record.in_controlled_shutdown {
            0 => None,
            1 => Some(true),
            value => return Err(Inconsistency::InvalidControlledShutdownChange { value }),
        };
        let directories = Some(record.log_dirs.clone()).filter(|dirs| !dirs.is_empty());
        Ok(RegistrationChange {
            broker_id: record.broker_id,
            broker_epoch: record.broker_epoch,
            fenced,
            in_controlled_shutdown,
            directories,
            cordoned_directories: record.cordoned_log_dirs.clone(),
        })
    }
}

/// Every broker and controller registration.
#[derive(Debug, Clone, Default)]
pub struct ClusterImage {
    brokers: BTreeMap<i32, BrokerRegistration>,
    controllers: BTreeMap<i32, ControllerRegistration>,
    directory_owners: BTreeMap<Uuid, i32>,
    registration_offsets: BTreeMap<i32, i64>,
}

impl PartialEq for ClusterImage {
    fn eq(&self, other: &ClusterImage) -> bool {
        self.brokers == other.brokers && self.controllers == other.controllers
    }
}

impl ClusterImage {
    /// The registered brokers, by id.
    pub fn brokers(&self) -> &BTreeMap<i32, BrokerRegistration> {
        &self.brokers
    }

    /// The registration of broker `id`.
    pub fn broker(&self, id: i32) -> Option<&BrokerRegistration> {
        self.brokers.get(&id)
    }

    /// The registered controllers, by id.
    pub fn controllers(&self) -> &BTreeMap<i32, ControllerRegistration> {
        &self.controllers
    }

    /// The offset of broker `id`'s current `RegisterBrokerRecord` (the snapshot's offset for
    /// a registration loaded from a snapshot).
    pub fn registration_offset(&self, id: i32) -> Option<i64> {
        self.registration_offsets.get(&id).copied()
    }

    /// The broker that registered `directory`, if any.
    pub fn directory_owner(&self, directory: Uuid) -> Option<i32> {
        self.directory_owners.get(&directory).copied()
    }

    /// Whether broker `id` is registered, unfenced and not shutting down.
    pub fn is_active(&self, id: i32) -> bool {
        self.brokers
            .get(&id)
            .is_some_and(BrokerRegistration::is_active)
    }

    pub(crate) fn replay_register_broker(
        &mut self,
        record: &RegisterBrokerRecord,
        offset: i64,
    ) -> Result<(), Inconsistency> {
        let registration = BrokerRegistration::from_record(record);
        let previous = self
            .brokers
            .get(&record.broker_id)
            .map(|b| b.directories.clone());
        self.move_directories(
            record.broker_id,
            previous.as_deref(),
            &registration.directories,
        )?;
        self.brokers.insert(record.broker_id, registration);
        self.registration_offsets.insert(record.broker_id, offset);
        Ok(())
    }

    pub(crate) fn replay_unregister_broker(
        &mut self,
        record: &UnregisterBrokerRecord,
    ) -> Result<(), Inconsistency> {
        let current = self.current(record.broker_id, record.broker_epoch)?;
        let directories = current.directories.clone();
        self.move_directories(record.broker_id, Some(&directories), &[])?;
        self.brokers.remove(&record.broker_id);
        self.registration_offsets.remove(&record.broker_id);
        Ok(())
    }

    pub(crate) fn replay_change(
        &mut self,
        change: RegistrationChange,
    ) -> Result<(), Inconsistency> {
        let current = self.current(change.broker_id, change.broker_epoch)?;
        let mut next = current.clone();
        if let Some(fenced) = change.fenced {
            next.fenced = fenced;
        }
        if let Some(in_controlled_shutdown) = change.in_controlled_shutdown {
            next.in_controlled_shutdown = in_controlled_shutdown;
        }
        if let Some(mut directories) = change.directories {
            directories.sort();
            next.directories = directories;
        }
        if let Some(cordoned) = change.cordoned_directories {
            next.cordoned_directories = Some(cordoned);
        }
        let previous = current.directories.clone();
        self.move_directories(change.broker_id, Some(&previous), &next.directories)?;
        self.brokers.insert(change.broker_id, next);
        Ok(())
    }

    pub(crate) fn replay_register_controller(&mut self, record: &RegisterControllerRecord) {
        let registration = ControllerRegistration {
            id: record.controller_id,
            incarnation_id: record.incarnation_id,
            zk_migration_ready: record.zk_migration_ready,
            listeners: record.end_points.clone(),
            supported_features: record
                .features
                .iter()
                .map(|f| {
                    let range = (f.min_supported_version, f.max_supported_version);
                    (f.name.clone(), range)
                })
                .collect(),
        };
        self.controllers.insert(record.controller_id, registration);
    }

    pub(crate) fn replay_unregister_controller(&mut self, controller_id: i32) {
        self.controllers.remove(&controller_id);
    }

    /// The registration of `broker_id` if it has epoch `epoch`.
    fn current(&self, broker_id: i32, epoch: i64) -> Result<&BrokerRegistration, Inconsistency> {
        let current = self
            .brokers
            .get(&broker_id)
            .ok_or(Inconsistency::UnknownBroker { broker_id })?;
        if current.epoch != epoch {
            return Err(Inconsistency::BrokerEpochMismatch {
                broker_id,
                registered_epoch: current.epoch,
                record_epoch: epoch,
            });
        }
        Ok(current)
    }

    /// Re-points the directory → broker index from `removed` to `added`.
    fn move_directories(
        &mut self,
        broker_id: i32,
        removed: Option<&[Uuid]>,
        added: &[Uuid],
    ) -> Result<(), Inconsistency> {
        for directory in added {
            match self.directory_owners.get(directory) {
                Some(&owner) if owner != broker_id => {
                    return Err(Inconsistency::DirectoryOwnedByOtherBroker {
                        directory: *directory,
                        owner,
                    })
                }
                _ => {}
            }
        }
        for directory in removed.unwrap_or_default() {
            self.directory_owners.remove(directory);
        }
        for directory in added {
            self.directory_owners.insert(*directory, broker_id);
        }
        Ok(())
    }

    /// The records of a snapshot: brokers by id, then controllers by id.
    pub(crate) fn write(&self, mv: Mv, out: &mut Vec<(MetadataRecord, i16)>) {
        let version = mv.register_broker_record_version();
        for broker in self.brokers.values() {
            let mut record = broker.to_record();
            if version < 3 {
                record.log_dirs.clear();
            }
            if version < 4 {
                record.cordoned_log_dirs = None;
            }
            out.push((record.into(), version));
        }
        for controller in self.controllers.values() {
            out.push((controller.to_record().into(), 0));
        }
    }
}
