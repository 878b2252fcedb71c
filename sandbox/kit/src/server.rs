//! The sandbox HTTP server: one provider handler behind fault injection and an admin API.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::faults::{Fault, Faults, Step};
use payspec_core::ConfigError;

/// A request, read whole.
#[derive(Clone, Debug)]
pub struct Request {
    /// The method.
    pub method: http::Method,
    /// The path, without the query.
    pub path: String,
    /// The query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The request target as sent (path and query, the base path included), for
    /// what must see it byte for byte (an RFC 9421 `@request-target`).
    pub target: String,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
    /// `http://127.0.0.1:<port>`: where the payer's pages are (plain HTTP, also for a
    /// sandbox whose API needs mutual TLS); the links a provider gives are built on it.
    pub pages: String,
}

impl Request {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first query parameter called `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The bearer token of `Authorization`, if any.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    /// The user and password of HTTP Basic `Authorization`, if any.
    pub fn basic(&self) -> Option<(String, String)> {
        use base64::Engine;
        let encoded = self.header("authorization")?.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        Some((user.to_string(), password.to_string()))
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as form pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The non-empty path segments.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// A response.
#[derive(Clone, Debug)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    changed_state: bool,
}

impl Response {
    /// The value of a header this response carries.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            changed_state: false,
        }
    }

    /// A response without a body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            changed_state: false,
        }
    }

    /// An HTML page.
    pub fn html(status: u16, page: String) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
            body: page.into_bytes(),
            changed_state: false,
        }
    }

    /// `303 See Other` to `location`: where a browser goes after a form's POST.
    pub fn redirect(location: &str) -> Self {
        Self::empty(303).with_header("location", location)
    }

    /// A body of `content_type`, as it is (a file, a download).
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
            changed_state: false,
        }
    }

    /// A plain-text response.
    pub fn text(status: u16, text: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: text.as_bytes().to_vec(),
            changed_state: false,
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Marks that handling the request changed state, so a "drop the connection after
    /// the state change" fault applies to it.
    pub fn state_changed(mut self) -> Self {
        self.changed_state = true;
        self
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// A provider's behaviour.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, request: Request) -> Response;

    /// The provider's spec's paths and methods (its generated `OPERATIONS.routes`): a
    /// request to a path the spec has, with a method it does not list, is answered 405
    /// with `Allow` before [`Handler::handle`] sees it. Empty: every request is handled.
    fn routes(&self) -> &'static [payspec_core::Route] {
        &[]
    }

    /// What the sandbox holds, for tests (`GET /__sandbox/state` answers it as JSON).
    fn state(&self) -> crate::State {
        crate::State::default()
    }

    /// The provider's webhook sender, so `PUT /__sandbox/webhooks` can set where
    /// webhooks go and `GET /__sandbox/webhooks` can list what was sent.
    fn webhooks(&self) -> Option<&crate::WebhookSender> {
        None
    }

    /// A page the provider sends the payer to (paths under `/payer/`, outside the API's
    /// base path): `GET` shows it, `POST` applies the payer's choice. `None`: no such page.
    fn payer_page(&self, request: &Request) -> Option<Response> {
        let _ = request;
        None
    }

    /// The path of the spec's server URL (`/api/4.0` for `https://host/api/4.0`): the
    /// sandbox serves the spec's paths under it, and answers 404 outside it.
    fn base_path(&self) -> &'static str {
        ""
    }

    /// The last step of every API answer (not the payer's pages or the admin routes):
    /// a provider that signs its answers signs it here.
    fn seal(&self, response: Response) -> Response {
        response
    }

    /// An error answer of `status` in the provider's own envelope and codes (for the
    /// sandbox's own refusals: an unlisted method, an injected fault).
    fn error(&self, status: u16, message: &str, request: &Request) -> Response {
        let _ = request;
        Response::json(status, &serde_json::json!({"error": message}))
    }
}

