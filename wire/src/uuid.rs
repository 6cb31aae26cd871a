//! Kafka's `Uuid`: 128 bits kept as two big-endian 64-bit halves, printed in url-safe base64
//! without padding (22 characters). Owns the reserved ids (`ZERO`, `ONE` = the metadata topic id)
//! and random generation with Kafka's rules (`Uuid.randomUuid()`): a version-4 UUID that is never
//! reserved and never prints with a leading `-`, so it cannot be mistaken for a command-line flag.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// url-safe base64; encodes without padding and decodes with or without it, as Java's
/// `Base64.getUrlDecoder()` does.
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A Kafka UUID (topic ids, directory ids, incarnation ids, cluster-scoped ids).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uuid {
    most_significant_bits: u64,
    least_significant_bits: u64,
}

/// Why a string is not a Kafka UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UuidParseError {
    /// The string is longer than base64 of 16 bytes (24 characters with padding).
    #[error("uuid string is {length} characters long, more than 24")]
    TooLong {
        /// Characters in the string.
        length: usize,
    },
    /// The string is not url-safe base64.
    #[error("uuid string {text:?} is not url-safe base64: {reason}")]
    NotBase64 {
        /// The input.
        text: String,
        /// What the decoder reported.
        reason: String,
    },
    /// The string decodes to a number of bytes other than 16.
    #[error("uuid string decodes to {length} bytes, not 16")]
    WrongLength {
        /// Bytes decoded.
        length: usize,
    },
}

/// The nil id, `AAAAAAAAAAAAAAAAAAAAAA`; as a directory id it means MIGRATING.
pub const ZERO: Uuid = Uuid::new(0, 0);
/// Uuid(0, 1), `AAAAAAAAAAAAAAAAAAAAAQ`; the metadata topic id, and UNASSIGNED as a directory id.
pub const ONE: Uuid = Uuid::new(0, 1);
/// The topic id of `__cluster_metadata`.
pub const METADATA_TOPIC_ID: Uuid = ONE;

impl Uuid {
    /// The nil id.
    pub const ZERO: Uuid = ZERO;
    /// Uuid(0, 1).
    pub const ONE: Uuid = ONE;
    /// The topic id of `__cluster_metadata`.
    pub const METADATA_TOPIC_ID: Uuid = METADATA_TOPIC_ID;

    /// Builds a Uuid from its two halves.
    pub const fn new(most_significant_bits: u64, least_significant_bits: u64) -> Uuid {
        Uuid {
            most_significant_bits,
            least_significant_bits,
        }
    }

    /// The high 64 bits.
    pub const fn most_significant_bits(&self) -> u64 {
        self.most_significant_bits
    }

    /// The low 64 bits.
    pub const fn least_significant_bits(&self) -> u64 {
        self.least_significant_bits
    }

    /// The 16 bytes, big-endian, as written on the wire.
    pub fn to_bytes(&self) -> [u8; 16] {
        (u128::from(self.most_significant_bits) << 64 | u128::from(self.least_significant_bits))
            .to_be_bytes()
    }

    /// The Uuid whose wire form is `bytes`.
    pub fn from_bytes(bytes: [u8; 16]) -> Uuid {
        let value = u128::from_be_bytes(bytes);
        Uuid::new((value >> 64) as u64, value as u64)
    }

    /// Whether Kafka reserves this id: the high half is 0 and the low half is below 100.
    pub fn is_reserved(&self) -> bool {
        self.most_significant_bits == 0 && self.least_significant_bits < 100
    }

    /// A random version-4 id that is not reserved and does not print with a leading `-`.
    ///
    /// # Panics
    /// If the operating system cannot supply random bytes.
    pub fn random() -> Uuid {
        loop {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).expect("the operating system supplies random bytes");
            let candidate = Uuid::from_random_bytes(bytes);
            if !candidate.is_reserved() && !candidate.to_string().starts_with('-') {
                return candidate;
            }
        }
    }

    /// Sets the version-4 and RFC 4122 variant bits on `bytes`, as `java.util.UUID.randomUUID()`.
    fn from_random_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid::from(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE.encode(self.to_bytes()))
    }
}

impl FromStr for Uuid {
    type Err = UuidParseError;

    fn from_str(text: &str) -> Result<Uuid, UuidParseError> {
        if text.len() > 24 {
            return Err(UuidParseError::TooLong { length: text.len() });
        }
        let bytes = URL_SAFE
            .decode(text)
            .map_err(|err| UuidParseError::NotBase64 {
                text: text.to_owned(),
                reason: err.to_string(),
            })?;
        let bytes: [u8; 16] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| UuidParseError::WrongLength {
                    length: bytes.len(),
                })?;
        Ok(Uuid::from_bytes(bytes))
    }
}

impl From<uuid::Uuid> for Uuid {
    fn from(value: uuid::Uuid) -> Uuid {
        Uuid::from_bytes(value.into_bytes())
    }
}

impl From<Uuid> for uuid::Uuid {
    fn from(value: Uuid) -> uuid::Uuid {
        uuid::Uuid::from_bytes(value.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ids_print_as_kafka_does() {
        assert_eq!(ZERO.to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(METADATA_TOPIC_ID.to_string(), "AAAAAAAAAAAAAAAAAAAAAQ");
        assert_eq!("AAAAAAAAAAAAAAAAAAAAAQ".parse(), Ok(ONE));
        assert!(ONE.is_reserved() && ZERO.is_reserved() && Uuid::new(0, 99).is_reserved());
        assert!(!Uuid::new(0, 100).is_reserved() && !Uuid::new(1, 0).is_reserved());
    }

    #[test]
    fn text_form_round_trips_and_accepts_padding() {
        let id = Uuid::new(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);
        let text = id.to_string();
        assert_eq!(text.len(), 22);
        assert_eq!(text.parse(), Ok(id));
        assert_eq!(format!("{text}==").parse(), Ok(id));
        assert_eq!(Uuid::from_bytes(id.to_bytes()), id);
        assert_eq!(Uuid::from(uuid::Uuid::from(id)), id);
        assert_eq!(
            uuid::Uuid::from(id).as_u128(),
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210
        );
    }

    #[test]
    fn bad_text_is_a_typed_error() {
        assert!(matches!(
            "AAAA".parse::<Uuid>(),
            Err(UuidParseError::WrongLength { length: 3 })
        ));
        assert!(matches!(
            "a".repeat(25).parse::<Uuid>(),
            Err(UuidParseError::TooLong { .. })
        ));
        assert!(matches!(
            "AAAAAAAAAAAAAAAAAAAA+Q".parse::<Uuid>(),
            Err(UuidParseError::NotBase64 { .. })
        ));
    }

    #[test]
    fn random_ids_follow_kafkas_rules() {
        for _ in 0..1000 {
            let id = Uuid::random();
            assert!(!id.is_reserved());
            assert!(!id.to_string().starts_with('-'));
            assert_eq!(uuid::Uuid::from(id).get_version_num(), 4);
        }
    }
}
