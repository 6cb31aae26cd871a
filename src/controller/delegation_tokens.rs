//! Delegation tokens as a Kafka controller serves them (`DelegationTokenControlManager` and
//! the delegation-token parts of `ControllerApis` and `QuorumController`).
//!
//! - CreateDelegationToken: a new token id (a random `Uuid` in its base64 form), its HMAC
//!   (HMAC-SHA512 of the id's UTF-8 bytes under `delegation.token.secret.key`), the owner (the
//!   request's `OwnerPrincipal*` when a name is given, else the requester), the requester, the
//!   renewers (each must be of type `User`: INVALID_PRINCIPAL_TYPE), issued now, expiring at
//!   `min(max, now + delegation.token.expiry.time.ms)` and renewable until
//!   `now + min(delegation.token.max.lifetime.ms, MaxLifetimeMs if > 0)`.
//! - RenewDelegationToken, ExpireDelegationToken: the token is found by its HMAC
//!   (DELEGATION_TOKEN_NOT_FOUND), must not be expired (DELEGATION_TOKEN_EXPIRED) and the
//!   principal must be its owner or a renewer (DELEGATION_TOKEN_OWNER_MISMATCH). A renewal
//!   moves the expiry to `min(max, now + min(expiry.time.ms, RenewPeriodMs if > 0))`; an expiry
//!   with a negative period removes the token at once, otherwise moves the expiry to
//!   `min(max, now + period)`.
//! - Without a secret key every request is DELEGATION_TOKEN_AUTH_DISABLED; below
//!   `metadata.version` 3.6-IV2 it is UNSUPPORTED_VERSION.
//! - The active controller removes expired tokens every
//!   `delegation.token.expiry.check.interval.ms` ([`TokenExpiryTimer`]), at most 1000 per pass,
//!   coming back 10 ms later while more remain.
//!
//! Kafka finds a token by its HMAC in a cache of committed tokens; yakt computes the HMAC of
//! each token id in the working image (a token created but not yet committed is found too).
//! Who may ask at all ([`token_requests_allowed`]) is decided on the request's context; the
//! handlers take the principal alone, so authorization can wrap them.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use kafka_protocol::messages::{
    CreateDelegationTokenRequest, CreateDelegationTokenResponse, ExpireDelegationTokenRequest,
    ExpireDelegationTokenResponse, RenewDelegationTokenRequest, RenewDelegationTokenResponse,
    RequestKind, ResponseKind,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use sha2::Sha512;
use yakt_wire::{DelegationTokenRecord, MetadataRecord, RemoveDelegationTokenRecord};

use crate::config::SecurityProtocol;
use crate::controller::context::{KafkaPrincipal, RequestContext};
use crate::controller::machine::Controller;
use crate::controller::result::ControllerResult;

/// `metadata.version` 3.6-IV2: the first with delegation token records.
pub const MV_DELEGATION_TOKENS: i16 = 14;
/// The most tokens one expiry pass removes (`MAX_RECORDS_PER_EXPIRATION`).
pub const MAX_RECORDS_PER_EXPIRATION: usize = 1000;
/// How soon a pass that stopped at the limit runs again (`PeriodicTask`'s immediate period).
pub const SWEEP_AGAIN_MS: i64 = 10;
/// The principal type every renewer must have (`KafkaPrincipal.USER_TYPE`).
pub const USER_TYPE: &str = "User";

