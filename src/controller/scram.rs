//! AlterUserScramCredentials as a Kafka controller answers it (`ScramControlManager`).
//!
//! Deletions and upsertions name a user and a mechanism (1 SCRAM-SHA-256, 2 SCRAM-SHA-512).
//! A user altered twice in one request is DUPLICATE_RESOURCE (and anything more about that
//! user is ignored); an empty user name, or an upsertion with fewer than 4096 or more than
//! 16384 iterations, is UNACCEPTABLE_CREDENTIAL; an unknown mechanism is
//! UNSUPPORTED_SASL_MECHANISM; deleting a credential that does not exist is
//! RESOURCE_NOT_FOUND; below `metadata.version` 3.5-IV2 every alteration is
//! UNSUPPORTED_VERSION. An upsertion carries the client's salted password; the record keeps
//! only the stored key `H(HMAC(salted, "Client Key"))` and the server key
//! `HMAC(salted, "Server Key")` (RFC 5802). Deletions come first, in records and results;
//! the records form one atomic batch.

use std::collections::BTreeMap;

use bytes::Bytes;
use kafka_protocol::messages::alter_user_scram_credentials_request::ScramCredentialUpsertion;
use kafka_protocol::messages::alter_user_scram_credentials_response::AlterUserScramCredentialsResult;
use kafka_protocol::messages::{
    AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use yakt_wire::{MetadataRecord, RemoveUserScramCredentialRecord, UserScramCredentialRecord};

use crate::controller::machine::Controller;
use crate::controller::result::{ApiError, ControllerResult};
use crate::scram::{ScramHash, MAX_ITERATIONS, MIN_ITERATIONS};

/// `metadata.version` 3.5-IV2: the first with SCRAM records.
pub const MV_SCRAM: i16 = 11;

/// The stored key and server key of a salted password (Kafka's `ScramFormatter`).
fn keys(hash: ScramHash, salted_password: &[u8]) -> Result<(Bytes, Bytes), ApiError> {
    if salted_password.is_empty() {
        // Java's SecretKeySpec refuses an empty key.
        return Err(ApiError::new(
            ResponseError::UnknownServerError,
            "Empty key",
        ));
    }
    let (stored_key, server_key) = hash.keys(salted_password);
    Ok((Bytes::from(stored_key), Bytes::from(server_key)))
}

/// One user's accepted alteration.
enum Alteration<'a> {
    Delete(i8),
    Upsert(&'a ScramCredentialUpsertion),
}

fn unacceptable(message: &str) -> ApiError {
    ApiError::new(ResponseError::UnacceptableCredential, message)
}

/// `validateScramUsernameAndMechanism`.
fn validate_name_and_mechanism(name: &str, mechanism: i8) -> Result<ScramHash, ApiError> {
    if name.is_empty() {
        return Err(unacceptable("Username must not be empty"));
    }
    ScramHash::from_type(mechanism).ok_or_else(|| {
        ApiError::new(
            ResponseError::UnsupportedSaslMechanism,
            "Unknown SCRAM mechanism",
        )
    })
}

fn validate_upsertion(upsertion: &ScramCredentialUpsertion) -> Result<(), ApiError> {
    validate_name_and_mechanism(&upsertion.name, upsertion.mechanism)?;
    if upsertion.iterations < MIN_ITERATIONS {
        return Err(unacceptable("Too few iterations"));
    }
    if upsertion.iterations > MAX_ITERATIONS {
        return Err(unacceptable("Too many iterations"));
    }
    Ok(())
}

/// The users of a request, in order: each accepted alteration or error with its position.
#[derive(Default)]
struct Plan<'a> {
    accepted: BTreeMap<String, (usize, Alteration<'a>)>,
    errors: BTreeMap<String, (usize, ApiError)>,
    position: usize,
}

impl<'a> Plan<'a> {
    /// Adds one alteration of `name`, checked by `validate` unless the user is already
    /// altered (DUPLICATE_RESOURCE) or failed (ignored).
    fn add(
        &mut self,
        name: &str,
        scram_supported: bool,
        validate: impl FnOnce() -> Result<Alteration<'a>, ApiError>,
    ) {
        self.position += 1;
        if self.errors.contains_key(name) {
            return;
        }
        let outcome = if self.accepted.remove(name).is_some() {
            Err(ApiError::new(
                ResponseError::DuplicateResource,
                "A user credential cannot be altered twice in the same request",
            ))
        } else if !scram_supported {
            Err(ApiError::new(
                ResponseError::UnsupportedVersion,
                "The current metadata.version does not support SCRAM",
            ))
        } else {
            validate()
        };
        match outcome {
            Ok(alteration) => {
                self.accepted
                    .insert(name.to_owned(), (self.position, alteration));
            }
            Err(error) => {
                self.errors.insert(name.to_owned(), (self.position, error));
            }
        }
    }
}

impl Controller {
    /// Handles an AlterUserScramCredentials.
    pub fn alter_user_scram_credentials(
        &self,
        request: &AlterUserScramCredentialsRequest,
    ) -> ControllerResult<AlterUserScramCredentialsResponse> {
        let scram_supported = self.image().metadata_version().0 >= MV_SCRAM;
        let credentials = self.image().scram.credentials();
        let mut plan = Plan::default();
        for deletion in &request.deletions {
            plan.add(&deletion.name, scram_supported, || {
                validate_name_and_mechanism(&deletion.name, deletion.mechanism)?;
                let key = (deletion.name.to_string(), deletion.mechanism);
                if !credentials.contains_key(&key) {
                    return Err(ApiError::new(
                        ResponseError::ResourceNotFound,
                        "Attempt to delete a user credential that does not exist",
                    ));
                }
                Ok(Alteration::Delete(deletion.mechanism))
            });
        }
        for upsertion in &request.upsertions {
            plan.add(&upsertion.name, scram_supported, || {
                validate_upsertion(upsertion).map(|()| Alteration::Upsert(upsertion))
            });
        }
        finish(plan)
    }
}

/// The records and results of a checked request: deletions, then upsertions, then errors.
fn finish(plan: Plan) -> ControllerResult<AlterUserScramCredentialsResponse> {
    let Plan {
        accepted,
        mut errors,
        ..
    } = plan;
    let mut accepted: Vec<(String, (usize, Alteration))> = accepted.into_iter().collect();
    accepted.sort_by_key(|(_, (position, alteration))| {
        (matches!(alteration, Alteration::Upsert(_)), *position)
    });
    let mut records: Vec<(MetadataRecord, i16)> = Vec::new();
    let mut results = Vec::new();
    for (name, (position, alteration)) in accepted {
        let record: MetadataRecord = match alteration {
            Alteration::Delete(mechanism) => RemoveUserScramCredentialRecord {
                name: name.clone(),
                mechanism,
                ..Default::default()
            }
            .into(),
            Alteration::Upsert(upsertion) => match upsertion_record(upsertion) {
                Ok(record) => record.into(),
                Err(error) => {
                    errors.insert(name, (position, error));
                    continue;
                }
            },
        };
        records.push((record, 0));
        results.push(
            AlterUserScramCredentialsResult::default().with_user(StrBytes::from_string(name)),
        );
    }
    let mut errors: Vec<(String, (usize, ApiError))> = errors.into_iter().collect();
    errors.sort_by_key(|(_, (position, _))| *position);
    results.extend(errors.into_iter().map(|(name, (_, error))| {
        AlterUserScramCredentialsResult::default()
            .with_user(StrBytes::from_string(name))
            .with_error_code(error.code)
            .with_error_message(error.message.map(StrBytes::from_string))
    }));
    ControllerResult::atomic(
        records,
        AlterUserScramCredentialsResponse::default().with_results(results),
    )
}

/// `finishUpsertion`: the credential record, keeping keys rather than the salted password.
fn upsertion_record(
    upsertion: &ScramCredentialUpsertion,
) -> Result<UserScramCredentialRecord, ApiError> {
    let mechanism = ScramHash::from_type(upsertion.mechanism).ok_or_else(|| {
        ApiError::new(
            ResponseError::UnsupportedSaslMechanism,
            "Unknown SCRAM mechanism",
        )
    })?;
    let (stored_key, server_key) = keys(mechanism, &upsertion.salted_password)?;
    Ok(UserScramCredentialRecord {
        name: upsertion.name.to_string(),
        mechanism: upsertion.mechanism,
        salt: upsertion.salt.clone(),
        stored_key,
        server_key,
        iterations: upsertion.iterations,
        ..Default::default()
    })
}
