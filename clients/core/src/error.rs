//! Error plumbing shared by every provider: one shape for provider errors, the
//! conversion from progenitor's error, configuration errors.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;

use crate::raw::RawBody;

/// Header the core puts on a response that came from the token endpoint rather than the
/// operation's own endpoint, so errors can say where they came from.
pub const ORIGIN_HEADER: &str = "x-payspec-origin";

/// Header the core puts on the error answer that ends a call when an earlier attempt of
/// that call may have taken effect (value `unknown`): the error then says so, whatever
/// the last answer was.
pub const OUTCOME_HEADER: &str = "x-payspec-outcome";

/// Header the core puts on the error answer that ends a call which carried an
/// idempotency key: the key, so the error can hand it to the caller.
pub const KEY_HEADER: &str = "x-payspec-idempotency-key";

/// How many characters of a provider's message, code or id an error's `Display` shows;
/// the whole text stays in the error's fields and the raw body.
pub const DISPLAY_LIMIT: usize = 300;

/// `value` converted to a request's type for `field` (the spec's constraints are in the
/// conversion), or the reason it was refused, naming the field: `reference: longer than
/// 64 characters`. Each provider crate wraps the reason in its own "invalid request" error.
pub fn field_value<T, V>(field: &str, value: V) -> Result<T, String>
where
    V: TryInto<T>,
    V::Error: fmt::Display,
{
    value.try_into().map_err(|e| format!("{field}: {e}"))
}

/// Writes `text` whole when it has at most `limit` characters, else its first `limit`
/// characters and how many bytes were left out.
pub fn write_bounded(f: &mut fmt::Formatter<'_>, text: &str, limit: usize) -> fmt::Result {
    match text.char_indices().nth(limit) {
        None => f.write_str(text),
        Some((cut, _)) => {
            let shown = text.get(..cut).unwrap_or_default();
            write!(
                f,
                "{shown}... ({} more bytes)",
                text.len().saturating_sub(cut)
            )
        }
    }
}

/// A text shown through [`write_bounded`] with [`DISPLAY_LIMIT`].
pub struct Bounded<'a>(pub &'a str);

impl fmt::Display for Bounded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_bounded(f, self.0, DISPLAY_LIMIT)
    }
}

/// A provider's error code type: every documented code as a variant, `Unknown` for the
/// rest. Implemented by each provider crate.
pub trait ErrorCode: Sized + fmt::Debug + Clone {
    /// Parses a code as the provider sends it (codes are strings).
    fn from_code(code: &str) -> Self;
    /// Whether the provider documents this code as transient.
    fn is_retryable(&self) -> bool;
    /// The code a response without a recognisable code gets.
    fn missing() -> Self;
}

/// Declares a provider's error-code enum from one table: each variant with the code it
/// stands for (and any alias the provider also sends), plus `Missing` and
/// `Unknown(String)`; generates `as_str`, `Display` and [`ErrorCode`] from that table,
/// so the code-to-variant and variant-to-code directions cannot drift apart.
///
/// ```
/// payspec_core::error_codes! {
///     /// A provider's error codes.
///     pub enum Code {
///         /// `busy`: try again later.
///         Busy = "busy" | "BUSY",
///         /// `not_found`
///         NotFound = "not_found",
///     }
///     retryable: [Busy]
/// }
/// use payspec_core::ErrorCode;
/// assert_eq!(Code::from_code("BUSY"), Code::Busy);
/// assert_eq!(Code::from_code("new"), Code::Unknown("new".into()));
/// assert_eq!(Code::from_code(""), Code::Missing);
/// assert_eq!(Code::NotFound.to_string(), "not_found");
/// assert!(Code::Busy.is_retryable() && !Code::NotFound.is_retryable());
/// ```
#[macro_export]
macro_rules! error_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal $(| $alias:literal)*
            ),* $(,)?
        }
        retryable: [$($retry:ident),* $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// The body carried no code.
            Missing,
            /// A code this version does not know, as sent.
            Unknown(String),
        }

        impl $name {
            /// The code as the provider writes it (`Missing` is empty).
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Missing => "",
                    Self::Unknown(code) => code,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::ErrorCode for $name {
            fn from_code(code: &str) -> Self {
                match code.trim() {
                    $( $code $(| $alias)* => Self::$variant, )*
                    "" => Self::Missing,
                    other => Self::Unknown(other.to_string()),
                }
            }

            fn is_retryable(&self) -> bool {
                $( if matches!(self, Self::$retry) { return true; } )*
                false
            }

            fn missing() -> Self {
                Self::Missing
            }
        }
    };
}

