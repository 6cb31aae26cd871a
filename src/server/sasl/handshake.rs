//! The server side of Kafka's SASL handshake on one connection, sans-IO, as Kafka's
//! `SaslServerAuthenticator` runs it: frames in, [`Step`]s out.
//!
//! Before authentication only ApiVersions (once, before the handshake) and SaslHandshake are
//! read; any other request closes the connection. SaslHandshake names a mechanism: one not
//! enabled is answered UNSUPPORTED_SASL_MECHANISM with the enabled list, and the connection
//! closes. From SaslHandshake v1 the SASL tokens travel in SaslAuthenticate requests; any other
//! request then is answered ILLEGAL_SASL_STATE where its shape allows and the connection closes.
//! After SaslHandshake v0 the tokens travel raw, size-prefixed. A failed exchange is answered
//! SASL_AUTHENTICATION_FAILED with Kafka's message and closes the connection; a finished one
//! hands over the principal `User:<name>`.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, RequestKind, ResponseKind, SaslAuthenticateResponse, SaslHandshakeResponse,
};
use kafka_protocol::protocol::StrBytes;

use super::scram::{ScramHash, ScramLookup, ScramServer};
use super::{plain, random_nonce, SaslFailure};
use crate::config::{SaslMechanism, SaslServerSettings};
use crate::controller::context::KafkaPrincipal;
use crate::server::api::encode_response;
use crate::server::connection::{parse_request, Parsed, ParsedRequest};

/// Kafka's error code for a mechanism the listener does not enable.
pub const UNSUPPORTED_SASL_MECHANISM: i16 = 33;
/// Kafka's error code for a request out of the SASL sequence.
pub const ILLEGAL_SASL_STATE: i16 = 34;
/// Kafka's error code for failed credentials.
pub const SASL_AUTHENTICATION_FAILED: i16 = 58;

/// What the connection does next.
#[derive(Debug)]
pub enum Step {
    /// Answer this ApiVersions request as usual (with the controller's features) and go on.
    ApiVersions(Box<ParsedRequest>),
    /// Send this frame and go on.
    Reply(Bytes),
    /// Send this frame, then serve requests as the session's principal.
    Authenticated {
        /// The last SASL answer.
        reply: Bytes,
        /// Who authenticated, and for how long.
        session: Session,
    },
    /// Send the frame if any, then close: the reason is for the log.
    Fail {
        /// The failure answer.
        reply: Option<Bytes>,
        /// Why.
        reason: String,
    },
}

/// An authenticated SASL session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who authenticated.
    pub principal: KafkaPrincipal,
    /// With which mechanism.
    pub mechanism: SaslMechanism,
    /// When the session ends unless the client re-authenticates (Kafka's session
    /// expiration): set by `connections.max.reauth.ms` or a delegation token's expiry.
    pub expires_at_ms: Option<i64>,
    /// Whether the client sent SaslAuthenticate v1 or later, so may re-authenticate.
    pub supports_reauthentication: bool,
}

#[derive(Debug)]
enum State {
    /// Nothing read yet, or only an ApiVersions at a version not served.
    HandshakeOrVersions,
    /// ApiVersions answered; SaslHandshake next.
    Handshake,
    /// Exchanging tokens for `mechanism`.
    Authenticate {
        mechanism: SaslMechanism,
        scram: Option<Box<ScramServer>>,
        kafka_headers: bool,
    },
    /// Re-authentication asked for another mechanism: the next token fails with this.
    BadMechanism(String),
    /// Finished or failed: no more frames are read.
    Done,
}

/// One connection's SASL handshake.
#[derive(Debug)]
pub struct SaslServerHandshake {
    settings: std::sync::Arc<SaslServerSettings>,
    state: State,
    /// Re-authenticating this session.
    previous: Option<Session>,
    supports_reauthentication: bool,
    now_ms: i64,
}

impl SaslServerHandshake {
    /// A handshake on a listener with these settings.
    pub fn new(settings: std::sync::Arc<SaslServerSettings>) -> Self {
        SaslServerHandshake {
            settings,
            state: State::HandshakeOrVersions,
            previous: None,
            supports_reauthentication: false,
            now_ms: 0,
        }
    }

