//! The Kafka-protocol listener against raw sockets: framing, headers, ApiVersions at every
//! version, and the bad input that must close one connection and disturb no other.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yakt::server::{self, api, ServerHandle, ServerOptions};

const MAX_FRAME_BYTES: i32 = 1024 * 1024;
/// How long a test waits for an answer before calling the server stuck.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

async fn start() -> ServerHandle {
    server::start(ServerOptions::bare(
        "127.0.0.1:0".parse().unwrap(),
        MAX_FRAME_BYTES,
    ))
    .await
    .unwrap()
}

fn api_versions_frame(version: i16, correlation_id: i32, software: &'static str) -> Vec<u8> {
    let header = RequestHeader::default()
        .with_request_api_key(ApiKey::ApiVersions as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_static_str("listener-test")));
    let header_version = if version >= 3 { 2 } else { 1 };
    let body = ApiVersionsRequest::default()
        .with_client_software_name(StrBytes::from_static_str(software))
        .with_client_software_version(StrBytes::from_static_str("1.0"));
    let mut out = BytesMut::new();
    header.encode(&mut out, header_version).unwrap();
    // An unknown version has no body encoding: send the latest one, as a newer client would.
    body.encode(&mut out, version.clamp(0, 4)).unwrap();
    with_size(&out)
}

