//! What every generated client runs around every request. The generated `ClientHooks`
//! glue calls [`pre`] and [`exec`]; provider behaviour arrives as data in
//! [`ClientInner`] and [`OperationTable`], never as code in the glue.
//!
//! - `pre`: drops progenitor's `api-version` header unless the provider wants it, adds the
//!   idempotency key (once per call) and the correlation id.
//! - `exec`: authorizes, sends, replays once after a token-expired answer, and retries
//!   transient failures of retry-safe requests with backoff, all in one tracing span.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use tracing::Instrument;

use crate::auth::{Auth, IssuedToken, TokenError, basic_header, bearer_header};
use crate::error::ORIGIN_HEADER;
use crate::idempotency::{KeyGenerator, UuidKeys};
use crate::retry::{RetryPolicy, retry_after};

/// Facts about a spec's operations, generated from the spec into each API crate.
#[derive(Debug, Clone, Copy)]
pub struct OperationTable {
    /// The header that carries an idempotency key, if the API has one.
    pub idempotency_header: Option<&'static str>,
    /// Operations that accept the idempotency header (sorted).
    pub idempotent: &'static [&'static str],
    /// Operations that send no credentials, e.g. the token endpoint (sorted).
    pub unauthenticated: &'static [&'static str],
    /// Operations the spec marks safe to retry whatever their method
    /// (`x-payspec-retry-safe`: a key in the body, or documented idempotent) (sorted).
    pub retry_safe: &'static [&'static str],
    /// Per operation (sorted by operation): the security scheme it uses (the first of
    /// its requirements, or the API's default) and the scope `x-payspec-scope` names.
    pub security: &'static [OperationSecurity],
}

/// The credential an operation needs, from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSecurity {
    /// The operationId.
    pub operation: &'static str,
    /// The security scheme's name in the spec.
    pub scheme: &'static str,
    /// The scope the operation needs (`x-payspec-scope`), if any.
    pub scope: Option<&'static str>,
}

impl OperationTable {
    /// The credential `operation` needs, if the spec names one.
    pub fn security_of(&self, operation: &str) -> Option<&OperationSecurity> {
        self.security
            .binary_search_by(|s| s.operation.cmp(operation))
            .ok()
            .map(|i| &self.security[i])
    }
}

/// A provider's behaviour, as data: how it says "token expired", what else is transient.
#[derive(Clone, Copy)]
pub struct ProviderProfile {
    /// Name for spans and errors, e.g. `nopan`.
    pub name: &'static str,
    /// Whether an error response means "the access token expired": payspec then gets a
    /// new token and replays the request once.
    pub token_expired: fn(StatusCode, &[u8]) -> bool,
    /// Whether an error response is transient beyond the policy's statuses.
    pub transient: fn(StatusCode, &[u8]) -> bool,
    /// Keep progenitor's `api-version` header (only for providers that define it).
    pub send_api_version: bool,
    /// A header that carries a per-call correlation id, filled when the caller set none.
    pub correlation_header: Option<&'static str>,
    /// The provider sends some error bodies as plain text: payspec wraps such a body as
    /// `{"<field>": "<text>"}` so it parses as the provider's JSON envelope, text whole.
    pub text_error_field: Option<&'static str>,
    /// Send form bodies as `application/x-www-form-urlencoded; charset=UTF-8`.
    pub form_charset_utf8: bool,
}

impl fmt::Debug for ProviderProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderProfile")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn never(_: StatusCode, _: &[u8]) -> bool {
    false
}

impl ProviderProfile {
    /// A profile with no provider-specific behaviour.
    pub const fn plain(name: &'static str) -> Self {
        Self {
            name,
            token_expired: never,
            transient: never,
            send_api_version: false,
            correlation_header: None,
            text_error_field: None,
            form_charset_utf8: false,
        }
    }
}

struct InnerState {
    auth: Auth,
    retry: RetryPolicy,
    keys: Arc<dyn KeyGenerator>,
    profile: ProviderProfile,
    /// The profile's correlation header, parsed once (not on every call).
    correlation: Option<HeaderName>,
}

static API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// A fresh UUID v4 for a correlation id. Correlation ids are log keys, not secrets, so a
/// fast per-thread generator seeded from the OS does; idempotency keys keep using the
/// configured generator (UUID v4 from the OS by default).
pub fn correlation_id() -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    fastrand::fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The inner value of every generated client: auth, retry policy, key generator and
/// provider profile. Cheap to clone.
#[derive(Clone)]
pub struct ClientInner(Arc<InnerState>);

impl fmt::Debug for ClientInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientInner")
            .field("provider", &self.0.profile.name)
            .field("auth", &self.0.auth)
            .field("retry", &self.0.retry)
            .field("keys", &self.0.keys)
            .finish()
    }
}