/// The methods the spec lists for `path`, when `routes` has a path that matches it. A
/// concrete path wins over a templated one (`/payments/cancel` over `/payments/{id}`),
/// as OpenAPI matches them.
fn allowed(routes: &'static [payspec_core::Route], path: &str) -> Option<Vec<&'static str>> {
    let literal = |route: &payspec_core::Route| {
        route
            .path
            .split('/')
            .filter(|s| !s.starts_with('{'))
            .count()
    };
    let matching: Vec<&payspec_core::Route> =
        routes.iter().filter(|route| route.matches(path)).collect();
    let most = matching.iter().map(|route| literal(route)).max()?;
    let mut methods: Vec<&'static str> = matching
        .into_iter()
        .filter(|route| literal(route) == most)
        .flat_map(|route| route.methods.iter().copied())
        .collect();
    methods.sort_unstable();
    methods.dedup();
    Some(methods)
}

/// A running sandbox server; stops when dropped.
pub struct SandboxServer {
    addr: SocketAddr,
    tls: bool,
    faults: Faults,
    base_path: &'static str,
    pages: String,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    accepting: Vec<tokio::task::JoinHandle<()>>,
}

/// What every connection of one sandbox is served with.
#[derive(Clone)]
struct Serving {
    handler: Arc<dyn Handler>,
    faults: Faults,
    pages: String,
    journal: Option<crate::journal::Journal>,
}

/// Accepts connections on `listener` until `stopped` turns true; `pages_only` serves the
/// payer's pages and nothing else.
async fn accept(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    serving: Serving,
    pages_only: bool,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let serving = serving.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let serving = serving.clone();
                async move { serve(serving, pages_only, request).await }
            });
            match acceptor {
                Some(acceptor) => {
                    // A client without an acceptable certificate fails here.
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                }
                None => {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
            }
        });
    }
}

impl std::fmt::Debug for SandboxServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxServer")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl Drop for SandboxServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(true);
        }
    }
}

#[derive(serde::Deserialize)]
struct AdminFaults {
    #[serde(default)]
    clear: bool,
    #[serde(default)]
    latency_ms: Option<u64>,
    #[serde(default)]
    fail: Vec<Fault>,
    #[serde(default)]
    drop_after_state_change: u32,
    #[serde(default)]
    only_for_paths: Option<String>,
}

#[derive(serde::Deserialize)]
struct AdminWebhooks {
    url: Option<String>,
}

fn admin(handler: &dyn Handler, faults: &Faults, request: &Request) -> Response {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/__sandbox/health") => Response::json(200, &serde_json::json!({"status": "ok"})),
        ("GET", "/__sandbox/state") => match serde_json::to_value(handler.state()) {
            Ok(state) => Response::json(200, &state),
            Err(e) => Response::json(500, &serde_json::json!({"error": e.to_string()})),
        },
        ("GET", "/__sandbox/webhooks") => match handler.webhooks() {
            Some(webhooks) => {
                let deliveries: Vec<serde_json::Value> = webhooks
                    .deliveries()
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "url": d.url, "status": d.status,
                            "headers": d.headers.iter().map(|(n, v)| serde_json::json!([n, v])).collect::<Vec<_>>(),
                            "body": String::from_utf8_lossy(&d.body),
                        })
                    })
                    .collect();
                Response::json(
                    200,
                    &serde_json::json!({"url": webhooks.url(), "deliveries": deliveries}),
                )
            }
            None => Response::json(
                404,
                &serde_json::json!({"error": "this sandbox sends no webhooks"}),
            ),
        },
        ("PUT", "/__sandbox/webhooks") => {
            match (
                handler.webhooks(),
                serde_json::from_slice::<AdminWebhooks>(&request.body),
            ) {
                (Some(webhooks), Ok(set)) => {
                    webhooks.set_url(set.url);
                    Response::json(200, &serde_json::json!({"url": webhooks.url()}))
                }
                (None, _) => Response::json(
                    404,
                    &serde_json::json!({"error": "this sandbox sends no webhooks"}),
                ),
                (_, Err(e)) => Response::json(400, &serde_json::json!({"error": e.to_string()})),
            }
        }
        ("POST", "/__sandbox/faults") => match serde_json::from_slice::<AdminFaults>(&request.body)
        {
            Ok(set) => {
                if set.clear {
                    faults.clear();
                }
                if let Some(ms) = set.latency_ms {
                    faults.set_latency(std::time::Duration::from_millis(ms));
                }
                for fault in set.fail {
                    faults.fail_next(1, fault.status, fault.retry_after);
                }
                faults.drop_after_state_change(set.drop_after_state_change);
                if set.only_for_paths.is_some() {
                    faults.only_for_paths(set.only_for_paths);
                }
                Response::json(200, &serde_json::json!({"status": "ok"}))
            }
            Err(e) => Response::json(400, &serde_json::json!({"error": e.to_string()})),
        },
        _ => Response::json(404, &serde_json::json!({"error": "unknown admin route"})),
    }
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

