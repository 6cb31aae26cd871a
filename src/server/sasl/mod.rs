//! SASL on yakt's listeners and on its own connections to other controllers: PLAIN,
//! SCRAM-SHA-256 and SCRAM-SHA-512, framed as Kafka frames them (SaslHandshake, then
//! SaslAuthenticate, or raw tokens after SaslHandshake v0).
//!
//! - [`handshake`]: the server side of one connection, sans-IO.
//! - [`plain`], [`scram`]: the mechanisms, sans-IO.
//! - [`credentials`]: the committed image's SCRAM credentials and delegation tokens.
//! - [`client`]: the client side, for the raft and registration connections.
//!
//! This module also drives a connection's exchanges over its socket ([`SaslConnection`]):
//! the first one, and re-authentication (KIP-368) when the session has a lifetime.

pub mod client;
pub mod credentials;
pub mod handshake;
pub mod plain;
pub mod scram;

use std::sync::Arc;

use futures::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::FramedRead;

use super::api::{self, Services};
use super::frame::FrameCodec;
use crate::config::{SaslMechanism, SaslServerSettings};
use crate::controller::context::{KafkaPrincipal, RequestContext};
use bytes::BytesMut;
use handshake::{SaslServerHandshake, Session, Step};
use kafka_protocol::messages::ApiKey;

/// The largest frame read before authentication (Kafka's `sasl.server.max.receive.size`
/// default).
pub const SASL_MAX_RECEIVE_BYTES: i32 = 524_288;

/// Why a mechanism refused a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaslFailure {
    /// A failure whose details stay on the server (Kafka's `SaslException`): the client is
    /// told only that its credentials were invalid for the mechanism.
    Generic,
    /// A failure the client is told about in these words (Kafka's
    /// `SaslAuthenticationException`).
    Message(String),
}

impl SaslFailure {
    /// The error message a client receives, during authentication or re-authentication.
    pub fn message(&self, mechanism: SaslMechanism, reauthentication: bool) -> String {
        let during = if reauthentication {
            "re-authentication"
        } else {
            "authentication"
        };
        match self {
            SaslFailure::Generic => format!(
                "Authentication failed during {during} due to invalid credentials with SASL \
                 mechanism {mechanism}"
            ),
            SaslFailure::Message(message) => message.clone(),
        }
    }
}

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system has a random source");
    bytes
}

/// A fresh SCRAM nonce: 26 random alphanumeric characters (about 130 bits, as Kafka's
/// `secureRandomString`).
pub fn random_nonce() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    random_bytes::<26>()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// What the connection does with a frame read after authentication.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameCheck {
    /// Serve it as a request.
    Serve,
    /// A SaslHandshake from a client that can re-authenticate: run the exchange again.
    Reauthenticate,
    /// The session expired without re-authentication (Kafka closes the connection).
    Close(String),
}

/// A connection's SASL session: who authenticated, until when, and its re-authentication.
#[derive(Debug)]
pub struct SaslConnection {
    settings: Arc<SaslServerSettings>,
    session: Session,
}

impl SaslConnection {
    /// Runs the first SASL exchange of a connection; `None` once the connection must close
    /// (a failure, answered as Kafka answers it, or the peer went away).
    pub async fn authenticate<R, W>(
        frames: &mut FramedRead<R, FrameCodec>,
        writer: &mut W,
        settings: Arc<SaslServerSettings>,
        services: &Services,
        context: &RequestContext,
    ) -> Option<SaslConnection>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let handshake = SaslServerHandshake::new(Arc::clone(&settings));
        let session = exchange(handshake, None, frames, writer, services, context).await?;
        Some(SaslConnection { settings, session })
    }

    /// The authenticated principal.
    pub fn principal(&self) -> &KafkaPrincipal {
        &self.session.principal
    }

    /// Whether a frame read at `now_ms` is served, starts a re-authentication, or comes after
    /// the session expired.
    pub fn check(&self, frame: &[u8], now_ms: i64) -> FrameCheck {
        let handshake = frame.get(..2) == Some(&(ApiKey::SaslHandshake as i16).to_be_bytes()[..]);
        if handshake && self.session.supports_reauthentication {
            return FrameCheck::Reauthenticate;
        }
        match self.session.expires_at_ms {
            Some(at) if now_ms >= at => FrameCheck::Close(format!(
                "the SASL session of {} expired without re-authentication",
                self.session.principal
            )),
            _ => FrameCheck::Serve,
        }
    }

    /// Re-authenticates, `first` being the client's SaslHandshake; `false` if the connection
    /// must close.
    pub async fn reauthenticate<R, W>(
        &mut self,
        first: BytesMut,
        frames: &mut FramedRead<R, FrameCodec>,
        writer: &mut W,
        services: &Services,
        context: &RequestContext,
    ) -> bool
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let handshake =
            SaslServerHandshake::reauthenticate(Arc::clone(&self.settings), self.session.clone());
        match exchange(handshake, Some(first), frames, writer, services, context).await {
            Some(session) => {
                tracing::info!(
                    peer = %context.client_address,
                    principal = %session.principal,
                    "SASL re-authentication succeeded"
                );
                self.session = session;
                true
            }
            None => false,
        }
    }
}

/// Runs one SASL exchange over the socket (starting with `first` if already read): the
/// session, or `None` once the connection must close.
async fn exchange<R, W>(
    mut handshake: SaslServerHandshake,
    mut first: Option<BytesMut>,
    frames: &mut FramedRead<R, FrameCodec>,
    writer: &mut W,
    services: &Services,
    context: &RequestContext,
) -> Option<Session>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let peer = context.client_address;
    loop {
        let frame = match first.take() {
            Some(frame) => frame,
            None => match frames.next().await? {
                Ok(frame) => frame,
                Err(error) => {
                    tracing::info!(%peer, %error, "closing connection during SASL authentication");
                    return None;
                }
            },
        };
        let lookup = services
            .controller
            .as_ref()
            .map(|controller| controller.credentials())
            .unwrap_or_default();
        let reply = match handshake.on_frame(frame, &*lookup, crate::clock::now_ms()) {
            Step::ApiVersions(request) => {
                let answer = api::dispatch(
                    services,
                    context,
                    request.spec,
                    request.header,
                    request.body,
                );
                answer.await.ok()?
            }
            Step::Reply(reply) => reply,
            Step::Authenticated { reply, session } => {
                writer.write_all(&reply).await.ok()?;
                tracing::debug!(%peer, principal = %session.principal, "SASL authentication succeeded");
                return Some(session);
            }
            Step::Fail { reply, reason } => {
                tracing::info!(%peer, listener = %context.listener, %reason, "SASL authentication failed");
                if let Some(reply) = reply {
                    let _ = writer.write_all(&reply).await;
                    let _ = writer.flush().await;
                }
                return None;
            }
        };
        writer.write_all(&reply).await.ok()?;
    }
}
