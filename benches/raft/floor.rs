//! The machine's floor under a commit: a bare `pwrite` + `fdatasync` of a small append, and a
//! loopback TCP round trip, each measured without yakt in the way.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// A file in the quorum's file system that takes small appends, each followed by `fdatasync`.
pub struct BareAppend {
    file: File,
    position: u64,
    payload: Vec<u8>,
}

impl BareAppend {
    /// A fresh file in `dir` taking appends of `record_bytes`.
    pub fn create(dir: &Path, record_bytes: usize) -> BareAppend {
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(dir.join("bare-fdatasync"))
            .expect("create the fdatasync file");
        BareAppend {
            file,
            position: 0,
            payload: vec![7u8; record_bytes],
        }
    }

    /// One `pwrite` at the end of the file and one `fdatasync`: how long both took.
    pub fn sample(&mut self) -> Duration {
        let start = Instant::now();
        self.file
            .write_all_at(&self.payload, self.position)
            .expect("pwrite");
        self.file.sync_data().expect("fdatasync");
        self.position += self.payload.len() as u64;
        start.elapsed()
    }
}

/// `samples` ping-pongs of `message_bytes` over one loopback TCP connection (Nagle off), the
/// echo served by a thread: the time of each round trip.
pub fn tcp_round_trip(message_bytes: usize, samples: usize) -> Vec<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let echo = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_nodelay(true).expect("nodelay");
        let mut buf = vec![0u8; message_bytes];
        while stream.read_exact(&mut buf).is_ok() {
            if stream.write_all(&buf).is_err() {
                break;
            }
        }
    });
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let message = vec![7u8; message_bytes];
    let mut answer = vec![0u8; message_bytes];
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        stream.write_all(&message).expect("send");
        stream.read_exact(&mut answer).expect("receive");
        times.push(start.elapsed());
    }
    drop(stream);
    let _ = echo.join();
    times
}
