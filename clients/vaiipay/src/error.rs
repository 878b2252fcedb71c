//! `payspec_vaiipay::Error`: every way a VaiiPay call can fail, with what to check.

use payspec_core::{AnswerView, CallFailure, FailureView};
use payspec_core::{
    ConfigError, EnvelopeFields, ErrorCode, Failure, InvalidResponse, ProviderError, RawBody,
};
use payspec_vaiipay_api::types::ErrorEnvelopeFields;
use reqwest::StatusCode;

/// VaiiPay publishes no error codes: errors are told apart by HTTP status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoCode;

impl ErrorCode for NoCode {
    fn from_code(_: &str) -> Self {
        NoCode
    }
    fn is_retryable(&self) -> bool {
        false
    }
    fn missing() -> Self {
        NoCode
    }
}

/// Every way a VaiiPay call can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// HTTP 401: the token is wrong or expired.
    #[error(
        "unauthenticated (HTTP 401) calling {operation}: check that the {credential} is correct and not expired"
    )]
    Unauthenticated {
        /// The operation.
        operation: &'static str,
        /// Which credential it used.
        credential: &'static str,
        /// VaiiPay's message, if any.
        message: Option<String>,
        /// The raw response body.
        body: bytes::Bytes,
    },
    /// HTTP 403: the token lacks the scope this operation needs.
    #[error("insufficient permissions (HTTP 403) calling {operation}: the {credential} lacks {}", scope.map_or("the required scope".to_string(), |s| format!("scope `{s}`")))]
    Forbidden {
        /// The operation.
        operation: &'static str,
        /// Which credential it used.
        credential: &'static str,
        /// The scope the operation needs.
        scope: Option<&'static str>,
        /// VaiiPay's message, if any.
        message: Option<String>,
        /// The raw response body.
        body: bytes::Bytes,
    },
    /// The configured client token was created without the scope this operation needs;
    /// nothing was sent.
    #[error(
        "{operation} needs scope `{scope}`, which the configured client token lacks (not sent)"
    )]
    MissingScope {
        /// The operation.
        operation: &'static str,
        /// The missing scope.
        scope: &'static str,
    },
    /// The credential this operation needs is not configured; nothing was sent.
    #[error("{operation} needs the {credential}, which is not configured (not sent)")]
    MissingCredential {
        /// The operation.
        operation: &'static str,
        /// The missing credential.
        credential: &'static str,
    },
    /// Any other error answer; the raw body is kept.
    #[error("VaiiPay answered with an error: {0}")]
    Provider(Box<ProviderError<NoCode>>),
    /// The request broke a constraint of the spec and was not sent.
    #[error("invalid request (not sent): {}", payspec_core::error::Bounded(.0))]
    InvalidRequest(String),
    /// No response: connection, TLS, timeout.
    #[error("transport error: {}", payspec_core::classify::describe_transport(.0))]
    Transport(#[source] reqwest::Error),
    /// A response that does not match the spec.
    #[error("{0}")]
    InvalidResponse(InvalidResponse),
    /// The client could not be built.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// An environment variable is missing or malformed.
    #[error("environment variable {variable}: {reason}")]
    Environment {
        /// The variable.
        variable: &'static str,
        /// What is wrong (never its value).
        reason: String,
    },
    /// A checkout creation that may have taken effect (no answer, an unreadable one, a
    /// 5xx): VaiiPay has no idempotency key, so it was not repeated. Before creating it
    /// again, wait for the webhook or look for `reference` in VaiiPay's dashboard.
    #[error("outcome unknown for reference `{}`: do not create it again before reconciling; {source}", payspec_core::error::Bounded(.reference))]
    OutcomeUnknown {
        /// Your reference the request carried, to reconcile by.
        reference: String,
        /// What went wrong.
        source: Box<Error>,
    },
}

impl Error {
    /// Wraps an error whose outcome is unknown with the reference to reconcile by.
    pub(crate) fn with_reference(self, reference: &str) -> Self {
        if CallFailure::outcome_unknown(&self) && !matches!(self, Self::OutcomeUnknown { .. }) {
            Self::OutcomeUnknown {
                reference: reference.to_string(),
                source: Box::new(self),
            }
        } else {
            self
        }
    }
}

pub(crate) type ApiError = progenitor_client::Error<RawBody<ErrorEnvelopeFields>>;

/// Converts an error of `operation`, naming the credential and scope it needed.
pub(crate) fn convert(error: ApiError, operation: &'static str) -> Error {
    let security = payspec_vaiipay_api::OPERATIONS.security_of(operation);
    let credential = match security.map(|s| s.scheme) {
        Some("oauth") => "OAuth2 access token",
        Some(_) => "client token",
        None => "credential",
    };
    let failure = Failure::<NoCode>::from_progenitor(error, |envelope| EnvelopeFields {
        code: None,
        message: envelope.message.clone(),
        request_id: None,
    });
    match failure {
        // An answer after an attempt whose outcome is unknown stays a provider error, so
        // that `outcome_unknown()` keeps saying so.
        Failure::Provider(e) if e.status == StatusCode::UNAUTHORIZED && !e.outcome_unknown => {
            Error::Unauthenticated {
                operation,
                credential,
                message: e.message,
                body: e.body,
            }
        }
        Failure::Provider(e) if e.status == StatusCode::FORBIDDEN && !e.outcome_unknown => {
            Error::Forbidden {
                operation,
                credential,
                scope: security.and_then(|s| s.scope),
                message: e.message,
                body: e.body,
            }
        }
        Failure::Provider(e) => Error::Provider(Box::new(e)),
        Failure::InvalidRequest(m) => Error::InvalidRequest(m),
        Failure::Transport(e) => Error::Transport(e),
        Failure::InvalidResponse(e) => Error::InvalidResponse(e),
    }
}

impl CallFailure for Error {
    /// VaiiPay's API has no idempotency key: `idempotency_key()` is always `None`.
    fn view(&self) -> FailureView<'_> {
        match self {
            Self::OutcomeUnknown { source, .. } => source.view(),
            Self::Unauthenticated { message, body, .. } => FailureView::Answer(AnswerView {
                message: message.as_deref(),
                body,
                ..AnswerView::refused(StatusCode::UNAUTHORIZED)
            }),
            Self::Forbidden { message, body, .. } => FailureView::Answer(AnswerView {
                message: message.as_deref(),
                body,
                ..AnswerView::refused(StatusCode::FORBIDDEN)
            }),
            Self::Provider(e) => e.view(),
            Self::Transport(e) => FailureView::Transport(e),
            Self::InvalidResponse(e) => FailureView::InvalidResponse(e),
            Self::MissingScope { .. }
            | Self::MissingCredential { .. }
            | Self::InvalidRequest(_)
            | Self::Config(_)
            | Self::Environment { .. } => FailureView::NotSent,
        }
    }

    /// The reference of a checkout creation whose outcome is unknown.
    fn merchant_reference(&self) -> Option<&str> {
        match self {
            Self::OutcomeUnknown { reference, .. } => Some(reference),
            _ => None,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
