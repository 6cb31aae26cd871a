//! `yakt format --add-scram`: SCRAM credentials in the bootstrap records, so users exist from
//! the first activation (Kafka's `ScramParser`).
//!
//! An argument is `MECHANISM=[key=value,...]`: the mechanism `SCRAM-SHA-256` or
//! `SCRAM-SHA-512`, then `name` (required), `password` or `saltedpassword` (base64, needs
//! `salt`), `salt` (base64; default 130 random bits as base-36 text, as Kafka's
//! `secureRandomBytes`) and `iterations` (default 4096, 4096..=16384). A value may be
//! wrapped in double quotes; a key given twice keeps its last value; a value cannot hold a
//! comma. Each argument becomes one `UserScramCredentialRecord` (version 0) with the stored
//! and server keys of the salted password (`Hi()` of RFC 5802, PBKDF2 with one block). The
//! errors are Kafka's, in Kafka's order, argument by argument.

use std::collections::BTreeMap;

use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use bytes::Bytes;
use yakt_wire::{encode_frame, MetadataRecord, UserScramCredentialRecord};

use crate::scram::{ScramHash, MAX_ITERATIONS, MIN_ITERATIONS};
use crate::server::sasl::random_nonce;

/// The iterations of an argument without `iterations=`.
pub const DEFAULT_ITERATIONS: i32 = 4096;

/// Why an `--add-scram` argument was refused; the messages are Kafka's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScramArgumentError(pub String);

fn refuse<T>(message: String) -> Result<T, ScramArgumentError> {
    Err(ScramArgumentError(message))
}

/// How the password is given.
#[derive(Clone, PartialEq, Eq)]
pub enum ScramSecret {
    /// `password=`: salted here with the salt and iterations.
    Password(String),
    /// `saltedpassword=` (base64): already salted.
    SaltedPassword(Vec<u8>),
}

impl std::fmt::Debug for ScramSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScramSecret::Password(_) => f.write_str("Password(..)"),
            ScramSecret::SaltedPassword(_) => f.write_str("SaltedPassword(..)"),
        }
    }
}

/// One parsed `--add-scram` argument (Kafka's `PerMechanismData`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScramArgument {
    /// The mechanism.
    pub mechanism: ScramHash,
    /// `name`: the user.
    pub name: String,
    /// `salt`, decoded; a random one when absent.
    pub salt: Option<Vec<u8>>,
    /// `iterations`; 4096 when absent.
    pub iterations: Option<i32>,
    /// `password` or `saltedpassword`.
    pub secret: ScramSecret,
}

/// The `UserScramCredentialRecord` frames of `arguments`, in order, each argument parsed
/// and turned into its record before the next is read (as Kafka's `ScramParser.parse`).
pub fn scram_records(arguments: &[String]) -> Result<Vec<Bytes>, ScramArgumentError> {
    arguments
        .iter()
        .map(|text| {
            let record = ScramArgument::parse(text)?.to_record(random_salt)?;
            Ok(encode_frame(&MetadataRecord::from(record), 0)
                .expect("a UserScramCredentialRecord always encodes at version 0"))
        })
        .collect()
}

/// Kafka's `ScramFormatter.secureRandomBytes`: about 130 random bits as base-36 text.
fn random_salt() -> Vec<u8> {
    random_nonce().into_bytes()
}

impl ScramArgument {
    /// Parses `MECHANISM=[key=value,...]` (`parsePerMechanismArgument` and the
    /// `PerMechanismData` constructor).
    pub fn parse(text: &str) -> Result<ScramArgument, ScramArgumentError> {
        let text = java_trim(text);
        let Some((mechanism_name, config)) = text.split_once('=') else {
            return refuse(format!(
                "Failed to find equals sign in SCRAM argument '{text}'"
            ));
        };
        let Some(mechanism) = ScramHash::from_mechanism_name(mechanism_name) else {
            return refuse(format!(
                "The add-scram mechanism {mechanism_name} is not supported."
            ));
        };
        let Some(inner) = config.strip_prefix('[') else {
            return refuse("Expected configuration string to start with [".into());
        };
        let Some(inner) = inner.strip_suffix(']') else {
            return refuse("Expected configuration string to end with ]".into());
        };
        Self::from_components(mechanism, components(inner)?)
    }

