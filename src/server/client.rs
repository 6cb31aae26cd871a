//! Outbound Kafka-protocol connections: one per peer, ApiVersions first, version negotiation,
//! pipelined requests matched to responses by correlation id, reconnect with backoff.
//!
//! Owns the client side of the wire, as Kafka's `NetworkClient` does for the raft channel. A
//! [`Peer`] is a handle to a background task that holds at most one connection to one address;
//! a call made while disconnected connects first (waiting out the backoff after a failure) and
//! every call has its own deadline. The task dies with its last handle.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, RequestKind, ResponseHeader,
    ResponseKind,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio_util::codec::FramedRead;

use super::api::UNSUPPORTED_VERSION;
use super::frame::FrameCodec;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No connection could be made, or it broke before the answer came.
    #[error("connection to {addr} failed: {reason}")]
    Disconnected {
        /// The peer.
        addr: SocketAddr,
        /// What happened.
        reason: String,
    },
    /// The deadline passed without an answer.
    #[error("no answer from {0} in time")]
    Timeout(SocketAddr),
    /// The peer serves no version of this API that we speak.
    #[error("{addr} serves no version of {api:?} in {ours:?}")]
    UnsupportedVersion {
        /// The peer.
        addr: SocketAddr,
        /// The API.
        api: ApiKey,
        /// The versions we speak.
        ours: RangeInclusive<i16>,
    },
    /// The request could not be encoded or the response decoded.
    #[error("protocol error with {addr}: {reason}")]
    Protocol {
        /// The peer.
        addr: SocketAddr,
        /// What was wrong.
        reason: String,
    },
}

/// Settings of a peer connection (Kafka's `controller.quorum.*` client settings).
#[derive(Debug, Clone)]
pub struct PeerOptions {
    /// The client id sent in every request header.
    pub client_id: String,
    /// The longest a connection attempt may take.
    pub connect_timeout: Duration,
    /// The first wait after a failed connection; doubled per failure up to `max_backoff`.
    pub backoff: Duration,
    /// The longest wait between connection attempts.
    pub max_backoff: Duration,
    /// The largest response frame accepted.
    pub max_response_bytes: i32,
    /// SASL_PLAINTEXT and SASL_SSL peers: the mechanism and login to authenticate with
    /// after ApiVersions.
    pub sasl: Option<crate::config::SaslClientSettings>,
    /// SSL and SASL_SSL peers: the TLS configuration.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// The host name the peer's certificate must name (its address when unset).
    pub server_name: Option<String>,
}

impl Default for PeerOptions {
    fn default() -> Self {
        Self {
            client_id: "yakt".into(),
            connect_timeout: Duration::from_secs(2),
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
            max_response_bytes: super::DEFAULT_SOCKET_REQUEST_MAX_BYTES,
            sasl: None,
            tls: None,
            server_name: None,
        }
    }
}

/// A handle to one peer. Cheap to clone; calls from clones share the connection.
#[derive(Debug, Clone)]
pub struct Peer {
    addr: SocketAddr,
    inner: Arc<Mutex<PeerState>>,
    options: Arc<PeerOptions>,
}

#[derive(Debug, Default)]
struct PeerState {
    connection: Option<Arc<Connection>>,
    failures: u32,
    retry_at: Option<tokio::time::Instant>,
}

/// The reading half of a connection, plain or TLS.
type ReadHalf = Box<dyn AsyncRead + Send + Unpin>;
/// The writing half of a connection, plain or TLS.
type WriteHalf = Box<dyn AsyncWrite + Send + Unpin>;

/// What a peer serves, learned from its ApiVersions answer.
pub type ApiRanges = HashMap<i16, (i16, i16)>;

struct Connection {
    addr: SocketAddr,
    api_ranges: ApiRanges,
    writer: Mutex<(WriteHalf, i32)>,
    /// When to stop using this connection: before the SASL session the server granted ends
    /// (a new connection authenticates afresh).
    session_ends: Option<tokio::time::Instant>,
    pending: mpsc::UnboundedSender<(i32, Pending)>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Pending {
    api: ApiKey,
    version: i16,
    reply: oneshot::Sender<Result<ResponseKind, String>>,
}

impl Peer {
    /// A handle to `addr`; nothing connects until the first call.
    pub fn new(addr: SocketAddr, options: PeerOptions) -> Self {
        Self {
            addr,
            inner: Arc::default(),
            options: Arc::new(options),
        }
    }