/// The fields every provider envelope has, under whatever names it uses.
#[derive(Clone, Debug, Default)]
pub struct EnvelopeFields {
    /// The provider's error code.
    pub code: Option<String>,
    /// The provider's human-readable message.
    pub message: Option<String>,
    /// The provider's id of this request or call.
    pub request_id: Option<String>,
}

/// Where a provider error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorOrigin {
    /// The operation's own endpoint.
    Operation,
    /// The token endpoint, while payspec was getting a token for the operation.
    TokenEndpoint,
    /// payspec itself: the answer's signature did not verify ([`crate::httpsig`]), so
    /// the answer was not used; the body and message are payspec's, with the reason.
    ResponseSignature,
}

/// An error the provider answered with: one shape for every provider.
#[derive(Clone)]
pub struct ProviderError<C> {
    /// HTTP status.
    pub status: StatusCode,
    /// The typed code (`missing()` when the body had none).
    pub code: C,
    /// The code exactly as sent, if any.
    pub raw_code: Option<String>,
    /// The provider's message, if any.
    pub message: Option<String>,
    /// The provider's request or call id, if any.
    pub request_id: Option<String>,
    /// The raw response body.
    pub body: Bytes,
    /// Where it came from.
    pub origin: ErrorOrigin,
    /// The idempotency key the call carried (the same on every attempt), if it had one.
    pub idempotency_key: Option<String>,
    /// Whether the provider may have done the work: this answer's status says so
    /// ([`crate::classify::classify_status`]), or an earlier attempt of the same call got
    /// no answer or one that leaves the outcome unknown.
    pub outcome_unknown: bool,
}

impl<C: ErrorCode> ProviderError<C> {
    /// Whether the same request may succeed later: the code says so, or the status is
    /// transient ([`crate::classify::classify_status`]: the same table the retry loop
    /// reads).
    pub fn is_retryable(&self) -> bool {
        self.code.is_retryable() || is_transient_status(self.status)
    }

    /// The whole raw body (an error's `Display` shows a bounded part of the message).
    pub fn raw_body(&self) -> &Bytes {
        &self.body
    }
}

pub use crate::classify::is_transient_status;

impl<C: fmt::Debug> fmt::Debug for ProviderError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderError")
            .field("status", &self.status.as_u16())
            .field("code", &self.code)
            .field("raw_code", &self.raw_code)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field("origin", &self.origin)
            .field("idempotency_key", &self.idempotency_key)
            .field("outcome_unknown", &self.outcome_unknown)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl<C: fmt::Debug> fmt::Display for ProviderError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.origin == ErrorOrigin::TokenEndpoint {
            // The caller called an operation, not the token endpoint: say which step
            // failed in their terms.
            write!(f, "while fetching an access token: ")?;
        }
        write!(f, "HTTP {}", self.status.as_u16())?;
        match &self.raw_code {
            Some(raw) => write!(f, ", code {}", Bounded(raw))?,
            None => write!(f, ", no code")?,
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", Bounded(message))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {}]", Bounded(id))?;
        }
        if self.outcome_unknown {
            write!(f, "; outcome unknown")?;
            if let Some(key) = &self.idempotency_key {
                write!(f, ", repeat with idempotency key {}", Bounded(key))?;
            }
        }
        Ok(())
    }
}

/// A response payspec could not read as the spec describes it.
#[derive(Clone)]
pub struct InvalidResponse {
    /// HTTP status, when known.
    pub status: Option<StatusCode>,
    /// What was wrong.
    pub reason: String,
    /// The body, when it was read. Never printed by `Debug` or `Display`: a malformed
    /// success body may hold a secret.
    pub body: Option<Bytes>,
}

impl InvalidResponse {
    /// Whether the provider may have done the work: an answer that cannot be read says
    /// nothing about it, except an error status that proves nothing was done.
    pub fn outcome_unknown(&self) -> bool {
        self.status
            .is_none_or(|s| s.is_success() || crate::classify::status_leaves_outcome_unknown(s))
    }
}

impl fmt::Debug for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidResponse")
            .field("status", &self.status.map(|s| s.as_u16()))
            .field("reason", &self.reason)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

