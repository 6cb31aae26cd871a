//! Leader and ISR changes over many partitions at once, as brokers come and go (Kafka's
//! `generateLeaderAndIsrUpdates`), and the per-partition facts every change needs: the
//! effective min ISR and who may lead.

use yakt_wire::{PartitionChangeRecord, Uuid};

use crate::controller::image::configs::resource_type;
use crate::controller::image::partition::{PartitionRegistration, NO_LEADER};
use crate::controller::image::topics::TopicImage;
use crate::controller::image::MetadataImage;
use crate::controller::partition_change::{Election, PartitionChange};

/// `min.insync.replicas` when nothing sets it.
pub const DEFAULT_MIN_INSYNC_REPLICAS: usize = 1;

/// A topic's min ISR: its `min.insync.replicas`, else the cluster default, else 1, capped
/// at its replication factor (Kafka's `getTopicEffectiveMinIsr`).
pub fn effective_min_isr(
    image: &MetadataImage,
    topic_name: &str,
    replication_factor: usize,
) -> usize {
    let configs = &image.configs;
    let configured = configs
        .get(resource_type::TOPIC, topic_name, "min.insync.replicas")
        .or_else(|| configs.get(resource_type::BROKER, "", "min.insync.replicas"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(DEFAULT_MIN_INSYNC_REPLICAS);
    configured.min(replication_factor)
}

/// Whether unclean leader election is on for a topic (topic config, else cluster default,
/// else `default`).
pub fn unclean_election_enabled(image: &MetadataImage, topic_name: &str, default: bool) -> bool {
    let configs = &image.configs;
    configs
        .get(
            resource_type::TOPIC,
            topic_name,
            "unclean.leader.election.enable",
        )
        .or_else(|| configs.get(resource_type::BROKER, "", "unclean.leader.election.enable"))
        .map_or(default, |v| v.trim().eq_ignore_ascii_case("true"))
}

/// Whether `broker` may lead `partition`: `acceptable(broker)` and its replica directory is
/// online (Kafka's `LeaderAcceptor`).
pub fn may_lead(
    image: &MetadataImage,
    partition: &PartitionRegistration,
    broker: i32,
    acceptable: &dyn Fn(i32) -> bool,
) -> bool {
    acceptable(broker)
        && image
            .cluster
            .broker(broker)
            .is_some_and(|b| b.has_online_dir(partition.directory(broker)))
}

/// The directory a new replica on `broker` goes to (UNASSIGNED for an unknown broker).
pub fn default_dir(image: &MetadataImage, broker: i32) -> Uuid {
    image
        .cluster
        .broker(broker)
        .map_or(Uuid::ONE, |b| b.default_dir())
}

/// A change of one partition with the image's facts filled in: active brokers with an online
/// directory may lead, new replicas go to their broker's default directory. The caller sets
/// targets and calls `build`.
pub fn change_of<'a>(
    image: &'a MetadataImage,
    topic: &TopicImage,
    partition_id: i32,
    partition: &'a PartitionRegistration,
) -> PartitionChange<'a> {
    change_with(image, topic, partition_id, partition, move |broker| {
        image.cluster.is_active(broker)
    })
}

/// As [`change_of`], with `acceptable` instead of "active" deciding which brokers may lead
/// (an online directory is still required).
pub fn change_with<'a>(
    image: &'a MetadataImage,
    topic: &TopicImage,
    partition_id: i32,
    partition: &'a PartitionRegistration,
    acceptable: impl Fn(i32) -> bool + 'a,
) -> PartitionChange<'a> {
    let min_isr = effective_min_isr(image, &topic.name, partition.replicas.len());
    PartitionChange::new(
        partition,
        topic.id,
        partition_id,
        move |broker| may_lead(image, partition, broker, &acceptable),
        |broker| default_dir(image, broker),
        image.metadata_version(),
        min_isr,
        image.features.elr_enabled(),
    )
}

/// Which brokers a batch of leader/ISR updates is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrokerTransition {
    /// A broker leaving: taken out of every ISR and never a leader.
    pub removed: Option<i32>,
    /// A broker arriving: may lead although the image still shows it fenced.
    pub added: Option<i32>,
    /// A broker that shut down uncleanly: out of ISR, ELR and leadership.
    pub unclean_shutdown: Option<i32>,
}

/// Changes for the partitions `which` selects, after `transition` (Kafka's
/// `generateLeaderAndIsrUpdates`). Partitions are visited by topic id, then index.
pub fn leader_and_isr_updates(
    image: &MetadataImage,
    transition: BrokerTransition,
    unclean_default: bool,
    which: &dyn Fn(Uuid, i32, &PartitionRegistration) -> bool,
) -> Vec<(PartitionChangeRecord, i16)> {
    let gone = [transition.removed, transition.unclean_shutdown];
    let acceptable = |r: i32| {
        !gone.contains(&Some(r)) && (Some(r) == transition.added || image.cluster.is_active(r))
    };
    let mut out = Vec::new();
    for (topic, partition_id, partition) in image.topics.partitions() {
        if !which(topic.id, partition_id, partition) {
            continue;
        }
        let mut change = change_with(image, topic, partition_id, partition, acceptable);
        if unclean_election_enabled(image, &topic.name, unclean_default) {
            change = change.election(Election::Unclean);
        }
        if let Some(broker) = transition.unclean_shutdown {
            change = change.unclean_shutdown_replicas(vec![broker]);
        }
        let isr = partition
            .isr
            .iter()
            .copied()
            .filter(|r| !gone.contains(&Some(*r)))
            .collect();
        if let Some(record) = change.target_isr(isr).build() {
            out.push(record);
        }
    }
    out
}

/// Partitions whose ISR holds `broker`.
pub fn in_isr(broker: i32) -> impl Fn(Uuid, i32, &PartitionRegistration) -> bool {
    move |_, _, p| p.isr.contains(&broker)
}

/// Partitions whose ELR holds `broker`.
pub fn in_elr(broker: i32) -> impl Fn(Uuid, i32, &PartitionRegistration) -> bool {
    move |_, _, p| p.elr.contains(&broker)
}

/// Partitions with no leader.
pub fn leaderless(_: Uuid, _: i32, partition: &PartitionRegistration) -> bool {
    partition.leader == NO_LEADER
}
