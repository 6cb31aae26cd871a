//! Delegation tokens against Kafka's rules (`DelegationTokenControlManager`,
//! `ControllerApis.allowTokenRequests`): CreateDelegationToken, RenewDelegationToken,
//! ExpireDelegationToken, each error, the records they write, and the removal of expired
//! tokens by the active controller.

mod controller_support;

use controller_support::*;
use hmac::{Hmac, Mac};
use kafka_protocol::messages::create_delegation_token_request::CreatableRenewers;
use kafka_protocol::messages::{
    CreateDelegationTokenRequest, CreateDelegationTokenResponse, ExpireDelegationTokenRequest,
    RenewDelegationTokenRequest, RequestKind, ResponseKind,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::ResponseError;
use sha2::Sha512;
use yakt::config::Password;
use yakt::controller::context::{KafkaPrincipal, RequestContext};
use yakt::controller::delegation_tokens::{TokenExpiryTimer, MAX_RECORDS_PER_EXPIRATION};
use yakt::controller::ControllerSettings;
use yakt::server::controller_api::{compute, not_controller};
use yakt_wire::{DelegationTokenRecord, MetadataRecord, RemoveDelegationTokenRecord};

const SECRET: &str = "the secret key";
/// 3.6-IV2, the first metadata.version with delegation token records, and the one before it.
const MV_TOKENS: i16 = 14;
const MV_BEFORE_TOKENS: i16 = 13;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.into())
}

fn code(error: ResponseError) -> i16 {
    error.code()
}

fn settings(secret: Option<&str>) -> ControllerSettings {
    let mut settings = ControllerSettings::new(1, CLUSTER_ID);
    settings.delegation_tokens.secret_key = secret.map(Password::new);
    settings
}

fn harness(secret: Option<&str>, mv: i16) -> Harness {
    Harness::with_settings(mv, false, settings(secret))
}

fn alice() -> KafkaPrincipal {
    KafkaPrincipal::user("alice")
}

