//! Seeded fuzzing of the webhook parser and verifier (HMAC-SHA1 over URL and compact
//! body, base64): no input panics; a changed body or signature is never accepted.

use payspec_mobilepay::webhook::{WebhookVerifier, parse};

const URL: &str = "https://merchant.example/mobilepay/webhooks";
const BODY: &[u8] = br#"{"notificationId":"c6bd5b6a-9c7e-4a49-9a2b-1fd4cbb0b3f1","eventType":"payment.reserved","eventDate":"2022-05-26T13:15:49+00:00","data":{"id":"186d2b31-ff25-4414-9fd1-bfe9807fa8b7","type":"payment","reference":"My Payment 1"}}"#;

#[test]
fn webhook_bodies_and_signatures_never_panic() {
    let verifier = WebhookVerifier::new(URL, "signature-key").unwrap();
    let signature = verifier.sign(BODY);
    payspec_testkit::fuzz::run(0xb0d3, 4_000, &[BODY], |input| {
        let _ = parse(input);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-mobilepay-signature", signature.parse().unwrap());
        if verifier.verify_and_parse(&headers, input).is_ok() {
            // MobilePay signs the body without white space: only white space may differ.
            let compact = |b: &[u8]| -> Vec<u8> {
                b.iter()
                    .copied()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect()
            };
            assert_eq!(
                compact(input),
                compact(BODY),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    });
    payspec_testkit::fuzz::run(0xb0d4, 4_000, &[signature.as_bytes()], |input| {
        let text = String::from_utf8_lossy(input);
        if verifier.verify(BODY, Some(&text)).is_ok() {
            assert_eq!(text.trim(), signature, "{text}");
        }
    });
}
