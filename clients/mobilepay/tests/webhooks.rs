//! `x-mobilepay-signature`: HMAC-SHA1 over URL + body without whitespace, base64.

use payspec_core::webhook::SignatureError;
use payspec_mobilepay::webhook::{
    WebhookDataType, WebhookError, WebhookEventType, WebhookVerifier, parse, signed_message,
};

const URL: &str = "https://merchant.example/mobilepay/webhooks";
const BODY: &str = r#"{
  "notificationId": "c6bd5b6a-9c7e-4a49-9a2b-1fd4cbb0b3f1",
  "eventType": "payment.reserved",
  "eventDate": "2022-05-26T13:15:49+00:00",
  "data": { "id": "186d2b31-ff25-4414-9fd1-bfe9807fa8b7", "type": "payment", "reference": "My Payment 1" }
}"#;

#[test]
fn the_signed_message_is_url_plus_body_without_whitespace() {
    let message = String::from_utf8(signed_message(URL, BODY.as_bytes())).unwrap();
    assert!(message.starts_with(URL));
    assert!(!message[URL.len()..].chars().any(char::is_whitespace));
    assert!(
        message.contains("\"reference\":\"MyPayment1\""),
        "whitespace inside strings goes too: {message}"
    );
}

#[test]
fn matches_an_independent_computation() {
    // base64(HMAC-SHA1(key, URL + compact body)), computed by hand from the documented
    // recipe with the RustCrypto primitives directly.
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let compact: String = BODY.chars().filter(|c| !c.is_whitespace()).collect();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"signature-key").unwrap();
    mac.update(format!("{URL}{compact}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(
        WebhookVerifier::new(URL, "signature-key")
            .unwrap()
            .sign(BODY.as_bytes()),
        expected
    );
}

#[test]
fn valid_accepted_and_altered_rejected() {
    let verifier = WebhookVerifier::new(URL, "signature-key").unwrap();
    let signature = verifier.sign(BODY.as_bytes());
    let mut headers = http::HeaderMap::new();
    headers.insert("x-mobilepay-signature", signature.parse().unwrap());
    let n = verifier
        .verify_and_parse(&headers, BODY.as_bytes())
        .unwrap();
    assert_eq!(n.event_type, Some(WebhookEventType::PaymentReserved));
    assert_eq!(n.data.unwrap().type_, Some(WebhookDataType::Payment));

    // Reformatting (whitespace only) keeps the signature valid, as documented.
    let reformatted = BODY.replace('\n', "\r\n    ");
    verifier
        .verify(reformatted.as_bytes(), Some(&signature))
        .unwrap();

    let altered_body = BODY.replace("My Payment 1", "My Payment 2");
    assert!(matches!(
        verifier.verify(altered_body.as_bytes(), Some(&signature)),
        Err(SignatureError::Mismatch { .. })
    ));
    let other_url =
        WebhookVerifier::new("https://merchant.example/other", "signature-key").unwrap();
    assert!(matches!(
        other_url.verify(BODY.as_bytes(), Some(&signature)),
        Err(SignatureError::Mismatch { .. })
    ));
    let other_key = WebhookVerifier::new(URL, "another-key").unwrap();
    assert!(matches!(
        other_key.verify(BODY.as_bytes(), Some(&signature)),
        Err(SignatureError::Mismatch { .. })
    ));
    assert!(matches!(
        verifier.verify_and_parse(&http::HeaderMap::new(), BODY.as_bytes()),
        Err(WebhookError::Signature(SignatureError::MissingHeader(_)))
    ));
}

#[test]
fn rotation_accepts_old_and_new_keys() {
    let old = WebhookVerifier::new(URL, "old-key")
        .unwrap()
        .sign(BODY.as_bytes());
    let new = WebhookVerifier::new(URL, "new-key")
        .unwrap()
        .sign(BODY.as_bytes());
    let rotating = WebhookVerifier::new(URL, "new-key")
        .unwrap()
        .with_key("old-key")
        .unwrap();
    rotating.verify(BODY.as_bytes(), Some(&old)).unwrap();
    rotating.verify(BODY.as_bytes(), Some(&new)).unwrap();
    assert!(format!("{rotating:?}").contains("keys: 2"));
    assert!(!format!("{rotating:?}").contains("old-key"));
}

#[test]
fn every_event_type_parses_and_unknown_ones_are_kept() {
    for event in [
        "payment.reserved",
        "payment.expired",
        "payment.cancelled_by_user",
        "paymentpoint.activated",
        "transfer.succeeded",
    ] {
        let n = parse(format!(r#"{{"eventType":"{event}"}}"#).as_bytes()).unwrap();
        assert!(!n.event_type.unwrap().is_unknown(), "{event}");
    }
    let n =
        parse(br#"{"eventType":"payment.refunded","data":{"type":"payout"},"extra":1}"#).unwrap();
    assert_eq!(n.event_type.unwrap().as_str(), "payment.refunded");
    assert!(n.data.unwrap().type_.unwrap().is_unknown());
}
