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

/// An axum extractor for signed notifications (feature `axum`; it implements axum-core's
/// `FromRequest`, the trait axum calls, so it works in any axum 0.8 router):
///
/// ```ignore
/// async fn nopan_webhook(notification: VerifiedNotification<nopan::webhook::WebhookVerifier>) -> StatusCode {
///     if let Delivery::New(n) = notification.0 { act_on(n).await }
///     StatusCode::NO_CONTENT // a duplicate is answered 2xx too, so the provider stops
/// }
/// let app = Router::new()
///     .route("/webhooks/nopan", post(nopan_webhook))
///     .with_state(WebhookState::new(verifier, log));
/// ```
///
/// The body is read up to [`WebhookState::max_body_bytes`](self::axum::WebhookState::max_body_bytes) (default 1 MiB; past it, 413);
/// a notification that fails verification is refused with 401 and the reason, and is not
/// recorded as delivered.
#[cfg(feature = "axum")]
pub mod axum {
    use std::sync::Arc;

    use axum_core::extract::{FromRef, FromRequest, Request};
    use axum_core::response::{IntoResponse, Response};
    use http::StatusCode;
    use http_body_util::BodyExt;

    use super::{Delivery, NotificationVerifier};
    use crate::dedup::DeliveryLog;

    /// What the extractor needs from the router's state: the verifier and the log of
    /// deliveries (put it in the state, or make it `FromRef` of yours).
    pub struct WebhookState<V> {
        /// The provider's verifier.
        pub verifier: Arc<V>,
        /// The log that tells a repeat delivery from a new one.
        pub log: Arc<dyn DeliveryLog>,
        /// The largest body read (default 1 MiB).
        pub max_body_bytes: usize,
    }

    impl<V> Clone for WebhookState<V> {
        fn clone(&self) -> Self {
            Self {
                verifier: self.verifier.clone(),
                log: self.log.clone(),
                max_body_bytes: self.max_body_bytes,
            }
        }
    }

    impl<V> WebhookState<V> {
        /// The state for `verifier` and `log`, with a 1 MiB body limit.
        pub fn new(verifier: V, log: Arc<dyn DeliveryLog>) -> Self {
            Self {
                verifier: Arc::new(verifier),
                log,
                max_body_bytes: 1024 * 1024,
            }
        }
    }

    /// A verified notification: new, or a repeat of one already delivered.
    #[derive(Debug)]
    pub struct VerifiedNotification<V: NotificationVerifier>(pub Delivery<V::Notification>);

    /// Why the extractor refused a request (answered as its status with a one-line text).
    #[derive(Debug)]
    pub enum Refused {
        /// The body is larger than the limit (413).
        TooLarge(usize),
        /// The body could not be read (400).
        Unreadable(String),
        /// The signature is missing or wrong, or the body is not a notification (401).
        NotVerified(String),
    }

    impl IntoResponse for Refused {
        fn into_response(self) -> Response {
            let (status, text) = match self {
                Self::TooLarge(limit) => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("notification body larger than {limit} bytes"),
                ),
                Self::Unreadable(reason) => (StatusCode::BAD_REQUEST, reason),
                Self::NotVerified(reason) => (StatusCode::UNAUTHORIZED, reason),
            };
            (status, text).into_response()
        }
    }

    impl<S, V> FromRequest<S> for VerifiedNotification<V>
    where
        S: Send + Sync,
        V: NotificationVerifier + Send + Sync + 'static,
        V::Notification: Send,
        WebhookState<V>: FromRef<S>,
    {
        type Rejection = Refused;

        async fn from_request(request: Request, state: &S) -> Result<Self, Refused> {
            let state = WebhookState::<V>::from_ref(state);
            let (parts, body) = request.into_parts();
            let limited = http_body_util::Limited::new(body, state.max_body_bytes);
            let bytes = match limited.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    return Err(Refused::TooLarge(state.max_body_bytes));
                }
                Err(e) => return Err(Refused::Unreadable(format!("unreadable body: {e}"))),
            };
            state
                .verifier
                .verify_new(&*state.log, &parts.headers, &bytes)
                .map(VerifiedNotification)
                .map_err(|e| Refused::NotVerified(e.to_string()))
        }
    }
}
