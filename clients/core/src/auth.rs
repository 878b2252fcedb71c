//! Authentication: static bearer, Basic, and OAuth2 token sources with a cache that
//! refreshes before expiry and lets exactly one refresh run however many tasks wait.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::secret::Secret;

/// A source of "now", injectable so token expiry can be tested without sleeping.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to (for tests).
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset_ms: AtomicU64,
}

impl ManualClock {
    /// A clock standing at the current instant.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            offset_ms: AtomicU64::new(0),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |at| {
                Some(at.saturating_add(ms))
            });
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let offset = Duration::from_millis(self.offset_ms.load(Ordering::SeqCst));
        self.start.checked_add(offset).unwrap_or(self.start)
    }
}

/// An access token as a token endpoint issued it.
#[derive(Clone, Debug)]
pub struct Token {
    /// The bearer value.
    pub access_token: Secret,
    /// Lifetime from the moment it was issued, when the endpoint said.
    pub expires_in: Option<Duration>,
    /// A refresh token, when the endpoint issued one.
    pub refresh_token: Option<Secret>,
    /// Granted scopes, as the endpoint listed them.
    pub scope: Option<String>,
}

/// Why a token could not be had.
pub enum TokenError {
    /// The token endpoint could not be reached or its answer not read.
    Transport(reqwest::Error),
    /// The token endpoint answered with an error; the response is kept whole so the
    /// caller gets the provider's own error body.
    Rejected(http::Response<bytes::Bytes>),
}

impl fmt::Debug for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => f.debug_tuple("Transport").field(e).finish(),
            Self::Rejected(r) => f
                .debug_tuple("Rejected")
                .field(&r.status().as_u16())
                .finish(),
        }
    }
}

/// Boxed future returned by [`TokenSource::fetch`].
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Token, TokenError>> + Send + 'a>>;

/// Something that can get a fresh access token. Caching and single-flight are the
/// [`TokenCache`]'s job, so a source only fetches.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Gets a new token over `http` (the client's own connection settings: a provider
    /// that wants mTLS on the token call gets it).
    fn fetch<'a>(&'a self, http: &'a reqwest::Client) -> TokenFuture<'a>;
}

#[derive(Clone)]
struct Cached {
    token: Arc<Token>,
    /// When the token stops being handed out (expiry minus the margin).
    refresh_at: Option<Instant>,
    generation: u64,
}

/// Caches a [`TokenSource`]'s token, refreshes it `margin` before it expires, and runs
/// one refresh at a time: callers that arrive during a refresh wait for its result.
pub struct TokenCache {
    source: Arc<dyn TokenSource>,
    margin: Duration,
    default_lifetime: Option<Duration>,
    clock: Arc<dyn Clock>,
    retry: crate::RetryPolicy,
    state: Mutex<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.source)
            .field("margin", &self.margin)
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A token handed out by the cache, with the generation needed to report it rejected.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The token.
    pub token: Arc<Token>,
    generation: u64,
}

impl TokenCache {
    /// Wraps a source. Tokens are refreshed 60 s before they expire.
    pub fn new(source: Arc<dyn TokenSource>) -> Self {
        Self {
            source,
            margin: Duration::from_secs(60),
            default_lifetime: None,
            clock: Arc::new(SystemClock),
            retry: crate::RetryPolicy::default(),
            state: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        }
    }

