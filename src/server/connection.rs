//! One client connection: frames in, responses out, in request order.
//!
//! Owns the per-connection rules Kafka follows: parse the request header (v1 or v2 by the API's
//! flexible versions), refuse what cannot be served by closing this connection only (unknown
//! API, bad header, unsupported version, unparseable body), answer ApiVersions at an unknown
//! version with UNSUPPORTED_VERSION, and write responses in the order requests arrived even
//! when handlers finish out of order. On shutdown it stops reading, finishes the requests it
//! already has, and closes. It also keeps an idle connection cheap: a PLAINTEXT connection's
//! task holds no TLS, SASL or handler state, and no read buffer while nothing arrives.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use futures::stream::{FuturesOrdered, StreamExt};
use kafka_protocol::messages::{ApiKey, RequestHeader, RequestKind};
use kafka_protocol::protocol::Decodable;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use crate::config::SecurityProtocol;

use super::api::{self, ApiSpec, Services};
use super::frame::{FrameCodec, FrameError};
use super::sasl::{FrameCheck, SaslConnection};
use crate::controller::context::RequestContext;

/// The read buffer a connection takes when bytes arrive; it grows to the largest frame read
/// and is given back once the connection is idle again. Most requests are small.
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

/// A request being answered. Boxed, so that a connection's queue holds no handler state while
/// nothing is in flight: `FuturesOrdered` keeps a stub task sized by its future type for as
/// long as it lives, and a handler's future is kilobytes.
type Answer = Pin<Box<dyn Future<Output = anyhow::Result<Bytes>> + Send>>;

/// The read side of a connection, which can wait for bytes without a buffer to put them in.
trait ConnectionRead: AsyncRead + Send + Unpin + 'static {
    /// Resolves once a read would not block: bytes, the end of the stream, or an error (which
    /// the read that follows reports).
    fn wait_readable(&mut self) -> impl Future<Output = ()> + Send + '_;
}

impl ConnectionRead for OwnedReadHalf {
    /// Peeks at one byte rather than waiting for `readable()`: tokio takes a newly accepted
    /// socket for readable before the first event, which would hand every connection a read
    /// buffer before its client sent anything.
    async fn wait_readable(&mut self) {
        let _ = self.peek(&mut [0; 1]).await;
    }
}

/// A TLS connection may hold decrypted bytes that the socket's readiness does not show, so it
/// reads at once (its TLS state costs far more than the read buffer anyway).
impl<S: AsyncRead + Send + 'static> ConnectionRead for tokio::io::ReadHalf<S> {
    fn wait_readable(&mut self) -> impl Future<Output = ()> + Send + '_ {
        std::future::ready(())
    }
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
    drop(listener);
    let security = services
        .security
        .get(&context.listener)
        .cloned()
        .unwrap_or_default();
    context.security_protocol = security.protocol();
    let connection = Connection {
        context,
        security,
        max_frame_bytes,
        services,
        shutdown,
    };
    match connection.security.tls.clone() {
        None => {
            let (read_half, write_half) = stream.into_split();
            connection.serve(read_half, write_half).await
        }
        // Boxed: only TLS connections hold the handshake's and the TLS stream's state.
        Some(tls) => Box::pin(serve_tls(stream, peer, tls, connection)).await,
    }
}

/// Runs the TLS handshake, then serves the connection over it.
async fn serve_tls(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Arc<rustls::ServerConfig>,
    mut connection: Connection,
) {
    let accepted = tokio::select! {
        accepted = tokio_rustls::TlsAcceptor::from(tls).accept(stream) => accepted,
        _ = connection.shutdown.cancelled() => return,
    };
    let stream = match accepted {
        Ok(stream) => stream,
        Err(error) => {
            let listener = &connection.context.listener;
            tracing::info!(%peer, %listener, %error, "TLS handshake failed");
            return;
        }
    };
    if let Some(principal) = super::tls::connection_principal(&stream) {
        connection.context.principal = principal;
    }
    let (read_half, write_half) = tokio::io::split(stream);
    connection.serve(read_half, write_half).await
}

/// What serving one connection (TLS already set up, if any) works with.
struct Connection {
    context: RequestContext,
    security: ConnectionSecurity,
    max_frame_bytes: i32,
    services: Arc<Services>,
    shutdown: CancellationToken,
}

