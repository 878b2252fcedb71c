//! Nopan webhooks: typed notifications (both spellings of the types, unknown types
//! kept) and HMAC-SHA256 signature verification.
//!
//! Nopan's docs mention an HMAC signature header without naming it, so the header name
//! and the secret(s) are configuration. Nopan retries a notification up to 10 times in
//! 24 h: handle it idempotently on [`Notification::notification_id`] and answer 2xx.

use payspec_core::ConfigError;
use payspec_core::Secret;
pub use payspec_core::dedup::{DeliveryLog, InMemoryDeliveryLog};
/// The axum extractor (feature `axum`): `VerifiedNotification<WebhookVerifier>` in a
/// handler, `WebhookState` in the router's state.
#[cfg(feature = "axum")]
pub use payspec_core::notify::axum::{Refused, VerifiedNotification, WebhookState};
pub use payspec_core::notify::{Delivery, NotificationVerifier};
pub use payspec_core::webhook::{
    BodySignatureVerifier, HmacAlgorithm, SignatureEncoding, SignatureError,
};
pub use payspec_nopan_api::open_enums::NotificationType;
pub use payspec_nopan_api::types::Notification;

/// The header payspec reads Nopan's signature from by default, and its sandbox signs in
/// (inferred: Nopan's docs mention an HMAC signature header without naming it, so
/// [`WebhookVerifier::new`] takes the header).
pub const SIGNATURE_HEADER: &str = "x-nopan-signature";
/// The signature: HMAC-SHA256 over the raw body...
pub const SIGNATURE_ALGORITHM: HmacAlgorithm = HmacAlgorithm::Sha256;
/// ...written in hex.
pub const SIGNATURE_ENCODING: SignatureEncoding = SignatureEncoding::Hex;

/// What a notification says happened, with both spellings folded into one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    /// `PAYMENT_INITIATED` (older: `PAYMENT_INITIATE`).
    Initiated,
    /// `PAYMENT_FINALIZED` (older: `PAYMENT_FINALIZE`).
    Finalized,
    /// `PAYMENT_CAPTURED` (older: `PAYMENT_CAPTURE`).
    Captured,
    /// `PAYMENT_REFUNDED` (older: `PAYMENT_REFUND`).
    Refunded,
    /// A type this version does not know, as sent.
    Other(String),
}

/// The kind of a notification type, whichever spelling Nopan used.
pub fn kind(notification_type: &NotificationType) -> NotificationKind {
    use NotificationType as T;
    match notification_type {
        T::PaymentInitiated | T::PaymentInitiate => NotificationKind::Initiated,
        T::PaymentFinalized | T::PaymentFinalize => NotificationKind::Finalized,
        T::PaymentCaptured | T::PaymentCapture => NotificationKind::Captured,
        T::PaymentRefunded | T::PaymentRefund => NotificationKind::Refunded,
        T::Unknown(other) => NotificationKind::Other(other.clone()),
    }
}

/// Why a webhook was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The signature is missing, malformed or wrong.
    #[error("webhook signature rejected: {0}")]
    Signature(#[from] SignatureError),
    /// The body is not a Nopan notification.
    #[error("webhook body is not a Nopan notification: {0}")]
    Body(#[from] serde_json::Error),
}

/// Parses a notification body (no signature check).
pub fn parse(body: &[u8]) -> Result<Notification, WebhookError> {
    Ok(serde_json::from_slice(body)?)
}

/// Verifies the HMAC-SHA256 signature of webhook bodies and parses them (payspec-core's
/// [`BodySignatureVerifier`] with Nopan's notification types).
///
/// Several secrets may be configured at once so a secret can be rotated without
/// dropping notifications: a body signed with any of them is accepted.
#[derive(Clone, Debug)]
pub struct WebhookVerifier(BodySignatureVerifier);

impl WebhookVerifier {
    /// A verifier reading the signature from `header` (case-insensitive), hex-encoded.
    /// Refuses an empty secret (an unset environment variable must not give a verifier
    /// anyone can sign for) and an invalid header name.
    pub fn new(header: impl AsRef<str>, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        Ok(Self(BodySignatureVerifier::new(header, secret)?))
    }

    /// Also accepts signatures made with `secret` (rotation). Refuses an empty secret.
    pub fn with_secret(self, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        Ok(Self(self.0.with_secret(secret)?))
    }

    /// How the signature is encoded (default hex).
    pub fn with_encoding(self, encoding: SignatureEncoding) -> Self {
        Self(self.0.with_encoding(encoding))
    }

    /// The header this verifier reads.
    pub fn header(&self) -> &str {
        self.0.header()
    }

    /// Checks `signature` (the header's value) against the raw body.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
        self.0.verify(body, signature)
    }

    /// Checks the signature in `headers` and parses the body.
    pub fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, WebhookError> {
        self.0.verify_headers(headers, body)?;
        parse(body)
    }

    /// The signature header value for `body` under the first secret: for your tests.
    pub fn sign(&self, body: &[u8]) -> String {
        self.0.sign(body)
    }
}

impl NotificationVerifier for WebhookVerifier {
    type Notification = Notification;
    type Error = WebhookError;

    fn signature_header(&self) -> &str {
        self.header()
    }

    fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, WebhookError> {
        WebhookVerifier::verify_and_parse(self, headers, body)
    }

    /// `notificationId`, which Nopan repeats on every retry of a notification.
    fn delivery_id(&self, notification: &Notification) -> Option<String> {
        notification.notification_id.map(|id| id.to_string())
    }

    fn sign(&self, body: &[u8]) -> String {
        WebhookVerifier::sign(self, body)
    }
}
