//! Seeded fuzzing of the parsers of outside input: checkout URLs (signed ones included,
//! with any `expires`) and webhook bodies. No input panics; a mutated signed URL is
//! accepted only when it means the same URL.

use std::time::{Duration, UNIX_EPOCH};

use payspec_vaiipay::signature::{CheckoutUrlVerifier, WebhookVerifier};

const SECRET: &str = "app-secret-1";

#[test]
fn checkout_urls_never_panic_whatever_they_carry() {
    let verifier = CheckoutUrlVerifier::new(SECRET).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_767_225_000);
    let mut rng = fastrand::Rng::with_seed(0xfa11);
    // Signed URLs with every kind of `expires`, u64::MAX among them (it used to overflow
    // the clock once the signature had passed).
    for expires in [0, 1, u64::MAX, u64::MAX / 2, 1 << 40, 1 << 63]
        .into_iter()
        .chain((0..2_000).map(|_| rng.u64(..)))
    {
        let unsigned = format!("https://pay.example/checkout/p-1?expires={expires}");
        let signed = verifier.sign(&unsigned).unwrap();
        let _ = verifier.verify(&signed, now);
    }
    let signed = verifier
        .sign("https://pay.example/checkout/p-1?expires=1767225600")
        .unwrap();
    payspec_testkit::fuzz::run(0xfa12, 3_000, &[signed.as_bytes()], |input| {
        let text = String::from_utf8_lossy(input);
        if let Ok(checked) = verifier.verify(&text, now) {
            // Accepted: the signature covered what it says.
            assert_eq!(checked.payment_id, "p-1", "{text}");
        }
    });
}

#[test]
fn webhook_bodies_and_signatures_never_panic() {
    let verifier = WebhookVerifier::new(SECRET).unwrap();
    let body = br#"{"event":"payment.completed","data":{"paymentId":"p-1","amount":"10.00"}}"#;
    let signature = verifier.sign(body);
    payspec_testkit::fuzz::run(0xfa13, 3_000, &[body], |input| {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-signature", signature.parse().unwrap());
        let accepted = verifier.verify_and_parse(&headers, input).is_ok();
        assert_eq!(
            accepted,
            input == body,
            "{}",
            String::from_utf8_lossy(input)
        );
    });
    payspec_testkit::fuzz::run(0xfa14, 3_000, &[signature.as_bytes()], |input| {
        let text = String::from_utf8_lossy(input);
        let accepted = verifier.verify(body, Some(&text)).is_ok();
        // Hex digits only, either case, surrounding white space ignored.
        assert_eq!(
            accepted,
            text.trim().eq_ignore_ascii_case(&signature),
            "{text}"
        );
    });
}
