//! The controller's own randomness, seeded by the caller so tests are repeatable: replica
//! placement's starting points and new topic ids (random v4 ids as Kafka's
//! `Uuid.randomUuid()`: never reserved, never printed with a leading `-`).

use yakt_wire::Uuid;

/// SplitMix64: small, fast, and good enough for placement and ids.
#[derive(Debug, Clone)]
pub struct ControllerRng {
    state: u64,
}

impl ControllerRng {
    /// A generator fixed by `seed`.
    pub fn new(seed: u64) -> ControllerRng {
        ControllerRng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    /// A random version-4 id that is not reserved and does not print with a leading `-`.
    pub fn uuid(&mut self) -> Uuid {
        loop {
            let msb = (self.next_u64() & !0xF000) | 0x4000;
            let lsb = (self.next_u64() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
            let id = Uuid::new(msb, lsb);
            if !id.is_reserved() && !id.to_string().starts_with('-') {
                return id;
            }
        }
    }
}