/// HMAC-SHA512 of the token id under the secret, computed here independently.
fn expected_hmac(secret: &str, token_id: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(token_id.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn create_request(renewers: &[(&str, &str)], max_lifetime_ms: i64) -> CreateDelegationTokenRequest {
    CreateDelegationTokenRequest::default()
        .with_renewers(
            renewers
                .iter()
                .map(|(kind, name)| {
                    CreatableRenewers::default()
                        .with_principal_type(s(kind))
                        .with_principal_name(s(name))
                })
                .collect(),
        )
        .with_max_lifetime_ms(max_lifetime_ms)
}

fn renew(hmac: &[u8], period_ms: i64) -> RenewDelegationTokenRequest {
    RenewDelegationTokenRequest::default()
        .with_hmac(hmac.to_vec().into())
        .with_renew_period_ms(period_ms)
}

fn expire(hmac: &[u8], period_ms: i64) -> ExpireDelegationTokenRequest {
    ExpireDelegationTokenRequest::default()
        .with_hmac(hmac.to_vec().into())
        .with_expiry_time_period_ms(period_ms)
}

/// Creates and commits a token owned by alice with renewer bob; returns the response.
fn create_committed(h: &mut Harness, max_lifetime_ms: i64) -> CreateDelegationTokenResponse {
    let now = h.now_ms;
    let result = h.controller.create_delegation_token(
        &alice(),
        &create_request(&[("User", "bob")], max_lifetime_ms),
        now,
    );
    assert_eq!(result.response.error_code, 0, "{:?}", result.response);
    h.commit(result)
}

fn token(h: &Harness, token_id: &str) -> DelegationTokenRecord {
    h.controller.image().delegation_tokens.tokens()[token_id].clone()
}

#[test]
fn without_a_secret_key_every_request_is_auth_disabled() {
    let mut h = harness(None, MV_TOKENS);
    let now = h.now_ms;
    let create = h
        .controller
        .create_delegation_token(&alice(), &create_request(&[], -1), now);
    assert!(create.records.is_empty());
    assert_eq!(
        create.response.error_code,
        code(ResponseError::DelegationTokenAuthDisabled)
    );
    assert_eq!(create.response.principal_name.as_str(), "alice");
    assert_eq!(
        create.response.token_requester_principal_name.as_str(),
        "alice"
    );
    assert_eq!(create.response.issue_timestamp_ms, 0);
    assert!(create.response.hmac.is_empty());
    let renewed = h
        .controller
        .renew_delegation_token(&alice(), &renew(b"x", 1), now);
    assert_eq!(
        renewed.response.error_code,
        code(ResponseError::DelegationTokenAuthDisabled)
    );
    let expired = h
        .controller
        .expire_delegation_token(&alice(), &expire(b"x", 1), now);
    assert_eq!(
        expired.response.error_code,
        code(ResponseError::DelegationTokenAuthDisabled)
    );
    assert!(renewed.records.is_empty() && expired.records.is_empty());
}

#[test]
fn below_3_6_iv2_every_request_is_unsupported_version() {
    let mut h = harness(Some(SECRET), MV_BEFORE_TOKENS);
    let now = h.now_ms;
    let unsupported = code(ResponseError::UnsupportedVersion);
    let create = h
        .controller
        .create_delegation_token(&alice(), &create_request(&[], -1), now);
    assert_eq!(create.response.error_code, unsupported);
    assert!(create.records.is_empty());
    let renewed = h
        .controller
        .renew_delegation_token(&alice(), &renew(b"x", 1), now);
    assert_eq!(renewed.response.error_code, unsupported);
    let expired = h
        .controller
        .expire_delegation_token(&alice(), &expire(b"x", 1), now);
    assert_eq!(expired.response.error_code, unsupported);
}

#[test]
fn create_writes_a_token_signed_with_the_secret_key() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let now = h.now_ms;
    let result = h.controller.create_delegation_token(
        &alice(),
        &create_request(&[("User", "bob"), ("User", "carol")], -1),
        now,
    );
    assert!(result.atomic);
    let response = &result.response;
    assert_eq!(response.error_code, 0);
    let token_id = response.token_id.to_string();
    assert_eq!(token_id.len(), 22, "a Uuid in base64: {token_id}");
    assert_eq!(response.hmac.to_vec(), expected_hmac(SECRET, &token_id));
    assert_eq!(
        (
            response.issue_timestamp_ms,
            response.expiry_timestamp_ms,
            response.max_timestamp_ms
        ),
        (now, now + DAY_MS, now + 7 * DAY_MS)
    );
    assert_eq!(response.principal_type.as_str(), "User");
    assert_eq!(response.principal_name.as_str(), "alice");
    let expected = DelegationTokenRecord {
        owner: "User:alice".into(),
        requester: "User:alice".into(),
        renewers: vec!["User:bob".into(), "User:carol".into()],
        issue_timestamp: now,
        max_timestamp: now + 7 * DAY_MS,
        expiration_timestamp: now + DAY_MS,
        token_id: token_id.clone(),
        ..Default::default()
    };
    assert_eq!(
        result.records,
        vec![(MetadataRecord::from(expected.clone()), 0)]
    );
    h.commit(result);
    assert_eq!(token(&h, &token_id), expected);
    // A second token gets another id.
    let second = create_committed(&mut h, -1);
    assert_ne!(second.token_id.to_string(), token_id);
}

#[test]
fn max_lifetime_is_the_smaller_of_the_request_and_the_setting() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let now = h.now_ms;
    // Shorter than the expiry time: the token expires at its maximum.
    let short = create_committed(&mut h, 60_000);
    assert_eq!(short.max_timestamp_ms, now + 60_000);
    assert_eq!(short.expiry_timestamp_ms, now + 60_000);
    // Longer than the setting, zero or -1: the setting.
    for requested in [30 * DAY_MS, 0, -1] {
        let response = create_committed(&mut h, requested);
        assert_eq!(response.max_timestamp_ms, now + 7 * DAY_MS, "{requested}");
        assert_eq!(response.expiry_timestamp_ms, now + DAY_MS, "{requested}");
    }
}