fn with_size(payload: &[u8]) -> Vec<u8> {
    let mut out = (payload.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

async fn read_frame(stream: &mut TcpStream) -> Option<Bytes> {
    let mut size = [0u8; 4];
    match tokio::time::timeout(ANSWER_TIMEOUT, stream.read_exact(&mut size)).await {
        Ok(Ok(_)) => {}
        Ok(Err(_)) => return None,
        Err(_) => panic!("no answer and no close within {ANSWER_TIMEOUT:?}"),
    }
    let mut body = vec![0u8; i32::from_be_bytes(size) as usize];
    stream.read_exact(&mut body).await.ok()?;
    Some(Bytes::from(body))
}

/// Reads an ApiVersions response: header v0, then the body at `version`.
fn parse_api_versions(mut frame: Bytes, version: i16) -> (i32, ApiVersionsResponse) {
    let header = ResponseHeader::decode(&mut frame, 0).unwrap();
    let body = ApiVersionsResponse::decode(&mut frame, version).unwrap();
    assert!(!frame.has_remaining(), "trailing bytes in the response");
    (header.correlation_id, body)
}

async fn assert_closed(stream: &mut TcpStream) {
    assert!(read_frame(stream).await.is_none(), "connection stayed open");
}

async fn assert_serves(addr: SocketAddr) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(&api_versions_frame(4, 99, "ok"))
        .await
        .unwrap();
    let (correlation_id, body) = parse_api_versions(read_frame(&mut stream).await.unwrap(), 4);
    assert_eq!((correlation_id, body.error_code), (99, 0));
}

fn advertised(body: &ApiVersionsResponse) -> Vec<(i16, i16, i16)> {
    body.api_keys
        .iter()
        .map(|k| (k.api_key, k.min_version, k.max_version))
        .collect()
}

fn table() -> Vec<(i16, i16, i16)> {
    api::APIS
        .iter()
        .map(|a| (a.key as i16, a.min_version, a.max_version))
        .collect()
}

#[tokio::test]
async fn api_versions_at_every_version_lists_the_table() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    for version in 0..=4 {
        stream
            .write_all(&api_versions_frame(
                version,
                version as i32 + 7,
                "yakt-test",
            ))
            .await
            .unwrap();
        let (correlation_id, body) =
            parse_api_versions(read_frame(&mut stream).await.unwrap(), version);
        assert_eq!(correlation_id, version as i32 + 7);
        assert_eq!(body.error_code, 0, "v{version}");
        assert_eq!(advertised(&body), table(), "v{version}");
        assert!(
            advertised(&body).contains(&(18, 0, 4)),
            "ApiVersions 0-4 advertised"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn api_versions_at_an_unknown_version_gets_unsupported_version_and_a_v0_body() {
    let server = start().await;
    for version in [5, 127, -1] {
        let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
        stream
            .write_all(&api_versions_frame(version, 42, "future-client"))
            .await
            .unwrap();
        let (correlation_id, body) = parse_api_versions(read_frame(&mut stream).await.unwrap(), 0);
        assert_eq!(correlation_id, 42);
        assert_eq!(body.error_code, api::UNSUPPORTED_VERSION, "v{version}");
        assert_eq!(advertised(&body), table());
        // The connection stays usable for the retry at a version both sides know.
        stream
            .write_all(&api_versions_frame(3, 43, "future-client"))
            .await
            .unwrap();
        let (correlation_id, body) = parse_api_versions(read_frame(&mut stream).await.unwrap(), 3);
        assert_eq!((correlation_id, body.error_code), (43, 0));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_client_software_name_gets_invalid_request() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream
        .write_all(&api_versions_frame(3, 1, "-bad name-"))
        .await
        .unwrap();
    let (_, body) = parse_api_versions(read_frame(&mut stream).await.unwrap(), 3);
    assert_eq!(body.error_code, api::INVALID_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn split_and_coalesced_frames_are_answered_in_order() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    // One request a byte at a time.
    for byte in api_versions_frame(2, 1, "x") {
        stream.write_all(&[byte]).await.unwrap();
        stream.flush().await.unwrap();
    }
    // Three requests in one write.
    let mut coalesced = Vec::new();
    for (version, id) in [(0, 2), (4, 3), (1, 4)] {
        coalesced.extend(api_versions_frame(version, id, "x"));
    }
    stream.write_all(&coalesced).await.unwrap();
    for (version, id) in [(2, 1), (0, 2), (4, 3), (1, 4)] {
        let (correlation_id, body) =
            parse_api_versions(read_frame(&mut stream).await.unwrap(), version);
        assert_eq!((correlation_id, body.error_code), (id, 0));
    }
    server.shutdown().await;
}

/// Each case is sent on its own connection while another connection stays open: the bad one
/// is closed, the other one still served.
#[tokio::test]
async fn bad_input_closes_only_that_connection() {
    let server = start().await;
    let addr = server.local_addr();
    let mut bystander = TcpStream::connect(addr).await.unwrap();
    let unknown_api = with_size(&[0x27, 0x0f, 0, 0, 0, 0, 0, 1, 0, 0]);
    let unserved_api = {
        // Produce v9 header: key 0 is a Kafka API, but not one a controller serves.
        let header = RequestHeader::default()
            .with_request_api_key(0)
            .with_request_api_version(9);
        let mut out = BytesMut::new();
        header.encode(&mut out, 2).unwrap();
        with_size(&out)
    };
    let truncated_body = {
        let mut frame = api_versions_frame(3, 1, "yakt");
        frame.truncate(frame.len() - 3);
        let size = (frame.len() - 4) as i32;
        frame[0..4].copy_from_slice(&size.to_be_bytes());
        frame
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "oversize frame",
            (MAX_FRAME_BYTES + 1).to_be_bytes().to_vec(),
        ),
        ("negative frame size", (-5i32).to_be_bytes().to_vec()),
        ("header shorter than key and version", with_size(&[0, 18])),
        (
            "header cut inside the client id",
            with_size(&[0, 18, 0, 2, 0, 0, 0, 1, 0, 50, b'a']),
        ),
        ("unknown API key", unknown_api),
        ("API not served here", unserved_api),
        ("unparseable body", truncated_body),
    ];
    for (name, bytes) in cases {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&bytes).await.unwrap();
        assert!(
            read_frame(&mut stream).await.is_none(),
            "{name}: connection stayed open"
        );
        bystander
            .write_all(&api_versions_frame(4, 5, "bystander"))
            .await
            .unwrap();
        let (correlation_id, body) =
            parse_api_versions(read_frame(&mut bystander).await.unwrap(), 4);
        assert_eq!((correlation_id, body.error_code), (5, 0), "after {name}");
    }
    assert_serves(addr).await;
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_accepting_and_closes_idle_connections() {
    let server = start().await;
    let addr = server.local_addr();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert_serves(addr).await;
    server.shutdown().await;
    assert_closed(&mut idle).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

/// A request of a few bytes that declares a huge array must be refused, not sized into an
/// allocation (KAFKA-14063's class of bug; see vendor/kafka-protocol/PATCHED.md).
#[test]
fn huge_array_counts_are_refused_before_allocation() {
    use kafka_protocol::messages::MetadataRequest;
    // Metadata v0: topics is an int32-counted array. Declare 2^31-1 topics, send none.
    let mut v0 = Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff]);
    assert!(MetadataRequest::decode(&mut v0, 0).is_err());
    // Metadata v12 (flexible): topics is a compact array; declare u32::MAX - 1 entries.
    let mut v12 = BytesMut::new();
    v12.put_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    let mut v12 = v12.freeze();
    assert!(MetadataRequest::decode(&mut v12, 12).is_err());
}