    fn from_components(
        mechanism: ScramHash,
        mut components: BTreeMap<String, String>,
    ) -> Result<ScramArgument, ScramArgumentError> {
        let Some(name) = components.remove("name") else {
            return refuse("You must supply 'name' to add-scram".into());
        };
        let salt = match components.remove("salt") {
            None => None,
            Some(text) => match java_base64(&text) {
                Some(salt) => Some(salt),
                None => return refuse(format!("Failed to decode given salt: {text}")),
            },
        };
        let iterations = match components.remove("iterations") {
            None => None,
            Some(text) => match text.parse::<i32>() {
                Ok(iterations) => Some(iterations),
                Err(_) => return refuse(format!("Failed to parse iterations count: {text}")),
            },
        };
        let password = components.remove("password");
        let salted_password = components.remove("saltedpassword");
        let secret = match (password, salted_password) {
            (Some(password), _) => ScramSecret::Password(password),
            (None, None) => {
                return refuse(
                    "You must supply one of 'password' or 'saltedpassword' to add-scram".into(),
                )
            }
            (None, Some(_)) if salt.is_none() => {
                return refuse("You must supply 'salt' with 'saltedpassword' to add-scram".into())
            }
            (None, Some(text)) => match java_base64(&text) {
                Some(salted) => ScramSecret::SaltedPassword(salted),
                None => return refuse(format!("Failed to decode given saltedPassword: {text}")),
            },
        };
        if !components.is_empty() {
            let unknown: Vec<&str> = components.keys().map(String::as_str).collect();
            return refuse(format!(
                "Unknown SCRAM configurations: {}",
                unknown.join(", ")
            ));
        }
        Ok(ScramArgument {
            mechanism,
            name,
            salt,
            iterations,
            secret,
        })
    }

    /// The record (`toRecord`): the salt (from `random_salt` when none was given), the
    /// iterations checked against the mechanism's bounds, the stored and server keys.
    pub fn to_record(
        &self,
        random_salt: impl FnOnce() -> Vec<u8>,
    ) -> Result<UserScramCredentialRecord, ScramArgumentError> {
        let salt = self.salt.clone().unwrap_or_else(random_salt);
        let iterations = self.iterations.unwrap_or(DEFAULT_ITERATIONS);
        let java_name = self.mechanism.mechanism_name().replace('-', "_");
        if iterations < MIN_ITERATIONS {
            return refuse(format!(
                "The 'iterations' value must be >= {MIN_ITERATIONS} for add-scram using {java_name}"
            ));
        }
        if iterations > MAX_ITERATIONS {
            return refuse(format!(
                "The 'iterations' value must be <= {MAX_ITERATIONS} for add-scram using {java_name}"
            ));
        }
        let salted = match &self.secret {
            ScramSecret::SaltedPassword(salted) => salted.clone(),
            ScramSecret::Password(password) => {
                // Java's SecretKeySpec refuses an empty HMAC key.
                if password.is_empty() {
                    return refuse("Empty key".into());
                }
                self.mechanism
                    .salted_password(password.as_bytes(), &salt, iterations)
            }
        };
        if salted.is_empty() {
            return refuse("Empty key".into());
        }
        let (stored_key, server_key) = self.mechanism.keys(&salted);
        Ok(UserScramCredentialRecord {
            name: self.name.clone(),
            mechanism: self.mechanism.mechanism_type(),
            salt: Bytes::from(salt),
            stored_key: Bytes::from(stored_key),
            server_key: Bytes::from(server_key),
            iterations,
            ..Default::default()
        })
    }
}

/// The `key=value` components between the brackets, as Java's `String.split(",")` cuts them
/// (trailing empty pieces dropped, but an empty text is one empty piece); the last value of
/// a key wins.
fn components(inner: &str) -> Result<BTreeMap<String, String>, ScramArgumentError> {
    let mut pieces: Vec<&str> = inner.split(',').collect();
    if pieces.len() > 1 {
        while pieces.last() == Some(&"") {
            pieces.pop();
        }
    }
    let mut components = BTreeMap::new();
    for piece in pieces {
        let Some((key, value)) = piece.split_once('=') else {
            return refuse(format!("No equals sign found in SCRAM component: {piece}"));
        };
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(unquoted) if value.len() >= 2 => unquoted,
            _ => value,
        };
        components.insert(key.to_owned(), value.to_owned());
    }
    Ok(components)
}

/// Java's `String.trim`: every character up to U+0020 off both ends.
fn java_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c <= ' ')
}

/// Java's `Base64.getDecoder().decode`: the standard alphabet, padding optional but exact
/// when present, unused low bits of the last character ignored, no whitespace.
fn java_base64(text: &str) -> Option<Vec<u8>> {
    let padding = if text.ends_with('=') {
        DecodePaddingMode::RequireCanonical
    } else {
        DecodePaddingMode::RequireNone
    };
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(padding)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&STANDARD, config).decode(text).ok()
}

#[cfg(test)]
mod tests;
