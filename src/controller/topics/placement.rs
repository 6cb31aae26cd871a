//! Rack-aware replica placement as Kafka's `StripedReplicaPlacer` does it: racks in a ring
//! and brokers in a ring within each rack, each partition's leader taken from the next rack
//! in turn among unfenced brokers, its other replicas from the following racks (unfenced
//! brokers first, fenced ones if needed), the rings reshuffled once every unfenced broker
//! has led a partition. Brokers in controlled shutdown are not used, nor brokers whose every
//! log directory is cordoned (KIP-1066).

use std::collections::BTreeMap;

use crate::controller::image::{BrokerRegistration, MetadataImage};
use crate::controller::rng::ControllerRng;

/// A broker replicas may be placed on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsableBroker {
    /// The broker id.
    pub id: i32,
    /// Its rack.
    pub rack: Option<String>,
    /// Whether it is fenced (it may hold a follower, never the first replica).
    pub fenced: bool,
}

/// The brokers of the image that may receive replicas: all but those unfenced and in
/// controlled shutdown, and those with no log directory left uncordoned (Kafka's
/// `BrokerHeartbeatManager.usableBrokers`).
pub fn usable_brokers(image: &MetadataImage) -> Vec<UsableBroker> {
    image
        .cluster
        .brokers()
        .values()
        .filter(|b| b.fenced || !b.in_controlled_shutdown)
        .filter(|b| has_uncordoned_directories(b))
        .map(|b| UsableBroker {
            id: b.id,
            rack: b.rack.clone(),
            fenced: b.fenced,
        })
        .collect()
}

/// Kafka's `BrokerRegistration.hasUncordonedDirs`: true when the broker registered no
/// directories or reported no cordoned ones, else whether one is left uncordoned.
fn has_uncordoned_directories(broker: &BrokerRegistration) -> bool {
    match &broker.cordoned_directories {
        Some(cordoned) if !broker.directories.is_empty() => {
            broker.directories.iter().any(|d| !cordoned.contains(d))
        }
        _ => true,
    }
}

#[derive(Debug, Default)]
struct BrokerRing {
    brokers: Vec<i32>,
    index: usize,
    offset: usize,
    epoch: usize,
}

impl BrokerRing {
    fn initialize(&mut self, rng: &mut ControllerRng) {
        if !self.brokers.is_empty() {
            self.brokers.sort_unstable();
            self.offset = rng.below(self.brokers.len());
        }
    }

    fn next(&mut self, epoch: usize) -> Option<i32> {
        if self.brokers.is_empty() {
            return None;
        }
        if self.epoch != epoch {
            self.epoch = epoch;
            self.index = 0;
            self.offset = (self.offset + 1) % self.brokers.len();
        }
        if self.index >= self.brokers.len() {
            return None;
        }
        let broker = self.brokers[(self.index + self.offset) % self.brokers.len()];
        self.index += 1;
        Some(broker)
    }
}

#[derive(Debug, Default)]
struct Rack {
    fenced: BrokerRing,
    unfenced: BrokerRing,
}

impl Rack {
    fn next(&mut self, epoch: usize) -> Option<i32> {
        self.unfenced
            .next(epoch)
            .or_else(|| self.fenced.next(epoch))
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut ControllerRng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// Places `partitions` partitions of `replication_factor` replicas on `brokers`; the error
/// is Kafka's INVALID_REPLICATION_FACTOR message.
pub fn place(
    rng: &mut ControllerRng,
    brokers: &[UsableBroker],
    partitions: usize,
    replication_factor: i32,
) -> Result<Vec<Vec<i32>>, String> {
    let unfenced = brokers.iter().filter(|b| !b.fenced).count();
    if replication_factor <= 0 {
        return Err(format!(
            "Invalid replication factor {replication_factor}: the replication factor must be positive."
        ));
    }
    if unfenced == 0 {
        return Err("All brokers are currently fenced.".into());
    }
    if replication_factor as usize > brokers.len() {
        return Err(format!(
            "The target replication factor of {replication_factor} cannot be reached because only {} broker(s) are registered.",
            brokers.len()
        ));
    }
    let mut racks: BTreeMap<Option<String>, Rack> = BTreeMap::new();
    for broker in brokers {
        let rack = racks.entry(broker.rack.clone()).or_default();
        let ring = if broker.fenced {
            &mut rack.fenced
        } else {
            &mut rack.unfenced
        };
        ring.brokers.push(broker.id);
    }
    let mut names: Vec<Option<String>> = racks.keys().cloned().collect();
    for rack in racks.values_mut() {
        rack.fenced.initialize(rng);
        rack.unfenced.initialize(rng);
    }
    let mut striper = Striper {
        offset: rng.below(names.len()),
        epoch: 0,
        unfenced,
    };
    let mut out = Vec::with_capacity(partitions);
    for _ in 0..partitions {
        let replicas = striper.place_one(rng, &mut names, &mut racks, replication_factor as usize);
        if replicas.len() != replication_factor as usize {
            return Err(format!("Unable to place {replication_factor} replicas."));
        }
        out.push(replicas);
    }
    Ok(out)
}

struct Striper {
    offset: usize,
    epoch: usize,
    unfenced: usize,
}

impl Striper {
    fn place_one(
        &mut self,
        rng: &mut ControllerRng,
        names: &mut [Option<String>],
        racks: &mut BTreeMap<Option<String>, Rack>,
        replication_factor: usize,
    ) -> Vec<i32> {
        if self.epoch == self.unfenced && self.unfenced > 1 {
            shuffle(names, rng);
            for rack in racks.values_mut() {
                shuffle(&mut rack.fenced.brokers, rng);
                shuffle(&mut rack.unfenced.brokers, rng);
            }
            self.epoch = 0;
        }
        if self.offset == names.len() {
            self.offset = 0;
        }
        let mut replicas = Vec::with_capacity(replication_factor);
        // Each ring yields each broker at most once per epoch, so these bounds are never
        // reached unless the inputs broke `place`'s checks.
        let bound = names.len()
            * (racks
                .values()
                .map(|r| r.fenced.brokers.len() + r.unfenced.brokers.len())
                .sum::<usize>()
                + 2);
        let mut leader_rack = self.offset;
        for _ in 0..bound {
            if let Some(broker) = racks
                .get_mut(&names[leader_rack])
                .and_then(|r| r.unfenced.next(self.epoch))
            {
                replicas.push(broker);
                break;
            }
            leader_rack = (leader_rack + 1) % names.len();
        }
        let mut first_rack = Some(leader_rack);
        let mut rack_index = self.offset;
        for _ in 0..bound {
            if replicas.len() >= replication_factor || replicas.is_empty() {
                break;
            }
            if Some(rack_index) == first_rack {
                first_rack = None;
            } else if let Some(broker) = racks
                .get_mut(&names[rack_index])
                .and_then(|r| r.next(self.epoch))
            {
                replicas.push(broker);
            }
            rack_index = (rack_index + 1) % names.len();
        }
        self.epoch += 1;
        self.offset += 1;
        replicas
    }
}
