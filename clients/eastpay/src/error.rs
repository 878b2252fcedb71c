//! `payspec_eastpay::Error`: failures that are not payment outcomes.

use bytes::Bytes;
use payspec_core::{
    AnswerView, CallFailure, ConfigError, EnvelopeFields, Failure, FailureView, InvalidResponse,
    ProviderError, RawBody,
};
use payspec_eastpay_api::types::ErrorEnvelopeFields;
use reqwest::StatusCode;

use crate::money::MoneyError;
use crate::notification::NotificationError;
use crate::result_code::{ResultClass, ResultCode};

/// Every way an EastPay call can fail. A decline is not here: it is a
/// [`crate::Transaction`] whose class is a rejection.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The gateway refused the request as malformed: HTTP 400 with a validation class
    /// (format, amount, reference, configuration, ...). Fix the request; do not retry it.
    #[error(
        "invalid request ({}, {class:?}): {}",
        payspec_core::error::Bounded(code),
        payspec_core::error::Bounded(description)
    )]
    Validation {
        /// The result code.
        code: String,
        /// Its class (a validation class).
        class: ResultClass,
        /// The gateway's description.
        description: String,
        /// The raw body.
        body: Bytes,
    },
    /// HTTP 401 (invalid Authorization header) or 403 (invalid access token).
    #[error(
        "not authorized (HTTP {status}): {}; check the access token",
        payspec_core::error::Bounded(description)
    )]
    Auth {
        /// 401 or 403.
        status: u16,
        /// The result code, when sent.
        code: Option<String>,
        /// The gateway's description.
        description: String,
        /// The raw response body.
        body: Bytes,
    },
    /// Any other error answer (404 unknown resource, 5xx, ...).
    #[error("EastPay answered with an error: {0}")]
    Provider(Box<ProviderError<ResultClass>>),
    /// The request broke a constraint of the spec and was not sent.
    #[error("invalid request (not sent): {}", payspec_core::error::Bounded(.0))]
    InvalidRequest(String),
    /// An amount could not be rendered.
    #[error("invalid amount (not sent): {0}")]
    Money(#[from] MoneyError),
    /// No response: connection, TLS, timeout.
    #[error("transport error: {}", payspec_core::classify::describe_transport(.0))]
    Transport(#[source] reqwest::Error),
    /// A response that does not match the spec.
    #[error("{0}")]
    InvalidResponse(InvalidResponse),
    /// The client could not be built.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// A notification could not be read.
    #[error("{0}")]
    Notification(#[from] NotificationError),
    /// A payment or checkout whose answer was lost: EastPay may have made it. EastPay has
    /// no idempotency key, so do not send it again blindly: look it up by its
    /// `merchantTransactionId` with [`crate::Client::find_transactions`] first.
    #[error("outcome unknown: {}; {source}", reconcile_hint(.merchant_transaction_id.as_deref()))]
    OutcomeUnknown {
        /// The `merchantTransactionId` the request carried, to reconcile by.
        merchant_transaction_id: Option<String>,
        /// What went wrong.
        source: Box<Error>,
    },
}

fn reconcile_hint(reference: Option<&str>) -> String {
    match reference {
        Some(reference) => format!(
            "reconcile by merchantTransactionId `{}` (Client::find_transactions) before sending it again",
            payspec_core::error::Bounded(reference)
        ),
        None => "the request carried no merchantTransactionId, so only EastPay's back office can tell whether it was made".into(),
    }
}

impl Error {
    /// Wraps an error whose outcome is unknown with the reference to reconcile by.
    pub(crate) fn with_reference(self, merchant_transaction_id: Option<String>) -> Self {
        if CallFailure::outcome_unknown(&self) && !matches!(self, Self::OutcomeUnknown { .. }) {
            Self::OutcomeUnknown {
                merchant_transaction_id,
                source: Box::new(self),
            }
        } else {
            self
        }
    }

    /// The result code, when the gateway sent one.
    pub fn code(&self) -> Option<ResultCode> {
        match self {
            Self::Validation { code, .. } => code.parse().ok(),
            Self::Auth { code, .. } => code.as_deref()?.parse().ok(),
            Self::Provider(e) => e.raw_code.as_deref()?.parse().ok(),
            _ => None,
        }
    }
}

pub(crate) type ApiError = progenitor_client::Error<RawBody<ErrorEnvelopeFields>>;

/// Turns an error answer into an outcome: a decline becomes `Ok(Transaction)`, the rest
/// an [`Error`].
pub(crate) fn outcome(error: ApiError) -> Result<crate::Transaction, Error> {
    if let progenitor_client::Error::ErrorResponse(response) = &error {
        let status = response.status().as_u16();
        let result = response.as_ref().parsed().0.clone();
        let code = result.result.as_ref().and_then(|r| r.code.clone());
        let description = result
            .result
            .as_ref()
            .and_then(|r| r.description.clone())
            .unwrap_or_default();
        let class = code
            .as_deref()
            .map_or(ResultClass::Unknown, crate::result_code::classify);
        match status {
            400 if class.is_validation() => {
                return Err(Error::Validation {
                    code: code.unwrap_or_default(),
                    class,
                    description,
                    body: response.as_ref().raw().clone(),
                });
            }
            400 if code.is_some() => return Ok(crate::Transaction::new(result, status)),
            401 | 403 => {
                return Err(Error::Auth {
                    status,
                    code,
                    description,
                    body: response.as_ref().raw().clone(),
                });
            }
            _ => {}
        }
    }
    Err(Error::from(error))
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        let failure = Failure::<ResultClass>::from_progenitor(error, |envelope| EnvelopeFields {
            code: envelope.0.result.as_ref().and_then(|r| r.code.clone()),
            message: envelope
                .0
                .result
                .as_ref()
                .and_then(|r| r.description.clone()),
            request_id: envelope.0.ndc.clone(),
        });
        match failure {
            Failure::Provider(e) => Self::Provider(Box::new(e)),
            Failure::InvalidRequest(m) => Self::InvalidRequest(m),
            Failure::Transport(e) => Self::Transport(e),
            Failure::InvalidResponse(e) => Self::InvalidResponse(e),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl CallFailure for Error {
    /// EastPay has no idempotency key: see [`CallFailure::merchant_reference`].
    fn view(&self) -> FailureView<'_> {
        match self {
            Self::OutcomeUnknown { source, .. } => source.view(),
            Self::Validation {
                code,
                description,
                body,
                ..
            } => FailureView::Answer(AnswerView {
                code: Some(code),
                message: Some(description),
                body,
                ..AnswerView::refused(StatusCode::BAD_REQUEST)
            }),
            Self::Auth {
                status,
                code,
                description,
                body,
            } => FailureView::Answer(AnswerView {
                code: code.as_deref(),
                message: Some(description),
                body,
                ..AnswerView::refused(
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::UNAUTHORIZED),
                )
            }),
            Self::Provider(e) => e.view(),
            Self::Transport(e) => FailureView::Transport(e),
            Self::InvalidResponse(e) => FailureView::InvalidResponse(e),
            Self::InvalidRequest(_) | Self::Money(_) | Self::Config(_) | Self::Notification(_) => {
                FailureView::NotSent
            }
        }
    }

    /// The `merchantTransactionId` of a payment or checkout whose outcome is unknown.
    fn merchant_reference(&self) -> Option<&str> {
        match self {
            Self::OutcomeUnknown {
                merchant_transaction_id,
                ..
            } => merchant_transaction_id.as_deref(),
            _ => None,
        }
    }
}