    /// The peer's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends `request` at the highest version both sides speak within `ours`, and waits for
    /// the answer until `timeout`. The version used comes back with the response.
    pub async fn call(
        &self,
        request: RequestKind,
        ours: RangeInclusive<i16>,
        timeout: Duration,
    ) -> Result<(i16, ResponseKind), CallError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let work = async {
            let connection = self.connection().await?;
            let api = api_key_of(&request).ok_or_else(|| CallError::Protocol {
                addr: self.addr,
                reason: "yakt does not send this request type".into(),
            })?;
            let version = negotiate(&connection.api_ranges, api, &ours).ok_or_else(|| {
                CallError::UnsupportedVersion {
                    addr: self.addr,
                    api,
                    ours: ours.clone(),
                }
            })?;
            let answer = connection
                .send(api, version, request, &self.options.client_id)
                .await;
            match answer {
                Ok(rx) => match rx.await {
                    Ok(Ok(response)) => Ok((version, response)),
                    Ok(Err(reason)) => {
                        self.drop_connection(&connection).await;
                        Err(CallError::Protocol {
                            addr: self.addr,
                            reason,
                        })
                    }
                    Err(_) => {
                        self.drop_connection(&connection).await;
                        Err(self.disconnected("connection closed before the answer"))
                    }
                },
                Err(error) => {
                    self.drop_connection(&connection).await;
                    Err(error)
                }
            }
        };
        tokio::time::timeout_at(deadline, work)
            .await
            .unwrap_or(Err(CallError::Timeout(self.addr)))
    }

    /// The peer's ApiVersions ranges, connecting if needed.
    pub async fn api_ranges(&self) -> Result<ApiRanges, CallError> {
        Ok(self.connection().await?.api_ranges.clone())
    }

    fn disconnected(&self, reason: impl Into<String>) -> CallError {
        CallError::Disconnected {
            addr: self.addr,
            reason: reason.into(),
        }
    }

    async fn drop_connection(&self, connection: &Arc<Connection>) {
        let mut state = self.inner.lock().await;
        if state
            .connection
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, connection))
        {
            state.connection = None;
        }
    }

    async fn connection(&self) -> Result<Arc<Connection>, CallError> {
        let mut state = self.inner.lock().await;
        if let Some(connection) = &state.connection {
            let expired = connection
                .session_ends
                .is_some_and(|at| tokio::time::Instant::now() >= at);
            if !connection.pending.is_closed() && !expired {
                return Ok(Arc::clone(connection));
            }
            state.connection = None;
        }
        if let Some(retry_at) = state.retry_at {
            tokio::time::sleep_until(retry_at).await;
        }
        match tokio::time::timeout(
            self.options.connect_timeout,
            Connection::open(self.addr, &self.options),
        )
        .await
        {
            Ok(Ok(connection)) => {
                let connection = Arc::new(connection);
                state.connection = Some(Arc::clone(&connection));
                state.failures = 0;
                state.retry_at = None;
                Ok(connection)
            }
            outcome => {
                let reason = match outcome {
                    Ok(Err(reason)) => reason,
                    _ => "connect timed out".to_string(),
                };
                let backoff = self
                    .options
                    .backoff
                    .saturating_mul(1 << state.failures.min(16))
                    .min(self.options.max_backoff);
                state.failures += 1;
                state.retry_at = Some(tokio::time::Instant::now() + backoff);
                Err(self.disconnected(reason))
            }
        }
    }
}

