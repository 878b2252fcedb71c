//! Signatures made with the payment application's secret: the checkout URL's
//! `expires`/`signature`, and webhooks.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use payspec_core::notify::NotificationVerifier;
use payspec_core::webhook::{
    BodySignatureVerifier, HmacAlgorithm, SignatureEncoding, SignatureError, check_secret, encode,
    hmac, verify_hmac,
};
use payspec_core::{ConfigError, Secret};

/// Why a checkout URL was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutUrlError {
    /// Not a URL, or not `.../checkout/{paymentId}`.
    #[error("not a checkout URL: {0}")]
    Malformed(String),
    /// No `expires` or `signature` parameter.
    #[error("checkout URL has no `{0}` parameter")]
    Missing(&'static str),
    /// The signature does not match any secret.
    #[error("checkout URL signature does not match")]
    Signature,
    /// The URL has expired.
    #[error("checkout URL expired")]
    Expired,
}

/// A verified checkout URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutUrl {
    /// The payment id in its path.
    pub payment_id: String,
    /// When it expires.
    pub expires: SystemTime,
}

/// What is signed: the URL without its `signature` parameter, other parameters in their
/// order (the Laravel signed-route convention the URLs follow; inferred).
fn signed_part(url: &url::Url) -> String {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| name != "signature")
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let mut base = url.clone();
    base.set_query(None);
    base.set_fragment(None);
    let mut text = base.to_string();
    if !kept.is_empty() {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        text.push('?');
        text.push_str(&query);
    }
    text
}

/// Verifies and signs checkout URLs with the application secret(s).
#[derive(Clone)]
pub struct CheckoutUrlVerifier {
    secrets: Vec<Secret>,
}

impl fmt::Debug for CheckoutUrlVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckoutUrlVerifier")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl CheckoutUrlVerifier {
    /// A verifier for URLs signed with `secret`. Refuses an empty secret.
    pub fn new(secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        let secret = secret.into();
        check_secret("application secret", &secret)?;
        Ok(Self {
            secrets: vec![secret],
        })
    }

    /// Also accepts URLs signed with `secret` (rotation). Refuses an empty secret.
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        let secret = secret.into();
        check_secret("application secret", &secret)?;
        self.secrets.push(secret);
        Ok(self)
    }

    /// Checks the signature (constant time) and the expiry against `now`.
    pub fn verify(
        &self,
        checkout_url: &str,
        now: SystemTime,
    ) -> Result<CheckoutUrl, CheckoutUrlError> {
        let url = url::Url::parse(checkout_url)
            .map_err(|e| CheckoutUrlError::Malformed(e.to_string()))?;
        let mut segments = url
            .path_segments()
            .map(|s| s.collect::<Vec<_>>())
            .unwrap_or_default();
        segments.retain(|s| !s.is_empty());
        let payment_id = match segments.as_slice() {
            [.., "checkout", id] => id.to_string(),
            _ => {
                return Err(CheckoutUrlError::Malformed(
                    "expected /checkout/{paymentId}".into(),
                ));
            }
        };
        let param = |name: &'static str| {
            url.query_pairs()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.into_owned())
                .ok_or(CheckoutUrlError::Missing(name))
        };
        let signature = param("signature")?;
        let expires: u64 = param("expires")?
            .parse()
            .map_err(|_| CheckoutUrlError::Malformed("`expires` is not a Unix time".into()))?;
        verify_hmac(
            HmacAlgorithm::Sha256,
            &self.secrets,
            signed_part(&url).as_bytes(),
            &signature,
            SignatureEncoding::Hex,
        )
        .map_err(|_| CheckoutUrlError::Signature)?;
        // Signed, but past what the system clock can hold: refused, not a panic.
        let expires = UNIX_EPOCH
            .checked_add(Duration::from_secs(expires))
            .ok_or_else(|| CheckoutUrlError::Malformed("`expires` is out of range".into()))?;
        if now >= expires {
            return Err(CheckoutUrlError::Expired);
        }
        Ok(CheckoutUrl {
            payment_id,
            expires,
        })
    }

    /// Adds `signature` to a URL that carries `expires` (for your tests and payspec's sandbox).
    pub fn sign(&self, checkout_url: &str) -> Result<String, CheckoutUrlError> {
        let mut url = url::Url::parse(checkout_url)
            .map_err(|e| CheckoutUrlError::Malformed(e.to_string()))?;
        let secret = self.secrets.first().ok_or(CheckoutUrlError::Signature)?;
        let signature = encode(
            &hmac(HmacAlgorithm::Sha256, secret, signed_part(&url).as_bytes()),
            SignatureEncoding::Hex,
        );
        url.query_pairs_mut().append_pair("signature", &signature);
        Ok(url.to_string())
    }
}