impl ClientInner {
    /// Builds the inner value.
    pub fn new(profile: ProviderProfile, auth: Auth, retry: RetryPolicy) -> Self {
        Self::with_keys(profile, auth, retry, Arc::new(UuidKeys))
    }

    /// Builds the inner value with a specific idempotency-key generator.
    pub fn with_keys(
        profile: ProviderProfile,
        auth: Auth,
        retry: RetryPolicy,
        keys: Arc<dyn KeyGenerator>,
    ) -> Self {
        let correlation = profile
            .correlation_header
            .and_then(|name| HeaderName::from_bytes(name.as_bytes()).ok());
        Self(Arc::new(InnerState {
            auth,
            retry,
            keys,
            profile,
            correlation,
        }))
    }

    /// The auth settings.
    pub fn auth(&self) -> &Auth {
        &self.0.auth
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.0.retry
    }

    /// The provider profile.
    pub fn profile(&self) -> &ProviderProfile {
        &self.0.profile
    }

    /// A fresh idempotency key from the configured generator.
    pub fn new_key(&self) -> String {
        self.0.keys.generate()
    }
}

/// Runs before the request is sent (once per call, not per attempt).
pub fn pre(
    inner: &ClientInner,
    operations: &OperationTable,
    request: &mut reqwest::Request,
    operation_id: &str,
) -> Result<(), String> {
    let profile = inner.profile();
    if !profile.send_api_version {
        request.headers_mut().remove(&API_VERSION);
    }
    let is_form = request
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/x-www-form-urlencoded");
    if profile.form_charset_utf8 && is_form {
        request.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
    }
    if let Some(header) = operations.idempotency_header
        && operations.idempotent.binary_search(&operation_id).is_ok()
        && !request.headers().contains_key(header)
    {
        insert(request, header, &inner.new_key())?;
    }
    if let Some(header) = &inner.0.correlation
        && !request.headers().contains_key(header)
    {
        let value =
            HeaderValue::from_str(&correlation_id().to_string()).map_err(|e| e.to_string())?;
        request.headers_mut().insert(header.clone(), value);
    }
    Ok(())
}

fn insert(request: &mut reqwest::Request, name: &str, value: &str) -> Result<(), String> {
    let name =
        HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("header {name}: {e}"))?;
    let value = HeaderValue::from_str(value).map_err(|e| format!("header {name}: {e}"))?;
    request.headers_mut().insert(name, value);
    Ok(())
}

/// Whether a request may be sent again without risk of doing its effect twice: an
/// idempotent method, an idempotency header, or an operation the spec marks retry-safe.
pub fn retry_safe(
    request: &reqwest::Request,
    operations: &OperationTable,
    operation_id: &str,
) -> bool {
    matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    ) || operations
        .idempotency_header
        .is_some_and(|h| request.headers().contains_key(h))
        || operations.retry_safe.binary_search(&operation_id).is_ok()
}

enum Authorized {
    Ready(Option<IssuedToken>),
    /// The token endpoint's own answer, handed to the caller as this operation's answer.
    Refused(reqwest::Response),
}

async fn authorize(
    http: &reqwest::Client,
    request: &mut reqwest::Request,
    stale: Option<&IssuedToken>,
    credential: &Auth,
) -> reqwest::Result<Authorized> {
    let value = match credential {
        Auth::Schemes(_) => return Ok(Authorized::Ready(None)),
        Auth::None => return Ok(Authorized::Ready(None)),
        Auth::Bearer(token) => bearer_header(token),
        Auth::Basic { username, password } => basic_header(username, password),
        Auth::Tokens(cache) => {
            let issued = match stale {
                Some(stale) => cache.replace(http, stale).await,
                None => cache.token(http).await,
            };
            match issued {
                Ok(issued) => {
                    if let Some(value) = bearer_header(&issued.token.access_token) {
                        request.headers_mut().insert(AUTHORIZATION, value);
                    }
                    return Ok(Authorized::Ready(Some(issued)));
                }
                Err(TokenError::Transport(e)) => return Err(e),
                Err(TokenError::Rejected(response)) => {
                    let mut response = response;
                    response
                        .headers_mut()
                        .insert(ORIGIN_HEADER, HeaderValue::from_static("token-endpoint"));
                    return Ok(Authorized::Refused(reqwest::Response::from(response)));
                }
            }
        }
    };
    if let Some(value) = value {
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    Ok(Authorized::Ready(None))
}

/// Reads a response's body and gives back an equivalent response plus the bytes.
async fn buffer(response: reqwest::Response) -> reqwest::Result<(reqwest::Response, bytes::Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), body))
}