/// Feeds `handler` what `state` recorded, in order, with its webhooks held back (they
/// were sent when it happened).
fn replay(handler: &dyn Handler, state: &crate::StateFile, pages: &str) {
    if let Some(webhooks) = handler.webhooks() {
        webhooks.mute(true);
    }
    for request in crate::journal::recorded(state, pages) {
        if request.path.starts_with(crate::pages::PREFIX) {
            let _ = handler.payer_page(&request);
        } else {
            let _ = handler.handle(request);
        }
    }
    if let Some(webhooks) = handler.webhooks() {
        webhooks.mute(false);
    }
}

/// The largest request body the sandbox reads (1 MiB); a larger one is answered 413.
const MAX_BODY: usize = 1 << 20;

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

async fn serve(
    serving: Serving,
    pages_only: bool,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
    let Serving {
        handler,
        faults,
        pages,
        journal,
    } = serving;
    let (parts, body) = request.into_parts();
    let body = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return Ok(to_hyper(Response::text(
                413,
                "request body over the sandbox's limit",
            )));
        }
    };
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let request = Request {
        method: parts.method,
        path: parts.uri.path().to_string(),
        target: parts.uri.path_and_query().map_or_else(
            || parts.uri.path().to_string(),
            |pq| pq.as_str().to_string(),
        ),
        query,
        headers: parts.headers,
        body,
        pages,
    };
    if pages_only && !request.path.starts_with(crate::pages::PREFIX) {
        return Ok(to_hyper(crate::pages::not_found()));
    }
    if request.path.starts_with("/__sandbox/") {
        return Ok(to_hyper(admin(handler.as_ref(), &faults, &request)));
    }
    if request.path.starts_with(crate::pages::PREFIX) {
        let answer = handler
            .payer_page(&request)
            .unwrap_or_else(crate::pages::not_found);
        if let Some(journal) = &journal
            && answer.changed_state
        {
            journal.record(&request);
        }
        return Ok(to_hyper(answer));
    }
    let mut request = request;
    let base = handler.base_path();
    if !base.is_empty() {
        match request.path.strip_prefix(base) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                request.path = if rest.is_empty() {
                    "/".into()
                } else {
                    rest.to_string()
                };
            }
            _ => {
                let message = format!("not found: the API is under {base}");
                return Ok(to_hyper(
                    handler.seal(handler.error(404, &message, &request)),
                ));
            }
        }
    }
    if let Some(methods) = allowed(handler.routes(), &request.path) {
        // HEAD is GET without the body (RFC 9110, 9.3.2).
        let method = match request.method.as_str() {
            "HEAD" => "GET",
            other => other,
        };
        if !methods.contains(&method) {
            let message = format!("method {} not allowed here", request.method);
            let refused = handler.error(405, &message, &request);
            let refused = refused.with_header("allow", &methods.join(", "));
            return Ok(to_hyper(handler.seal(refused)));
        }
    }
    let latency = faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let step = faults.take_step(&request.path);
    let scripted_failure = match &step {
        Some(Step::Fail(fault)) => Some(fault.clone()),
        _ => None,
    };
    let failure = match step {
        Some(_) => scripted_failure,
        None => faults.take_failure(&request.path),
    };
    if let Some(fault) = failure {
        let mut response = handler.error(fault.status, "injected fault", &request);
        if let Some(seconds) = fault.retry_after {
            response = response.with_header("retry-after", &seconds.to_string());
        }
        return Ok(to_hyper(handler.seal(response)));
    }
    let path = request.path.clone();
    // Journaled: every request but a GET, and a GET that changed state (tokens and
    // failed writes included: a replay must use the seeded ids as the first run did).
    let copy = journal.as_ref().map(|_| request.clone());
    let response = handler.handle(request);
    if let (Some(journal), Some(copy)) = (&journal, copy)
        && (copy.method != http::Method::GET || response.changed_state)
    {
        journal.record(&copy);
    }
    if step == Some(Step::Drop) {
        return Err(DropConnection);
    }
    if step.is_none() && response.changed_state && faults.take_drop(&path) {
        return Err(DropConnection);
    }
    Ok(to_hyper(handler.seal(response)))
}