    /// A re-authentication of `previous` (KIP-368): SaslHandshake first, no ApiVersions, the
    /// same mechanism and the same principal.
    pub fn reauthenticate(settings: std::sync::Arc<SaslServerSettings>, previous: Session) -> Self {
        SaslServerHandshake {
            settings,
            state: State::Handshake,
            supports_reauthentication: previous.supports_reauthentication,
            previous: Some(previous),
            now_ms: 0,
        }
    }

    fn failure_message(&self, failure: &SaslFailure, mechanism: SaslMechanism) -> String {
        failure.message(mechanism, self.previous.is_some())
    }

    /// Reads one frame (after its size prefix) at `now_ms`; SCRAM credentials come from
    /// `lookup`.
    pub fn on_frame(&mut self, frame: BytesMut, lookup: &dyn ScramLookup, now_ms: i64) -> Step {
        self.now_ms = now_ms;
        match std::mem::replace(&mut self.state, State::Done) {
            State::HandshakeOrVersions => self.on_handshake_frame(frame, true),
            State::Handshake => self.on_handshake_frame(frame, false),
            State::Authenticate {
                mechanism,
                scram,
                kafka_headers,
            } => self.on_token_frame(frame, mechanism, scram, kafka_headers, lookup),
            State::BadMechanism(message) => fail(None, message),
            State::Done => fail(None, "a frame after the SASL exchange ended".into()),
        }
    }

    fn on_handshake_frame(&mut self, frame: BytesMut, versions_allowed: bool) -> Step {
        let key = api_key(&frame);
        if !matches!(key, Some(ApiKey::ApiVersions | ApiKey::SaslHandshake)) {
            return fail(
                None,
                format!(
                    "Unexpected Kafka request of type {} during SASL handshake.",
                    key.map_or("UNKNOWN".into(), |k| format!("{k:?}"))
                ),
            );
        }
        let request = match parse_request(frame) {
            Ok(Parsed::Request(request)) => request,
            Ok(Parsed::Reply(reply)) => {
                // ApiVersions at a version not served: the client may ask again.
                self.state = State::HandshakeOrVersions;
                return Step::Reply(reply);
            }
            Err(error) => return fail(None, error.to_string()),
        };
        match request.body {
            RequestKind::ApiVersions(_) if versions_allowed => {
                self.state = State::Handshake;
                Step::ApiVersions(request)
            }
            RequestKind::ApiVersions(_) => fail(
                None,
                "Unexpected ApiVersions request received during SASL authentication state \
                 HANDSHAKE_REQUEST"
                    .into(),
            ),
            RequestKind::SaslHandshake(ref handshake) => {
                let asked = handshake.mechanism.to_string();
                let version = request.header.request_api_version;
                let correlation_id = request.header.correlation_id;
                self.on_handshake(&asked, version, correlation_id)
            }
            _ => fail(None, "not a handshake request".into()),
        }
    }

    fn on_handshake(&mut self, asked: &str, version: i16, correlation_id: i32) -> Step {
        let enabled: Vec<StrBytes> = self
            .settings
            .enabled_mechanisms
            .iter()
            .map(|m| StrBytes::from_static_str(m.name()))
            .collect();
        let mechanism = SaslMechanism::from_name(asked)
            .filter(|m| self.settings.enabled_mechanisms.contains(m));
        let Some(mechanism) = mechanism else {
            let body = SaslHandshakeResponse::default()
                .with_error_code(UNSUPPORTED_SASL_MECHANISM)
                .with_mechanisms(enabled);
            return fail(
                encode_response(correlation_id, version, &body).ok(),
                format!("Unsupported SASL mechanism {asked}"),
            );
        };
        let body = SaslHandshakeResponse::default().with_mechanisms(enabled);
        let Ok(reply) = encode_response(correlation_id, version, &body) else {
            return fail(None, "cannot encode SaslHandshake".into());
        };
        let hash = match mechanism {
            SaslMechanism::Plain => None,
            SaslMechanism::ScramSha256 => Some(ScramHash::Sha256),
            SaslMechanism::ScramSha512 => Some(ScramHash::Sha512),
        };
        let scram = hash.map(|hash| Box::new(ScramServer::new(hash, random_nonce())));
        if let Some(previous) = self.previous.as_ref().filter(|p| p.mechanism != mechanism) {
            self.state = State::BadMechanism(format!(
                "SASL mechanism '{mechanism}' requested by client is not supported for \
                 re-authentication of mechanism '{}'",
                previous.mechanism
            ));
            return Step::Reply(reply);
        }
        self.state = State::Authenticate {
            mechanism,
            scram,
            kafka_headers: version >= 1,
        };
        Step::Reply(reply)
    }

