//! Every example of specs/eastpay.yaml parses into its type.

use payspec_eastpay::types;
use serde_json::Value;

fn parse(schema: &str, value: Value) -> Result<(), String> {
    use payspec_testkit::spec::parses as p;
    match schema {
        "CheckoutRequest" => p::<types::CheckoutRequest>(value),
        "PaymentRequest" => p::<types::PaymentRequest>(value),
        "BackofficeRequest" => p::<types::BackofficeRequest>(value),
        "RegistrationRequest" => p::<types::RegistrationRequest>(value),
        "RegistrationPaymentRequest" => p::<types::RegistrationPaymentRequest>(value),
        "PaymentResult" => p::<types::PaymentResult>(value),
        "TransactionList" => p::<types::TransactionList>(value),
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>(value),
        "EncryptedNotification" => p::<types::EncryptedNotification>(value),
        other => Err(format!("no parser for {other}")),
    }
}

#[test]
fn every_example_parses() {
    let checked =
        payspec_testkit::spec::check_examples(env!("CARGO_MANIFEST_DIR"), "eastpay", parse);
    assert!(checked.total >= 8, "{}", checked.total);
}