#[test]
fn create_for_another_owner_records_the_requester() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let now = h.now_ms;
    let request = create_request(&[], -1)
        .with_owner_principal_type(Some(s("User")))
        .with_owner_principal_name(Some(s("carol")));
    let result = h
        .controller
        .create_delegation_token(&alice(), &request, now);
    assert_eq!(result.response.principal_name.as_str(), "carol");
    assert_eq!(
        result.response.token_requester_principal_name.as_str(),
        "alice"
    );
    let response = h.commit(result);
    let record = token(&h, &response.token_id);
    assert_eq!(
        (record.owner.as_str(), record.requester.as_str()),
        ("User:carol", "User:alice")
    );
    // An empty owner name means the requester.
    let request = create_request(&[], -1).with_owner_principal_name(Some(s("")));
    let result = h
        .controller
        .create_delegation_token(&alice(), &request, now);
    assert_eq!(result.response.principal_name.as_str(), "alice");
}

#[test]
fn create_refuses_renewers_that_are_not_users() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let now = h.now_ms;
    let request = create_request(&[("User", "bob"), ("Group", "admins")], -1);
    let result = h
        .controller
        .create_delegation_token(&alice(), &request, now);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::InvalidPrincipalType)
    );
    assert!(result.records.is_empty());
    assert!(result.response.token_id.is_empty());
}

#[test]
fn create_with_an_owner_name_but_no_type_fails_as_java_does() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let now = h.now_ms;
    let request = create_request(&[], -1)
        .with_owner_principal_type(None)
        .with_owner_principal_name(Some(s("carol")));
    let result = h
        .controller
        .create_delegation_token(&alice(), &request, now);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::UnknownServerError)
    );
    assert_eq!(result.response.principal_name.as_str(), "ANONYMOUS");
    assert_eq!(result.response.max_timestamp_ms, -1);
    assert!(result.records.is_empty());
}

#[test]
fn renew_moves_the_expiry_for_the_owner_and_renewers_only() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let created = create_committed(&mut h, -1);
    let id = created.token_id.to_string();
    h.now_ms += 1_000;
    let now = h.now_ms;
    let bob = KafkaPrincipal::user("bob");
    let result = h
        .controller
        .renew_delegation_token(&bob, &renew(&created.hmac, 5_000), now);
    assert_eq!(result.response.error_code, 0);
    assert_eq!(result.response.expiry_timestamp_ms, now + 5_000);
    h.commit(result);
    let record = token(&h, &id);
    assert_eq!(record.expiration_timestamp, now + 5_000);
    assert_eq!(
        record.max_timestamp, created.max_timestamp_ms,
        "the maximum stays"
    );
    // No period, or one longer than the setting: the setting.
    let result = h
        .controller
        .renew_delegation_token(&alice(), &renew(&created.hmac, -1), now);
    assert_eq!(result.response.expiry_timestamp_ms, now + DAY_MS);
    let long = renew(&created.hmac, 3 * DAY_MS);
    let result = h.controller.renew_delegation_token(&alice(), &long, now);
    assert_eq!(result.response.expiry_timestamp_ms, now + DAY_MS);
    // Someone else.
    let mallory = KafkaPrincipal::user("mallory");
    let result = h
        .controller
        .renew_delegation_token(&mallory, &renew(&created.hmac, 1), now);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::DelegationTokenOwnerMismatch)
    );
    assert!(result.records.is_empty());
    // A principal of another type with the owner's name is someone else.
    let service = KafkaPrincipal {
        principal_type: "Service".into(),
        ..alice()
    };
    let result = h
        .controller
        .renew_delegation_token(&service, &renew(&created.hmac, 1), now);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::DelegationTokenOwnerMismatch)
    );
}

