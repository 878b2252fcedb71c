//! Seeded fuzzing of the webhook parser and verifier: no input panics, and a body or
//! signature that is not the signed one is never accepted.

use payspec_nopan::webhook::{WebhookVerifier, parse};

const BODY: &[u8] = br#"{"notificationId":"2d591c23-85b1-4e8c-a6bd-74d89f8955c5","transactionId":"ee2anef9bt","notificationType":"PAYMENT_CAPTURED","amount":100,"capturedAmount":75}"#;

#[test]
fn webhook_bodies_and_signatures_never_panic() {
    let verifier = WebhookVerifier::new("x-nopan-signature", "whsec-fuzz").unwrap();
    let signature = verifier.sign(BODY);
    payspec_testkit::fuzz::run(0xb0d1, 4_000, &[BODY], |input| {
        let _ = parse(input);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-nopan-signature", signature.parse().unwrap());
        let accepted = verifier.verify_and_parse(&headers, input).is_ok();
        assert_eq!(
            accepted,
            input == BODY,
            "{}",
            String::from_utf8_lossy(input)
        );
    });
    payspec_testkit::fuzz::run(0xb0d2, 4_000, &[signature.as_bytes()], |input| {
        let text = String::from_utf8_lossy(input);
        let accepted = verifier.verify(BODY, Some(&text)).is_ok();
        assert_eq!(
            accepted,
            text.trim().eq_ignore_ascii_case(&signature),
            "{text}"
        );
    });
}