    /// How transient failures of the token endpoint (no connection, 429, 503, ...) are
    /// retried: a token request is always safe to repeat. Default: [`crate::RetryPolicy`]'s.
    pub fn with_retry(mut self, retry: crate::RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long before expiry a token is replaced. A token that lives no longer than
    /// twice the margin is replaced at half its lifetime instead, so a short-lived token
    /// is still reused.
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Lifetime assumed when the endpoint gives none (by default such a token is kept
    /// until the API rejects it).
    pub fn with_default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = Some(lifetime);
        self
    }

    /// Uses another clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How many times the source was asked for a token.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    fn current(&self, now: Instant) -> Option<IssuedToken> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.as_ref().and_then(|cached| match cached.refresh_at {
            Some(at) if now >= at => None,
            _ => Some(IssuedToken {
                token: cached.token.clone(),
                generation: cached.generation,
            }),
        })
    }

    /// The cached token if it is still fresh, without waiting; `None` when one must be
    /// fetched (use [`TokenCache::token`]).
    pub fn cached(&self) -> Option<IssuedToken> {
        self.current(self.clock.now())
    }

    /// A valid token: the cached one, or a new one fetched by exactly one caller.
    pub async fn token(&self, http: &reqwest::Client) -> Result<IssuedToken, TokenError> {
        if let Some(issued) = self.current(self.clock.now()) {
            return Ok(issued);
        }
        let _guard = self.refresh.lock().await;
        // Another caller may have refreshed while this one waited.
        if let Some(issued) = self.current(self.clock.now()) {
            return Ok(issued);
        }
        self.fetch_locked(http).await
    }

    /// Replaces a token the API rejected as expired. When another caller already
    /// replaced it, that newer token is returned and nothing is fetched.
    pub async fn replace(
        &self,
        http: &reqwest::Client,
        rejected: &IssuedToken,
    ) -> Result<IssuedToken, TokenError> {
        let _guard = self.refresh.lock().await;
        let newer = {
            let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state
                .as_ref()
                .filter(|c| c.generation != rejected.generation)
                .map(|c| IssuedToken {
                    token: c.token.clone(),
                    generation: c.generation,
                })
        };
        if let Some(issued) = newer {
            return Ok(issued);
        }
        self.fetch_locked(http).await
    }

    /// Asks the source, retrying transient failures with the policy (a token request
    /// changes nothing, so it is always safe to repeat).
    async fn fetch_retrying(&self, http: &reqwest::Client) -> Result<Token, TokenError> {
        let started = Instant::now();
        let mut attempt: u32 = 1;
        loop {
            let error = match self.source.fetch(http).await {
                Ok(token) => return Ok(token),
                Err(error) => error,
            };
            let (transient, server_wait) = match &error {
                TokenError::Transport(e) => (crate::classify::is_transient_transport(e), None),
                TokenError::Rejected(response) => (
                    crate::classify::is_transient_status(response.status())
                        || self.retry.extra_statuses.contains(&response.status()),
                    crate::retry::retry_after(response.headers()),
                ),
            };
            attempt = attempt.saturating_add(1);
            let delay = transient
                .then(|| {
                    self.retry
                        .next_delay(attempt, started.elapsed(), server_wait)
                })
                .flatten();
            let Some(delay) = delay else {
                return Err(error);
            };
            tracing::debug!(attempt, delay_ms = ?delay, "token endpoint failed transiently; retrying");
            self.fetches.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
        }
    }

    /// When a token issued at `issued_at` living `lifetime` stops being handed out:
    /// `margin` before it expires, or at half its lifetime when that comes later (a
    /// 45-second token with a 60-second margin is still reused for 22.5 s). `None`
    /// (keep it until rejected) when the instant cannot be represented.
    pub fn refresh_instant(
        issued_at: Instant,
        lifetime: Duration,
        margin: Duration,
    ) -> Option<Instant> {
        let margin = margin.min(lifetime / 2);
        issued_at.checked_add(lifetime.saturating_sub(margin))
    }

    async fn fetch_locked(&self, http: &reqwest::Client) -> Result<IssuedToken, TokenError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let issued_at = self.clock.now();
        let token = self.fetch_retrying(http).await?;
        let lifetime = token.expires_in.or(self.default_lifetime);
        let refresh_at = lifetime.and_then(|l| Self::refresh_instant(issued_at, l, self.margin));
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let generation = state.as_ref().map_or(1, |c| c.generation + 1);
        let token = Arc::new(token);
        *state = Some(Cached {
            token: token.clone(),
            refresh_at,
            generation,
        });
        tracing::debug!(
            generation,
            lifetime_s = lifetime.map(|l| l.as_secs()),
            "access token refreshed"
        );
        Ok(IssuedToken { token, generation })
    }
}

