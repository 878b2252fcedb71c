//! One shape for receiving a provider's notifications in any web framework: verify the
//! signature over the raw body, parse, drop duplicate deliveries.
//!
//! Every provider crate whose notifications are signed implements [`NotificationVerifier`]
//! for its `webhook::WebhookVerifier`, so a handler reads the same in every crate:
//!
//! ```ignore
//! match verifier.verify_new(&log, request.headers(), &body)? {
//!     Delivery::New(notification) => act_on(notification),
//!     Delivery::Duplicate(_) => {} // answer 2xx, do nothing
//! }
//! ```
//!
//! Any framework's request converts to an `http::Request` (axum's is one), or hands over
//! its headers and raw body; the body must be the bytes as received (a re-serialised
//! JSON body no longer matches its signature).

use crate::dedup::DeliveryLog;

/// A notification after verification: the first delivery of its id, or a repeat.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery<N> {
    /// Not delivered before (within the log's window): act on it.
    New(N),
    /// Delivered before: answer 2xx (so the provider stops) and do nothing.
    Duplicate(N),
}

impl<N> Delivery<N> {
    /// The notification, new or not.
    pub fn into_inner(self) -> N {
        match self {
            Self::New(n) | Self::Duplicate(n) => n,
        }
    }

    /// Whether this is the first delivery.
    pub fn is_new(&self) -> bool {
        matches!(self, Self::New(_))
    }
}

/// A provider's webhook verifier (see the module documentation).
pub trait NotificationVerifier {
    /// The parsed notification.
    type Notification;
    /// Why a notification was refused (signature missing or wrong, body not the
    /// provider's notification).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The header the provider puts the signature in.
    fn signature_header(&self) -> &str;

    /// Checks the signature in `headers` over the raw `body`, then parses the body.
    fn verify_and_parse(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Self::Notification, Self::Error>;

    /// The id a repeated delivery of the same notification carries again, for a
    /// [`DeliveryLog`] (`None`: the notification has none; [`Self::verify_new`] then keys
    /// by the signature, which a repeat of the same body also carries again).
    fn delivery_id(&self, notification: &Self::Notification) -> Option<String>;

    /// The signature header's value the provider would send with `body` (under the first
    /// secret): for the handler tests of users.
    fn sign(&self, body: &[u8]) -> String;

    /// A request signed as the provider signs it, with `body`: for the handler tests of
    /// users (the path and method are the handler's to choose; these are `POST /`).
    fn signed_request(&self, body: Vec<u8>) -> http::Request<Vec<u8>> {
        let signature = self.sign(&body);
        request_with_header(self.signature_header(), &signature, body)
    }

    /// [`Self::verify_and_parse`] from a whole request.
    fn verify_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<Self::Notification, Self::Error>
    where
        Self: Sized,
    {
        self.verify_and_parse(request.headers(), request.body().as_ref())
    }

    /// Verifies and parses, then asks `log` whether this notification was delivered
    /// before. A notification refused by the signature check is never recorded.
    fn verify_new(
        &self,
        log: &dyn DeliveryLog,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Delivery<Self::Notification>, Self::Error>
    where
        Self: Sized,
    {
        let notification = self.verify_and_parse(headers, body)?;
        let key = self.delivery_id(&notification).unwrap_or_else(|| {
            let signature = headers
                .get(self.signature_header())
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            format!("signature:{signature}")
        });
        Ok(if log.first_delivery(&key) {
            Delivery::New(notification)
        } else {
            Delivery::Duplicate(notification)
        })
    }
}

/// A `POST /` request with `body` and the header `name: value` (for
/// [`NotificationVerifier::signed_request`]).
pub fn request_with_header(name: &str, value: &str, body: Vec<u8>) -> http::Request<Vec<u8>> {
    let mut request = http::Request::new(body);
    *request.method_mut() = http::Method::POST;
    if let (Ok(name), Ok(value)) = (
        http::HeaderName::from_bytes(name.as_bytes()),
        http::HeaderValue::from_str(value),
    ) {
        request.headers_mut().insert(name, value);
    }
    request.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    request
}
