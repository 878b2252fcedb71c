//! `payspec_nopan::Error`: every way a Nopan call can fail, with Nopan's reason codes
//! as typed values.

use payspec_core::{
    CallFailure, ConfigError, EnvelopeFields, Failure, FailureView, InvalidResponse, ProviderError,
    RawBody,
};
use payspec_nopan_api::types::ErrorEnvelopeFields;

payspec_core::error_codes! {
    /// A Nopan reason code (`statusInfo.reasonCode`). Codes are strings on the wire; every
    /// code the provider documents has a variant, anything else is kept in `Unknown`.
    pub enum ReasonCode {
        /// `-1`: processed (also "Awaiting user consent").
        Processed = "-1",
        /// `1000`: non-sufficient funds.
        InsufficientFunds = "1000",
        /// `3000` (429): rate limited. Retryable.
        RateLimited = "3000",
        /// `4000` (400): payload incomplete or failed schema validation. The non-numeric
        /// `validation-error` seen in the wild maps here too.
        ValidationFailed = "4000" | "validation-error",
        /// `4061` (401): the access token expired; payspec refreshes once and replays.
        TokenExpired = "4061",
        /// `4970` (401): authentication failed.
        AuthenticationFailed = "4970",
        /// `4971` (403): forbidden.
        Forbidden = "4971",
        /// `4980` (400): certificate problem.
        CertificateProblem = "4980",
        /// `4990` (400): signature error.
        SignatureError = "4990",
        /// `4992` (401): invalid signature.
        InvalidSignature = "4992",
        /// `5000` (404): not found.
        NotFound = "5000",
        /// `5001` (409): already exists.
        AlreadyExists = "5001",
        /// `5002` (422): state transition not allowed.
        TransitionNotAllowed = "5002",
        /// `5003` (423): still processing. Retryable.
        StillProcessing = "5003",
        /// `8001` (504): provider timeout. Retryable.
        ProviderTimeout = "8001",
        /// `8003` (501): not implemented.
        NotImplemented = "8003",
        /// `8004` (502): bad gateway. Retryable.
        BadGateway = "8004",
        /// `9999` (500): internal error.
        InternalError = "9999",
    }
    retryable: [RateLimited, StillProcessing, ProviderTimeout, BadGateway]
}

/// Reads the reason code of an error body, if it has one.
pub(crate) fn reason_code_of(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value
        .pointer("/statusInfo/reasonCode")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
}

/// Every way a Nopan call can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nopan answered with an error envelope: see [`ProviderError::code`] for the
    /// [`ReasonCode`], plus status, message, call id, the idempotency key sent, whether
    /// the outcome is unknown, and the raw body.
    #[error("Nopan answered with an error: {0}")]
    Provider(Box<ProviderError<ReasonCode>>),
    /// The request broke a constraint of the spec (length, pattern, enum, minimum) and
    /// was not sent.
    #[error("invalid request (not sent): {}", payspec_core::error::Bounded(.0))]
    InvalidRequest(String),
    /// No response: connection, TLS handshake (e.g. a rejected client certificate),
    /// timeout. [`CallFailure::outcome_unknown`](payspec_core::CallFailure::outcome_unknown) says whether the payment may exist anyway.
    #[error("transport error: {}", payspec_core::classify::describe_transport(.0))]
    Transport(#[source] reqwest::Error),
    /// A response that does not match the spec.
    #[error("{0}")]
    InvalidResponse(InvalidResponse),
    /// The client could not be built.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
}

impl Error {
    /// The reason code, when Nopan sent one.
    pub fn code(&self) -> Option<&ReasonCode> {
        match self {
            Self::Provider(e) => Some(&e.code),
            _ => None,
        }
    }

    /// Nopan's `callId`, for support requests.
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Self::Provider(e) => e.request_id.as_deref(),
            _ => None,
        }
    }
}

impl CallFailure for Error {
    fn view(&self) -> FailureView<'_> {
        match self {
            Self::Provider(e) => e.view(),
            Self::Transport(e) => FailureView::Transport(e),
            Self::InvalidResponse(e) => FailureView::InvalidResponse(e),
            Self::InvalidRequest(_) | Self::Config(_) => FailureView::NotSent,
        }
    }
}

type ApiError = progenitor_client::Error<RawBody<ErrorEnvelopeFields>>;

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        let failure = Failure::<ReasonCode>::from_progenitor(error, |envelope| EnvelopeFields {
            code: envelope
                .status_info
                .as_ref()
                .and_then(|s| s.reason_code.clone()),
            message: envelope
                .status_info
                .as_ref()
                .and_then(|s| s.message.clone()),
            request_id: envelope.call_id.clone(),
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
