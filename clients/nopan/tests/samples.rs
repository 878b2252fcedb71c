//! Every example in specs/nopan.yaml (the seed's JSON samples among them) parses into
//! the Rust type of its schema.

use std::collections::BTreeMap;

use payspec_nopan::types;
use serde_json::Value;

type Parser = fn(Value) -> Result<(), serde_json::Error>;

fn parser(schema: &str) -> Option<Parser> {
    fn p<T: serde::de::DeserializeOwned>(v: Value) -> Result<(), serde_json::Error> {
        serde_json::from_value::<T>(v).map(|_| ())
    }
    Some(match schema {
        "Payment" => p::<types::Payment>,
        "TokenRequest" => p::<types::TokenRequest>,
        "TokenResponse" => p::<types::TokenResponse>,
        "InitiatePaymentRequest" => p::<types::InitiatePaymentRequest>,
        "FinalizePaymentRequest" => p::<types::FinalizePaymentRequest>,
        "ChargePaymentRequest" => p::<types::ChargePaymentRequest>,
        "CapturePaymentRequest" => p::<types::CapturePaymentRequest>,
        "CancelPaymentRequest" => p::<types::CancelPaymentRequest>,
        "RefundPaymentRequest" => p::<types::RefundPaymentRequest>,
        "SetMockRequest" => p::<types::SetMockRequest>,
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>,
        "Notification" => p::<types::Notification>,
        _ => return None,
    })
}

#[test]
fn every_example_in_the_spec_parses() {
    let spec = payspec_testkit::spec::load(env!("CARGO_MANIFEST_DIR"), "nopan");
    let found = payspec_testkit::spec::examples(&spec);
    let mut per_schema: BTreeMap<String, usize> = BTreeMap::new();
    for example in &found {
        let parse = parser(&example.schema)
            .unwrap_or_else(|| panic!("{}: no parser for schema {}", example.at, example.schema));
        let result = parse(example.value.clone());
        assert_eq!(
            result.is_err(),
            example.invalid,
            "{} ({}): {result:?}",
            example.at,
            example.schema
        );
        *per_schema.entry(example.schema.clone()).or_default() += 1;
    }
    // The seed has 16 JSON samples; with the webhook variants and the shared refund
    // body reused for status/events the spec holds at least that many examples.
    assert!(
        found.len() >= 18,
        "only {} examples found: {per_schema:?}",
        found.len()
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