/// How a client authenticates its requests.
#[derive(Clone, Default)]
pub enum Auth {
    /// No credentials.
    #[default]
    None,
    /// A fixed bearer token.
    Bearer(Secret),
    /// HTTP Basic.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// Tokens from a source, cached.
    Tokens(Arc<TokenCache>),
    /// One credential per security scheme of the spec; each operation gets the one its
    /// scheme names (an operation whose scheme has none is sent without credentials).
    Schemes(Vec<(&'static str, Auth)>),
}

static NO_AUTH: Auth = Auth::None;

impl Auth {
    /// The credential for `operation`: itself, or with [`Auth::Schemes`] the one of the
    /// operation's scheme.
    pub fn for_operation<'a>(
        &'a self,
        operations: &crate::OperationTable,
        operation: &str,
    ) -> &'a Auth {
        match self {
            Auth::Schemes(schemes) => operations
                .security_of(operation)
                .and_then(|security| schemes.iter().find(|(name, _)| *name == security.scheme))
                .map_or(&NO_AUTH, |(_, auth)| auth),
            other => other,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Bearer(_) => f.write_str("Bearer([redacted])"),
            Self::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
            Self::Tokens(cache) => f.debug_tuple("Tokens").field(cache).finish(),
            Self::Schemes(schemes) => f
                .debug_map()
                .entries(schemes.iter().map(|(n, a)| (n, a)))
                .finish(),
        }
    }
}

/// `Authorization` header value for a bearer token, marked sensitive so no layer logs it.
pub fn bearer_header(token: &Secret) -> Option<HeaderValue> {
    let token = token.expose();
    let mut text = String::with_capacity(7 + token.len());
    text.push_str("Bearer ");
    text.push_str(token);
    let mut value = HeaderValue::from_maybe_shared(bytes::Bytes::from(text)).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// `Authorization` header value for HTTP Basic, marked sensitive.
pub fn basic_header(username: &str, password: &Secret) -> Option<HeaderValue> {
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(format!("{username}:{}", password.expose()));
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// How an OAuth2 client authenticates itself at the token endpoint.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    /// No client secret: the TLS client certificate identifies the client (Nopan).
    None,
    /// `client_id` and `client_secret` in HTTP Basic (RFC 6749 §2.3.1).
    Basic {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
    },
    /// `client_id` and `client_secret` in the form body.
    Body {
        /// Client id.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
    },
}

/// OAuth2 client-credentials grant: a form POST of `grant_type=client_credentials` plus
/// extra parameters (scope, provider-specific ids).
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    token_url: String,
    params: Vec<(String, String)>,
    client_auth: ClientAuth,
    signatures: Option<Arc<crate::httpsig::Signatures>>,
}

impl ClientCredentials {
    /// A grant against `token_url` (absolute).
    pub fn new(token_url: impl Into<String>, client_auth: ClientAuth) -> Self {
        Self {
            token_url: token_url.into(),
            params: Vec::new(),
            client_auth,
            signatures: None,
        }
    }

    /// Signs the token request and checks the answer's signature, as the operations'
    /// are ([`crate::httpsig`]), for providers that sign every call.
    pub fn signed(mut self, signatures: Arc<crate::httpsig::Signatures>) -> Self {
        self.signatures = Some(signatures);
        self
    }

    /// Adds a form parameter (`scope`, `audience`, a provider's account id, ...).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }
}

impl TokenSource for ClientCredentials {
    fn fetch<'a>(&'a self, http: &'a reqwest::Client) -> TokenFuture<'a> {
        Box::pin(async move {
            let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
            form.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let signatures = self.signatures.as_deref();
            post_token_form(http, &self.token_url, &self.client_auth, form, signatures).await
        })
    }
}

#[derive(serde::Deserialize)]
struct TokenWire {
    access_token: Secret,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    scope: Option<String>,
}

