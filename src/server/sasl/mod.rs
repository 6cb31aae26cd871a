//! SASL on yakt's listeners and on its own connections to other controllers: PLAIN,
//! SCRAM-SHA-256 and SCRAM-SHA-512, framed as Kafka frames them (SaslHandshake, then
//! SaslAuthenticate, or raw tokens after SaslHandshake v0).
//!
//! - [`handshake`]: the server side of one connection, sans-IO.
//! - [`plain`], [`scram`]: the mechanisms, sans-IO.
//! - [`credentials`]: the committed image's SCRAM credentials and delegation tokens.
//! - [`client`]: the client side, for the raft and registration connections.
//!
//! This module also drives a connection's handshake over its socket ([`authenticate`]).

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
use handshake::{SaslServerHandshake, Step};

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
    /// The error message a client receives.
    pub fn message(&self, mechanism: SaslMechanism) -> String {
        match self {
            SaslFailure::Generic => format!(
                "Authentication failed during authentication due to invalid credentials with \
                 SASL mechanism {mechanism}"
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

/// Runs the SASL handshake of one connection; the authenticated principal, or `None` once the
/// connection must close (a failure, answered as Kafka answers it, or the peer went away).
pub async fn authenticate<R, W>(
    frames: &mut FramedRead<R, FrameCodec>,
    writer: &mut W,
    settings: Arc<SaslServerSettings>,
    services: &Services,
    context: &RequestContext,
) -> Option<KafkaPrincipal>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let peer = context.client_address;
    let mut handshake = SaslServerHandshake::new(settings);
    loop {
        let frame = match frames.next().await? {
            Ok(frame) => frame,
            Err(error) => {
                tracing::info!(%peer, %error, "closing connection during SASL authentication");
                return None;
            }
        };
        let lookup = services
            .controller
            .as_ref()
            .map(|controller| controller.credentials())
            .unwrap_or_default();
        let reply = match handshake.on_frame(frame, &*lookup) {
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
            Step::Authenticated { reply, principal } => {
                writer.write_all(&reply).await.ok()?;
                tracing::debug!(%peer, %principal, "SASL authentication succeeded");
                return Some(principal);
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
