//! The listener under load, by behaviour (the timings are in `scripts/bench-load`): clients
//! that send requests and never read their answers hold up no other connection and cost the
//! server no more than fixed socket buffers, and many idle connections stay open and answered.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use yakt::server::{self, ServerHandle, ServerOptions};

/// How long a test waits for an answer before calling the server stuck.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// A write that has not completed in this long is blocked: the server stopped reading.
const BLOCKED_AFTER: Duration = Duration::from_millis(500);

async fn start() -> ServerHandle {
    server::start(ServerOptions::bare(
        "127.0.0.1:0".parse().unwrap(),
        1024 * 1024,
    ))
    .await
    .unwrap()
}

fn api_versions_frame(correlation_id: i32) -> Vec<u8> {
    let header = RequestHeader::default()
        .with_request_api_key(ApiKey::ApiVersions as i16)
        .with_request_api_version(3)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_static_str("load-test")));
    let body = ApiVersionsRequest::default()
        .with_client_software_name(StrBytes::from_static_str("load-test"))
        .with_client_software_version(StrBytes::from_static_str("1.0"));
    let mut out = BytesMut::new();
    header.encode(&mut out, 2).unwrap();
    body.encode(&mut out, 3).unwrap();
    let mut frame = (out.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&out);
    frame
}

/// Sends ApiVersions and reads its answer; panics if none comes in time.
async fn round_trip(stream: &mut TcpStream, correlation_id: i32) {
    stream
        .write_all(&api_versions_frame(correlation_id))
        .await
        .unwrap();
    let read = async {
        let size = stream.read_i32().await.unwrap();
        let mut body = vec![0u8; size as usize];
        stream.read_exact(&mut body).await.unwrap();
        Bytes::from(body)
    };
    let mut frame = tokio::time::timeout(ANSWER_TIMEOUT, read)
        .await
        .expect("an answer in time");
    let header = ResponseHeader::decode(&mut frame, 0).unwrap();
    assert_eq!(header.correlation_id, correlation_id);
    let body = ApiVersionsResponse::decode(&mut frame, 3).unwrap();
    assert_eq!(body.error_code, 0);
}

/// A client with small socket buffers that writes ApiVersions requests and never reads,
/// until its writes block (the server stopped reading from it); returns the open stream.
async fn stalled_client(addr: SocketAddr) -> (TcpStream, usize) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.set_send_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let frame = api_versions_frame(0);
    let mut written = 0;
    loop {
        match tokio::time::timeout(BLOCKED_AFTER, stream.write_all(&frame)).await {
            Ok(result) => {
                result.expect("the server keeps the connection open");
                written += 1;
            }
            Err(_) => return (stream, written),
        }
    }
}

// One thread: a connection task that blocked its thread on a full socket would stop the
// whole server here, so the other connection would get no answer.
#[tokio::test(flavor = "current_thread")]
async fn clients_that_never_read_hold_up_no_other_connection() {
    let server = start().await;
    let addr = server.local_addr();
    let mut stalled = Vec::new();
    for _ in 0..4 {
        stalled.push(stalled_client(addr).await);
    }
    let frame_bytes = api_versions_frame(0).len();
    for (_, written) in &stalled {
        // More answers than fit in the socket buffers: the server's writes to it are blocked.
        assert!(*written > 1_000, "only {written} requests before blocking");
        // And it holds only socket buffers of Kafka's size for this client (the kernel doubles
        // each size; autotuned buffers would take megabytes of unread requests).
        let held = written * frame_bytes;
        let bound = 4 * server::DEFAULT_SOCKET_BUFFER_BYTES as usize;
        assert!(
            held <= bound,
            "{held} bytes of requests taken, above {bound}"
        );
    }

    let mut other = TcpStream::connect(addr).await.unwrap();
    for correlation_id in 1..=200 {
        round_trip(&mut other, correlation_id).await;
    }
    let mut fresh = TcpStream::connect(addr).await.unwrap();
    round_trip(&mut fresh, 7).await;

    drop(stalled);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_idle_connections_stay_open_and_answered() {
    let server = start().await;
    let addr = server.local_addr();
    // 2 x 400 descriptors in this process: inside the usual soft limit of 1024.
    let mut idle = Vec::new();
    for correlation_id in 0..400 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        round_trip(&mut stream, correlation_id).await;
        idle.push(stream);
    }
    let mut probe = TcpStream::connect(addr).await.unwrap();
    round_trip(&mut probe, 1).await;
    for (correlation_id, stream) in idle.iter_mut().enumerate() {
        round_trip(stream, 1_000 + correlation_id as i32).await;
    }
    server.shutdown().await;
}
