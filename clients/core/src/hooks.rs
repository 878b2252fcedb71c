//! What every generated client runs around every request. The generated `ClientHooks`
//! glue calls [`pre`] and [`exec`]; provider behaviour arrives as data in
//! [`ClientInner`] and [`OperationTable`], never as code in the glue.
//!
//! - `pre`: adds the idempotency key (once per call) and the correlation id.
//! - `exec`: authorizes, sends, replays once after a token-expired answer, and retries
//!   transient failures of retry-safe requests with backoff, all in one tracing span.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use tracing::Instrument;

use crate::auth::{Auth, IssuedToken, TokenError, basic_header, bearer_header};
use crate::classify::{
    Unanswered, is_transient_transport, status_leaves_outcome_unknown,
    transport_leaves_outcome_unknown,
};
use crate::error::{KEY_HEADER, ORIGIN_HEADER, OUTCOME_HEADER};
use crate::httpsig::Signatures;
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
    /// The spec's paths (templates as the spec writes them, `{name}` for a parameter)
    /// with the methods each one takes, sorted by path.
    pub routes: &'static [Route],
}

/// One path of a spec and the methods it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The path template, e.g. `/v1/payments/{paymentid}`.
    pub path: &'static str,
    /// Its methods, upper-case (`GET`, `POST`, ...).
    pub methods: &'static [&'static str],
    /// The operation of each method, in the same order (progenitor's names, as the
    /// other tables key them; empty where the spec gives no `operationId`).
    pub operations: &'static [&'static str],
}

impl Route {
    /// Whether `path` (a request's path, without the query) is an instance of this
    /// template: the same number of segments, each literal one equal, each `{name}` one
    /// not empty.
    pub fn matches(&self, path: &str) -> bool {
        let mut template = self.path.split('/');
        let mut actual = path.split('/');
        loop {
            match (template.next(), actual.next()) {
                (None, None) => return true,
                (Some(t), Some(a)) if t.starts_with('{') && t.ends_with('}') => {
                    if a.is_empty() {
                        return false;
                    }
                }
                (Some(t), Some(a)) if t == a => {}
                _ => return false,
            }
        }
    }
}

/// The credential an operation needs, from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSecurity {
    /// The operationId.
    pub operation: &'static str,
    /// The security scheme's name in the spec.
    pub scheme: &'static str,
    /// The scope the operation needs (`x-payspec-scope`, else the first scope of its
    /// first security requirement), if any.
    pub scope: Option<&'static str>,
}

impl OperationTable {
    /// The operation a request with `method` (upper-case) to `path` (without the query)
    /// calls, if the spec has one: what a server (a sandbox) needs to apply the spec's
    /// per-operation facts to a request it receives.
    pub fn operation_at(&self, method: &str, path: &str) -> Option<&'static str> {
        // A literal segment beats a parameter (`/cards/public-key` over
        // `/cards/{card_id}`): of the templates that match, the one with fewest
        // parameters.
        self.routes
            .iter()
            .filter(|route| route.matches(path))
            .filter_map(|route| {
                let index = route.methods.iter().position(|m| *m == method)?;
                let operation = route.operations.get(index).copied()?;
                Some((route.path.matches('{').count(), operation))
            })
            .min_by_key(|(parameters, _)| *parameters)
            .map(|(_, operation)| operation)
            .filter(|operation| !operation.is_empty())
    }

    /// Every scope the spec's operations need, sorted, each once.
    pub fn scopes(&self) -> Vec<&'static str> {
        let mut scopes: Vec<&'static str> = self.security.iter().filter_map(|s| s.scope).collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }

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
            correlation_header: None,
            text_error_field: None,
            form_charset_utf8: false,
        }
    }
}

/// The largest answer a client reads by default: 16 MiB. Set another with
/// [`crate::ClientOptions::max_response_bytes`].
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// How many times one call replays after a "token expired" answer, each time with a
/// fresh token. A replay is not a retry: it does not count against the policy.
pub const MAX_REPLAYS: u32 = 3;