impl fmt::Display for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(
                f,
                "unexpected response (HTTP {}): {}",
                status.as_u16(),
                Bounded(&self.reason)
            ),
            None => write!(f, "unreadable response: {}", Bounded(&self.reason)),
        }
    }
}

/// Which step of a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Nothing was sent: the request or the configuration was refused first (a field
    /// too long, a missing credential, an invalid amount).
    Validation,
    /// payspec was getting an access token for the call (the token endpoint answered
    /// with an error).
    Token,
    /// The call itself: sent, and answered with an error, not answered, or answered
    /// with something unreadable.
    Request,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Validation => "validation (not sent)",
            Self::Token => "while fetching an access token",
            Self::Request => "request",
        })
    }
}

/// An error answer, borrowed: what [`FailureView::Answer`] carries.
#[derive(Clone, Copy, Debug)]
pub struct AnswerView<'a> {
    /// HTTP status.
    pub status: StatusCode,
    /// Whether the same call may succeed later.
    pub retryable: bool,
    /// Whether the provider may have done the work.
    pub outcome_unknown: bool,
    /// The idempotency key the call carried.
    pub idempotency_key: Option<&'a str>,
    /// The provider's error code, as sent.
    pub code: Option<&'a str>,
    /// The provider's message.
    pub message: Option<&'a str>,
    /// The provider's id of the request (call id, trace id), for support.
    pub request_id: Option<&'a str>,
    /// The body as received (empty when there was none or it was not kept).
    pub body: &'a [u8],
    /// Whether the answer came from the operation or from the token endpoint.
    pub origin: ErrorOrigin,
}

impl AnswerView<'_> {
    /// An answer that refused the request (a 400, 401, 403 a provider crate reports in a
    /// variant of its own): final, nothing was done, no key, nothing else known.
    pub fn refused(status: StatusCode) -> Self {
        Self {
            status,
            retryable: false,
            outcome_unknown: false,
            idempotency_key: None,
            code: None,
            message: None,
            request_id: None,
            body: &[],
            origin: ErrorOrigin::Operation,
        }
    }
}

