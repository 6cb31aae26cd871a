//! The outbound connection yakt uses to reach its peers, against yakt's own listener.

use std::time::Duration;

use kafka_protocol::messages::{
    AddRaftVoterRequest, ApiKey, ApiVersionsRequest, RequestKind, ResponseKind,
};
use kafka_protocol::protocol::StrBytes;
use yakt::server::client::{CallError, Peer, PeerOptions};
use yakt::server::{self, ServerOptions};

const TIMEOUT: Duration = Duration::from_secs(10);

async fn start() -> server::ServerHandle {
    server::start(ServerOptions::bare("127.0.0.1:0".parse().unwrap(), 1 << 20))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_peer_learns_the_served_ranges_and_pipelines_calls() {
    let server = start().await;
    let peer = Peer::new(server.local_addr(), PeerOptions::default());
    let ranges = peer.api_ranges().await.unwrap();
    assert_eq!(ranges.get(&(ApiKey::ApiVersions as i16)), Some(&(0, 4)));
    let request = || {
        RequestKind::ApiVersions(
            ApiVersionsRequest::default()
                .with_client_software_name(StrBytes::from_static_str("t"))
                .with_client_software_version(StrBytes::from_static_str("1")),
        )
    };
    let calls = (0..20).map(|i| {
        let peer = peer.clone();
        let request = request();
        async move { peer.call(request, 0..=(i % 5), TIMEOUT).await }
    });
    for (i, result) in futures::future::join_all(calls)
        .await
        .into_iter()
        .enumerate()
    {
        let (version, response) = result.unwrap();
        assert_eq!(version, (i % 5) as i16);
        let ResponseKind::ApiVersions(body) = response else {
            panic!("wrong response type")
        };
        assert_eq!(body.error_code, 0);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_version_the_peer_does_not_serve_is_refused_locally() {
    let server = start().await;
    let peer = Peer::new(server.local_addr(), PeerOptions::default());
    let request = RequestKind::AddRaftVoter(AddRaftVoterRequest::default());
    // yakt serves AddRaftVoter v0-1: no version in common with a caller that knows only v7.
    let error = peer.call(request, 7..=7, TIMEOUT).await.unwrap_err();
    assert!(
        matches!(
            error,
            CallError::UnsupportedVersion {
                api: ApiKey::AddRaftVoter,
                ..
            }
        ),
        "{error}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_peer_fails_fast_then_reconnects_once_it_is_up() {
    // Take a free port, then release it so nothing listens there.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let options = PeerOptions {
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        ..PeerOptions::default()
    };
    let peer = Peer::new(addr, options);
    let error = peer.api_ranges().await.unwrap_err();
    assert!(matches!(error, CallError::Disconnected { .. }), "{error}");
    let server = server::start(ServerOptions::bare(addr, 1 << 20))
        .await
        .unwrap();
    assert!(peer
        .api_ranges()
        .await
        .unwrap()
        .contains_key(&(ApiKey::ApiVersions as i16)));
    server.shutdown().await;
    // The server closed the connection: the next call fails, and does not hang.
    let request = RequestKind::ApiVersions(ApiVersionsRequest::default());
    let outcome = tokio::time::timeout(TIMEOUT, peer.call(request, 0..=2, TIMEOUT)).await;
    let error = outcome.expect("no hang").unwrap_err();
    assert!(matches!(error, CallError::Disconnected { .. }), "{error}");
}