struct InnerState {
    auth: Auth,
    retry: RetryPolicy,
    max_response_bytes: u64,
    keys: Arc<dyn KeyGenerator>,
    profile: ProviderProfile,
    /// The profile's correlation header, parsed once (not on every call).
    correlation: Option<HeaderName>,
    /// Request signing and answer verification, for providers that ask for them.
    signatures: Option<Arc<Signatures>>,
    /// The scopes the client's token is asked for, when the spec's scopes name them.
    scopes: Option<Arc<[String]>>,
}

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
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            keys,
            profile,
            correlation,
            signatures: None,
            scopes: None,
        }))
    }

    /// The same settings with another response size limit (bytes; a body past it is an
    /// error and its connection is dropped).
    pub fn with_max_response_bytes(self, limit: u64) -> Self {
        self.changed(|state| state.max_response_bytes = limit)
    }

    /// The same settings, signing every request and checking every answer as
    /// `signatures` says ([`crate::httpsig`]). An answer whose signature fails becomes
    /// an error whose origin is [`crate::ErrorOrigin::ResponseSignature`], never data.
    pub fn with_signatures(self, signatures: Arc<Signatures>) -> Self {
        self.changed(|state| state.signatures = Some(signatures))
    }

    /// The same settings, knowing the scopes the client's token is asked for: a call
    /// to an operation whose spec names a scope not among them is refused before it is
    /// sent, with an error that names the scope (rather than the provider's 403 after a
    /// round trip). Only for clients whose scopes are spelled as the spec spells them.
    pub fn with_scopes<S: Into<String>>(self, scopes: impl IntoIterator<Item = S>) -> Self {
        let scopes: Arc<[String]> = scopes.into_iter().map(Into::into).collect();
        self.changed(|state| state.scopes = Some(scopes))
    }

    /// The scopes the client's token is asked for, if set with [`Self::with_scopes`].
    pub fn scopes(&self) -> Option<&[String]> {
        self.0.scopes.as_deref()
    }

    fn changed(self, change: impl FnOnce(&mut InnerState)) -> Self {
        let mut state = match Arc::try_unwrap(self.0) {
            Ok(state) => state,
            Err(shared) => InnerState {
                auth: shared.auth.clone(),
                retry: shared.retry.clone(),
                max_response_bytes: shared.max_response_bytes,
                keys: shared.keys.clone(),
                profile: shared.profile,
                correlation: shared.correlation.clone(),
                signatures: shared.signatures.clone(),
                scopes: shared.scopes.clone(),
            },
        };
        change(&mut state);
        Self(Arc::new(state))
    }

    /// The signing and verification settings, if any.
    pub fn signatures(&self) -> Option<&Arc<Signatures>> {
        self.0.signatures.as_ref()
    }

    /// The largest response body this client reads, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.0.max_response_bytes
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
    if let Some(granted) = inner.scopes()
        && let Some(scope) = operations
            .security_of(operation_id)
            .and_then(|security| security.scope)
        && !granted.iter().any(|g| g == scope)
    {
        return Err(format!(
            "{operation_id} needs the scope `{scope}`, which this client's token is not asked \
             for (add it to the builder's scopes)"
        ));
    }
    let profile = inner.profile();
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

/// The token for an attempt, when the credential is a token source.
enum TokenFor {
    /// No token needed (fixed credentials or none), or this one.
    Ready(Option<IssuedToken>),
    /// The token endpoint's own answer, handed to the caller as this operation's answer.
    Refused(reqwest::Response),
}

/// The token an attempt needs without waiting: none for fixed credentials, the cached one
/// while it is fresh. `None`: one must be fetched, or a rejected one replaced, first.
fn token_now(credential: &Auth, stale: Option<&IssuedToken>) -> Option<Option<IssuedToken>> {
    match credential {
        Auth::Tokens(cache) if stale.is_some() => None,
        Auth::Tokens(cache) => cache.cached().map(Some),
        _ => Some(None),
    }
}

/// Fetches a token, or replaces a rejected one (`stale`), for a token-source credential.
async fn fetch_token(
    http: &reqwest::Client,
    credential: &Auth,
    stale: Option<IssuedToken>,
) -> reqwest::Result<TokenFor> {
    let Auth::Tokens(cache) = credential else {
        return Ok(TokenFor::Ready(None));
    };
    let issued = match &stale {
        Some(stale) => cache.replace(http, stale).await,
        None => cache.token(http).await,
    };
    match issued {
        Ok(issued) => Ok(TokenFor::Ready(Some(issued))),
        Err(TokenError::Transport(e)) => Err(e),
        Err(TokenError::Rejected(response)) => {
            let mut response = response;
            response
                .headers_mut()
                .entry(ORIGIN_HEADER)
                .or_insert(HeaderValue::from_static("token-endpoint"));
            Ok(TokenFor::Refused(reqwest::Response::from(response)))
        }
    }
}