/// The parts every provider's error shares, borrowed: what [`CallFailure`]'s methods
/// read. A provider crate maps its variants onto these once.
#[derive(Clone, Copy, Debug)]
pub enum FailureView<'a> {
    /// The provider answered with an error.
    Answer(AnswerView<'a>),
    /// No answer (connection, TLS, timeout, a body cut short).
    Transport(&'a reqwest::Error),
    /// An answer that could not be read as the spec describes it.
    InvalidResponse(&'a InvalidResponse),
    /// Nothing was sent: the request or the configuration was refused first.
    NotSent,
}

impl<C: ErrorCode> ProviderError<C> {
    /// This error as a [`FailureView::Answer`].
    pub fn view(&self) -> FailureView<'_> {
        FailureView::Answer(AnswerView {
            status: self.status,
            retryable: self.is_retryable(),
            outcome_unknown: self.outcome_unknown,
            idempotency_key: self.idempotency_key.as_deref(),
            code: self.raw_code.as_deref(),
            message: self.message.as_deref(),
            request_id: self.request_id.as_deref(),
            body: &self.body,
            origin: self.origin,
        })
    }
}

impl<'a> FailureView<'a> {
    /// See [`AnswerView::refused`].
    pub fn refused(status: StatusCode) -> Self {
        Self::Answer(AnswerView::refused(status))
    }

    /// The answer, when there was one the provider meant as an error.
    pub fn answer(self) -> Option<AnswerView<'a>> {
        match self {
            Self::Answer(answer) => Some(answer),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(self) -> Option<StatusCode> {
        match self {
            Self::Answer(answer) => Some(answer.status),
            Self::Transport(e) => e.status(),
            Self::InvalidResponse(e) => e.status,
            Self::NotSent => None,
        }
    }

    /// See [`CallFailure::outcome_unknown`].
    pub fn outcome_unknown(self) -> bool {
        match self {
            Self::Answer(answer) => answer.outcome_unknown,
            Self::Transport(e) => crate::classify::transport_leaves_outcome_unknown(e),
            Self::InvalidResponse(e) => e.outcome_unknown(),
            Self::NotSent => false,
        }
    }

    /// See [`CallFailure::idempotency_key`].
    pub fn idempotency_key(self) -> Option<&'a str> {
        match self {
            Self::Answer(answer) => answer.idempotency_key,
            Self::Transport(e) => crate::classify::unanswered(e)?.idempotency_key.as_deref(),
            Self::InvalidResponse(_) | Self::NotSent => None,
        }
    }

    /// See [`CallFailure::is_retryable`].
    pub fn is_retryable(self) -> bool {
        match self {
            Self::Answer(answer) => answer.retryable,
            Self::Transport(e) => crate::classify::is_transient_transport(
                crate::classify::unanswered(e).map_or(e, |r| &r.last),
            ),
            Self::InvalidResponse(_) | Self::NotSent => false,
        }
    }

    /// See [`CallFailure::phase`].
    pub fn phase(self) -> Phase {
        match self {
            Self::Answer(AnswerView {
                origin: ErrorOrigin::TokenEndpoint,
                ..
            }) => Phase::Token,
            Self::NotSent => Phase::Validation,
            Self::Answer(_) | Self::Transport(_) | Self::InvalidResponse(_) => Phase::Request,
        }
    }
}

/// What every provider's error tells about a failed call, under the same names in every
/// crate: which step failed, the provider's answer (status, code, message, request id,
/// body), whether the provider may have done the work, and what to repeat or reconcile
/// it by. A provider implements [`CallFailure::view`]; the rest follows from
/// [`crate::classify`], the table the retry loop reads too. The trait is object safe: one
/// handler can take `&dyn CallFailure` from any provider.
pub trait CallFailure: std::error::Error {
    /// The shared parts of this error.
    fn view(&self) -> FailureView<'_>;

    /// Which step failed: validation (nothing sent), the token fetch, or the request.
    fn phase(&self) -> Phase {
        self.view().phase()
    }

    /// The HTTP status of the answer, when there was one.
    fn status(&self) -> Option<StatusCode> {
        self.view().status()
    }

    /// The provider's error code as it sent it (each crate also has it typed).
    fn code_text(&self) -> Option<&str> {
        self.view().answer()?.code
    }

    /// The provider's message, when it sent one.
    fn message(&self) -> Option<&str> {
        self.view().answer()?.message
    }

    /// The provider's id of the request (call id, trace id), for support.
    fn request_id(&self) -> Option<&str> {
        self.view().answer()?.request_id
    }

    /// The correlation id the client sent with the call, for providers that take one
    /// (MobilePay's `CorrelationId`).
    fn correlation_id(&self) -> Option<&str> {
        None
    }

    /// The body of the error answer as received (not shown by `Display`, which is
    /// bounded), when there was one.
    fn raw_body(&self) -> Option<&[u8]> {
        match self.view() {
            FailureView::Answer(answer) if !answer.body.is_empty() => Some(answer.body),
            FailureView::InvalidResponse(e) => e.body.as_deref(),
            _ => None,
        }
    }

    /// Whether the provider may have done the work although the call failed: no answer,
    /// an unreadable one, a status that leaves it open, or an earlier attempt of the
    /// same call in one of those states. Such a call is neither done nor failed: repeat
    /// it with the same [`CallFailure::idempotency_key`] (or reference) or reconcile.
    fn outcome_unknown(&self) -> bool {
        self.view().outcome_unknown()
    }

    /// The idempotency key the call carried, if any: the same request with this key is
    /// safe to repeat.
    fn idempotency_key(&self) -> Option<&str> {
        self.view().idempotency_key()
    }

    /// The merchant's own reference the call carried, for providers that reconcile by
    /// it (EastPay's `merchantTransactionId`).
    fn merchant_reference(&self) -> Option<&str> {
        None
    }

    /// Whether the same call may succeed later (payspec already retried where that was
    /// safe; this says whether a later, caller-driven retry makes sense).
    fn is_retryable(&self) -> bool {
        self.view().is_retryable()
    }
}

/// Every way a call can fail, before a provider crate adds its own variants.
#[derive(Debug)]
pub enum Failure<C> {
    /// The provider answered with an error.
    Provider(ProviderError<C>),
    /// The request broke a constraint of the spec and was not sent.
    InvalidRequest(String),
    /// No response: connection, TLS, timeout.
    Transport(reqwest::Error),
    /// A response that could not be read as the spec describes it.
    InvalidResponse(InvalidResponse),
}

impl<C: ErrorCode> Failure<C> {
    /// Converts progenitor's error for an operation whose error type is the provider's
    /// envelope wrapped in [`RawBody`]; `fields` reads the envelope's common fields.
    pub fn from_progenitor<T>(
        error: progenitor_client::Error<RawBody<T>>,
        fields: impl FnOnce(&T) -> EnvelopeFields,
    ) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::InvalidRequest(message) | E::Custom(message) => Failure::InvalidRequest(message),
            E::ResponseBodyError(e) if crate::classify::body_too_large(&e).is_some() => {
                let reason = crate::classify::body_too_large(&e)
                    .map(|limit| limit.to_string())
                    .unwrap_or_default();
                Failure::InvalidResponse(InvalidResponse {
                    status: None,
                    reason,
                    body: None,
                })
            }
            E::CommunicationError(e) | E::InvalidUpgrade(e) | E::ResponseBodyError(e) => {
                Failure::Transport(e)
            }
            E::ErrorResponse(response) => {
                let status = response.status();
                let (origin, idempotency_key, outcome_unknown) =
                    answer_context(status, response.headers());
                let (parsed, body) = response.into_inner().into_parts();
                let envelope = fields(&parsed);
                Failure::Provider(ProviderError {
                    status,
                    code: envelope
                        .code
                        .as_deref()
                        .map(C::from_code)
                        .unwrap_or_else(C::missing),
                    raw_code: envelope.code,
                    message: envelope.message.or_else(|| own_message(origin, &body)),
                    request_id: envelope.request_id,
                    body,
                    origin,
                    idempotency_key,
                    outcome_unknown,
                })
            }
            E::InvalidResponsePayload(body, e) => Failure::InvalidResponse(InvalidResponse {
                status: None,
                reason: format!("body does not match the spec: {e}"),
                body: Some(body),
            }),
            E::UnexpectedResponse(response) => {
                let status = response.status();
                match response.extensions().get::<crate::glue::UndecodedError>() {
                    // An error answer whose body is not the spec's error schema: an error
                    // answer all the same, with its status and body, without a code.
                    Some(undecoded) => {
                        let (origin, idempotency_key, outcome_unknown) =
                            answer_context(status, response.headers());
                        Failure::Provider(ProviderError {
                            status,
                            code: C::missing(),
                            raw_code: None,
                            message: own_message(origin, &undecoded.body),
                            request_id: None,
                            body: undecoded.body.clone(),
                            origin,
                            idempotency_key,
                            outcome_unknown,
                        })
                    }
                    None => Failure::InvalidResponse(InvalidResponse {
                        status: Some(status),
                        reason: "status not described by the spec".into(),
                        body: None,
                    }),
                }
            }
        }
    }
}

