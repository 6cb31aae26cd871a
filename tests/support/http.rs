//! A minimal HTTP/1.1 client for yakt's admin listener (`yakt.admin.listener`): `GET` with the
//! status, the headers and the body (framed by Content-Length, chunked, or by the server
//! closing), the body as text or JSON, a kept-alive connection, and an ndjson body read line by
//! line as its chunks arrive (`/v1/stream`). It speaks only what those answers need: no
//! redirects, no trailers, no TLS.

use std::io;
use std::net::SocketAddr;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A whole answer: status, headers (names lower-cased) and the decoded body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers in the order sent, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, chunked transfer coding removed.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }

    /// The body as JSON; the Content-Type must say so.
    pub fn json(&self) -> Value {
        assert_eq!(self.header("content-type"), Some("application/json"));
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("a JSON body ({e}): {}", String::from_utf8_lossy(&self.body))
        })
    }
}

/// `GET path` on a connection of its own (`Connection: close`): the whole answer.
pub async fn request(addr: SocketAddr, path: &str) -> Response {
    Connection::open(addr).await.exchange(path, true).await
}

/// `GET path`: the status and the body as text.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = request(addr, path).await;
    (response.status, response.text())
}

/// `GET path`: the status and the body as JSON (the Content-Type must be
/// `application/json`).
pub async fn get_json(addr: SocketAddr, path: &str) -> (u16, Value) {
    let response = request(addr, path).await;
    (response.status, response.json())
}

/// One HTTP/1.1 connection; requests on it are kept alive unless they ask otherwise.
pub struct Connection {
    reader: BufReader<TcpStream>,
    addr: SocketAddr,
}

impl Connection {
    /// Connects to `addr`.
    pub async fn open(addr: SocketAddr) -> Connection {
        let stream = TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        Connection {
            reader: BufReader::new(stream),
            addr,
        }
    }

    /// `GET path` without `Connection: close`, its answer read whole (it must be framed by
    /// Content-Length or chunked): the connection stays open for the next request.
    pub async fn get(&mut self, path: &str) -> Response {
        self.exchange(path, false).await
    }

    /// Reads whatever else the server sends until it closes the connection.
    pub async fn read_to_end(&mut self, rest: &mut Vec<u8>) -> io::Result<usize> {
        self.reader.read_to_end(rest).await
    }

    /// `GET path` and its whole answer; `close` asks the server to close after it.
    async fn exchange(&mut self, path: &str, close: bool) -> Response {
        self.send_get(path, close).await;
        let (status, headers) = self.read_head().await;
        let body = self.read_body(&headers, close).await;
        Response {
            status,
            headers,
            body,
        }
    }

    async fn send_get(&mut self, path: &str, close: bool) {
        let addr = self.addr;
        let connection = if close { "Connection: close\r\n" } else { "" };
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{connection}\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(request.as_bytes()).await.unwrap();
    }

    /// The status line and the headers, up to the blank line before the body.
    async fn read_head(&mut self) -> (u16, Vec<(String, String)>) {
        let status_line = self.read_line().await;
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("an HTTP/1.1 status line: {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let line = self.read_line().await;
            if line.is_empty() {
                return (status, headers);
            }
            let (name, value) = line.split_once(':').expect("a header line");
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
    }

    /// The body as `headers` frame it; unframed only if the server closes after it.
    async fn read_body(&mut self, headers: &[(String, String)], closing: bool) -> Vec<u8> {
        let mut body = Vec::new();
        if header(headers, "transfer-encoding") == Some("chunked") {
            while self.read_chunk(&mut body).await {}
        } else if let Some(length) = header(headers, "content-length") {
            body.resize(length.parse().expect("a numeric Content-Length"), 0);
            self.reader.read_exact(&mut body).await.unwrap();
        } else {
            assert!(closing, "an answer framed by Content-Length or chunked");
            self.reader.read_to_end(&mut body).await.unwrap();
        }
        body
    }

    /// Appends one chunk of a chunked body to `body`; false at the last (empty) chunk.
    async fn read_chunk(&mut self, body: &mut Vec<u8>) -> bool {
        let size = self.read_line().await;
        let size = usize::from_str_radix(&size, 16)
            .unwrap_or_else(|_| panic!("a hexadecimal chunk size: {size:?}"));
        let mut chunk = vec![0; size + 2];
        self.reader.read_exact(&mut chunk).await.unwrap();
        assert!(chunk.ends_with(b"\r\n"), "a chunk ends with CRLF");
        body.extend_from_slice(&chunk[..size]);
        size > 0
    }

    /// One line without its line end.
    async fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).await.unwrap();
        line.trim_end_matches(['\r', '\n']).to_owned()
    }
}

/// A chunked `application/x-ndjson` answer (`/v1/stream`), read one JSON line at a time as its
/// chunks arrive.
pub struct NdjsonStream {
    connection: Connection,
    pending: Vec<u8>,
}

impl NdjsonStream {
    /// `GET path`; the answer must be 200, `application/x-ndjson` and chunked.
    pub async fn open(addr: SocketAddr, path: &str) -> NdjsonStream {
        let mut connection = Connection::open(addr).await;
        connection.send_get(path, true).await;
        let (status, headers) = connection.read_head().await;
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "content-type"),
            Some("application/x-ndjson")
        );
        assert_eq!(header(&headers, "transfer-encoding"), Some("chunked"));
        NdjsonStream {
            connection,
            pending: Vec::new(),
        }
    }

    /// The next line, as JSON; panics if the body ends first.
    pub async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return serde_json::from_slice(&line).expect("a JSON line");
            }
            let more = self.connection.read_chunk(&mut self.pending).await;
            assert!(more, "the stream ended");
        }
    }

    /// Reads until the body ends (its last chunk).
    pub async fn until_end(&mut self) {
        while self.connection.read_chunk(&mut self.pending).await {}
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let found = headers.iter().find(|(n, _)| n == name);
    found.map(|(_, value)| value.as_str())
}
