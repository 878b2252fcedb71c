//! Every example of specs/eastpay.yaml parses into its type.

use payspec_eastpay::types;
use serde_json::Value;

fn parse(schema: &str, value: Value) -> Result<(), String> {
    fn p<T: serde::de::DeserializeOwned>(v: Value) -> Result<(), String> {
        serde_json::from_value::<T>(v)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    match schema {
        "CheckoutRequest" => p::<types::CheckoutRequest>(value),
        "PaymentRequest" => p::<types::PaymentRequest>(value),
        "BackofficeRequest" => p::<types::BackofficeRequest>(value),
        "PaymentResult" => p::<types::PaymentResult>(value),
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>(value),
        "EncryptedNotification" => p::<types::EncryptedNotification>(value),
        other => Err(format!("no parser for {other}")),
    }
}

#[test]
fn every_example_parses() {
    let spec = payspec_testkit::spec::load(env!("CARGO_MANIFEST_DIR"), "eastpay");
    let examples = payspec_testkit::spec::examples(&spec);
    for example in &examples {
        parse(&example.schema, example.value.clone())
            .unwrap_or_else(|e| panic!("{} ({}): {e}", example.at, example.schema));
    }
    assert!(examples.len() >= 8, "{}", examples.len());
}