fn lenient_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Seconds>::deserialize(d)? {
        None => None,
        Some(Seconds::Number(n)) => Some(n),
        Some(Seconds::Text(t)) => t.trim().parse().ok(),
    })
}

use serde::Deserialize as _;

/// OAuth2 refresh-token grant on top of an initial grant: the first token comes from
/// `initial` (e.g. client credentials); later ones from `grant_type=refresh_token` with
/// the last refresh token (plus `client_id` when set), rotating it on every refresh.
/// When the refresh token is rejected, the source falls back to `initial`.
#[derive(Debug)]
pub struct RefreshingSource {
    initial: ClientCredentials,
    token_url: String,
    client_id: Option<String>,
    refresh_auth: ClientAuth,
    refresh_token: Mutex<Option<Secret>>,
}

impl RefreshingSource {
    /// Refreshes at `token_url` (usually the initial grant's URL) with `refresh_auth`
    /// (GoPay: none) and, when given, `client_id` in the form.
    pub fn new(
        initial: ClientCredentials,
        token_url: impl Into<String>,
        client_id: Option<String>,
        refresh_auth: ClientAuth,
    ) -> Self {
        Self {
            initial,
            token_url: token_url.into(),
            client_id,
            refresh_auth,
            refresh_token: Mutex::new(None),
        }
    }

    fn stored(&self) -> Option<Secret> {
        self.refresh_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn store(&self, token: Option<Secret>) {
        *self.refresh_token.lock().unwrap_or_else(|p| p.into_inner()) = token;
    }

    /// Whether a refresh token is held (for tests and monitoring).
    pub fn has_refresh_token(&self) -> bool {
        self.stored().is_some()
    }

    async fn refresh(&self, http: &reqwest::Client, refresh: &Secret) -> Result<Token, TokenError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose()),
        ];
        if let Some(id) = &self.client_id {
            form.push(("client_id", id));
        }
        post_token_form(http, &self.token_url, &self.refresh_auth, form, None).await
    }
}

impl TokenSource for RefreshingSource {
    fn fetch<'a>(&'a self, http: &'a reqwest::Client) -> TokenFuture<'a> {
        Box::pin(async move {
            if let Some(refresh) = self.stored() {
                match self.refresh(http, &refresh).await {
                    Ok(token) => {
                        // Rotation: keep the newest refresh token; keep the old one only when
                        // the server issued none.
                        self.store(token.refresh_token.clone().or(Some(refresh)));
                        return Ok(token);
                    }
                    Err(TokenError::Rejected(response)) => {
                        tracing::debug!(
                            status = response.status().as_u16(),
                            "refresh token rejected; falling back to the initial grant"
                        );
                        self.store(None);
                    }
                    Err(transport) => return Err(transport),
                }
            }
            let token = self.initial.fetch(http).await?;
            self.store(token.refresh_token.clone());
            Ok(token)
        })
    }
}

/// POSTs a token-endpoint form (`form` plus the client authentication `auth` asks for:
/// HTTP Basic, or `client_id`/`client_secret` in the body) and reads the answer.
async fn post_token_form(
    http: &reqwest::Client,
    token_url: &str,
    auth: &ClientAuth,
    mut form: Vec<(&str, &str)>,
    signatures: Option<&crate::httpsig::Signatures>,
) -> Result<Token, TokenError> {
    let mut request = http
        .post(token_url)
        .header(reqwest::header::ACCEPT, "application/json");
    match auth {
        ClientAuth::None => {}
        ClientAuth::Basic {
            client_id,
            client_secret,
        } => {
            if let Some(value) = basic_header(client_id, client_secret) {
                request = request.header(AUTHORIZATION, value);
            }
        }
        ClientAuth::Body {
            client_id,
            client_secret,
        } => {
            form.push(("client_id", client_id));
            form.push(("client_secret", client_secret.expose()));
        }
    }
    let request = request.form(&form);
    let Some(signatures) = signatures else {
        let response = request.send().await.map_err(TokenError::Transport)?;
        return read_token_response(response).await;
    };
    let mut request = request.build().map_err(TokenError::Transport)?;
    crate::hooks::sign(signatures, &mut request);
    let response = http.execute(request).await.map_err(TokenError::Transport)?;
    let response = crate::hooks::limit_body(response, TOKEN_BODY_LIMIT);
    let response = crate::hooks::verified(signatures, http, response, true)
        .await
        .map_err(TokenError::Transport)?;
    read_token_response(response).await
}