impl Connection {
    /// Connects and exchanges ApiVersions (v4, falling back to the version the peer names).
    async fn open(addr: SocketAddr, options: &PeerOptions) -> Result<Connection, String> {
        let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (read_half, write_half) = split(addr, stream, options).await?;
        let mut frames = FramedRead::new(read_half, FrameCodec::new(options.max_response_bytes));
        let (pending_tx, pending_rx) = mpsc::unbounded_channel();
        let mut connection = Connection {
            addr,
            api_ranges: HashMap::new(),
            writer: Mutex::new((write_half, 0)),
            session_ends: None,
            pending: pending_tx,
        };
        let mut version = 4;
        loop {
            let request = ApiVersionsRequest::default()
                .with_client_software_name(StrBytes::from_static_str("yakt"))
                .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
            let frame = encode_request(
                ApiKey::ApiVersions,
                version,
                &RequestKind::ApiVersions(request),
                0,
                &options.client_id,
            )?;
            connection
                .writer
                .lock()
                .await
                .0
                .write_all(&frame)
                .await
                .map_err(|e| e.to_string())?;
            let mut reply = frames
                .next()
                .await
                .ok_or("closed during ApiVersions")?
                .map_err(|e| e.to_string())?
                .freeze();
            ResponseHeader::decode(&mut reply, 0).map_err(|e| e.to_string())?;
            // An UNSUPPORTED_VERSION answer has a v0 body whatever version was asked.
            let body = ApiVersionsResponse::decode(&mut reply.clone(), version)
                .or_else(|_| ApiVersionsResponse::decode(&mut reply, 0))
                .map_err(|e| e.to_string())?;
            if body.error_code == UNSUPPORTED_VERSION && version > 0 {
                let theirs = body
                    .api_keys
                    .iter()
                    .find(|k| k.api_key == ApiKey::ApiVersions as i16);
                version = theirs.map_or(0, |k| k.max_version.min(version - 1));
                continue;
            }
            if body.error_code != 0 {
                return Err(format!("ApiVersions error {}", body.error_code));
            }
            connection.api_ranges = body
                .api_keys
                .iter()
                .map(|k| (k.api_key, (k.min_version, k.max_version)))
                .collect();
            break;
        }
        if let Some(sasl) = &options.sasl {
            let lifetime_ms = connection
                .authenticate(&mut frames, sasl, &options.client_id)
                .await?;
            // As Kafka's clients, move on at 85% of the session's lifetime.
            connection.session_ends = (lifetime_ms > 0).then(|| {
                tokio::time::Instant::now() + Duration::from_millis(lifetime_ms as u64 * 85 / 100)
            });
        }
        tokio::spawn(read_responses(frames, pending_rx));
        Ok(connection)
    }

