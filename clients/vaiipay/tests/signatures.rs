//! Checkout URL and webhook signatures (HMAC-SHA256 with the application secret).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use payspec_core::webhook::{SignatureEncoding, SignatureError};
use payspec_vaiipay::signature::{CheckoutUrlError, CheckoutUrlVerifier, WebhookVerifier};

const SECRET: &str = "app-secret-1";
const UNSIGNED: &str =
    "https://pay.yourdomain.com/checkout/9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d?expires=1767225600";

fn before() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_767_225_000)
}

#[test]
fn a_valid_checkout_url_is_accepted() {
    let verifier = CheckoutUrlVerifier::new(SECRET).unwrap();
    let signed = verifier.sign(UNSIGNED).unwrap();
    let checked = verifier.verify(&signed, before()).unwrap();
    assert_eq!(checked.payment_id, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d");
    assert_eq!(
        checked.expires,
        UNIX_EPOCH + Duration::from_secs(1_767_225_600)
    );
}

#[test]
fn the_signature_is_hmac_sha256_of_the_url_without_it() {
    // Computed independently from the documented recipe.
    use hmac_check::expected;
    let signed = CheckoutUrlVerifier::new(SECRET)
        .unwrap()
        .sign(UNSIGNED)
        .unwrap();
    assert!(
        signed.ends_with(&format!("&signature={}", expected(SECRET, UNSIGNED))),
        "{signed}"
    );
}

mod hmac_check {
    pub fn expected(secret: &str, message: &str) -> String {
        let mac = payspec_core::webhook::hmac_sha256(&secret.into(), message.as_bytes());
        mac.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[test]
fn altered_expired_or_foreign_urls_are_rejected() {
    let verifier = CheckoutUrlVerifier::new(SECRET).unwrap();
    let signed = verifier.sign(UNSIGNED).unwrap();
    let other_payment = signed.replace("9b1deb4d", "00000000");
    assert_eq!(
        verifier.verify(&other_payment, before()),
        Err(CheckoutUrlError::Signature)
    );
    let later = signed.replace("expires=1767225600", "expires=1999999999");
    assert_eq!(
        verifier.verify(&later, before()),
        Err(CheckoutUrlError::Signature)
    );
    let after = UNIX_EPOCH + Duration::from_secs(1_767_225_601);
    assert_eq!(
        verifier.verify(&signed, after),
        Err(CheckoutUrlError::Expired)
    );
    let foreign = CheckoutUrlVerifier::new("another-secret").unwrap();
    assert_eq!(
        foreign.verify(&signed, before()),
        Err(CheckoutUrlError::Signature)
    );
    assert_eq!(
        verifier.verify(UNSIGNED, before()),
        Err(CheckoutUrlError::Missing("signature"))
    );
    assert!(matches!(
        verifier.verify("not a url", before()),
        Err(CheckoutUrlError::Malformed(_))
    ));
    // Rotation: the old secret still verifies while both are configured.
    let rotating = CheckoutUrlVerifier::new("new-secret")
        .unwrap()
        .with_secret(SECRET)
        .unwrap();
    rotating.verify(&signed, before()).unwrap();
}

#[test]
fn webhooks_verify_with_rotation_and_reject_tampering() {
    let body = br#"{"event":"payment.received","data":{"id":"p1","status":"RECEIVED"}}"#;
    let old = WebhookVerifier::new("old-secret").unwrap();
    let signature = old.sign(body);
    assert_eq!(signature.len(), 64, "hex HMAC-SHA256");
    let rotating = WebhookVerifier::new("new-secret")
        .unwrap()
        .with_secret("old-secret")
        .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("x-signature", signature.parse().unwrap());
    let parsed = rotating.verify_and_parse(&headers, body).unwrap();
    assert_eq!(parsed["data"]["status"], "RECEIVED");
    let mut altered = body.to_vec();
    altered[10] ^= 1;
    assert!(matches!(
        rotating.verify(&altered, Some(&signature)),
        Err(SignatureError::Mismatch { .. })
    ));
    assert!(matches!(
        WebhookVerifier::new("new-secret")
            .unwrap()
            .verify(body, Some(&signature)),
        Err(SignatureError::Mismatch { .. })
    ));
    // Header name and encoding are configuration.
    let custom = WebhookVerifier::new("s")
        .unwrap()
        .with_header("X-VaiiPay-Signature")
        .unwrap()
        .with_encoding(SignatureEncoding::Base64);
    let mut headers = http::HeaderMap::new();
    headers.insert("x-vaiipay-signature", custom.sign(body).parse().unwrap());
    custom.verify_and_parse(&headers, body).unwrap();
    assert!(!format!("{custom:?}").contains("\"s\""));
}
