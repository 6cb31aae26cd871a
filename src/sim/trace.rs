//! The event trace's fingerprint: a 64-bit FNV-1a hash folded over every event the simulator
//! processes, so two runs of one seed can be compared for determinism in O(1) memory.

/// An FNV-1a hasher over `u64` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceHash(u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHash {
    /// Folds `words` into the hash.
    pub fn add(&mut self, words: &[u64]) {
        for word in words {
            for byte in word.to_le_bytes() {
                self.0 ^= u64::from(byte);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }

    /// Folds bytes into the hash.
    pub fn add_bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

/// The FNV-1a hash of `bytes`.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hash = TraceHash::default();
    hash.add_bytes(bytes);
    hash.value()
}
