//! A bare Kafka-protocol connection for the load generator: one request at a time written and
//! its response read back, or requests written without ever reading (a slow client). No
//! reconnection, no pipelining bookkeeping: the load generator wants to see every failure.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, RequestKind, ResponseHeader,
    ResponseKind,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest response frame read (the controller's answers are small).
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// The ApiVersions version every client opens with (flexible, with features).
pub const API_VERSIONS_VERSION: i16 = 3;

/// One client connection.
pub struct Conn {
    stream: TcpStream,
    next_correlation_id: i32,
}

impl Conn {
    /// Connects to `addr` within `timeout`.
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> anyhow::Result<Conn> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .context("connect timed out")??;
        Conn::from_stream(stream)
    }

    /// A connection over an already connected stream.
    pub fn from_stream(stream: TcpStream) -> anyhow::Result<Conn> {
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            next_correlation_id: 0,
        })
    }

    /// Connects and completes ApiVersions, as every Kafka client does first.
    pub async fn open(
        addr: SocketAddr,
        timeout: Duration,
    ) -> anyhow::Result<(Conn, ApiVersionsResponse)> {
        let mut conn = Conn::connect(addr, timeout).await?;
        let versions = conn.api_versions(timeout).await?;
        Ok((conn, versions))
    }

    /// Sends ApiVersions and returns the answer.
    pub async fn api_versions(&mut self, timeout: Duration) -> anyhow::Result<ApiVersionsResponse> {
        match self
            .call(api_versions_request(), API_VERSIONS_VERSION, timeout)
            .await?
        {
            ResponseKind::ApiVersions(r) if r.error_code == 0 => Ok(r),
            ResponseKind::ApiVersions(r) => bail!("ApiVersions error {}", r.error_code),
            other => bail!("unexpected answer {other:?}"),
        }
    }

    /// Writes `request` at `version` and reads its response within `timeout`.
    pub async fn call(
        &mut self,
        request: RequestKind,
        version: i16,
        timeout: Duration,
    ) -> anyhow::Result<ResponseKind> {
        let key = api_key(&request)?;
        let correlation_id = self.write(&request, version).await?;
        let mut frame = tokio::time::timeout(timeout, self.read_frame())
            .await
            .context("no response in time")??;
        let header = ResponseHeader::decode(&mut frame, key.response_header_version(version))?;
        if header.correlation_id != correlation_id {
            bail!(
                "correlation id {} answered, {correlation_id} expected",
                header.correlation_id
            );
        }
        ResponseKind::decode(key, &mut frame, version)
    }

    /// Writes `request` at `version` without reading anything; returns its correlation id.
    pub async fn write(&mut self, request: &RequestKind, version: i16) -> anyhow::Result<i32> {
        let frame = self.frame(request, version)?;
        self.stream.write_all(&frame).await?;
        Ok(self.next_correlation_id - 1)
    }

    fn frame(&mut self, request: &RequestKind, version: i16) -> anyhow::Result<Bytes> {
        let key = api_key(request)?;
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.next_correlation_id)
            .with_client_id(Some(StrBytes::from_static_str("yakt-load")));
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let mut body = BytesMut::new();
        header.encode(&mut body, key.request_header_version(version))?;
        request.encode(&mut body, version)?;
        let mut frame = BytesMut::with_capacity(4 + body.len());
        frame.extend_from_slice(&(body.len() as i32).to_be_bytes());
        frame.extend_from_slice(&body);
        Ok(frame.freeze())
    }

    async fn read_frame(&mut self) -> anyhow::Result<Bytes> {
        let size = self.stream.read_i32().await?;
        if size < 0 || size as usize > MAX_RESPONSE_BYTES {
            bail!("response frame of {size} bytes");
        }
        let mut frame = vec![0u8; size as usize];
        self.stream.read_exact(&mut frame).await?;
        Ok(Bytes::from(frame))
    }
}

/// An ApiVersions request as kafka-clients sends it.
pub fn api_versions_request() -> RequestKind {
    RequestKind::ApiVersions(
        ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("yakt-load"))
            .with_client_software_version(StrBytes::from_static_str("0.1")),
    )
}

/// The highest version of `key` both the server (by its ApiVersions answer) and `ours` speak.
pub fn negotiate(versions: &ApiVersionsResponse, key: ApiKey, ours: i16) -> anyhow::Result<i16> {
    let served = versions
        .api_keys
        .iter()
        .find(|k| k.api_key == key as i16)
        .with_context(|| format!("{key:?} is not served"))?;
    let version = served.max_version.min(ours);
    if version < served.min_version {
        bail!(
            "{key:?}: server serves {}..={}",
            served.min_version,
            served.max_version
        );
    }
    Ok(version)
}

fn api_key(request: &RequestKind) -> anyhow::Result<ApiKey> {
    Ok(match request {
        RequestKind::ApiVersions(_) => ApiKey::ApiVersions,
        RequestKind::BrokerRegistration(_) => ApiKey::BrokerRegistration,
        RequestKind::BrokerHeartbeat(_) => ApiKey::BrokerHeartbeat,
        other => bail!("the load generator does not send {other:?}"),
    })
}