/// Wraps a non-JSON error body as `{"<field>": "<text>"}` (see
/// [`ProviderProfile::text_error_field`]).
fn wrap_text_error(
    response: reqwest::Response,
    body: &bytes::Bytes,
    field: &str,
) -> reqwest::Response {
    if body.is_empty() || serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        return response;
    }
    let text = String::from_utf8_lossy(body).trim().to_string();
    let wrapped = serde_json::json!({ field: text }).to_string();
    let mut rebuilt = http::Response::new(bytes::Bytes::from(wrapped));
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = response.headers().clone();
    rebuilt
        .headers_mut()
        .remove(reqwest::header::CONTENT_LENGTH);
    rebuilt.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    reqwest::Response::from(rebuilt)
}

fn transient_transport(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request()
}

/// Sends the request: authorization, one replay after "token expired", retries of
/// transient failures for retry-safe requests. Returns the last response or error.
pub async fn exec(
    inner: &ClientInner,
    http: &reqwest::Client,
    operations: &OperationTable,
    request: reqwest::Request,
    operation_id: &'static str,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::info_span!(
        "payspec.call",
        provider = inner.profile().name,
        operation = operation_id,
        method = %request.method(),
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    let result = run(inner, http, operations, request, operation_id)
        .instrument(span.clone())
        .await;
    let duration_ms = millis(started.elapsed());
    span.record("duration_ms", duration_ms);
    // One event per call, inside the span, so a log shows every call with its outcome
    // (fields only: no URL, headers or body, which may hold secrets).
    match &result {
        Ok(response) => {
            let status = response.status().as_u16();
            span.record("status", status);
            tracing::debug!(parent: &span, status, duration_ms, "payspec call finished");
        }
        Err(e) => {
            let kind = error_kind(e);
            span.record("status", kind);
            tracing::debug!(parent: &span, status = kind, duration_ms, "payspec call failed");
        }
    }
    result
}

fn error_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect-error"
    } else {
        "transport-error"
    }
}

async fn run(
    inner: &ClientInner,
    http: &reqwest::Client,
    operations: &OperationTable,
    template: reqwest::Request,
    operation_id: &'static str,
) -> reqwest::Result<reqwest::Response> {
    let started = Instant::now();
    let policy = inner.retry();
    let profile = inner.profile();
    let authenticated = operations
        .unauthenticated
        .binary_search(&operation_id)
        .is_err();
    let credential = inner.auth().for_operation(operations, operation_id);
    let safe = retry_safe(&template, operations, operation_id);
    let mut attempt: u32 = 0;
    let mut stale: Option<IssuedToken> = None;
    let mut replayed = false;
    // Each attempt sends a copy; a body that cannot be copied (a stream) leaves the loop
    // and is sent once, as is.
    while let Some(mut request) = template.try_clone() {
        attempt += 1;
        tracing::Span::current().record("attempt", attempt);
        let mut used = None;
        if authenticated {
            match authorize(http, &mut request, stale.take().as_ref(), credential).await? {
                Authorized::Ready(token) => used = token,
                Authorized::Refused(response) => return Ok(response),
            }
        }
        let response = match http.execute(request).await {
            Ok(response) => response,
            Err(error) => {
                let delay = (safe && transient_transport(&error))
                    .then(|| policy.next_delay(attempt + 1, started.elapsed(), None))
                    .flatten();
                let Some(delay) = delay else {
                    return Err(error);
                };
                tracing::debug!(
                    attempt,
                    kind = error_kind(&error),
                    delay_ms = millis(delay),
                    "retrying after a transport error"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
        };
        let status = response.status();
        if !(status.is_client_error() || status.is_server_error()) {
            return Ok(response);
        }
        let may_replay = status == StatusCode::UNAUTHORIZED && used.is_some() && !replayed;
        if !may_replay && !safe && profile.text_error_field.is_none() {
            return Ok(response);
        }
        let (response, body) = buffer(response).await?;
        let response = match profile.text_error_field {
            Some(field) => wrap_text_error(response, &body, field),
            None => response,
        };
        if may_replay && (profile.token_expired)(status, &body) {
            tracing::debug!(
                attempt,
                "access token expired; refreshing once and replaying"
            );
            replayed = true;
            stale = used;
            // The replay is the same attempt with a new token, not a retry.
            attempt -= 1;
            continue;
        }
        let transient = policy.retries_status(status) || (profile.transient)(status, &body);
        if safe && transient {
            let server_wait = retry_after(response.headers());
            if let Some(delay) = policy.next_delay(attempt + 1, started.elapsed(), server_wait) {
                tracing::debug!(
                    attempt,
                    status = status.as_u16(),
                    delay_ms = millis(delay),
                    "retrying"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
        }
        return Ok(response);
    }
    let mut request = template;
    if authenticated
        && let Authorized::Refused(response) =
            authorize(http, &mut request, None, credential).await?
    {
        return Ok(response);
    }
    tracing::Span::current().record("attempt", 1);
    http.execute(request).await
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
