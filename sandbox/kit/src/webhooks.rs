//! Webhooks a sandbox sends when state changes: to a configured URL, signed by the
//! provider's scheme, recorded so tests can look at them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One webhook the sandbox sent (or tried to).
#[derive(Clone, Debug)]
pub struct Delivery {
    /// Where it went.
    pub url: String,
    /// Its headers (signature included).
    pub headers: Vec<(String, String)>,
    /// Its body.
    pub body: Vec<u8>,
    /// The receiver's status, or None when it could not be reached.
    pub status: Option<u16>,
}

/// Sends webhooks in the background and records them.
#[derive(Clone, Debug, Default)]
pub struct WebhookSender {
    url: Arc<Mutex<Option<String>>>,
    sent: Arc<Mutex<Vec<Delivery>>>,
    /// Woken on every recorded delivery ([`WebhookSender::wait_for`]).
    recorded: Arc<tokio::sync::Notify>,
    /// Held back: nothing is sent (while a sandbox replays its saved state).
    muted: Arc<std::sync::atomic::AtomicBool>,
}

impl WebhookSender {
    /// Sets (or clears) where webhooks go.
    pub fn set_url(&self, url: Option<String>) {
        *self.url.lock().unwrap_or_else(|p| p.into_inner()) = url;
    }

    /// Holds webhooks back (`true`) or lets them go again.
    pub fn mute(&self, muted: bool) {
        self.muted.store(muted, std::sync::atomic::Ordering::SeqCst);
    }

    /// Where webhooks go.
    pub fn url(&self) -> Option<String> {
        self.url.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Everything sent so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until at least `count` deliveries are recorded (a delivery is recorded once
    /// the receiver answered or could not be reached), woken by each one rather than
    /// polling, for at most `timeout`; answers everything sent by then (fewer than
    /// `count` when the time ran out).
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Delivery> {
        let enough = async {
            loop {
                let mut recorded = std::pin::pin!(self.recorded.notified());
                // Registered before looking, so a delivery recorded in between wakes it.
                recorded.as_mut().enable();
                if self.sent.lock().unwrap_or_else(|p| p.into_inner()).len() >= count {
                    return;
                }
                recorded.await;
            }
        };
        let _ = tokio::time::timeout(timeout, enough).await;
        self.deliveries()
    }

    /// Sends `body` with `headers` and `method` to the configured URL (plus `query`, for
    /// providers that notify with a GET), in the background. Nothing happens without a URL.
    pub fn send(
        &self,
        method: reqwest::Method,
        query: Option<String>,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) {
        if self.muted.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let Some(base) = self.url() else { return };
        let url = match query {
            Some(q) if base.contains('?') => format!("{base}&{q}"),
            Some(q) => format!("{base}?{q}"),
            None => base,
        };
        let sent = self.sent.clone();
        let recorded = self.recorded.clone();
        tokio::spawn(async move {
            let client = match payspec_core::HttpConfig::default().build() {
                Ok(client) => client,
                Err(_) => return,
            };
            let mut request = client.request(method, &url);
            for (name, value) in &headers {
                request = request.header(name, value);
            }
            if !body.is_empty() {
                request = request.body(body.clone());
            }
            let status = request.send().await.ok().map(|r| r.status().as_u16());
            sent.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Delivery {
                    url,
                    headers,
                    body,
                    status,
                });
            recorded.notify_waiters();
        });
    }
}