    fn on_token_frame(
        &mut self,
        frame: BytesMut,
        mechanism: SaslMechanism,
        mut scram: Option<Box<ScramServer>>,
        kafka_headers: bool,
        lookup: &dyn ScramLookup,
    ) -> Step {
        if !kafka_headers {
            // SaslHandshake v0: raw tokens, each answered size-prefixed; a failure just closes.
            return match evaluate(
                mechanism,
                scram.as_deref_mut(),
                &frame,
                &self.settings,
                lookup,
            ) {
                Ok((token, None)) => {
                    self.state = State::Authenticate {
                        mechanism,
                        scram,
                        kafka_headers,
                    };
                    Step::Reply(size_prefixed(&token))
                }
                Ok((token, Some(done))) => match self.finish(mechanism, done) {
                    Ok(session) => Step::Authenticated {
                        reply: size_prefixed(&token),
                        session,
                    },
                    Err(failure) => fail(None, self.failure_message(&failure, mechanism)),
                },
                Err(failure) => fail(None, self.failure_message(&failure, mechanism)),
            };
        }
        let key = api_key(&frame);
        let request = match parse_request(frame) {
            Ok(Parsed::Request(request)) => request,
            Ok(Parsed::Reply(_)) | Err(_) => {
                return fail(None, format!("unreadable request {key:?} during SASL"))
            }
        };
        let version = request.header.request_api_version;
        let correlation_id = request.header.correlation_id;
        let RequestKind::SaslAuthenticate(authenticate) = request.body else {
            return fail(
                illegal_state_reply(&request.body, correlation_id, version),
                format!(
                    "Unexpected Kafka request of type {:?} during SASL authentication.",
                    request.spec.key
                ),
            );
        };
        let reply = |response: &SaslAuthenticateResponse| {
            encode_response(correlation_id, version, response).ok()
        };
        self.supports_reauthentication |= version > 0;
        let evaluated = evaluate(
            mechanism,
            scram.as_deref_mut(),
            &authenticate.auth_bytes,
            &self.settings,
            lookup,
        )
        .and_then(|(token, done)| match done {
            Some(done) => Ok((token, Some(self.finish(mechanism, done)?))),
            None => Ok((token, None)),
        });
        match evaluated {
            Ok((token, outcome)) => {
                let lifetime_ms = outcome
                    .as_ref()
                    .and_then(|s| s.expires_at_ms)
                    .map_or(0, |at| (at - self.now_ms).max(0));
                let response = SaslAuthenticateResponse::default()
                    .with_auth_bytes(token.into())
                    .with_session_lifetime_ms(lifetime_ms);
                let Some(frame) = reply(&response) else {
                    return fail(None, "cannot encode SaslAuthenticate".into());
                };
                match outcome {
                    Some(session) => Step::Authenticated {
                        reply: frame,
                        session,
                    },
                    None => {
                        self.state = State::Authenticate {
                            mechanism,
                            scram,
                            kafka_headers,
                        };
                        Step::Reply(frame)
                    }
                }
            }
            Err(failure) => {
                let message = self.failure_message(&failure, mechanism);
                let response = SaslAuthenticateResponse::default()
                    .with_error_code(SASL_AUTHENTICATION_FAILED)
                    .with_error_message(Some(StrBytes::from_string(message.clone())));
                fail(reply(&response), message)
            }
        }
    }
}