/// Sets the `Authorization` header: the fixed credential, or the token.
fn set_credential(request: &mut reqwest::Request, credential: &Auth, token: Option<&IssuedToken>) {
    let value = match (credential, token) {
        (_, Some(issued)) => bearer_header(&issued.token.access_token),
        (Auth::Bearer(token), None) => bearer_header(token),
        (Auth::Basic { username, password }, None) => basic_header(username, password),
        (Auth::None | Auth::Tokens(_) | Auth::Schemes(_), None) => None,
    };
    if let Some(value) = value {
        request.headers_mut().insert(AUTHORIZATION, value);
    }
}

/// The response with its body limited to `limit` bytes: a body declared longer fails at
/// once when read, one of unknown length fails when it passes the limit; either way the
/// error's source is [`crate::classify::BodyTooLarge`], and the connection is dropped
/// with the unread rest. A body declared within the limit is left as it is (hyper stops
/// at the declared length).
pub fn limit_body(response: reqwest::Response, limit: u64) -> reqwest::Response {
    if response
        .content_length()
        .is_some_and(|declared| declared <= limit)
    {
        return response;
    }
    let declared = response.content_length();
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
    let limited = match declared {
        Some(_) => reqwest::Body::wrap(crate::glue::LimitedBody::refused(body, limit)),
        None => reqwest::Body::wrap(crate::glue::LimitedBody::new(body, limit)),
    };
    reqwest::Response::from(http::Response::from_parts(parts, limited))
}

/// Signs one attempt's request (a signature is made per attempt, so `created` is fresh
/// on a retry). A request that cannot be signed goes unsigned, and the provider's
/// refusal says why; it is logged here.
pub(crate) fn sign(signatures: &Signatures, request: &mut reqwest::Request) {
    if let Some(signer) = &signatures.signer
        && let Err(error) = signer.sign_request(request, crate::httpsig::unix_now())
    {
        tracing::warn!(%error, "request sent unsigned");
    }
}

/// The answer if its signature verifies, else an error answer of payspec's own (status
/// 502, origin [`crate::ErrorOrigin::ResponseSignature`], the reason in its body): an
/// unverified answer is never handed on as data. When the request was not safe to
/// repeat, the outcome is unknown (the provider may have acted; the answer cannot say).
pub(crate) async fn verified(
    signatures: &Signatures,
    http: &reqwest::Client,
    response: reqwest::Response,
    safe: bool,
) -> reqwest::Result<reqwest::Response> {
    let Some(verifier) = &signatures.verifier else {
        return Ok(response);
    };
    // An answer payspec made itself (a refused token call) carries its origin: it was
    // checked where it came from.
    if response.headers().contains_key(ORIGIN_HEADER) {
        return Ok(response);
    }
    let (response, body) = buffer(response).await?;
    let status = response.status().as_u16();
    match verifier
        .verify(http, status, response.headers(), &body)
        .await
    {
        Ok(_) => Ok(response),
        Err(error) => {
            tracing::warn!(status, %error, "answer refused: its signature did not verify");
            let message =
                format!("the answer (status {status}) failed signature verification: {error}");
            let body = serde_json::json!({ "error": message }).to_string();
            let mut refused = http::Response::new(bytes::Bytes::from(body));
            *refused.status_mut() = StatusCode::BAD_GATEWAY;
            let headers = refused.headers_mut();
            headers.insert(
                ORIGIN_HEADER,
                HeaderValue::from_static("response-signature"),
            );
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if !safe {
                headers.insert(OUTCOME_HEADER, HeaderValue::from_static("unknown"));
            }
            Ok(reqwest::Response::from(refused))
        }
    }
}