/// The largest token-endpoint answer read: 256 KiB.
pub const TOKEN_BODY_LIMIT: u64 = 256 * 1024;

/// Reads a token endpoint's answer: a JSON token on 2xx, the whole response kept as
/// [`TokenError::Rejected`] otherwise (bodies up to [`TOKEN_BODY_LIMIT`]).
pub async fn read_token_response(response: reqwest::Response) -> Result<Token, TokenError> {
    let status = response.status();
    if !status.is_success() {
        let mut builder = http::Response::builder().status(status);
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut response = crate::hooks::limit_body(response, TOKEN_BODY_LIMIT);
        let body = crate::glue::body(&mut response)
            .await
            .map_err(TokenError::Transport)?;
        let rejected = builder.body(body).unwrap_or_else(|_| bad_gateway());
        return Err(TokenError::Rejected(rejected));
    }
    // Token answers are small: a longer one is refused, not read whole.
    let mut response = crate::hooks::limit_body(response, TOKEN_BODY_LIMIT);
    let body = crate::glue::body(&mut response)
        .await
        .map_err(TokenError::Transport)?;
    // serde's message names fields and types, not the token.
    let wire: TokenWire = match serde_json::from_slice(&body) {
        Ok(wire) => wire,
        Err(e) => {
            let error = crate::glue::error_with_source(e)
                .map_err(|_| TokenError::Rejected(bad_gateway()))?;
            return Err(TokenError::Transport(error));
        }
    };
    // Without `expires_in`, a JWT's `exp` claim tells when to refresh. It is decoded
    // only for timing and never trusted for anything else.
    let expires_in = wire
        .expires_in
        .map(Duration::from_secs)
        .or_else(|| jwt_lifetime(wire.access_token.expose(), SystemTime::now()));
    Ok(Token {
        access_token: wire.access_token,
        expires_in,
        refresh_token: wire.refresh_token,
        scope: wire.scope,
    })
}

/// The time left until a JWT's `exp` claim, read without verifying anything (timing
/// only). `None` when the token is not a JWT or has no numeric `exp`; zero when past.
pub fn jwt_lifetime(token: &str, now: SystemTime) -> Option<Duration> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (_header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let claims = URL_SAFE_NO_PAD.decode(claims.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&claims).ok()?;
    let exp = claims.get("exp")?.as_u64()?;
    // An `exp` past what the system clock can hold (u64::MAX) gives no lifetime: the
    // token is kept until the API rejects it.
    let exp = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(exp))?;
    Some(exp.duration_since(now).unwrap_or(Duration::ZERO))
}

// http::Response::builder only fails on invalid parts, and every part above came from a
// valid response; rather than panic, such a case is reported as an empty 502.
fn bad_gateway() -> http::Response<bytes::Bytes> {
    let mut response = http::Response::new(bytes::Bytes::new());
    *response.status_mut() = http::StatusCode::BAD_GATEWAY;
    response
}

/// Why an OpenID Connect discovery document could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The document could not be fetched or read.
    #[error("OpenID discovery failed: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered with an error status.
    #[error("OpenID discovery answered HTTP {0}")]
    Status(u16),
    /// The document has no usable `token_endpoint`.
    #[error("OpenID discovery document has no usable token_endpoint: {0}")]
    TokenEndpoint(String),
}