#[test]
fn renew_never_passes_the_maximum() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let created = create_committed(&mut h, 3 * DAY_MS / 2);
    h.now_ms += DAY_MS + 1;
    let now = h.now_ms;
    // The token expired a millisecond ago.
    let result = h
        .controller
        .renew_delegation_token(&alice(), &renew(&created.hmac, -1), now);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::DelegationTokenExpired)
    );
    h.now_ms -= 2;
    let now = h.now_ms;
    let result = h
        .controller
        .renew_delegation_token(&alice(), &renew(&created.hmac, -1), now);
    assert_eq!(
        result.response.expiry_timestamp_ms,
        created.max_timestamp_ms
    );
}

#[test]
fn unknown_hmacs_are_not_found() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let created = create_committed(&mut h, -1);
    let now = h.now_ms;
    let other_key = expected_hmac("another key", &created.token_id);
    let not_found = code(ResponseError::DelegationTokenNotFound);
    for hmac in [other_key.as_slice(), b"", &created.hmac[1..]] {
        let renewed = h
            .controller
            .renew_delegation_token(&alice(), &renew(hmac, 1), now);
        assert_eq!(renewed.response.error_code, not_found);
        let expired = h
            .controller
            .expire_delegation_token(&alice(), &expire(hmac, 1), now);
        assert_eq!(expired.response.error_code, not_found);
    }
}

#[test]
fn expire_with_a_negative_period_removes_the_token() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let created = create_committed(&mut h, -1);
    let now = h.now_ms;
    let bob = KafkaPrincipal::user("bob");
    let result = h
        .controller
        .expire_delegation_token(&bob, &expire(&created.hmac, -1), now);
    assert_eq!(result.response.error_code, 0);
    assert_eq!(result.response.expiry_timestamp_ms, now);
    let remove = RemoveDelegationTokenRecord {
        token_id: created.token_id.to_string(),
        ..Default::default()
    };
    assert_eq!(result.records, vec![(remove.into(), 0)]);
    h.commit(result);
    assert!(h.controller.image().delegation_tokens.tokens().is_empty());
    let again = h
        .controller
        .expire_delegation_token(&bob, &expire(&created.hmac, -1), now);
    assert_eq!(
        again.response.error_code,
        code(ResponseError::DelegationTokenNotFound)
    );
}

#[test]
fn expire_with_a_period_moves_the_expiry_up_to_the_maximum() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let created = create_committed(&mut h, -1);
    let now = h.now_ms;
    let result = h
        .controller
        .expire_delegation_token(&alice(), &expire(&created.hmac, 0), now);
    assert_eq!(result.response.expiry_timestamp_ms, now);
    let result =
        h.controller
            .expire_delegation_token(&alice(), &expire(&created.hmac, 30 * DAY_MS), now);
    assert_eq!(
        result.response.expiry_timestamp_ms,
        created.max_timestamp_ms
    );
    let result = h
        .controller
        .expire_delegation_token(&alice(), &expire(&created.hmac, 10), now);
    assert_eq!(result.response.expiry_timestamp_ms, now + 10);
    h.commit(result);
    assert_eq!(token(&h, &created.token_id).expiration_timestamp, now + 10);
    let mallory = KafkaPrincipal::user("mallory");
    let result = h
        .controller
        .expire_delegation_token(&mallory, &expire(&created.hmac, -1), now);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::DelegationTokenOwnerMismatch)
    );
    assert!(result.records.is_empty());
    // Once expired, only a negative period (removal) is accepted.
    h.now_ms += 11;
    let now = h.now_ms;
    let result = h
        .controller
        .expire_delegation_token(&alice(), &expire(&created.hmac, 5), now);
    assert_eq!(
        result.response.error_code,
        code(ResponseError::DelegationTokenExpired)
    );
    assert!(result.records.is_empty());
    let result = h
        .controller
        .expire_delegation_token(&alice(), &expire(&created.hmac, -1), now);
    assert_eq!(result.response.error_code, 0);
    assert_eq!(result.records.len(), 1);
}

