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
/// A write pending this long is blocked: the server has stopped reading from this client.
const BLOCKED_AFTER: Duration = Duration::from_secs(1);

/// Running slow clients; dropping this closes their connections.
pub struct SlowClients {
    /// Requests written so far, by all of them.
    pub written: Arc<AtomicU64>,
    /// How many have had a write pending for [`BLOCKED_AFTER`] (the server stopped reading).
    pub blocked: Arc<AtomicU64>,
    tasks: Vec<JoinHandle<()>>,
}

impl SlowClients {
    /// Starts `count` slow clients against `addr`: each completes ApiVersions, then writes
    /// ApiVersions requests without reading until its writes block.
    pub fn start(addr: SocketAddr, count: usize) -> SlowClients {
        let written = Arc::new(AtomicU64::new(0));
        let blocked = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::with_capacity(count);
        for _ in 0..count {
            let (written, blocked) = (Arc::clone(&written), Arc::clone(&blocked));
            tasks.push(tokio::spawn(async move {
                if let Err(error) = flood(addr, &written, &blocked).await {
                    eprintln!("slow client stopped: {error:#}");
                }
            }));
        }
        SlowClients {
            written,
            blocked,
            tasks,
        }
    }

    /// Waits until every slow client is blocked, or `limit` passed; returns whether they all
    /// are.
    pub async fn wait_blocked(&self, limit: Duration) -> bool {
        let give_up = tokio::time::Instant::now() + limit;
        let all = self.tasks.len() as u64;
        while self.blocked.load(Ordering::Relaxed) < all {
            if tokio::time::Instant::now() > give_up {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        true
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

async fn flood(addr: SocketAddr, written: &AtomicU64, blocked: &AtomicU64) -> anyhow::Result<()> {
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(SLOW_RECEIVE_BUFFER_BYTES)?;
    let stream = socket.connect(addr).await?;
    let mut conn = Conn::from_stream(stream)?;
    conn.api_versions(Duration::from_secs(10)).await?;
    let request = api_versions_request();
    let mut counted = false;
    loop {
        let write = conn.write(&request, API_VERSIONS_VERSION);
        tokio::pin!(write);
        // The write is never cancelled (that would cut a frame); it is only watched.
        let done = tokio::select! {
            done = &mut write => Some(done),
            _ = tokio::time::sleep(BLOCKED_AFTER), if !counted => None,
        };
        match done {
            Some(done) => done?,
            None => {
                counted = true;
                blocked.fetch_add(1, Ordering::Relaxed);
                write.await?
            }
        };
        written.fetch_add(1, Ordering::Relaxed);
    }
}