/// HMAC-SHA512 of `token_id` under `secret_key`, both as UTF-8 (Kafka's `createHmac`).
pub fn token_hmac(secret_key: &str, token_id: &str) -> Bytes {
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(secret_key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(token_id.as_bytes());
    Bytes::from(mac.finalize().into_bytes().to_vec())
}

/// Whether a request may create, renew or expire tokens (`ControllerApis.allowTokenRequests`):
/// never under a token-authenticated principal; a direct request only over SASL or 2-way SSL
/// (not PLAINTEXT, not 1-way SSL, whose principal is `User:ANONYMOUS`); a forwarded one
/// whatever the broker's own connection is.
pub fn token_requests_allowed(context: &RequestContext) -> bool {
    if context.principal.token_authenticated {
        return false;
    }
    context.forwarded
        || match context.security_protocol {
            SecurityProtocol::Plaintext => false,
            SecurityProtocol::Ssl => context.principal != KafkaPrincipal::anonymous(),
            SecurityProtocol::SaslPlaintext | SecurityProtocol::SaslSsl => true,
        }
}

/// `now + duration`, at most `i64::MAX` (Kafka's `sum`).
fn sum(now_ms: i64, duration_ms: i64) -> i64 {
    now_ms.saturating_add(duration_ms)
}

/// `type:name`, as Kafka writes a principal into a record.
fn principal_string(principal_type: &str, name: &str) -> String {
    format!("{principal_type}:{name}")
}

/// Whether `principal` is the token's owner or one of its renewers (`allowedToRenew`:
/// principals compare by type and name; a record's text splits at its first `:`).
fn allowed_to_renew(token: &DelegationTokenRecord, principal: &KafkaPrincipal) -> bool {
    let matches = |text: &str| {
        text.split_once(':').is_some_and(|(principal_type, name)| {
            principal_type == principal.principal_type && name == principal.name
        })
    };
    matches(&token.owner) || token.renewers.iter().any(|r| matches(r))
}

/// Whether the token has passed its expiry or its maximum lifetime at `now_ms`.
fn expired(token: &DelegationTokenRecord, now_ms: i64) -> bool {
    token.max_timestamp < now_ms || token.expiration_timestamp < now_ms
}

/// Why a token request fails before the token is looked at.
fn precondition(controller: &Controller) -> Result<&str, ResponseError> {
    let secret_key = controller
        .settings
        .delegation_tokens
        .secret_key
        .as_ref()
        .ok_or(ResponseError::DelegationTokenAuthDisabled)?;
    if controller.image().metadata_version().0 < MV_DELEGATION_TOKENS {
        return Err(ResponseError::UnsupportedVersion);
    }
    Ok(secret_key.value())
}

impl Controller {
    /// The token whose HMAC under the configured secret key is `hmac`.
    fn token_by_hmac(&self, secret_key: &str, hmac: &[u8]) -> Option<&DelegationTokenRecord> {
        let tokens = self.image().delegation_tokens.tokens();
        tokens
            .values()
            .find(|token| token_hmac(secret_key, &token.token_id) == hmac)
    }

    /// Handles a CreateDelegationToken from `principal` at `now_ms`.
    pub fn create_delegation_token(
        &mut self,
        principal: &KafkaPrincipal,
        request: &CreateDelegationTokenRequest,
        now_ms: i64,
    ) -> ControllerResult<CreateDelegationTokenResponse> {
        let Some(owner) = requested_owner(request, principal) else {
            return ControllerResult::response_only(create_refused(
                ResponseError::UnknownServerError.code(),
            ));
        };
        let response = refused_for(0, &owner, principal)
            .with_issue_timestamp_ms(0)
            .with_expiry_timestamp_ms(0)
            .with_max_timestamp_ms(0);
        let secret_key = match precondition(self) {
            Ok(secret_key) => secret_key.to_owned(),
            Err(error) => {
                return ControllerResult::atomic(vec![], response.with_error_code(error.code()))
            }
        };
        if request
            .renewers
            .iter()
            .any(|r| &*r.principal_type != USER_TYPE)
        {
            let code = ResponseError::InvalidPrincipalType.code();
            return ControllerResult::atomic(vec![], response.with_error_code(code));
        }
        let settings = &self.settings.delegation_tokens;
        let mut max_lifetime_ms = settings.max_lifetime_ms;
        if request.max_lifetime_ms > 0 {
            max_lifetime_ms = max_lifetime_ms.min(request.max_lifetime_ms);
        }
        let max_timestamp = sum(now_ms, max_lifetime_ms);
        let expiry_timestamp = max_timestamp.min(sum(now_ms, settings.expiry_time_ms));
        let token_id = self.random_uuid().to_string();
        let hmac = token_hmac(&secret_key, &token_id);
        let record = DelegationTokenRecord {
            owner: owner.to_string(),
            requester: principal.to_string(),
            renewers: request
                .renewers
                .iter()
                .map(|r| principal_string(&r.principal_type, &r.principal_name))
                .collect(),
            issue_timestamp: now_ms,
            max_timestamp,
            expiration_timestamp: expiry_timestamp,
            token_id: token_id.clone(),
            ..Default::default()
        };
        let response = response
            .with_issue_timestamp_ms(now_ms)
            .with_expiry_timestamp_ms(expiry_timestamp)
            .with_max_timestamp_ms(max_timestamp)
            .with_token_id(StrBytes::from_string(token_id))
            .with_hmac(hmac);
        ControllerResult::atomic(vec![(record.into(), 0)], response)
    }

    /// Handles a RenewDelegationToken from `principal` at `now_ms`.
    pub fn renew_delegation_token(
        &self,
        principal: &KafkaPrincipal,
        request: &RenewDelegationTokenRequest,
        now_ms: i64,
    ) -> ControllerResult<RenewDelegationTokenResponse> {
        let failed = |error: ResponseError| {
            ControllerResult::atomic(
                vec![],
                RenewDelegationTokenResponse::default().with_error_code(error.code()),
            )
        };
        let secret_key = match precondition(self) {
            Ok(secret_key) => secret_key,
            Err(error) => return failed(error),
        };
        let Some(token) = self.token_by_hmac(secret_key, &request.hmac) else {
            return failed(ResponseError::DelegationTokenNotFound);
        };
        if expired(token, now_ms) {
            return failed(ResponseError::DelegationTokenExpired);
        }
        if !allowed_to_renew(token, principal) {
            return failed(ResponseError::DelegationTokenOwnerMismatch);
        }
        let mut renew_lifetime_ms = self.settings.delegation_tokens.expiry_time_ms;
        if request.renew_period_ms > 0 {
            renew_lifetime_ms = renew_lifetime_ms.min(request.renew_period_ms);
        }
        let expiry_timestamp = token.max_timestamp.min(sum(now_ms, renew_lifetime_ms));
        let record = DelegationTokenRecord {
            expiration_timestamp: expiry_timestamp,
            ..token.clone()
        };
        ControllerResult::atomic(
            vec![(record.into(), 0)],
            RenewDelegationTokenResponse::default().with_expiry_timestamp_ms(expiry_timestamp),
        )
    }

    /// Handles an ExpireDelegationToken from `principal` at `now_ms`.
    pub fn expire_delegation_token(
        &self,
        principal: &KafkaPrincipal,
        request: &ExpireDelegationTokenRequest,
        now_ms: i64,
    ) -> ControllerResult<ExpireDelegationTokenResponse> {
        let response = ExpireDelegationTokenResponse::default();
        let failed = |error: ResponseError| {
            ControllerResult::atomic(vec![], response.clone().with_error_code(error.code()))
        };
        let secret_key = match precondition(self) {
            Ok(secret_key) => secret_key,
            Err(error) => return failed(error),
        };
        let Some(token) = self.token_by_hmac(secret_key, &request.hmac) else {
            return failed(ResponseError::DelegationTokenNotFound);
        };
        if !allowed_to_renew(token, principal) {
            return failed(ResponseError::DelegationTokenOwnerMismatch);
        }
        if request.expiry_time_period_ms < 0 {
            let remove = RemoveDelegationTokenRecord {
                token_id: token.token_id.clone(),
                ..Default::default()
            };
            let response = response.with_expiry_timestamp_ms(now_ms);
            return ControllerResult::atomic(vec![(remove.into(), 0)], response);
        }
        if expired(token, now_ms) {
            return failed(ResponseError::DelegationTokenExpired);
        }
        let expiry_timestamp = token
            .max_timestamp
            .min(sum(now_ms, request.expiry_time_period_ms));
        let record = DelegationTokenRecord {
            expiration_timestamp: expiry_timestamp,
            ..token.clone()
        };
        ControllerResult::atomic(
            vec![(record.into(), 0)],
            response.with_expiry_timestamp_ms(expiry_timestamp),
        )
    }

    /// The removals of tokens expired at `now_ms`, at most [`MAX_RECORDS_PER_EXPIRATION`];
    /// the response says whether more remain (`sweepExpiredDelegationTokens`). Nothing
    /// without a secret key: Kafka's controller then keeps no tokens to sweep.
    pub fn sweep_expired_delegation_tokens(&self, now_ms: i64) -> ControllerResult<bool> {
        if self.settings.delegation_tokens.secret_key.is_none() {
            return ControllerResult::of(vec![], false);
        }
        let mut records: Vec<(MetadataRecord, i16)> = Vec::new();
        for token in self.image().delegation_tokens.tokens().values() {
            if !expired(token, now_ms) {
                continue;
            }
            tracing::info!(token_id = %token.token_id, owner = %token.owner, "delegation token expired");
            let remove = RemoveDelegationTokenRecord {
                token_id: token.token_id.clone(),
                ..Default::default()
            };
            records.push((remove.into(), 0));
            if records.len() >= MAX_RECORDS_PER_EXPIRATION {
                return ControllerResult::of(records, true);
            }
        }
        ControllerResult::of(records, false)
    }
}

/// The CreateDelegationToken answer of a request refused as a whole with `code`
/// (`CreateDelegationTokenResponse.prepareResponse(.., ANONYMOUS, ANONYMOUS)`).
pub fn create_refused(code: i16) -> CreateDelegationTokenResponse {
    let anonymous = KafkaPrincipal::anonymous();
    refused_for(code, &anonymous, &anonymous)
}

/// The CreateDelegationToken answer of a request refused with `code` for `owner`, asked by
/// `requester`: timestamps -1, no token id, no HMAC.
pub fn refused_for(
    code: i16,
    owner: &KafkaPrincipal,
    requester: &KafkaPrincipal,
) -> CreateDelegationTokenResponse {
    CreateDelegationTokenResponse::default()
        .with_error_code(code)
        .with_principal_type(StrBytes::from_string(owner.principal_type.clone()))
        .with_principal_name(StrBytes::from_string(owner.name.clone()))
        .with_token_requester_principal_type(StrBytes::from_string(
            requester.principal_type.clone(),
        ))
        .with_token_requester_principal_name(StrBytes::from_string(requester.name.clone()))
        .with_issue_timestamp_ms(-1)
        .with_expiry_timestamp_ms(-1)
        .with_max_timestamp_ms(-1)
}

/// The owner a CreateDelegationToken names (`OwnerPrincipal*` when the name is not empty),
/// else its requester; `None` for a name without a type (Java's `KafkaPrincipal` refuses a
/// null type, and the request fails with UNKNOWN_SERVER_ERROR).
pub fn requested_owner(
    request: &CreateDelegationTokenRequest,
    requester: &KafkaPrincipal,
) -> Option<KafkaPrincipal> {
    match &request.owner_principal_name {
        Some(name) if !name.is_empty() => Some(KafkaPrincipal {
            principal_type: request.owner_principal_type.as_ref()?.to_string(),
            name: name.to_string(),
            token_authenticated: false,
        }),
        _ => Some(requester.clone()),
    }
}

/// Removes expired tokens every `delegation.token.expiry.check.interval.ms` while active
/// (Kafka's `expireDelegationTokens` periodic task); first due an interval after activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenExpiryTimer {
    interval_ms: i64,
    next_due_ms: i64,
}

