//! Start-up of a controller quorum, judged from outside: polls DescribeCluster (controller
//! endpoints) on every address until all of them name the same active controller, and prints
//! the milliseconds since the processes were launched. The same poll serves a yakt quorum and a
//! Java KRaft controller quorum; `scripts/bench-startup` launches both.
//!
//! `cargo bench --bench quorum_startup -- <launch time, Unix ns> <host:port>...`

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kafka_protocol::messages::{DescribeClusterRequest, RequestKind, ResponseKind};
use yakt::server::client::{Peer, PeerOptions};

/// How long the quorum may take before the poll gives up.
const GIVE_UP_AFTER: Duration = Duration::from_secs(120);
/// The pause between polls.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// The active controller `addr` names, if it answers and knows one.
async fn leader_of(addr: SocketAddr) -> Option<i32> {
    let options = PeerOptions {
        connect_timeout: Duration::from_millis(200),
        ..PeerOptions::default()
    };
    // A fresh peer each poll: no reconnection backoff between polls.
    let peer = Peer::new(addr, options);
    let request =
        RequestKind::DescribeCluster(DescribeClusterRequest::default().with_endpoint_type(2));
    match peer.call(request, 1..=2, Duration::from_secs(1)).await {
        Ok((_, ResponseKind::DescribeCluster(r))) if r.controller_id.0 >= 0 => {
            Some(r.controller_id.0)
        }
        _ => None,
    }
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_nanos()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let usage = "usage: quorum_startup <launch time, Unix ns> <host:port>...";
    let Some((launched, addrs)) = args.split_first() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let launched: u128 = launched.parse().expect(usage);
    let addrs: Vec<SocketAddr> = addrs.iter().map(|a| a.parse().expect(usage)).collect();
    let deadline = tokio::time::Instant::now() + GIVE_UP_AFTER;
    loop {
        let mut leaders = Vec::new();
        for &addr in &addrs {
            leaders.push(leader_of(addr).await);
        }
        let agreed = leaders
            .first()
            .copied()
            .flatten()
            .filter(|first| !addrs.is_empty() && leaders.iter().all(|l| *l == Some(*first)));
        if let Some(leader) = agreed {
            let elapsed_ms = (now_ns() - launched) as f64 / 1e6;
            println!("leader {leader} agreed by all after {elapsed_ms:.0} ms");
            return;
        }
        if tokio::time::Instant::now() > deadline {
            eprintln!("no agreed leader within {GIVE_UP_AFTER:?}: {leaders:?}");
            std::process::exit(1);
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