impl SaslServerHandshake {
    /// The session a completed exchange opens: its lifetime as Kafka computes it (the
    /// earlier of the credential's expiry and `connections.max.reauth.ms`), and on
    /// re-authentication the rule that the principal may not change.
    fn finish(
        &self,
        mechanism: SaslMechanism,
        (principal, credential_expiry_ms): (KafkaPrincipal, Option<i64>),
    ) -> Result<Session, SaslFailure> {
        if let Some(previous) = &self.previous {
            if previous.principal != principal {
                return Err(SaslFailure::Message(format!(
                    "Cannot change principals during re-authentication from {}.{}: {}.{}",
                    previous.principal.principal_type,
                    previous.principal.name,
                    principal.principal_type,
                    principal.name
                )));
            }
        }
        let max_reauth_ms = self
            .settings
            .max_reauth_ms
            .get(&mechanism)
            .copied()
            .filter(|ms| *ms > 0);
        let lifetime_ms = match (credential_expiry_ms, max_reauth_ms) {
            (None, None) => None,
            (None, Some(max)) => Some(max),
            (Some(expiry), None) => Some((expiry - self.now_ms).max(0)),
            (Some(expiry), Some(max)) => Some((expiry - self.now_ms).min(max).max(0)),
        };
        Ok(Session {
            principal,
            mechanism,
            expires_at_ms: lifetime_ms.map(|ms| self.now_ms.saturating_add(ms)),
            supports_reauthentication: self.supports_reauthentication,
        })
    }
}

/// A completed exchange: the principal and the credential's expiry (a delegation token's).
type Completed = (KafkaPrincipal, Option<i64>);

/// Runs one token through the mechanism: the answer, and once complete the principal and the
/// credential's expiry (a delegation token's).
fn evaluate(
    mechanism: SaslMechanism,
    scram: Option<&mut ScramServer>,
    token: &[u8],
    settings: &SaslServerSettings,
    lookup: &dyn ScramLookup,
) -> Result<(Vec<u8>, Option<Completed>), SaslFailure> {
    match (mechanism, scram) {
        (SaslMechanism::Plain, _) => {
            let user = plain::authenticate(token, &settings.plain_users)?;
            Ok((Vec::new(), Some((KafkaPrincipal::user(&user), None))))
        }
        (_, Some(scram)) => {
            let (answer, outcome) = scram.evaluate(token, lookup)?;
            let done = outcome.map(|outcome| {
                let mut principal = KafkaPrincipal::user(&outcome.user);
                principal.token_authenticated = outcome.token_expiry_ms.is_some();
                (principal, outcome.token_expiry_ms)
            });
            Ok((answer, done))
        }
        (_, None) => Err(SaslFailure::Generic),
    }
}

fn fail(reply: Option<Bytes>, reason: String) -> Step {
    Step::Fail { reply, reason }
}

fn api_key(frame: &[u8]) -> Option<ApiKey> {
    let bytes: [u8; 2] = frame.get(..2)?.try_into().ok()?;
    ApiKey::try_from(i16::from_be_bytes(bytes)).ok()
}

fn size_prefixed(token: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(4 + token.len());
    out.extend_from_slice(&(token.len() as i32).to_be_bytes());
    out.extend_from_slice(token);
    out.freeze()
}

/// ILLEGAL_SASL_STATE in the shape of the request that came out of order, for the shapes a
/// client sends during SASL.
fn illegal_state_reply(body: &RequestKind, correlation_id: i32, version: i16) -> Option<Bytes> {
    match body {
        RequestKind::SaslHandshake(_) => {
            let body = SaslHandshakeResponse::default().with_error_code(ILLEGAL_SASL_STATE);
            encode_response(correlation_id, version, &body).ok()
        }
        RequestKind::ApiVersions(_) => {
            let body = crate::server::api::api_versions_body(ILLEGAL_SASL_STATE);
            encode_response(correlation_id, version, &body).ok()
        }
        _ => None,
    }
}

