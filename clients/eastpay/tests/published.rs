//! OPP's documentation examples (docs.oppwa.com and the OPP family's pages: server-to-
//! server payments with tokenization, stand-alone registrations, a payment with a stored
//! card, deletion), restated here with payspec's own values: the keys, structure, codes
//! and payment types are OPP's, the ids, names and amounts are made up. OPP publishes no
//! machine-readable spec for these (unlike Nopan, MobilePay and GoPay, whose examples are
//! extracted by `conformance/published/extract.py`), so they are written out by hand.
//! Every request builds as the type the client sends; every answer parses whole.

use payspec_eastpay::types;
use payspec_testkit::published::parses_whole;
use serde_json::{Value, json};

/// A form body (`application/x-www-form-urlencoded`, as OPP takes requests) read as
/// `T`, as the gateway would read it, then written back: every pair must be kept.
fn form<T: serde::de::DeserializeOwned + serde::Serialize>(pairs: &[(&str, &str)]) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let parsed: T = serde_urlencoded::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
    let written = serde_urlencoded::to_string(&parsed).unwrap();
    let mut kept: Vec<(String, String)> = url::form_urlencoded::parse(written.as_bytes())
        .into_owned()
        .collect();
    let mut sent: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    kept.sort();
    sent.sort();
    assert_eq!(kept, sent, "{body}");
}

fn builds<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) {
    parses_whole::<T>(value).unwrap_or_else(|e| panic!("{value}: {e}"));
}

#[test]
fn opp_documented_requests_build() {
    // A debit that stores the card, with customer, billing, custom parameters and the
    // recurring type, as OPP's tokenization guide sends it.
    form::<types::PaymentRequest>(&[
        ("entityId", "8a8294174e918ca6014e9c6f5ae12a9c"),
        ("amount", "12.50"),
        ("currency", "EUR"),
        ("paymentType", "DB"),
        ("paymentBrand", "VISA"),
        ("card.number", "4111111111111111"),
        ("card.holder", "Ana Lind"),
        ("card.expiryMonth", "07"),
        ("card.expiryYear", "2031"),
        ("card.cvv", "321"),
        ("merchantTransactionId", "order-77120"),
        ("customer.merchantCustomerId", "c-5521"),
        ("customer.givenName", "Ana"),
        ("customer.surname", "Lind"),
        ("customer.email", "ana@example.test"),
        ("customer.ip", "192.0.2.10"),
        ("billing.city", "Uppsala"),
        ("billing.country", "SE"),
        ("billing.street1", "Storgatan 1"),
        ("billing.postcode", "75310"),
        ("customParameters[product]", "membership"),
        ("recurringType", "INITIAL"),
        ("createRegistration", "true"),
    ]);
    // A stand-alone registration.
    form::<types::RegistrationRequest>(&[
        ("entityId", "8a8294174e918ca6014e9c6f5ae12a9c"),
        ("paymentBrand", "MASTER"),
        ("card.number", "5454545454545454"),
        ("card.holder", "Ana Lind"),
        ("card.expiryMonth", "07"),
        ("card.expiryYear", "2031"),
        ("card.cvv", "321"),
        ("customer.email", "ana@example.test"),
    ]);
    // A payment with the stored card, as a repeated (recurring) one.
    form::<types::RegistrationPaymentRequest>(&[
        ("entityId", "8a8294174e918ca6014e9c6f5ae12a9c"),
        ("amount", "12.50"),
        ("currency", "EUR"),
        ("paymentType", "DB"),
        ("recurringType", "REPEATED"),
        ("merchantTransactionId", "order-77121"),
    ]);
    // Back office on a payment: capture, refund, reversal.
    for kind in ["CP", "RF", "RV"] {
        form::<types::BackofficeRequest>(&[
            ("entityId", "8a8294174e918ca6014e9c6f5ae12a9c"),
            ("amount", "12.50"),
            ("currency", "EUR"),
            ("paymentType", kind),
        ]);
    }
}

#[test]
fn opp_documented_answers_parse_whole() {
    // A debit that stored its card: the result carries registrationId.
    builds::<types::PaymentResult>(&json!({
        "id": "8ac7a4a06a00f56b016a094665b76129",
        "registrationId": "8ac7a49f6a00f56b016a09466502611e",
        "paymentType": "DB", "paymentBrand": "VISA", "amount": "12.50", "currency": "EUR",
        "descriptor": "4821.1234.5678 OPP_Channel",
        "merchantTransactionId": "order-77120",
        "result": {"code": "000.100.110",
            "description": "Request successfully processed in 'Merchant in Integrator Test Mode'"},
        "resultDetails": {"clearingInstituteName": "Sandbox Acquirer"},
        "card": {"bin": "411111", "last4Digits": "1111", "holder": "Ana Lind",
            "expiryMonth": "07", "expiryYear": "2031"},
        "customParameters": {"product": "membership"},
        "risk": {"score": "100"},
        "buildNumber": "1a2b3c4d@2026-11-30 10:00:00 +0000",
        "timestamp": "2026-12-01 08:30:15+0000",
        "ndc": "8a8294174e918ca6014e9c6f5ae12a9c_8d2f6e1a0b3c4d5e"
    }));
    // A stand-alone registration: its id is the token.
    builds::<types::PaymentResult>(&json!({
        "id": "8ac7a49f6a00f56b016a09466502611e",
        "paymentBrand": "MASTER",
        "result": {"code": "000.100.110",
            "description": "Request successfully processed in 'Merchant in Integrator Test Mode'"},
        "card": {"bin": "545454", "last4Digits": "5454", "holder": "Ana Lind",
            "expiryMonth": "07", "expiryYear": "2031"},
        "buildNumber": "1a2b3c4d@2026-11-30 10:00:00 +0000",
        "timestamp": "2026-12-01 08:30:15+0000",
        "ndc": "8a8294174e918ca6014e9c6f5ae12a9c_9e3a7b2c1d0e4f5a"
    }));
    // A deleted registration.
    builds::<types::PaymentResult>(&json!({
        "id": "8ac7a4a26a00f56b016a094f7a3c6b2d",
        "result": {"code": "000.100.110", "description": "Request successfully processed"},
        "buildNumber": "1a2b3c4d@2026-11-30 10:00:00 +0000",
        "timestamp": "2026-12-01 08:31:00+0000",
        "ndc": "8a8294174e918ca6014e9c6f5ae12a9c_0f1e2d3c4b5a6978"
    }));
}
