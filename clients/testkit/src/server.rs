//! An HTTP/1.1 server on loopback that answers with scripted replies and records what
//! it saw. One request per connection keeps it simple.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the scripted server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: String,
}

impl Seen {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A canned response.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body (sent as application/json unless a content-type header is given).
    pub body: String,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![],
            body: body.to_string(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The server: requests to `fixed` paths get their fixed reply (e.g. a token endpoint)
/// and are not recorded; every other request gets the next scripted reply (the last one
/// repeats) and is recorded.
pub struct Scripted {
    /// What the server saw, in order.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// A future that yields a connection's stream, or `None` to drop the connection.
pub type Accepted =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<Box<dyn Io>>> + Send>>;

/// Makes a connection's stream: plain TCP, or a TLS session.
pub type Wrap = Arc<dyn Fn(tokio::net::TcpStream) -> Accepted + Send + Sync>;

impl Scripted {
    /// A plain-HTTP server.
    pub async fn start(fixed: Vec<(&str, Reply)>, replies: Vec<Reply>) -> Self {
        let wrap: Wrap =
            Arc::new(|stream| Box::pin(async move { Some(Box::new(stream) as Box<dyn Io>) }));
        Self::start_with(fixed, replies, wrap).await
    }

    /// A server whose connections go through `wrap` (e.g. a TLS acceptor).
    pub async fn start_with(fixed: Vec<(&str, Reply)>, replies: Vec<Reply>, wrap: Wrap) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let replies = Arc::new(Mutex::new(replies));
        let fixed: Arc<Vec<(String, Reply)>> =
            Arc::new(fixed.into_iter().map(|(p, r)| (p.to_string(), r)).collect());
        let seen_task = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen_task.clone();
                let replies = replies.clone();
                let wrap = wrap.clone();
                let fixed = fixed.clone();
                tokio::spawn(async move {
                    let Some(mut io) = wrap(stream).await else {
                        return;
                    };
                    let Some(request) = read_request(&mut io).await else {
                        return;
                    };
                    let known = fixed
                        .iter()
                        .find(|(p, _)| request.path == *p)
                        .map(|(_, r)| r.clone());
                    let reply = if let Some(reply) = known {
                        reply
                    } else {
                        seen.lock().unwrap().push(request);
                        let mut replies = replies.lock().unwrap();
                        if replies.len() > 1 {
                            replies.remove(0)
                        } else {
                            replies[0].clone()
                        }
                    };
                    let typed = reply
                        .headers
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
                    let mut text = format!(
                        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                        reply.status,
                        reply.body.len()
                    );
                    if !typed {
                        text.push_str("content-type: application/json\r\n");
                    }
                    for (n, v) in &reply.headers {
                        text.push_str(&format!("{n}: {v}\r\n"));
                    }
                    text.push_str("\r\n");
                    text.push_str(&reply.body);
                    let _ = io.write_all(text.as_bytes()).await;
                    let _ = io.shutdown().await;
                });
            }
        });
        Self { seen, port }
    }

    /// `scheme://127.0.0.1:port`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// A copy of what the server saw.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A connection's byte stream.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn read_request(io: &mut Box<dyn Io>) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = io.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = io.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[header_end..]).to_string();
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}
