//! Helpers shared by the Nopan integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::prelude::*;
use payspec_core::RetryPolicy;
use payspec_core::idempotency::SequentialKeys;
use payspec_nopan::{Client, ClientBuilder, Scope};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

pub const TOKEN: &str = "header.payload.signature";

/// A retry policy with short waits, so retry tests stay fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        deadline: Duration::from_secs(10),
        extra_statuses: vec![reqwest::StatusCode::LOCKED],
    }
}

/// A builder pointed at `base_url` with deterministic idempotency keys `test-1`, ...
pub fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .processing_account_id("merchant")
        .scope(Scope::PaymentsProcess)
        .retry_policy(fast_retries())
        .idempotency_keys(Arc::new(SequentialKeys::new("test")))
}

/// The token endpoint exactly as Nopan documents it.
pub fn token_mock(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/auth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&processing_account_id=merchant&scope=payments%3Aprocess");
        then.status(200).json_body(serde_json::json!({
            "access_token": TOKEN,
            "expires_in": 7200,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "payments:process"
        }));
    })
}

/// One request as the scripted server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
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
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![],
            body: body.to_string(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// An HTTP/1.1 server on loopback that answers token requests with a token and every
/// other request with the next scripted reply (the last one repeats), recording what
/// it saw. One request per connection keeps it simple.
pub struct Scripted {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub port: u16,
}

impl Scripted {
    pub async fn start(replies: Vec<Reply>) -> Self {
        Self::start_with(replies, |stream| async move {
            Some(Box::new(stream) as Box<dyn Io>)
        })
        .await
    }

    /// Starts a server whose connections go through `wrap` (e.g. a TLS acceptor).
    pub async fn start_with<F, Fut>(replies: Vec<Reply>, wrap: F) -> Self
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Option<Box<dyn Io>>> + Send,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let replies = Arc::new(Mutex::new(replies));
        let wrap = Arc::new(wrap);
        let seen_task = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen_task.clone();
                let replies = replies.clone();
                let wrap = wrap.clone();
                tokio::spawn(async move {
                    let Some(mut io) = wrap(stream).await else {
                        return;
                    };
                    let Some(request) = read_request(&mut io).await else {
                        return;
                    };
                    let reply = if request.path == "/auth/token" {
                        Reply::json(
                            200,
                            serde_json::json!({"access_token": TOKEN, "expires_in": 7200}),
                        )
                    } else {
                        seen.lock().unwrap().push(request);
                        let mut replies = replies.lock().unwrap();
                        if replies.len() > 1 {
                            replies.remove(0)
                        } else {
                            replies[0].clone()
                        }
                    };
                    let mut text = format!(
                        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                        reply.status,
                        reply.body.len()
                    );
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

    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

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
