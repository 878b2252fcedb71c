//! Every example of specs/mobilepay.yaml (the seed's samples) parses into its type; the
//! one the seed got wrong (capture of amount 0) is rejected, as the API rejects it.

use payspec_mobilepay::types;
use serde_json::Value;

fn parse(schema: &str, value: Value) -> Result<(), String> {
    use payspec_testkit::spec::parses as p;
    match schema {
        "InitiatePaymentRequest" => p::<types::InitiatePaymentRequest>(value),
        "InitiatePaymentResponse" => p::<types::InitiatePaymentResponse>(value),
        "PaymentList" => p::<types::PaymentList>(value),
        "Payment" => p::<types::Payment>(value),
        "CaptureRequest" => p::<types::CaptureRequest>(value),
        "CancelByIdempotencyKeyRequest" => p::<types::CancelByIdempotencyKeyRequest>(value),
        "ReservePaymentRequest" => p::<types::ReservePaymentRequest>(value),
        "PaymentPointList" => p::<types::PaymentPointList>(value),
        "IssueRefundRequest" => p::<types::IssueRefundRequest>(value),
        "Refund" => p::<types::Refund>(value),
        "RefundList" => p::<types::RefundList>(value),
        "CreateWebhookRequest" => p::<types::CreateWebhookRequest>(value),
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>(value),
        "Notification" => p::<types::Notification>(value),
        other => Err(format!("no parser for {other}")),
    }
}

#[test]
fn every_example_parses_and_the_invalid_seed_sample_is_rejected() {
    let checked =
        payspec_testkit::spec::check_examples(env!("CARGO_MANIFEST_DIR"), "mobilepay", parse);
    assert_eq!(checked.invalid, 1, "the capture sample with amount 0");
    // The seed has 12 samples (the error sample is shared by four operations).
    assert!(checked.total >= 13, "{}", checked.total);
}

#[test]
fn the_nullable_phone_of_the_seed_sample_parses() {
    let body: types::InitiatePaymentRequest = serde_json::from_value(serde_json::json!({
        "amount": 1250, "paymentPointId": "7347ba06-95c5-4181-82e5-7c7a23609a0e", "reference": "My-Payment-1",
        "idempotencyKey": "fae7680f-9875-4ba9-8910-2f2e1791f390", "redirectUri": "myapp://redirect",
        "customerPhoneNumber": null
    }))
    .unwrap();
    assert!(body.customer_phone_number.is_none());
}

#[test]
fn json_schemas_are_available() {
    let text = serde_json::to_string(&schemars::schema_for!(types::Payment)).unwrap();
    assert!(text.contains("captureStarted"), "{text}");
}
