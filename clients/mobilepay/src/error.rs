//! `payspec_mobilepay::Error`: every way a MobilePay call can fail, each with the
//! `CorrelationId` of the call.

use std::fmt;

use payspec_core::{
    CallFailure, ConfigError, EnvelopeFields, Failure, FailureView, InvalidResponse, ProviderError,
    RawBody,
};
use payspec_mobilepay_api::types::ErrorEnvelopeFields;

payspec_core::error_codes! {
    /// A MobilePay error code (`code` of the error body). The 409 codes of the provider's
    /// documentation each have a variant; anything else is kept in `Unknown`.
    pub enum ErrorCode {
        /// `processing_error`
        ProcessingError = "processing_error",
        /// `amount_too_large`
        AmountTooLarge = "amount_too_large",
        /// `partial_capture_disallowed`
        PartialCaptureDisallowed = "partial_capture_disallowed",
        /// `payment_not_found`
        PaymentNotFound = "payment_not_found",
        /// `invalid_payment_state`: e.g. a refund of a payment that is not captured.
        InvalidPaymentState = "invalid_payment_state",
        /// `invalid_payment_point`
        InvalidPaymentPoint = "invalid_payment_point",
        /// `payment_point_not_found`
        PaymentPointNotFound = "payment_point_not_found",
        /// `idempotency_key_reused`: the same key with another payload.
        IdempotencyKeyReused = "idempotency_key_reused",
        /// `unauthorized_access`
        UnauthorizedAccess = "unauthorized_access",
        /// `payment_captured_with_different_amount`
        PaymentCapturedWithDifferentAmount = "payment_captured_with_different_amount",
        /// `amount_exceeds_available_funds` (refunds)
        AmountExceedsAvailableFunds = "amount_exceeds_available_funds",
        /// `availability_duration_expired` (refunds: older than 90 days)
        AvailabilityDurationExpired = "availability_duration_expired",
    }
    retryable: []
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// MobilePay answered with an error: status, [`ErrorCode`], message (a 400's free
    /// text whole), correlation id, raw body.
    #[error("MobilePay answered with an error: {0}")]
    Provider(Box<ProviderError<ErrorCode>>),
    /// The request broke a constraint of the spec and was not sent.
    #[error("invalid request (not sent): {}", payspec_core::error::Bounded(.0))]
    InvalidRequest(String),
    /// No response: connection, TLS, timeout. [`CallFailure::outcome_unknown`](payspec_core::CallFailure::outcome_unknown) says whether
    /// the payment may exist anyway.
    #[error("transport error: {}", payspec_core::classify::describe_transport(.0))]
    Transport(#[source] reqwest::Error),
    /// A response that does not match the spec.
    #[error("{0}")]
    InvalidResponse(InvalidResponse),
    /// The client could not be built.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// An initiate whose outcome stayed unknown after a second attempt with the same
    /// idempotency key; the payment was then cancelled by that key (when `cancelled`).
    #[error(
        "initiate abandoned after an unknown outcome (idempotency key {idempotency_key}, cancelled: {cancelled}): {source}"
    )]
    InitiateAbandoned {
        /// The key of the abandoned initiate.
        idempotency_key: uuid::Uuid,
        /// Whether the cancel by idempotency key succeeded.
        cancelled: bool,
        /// The last error of the initiate.
        source: Box<Error>,
    },
}

/// Every way a MobilePay call can fail, with the call's `CorrelationId`.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    correlation_id: Option<String>,
    idempotency_key: Option<String>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)?;
        if let Some(id) = &self.correlation_id {
            write!(f, " [correlation id {id}]")?;
        }
        // A provider error and an abandoned initiate say their key themselves.
        if self.outcome_unknown()
            && !matches!(
                self.kind,
                ErrorKind::Provider(_) | ErrorKind::InitiateAbandoned { .. }
            )
            && let Some(key) = &self.idempotency_key
        {
            write!(f, "; outcome unknown, repeat with idempotency key {key}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            correlation_id: None,
            idempotency_key: None,
        }
    }

    /// Records the `idempotencyKey` the call's body carried (MobilePay keys are in the
    /// body, where payspec-core cannot see them).
    pub(crate) fn with_idempotency_key(mut self, key: &uuid::Uuid) -> Self {
        self.idempotency_key = Some(key.to_string());
        if let ErrorKind::Provider(e) = &mut self.kind
            && e.idempotency_key.is_none()
        {
            e.idempotency_key = Some(key.to_string());
        }
        self
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest(message.into()))
    }

    pub(crate) fn invalid_response(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidResponse(InvalidResponse {
            status: None,
            reason: reason.into(),
            body: None,
        }))
    }

    /// Sets the correlation id of the call, unless the provider's body named one.
    pub(crate) fn with_correlation_id(mut self, id: &uuid::Uuid) -> Self {
        if self.correlation_id.is_none() {
            self.correlation_id = Some(id.to_string());
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The `CorrelationId` of the call (MobilePay's, when it echoed one).
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// The provider's error code, when MobilePay answered with an error.
    pub fn code(&self) -> Option<&ErrorCode> {
        match &self.kind {
            ErrorKind::Provider(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The provider's message (a 400's free text, whole).
    pub fn message(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Provider(e) => e.message.as_deref(),
            _ => None,
        }
    }
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Self {
        Self::new(ErrorKind::Config(error))
    }
}

pub(crate) type ApiError = progenitor_client::Error<RawBody<ErrorEnvelopeFields>>;

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        let failure = Failure::<ErrorCode>::from_progenitor(error, |envelope| EnvelopeFields {
            code: envelope.code.clone(),
            message: envelope.message.clone(),
            request_id: envelope.correlation_id.clone(),
        });
        match failure {
            Failure::Provider(e) => {
                let correlation_id = e.request_id.clone();
                Self {
                    kind: ErrorKind::Provider(Box::new(e)),
                    correlation_id,
                    idempotency_key: None,
                }
            }
            Failure::InvalidRequest(m) => Self::new(ErrorKind::InvalidRequest(m)),
            Failure::Transport(e) => Self::new(ErrorKind::Transport(e)),
            Failure::InvalidResponse(e) => Self::new(ErrorKind::InvalidResponse(e)),
        }
    }
}

impl CallFailure for Error {
    fn view(&self) -> FailureView<'_> {
        match &self.kind {
            ErrorKind::Provider(e) => e.view(),
            ErrorKind::Transport(e) => FailureView::Transport(e),
            ErrorKind::InvalidResponse(e) => FailureView::InvalidResponse(e),
            ErrorKind::InitiateAbandoned { source, .. } => source.view(),
            ErrorKind::InvalidRequest(_) | ErrorKind::Config(_) => FailureView::NotSent,
        }
    }

    /// An abandoned initiate whose cancel went through has a known outcome: cancelled.
    fn outcome_unknown(&self) -> bool {
        match &self.kind {
            ErrorKind::InitiateAbandoned { cancelled, .. } => !cancelled,
            _ => self.view().outcome_unknown(),
        }
    }

    /// The `CorrelationId` header the call carried.
    fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// MobilePay keys are in the body, where payspec-core cannot see them: the key is
    /// the one the client put there.
    fn idempotency_key(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::InitiateAbandoned { source, .. } => source.idempotency_key(),
            _ => self.idempotency_key.as_deref(),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