/// Reads a response's body and gives back an equivalent response plus the bytes.
async fn buffer(
    mut response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, bytes::Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let body = crate::glue::body(&mut response).await?;
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

/// Sends the request: authorization, one replay after "token expired", retries of
/// transient failures for retry-safe requests. Returns the last response or error.
///
/// Built so that the future every call carries stays small, as moving it is most of what
/// a call costs beyond raw reqwest: no `async fn` wrappers (an `async fn` keeps its
/// arguments twice in its future, and a request is 264 bytes), the `payspec.call` span
/// entered around each future awaited rather than wrapped around the call, the rare
/// paths boxed (fetching a token, reading an error body, a backoff wait), and each
/// attempt's request and answer scoped so that they are gone before the next await.
pub fn exec<'a>(
    inner: &'a ClientInner,
    http: &'a reqwest::Client,
    operations: &'a OperationTable,
    template: reqwest::Request,
    operation_id: &'static str,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
    let span = tracing::info_span!(
        "payspec.call",
        provider = inner.profile().name,
        operation = operation_id,
        method = %template.method(),
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let idempotency_key = operations
        .idempotency_header
        .and_then(|header| template.headers().get(header))
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let call = Call {
        inner,
        http,
        idempotency_key,
        credential: operations
            .unauthenticated
            .binary_search(&operation_id)
            .is_err()
            .then(|| inner.auth().for_operation(operations, operation_id)),
        safe: retry_safe(&template, operations, operation_id),
        span,
        started: Instant::now(),
    };
    call.run(template)
}

/// One operation call: what its attempts share.
struct Call<'a> {
    inner: &'a ClientInner,
    http: &'a reqwest::Client,
    /// The idempotency key every attempt carries, if the call has one.
    idempotency_key: Option<String>,
    /// The credential to send; `None` for an operation sent without one.
    credential: Option<&'a Auth>,
    safe: bool,
    span: tracing::Span,
    started: Instant,
}

/// What became of one attempt.
enum Attempt {
    /// The answer (or error) for the caller.
    Done(reqwest::Result<reqwest::Response>),
    /// Wait, then try again; this attempt may have taken effect (no answer, or a status
    /// that leaves the outcome unknown).
    RetryUnknown(Duration),
    /// Wait, then try again.
    Retry(Duration),
    /// The token expired: send again at once with a new one (not a retry).
    Replay(IssuedToken),
    /// The request cannot be copied (a streaming body): send it once, as it is.
    Once,
}

