//! Every example of specs/gopay.yaml (the seed's samples, the two broken ones with
//! their JSON fixed) parses into its type.

use payspec_gopay::types;
use serde_json::Value;

fn parse(schema: &str, value: Value) -> Result<(), String> {
    use payspec_testkit::spec::parses as p;
    match schema {
        "TokenRequest" => p::<types::TokenRequest>(value),
        "TokenResponse" => p::<types::TokenResponse>(value),
        "Jwk" => p::<types::Jwk>(value),
        "CardTokenRequest" => p::<types::CardTokenRequest>(value),
        "Card" => p::<types::Card>(value),
        "CreatePaymentRequest" => p::<types::CreatePaymentRequest>(value),
        "Payment" => p::<types::Payment>(value),
        "ChargeRequest" => p::<types::ChargeRequest>(value),
        "PaymentChargeInput" => p::<types::PaymentChargeInput>(value),
        "CardFormUrl" => p::<types::CardFormUrl>(value),
        "LinkCreateRequest" => p::<types::LinkCreateRequest>(value),
        "RecurrenceCreateRequest" => p::<types::RecurrenceCreateRequest>(value),
        "ApplePayValidation" => p::<types::ApplePayValidation>(value),
        "Charge" => p::<types::Charge>(value),
        "CreateRefundRequest" => p::<types::CreateRefundRequest>(value),
        "Refund" => p::<types::Refund>(value),
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>(value),
        "CardData" => p::<types::CardData>(value),
        "JweHeader" => p::<types::JweHeader>(value),
        "JwtHeader" => p::<types::JwtHeader>(value),
        "JwtClaims" => p::<types::JwtClaims>(value),
        other => Err(format!("no parser for {other}")),
    }
}

#[test]
fn every_example_parses() {
    let checked = payspec_testkit::spec::check_examples(env!("CARGO_MANIFEST_DIR"), "gopay", parse);
    // The seed's samples: 2 token requests, 2 token answers, the JWK, 2 card-token
    // requests and answers, 3 charges and their answers, JWE/JWT headers, claims, card.
    assert!(checked.total >= 24, "{}", checked.total);
}

#[test]
fn charge_variants_are_disjoint() {
    let card: types::ChargeRequest = serde_json::from_value(
        serde_json::json!({"type": "PAYMENT_CARD", "payload": {"card_token": "c"}}),
    )
    .unwrap();
    assert!(matches!(card, types::ChargeRequest::CardCharge(_)));
    let apple: types::ChargeRequest =
        serde_json::from_value(serde_json::json!({"type": "APPLE_PAY",
        "payload": {"data": "d", "signature": "s", "version": "EC_v1",
            "header": {"ephemeralPublicKey": "e", "publicKeyHash": "h", "transactionId": "t"}}}))
        .unwrap();
    assert!(matches!(apple, types::ChargeRequest::ApplePayCharge(_)));
    // A card payload under another type is refused, not guessed.
    let mixed = serde_json::from_value::<types::ChargeRequest>(
        serde_json::json!({"type": "GOOGLE_PAY", "payload": {"card_token": "c"}}),
    );
    assert!(mixed.is_err());
}

#[test]
fn the_seed_broken_samples_are_rejected_as_json() {
    // The client accepts only valid JSON: the seed's permanent-token answer as printed
    // (no comma after card_id) does not parse.
    let broken = "{\n\"card_id\": \"8123456\"\n\"masked_pan\": \"506821******1234\"\n}";
    assert!(serde_json::from_str::<types::Card>(broken).is_err());
}
