//! The records of a broker changing state, as Kafka's `ReplicationControlManager` writes
//! them: fenced (out of every ISR, then `Fenced=1`), unfenced (`Fenced=-1`, then leaders for
//! leaderless partitions), controlled shutdown (`InControlledShutdown=1`, then out of every
//! ISR), a new incarnation after an unclean shutdown (out of ISR and ELR), unregistered
//! (out of ISR and ELR, then `UnregisterBrokerRecord`), log directories gone offline, and
//! the cordoned log directories a broker reports.

use yakt_wire::{BrokerRegistrationChangeRecord, MetadataRecord, UnregisterBrokerRecord, Uuid};

use crate::controller::elections::{
    in_elr, in_isr, leader_and_isr_updates, leaderless, BrokerTransition,
};
use crate::controller::image::MetadataImage;

type Records = Vec<(MetadataRecord, i16)>;

fn partition_changes(
    image: &MetadataImage,
    transition: BrokerTransition,
    unclean_default: bool,
    which: &dyn Fn(Uuid, i32, &crate::controller::image::PartitionRegistration) -> bool,
) -> Records {
    leader_and_isr_updates(image, transition, unclean_default, which)
        .into_iter()
        .map(|(record, version)| (record.into(), version))
        .collect()
}

fn removed(broker: i32) -> BrokerTransition {
    BrokerTransition {
        removed: Some(broker),
        ..Default::default()
    }
}

fn registration_change(broker_id: i32, broker_epoch: i64) -> BrokerRegistrationChangeRecord {
    BrokerRegistrationChangeRecord {
        broker_id,
        broker_epoch,
        ..Default::default()
    }
}

/// Fencing `broker` (registered with `epoch`): out of every ISR, then `Fenced=1`.
pub fn fenced(image: &MetadataImage, broker: i32, epoch: i64, unclean_default: bool) -> Records {
    let mut records = partition_changes(image, removed(broker), unclean_default, &in_isr(broker));
    let change = BrokerRegistrationChangeRecord {
        fenced: 1,
        ..registration_change(broker, epoch)
    };
    records.push((change.into(), 0));
    records
}

/// Unfencing `broker`: `Fenced=-1`, then leaders for leaderless partitions it may lead.
pub fn unfenced(image: &MetadataImage, broker: i32, epoch: i64, unclean_default: bool) -> Records {
    let change = BrokerRegistrationChangeRecord {
        fenced: -1,
        ..registration_change(broker, epoch)
    };
    let mut records: Records = vec![(change.into(), 0)];
    let added = BrokerTransition {
        added: Some(broker),
        ..Default::default()
    };
    records.extend(partition_changes(
        image,
        added,
        unclean_default,
        &leaderless,
    ));
    records
}

/// `broker` entering controlled shutdown: `InControlledShutdown=1` (once), then out of
/// every ISR so its leaderships move.
pub fn controlled_shutdown(
    image: &MetadataImage,
    broker: i32,
    epoch: i64,
    unclean_default: bool,
) -> Records {
    let mut records = Records::new();
    let already = image
        .cluster
        .broker(broker)
        .is_some_and(|b| b.in_controlled_shutdown);
    if !already {
        let change = BrokerRegistrationChangeRecord {
            in_controlled_shutdown: 1,
            ..registration_change(broker, epoch)
        };
        records.push((change.into(), 1));
    }
    records.extend(partition_changes(
        image,
        removed(broker),
        unclean_default,
        &in_isr(broker),
    ));
    records
}

/// A new incarnation of `broker` registering (Kafka's `handleBrokerShutdown`): after an
/// unclean shutdown with ELR on, it leaves ISR and ELR and may not lead; otherwise it is
/// taken out of ISRs as if fenced.
pub fn shutdown_updates(
    image: &MetadataImage,
    broker: i32,
    clean: bool,
    unclean_default: bool,
) -> Records {
    if image.features.elr_enabled() && !clean {
        let transition = BrokerTransition {
            unclean_shutdown: Some(broker),
            ..Default::default()
        };
        let mut records = partition_changes(image, transition, unclean_default, &in_isr(broker));
        let after_isr = records.len();
        records.extend(partition_changes(
            image,
            transition,
            unclean_default,
            &in_elr(broker),
        ));
        dedup_partition_changes(&mut records, after_isr);
        records
    } else {
        partition_changes(image, removed(broker), unclean_default, &in_isr(broker))
    }
}

