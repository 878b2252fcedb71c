//! Webhook notifications: both spellings of the types, unknown types kept, HMAC
//! verification with rotation.

use payspec_core::webhook::{SignatureEncoding, SignatureError};
use payspec_nopan::webhook::{NotificationKind, WebhookError, WebhookVerifier, kind, parse};

const INITIATED_SAMPLE: &str = r#"{
  "notificationId": "2d591c23-85b1-4e8c-a6bd-74d89f8955c5",
  "transactionId": "ee2anef9bt",
  "notificationType": "PAYMENT_FINALIZED"
}"#;

#[test]
fn seed_samples_parse() {
    let n = parse(INITIATED_SAMPLE.as_bytes()).unwrap();
    assert_eq!(
        n.notification_id.unwrap().to_string(),
        "2d591c23-85b1-4e8c-a6bd-74d89f8955c5"
    );
    assert_eq!(n.transaction_id.as_deref(), Some("ee2anef9bt"));
    assert_eq!(
        kind(&n.notification_type.unwrap()),
        NotificationKind::Finalized
    );
}

#[test]
fn both_spellings_fold_into_one_kind_and_unknown_types_are_kept() {
    let cases = [
        ("PAYMENT_INITIATED", NotificationKind::Initiated),
        ("PAYMENT_INITIATE", NotificationKind::Initiated),
        ("PAYMENT_FINALIZED", NotificationKind::Finalized),
        ("PAYMENT_FINALIZE", NotificationKind::Finalized),
        ("PAYMENT_CAPTURED", NotificationKind::Captured),
        ("PAYMENT_CAPTURE", NotificationKind::Captured),
        ("PAYMENT_REFUND", NotificationKind::Refunded),
        ("PAYMENT_REFUNDED", NotificationKind::Refunded),
        (
            "PAYMENT_EXPIRED",
            NotificationKind::Other("PAYMENT_EXPIRED".into()),
        ),
    ];
    for (wire, expected) in cases {
        let body = format!(r#"{{"notificationType":"{wire}","capturedAmount":75,"newField":1}}"#);
        let n = parse(body.as_bytes()).unwrap();
        assert_eq!(
            kind(n.notification_type.as_ref().unwrap()),
            expected,
            "{wire}"
        );
        assert_eq!(n.notification_type.unwrap().as_str(), wire, "kept as sent");
    }
}

#[test]
fn capture_and_finalize_extras_parse() {
    let body = br#"{"notificationType":"PAYMENT_CAPTURED","amount":100,"capturedAmount":75,
        "status":"APPROVED","statusInfo":{"reasonCode":"-1"},"payerDetails":{"paymentToken":"tok"}}"#;
    let n = parse(body).unwrap();
    assert_eq!((n.amount, n.captured_amount), (Some(100), Some(75)));
    assert_eq!(
        n.payer_details.unwrap().payment_token.as_deref(),
        Some("tok")
    );
}

#[test]
fn a_body_that_is_not_a_notification_is_a_clear_error() {
    assert!(matches!(parse(b"not json"), Err(WebhookError::Body(_))));
    assert!(matches!(
        parse(br#"{"notificationId": "not-a-uuid"}"#),
        Err(WebhookError::Body(_))
    ));
}

#[test]
fn signatures_verify_with_rotation_and_reject_tampering() {
    let body = INITIATED_SAMPLE.as_bytes();
    let old = WebhookVerifier::new("X-Nopan-Signature", "old-secret").unwrap();
    let signed_with_old = old.sign(body);

    let rotating = WebhookVerifier::new("X-Nopan-Signature", "new-secret")
        .unwrap()
        .with_secret("old-secret")
        .unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert("x-nopan-signature", signed_with_old.parse().unwrap());
    let n = rotating.verify_and_parse(&headers, body).unwrap();
    assert_eq!(n.transaction_id.as_deref(), Some("ee2anef9bt"));

    let new_only = WebhookVerifier::new("X-Nopan-Signature", "new-secret").unwrap();
    assert!(matches!(
        new_only.verify_and_parse(&headers, body),
        Err(WebhookError::Signature(SignatureError::Mismatch { .. }))
    ));
    let mut tampered = body.to_vec();
    tampered[20] ^= 1;
    assert!(rotating.verify(&tampered, Some(&signed_with_old)).is_err());
    assert!(matches!(
        rotating.verify_and_parse(&http::HeaderMap::new(), body),
        Err(WebhookError::Signature(SignatureError::MissingHeader(_)))
    ));
}

#[test]
fn base64_encoding_is_configurable() {
    let verifier = WebhookVerifier::new("sig", "s")
        .unwrap()
        .with_encoding(SignatureEncoding::Base64);
    let signature = verifier.sign(b"{}");
    assert!(signature.ends_with('='));
    verifier.verify(b"{}", Some(&signature)).unwrap();
}