impl TokenExpiryTimer {
    /// A timer that first fires `interval_ms` after `now_ms` (on becoming active).
    pub fn new(interval_ms: i64, now_ms: i64) -> TokenExpiryTimer {
        TokenExpiryTimer {
            interval_ms,
            next_due_ms: sum(now_ms, interval_ms),
        }
    }

    /// When the next pass is due.
    pub fn deadline_ms(&self) -> i64 {
        self.next_due_ms
    }

    /// The removals to write if a pass is due at `now_ms` (`None` if not due or nothing
    /// expired); the next pass is due an interval later, or [`SWEEP_AGAIN_MS`] later when
    /// this one stopped at the limit.
    pub fn poll(&mut self, controller: &Controller, now_ms: i64) -> Option<ControllerResult<()>> {
        if now_ms < self.next_due_ms {
            return None;
        }
        let sweep = controller.sweep_expired_delegation_tokens(now_ms);
        let delay_ms = if sweep.response {
            SWEEP_AGAIN_MS
        } else {
            self.interval_ms
        };
        self.next_due_ms = sum(now_ms, delay_ms);
        (!sweep.records.is_empty()).then(|| ControllerResult::of(sweep.records, ()))
    }
}

/// The answer to a token request [`token_requests_allowed`] refuses:
/// DELEGATION_TOKEN_REQUEST_NOT_ALLOWED with the owner and requester (CreateDelegationToken)
/// or an expiry of -1 (Renew, Expire). `None` for any other request.
pub fn request_not_allowed(
    request: &RequestKind,
    requester: &KafkaPrincipal,
) -> Option<ResponseKind> {
    let code = ResponseError::DelegationTokenRequestNotAllowed.code();
    Some(match request {
        RequestKind::CreateDelegationToken(r) => {
            ResponseKind::CreateDelegationToken(match requested_owner(r, requester) {
                Some(owner) => refused_for(code, &owner, requester),
                None => create_refused(ResponseError::UnknownServerError.code()),
            })
        }
        RequestKind::RenewDelegationToken(_) => ResponseKind::RenewDelegationToken(
            RenewDelegationTokenResponse::default()
                .with_error_code(code)
                .with_expiry_timestamp_ms(-1),
        ),
        RequestKind::ExpireDelegationToken(_) => ResponseKind::ExpireDelegationToken(
            ExpireDelegationTokenResponse::default()
                .with_error_code(code)
                .with_expiry_timestamp_ms(-1),
        ),
        _ => return None,
    })
}
