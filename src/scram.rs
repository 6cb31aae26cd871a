//! SCRAM's key derivations (RFC 5802, RFC 7677) as Kafka's `ScramFormatter` computes them:
//! the salted password `Hi()`, and the stored and server keys a `UserScramCredentialRecord`
//! keeps. Shared by the controller (AlterUserScramCredentials), SASL (`server::sasl::scram`)
//! and `yakt format --add-scram`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

/// The fewest iterations either mechanism accepts (Kafka's `ScramMechanism.minIterations`).
pub const MIN_ITERATIONS: i32 = 4096;
/// The most iterations either mechanism accepts (Kafka's `ScramMechanism.maxIterations`).
pub const MAX_ITERATIONS: i32 = 16384;

/// The hash of a SCRAM mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramHash {
    /// SCRAM-SHA-256 (mechanism type 1 in UserScramCredentialRecord).
    Sha256,
    /// SCRAM-SHA-512 (mechanism type 2).
    Sha512,
}

impl ScramHash {
    /// The mechanism type of UserScramCredentialRecord.
    pub fn mechanism_type(self) -> i8 {
        match self {
            ScramHash::Sha256 => 1,
            ScramHash::Sha512 => 2,
        }
    }

    /// The mechanism's name.
    pub fn mechanism_name(self) -> &'static str {
        match self {
            ScramHash::Sha256 => "SCRAM-SHA-256",
            ScramHash::Sha512 => "SCRAM-SHA-512",
        }
    }

    /// The mechanism of a UserScramCredentialRecord type byte, if known.
    pub fn from_type(mechanism: i8) -> Option<ScramHash> {
        [ScramHash::Sha256, ScramHash::Sha512]
            .into_iter()
            .find(|hash| hash.mechanism_type() == mechanism)
    }

    /// The mechanism named exactly `name` (`SCRAM-SHA-256` or `SCRAM-SHA-512`).
    pub fn from_mechanism_name(name: &str) -> Option<ScramHash> {
        [ScramHash::Sha256, ScramHash::Sha512]
            .into_iter()
            .find(|hash| hash.mechanism_name() == name)
    }

    pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            let mut mac =
                <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes any key");
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            ScramHash::Sha256 => run::<Hmac<Sha256>>(key, data),
            ScramHash::Sha512 => run::<Hmac<Sha512>>(key, data),
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => Sha256::digest(data).to_vec(),
            ScramHash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// RFC 5802's `Hi(password, salt, iterations)` (PBKDF2 with one block).
    pub fn salted_password(self, password: &[u8], salt: &[u8], iterations: i32) -> Vec<u8> {
        let mut first = salt.to_vec();
        first.extend_from_slice(&1u32.to_be_bytes());
        let mut previous = self.hmac(password, &first);
        let mut result = previous.clone();
        for _ in 1..iterations {
            previous = self.hmac(password, &previous);
            result.iter_mut().zip(&previous).for_each(|(r, p)| *r ^= p);
        }
        result
    }

    /// The stored key `H(HMAC(salted, "Client Key"))` and the server key
    /// `HMAC(salted, "Server Key")` of a salted password, as UserScramCredentialRecord keeps
    /// them (Kafka's `ScramFormatter.storedKey(clientKey(..))` and `serverKey`).
    pub fn keys(self, salted_password: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let client_key = self.hmac(salted_password, b"Client Key");
        (
            self.digest(&client_key),
            self.hmac(salted_password, b"Server Key"),
        )
    }
}
