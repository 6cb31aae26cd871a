//! One client connection: frames in, responses out, in request order.
//!
//! Owns the per-connection rules Kafka follows: parse the request header (v1 or v2 by the API's
//! flexible versions), refuse what cannot be served by closing this connection only (unknown
//! API, bad header, unsupported version, unparseable body), answer ApiVersions at an unknown
//! version with UNSUPPORTED_VERSION, and write responses in the order requests arrived even
//! when handlers finish out of order. On shutdown it stops reading, finishes the requests it
//! already has, and closes.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use futures::stream::{FuturesOrdered, StreamExt};
use kafka_protocol::messages::{ApiKey, RequestHeader, RequestKind};
use kafka_protocol::protocol::Decodable;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::config::SecurityProtocol;

use super::api::{self, ApiSpec, Services};
use super::frame::FrameCodec;
use super::sasl::{FrameCheck, SaslConnection};
use crate::controller::context::RequestContext;

/// The read buffer a connection starts with; it grows to the largest frame read. Most
/// requests are small, and an idle connection then holds 1 KiB instead of tokio-util's 8 KiB.
const INITIAL_READ_BUFFER_BYTES: usize = 1024;

/// Requests one connection may have in flight before yakt stops reading from it.
const MAX_IN_FLIGHT_REQUESTS: usize = 32;

/// How a listener's connections authenticate (PLAINTEXT when empty).
#[derive(Debug, Clone, Default)]
pub struct ConnectionSecurity {
    /// SASL_PLAINTEXT and SASL_SSL: the mechanisms and PLAIN users.
    pub sasl: Option<Arc<crate::config::SaslServerSettings>>,
    /// SSL and SASL_SSL: the TLS configuration.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl ConnectionSecurity {
    /// The listener's security protocol.
    pub fn protocol(&self) -> SecurityProtocol {
        match (self.tls.is_some(), self.sasl.is_some()) {
            (false, false) => SecurityProtocol::Plaintext,
            (true, false) => SecurityProtocol::Ssl,
            (false, true) => SecurityProtocol::SaslPlaintext,
            (true, true) => SecurityProtocol::SaslSsl,
        }
    }
}

/// A request that parsed and that this node serves.
#[derive(Debug)]
pub struct ParsedRequest {
    /// The API's row in the table.
    pub spec: &'static ApiSpec,
    /// The request header.
    pub header: RequestHeader,
    /// The decoded body.
    pub body: RequestKind,
}

/// What to do with one frame.
#[derive(Debug)]
pub enum Parsed {
    /// Dispatch it.
    Request(Box<ParsedRequest>),
    /// Answer at once with this frame (ApiVersions at an unsupported version).
    Reply(Bytes),
}

/// Parses one request frame. An `Err` closes the connection, with the reason logged.
pub fn parse_request(mut frame: BytesMut) -> anyhow::Result<Parsed> {
    anyhow::ensure!(
        frame.len() >= 4,
        "request of {} bytes has no header",
        frame.len()
    );
    let api_key = i16::from_be_bytes([frame[0], frame[1]]);
    let api_version = i16::from_be_bytes([frame[2], frame[3]]);
    let key =
        ApiKey::try_from(api_key).map_err(|_| anyhow::anyhow!("unknown API key {api_key}"))?;
    let spec = api::lookup(api_key)
        .ok_or_else(|| anyhow::anyhow!("API {key:?} (key {api_key}) is not served here"))?;
    let header_version = key.request_header_version(api_version);
    let header = RequestHeader::decode(&mut frame, header_version)
        .map_err(|e| anyhow::anyhow!("bad request header for {key:?} v{api_version}: {e}"))?;
    if !spec.supports(api_version) {
        if key == ApiKey::ApiVersions {
            // Kafka answers with a v0 body listing what it serves, so the client can retry.
            let body = api::api_versions_body(api::UNSUPPORTED_VERSION);
            return Ok(Parsed::Reply(api::encode_response(
                header.correlation_id,
                0,
                &body,
            )?));
        }
        anyhow::bail!(
            "{key:?} v{api_version} is outside the served range {}..={}",
            spec.min_version,
            spec.max_version
        );
    }
    let mut body = frame.freeze();
    let request = RequestKind::decode(key, &mut body, api_version)
        .map_err(|e| anyhow::anyhow!("unparseable {key:?} v{api_version} body: {e}"))?;
    if body.has_remaining() {
        tracing::debug!(api = ?key, version = api_version, trailing = body.remaining(), "request has trailing bytes");
    }
    Ok(Parsed::Request(Box::new(ParsedRequest {
        spec,
        header,
        body: request,
    })))
}

