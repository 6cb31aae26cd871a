//! Slow clients: connections that send requests and never read a response. Each one's
//! receive buffer is kept small, so the server's answers soon fill both socket buffers and
//! the server must stop writing to (and reading from) that connection while it serves others.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpSocket;
use tokio::task::JoinHandle;

use crate::wire::{api_versions_request, Conn, API_VERSIONS_VERSION};

/// The receive buffer a slow client asks for (the kernel may double it).
const SLOW_RECEIVE_BUFFER_BYTES: u32 = 4096;

/// Running slow clients; dropping this closes their connections.
pub struct SlowClients {
    /// Requests written so far, by all of them.
    pub written: Arc<AtomicU64>,
    tasks: Vec<JoinHandle<()>>,
}

impl SlowClients {
    /// Starts `count` slow clients against `addr`: each completes ApiVersions, then writes
    /// ApiVersions requests without reading until its writes block.
    pub fn start(addr: SocketAddr, count: usize) -> SlowClients {
        let written = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::with_capacity(count);
        for _ in 0..count {
            let written = Arc::clone(&written);
            tasks.push(tokio::spawn(async move {
                if let Err(error) = flood(addr, &written).await {
                    eprintln!("slow client stopped: {error:#}");
                }
            }));
        }
        SlowClients { written, tasks }
    }

    /// Waits until no slow client has written anything for `quiet` (every one is blocked on
    /// full buffers), or `limit` passed; returns whether they all stalled.
    pub async fn wait_stalled(&self, quiet: Duration, limit: Duration) -> bool {
        let give_up = tokio::time::Instant::now() + limit;
        let mut last = self.written.load(Ordering::Relaxed);
        while tokio::time::Instant::now() < give_up {
            tokio::time::sleep(quiet).await;
            let now = self.written.load(Ordering::Relaxed);
            if now == last && now > 0 {
                return true;
            }
            last = now;
        }
        false
    }

    /// How many slow clients are still connected (blocked, not failed).
    pub fn alive(&self) -> usize {
        self.tasks.iter().filter(|t| !t.is_finished()).count()
    }
}

impl Drop for SlowClients {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn flood(addr: SocketAddr, written: &AtomicU64) -> anyhow::Result<()> {
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(SLOW_RECEIVE_BUFFER_BYTES)?;
    let stream = socket.connect(addr).await?;
    let mut conn = Conn::from_stream(stream)?;
    conn.api_versions(Duration::from_secs(10)).await?;
    let request = api_versions_request();
    loop {
        conn.write(&request, API_VERSIONS_VERSION).await?;
        written.fetch_add(1, Ordering::Relaxed);
    }
}
