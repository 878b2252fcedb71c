//! MobilePay webhooks: typed notifications and verification of `x-mobilepay-signature`.
//!
//! MobilePay signs `notification URL + body with all whitespace removed` with
//! HMAC-SHA1 under the subscription's `signatureKey`, base64-encoded. Notifications
//! come up to 32 times over about 48 h, in no guaranteed order: handle them
//! idempotently on `notificationId`, answer 2xx within 10 s.

use std::fmt;

pub use payspec_core::dedup::{DeliveryLog, InMemoryDeliveryLog};
/// The axum extractor (feature `axum`): `VerifiedNotification<WebhookVerifier>` in a
/// handler, `WebhookState` in the router's state.
#[cfg(feature = "axum")]
pub use payspec_core::notify::axum::{Refused, VerifiedNotification, WebhookState};
pub use payspec_core::notify::{Delivery, NotificationVerifier};
use payspec_core::webhook::{
    HmacAlgorithm, SignatureEncoding, SignatureError, check_secret, encode, hmac, verify_hmac,
};
use payspec_core::{ConfigError, Secret};
pub use payspec_mobilepay_api::open_enums::{WebhookDataType, WebhookEventType};
pub use payspec_mobilepay_api::types::Notification;

/// The header MobilePay puts the signature in.
pub const SIGNATURE_HEADER: &str = "x-mobilepay-signature";
/// The signature: HMAC-SHA1 over the notification URL followed by the compact body...
pub const SIGNATURE_ALGORITHM: HmacAlgorithm = HmacAlgorithm::Sha1;
/// ...written in base64.
pub const SIGNATURE_ENCODING: SignatureEncoding = SignatureEncoding::Base64;

/// Why a webhook was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The signature is missing, malformed or wrong.
    #[error("webhook signature rejected: {0}")]
    Signature(#[from] SignatureError),
    /// The body is not a MobilePay notification.
    #[error("webhook body is not a MobilePay notification: {0}")]
    Body(#[from] serde_json::Error),
}

/// Parses a notification body (no signature check).
pub fn parse(body: &[u8]) -> Result<Notification, WebhookError> {
    Ok(serde_json::from_slice(body)?)
}

/// What MobilePay signs: the notification URL, then the body with every whitespace
/// character removed (inside strings too, as the provider documents).
pub fn signed_message(notification_url: &str, body: &[u8]) -> Vec<u8> {
    let mut message = notification_url.as_bytes().to_vec();
    match std::str::from_utf8(body) {
        Ok(text) => {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            message.extend_from_slice(compact.as_bytes());
        }
        Err(_) => message.extend(body.iter().copied().filter(|b| !b.is_ascii_whitespace())),
    }
    message
}

/// Verifies `x-mobilepay-signature` for notifications sent to one URL.
///
/// Give every signature key that may be in use (rotation: the old and the new
/// subscription's key); a body signed with any of them is accepted.
#[derive(Clone)]
pub struct WebhookVerifier {
    notification_url: String,
    keys: Vec<Secret>,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("notification_url", &self.notification_url)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for notifications posted to `notification_url` (exactly as registered),
    /// signed with `signature_key`. Refuses an empty key and a URL that is not absolute.
    pub fn new(
        notification_url: impl Into<String>,
        signature_key: impl Into<Secret>,
    ) -> Result<Self, ConfigError> {
        let notification_url = notification_url.into();
        if url::Url::parse(&notification_url).is_err() {
            return Err(ConfigError::Invalid {
                name: "notification URL",
                reason: "not an absolute URL: MobilePay signs the URL it posted to".into(),
            });
        }
        let key = signature_key.into();
        check_secret("webhook signature key", &key)?;
        Ok(Self {
            notification_url,
            keys: vec![key],
        })
    }

    /// Also accepts `signature_key` (rotation). Refuses an empty key.
    pub fn with_key(mut self, signature_key: impl Into<Secret>) -> Result<Self, ConfigError> {
        let key = signature_key.into();
        check_secret("webhook signature key", &key)?;
        self.keys.push(key);
        Ok(self)
    }

    /// Checks a signature header value against the raw body.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
        let signature =
            signature.ok_or_else(|| SignatureError::MissingHeader(SIGNATURE_HEADER.into()))?;
        let message = signed_message(&self.notification_url, body);
        verify_hmac(
            HmacAlgorithm::Sha1,
            &self.keys,
            &message,
            signature,
            SignatureEncoding::Base64,
        )
        .map_err(|e| {
            e.compared(format!(
                "URL `{}` followed by the body ({} bytes), header `{SIGNATURE_HEADER}`",
                self.notification_url,
                body.len()
            ))
        })
    }

    /// Checks the signature in `headers`, then parses the body.
    pub fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, WebhookError> {
        let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
        self.verify(body, signature)?;
        parse(body)
    }

    /// The signature MobilePay would send for `body` under the first key: for your tests.
    pub fn sign(&self, body: &[u8]) -> String {
        match self.keys.first() {
            Some(key) => {
                let message = signed_message(&self.notification_url, body);
                encode(
                    &hmac(HmacAlgorithm::Sha1, key, &message),
                    SignatureEncoding::Base64,
                )
            }
            None => String::new(),
        }
    }
}

impl NotificationVerifier for WebhookVerifier {
    type Notification = Notification;
    type Error = WebhookError;

    fn signature_header(&self) -> &str {
        SIGNATURE_HEADER
    }

    fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, WebhookError> {
        WebhookVerifier::verify_and_parse(self, headers, body)
    }

    /// `notificationId`, which MobilePay repeats on every retry of a notification.
    fn delivery_id(&self, notification: &Notification) -> Option<String> {
        notification.notification_id.map(|id| id.to_string())
    }

    fn sign(&self, body: &[u8]) -> String {
        WebhookVerifier::sign(self, body)
    }
}