impl<'a> Call<'a> {
    /// The attempts, then one event for the call. One async block (not an `async fn`
    /// awaiting another), so that the request is kept once.
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn would keep the 264-byte request twice in its future"
    )]
    fn run(
        self,
        mut template: reqwest::Request,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
        async move {
            let mut attempt: u32 = 0;
            let mut stale: Option<IssuedToken> = None;
            let mut replays: u32 = 0;
            // Whether an earlier attempt may have taken effect: the call's final error
            // must then say "outcome unknown" whatever the last attempt answered.
            let mut unknown_before = false;
            let result = 'call: {
                loop {
                    attempt = attempt.saturating_add(1);
                    self.span.record("attempt", attempt);
                    let outcome = self.attempt(&template, attempt, stale.take(), replays);
                    let delay = match outcome.await {
                        Attempt::Done(result) => break 'call result,
                        Attempt::Retry(delay) => delay,
                        Attempt::RetryUnknown(delay) => {
                            unknown_before = true;
                            delay
                        }
                        Attempt::Replay(used) => {
                            // The replay is the same attempt with a new token, not a
                            // retry; a call replays at most MAX_REPLAYS times.
                            attempt = attempt.saturating_sub(1);
                            stale = Some(used);
                            replays += 1;
                            continue;
                        }
                        Attempt::Once => break,
                    };
                    self.wait(delay).await;
                }
                self.span.record("attempt", 1);
                if let Some(credential) = self.credential {
                    match self.token(credential, None).await {
                        Ok(TokenFor::Ready(token)) => {
                            set_credential(&mut template, credential, token.as_ref());
                        }
                        Ok(TokenFor::Refused(response)) => break 'call Ok(response),
                        Err(error) => break 'call Err(error),
                    }
                }
                let limit = self.inner.max_response_bytes();
                self.send(template).await.map(|r| limit_body(r, limit))
            };
            let result = match (&self.inner.0.signatures, result) {
                (Some(signatures), Ok(response)) if signatures.verifier.is_some() => {
                    // Boxed: only clients that check signatures pay for this future.
                    Box::pin(verified(signatures, self.http, response, self.safe)).await
                }
                (_, result) => result,
            };
            self.finish(&result);
            match result {
                Ok(response) if response.status().is_success() => Ok(response),
                Ok(response) => Ok(self.mark(response, unknown_before)),
                Err(error) => self.unanswered(error, attempt, unknown_before),
            }
        }
    }

    /// Marks the error answer that ends the call with what the caller needs to
    /// reconcile: the idempotency key, and that an earlier attempt may have taken effect.
    fn mark(&self, mut response: reqwest::Response, unknown_before: bool) -> reqwest::Response {
        if unknown_before {
            response
                .headers_mut()
                .insert(OUTCOME_HEADER, HeaderValue::from_static("unknown"));
        }
        if let Some(value) = self
            .idempotency_key
            .as_deref()
            .and_then(|key| HeaderValue::from_str(key).ok())
        {
            response.headers_mut().insert(KEY_HEADER, value);
        }
        response
    }

    /// The transport error that ends the call, carrying payspec's record of it
    /// ([`Unanswered`]): its key, and whether any attempt may have taken effect (a
    /// refused connection on the last attempt does not undo an earlier lost answer).
    fn unanswered(
        &self,
        error: reqwest::Error,
        attempts: u32,
        unknown_before: bool,
    ) -> reqwest::Result<reqwest::Response> {
        let outcome_unknown = unknown_before || transport_leaves_outcome_unknown(&error);
        let record = Unanswered {
            idempotency_key: self.idempotency_key.clone(),
            outcome_unknown,
            attempts: attempts.max(1),
            last: error,
        };
        match crate::glue::error_with_source(record) {
            Ok(wrapped) => Err(wrapped),
            Err(Some(record)) if !record.outcome_unknown => Err(record.last),
            // Cannot happen with this reqwest (see `error_with_source`); a 502 marked
            // "outcome unknown" keeps the one thing that must not be lost.
            Err(_) => {
                let mut answer = http::Response::new(bytes::Bytes::new());
                *answer.status_mut() = StatusCode::BAD_GATEWAY;
                Ok(self.mark(reqwest::Response::from(answer), true))
            }
        }
    }

    /// Records the call's outcome on its span, with one event (fields only: no URL,
    /// headers or body, which may hold secrets). Timing the call is only worth a clock
    /// read when somebody listens.
    fn finish(&self, result: &reqwest::Result<reqwest::Response>) {
        if self.span.is_disabled() && !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        let span = &self.span;
        let duration_ms = millis(self.started.elapsed());
        span.record("duration_ms", duration_ms);
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                span.record("status", status);
                tracing::debug!(parent: span, status, duration_ms, "payspec call finished");
            }
            Err(e) => {
                let kind = error_kind(e);
                span.record("status", kind);
                tracing::debug!(parent: span, status = kind, duration_ms, "payspec call failed");
            }
        }
    }

    /// One attempt: a copy of the template, authorized and sent, and what its answer means.
    async fn attempt(
        &self,
        template: &reqwest::Request,
        attempt: u32,
        stale: Option<IssuedToken>,
        replays: u32,
    ) -> Attempt {
        // The token first, so that no request waits in this future while one is fetched.
        let used = match self.credential {
            Some(credential) => match self.token(credential, stale).await {
                Ok(TokenFor::Ready(token)) => token,
                Ok(TokenFor::Refused(response)) => return Attempt::Done(Ok(response)),
                Err(error) => return Attempt::Done(Err(error)),
            },
            None => None,
        };
        // The request lives in this block only: moved into the send, it would otherwise
        // keep its place in the future while the answer is awaited.
        let sending = {
            let Some(mut request) = copy(template) else {
                return Attempt::Once;
            };
            if let Some(credential) = self.credential {
                set_credential(&mut request, credential, used.as_ref());
            }
            self.send(request)
        };
        let policy = self.inner.retry();
        let profile = self.inner.profile();
        // The answer lives in this block only, for the same reason: an error answer is
        // handed to a boxed read of its body, awaited after the block.
        let (reading, status, may_replay) = {
            let response = match sending.await {
                Ok(response) => response,
                Err(error) => {
                    let delay = (self.safe && is_transient_transport(&error))
                        .then(|| {
                            let next = attempt.saturating_add(1);
                            policy.next_delay(next, self.started.elapsed(), None)
                        })
                        .flatten();
                    let Some(delay) = delay else {
                        return Attempt::Done(Err(error));
                    };
                    tracing::debug!(
                        parent: &self.span,
                        attempt,
                        kind = error_kind(&error),
                        delay_ms = millis(delay),
                        "retrying after a transport error"
                    );
                    return if transport_leaves_outcome_unknown(&error) {
                        Attempt::RetryUnknown(delay)
                    } else {
                        Attempt::Retry(delay)
                    };
                }
            };
            let response = limit_body(response, self.inner.max_response_bytes());
            let status = response.status();
            if !(status.is_client_error() || status.is_server_error()) {
                return Attempt::Done(Ok(response));
            }
            let may_replay = status == StatusCode::UNAUTHORIZED && replays < MAX_REPLAYS;
            let may_replay = may_replay.then_some(used).flatten();
            if may_replay.is_none() && !self.safe && profile.text_error_field.is_none() {
                return Attempt::Done(Ok(response));
            }
            (
                Box::pin(buffer(response)).instrument(self.span.clone()),
                status,
                may_replay,
            )
        };
        let (response, body) = match reading.await {
            Ok(buffered) => buffered,
            Err(error) => return Attempt::Done(Err(error)),
        };
        let response = match profile.text_error_field {
            Some(field) => wrap_text_error(response, &body, field),
            None => response,
        };
        if let Some(used) = may_replay
            && (profile.token_expired)(status, &body)
        {
            tracing::debug!(
                parent: &self.span,
                attempt,
                "access token expired; refreshing once and replaying"
            );
            return Attempt::Replay(used);
        }
        let transient = policy.retries_status(status) || (profile.transient)(status, &body);
        let delay = (self.safe && transient)
            .then(|| {
                let server_wait = retry_after(response.headers());
                let next = attempt.saturating_add(1);
                policy.next_delay(next, self.started.elapsed(), server_wait)
            })
            .flatten();
        let Some(delay) = delay else {
            return Attempt::Done(Ok(response));
        };
        tracing::debug!(
            parent: &self.span,
            attempt,
            status = status.as_u16(),
            delay_ms = millis(delay),
            "retrying"
        );
        if status_leaves_outcome_unknown(status) {
            Attempt::RetryUnknown(delay)
        } else {
            Attempt::Retry(delay)
        }
    }

    /// The token this attempt needs: at once when none is needed or a fresh one is cached,
    /// otherwise fetched (or a rejected one replaced) in a boxed future, so that a call
    /// that finds its token cached does not carry that one.
    async fn token(
        &self,
        credential: &Auth,
        stale: Option<IssuedToken>,
    ) -> reqwest::Result<TokenFor> {
        if let Some(token) = token_now(credential, stale.as_ref()) {
            return Ok(TokenFor::Ready(token));
        }
        Box::pin(fetch_token(self.http, credential, stale))
            .instrument(self.span.clone())
            .await
    }

    /// One send inside the call's span (reqwest's own future is already boxed).
    fn send(
        &self,
        mut request: reqwest::Request,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<> {
        let _entered = self.span.enter();
        if let Some(signatures) = &self.inner.0.signatures {
            sign(signatures, &mut request);
        }
        self.http.execute(request).instrument(self.span.clone())
    }

    /// A backoff wait, boxed: it is rare, and a timer kept inline would add to the size
    /// of every call's future.
    async fn wait(&self, delay: Duration) {
        Box::pin(tokio::time::sleep(delay))
            .instrument(self.span.clone())
            .await;
    }
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

/// A copy of the request for one attempt, `None` for a streaming body. A request without
/// a body is copied here: `reqwest::Request::try_clone` would make and throw away a
/// timeout slot (two allocations); everything the public API can set on it is copied
/// (method, URL, headers, version, timeout).
fn copy(template: &reqwest::Request) -> Option<reqwest::Request> {
    if template.body().is_some() {
        return template.try_clone();
    }
    let mut request = reqwest::Request::new(template.method().clone(), template.url().clone());
    *request.headers_mut() = template.headers().clone();
    *request.version_mut() = template.version();
    if let Some(timeout) = template.timeout() {
        *request.timeout_mut() = Some(*timeout);
    }
    Some(request)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> reqwest::Request {
        let url = reqwest::Url::parse(url).unwrap_or_else(|e| panic!("{e}"));
        reqwest::Request::new(Method::DELETE, url)
    }

    const TABLE: OperationTable = OperationTable {
        idempotency_header: None,
        idempotent: &[],
        unauthenticated: &[],
        retry_safe: &[],
        security: &[
            OperationSecurity {
                operation: "delete_card",
                scheme: "oauth",
                scope: Some("card:write"),
            },
            OperationSecurity {
                operation: "get_card",
                scheme: "oauth",
                scope: Some("card:read"),
            },
            OperationSecurity {
                operation: "public_key",
                scheme: "oauth",
                scope: None,
            },
        ],
        routes: &[
            Route {
                path: "/cards/public-key",
                methods: &["GET"],
                operations: &["public_key"],
            },
            Route {
                path: "/cards/{card_id}",
                methods: &["DELETE", "GET"],
                operations: &["delete_card", "get_card"],
            },
        ],
    };

    #[test]
    fn a_request_finds_its_operation_a_literal_segment_first() {
        assert_eq!(
            TABLE.operation_at("GET", "/cards/public-key"),
            Some("public_key")
        );
        assert_eq!(TABLE.operation_at("GET", "/cards/c1"), Some("get_card"));
        assert_eq!(
            TABLE.operation_at("DELETE", "/cards/c1"),
            Some("delete_card")
        );
        // DELETE of the literal path is the template's (an instance of it too).
        assert_eq!(
            TABLE.operation_at("DELETE", "/cards/public-key"),
            Some("delete_card")
        );
        assert_eq!(TABLE.operation_at("POST", "/cards/c1"), None);
        assert_eq!(TABLE.operation_at("GET", "/cards"), None);
        assert_eq!(TABLE.operation_at("GET", "/cards/"), None);
        assert_eq!(TABLE.scopes(), ["card:read", "card:write"]);
    }

    #[test]
    fn an_operation_whose_scope_is_not_asked_for_is_refused_before_sending() {
        let inner = ClientInner::new(
            ProviderProfile::plain("t"),
            Auth::None,
            RetryPolicy::default(),
        );
        let mut delete = request("https://api.example/cards/c1");
        // No scopes known: nothing is checked.
        assert!(pre(&inner, &TABLE, &mut delete, "delete_card").is_ok());
        let inner = inner.with_scopes(["card:read"]);
        assert_eq!(inner.scopes(), Some(&["card:read".to_string()][..]));
        let refused = pre(&inner, &TABLE, &mut delete, "delete_card");
        let message = refused.err().unwrap_or_default();
        assert!(message.contains("`card:write`"), "{message}");
        assert!(pre(&inner, &TABLE, &mut delete, "get_card").is_ok());
        assert!(pre(&inner, &TABLE, &mut delete, "public_key").is_ok());
    }

    #[test]
    fn an_attempt_copies_everything_a_request_without_body_carries() {
        let mut template = request("https://api.example/v1/x/1?y=2");
        template
            .headers_mut()
            .insert("correlationid", HeaderValue::from_static("c-1"));
        *template.version_mut() = reqwest::Version::HTTP_11;
        *template.timeout_mut() = Some(Duration::from_millis(1500));
        let copied = copy(&template).unwrap_or_else(|| panic!("no copy"));
        assert_eq!(copied.method(), Method::DELETE);
        assert_eq!(copied.url().as_str(), "https://api.example/v1/x/1?y=2");
        assert_eq!(copied.headers(), template.headers());
        assert_eq!(copied.version(), reqwest::Version::HTTP_11);
        assert_eq!(copied.timeout(), Some(&Duration::from_millis(1500)));
        assert!(copied.body().is_none());
        let plain = copy(&request("https://api.example/")).unwrap_or_else(|| panic!("no copy"));
        assert_eq!(plain.timeout(), None);
    }

    #[test]
    fn an_attempt_copies_a_body_and_refuses_a_stream() {
        let mut template = request("https://api.example/");
        *template.body_mut() = Some(reqwest::Body::from("{\"a\":1}"));
        let copied = copy(&template).unwrap_or_else(|| panic!("no copy"));
        assert_eq!(
            copied.body().and_then(|b| b.as_bytes()),
            Some(&b"{\"a\":1}"[..])
        );
        let stream = futures_stream();
        *template.body_mut() = Some(stream);
        assert!(copy(&template).is_none());
    }

    fn futures_stream() -> reqwest::Body {
        let chunks = vec![Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x"))];
        reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
    }
}
