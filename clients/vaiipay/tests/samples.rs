//! Every example of specs/vaiipay.yaml parses into its type; the seed's curl sample,
//! whose clientId is a placeholder, is refused as the client refuses it.

use payspec_vaiipay::types;
use serde_json::Value;

fn parse(schema: &str, value: Value) -> Result<(), String> {
    use payspec_testkit::spec::parses as p;
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
    let checked =
        payspec_testkit::spec::check_examples(env!("CARGO_MANIFEST_DIR"), "vaiipay", parse);
    assert_eq!(checked.invalid, 1);
    assert!(checked.total >= 9, "{}", checked.total);
}