    /// Kafka's SASL exchange as a client: SaslHandshake v1, then SaslAuthenticate until the
    /// mechanism completes; the session lifetime the server granted. A refusal is an error
    /// naming the server's message.
    async fn authenticate(
        &self,
        frames: &mut FramedRead<ReadHalf, FrameCodec>,
        settings: &crate::config::SaslClientSettings,
        client_id: &str,
    ) -> Result<i64, String> {
        use kafka_protocol::messages::{SaslAuthenticateRequest, SaslHandshakeRequest};
        let (mut session, mut token) = super::sasl::client::SaslClientSession::start(settings);
        let mechanism = session.mechanism().name();
        let handshake =
            SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(mechanism));
        let version = negotiate(&self.api_ranges, ApiKey::SaslHandshake, &(1..=1))
            .ok_or("the peer serves no SaslHandshake v1")?;
        let answer = self
            .exchange(
                frames,
                RequestKind::SaslHandshake(handshake),
                version,
                client_id,
            )
            .await?;
        match answer {
            ResponseKind::SaslHandshake(r) if r.error_code == 0 => {}
            ResponseKind::SaslHandshake(r) => {
                let offered: Vec<&str> = r.mechanisms.iter().map(|m| m.as_str()).collect();
                return Err(format!(
                    "SASL mechanism {mechanism} refused (error {}); the peer offers {offered:?}",
                    r.error_code
                ));
            }
            _ => return Err("unexpected answer to SaslHandshake".into()),
        }
        let version = negotiate(&self.api_ranges, ApiKey::SaslAuthenticate, &(0..=2))
            .ok_or("the peer serves no SaslAuthenticate")?;
        loop {
            let request = SaslAuthenticateRequest::default().with_auth_bytes(token.into());
            let answer = self
                .exchange(
                    frames,
                    RequestKind::SaslAuthenticate(request),
                    version,
                    client_id,
                )
                .await?;
            let ResponseKind::SaslAuthenticate(answer) = answer else {
                return Err("unexpected answer to SaslAuthenticate".into());
            };
            if answer.error_code != 0 {
                return Err(format!(
                    "SASL authentication failed (error {}): {}",
                    answer.error_code,
                    answer.error_message.as_deref().unwrap_or("")
                ));
            }
            match session.on_answer(&answer.auth_bytes)? {
                Some(next) => token = next,
                None => return Ok(answer.session_lifetime_ms),
            }
        }
    }

    /// Sends one request and reads its answer, before the connection is shared.
    async fn exchange(
        &self,
        frames: &mut FramedRead<ReadHalf, FrameCodec>,
        request: RequestKind,
        version: i16,
        client_id: &str,
    ) -> Result<ResponseKind, String> {
        let api = api_key_of(&request).ok_or("yakt does not send this request type")?;
        let mut writer = self.writer.lock().await;
        writer.1 = writer.1.wrapping_add(1);
        let correlation_id = writer.1;
        let frame = encode_request(api, version, &request, correlation_id, client_id)?;
        writer
            .0
            .write_all(&frame)
            .await
            .map_err(|e| e.to_string())?;
        drop(writer);
        let reply = frames
            .next()
            .await
            .ok_or_else(|| format!("closed during {api:?}"))?
            .map_err(|e| e.to_string())?;
        decode_response(reply.freeze(), correlation_id, api, version)
    }

    async fn send(
        &self,
        api: ApiKey,
        version: i16,
        request: RequestKind,
        client_id: &str,
    ) -> Result<oneshot::Receiver<Result<ResponseKind, String>>, CallError> {
        let mut writer = self.writer.lock().await;
        writer.1 = writer.1.wrapping_add(1);
        let correlation_id = writer.1;
        let addr = self.addr;
        let frame = encode_request(api, version, &request, correlation_id, client_id)
            .map_err(|reason| CallError::Protocol { addr, reason })?;
        let (reply, rx) = oneshot::channel();
        let closed = |reason: String| CallError::Disconnected { addr, reason };
        self.pending
            .send((
                correlation_id,
                Pending {
                    api,
                    version,
                    reply,
                },
            ))
            .map_err(|_| closed("connection closed".into()))?;
        writer
            .0
            .write_all(&frame)
            .await
            .map_err(|e| closed(e.to_string()))?;
        Ok(rx)
    }
}

/// The two halves of a new connection, after the TLS handshake if the peer speaks TLS.
async fn split(
    addr: SocketAddr,
    stream: TcpStream,
    options: &PeerOptions,
) -> Result<(ReadHalf, WriteHalf), String> {
    let Some(tls) = &options.tls else {
        let (read_half, write_half) = stream.into_split();
        return Ok((Box::new(read_half), Box::new(write_half)));
    };
    let name = match &options.server_name {
        Some(host) => rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| format!("{host} is not a TLS server name: {e}"))?,
        None => rustls::pki_types::ServerName::IpAddress(addr.ip().into()),
    };
    let stream = tokio_rustls::TlsConnector::from(Arc::clone(tls))
        .connect(name, stream)
        .await
        .map_err(|e| format!("TLS handshake failed: {e}"))?;
    let (read_half, write_half) = tokio::io::split(stream);
    Ok((Box::new(read_half), Box::new(write_half)))
}

/// Matches response frames to pending calls; requests are answered in order per connection.
async fn read_responses(
    mut frames: FramedRead<ReadHalf, FrameCodec>,
    mut pending_rx: mpsc::UnboundedReceiver<(i32, Pending)>,
) {
    while let Some(frame) = frames.next().await {
        let Ok(frame) = frame else { return };
        let Some((correlation_id, pending)) = pending_rx.recv().await else {
            return;
        };
        let result = decode_response(frame.freeze(), correlation_id, pending.api, pending.version);
        let failed = result.is_err();
        let _ = pending.reply.send(result);
        if failed {
            return;
        }
    }
}

