//! Every example in specs/nopan.yaml (the seed's JSON samples among them) parses into
//! the Rust type of its schema.

use payspec_nopan::types;
use serde_json::Value;

fn parse(schema: &str, value: Value) -> Result<(), String> {
    use payspec_testkit::spec::parses as p;
    match schema {
        "Payment" => p::<types::Payment>(value),
        "TokenRequest" => p::<types::TokenRequest>(value),
        "TokenResponse" => p::<types::TokenResponse>(value),
        "ReportList" => p::<types::ReportList>(value),
        "InitiatePaymentRequest" => p::<types::InitiatePaymentRequest>(value),
        "FinalizePaymentRequest" => p::<types::FinalizePaymentRequest>(value),
        "ChargePaymentRequest" => p::<types::ChargePaymentRequest>(value),
        "CapturePaymentRequest" => p::<types::CapturePaymentRequest>(value),
        "CancelPaymentRequest" => p::<types::CancelPaymentRequest>(value),
        "RefundPaymentRequest" => p::<types::RefundPaymentRequest>(value),
        "SetMockRequest" => p::<types::SetMockRequest>(value),
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>(value),
        "Notification" => p::<types::Notification>(value),
        other => Err(format!("no parser for schema {other}")),
    }
}

#[test]
fn every_example_in_the_spec_parses() {
    let checked = payspec_testkit::spec::check_examples(env!("CARGO_MANIFEST_DIR"), "nopan", parse);
    let per_schema = &checked.per_schema;
    // The seed has 16 JSON samples; with the webhook variants and the shared refund
    // body reused for status/events the spec holds at least that many examples.
    assert!(
        checked.total >= 18,
        "only {} examples found: {per_schema:?}",
        checked.total
    );
    assert!(per_schema["Payment"] >= 8, "{per_schema:?}");
    assert!(per_schema["Notification"] >= 3, "{per_schema:?}");
}

#[test]
fn both_timestamp_forms_of_the_seed_parse_into_one_type() {
    let iso: types::ProviderDetails =
        serde_json::from_str(r#"{"registeredAt": "2026-01-19T14:32:05.987654Z"}"#).unwrap();
    let millis: types::ProviderDetails =
        serde_json::from_str(r#"{"registeredAt": 1768204174405}"#).unwrap();
    let a: payspec_core::types::Timestamp = iso.registered_at.unwrap();
    let b: payspec_core::types::Timestamp = millis.registered_at.unwrap();
    assert!(a.datetime() > b.datetime());
}

#[test]
fn json_schemas_are_available_for_every_type() {
    let schema = schemars::schema_for!(types::Payment);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(
        text.contains("transactionId") && text.contains("PaymentStatus"),
        "{text}"
    );
    let notification = serde_json::to_string(&schemars::schema_for!(types::Notification)).unwrap();
    assert!(notification.contains("notificationType"));
}
