//! Deterministic pseudo-random values of every metadata record at any version, for property
//! tests and fuzzing here and in other crates. A seed gives the same value every time; values
//! include unknown tagged fields interleaved with known ones, and only fields that exist at the
//! requested version are set.

use bytes::Bytes;

use crate::codec::RawTaggedField;
use crate::uuid::Uuid;

/// A small seeded generator (SplitMix64); not for cryptography.
#[derive(Debug, Clone)]
pub struct SampleRng {
    state: u64,
}

impl SampleRng {
    /// A generator whose output is fixed by `seed`.
    pub fn new(seed: u64) -> SampleRng {
        SampleRng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 if `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// A type whose random values can be drawn for a given version.
pub trait Sample: Sized {
    /// Draws a value valid at `version`.
    fn sample(rng: &mut SampleRng, version: i16) -> Self;
}

macro_rules! sample_int {
    ($($ty:ty),*) => {$(
        impl Sample for $ty {
            fn sample(rng: &mut SampleRng, _version: i16) -> Self {
                // Favour small values and the edges, where encodings change.
                match rng.below(4) {
                    0 => rng.below(4) as $ty,
                    1 => <$ty>::MAX,
                    2 => <$ty>::MIN,
                    _ => rng.next_u64() as $ty,
                }
            }
        }
    )*};
}

sample_int!(i8, i16, i32, i64, u16);

impl Sample for bool {
    fn sample(rng: &mut SampleRng, _version: i16) -> Self {
        rng.one_in(2)
    }
}

impl Sample for f64 {
    fn sample(rng: &mut SampleRng, _version: i16) -> Self {
        let value = f64::from_bits(rng.next_u64());
        if value.is_nan() {
            0.5
        } else {
            value
        }
    }
}

impl Sample for Uuid {
    fn sample(rng: &mut SampleRng, _version: i16) -> Self {
        Uuid::new(rng.next_u64(), rng.next_u64())
    }
}

impl Sample for String {
    fn sample(rng: &mut SampleRng, _version: i16) -> Self {
        const PIECES: [&str; 8] = ["a", "topic", "-", "_", ".", "é", "日本", "0"];
        let count = rng.below(6);
        (0..count)
            .map(|_| PIECES[rng.below(PIECES.len() as u64) as usize])
            .collect()
    }
}

impl Sample for Bytes {
    fn sample(rng: &mut SampleRng, _version: i16) -> Self {
        let count = rng.below(8);
        (0..count).map(|_| rng.next_u64() as u8).collect()
    }
}

impl<T: Sample> Sample for Vec<T> {
    fn sample(rng: &mut SampleRng, version: i16) -> Self {
        let count = rng.below(4);
        (0..count).map(|_| T::sample(rng, version)).collect()
    }
}

impl<T: Sample> Sample for Option<T> {
    fn sample(rng: &mut SampleRng, version: i16) -> Self {
        (!rng.one_in(3)).then(|| T::sample(rng, version))
    }
}

/// Draws up to two unknown tagged fields with tags below 12 that `is_known` rejects,
/// ascending, so they interleave with the known ones.
pub fn sample_unknown_tagged_fields(
    rng: &mut SampleRng,
    is_known: impl Fn(u32) -> bool,
) -> Vec<RawTaggedField> {
    let mut fields: Vec<RawTaggedField> = Vec::new();
    for _ in 0..rng.below(3) {
        let tag = rng.below(12) as u32;
        if is_known(tag) || fields.iter().any(|field| field.tag == tag) {
            continue;
        }
        fields.push(RawTaggedField {
            tag,
            data: Bytes::sample(rng, 0),
        });
    }
    fields.sort_by_key(|field| field.tag);
    fields
}