impl SandboxServer {
    /// Serves `handler` on 127.0.0.1 (`port` 0: a free port), over TLS with `tls`.
    pub async fn start(
        handler: Arc<dyn Handler>,
        tls: Option<Arc<rustls::ServerConfig>>,
        port: u16,
    ) -> Result<Self, ConfigError> {
        Self::serve(handler, tls, port, None).await
    }

    /// Serves `handler` as `config` says: its port, and with [`crate::Config::state_file`]
    /// the state saved before (replayed with webhooks held back, before the first
    /// request is taken) and every change saved from now on.
    pub async fn start_config(
        handler: Arc<dyn Handler>,
        tls: Option<Arc<rustls::ServerConfig>>,
        config: &crate::Config,
    ) -> Result<Self, ConfigError> {
        let journal = config.state_file.clone().map(crate::journal::Journal::new);
        Self::serve(
            handler,
            tls,
            config.port,
            journal.zip(config.state_file.clone()),
        )
        .await
    }

    async fn serve(
        handler: Arc<dyn Handler>,
        tls: Option<Arc<rustls::ServerConfig>>,
        port: u16,
        saved: Option<(crate::journal::Journal, crate::StateFile)>,
    ) -> Result<Self, ConfigError> {
        let listener =
            TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| ConfigError::Invalid {
                    name: "sandbox port",
                    reason: e.to_string(),
                })?;
        let addr = listener.local_addr().map_err(|e| ConfigError::Invalid {
            name: "sandbox port",
            reason: e.to_string(),
        })?;
        let faults = Faults::default();
        let (shutdown, stopped) = tokio::sync::watch::channel(false);
        let acceptor = tls.clone().map(tokio_rustls::TlsAcceptor::from);
        let base_path = handler.base_path();
        // The payer's pages are for a browser, which has no client certificate and does
        // not trust the sandbox's CA: behind TLS they get a plain listener of their own.
        let (pages, pages_listener) = match &tls {
            None => (format!("http://127.0.0.1:{}", addr.port()), None),
            Some(_) => {
                let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
                    ConfigError::Invalid {
                        name: "sandbox pages port",
                        reason: e.to_string(),
                    }
                })?;
                let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
                (format!("http://127.0.0.1:{port}"), Some(listener))
            }
        };
        let journal = match saved {
            None => None,
            Some((journal, state)) => {
                replay(handler.as_ref(), &state, &pages);
                Some(journal)
            }
        };
        let serving = Serving {
            handler,
            faults: faults.clone(),
            pages: pages.clone(),
            journal,
        };
        let mut accepting = vec![tokio::spawn(accept(
            listener,
            acceptor,
            serving.clone(),
            false,
            stopped.clone(),
        ))];
        if let Some(listener) = pages_listener {
            accepting.push(tokio::spawn(accept(listener, None, serving, true, stopped)));
        }
        Ok(Self {
            addr,
            tls: tls.is_some(),
            faults,
            base_path,
            pages,
            shutdown: Some(shutdown),
            accepting,
        })
    }

    /// Stops accepting connections; when it returns, the port is free.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(true);
        }
        for accepting in std::mem::take(&mut self.accepting) {
            let _ = accepting.await;
        }
    }

    /// `http(s)://127.0.0.1:<port>` followed by the spec's base path: what a client's
    /// base URL is.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.root_url(), self.base_path)
    }

    /// Where the payer's pages are (`http://127.0.0.1:<port>`; for a mutual-TLS sandbox a
    /// second, plain port that serves nothing else).
    pub fn pages_url(&self) -> String {
        self.pages.clone()
    }

    /// `http(s)://127.0.0.1:<port>`: where the admin routes (`/__sandbox/...`) are.
    pub fn root_url(&self) -> String {
        format!(
            "{}://127.0.0.1:{}",
            if self.tls { "https" } else { "http" },
            self.addr.port()
        )
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The faults of this server.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }
}
