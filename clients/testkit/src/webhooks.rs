//! The checks a web service makes of a received notification, written once against
//! `payspec_core::notify::NotificationVerifier` and run by every provider crate whose
//! notifications are signed: the request as a framework hands it over verifies, a
//! tampered body is refused, a repeated delivery is a duplicate, and a request signed by
//! the crate's own test helper verifies too; then the same through the axum extractor
//! ([`through_the_axum_extractor`]).

use payspec_core::dedup::InMemoryDeliveryLog;
use payspec_core::notify::NotificationVerifier;

/// Runs the checks on one delivery (`headers` and `body` as the sandbox sent them);
/// returns the parsed notification.
pub fn received_as_a_web_service_would<V>(
    verifier: &V,
    headers: &[(String, String)],
    body: &[u8],
) -> V::Notification
where
    V: NotificationVerifier,
{
    let request = posted(headers, body.to_vec());
    let notification = verifier
        .verify_request(&request)
        .unwrap_or_else(|e| panic!("the delivery as sent does not verify: {e}"));

    let tampered = tampered(body);
    match verifier.verify_and_parse(request.headers(), &tampered) {
        Ok(_) => panic!("a tampered body was accepted"),
        Err(e) => assert!(
            e.to_string().contains("signature"),
            "a tampered body is a signature error: {e}"
        ),
    }
    let mut unsigned = request.headers().clone();
    unsigned.remove(verifier.signature_header());
    assert!(
        verifier.verify_and_parse(&unsigned, body).is_err(),
        "a delivery without the signature header is refused"
    );

    let log = InMemoryDeliveryLog::default();
    let first = verifier.verify_new(&log, request.headers(), body);
    assert!(first.is_ok_and(|d| d.is_new()), "the first delivery is new");
    let again = verifier.verify_new(&log, request.headers(), body);
    assert!(
        again.is_ok_and(|d| !d.is_new()),
        "the repeat is a duplicate"
    );
    assert!(
        verifier
            .verify_new(&log, request.headers(), &tampered)
            .is_err(),
        "a tampered repeat is refused, not counted"
    );

    let own = verifier.signed_request(body.to_vec());
    assert!(
        verifier.verify_request(&own).is_ok(),
        "the test helper signs as the provider does"
    );
    notification
}

/// The same delivery through `payspec_core::notify::axum::VerifiedNotification`, driven by
/// axum-core's `FromRequest` as axum drives it: new, then a duplicate; a tampered copy is
/// answered 401, a body past the limit 413.
pub async fn through_the_axum_extractor<V>(verifier: &V, headers: &[(String, String)], body: &[u8])
where
    V: NotificationVerifier + Clone + Send + Sync + 'static,
    V::Notification: Send + std::fmt::Debug,
{
    use axum_core::extract::FromRequest;
    use axum_core::response::IntoResponse;
    use payspec_core::notify::axum::{VerifiedNotification, WebhookState};

    let state = WebhookState::new(
        verifier.clone(),
        std::sync::Arc::new(InMemoryDeliveryLog::default()),
    );
    let request = |body: Vec<u8>| posted(headers, body).map(axum_core::body::Body::from);
    let first = VerifiedNotification::<V>::from_request(request(body.to_vec()), &state).await;
    assert!(
        first.is_ok_and(|n| n.0.is_new()),
        "the extractor takes the first delivery as new"
    );
    let again = VerifiedNotification::<V>::from_request(request(body.to_vec()), &state).await;
    assert!(
        again.is_ok_and(|n| !n.0.is_new()),
        "and the repeat as a duplicate"
    );
    match VerifiedNotification::<V>::from_request(request(tampered(body)), &state).await {
        Ok(_) => panic!("the extractor took a tampered body"),
        Err(refused) => assert_eq!(
            refused.into_response().status(),
            http::StatusCode::UNAUTHORIZED
        ),
    }
    let small = WebhookState {
        max_body_bytes: 8,
        ..state.clone()
    };
    match VerifiedNotification::<V>::from_request(request(body.to_vec()), &small).await {
        Ok(_) => panic!("the extractor read past its limit"),
        Err(refused) => assert_eq!(
            refused.into_response().status(),
            http::StatusCode::PAYLOAD_TOO_LARGE
        ),
    }
}

/// A `POST` with `headers` (as a sandbox recorded them) and `body`.
fn posted(headers: &[(String, String)], body: Vec<u8>) -> http::Request<Vec<u8>> {
    let mut request = http::Request::new(body);
    *request.method_mut() = http::Method::POST;
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|e| panic!("header name {name}: {e}"));
        let value =
            http::HeaderValue::from_str(value).unwrap_or_else(|e| panic!("header {name}: {e}"));
        request.headers_mut().insert(name, value);
    }
    request
}

/// `body` with one character of its content changed (whitespace is not signed by every
/// provider).
fn tampered(body: &[u8]) -> Vec<u8> {
    let mut tampered = body.to_vec();
    let at = tampered
        .iter()
        .position(u8::is_ascii_alphanumeric)
        .unwrap_or_else(|| panic!("no character to change in the body"));
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    tampered
}