impl Connection {
    /// SASL first if the listener asks for it, then requests.
    async fn serve<R, W>(self, read_half: R, mut writer: W)
    where
        R: ConnectionRead,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        let Connection {
            mut context,
            security,
            max_frame_bytes,
            services,
            shutdown,
        } = self;
        let peer = context.client_address;
        // No read buffer until the first bytes arrive (see `next_frame`).
        let mut frames = FramedRead::with_capacity(read_half, FrameCodec::new(max_frame_bytes), 0);
        let mut sasl = None;
        if let Some(settings) = security.sasl {
            *frames.decoder_mut() = FrameCodec::new(super::sasl::SASL_MAX_RECEIVE_BYTES);
            frames.read_buffer_mut().reserve(INITIAL_READ_BUFFER_BYTES);
            // Boxed, as the re-authentication below: PLAINTEXT connections hold no SASL state.
            let authenticate = Box::pin(SaslConnection::authenticate(
                &mut frames,
                &mut writer,
                settings,
                &services,
                &context,
            ));
            let authenticated = tokio::select! {
                session = authenticate => session,
                _ = shutdown.cancelled() => None,
            };
            let Some(session) = authenticated else {
                let _ = writer.shutdown().await;
                return;
            };
            context.principal = session.principal().clone();
            sasl = Some(Box::new(session));
            *frames.decoder_mut() = FrameCodec::new(max_frame_bytes);
        }
        let mut in_flight = FuturesOrdered::<Answer>::new();
        let mut reading = true;
        // A SaslHandshake starting a re-authentication, run once earlier requests are answered.
        let mut reauthentication = None;
        loop {
            if let Some(first) = reauthentication.take_if(|_| in_flight.is_empty()) {
                let Some(session) = sasl.as_mut() else {
                    return;
                };
                let reauthenticate =
                    session.reauthenticate(first, &mut frames, &mut writer, &services, &context);
                if !Box::pin(reauthenticate).await {
                    return;
                }
            }
            let idle = in_flight.is_empty();
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
                frame = next_frame(&mut frames, idle), if reading && reauthentication.is_none() && in_flight.len() < MAX_IN_FLIGHT_REQUESTS => {
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
                            Ok(Parsed::Reply(reply)) => in_flight.push_back(Box::pin(std::future::ready(Ok(reply)))),
                            Ok(Parsed::Request(request)) => {
                                let services = Arc::clone(&services);
                                let context = context.clone();
                                in_flight.push_back(Box::pin(async move {
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
}

/// The next frame. While nothing is buffered it first waits for the socket to become
/// readable, and a connection with nothing in flight (`idle`) gives its read buffer back before
/// that wait: an idle connection holds no read buffer, whatever size its last request grew it to.
async fn next_frame<R: ConnectionRead>(
    frames: &mut FramedRead<R, FrameCodec>,
    idle: bool,
) -> Option<Result<BytesMut, FrameError>> {
    if frames.read_buffer().is_empty() {
        if idle {
            *frames.read_buffer_mut() = BytesMut::new();
        }
        frames.get_mut().wait_readable().await;
        frames.read_buffer_mut().reserve(INITIAL_READ_BUFFER_BYTES);
    }
    frames.next().await
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;

    use super::*;

    /// The server's and the client's ends of one loopback connection.
    async fn connected() -> (TcpStream, SocketAddr, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        (server, peer, client)
    }

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as i32).to_be_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    /// The future spawned for each connection is allocated once and held for the
    /// connection's life: with the socket, it is what an idle connection costs. A PLAINTEXT
    /// connection's measured 1,280 bytes in the test profile (less when optimised). Held
    /// inline, the TLS path makes it 3.5 KiB, the SASL exchange 4.1 KiB and a handler's answer
    /// 3.4 KiB (all three together: 8,864 bytes, 13 KiB per idle connection in all), so the
    /// bound leaves room to grow and still fails if any of them comes back inline.
    #[tokio::test]
    async fn a_plaintext_connection_task_stays_small() {
        const BOUND_BYTES: usize = 2048;
        let (server, peer, _client) = connected().await;
        let services = Arc::new(Services::default());
        let task = serve(
            server,
            peer,
            "CONTROLLER".into(),
            1024,
            services,
            CancellationToken::new(),
        );
        let size = std::mem::size_of_val(&task);
        assert!(
            size <= BOUND_BYTES,
            "a connection's task takes {size} bytes, above {BOUND_BYTES}"
        );
    }

    #[tokio::test]
    async fn an_idle_connection_holds_no_read_buffer() {
        let (server, _, mut client) = connected().await;
        let (read_half, _write_half) = server.into_split();
        let mut frames = FramedRead::with_capacity(read_half, FrameCodec::new(1 << 20), 0);
        assert!(next_frame(&mut frames, true).now_or_never().is_none());
        assert_eq!(
            frames.read_buffer().capacity(),
            0,
            "a buffer before any byte"
        );

        client.write_all(&frame(b"first")).await.unwrap();
        let first = next_frame(&mut frames, true).await.unwrap().unwrap();
        assert_eq!(&first[..], b"first");
        // Requests in flight: the buffer is kept for the next one.
        assert!(next_frame(&mut frames, false).now_or_never().is_none());
        assert!(frames.read_buffer().capacity() > 0);
        // Nothing in flight: given back while waiting.
        assert!(next_frame(&mut frames, true).now_or_never().is_none());
        assert_eq!(
            frames.read_buffer().capacity(),
            0,
            "an idle connection's buffer"
        );

        client.write_all(&frame(&[7; 3000])).await.unwrap();
        let second = next_frame(&mut frames, true).await.unwrap().unwrap();
        assert_eq!(&second[..], &[7; 3000][..]);
    }
}
