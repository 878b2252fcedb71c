//! Every example of specs/vaiipay.yaml parses into its type; the seed's curl sample,
//! whose clientId is a placeholder, is refused as the client refuses it.

use payspec_vaiipay::types;
use serde_json::Value;

fn parse(schema: &str, value: Value) -> Result<(), String> {
    fn p<T: serde::de::DeserializeOwned>(v: Value) -> Result<(), String> {
        serde_json::from_value::<T>(v)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    match schema {
        "CheckoutRequest" => p::<types::CheckoutRequest>(value),
        "CheckoutEnvelope" => p::<types::CheckoutEnvelope>(value),
        "PaymentEnvelope" => p::<types::PaymentEnvelope>(value),
        "InstructionsEnvelope" => p::<types::InstructionsEnvelope>(value),
        "CreateApplicationRequest" => p::<types::CreateApplicationRequest>(value),
        "ApplicationEnvelope" => p::<types::ApplicationEnvelope>(value),
        "PaymentMethodsEnvelope" => p::<types::PaymentMethodsEnvelope>(value),
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>(value),
        "ClientId" => p::<types::ClientId>(value),
        other => Err(format!("no parser for {other}")),
    }
}

#[test]
fn every_example_parses() {
    let spec = payspec_testkit::spec::load(env!("CARGO_MANIFEST_DIR"), "vaiipay");
    let examples = payspec_testkit::spec::examples(&spec);
    let mut invalid = 0;
    for example in &examples {
        let result = parse(&example.schema, example.value.clone());
        if example.invalid {
            invalid += 1;
            assert!(result.is_err(), "{} should be refused", example.at);
        } else {
            result.unwrap_or_else(|e| panic!("{} ({}): {e}", example.at, example.schema));
        }
    }
    assert_eq!(invalid, 1);
    assert!(examples.len() >= 9, "{}", examples.len());
}