/// The message of an error answer payspec made itself (an answer refused because its
/// signature did not verify): `{"error": "..."}`.
fn own_message(origin: ErrorOrigin, body: &[u8]) -> Option<String> {
    if origin != ErrorOrigin::ResponseSignature {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    Some(value.get("error")?.as_str()?.to_string())
}

/// What payspec-core's hooks marked on an error answer ([`crate::hooks`]): where it came
/// from, the idempotency key the call carried, and whether the outcome is unknown (this
/// status says so, or an earlier attempt of the call left it open).
fn answer_context(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> (ErrorOrigin, Option<String>, bool) {
    let origin = match headers.get(ORIGIN_HEADER) {
        Some(v) if v == "token-endpoint" => ErrorOrigin::TokenEndpoint,
        Some(v) if v == "response-signature" => ErrorOrigin::ResponseSignature,
        _ => ErrorOrigin::Operation,
    };
    let key = headers
        .get(KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let earlier_unknown = headers.get(OUTCOME_HEADER).is_some_and(|v| v == "unknown");
    let unknown = earlier_unknown || crate::classify::status_leaves_outcome_unknown(status);
    (origin, key, unknown)
}

/// A client could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required setting is missing.
    #[error("missing setting: {0}")]
    Missing(&'static str),
    /// The base URL is unusable.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL (credentials removed).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A PEM input is unusable.
    #[error("invalid {what} PEM: {reason}")]
    InvalidPem {
        /// Which input.
        what: &'static str,
        /// What is wrong (never the material itself).
        reason: String,
    },
    /// TLS could not be set up.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// A setting has an invalid value.
    #[error("invalid {name}: {reason}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
}