/// Reads `token_endpoint` from an OpenID Connect discovery document
/// (`.../.well-known/openid-configuration`). The endpoint must be https (or http on
/// loopback), like every base URL payspec accepts.
pub async fn discover_token_endpoint(
    http: &reqwest::Client,
    discovery_url: &str,
) -> Result<String, DiscoveryError> {
    let response = http.get(discovery_url).send().await?;
    if !response.status().is_success() {
        return Err(DiscoveryError::Status(response.status().as_u16()));
    }
    let document: serde_json::Value = response.json().await?;
    let endpoint = document
        .get("token_endpoint")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| DiscoveryError::TokenEndpoint("missing".into()))?;
    crate::http::validate_base_url(endpoint)
        .map_err(|e| DiscoveryError::TokenEndpoint(e.to_string()))?;
    Ok(endpoint.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn jwt_exp_gives_the_lifetime() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_712_640_000);
        let token = jwt(r#"{"sub":"client_id_123","iat":1712640000,"exp":1712643600}"#);
        assert_eq!(jwt_lifetime(&token, now), Some(Duration::from_secs(3600)));
        let later = now + Duration::from_secs(7200);
        assert_eq!(jwt_lifetime(&token, later), Some(Duration::ZERO));
        assert_eq!(jwt_lifetime("header.payload.signature", now), None);
        assert_eq!(jwt_lifetime(&jwt(r#"{"sub":"x"}"#), now), None);
        assert_eq!(jwt_lifetime("opaque-token", now), None);
    }

    #[test]
    fn outside_lifetimes_never_overflow() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_712_640_000);
        let huge = jwt(&format!(r#"{{"exp":{}}}"#, u64::MAX));
        assert_eq!(jwt_lifetime(&huge, now), None);
        let at = Instant::now();
        let max = Duration::from_secs(u64::MAX);
        assert_eq!(
            TokenCache::refresh_instant(at, max, Duration::from_secs(60)),
            None
        );
        // A short lifetime is still reused: refreshed at half of it, not at once.
        let short =
            TokenCache::refresh_instant(at, Duration::from_secs(45), Duration::from_secs(60));
        assert_eq!(short, at.checked_add(Duration::from_millis(22_500)));
        let long =
            TokenCache::refresh_instant(at, Duration::from_secs(3600), Duration::from_secs(60));
        assert_eq!(long, at.checked_add(Duration::from_secs(3540)));
        let clock = ManualClock::new();
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        let _ = clock.now();
    }

    #[test]
    fn jwt_fuzz_never_panics() {
        let mut rng = fastrand::Rng::with_seed(7);
        let now = SystemTime::now();
        for _ in 0..5_000 {
            let exp = match rng.u8(0..4) {
                0 => u64::MAX.to_string(),
                1 => rng.u64(..).to_string(),
                2 => format!("-{}", rng.u32(..)),
                _ => format!("{}.5e300", rng.u32(..)),
            };
            let _ = jwt_lifetime(&jwt(&format!(r#"{{"exp":{exp}}}"#)), now);
            let junk: String = (0..rng.usize(0..60))
                .map(|_| char::from(rng.u8(b'!'..=b'~')))
                .collect();
            let _ = jwt_lifetime(&junk, now);
        }
    }

    #[test]
    fn the_seed_token_decodes() {
        // GoPay's seed token (claims padded base64): exp 1712643600, iat 1712640000.
        let seed = "ewogICJhbGciOiAiSFMyNTYiLAogICJ0eXAiOiAiSldUIiwKICAia2lkIjogImtleS0yMDI1LTA0Igp9.ewogICJzdWIiOiAiY2xpZW50X2lkXzEyMyIsCiAgInNjb3BlIjogInBheW1lbnRzOnJlYWQgcGF5bWVudHM6d3JpdGUiLAogICJpYXQiOiAxNzEyNjQwMDAwLAogICJleHAiOiAxNzEyNjQzNjAwCn0.bWlrZWhlcmVfaXMtbXktc3VwZXJzZWNyZXQtbGlrZQ";
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_712_640_000);
        assert_eq!(jwt_lifetime(seed, now), Some(Duration::from_secs(3600)));
    }
}