/// The header the webhook signature is read from by default (inferred: VaiiPay does not
/// publish it).
pub const DEFAULT_SIGNATURE_HEADER: &str = "x-signature";
/// The header the webhook signature is read from by default (the same as
/// [`DEFAULT_SIGNATURE_HEADER`], under the name every payspec crate uses).
pub const SIGNATURE_HEADER: &str = DEFAULT_SIGNATURE_HEADER;
/// The webhook signature: HMAC-SHA256 over the raw body (inferred)...
pub const SIGNATURE_ALGORITHM: HmacAlgorithm = HmacAlgorithm::Sha256;
/// ...written in hex (inferred; [`WebhookVerifier::with_encoding`] changes it).
pub const SIGNATURE_ENCODING: SignatureEncoding = SignatureEncoding::Hex;

/// Verifies webhooks: HMAC-SHA256 over the raw body with the application secret (the
/// likely scheme; VaiiPay does not publish it, so header and encoding are configurable).
/// payspec-core's [`BodySignatureVerifier`] with VaiiPay's defaults.
#[derive(Clone, Debug)]
pub struct WebhookVerifier(BodySignatureVerifier);

impl WebhookVerifier {
    /// Verifies with `secret`, from `x-signature`, hex. Refuses an empty secret.
    pub fn new(secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        Ok(Self(BodySignatureVerifier::new(
            DEFAULT_SIGNATURE_HEADER,
            secret,
        )?))
    }

    /// Reads the signature from another header. Refuses an invalid header name.
    pub fn with_header(self, header: impl AsRef<str>) -> Result<Self, ConfigError> {
        Ok(Self(self.0.with_header(header)?))
    }

    /// Another encoding of the signature.
    pub fn with_encoding(self, encoding: SignatureEncoding) -> Self {
        Self(self.0.with_encoding(encoding))
    }

    /// Also accepts `secret` (rotation). Refuses an empty secret.
    pub fn with_secret(self, secret: impl Into<Secret>) -> Result<Self, ConfigError> {
        Ok(Self(self.0.with_secret(secret)?))
    }

    /// Checks the signature of a raw body.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), SignatureError> {
        self.0.verify(body, signature)
    }

    /// Checks the signature in `headers` and parses the body as JSON.
    pub fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<serde_json::Value, WebhookError> {
        self.0.verify_headers(headers, body)?;
        Ok(serde_json::from_slice(body)?)
    }

    /// The signature header value for `body` (for your tests).
    pub fn sign(&self, body: &[u8]) -> String {
        self.0.sign(body)
    }
}

impl NotificationVerifier for WebhookVerifier {
    type Notification = serde_json::Value;
    type Error = WebhookError;

    fn signature_header(&self) -> &str {
        self.0.header()
    }

    fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<serde_json::Value, WebhookError> {
        WebhookVerifier::verify_and_parse(self, headers, body)
    }

    /// VaiiPay's notification schema is not published: its `id` when it has one (else
    /// deliveries are told apart by their signature, the same for a repeated body).
    fn delivery_id(&self, notification: &serde_json::Value) -> Option<String> {
        match notification.get("id")? {
            serde_json::Value::String(id) => Some(id.clone()),
            serde_json::Value::Number(id) => Some(id.to_string()),
            _ => None,
        }
    }

    fn sign(&self, body: &[u8]) -> String {
        WebhookVerifier::sign(self, body)
    }
}

/// Why a webhook was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The signature is missing, malformed or wrong.
    #[error("webhook signature rejected: {0}")]
    Signature(#[from] SignatureError),
    /// The body is not JSON.
    #[error("webhook body is not JSON: {0}")]
    Body(#[from] serde_json::Error),
}