/// Serves one connection until the peer closes it, it misbehaves, or `shutdown` fires.
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    listener: String,
    max_frame_bytes: i32,
    services: Arc<Services>,
    shutdown: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let mut context = RequestContext::connection(&listener, peer.ip());
    let security = services
        .security
        .get(&listener)
        .cloned()
        .unwrap_or_default();
    context.security_protocol = security.protocol();
    let Some(tls) = security.tls.clone() else {
        return serve_stream(
            stream,
            context,
            security,
            max_frame_bytes,
            services,
            shutdown,
        )
        .await;
    };
    let accepted = tokio::select! {
        accepted = tokio_rustls::TlsAcceptor::from(tls).accept(stream) => accepted,
        _ = shutdown.cancelled() => return,
    };
    let stream = match accepted {
        Ok(stream) => stream,
        Err(error) => {
            tracing::info!(%peer, %listener, %error, "TLS handshake failed");
            return;
        }
    };
    if let Some(principal) = super::tls::connection_principal(&stream) {
        context.principal = principal;
    }
    serve_stream(
        stream,
        context,
        security,
        max_frame_bytes,
        services,
        shutdown,
    )
    .await
}

/// Serves a connection (TLS already set up, if any): SASL first if the listener asks for it,
/// then requests.
async fn serve_stream<S>(
    stream: S,
    mut context: RequestContext,
    security: ConnectionSecurity,
    max_frame_bytes: i32,
    services: Arc<Services>,
    shutdown: CancellationToken,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let peer = context.client_address;
    let (read_half, write_half) = tokio::io::split(stream);
    let mut frames = FramedRead::with_capacity(
        read_half,
        FrameCodec::new(max_frame_bytes),
        INITIAL_READ_BUFFER_BYTES,
    );
    let mut writer = write_half;
    let mut sasl = None;
    if let Some(settings) = security.sasl {
        *frames.decoder_mut() = FrameCodec::new(super::sasl::SASL_MAX_RECEIVE_BYTES);
        let authenticated = tokio::select! {
            session = SaslConnection::authenticate(&mut frames, &mut writer, settings, &services, &context) => session,
            _ = shutdown.cancelled() => None,
        };
        let Some(session) = authenticated else {
            let _ = writer.shutdown().await;
            return;
        };
        context.principal = session.principal().clone();
        sasl = Some(session);
        *frames.decoder_mut() = FrameCodec::new(max_frame_bytes);
    }
    let mut in_flight = FuturesOrdered::new();
    let mut reading = true;
    // A SaslHandshake starting a re-authentication, run once earlier requests are answered.
    let mut reauthentication = None;
    loop {
        if let Some(first) = reauthentication.take_if(|_| in_flight.is_empty()) {
            let Some(session) = sasl.as_mut() else {
                return;
            };
            if !session
                .reauthenticate(first, &mut frames, &mut writer, &services, &context)
                .await
            {
                return;
            }
        }
        tokio::select! {
            biased;
            Some(response) = in_flight.next(), if !in_flight.is_empty() => {
                let frame: Bytes = match response {
                    Ok(frame) => frame,
                    Err(error) => {
                        tracing::warn!(%peer, %error, "closing connection: handler failed");
                        return;
                    }
                };
                if let Err(error) = writer.write_all(&frame).await {
                    tracing::debug!(%peer, %error, "connection lost while writing");
                    return;
                }
            }
            _ = shutdown.cancelled(), if reading => reading = false,
            frame = frames.next(), if reading && reauthentication.is_none() && in_flight.len() < MAX_IN_FLIGHT_REQUESTS => {
                let frame = match (frame, &sasl) {
                    (Some(Ok(frame)), Some(session)) => match session.check(&frame, crate::clock::now_ms()) {
                        FrameCheck::Serve => Some(Ok(frame)),
                        FrameCheck::Reauthenticate => {
                            reauthentication = Some(frame);
                            continue;
                        }
                        FrameCheck::Close(reason) => {
                            tracing::info!(%peer, %reason, "closing connection");
                            return;
                        }
                    },
                    (frame, _) => frame,
                };
                match frame {
                    None => reading = false,
                    Some(Err(error)) => {
                        tracing::warn!(%peer, %error, "closing connection: bad frame");
                        return;
                    }
                    Some(Ok(frame)) => match parse_request(frame) {
                        Ok(Parsed::Reply(reply)) => in_flight.push_back(futures::future::Either::Left(async move { Ok(reply) })),
                        Ok(Parsed::Request(request)) => {
                            let services = Arc::clone(&services);
                            let context = context.clone();
                            in_flight.push_back(futures::future::Either::Right(async move {
                                api::dispatch(&services, &context, request.spec, request.header, request.body).await
                            }))
                        }
                        Err(error) => {
                            tracing::warn!(%peer, %error, "closing connection");
                            return;
                        }
                    },
                }
            }
        }
        if !reading && in_flight.is_empty() {
            break;
        }
    }
    let _ = writer.shutdown().await;
}
