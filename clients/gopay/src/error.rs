//! `payspec_gopay::Error`: every way a GoPay call can fail.

use payspec_core::{CallFailure, FailureView};
use payspec_core::{ConfigError, EnvelopeFields, Failure, InvalidResponse, ProviderError, RawBody};
use payspec_gopay_api::types::ErrorEnvelopeFields;

use crate::card::CardError;
use crate::jwe::JweError;

payspec_core::error_codes! {
    /// The `error` of GoPay's error body; `Unknown` keeps values this version does not know.
    pub enum ErrorCode {
        /// `BAD_REQUEST`
        BadRequest = "BAD_REQUEST",
        /// `UNAUTHORIZED`
        Unauthorized = "UNAUTHORIZED",
        /// `FORBIDDEN`
        Forbidden = "FORBIDDEN",
        /// `NOT_FOUND`
        NotFound = "NOT_FOUND",
        /// `CONFLICT`: the resource is in the wrong state (e.g. a charge on a paid payment).
        Conflict = "CONFLICT",
        /// `INTERNAL_SERVER_ERROR`
        InternalServerError = "INTERNAL_SERVER_ERROR",
    }
    retryable: []
}

/// Every way a GoPay call can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// GoPay answered with an error: status, [`ErrorCode`], message, raw body; see
    /// [`Error::detail`] and [`Error::path`] for the rest of the body.
    #[error("GoPay answered with an error: {0}")]
    Provider(Box<ProviderError<ErrorCode>>),
    /// The request broke a constraint of the spec and was not sent.
    #[error("invalid request (not sent): {}", payspec_core::error::Bounded(.0))]
    InvalidRequest(String),
    /// Card data was refused before anything was sent.
    #[error("invalid card data (not sent): {0}")]
    Card(#[from] CardError),
    /// The card could not be encrypted for GoPay's key.
    #[error("card encryption failed: {0}")]
    Encryption(#[from] JweError),
    /// No response: connection, TLS, timeout.
    #[error("transport error: {}", payspec_core::classify::describe_transport(.0))]
    Transport(#[source] reqwest::Error),
    /// A response that does not match the spec.
    #[error("{0}")]
    InvalidResponse(InvalidResponse),
    /// The client could not be built.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// A notification callback without a usable `id`.
    #[error("invalid notification: {0}")]
    Notification(String),
    /// A payment creation that may have taken effect (no answer, an unreadable one, a
    /// 5xx): GoPay has no idempotency key, so it was not repeated. Before creating it
    /// again, wait for the notification or look for `order_number` in GoPay's portal.
    #[error("outcome unknown for order `{}`: do not create it again before reconciling; {source}", payspec_core::error::Bounded(.order_number))]
    OutcomeUnknown {
        /// The order number the request carried, to reconcile by.
        order_number: String,
        /// What went wrong.
        source: Box<Error>,
    },
}

impl Error {
    /// Wraps an error whose outcome is unknown with the order number to reconcile by.
    pub(crate) fn with_reference(self, order_number: &str) -> Self {
        if CallFailure::outcome_unknown(&self) && !matches!(self, Self::OutcomeUnknown { .. }) {
            Self::OutcomeUnknown {
                order_number: order_number.to_string(),
                source: Box::new(self),
            }
        } else {
            self
        }
    }
}

impl Error {
    /// GoPay's error code, when it answered with an error.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Provider(e) => Some(&e.code),
            Self::OutcomeUnknown { source, .. } => source.code(),
            _ => None,
        }
    }

    fn body_field(&self, name: &str) -> Option<String> {
        let Self::Provider(e) = self else { return None };
        let body: serde_json::Value = serde_json::from_slice(&e.body).ok()?;
        body.get(name)?.as_str().map(str::to_string)
    }

    /// The `detail` of GoPay's error body.
    pub fn detail(&self) -> Option<String> {
        self.body_field("detail")
    }

    /// The `path` of GoPay's error body.
    pub fn path(&self) -> Option<String> {
        self.body_field("path")
    }

    /// Whether GoPay refused the key id of a card JWE (the key was rotated): a 400 or
    /// 422 whose message or detail names the key id. Inferred: GoPay does not document
    /// this error.
    pub(crate) fn rejects_kid(&self) -> bool {
        let Self::Provider(e) = self else {
            return false;
        };
        if !matches!(e.status.as_u16(), 400 | 422) {
            return false;
        }
        let mentions = |text: Option<String>| {
            text.is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                t.contains("kid") || t.contains("key id") || t.contains("encryption key")
            })
        };
        mentions(e.message.clone()) || mentions(self.detail())
    }
}

pub(crate) type ApiError = progenitor_client::Error<RawBody<ErrorEnvelopeFields>>;

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        let failure = Failure::<ErrorCode>::from_progenitor(error, |envelope| EnvelopeFields {
            code: envelope.error.clone(),
            message: envelope.message.clone(),
            request_id: None,
        });
        match failure {
            Failure::Provider(e) => Self::Provider(Box::new(e)),
            Failure::InvalidRequest(m) => Self::InvalidRequest(m),
            Failure::Transport(e) => Self::Transport(e),
            Failure::InvalidResponse(e) => Self::InvalidResponse(e),
        }
    }
}

impl CallFailure for Error {
    /// GoPay's API has no idempotency key: `idempotency_key()` is always `None`.
    fn view(&self) -> FailureView<'_> {
        match self {
            Self::OutcomeUnknown { source, .. } => source.view(),
            Self::Provider(e) => e.view(),
            Self::Transport(e) => FailureView::Transport(e),
            Self::InvalidResponse(e) => FailureView::InvalidResponse(e),
            Self::InvalidRequest(_)
            | Self::Card(_)
            | Self::Encryption(_)
            | Self::Config(_)
            | Self::Notification(_) => FailureView::NotSent,
        }
    }

    /// The order number of a payment creation whose outcome is unknown.
    fn merchant_reference(&self) -> Option<&str> {
        match self {
            Self::OutcomeUnknown { order_number, .. } => Some(order_number),
            _ => None,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