#[test]
fn the_sweep_removes_tokens_past_their_expiry_or_maximum() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let short = create_committed(&mut h, 1_000); // expiry = max = now + 1s
    let long = create_committed(&mut h, -1);
    let now = h.now_ms;
    assert!(h
        .controller
        .sweep_expired_delegation_tokens(now + 1_000)
        .records
        .is_empty());
    let sweep = h.controller.sweep_expired_delegation_tokens(now + 1_001);
    assert!(!sweep.response);
    let remove = RemoveDelegationTokenRecord {
        token_id: short.token_id.to_string(),
        ..Default::default()
    };
    assert_eq!(sweep.records, vec![(remove.into(), 0)]);
    h.commit(sweep);
    let left: Vec<_> = h
        .controller
        .image()
        .delegation_tokens
        .tokens()
        .keys()
        .cloned()
        .collect();
    assert_eq!(left, vec![long.token_id.to_string()]);
    // A token whose maximum has passed goes even if its expiry says otherwise.
    let mut record = token(&h, &long.token_id);
    record.max_timestamp = now;
    h.replay(&[record.into()]);
    assert_eq!(
        h.controller
            .sweep_expired_delegation_tokens(now + 1)
            .records
            .len(),
        1
    );
}

#[test]
fn the_sweep_needs_a_secret_key() {
    let mut h = harness(None, MV_TOKENS);
    let record = DelegationTokenRecord {
        owner: "User:alice".into(),
        requester: "User:alice".into(),
        token_id: "written-by-another-controller".into(),
        ..Default::default()
    };
    h.replay(&[record.into()]);
    let now = h.now_ms;
    assert!(h
        .controller
        .sweep_expired_delegation_tokens(now)
        .records
        .is_empty());
}

#[test]
fn the_sweep_removes_at_most_a_thousand_tokens_and_comes_back_soon() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let records: Vec<MetadataRecord> = (0..MAX_RECORDS_PER_EXPIRATION + 5)
        .map(|i| {
            DelegationTokenRecord {
                owner: "User:alice".into(),
                requester: "User:alice".into(),
                max_timestamp: 10,
                expiration_timestamp: 10,
                token_id: format!("token-{i:05}"),
                ..Default::default()
            }
            .into()
        })
        .collect();
    h.replay(&records);
    let interval_ms = 3_600_000;
    let mut timer = TokenExpiryTimer::new(interval_ms, 0);
    assert!(
        timer.poll(&h.controller, interval_ms - 1).is_none(),
        "not due yet"
    );
    let first = timer.poll(&h.controller, interval_ms).expect("due");
    assert_eq!(first.records.len(), MAX_RECORDS_PER_EXPIRATION);
    assert_eq!(timer.deadline_ms(), interval_ms + 10, "again soon");
    h.commit(first);
    let second = timer
        .poll(&h.controller, interval_ms + 10)
        .expect("due again");
    assert_eq!(second.records.len(), 5);
    assert_eq!(
        timer.deadline_ms(),
        2 * interval_ms + 10,
        "then an interval later"
    );
    h.commit(second);
    assert!(h.controller.image().delegation_tokens.tokens().is_empty());
    assert!(
        timer.poll(&h.controller, 3 * interval_ms).is_none(),
        "nothing left"
    );
}

fn forwarded(principal: KafkaPrincipal) -> RequestContext {
    RequestContext::local()
        .forwarded(principal, &[10, 0, 0, 7])
        .unwrap()
}

fn computed(h: &mut Harness, context: &RequestContext, request: RequestKind) -> ResponseKind {
    let (offset, now) = (h.next_offset, h.now_ms);
    compute(&mut h.controller, context, request, 3, offset, now)
        .result
        .response
}

