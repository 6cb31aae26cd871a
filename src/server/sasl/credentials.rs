//! The SCRAM credentials a SASL listener checks: the UserScramCredentialRecords and
//! DelegationTokenRecords of the controller's committed image, published by the controller
//! loop as a read-only view.
//!
//! A delegation token's SCRAM password is the base64 of its HMAC (HMAC-SHA512 of the token id
//! under `delegation.token.secret.key`), as Kafka's `DelegationTokenCache` derives it; its
//! credential is salted afresh for each exchange with the minimum iteration count, and the
//! session belongs to the token's owner.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use yakt_wire::{DelegationTokenRecord, UserScramCredentialRecord};

use super::scram::{ScramCredential, ScramHash, ScramLookup, MIN_ITERATIONS};
use crate::config::Password;
use crate::controller::delegation_tokens::token_hmac;

/// The credentials of the committed image.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialView {
    /// SCRAM credentials by `(user, mechanism type)`.
    pub scram: Arc<BTreeMap<(String, i8), UserScramCredentialRecord>>,
    /// Delegation tokens by id.
    pub tokens: Arc<BTreeMap<String, DelegationTokenRecord>>,
    /// `delegation.token.secret.key`: tokens authenticate only when it is set.
    pub token_secret: Option<Password>,
}

impl ScramLookup for CredentialView {
    fn user(&self, user: &str, hash: ScramHash) -> Option<ScramCredential> {
        let record = self.scram.get(&(user.to_owned(), hash.mechanism_type()))?;
        Some(ScramCredential {
            salt: record.salt.to_vec(),
            stored_key: record.stored_key.to_vec(),
            server_key: record.server_key.to_vec(),
            iterations: record.iterations,
        })
    }

    fn token(&self, token_id: &str, hash: ScramHash) -> Option<(ScramCredential, String, i64)> {
        let secret = self.token_secret.as_ref()?;
        let token = self.tokens.get(token_id)?;
        let password = BASE64.encode(token_hmac(secret.value(), token_id));
        let salt = super::random_bytes::<32>();
        let credential = hash.credential(password.as_bytes(), &salt, MIN_ITERATIONS);
        // The record keeps the owner as `User:<name>`; the session is that user's.
        let owner = token
            .owner
            .split_once(':')
            .map_or(token.owner.as_str(), |(_, name)| name);
        Some((credential, owner.to_owned(), token.expiration_timestamp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::sasl::scram::{ScramClient, ScramServer};

    fn view(secret: Option<&str>) -> CredentialView {
        let token = DelegationTokenRecord {
            owner: "User:alice".into(),
            token_id: "tok-1".into(),
            expiration_timestamp: 1_000,
            ..Default::default()
        };
        CredentialView {
            tokens: Arc::new([("tok-1".to_owned(), token)].into()),
            token_secret: secret.map(Password::new),
            ..CredentialView::default()
        }
    }

    fn authenticate(view: &CredentialView, password: &str) -> Option<(String, Option<i64>)> {
        let mut server = ScramServer::new(ScramHash::Sha512, "srv".into());
        let mut client = ScramClient::new(ScramHash::Sha512, "tok-1", password, "cli".into(), true);
        let (first, _) = server.evaluate(&client.first_message(), view).ok()?;
        let last = client.final_message(&first).ok()?;
        let (_, outcome) = server.evaluate(&last, view).ok()?;
        outcome.map(|o| (o.user, o.token_expiry_ms))
    }

    #[test]
    fn a_token_authenticates_its_owner_with_its_hmac() {
        let hmac = BASE64.encode(token_hmac("secret", "tok-1"));
        assert_eq!(
            authenticate(&view(Some("secret")), &hmac),
            Some(("alice".to_owned(), Some(1_000)))
        );
        assert_eq!(authenticate(&view(Some("secret")), "not-the-hmac"), None);
        // Without delegation.token.secret.key no token authenticates.
        assert_eq!(authenticate(&view(None), &hmac), None);
    }
}