fn decode_response(
    mut frame: Bytes,
    correlation_id: i32,
    api: ApiKey,
    version: i16,
) -> Result<ResponseKind, String> {
    let header = ResponseHeader::decode(&mut frame, api.response_header_version(version))
        .map_err(|e| e.to_string())?;
    if header.correlation_id != correlation_id {
        return Err(format!(
            "correlation id {} where {correlation_id} was expected",
            header.correlation_id
        ));
    }
    ResponseKind::decode(api, &mut frame, version)
        .map_err(|e| format!("{api:?} v{version} response: {e}"))
}

fn encode_request(
    api: ApiKey,
    version: i16,
    request: &RequestKind,
    correlation_id: i32,
    client_id: &str,
) -> Result<Bytes, String> {
    let header = RequestHeader::default()
        .with_request_api_key(api as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_string(client_id.to_string())));
    let mut out = BytesMut::with_capacity(64);
    out.extend_from_slice(&[0; 4]);
    header
        .encode(&mut out, api.request_header_version(version))
        .map_err(|e| e.to_string())?;
    request
        .encode(&mut out, version)
        .map_err(|e| format!("{api:?} v{version}: {e}"))?;
    let size = (out.len() - 4) as i32;
    out[..4].copy_from_slice(&size.to_be_bytes());
    Ok(out.freeze())
}

/// The highest version of `api` in both `ours` and the peer's range.
pub fn negotiate(ranges: &ApiRanges, api: ApiKey, ours: &RangeInclusive<i16>) -> Option<i16> {
    let (min, max) = *ranges.get(&(api as i16))?;
    let high = max.min(*ours.end());
    (high >= min.max(*ours.start())).then_some(high)
}

/// The API key of a request yakt sends to peers, `None` for any other.
pub fn api_key_of(request: &RequestKind) -> Option<ApiKey> {
    Some(match request {
        RequestKind::ApiVersions(_) => ApiKey::ApiVersions,
        RequestKind::SaslHandshake(_) => ApiKey::SaslHandshake,
        RequestKind::SaslAuthenticate(_) => ApiKey::SaslAuthenticate,
        RequestKind::Vote(_) => ApiKey::Vote,
        RequestKind::BeginQuorumEpoch(_) => ApiKey::BeginQuorumEpoch,
        RequestKind::EndQuorumEpoch(_) => ApiKey::EndQuorumEpoch,
        RequestKind::Fetch(_) => ApiKey::Fetch,
        RequestKind::FetchSnapshot(_) => ApiKey::FetchSnapshot,
        RequestKind::DescribeQuorum(_) => ApiKey::DescribeQuorum,
        RequestKind::AddRaftVoter(_) => ApiKey::AddRaftVoter,
        RequestKind::RemoveRaftVoter(_) => ApiKey::RemoveRaftVoter,
        RequestKind::UpdateRaftVoter(_) => ApiKey::UpdateRaftVoter,
        RequestKind::DescribeCluster(_) => ApiKey::DescribeCluster,
        RequestKind::ControllerRegistration(_) => ApiKey::ControllerRegistration,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_takes_the_highest_common_version() {
        let ranges: ApiRanges = [
            (ApiKey::Vote as i16, (0, 2)),
            (ApiKey::Fetch as i16, (4, 17)),
        ]
        .into();
        assert_eq!(negotiate(&ranges, ApiKey::Vote, &(0..=2)), Some(2));
        assert_eq!(negotiate(&ranges, ApiKey::Vote, &(0..=1)), Some(1));
        assert_eq!(negotiate(&ranges, ApiKey::Fetch, &(13..=18)), Some(17));
        assert_eq!(negotiate(&ranges, ApiKey::Fetch, &(18..=18)), None);
        assert_eq!(negotiate(&ranges, ApiKey::DescribeQuorum, &(0..=2)), None);
    }
}