#[test]
fn only_forwarded_requests_of_principals_without_tokens_are_allowed() {
    let mut h = harness(Some(SECRET), MV_TOKENS);
    let not_allowed = code(ResponseError::DelegationTokenRequestNotAllowed);
    let request = create_request(&[], -1)
        .with_owner_principal_type(Some(s("User")))
        .with_owner_principal_name(Some(s("carol")));
    // A direct connection: PLAINTEXT, no one authenticated.
    let direct = RequestContext::local();
    let ResponseKind::CreateDelegationToken(response) = computed(
        &mut h,
        &direct,
        RequestKind::CreateDelegationToken(request.clone()),
    ) else {
        panic!("a CreateDelegationToken response");
    };
    assert_eq!(response.error_code, not_allowed);
    assert_eq!(response.principal_name.as_str(), "carol");
    assert_eq!(
        response.token_requester_principal_name.as_str(),
        "ANONYMOUS"
    );
    assert_eq!(response.expiry_timestamp_ms, -1);
    // A client that authenticated with a token.
    let mut token_alice = alice();
    token_alice.token_authenticated = true;
    let by_token = forwarded(token_alice);
    for request in [
        RequestKind::CreateDelegationToken(request.clone()),
        RequestKind::RenewDelegationToken(renew(b"x", 1)),
        RequestKind::ExpireDelegationToken(expire(b"x", 1)),
    ] {
        let (error_code, expiry) = match computed(&mut h, &by_token, request) {
            ResponseKind::CreateDelegationToken(r) => (r.error_code, r.expiry_timestamp_ms),
            ResponseKind::RenewDelegationToken(r) => (r.error_code, r.expiry_timestamp_ms),
            ResponseKind::ExpireDelegationToken(r) => (r.error_code, r.expiry_timestamp_ms),
            other => panic!("{other:?}"),
        };
        assert_eq!((error_code, expiry), (not_allowed, -1));
    }
    // Alice's client, forwarded by a broker.
    let ResponseKind::CreateDelegationToken(response) = computed(
        &mut h,
        &forwarded(alice()),
        RequestKind::CreateDelegationToken(request),
    ) else {
        panic!("a CreateDelegationToken response");
    };
    assert_eq!(response.error_code, 0);
    assert_eq!(response.token_requester_principal_name.as_str(), "alice");
}

#[test]
fn a_standby_answers_not_controller_as_kafka_does() {
    let request = RequestKind::CreateDelegationToken(create_request(&[], -1));
    let ResponseKind::CreateDelegationToken(response) = not_controller(&request) else {
        panic!("a CreateDelegationToken response");
    };
    assert_eq!(response.error_code, code(ResponseError::NotController));
    assert_eq!(response.principal_name.as_str(), "ANONYMOUS");
    assert_eq!(response.max_timestamp_ms, -1);
    let ResponseKind::RenewDelegationToken(response) =
        not_controller(&RequestKind::RenewDelegationToken(renew(b"x", 1)))
    else {
        panic!("a RenewDelegationToken response");
    };
    assert_eq!(response.error_code, code(ResponseError::NotController));
}

#[test]
fn direct_requests_are_allowed_over_sasl_and_two_way_ssl_only() {
    use yakt::config::SecurityProtocol;
    use yakt::controller::delegation_tokens::token_requests_allowed;
    let direct = |protocol, principal: KafkaPrincipal| {
        let mut context = RequestContext::local();
        context.security_protocol = protocol;
        context.principal = principal;
        context
    };
    let anonymous = KafkaPrincipal::anonymous;
    let cases = [
        (SecurityProtocol::Plaintext, anonymous(), false),
        (SecurityProtocol::Ssl, anonymous(), false),
        (
            SecurityProtocol::Ssl,
            KafkaPrincipal::user("CN=alice"),
            true,
        ),
        (SecurityProtocol::SaslPlaintext, alice(), true),
        (SecurityProtocol::SaslSsl, alice(), true),
    ];
    for (protocol, principal, allowed) in cases {
        let context = direct(protocol, principal.clone());
        assert_eq!(
            token_requests_allowed(&context),
            allowed,
            "{protocol:?} {principal}"
        );
        let mut by_token = context;
        by_token.principal.token_authenticated = true;
        assert!(!token_requests_allowed(&by_token), "{protocol:?} token");
    }
    // A forwarded request keeps the broker's connection's protocol and is allowed on it.
    assert!(token_requests_allowed(&forwarded(alice())));
}