/// What a controller answers SaslHandshake and SaslAuthenticate with once the connection is
/// authenticated, or on a listener without SASL (Kafka's `ControllerApis`): ILLEGAL_SASL_STATE.
pub fn illegal_state_response(request: &RequestKind) -> Option<ResponseKind> {
    match request {
        RequestKind::SaslHandshake(_) => Some(ResponseKind::SaslHandshake(
            SaslHandshakeResponse::default().with_error_code(ILLEGAL_SASL_STATE),
        )),
        RequestKind::SaslAuthenticate(_) => Some(ResponseKind::SaslAuthenticate(
            SaslAuthenticateResponse::default()
                .with_error_code(ILLEGAL_SASL_STATE)
                .with_error_message(Some(StrBytes::from_static_str(
                    "SaslAuthenticate request received after successful authentication",
                ))),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use bytes::Buf;
    use kafka_protocol::messages::{
        ApiVersionsRequest, MetadataRequest, RequestHeader, ResponseHeader,
        SaslAuthenticateRequest, SaslHandshakeRequest,
    };
    use kafka_protocol::protocol::{Decodable, Encodable};

    use super::*;
    use crate::config::Password;
    use crate::server::sasl::scram::{ScramClient, ScramCredential};

    struct NoCredentials;

    impl ScramLookup for NoCredentials {
        fn user(&self, user: &str, hash: ScramHash) -> Option<ScramCredential> {
            (user == "carol").then(|| hash.credential(b"carol-pw", b"salt", 4096))
        }
        fn token(&self, _: &str, _: ScramHash) -> Option<(ScramCredential, String, i64)> {
            None
        }
    }

    fn handshake(mechanisms: &[SaslMechanism]) -> SaslServerHandshake {
        SaslServerHandshake::new(Arc::new(SaslServerSettings {
            enabled_mechanisms: mechanisms.to_vec(),
            plain_users: BTreeMap::from([
                ("admin".to_owned(), Password::new("admin-secret")),
                ("bob".to_owned(), Password::new("bob-secret")),
            ]),
            max_reauth_ms: mechanisms.iter().map(|m| (*m, 60_000)).collect(),
        }))
    }

    fn frame<R: Encodable>(key: ApiKey, version: i16, body: &R) -> BytesMut {
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(7);
        let mut out = BytesMut::new();
        header
            .encode(&mut out, key.request_header_version(version))
            .unwrap();
        body.encode(&mut out, version).unwrap();
        out
    }

    fn handshake_frame(mechanism: &str, version: i16) -> BytesMut {
        let body = SaslHandshakeRequest::default()
            .with_mechanism(StrBytes::from_string(mechanism.to_owned()));
        frame(ApiKey::SaslHandshake, version, &body)
    }

    fn authenticate_frame(token: &[u8], version: i16) -> BytesMut {
        let body =
            SaslAuthenticateRequest::default().with_auth_bytes(Bytes::copy_from_slice(token));
        frame(ApiKey::SaslAuthenticate, version, &body)
    }

    fn decode<R: Decodable>(reply: &Bytes, key: ApiKey, version: i16) -> R {
        let mut bytes = reply.slice(4..);
        ResponseHeader::decode(&mut bytes, key.response_header_version(version)).unwrap();
        let body = R::decode(&mut bytes, version).unwrap();
        assert!(!bytes.has_remaining());
        body
    }

    fn names(mechanisms: &[StrBytes]) -> Vec<&str> {
        mechanisms.iter().map(|m| m.as_str()).collect()
    }

    fn reply(step: Step) -> Bytes {
        match step {
            Step::Reply(reply) => reply,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn plain_after_api_versions() {
        let mut server = handshake(&[SaslMechanism::ScramSha512, SaslMechanism::Plain]);
        let versions = frame(ApiKey::ApiVersions, 3, &ApiVersionsRequest::default());
        assert!(matches!(
            server.on_frame(versions, &NoCredentials, 0),
            Step::ApiVersions(_)
        ));
        let answer = reply(server.on_frame(handshake_frame("PLAIN", 1), &NoCredentials, 0));
        let answer: SaslHandshakeResponse = decode(&answer, ApiKey::SaslHandshake, 1);
        assert_eq!(answer.error_code, 0);
        assert_eq!(names(&answer.mechanisms), ["SCRAM-SHA-512", "PLAIN"]);
        let token = plain::client_message("admin", "admin-secret");
        match server.on_frame(authenticate_frame(&token, 2), &NoCredentials, 0) {
            Step::Authenticated { reply, session } => {
                assert_eq!(session.principal, KafkaPrincipal::user("admin"));
                let body: SaslAuthenticateResponse = decode(&reply, ApiKey::SaslAuthenticate, 2);
                assert_eq!((body.error_code, body.session_lifetime_ms), (0, 60_000));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_password_is_sasl_authentication_failed() {
        let mut server = handshake(&[SaslMechanism::Plain]);
        reply(server.on_frame(handshake_frame("PLAIN", 1), &NoCredentials, 0));
        let token = plain::client_message("admin", "nope");
        let Step::Fail {
            reply: Some(reply), ..
        } = server.on_frame(authenticate_frame(&token, 1), &NoCredentials, 0)
        else {
            panic!("expected a failure answer");
        };
        let body: SaslAuthenticateResponse = decode(&reply, ApiKey::SaslAuthenticate, 1);
        assert_eq!(body.error_code, SASL_AUTHENTICATION_FAILED);
        assert_eq!(
            body.error_message.as_deref(),
            Some("Authentication failed: Invalid username or password")
        );
    }

    #[test]
    fn scram_failure_message_is_generic() {
        let mut server = handshake(&[SaslMechanism::ScramSha256]);
        reply(server.on_frame(handshake_frame("SCRAM-SHA-256", 1), &NoCredentials, 0));
        let client = ScramClient::new(ScramHash::Sha256, "mallory", "x", "n".into(), false);
        let Step::Fail {
            reply: Some(reply), ..
        } = server.on_frame(
            authenticate_frame(&client.first_message(), 2),
            &NoCredentials,
            0,
        )
        else {
            panic!("expected a failure answer");
        };
        let body: SaslAuthenticateResponse = decode(&reply, ApiKey::SaslAuthenticate, 2);
        assert_eq!(
            body.error_message.as_deref(),
            Some(
                "Authentication failed during authentication due to invalid credentials with \
                 SASL mechanism SCRAM-SHA-256"
            )
        );
    }

    #[test]
    fn scram_with_raw_tokens_after_handshake_v0() {
        let mut server = handshake(&[SaslMechanism::ScramSha256]);
        reply(server.on_frame(handshake_frame("SCRAM-SHA-256", 0), &NoCredentials, 0));
        let mut client =
            ScramClient::new(ScramHash::Sha256, "carol", "carol-pw", "n".into(), false);
        let first = reply(server.on_frame(
            BytesMut::from(&client.first_message()[..]),
            &NoCredentials,
            0,
        ));
        let last = client.final_message(&first[4..]).unwrap();
        match server.on_frame(BytesMut::from(&last[..]), &NoCredentials, 0) {
            Step::Authenticated { reply, session } => {
                client.verify_final(&reply[4..]).unwrap();
                assert_eq!(session.principal, KafkaPrincipal::user("carol"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unsupported_mechanism_lists_the_enabled_ones_and_closes() {
        let mut server = handshake(&[SaslMechanism::Plain]);
        let Step::Fail {
            reply: Some(reply),
            reason,
        } = server.on_frame(handshake_frame("SCRAM-SHA-256", 1), &NoCredentials, 0)
        else {
            panic!("expected a failure");
        };
        assert_eq!(reason, "Unsupported SASL mechanism SCRAM-SHA-256");
        let body: SaslHandshakeResponse = decode(&reply, ApiKey::SaslHandshake, 1);
        assert_eq!(body.error_code, UNSUPPORTED_SASL_MECHANISM);
        assert_eq!(names(&body.mechanisms), ["PLAIN"]);
    }

    /// PLAIN as `user` at `now_ms` on `server`, after its handshake (no ApiVersions).
    fn plain_exchange(server: &mut SaslServerHandshake, user: &str, now_ms: i64) -> Step {
        reply(server.on_frame(handshake_frame("PLAIN", 1), &NoCredentials, now_ms));
        let token = plain::client_message(user, &format!("{user}-secret"));
        server.on_frame(authenticate_frame(&token, 2), &NoCredentials, now_ms)
    }

    #[test]
    fn sessions_last_connections_max_reauth_ms_and_keep_their_principal() {
        let mut server = handshake(&[SaslMechanism::Plain, SaslMechanism::ScramSha256]);
        let Step::Authenticated {
            reply: answer,
            session,
        } = plain_exchange(&mut server, "admin", 1_000)
        else {
            panic!("admin authenticates");
        };
        let body: SaslAuthenticateResponse = decode(&answer, ApiKey::SaslAuthenticate, 2);
        assert_eq!(body.session_lifetime_ms, 60_000);
        assert_eq!(session.expires_at_ms, Some(61_000));
        assert!(session.supports_reauthentication);
        let settings = Arc::clone(&server.settings);

        // The same user again: a new session.
        let mut again = SaslServerHandshake::reauthenticate(Arc::clone(&settings), session.clone());
        let Step::Authenticated {
            session: renewed, ..
        } = plain_exchange(&mut again, "admin", 50_000)
        else {
            panic!("admin re-authenticates");
        };
        assert_eq!(renewed.expires_at_ms, Some(110_000));

        // Another user: Kafka's refusal.
        let mut other = SaslServerHandshake::reauthenticate(Arc::clone(&settings), session.clone());
        let Step::Fail {
            reply: Some(refusal),
            ..
        } = plain_exchange(&mut other, "bob", 50_000)
        else {
            panic!("bob may not take over admin's connection");
        };
        let body: SaslAuthenticateResponse = decode(&refusal, ApiKey::SaslAuthenticate, 2);
        assert_eq!(
            body.error_message.as_deref(),
            Some("Cannot change principals during re-authentication from User.admin: User.bob")
        );

        // Another mechanism: the handshake is answered, the first token refused.
        let mut scram = SaslServerHandshake::reauthenticate(settings, session);
        reply(scram.on_frame(handshake_frame("SCRAM-SHA-256", 1), &NoCredentials, 0));
        let Step::Fail { reason, .. } =
            scram.on_frame(authenticate_frame(b"n,,n=admin,r=x", 2), &NoCredentials, 0)
        else {
            panic!("a changed mechanism fails");
        };
        assert_eq!(
            reason,
            "SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for \
             re-authentication of mechanism 'PLAIN'"
        );
    }

    #[test]
    fn requests_out_of_sequence_close_the_connection() {
        // Before the handshake: anything but ApiVersions and SaslHandshake closes, unanswered.
        let mut server = handshake(&[SaslMechanism::Plain]);
        let metadata = frame(ApiKey::Metadata, 12, &MetadataRequest::default());
        assert!(matches!(
            server.on_frame(metadata, &NoCredentials, 0),
            Step::Fail { reply: None, .. }
        ));
        // A second ApiVersions closes.
        let mut server = handshake(&[SaslMechanism::Plain]);
        let versions = || frame(ApiKey::ApiVersions, 3, &ApiVersionsRequest::default());
        assert!(matches!(
            server.on_frame(versions(), &NoCredentials, 0),
            Step::ApiVersions(_)
        ));
        assert!(matches!(
            server.on_frame(versions(), &NoCredentials, 0),
            Step::Fail { reply: None, .. }
        ));
        // During the exchange, a second SaslHandshake is answered ILLEGAL_SASL_STATE.
        let mut server = handshake(&[SaslMechanism::Plain]);
        reply(server.on_frame(handshake_frame("PLAIN", 1), &NoCredentials, 0));
        let Step::Fail {
            reply: Some(reply), ..
        } = server.on_frame(handshake_frame("PLAIN", 1), &NoCredentials, 0)
        else {
            panic!("expected ILLEGAL_SASL_STATE");
        };
        let body: SaslHandshakeResponse = decode(&reply, ApiKey::SaslHandshake, 1);
        assert_eq!(body.error_code, ILLEGAL_SASL_STATE);
        // Garbage first frame closes.
        let mut server = handshake(&[SaslMechanism::Plain]);
        assert!(matches!(
            server.on_frame(BytesMut::from(&b"GET / HTTP/1.1"[..]), &NoCredentials, 0),
            Step::Fail { reply: None, .. }
        ));
    }
}

#[cfg(test)]
mod after_authentication {
    use kafka_protocol::messages::{SaslAuthenticateRequest, SaslHandshakeRequest};

    use super::*;

    #[test]
    fn sasl_requests_outside_a_handshake_are_illegal_state() {
        let handshake = RequestKind::SaslHandshake(SaslHandshakeRequest::default());
        let Some(ResponseKind::SaslHandshake(answer)) = illegal_state_response(&handshake) else {
            panic!("no SaslHandshake answer");
        };
        assert_eq!(answer.error_code, ILLEGAL_SASL_STATE);
        let authenticate = RequestKind::SaslAuthenticate(SaslAuthenticateRequest::default());
        let Some(ResponseKind::SaslAuthenticate(answer)) = illegal_state_response(&authenticate)
        else {
            panic!("no SaslAuthenticate answer");
        };
        assert_eq!(answer.error_code, ILLEGAL_SASL_STATE);
        assert_eq!(
            answer.error_message.as_deref(),
            Some("SaslAuthenticate request received after successful authentication")
        );
    }
}