/// Unregistering `broker`: out of every ISR and ELR, then `UnregisterBrokerRecord`.
pub fn unregistered(
    image: &MetadataImage,
    broker: i32,
    epoch: i64,
    unclean_default: bool,
) -> Records {
    let mut records = partition_changes(image, removed(broker), unclean_default, &in_isr(broker));
    let after_isr = records.len();
    records.extend(partition_changes(
        image,
        removed(broker),
        unclean_default,
        &in_elr(broker),
    ));
    dedup_partition_changes(&mut records, after_isr);
    let record = UnregisterBrokerRecord {
        broker_id: broker,
        broker_epoch: epoch,
        ..Default::default()
    };
    records.push((record.into(), 0));
    records
}

/// Log directories of `broker` reported offline: partitions in newly offline directories
/// lose it from their ISR, then the registration keeps only the still-online directories.
pub fn directories_offline(
    image: &MetadataImage,
    broker: i32,
    epoch: i64,
    offline: &[Uuid],
    unclean_default: bool,
) -> Records {
    let Some(registration) = image.cluster.broker(broker) else {
        return Records::new();
    };
    let newly_offline: Vec<Uuid> = registration
        .directories
        .iter()
        .copied()
        .filter(|d| offline.contains(d))
        .collect();
    if newly_offline.is_empty() {
        return Records::new();
    }
    let in_offline_dir = |_: Uuid, _: i32, p: &crate::controller::image::PartitionRegistration| {
        newly_offline.contains(&p.directory(broker))
    };
    let mut records = partition_changes(image, removed(broker), unclean_default, &in_offline_dir);
    let online: Vec<Uuid> = registration
        .directories
        .iter()
        .copied()
        .filter(|d| !offline.contains(d))
        .collect();
    let change = BrokerRegistrationChangeRecord {
        log_dirs: online,
        ..registration_change(broker, epoch)
    };
    records.push((change.into(), 2));
    records
}

/// `broker` (registered with `epoch`) reported `cordoned` log directories in a heartbeat
/// (KIP-1066, `ReplicationControlManager.handleDirectoriesCordoned`): a
/// BrokerRegistrationChangeRecord v3 carrying them when they differ, as sets, from the
/// registration's, or when the registration holds none yet (an empty report is recorded too).
pub fn directories_cordoned(
    image: &MetadataImage,
    broker: i32,
    epoch: i64,
    cordoned: &[Uuid],
) -> Records {
    let Some(registration) = image.cluster.broker(broker) else {
        return Records::new();
    };
    let changed = match &registration.cordoned_directories {
        None => true,
        Some(known) => {
            let known: std::collections::BTreeSet<Uuid> = known.iter().copied().collect();
            known != cordoned.iter().copied().collect()
        }
    };
    if !changed {
        return Records::new();
    }
    let change = BrokerRegistrationChangeRecord {
        cordoned_log_dirs: Some(cordoned.to_vec()),
        ..registration_change(broker, epoch)
    };
    vec![(change.into(), 3)]
}

/// A partition in both the ISR pass and the ELR pass gets one change (the first), since
/// both were computed from the same image.
fn dedup_partition_changes(records: &mut Records, second_pass_start: usize) {
    let key = |record: &MetadataRecord| match record {
        MetadataRecord::PartitionChange(c) => Some((c.topic_id, c.partition_id)),
        _ => None,
    };
    let first: Vec<_> = records[..second_pass_start]
        .iter()
        .filter_map(|(r, _)| key(r))
        .collect();
    let mut index = 0;
    records.retain(|(record, _)| {
        index += 1;
        index <= second_pass_start || key(record).is_none_or(|k| !first.contains(&k))
    });
}
