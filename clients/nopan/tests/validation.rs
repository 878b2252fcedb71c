//! A request that breaks a spec constraint (pattern, length, enum, minimum) is rejected
//! before anything is sent.

mod common;

use common::builder;
use httpmock::prelude::*;
use payspec_nopan::open_enums::{ProviderId, TransactionType};
use payspec_nopan::{Error, types};

fn server_that_must_not_be_called(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.any_request();
        then.status(500);
    })
}

fn request() -> types::builder::InitiatePaymentRequest {
    types::InitiatePaymentRequest::builder()
        .processing_account_id("merchant")
        .client_transaction_id("order123")
        .transaction_type(TransactionType::OneTime)
        .payment_details(
            types::PaymentDetailsRequest::builder()
                .amount(types::RequestAmount(
                    std::num::NonZeroU64::new(100).unwrap(),
                ))
                .currency("PLN"),
        )
        .provider_details(types::ProviderDetailsRequest::builder().provider_id(ProviderId::Blik))
        .payer_details(types::PayerDetailsRequest::builder())
}

async fn rejected(body: types::builder::InitiatePaymentRequest) -> String {
    let server = MockServer::start_async().await;
    let any = server_that_must_not_be_called(&server);
    let client = builder(&server.base_url()).build().unwrap();
    let error = client.initiate_payment(body).await.unwrap_err();
    assert_eq!(any.calls_async().await, 0, "nothing may be sent");
    match error {
        Error::InvalidRequest(message) => message,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[test]
fn a_blik_code_that_is_not_six_digits_cannot_be_built() {
    // Optional constrained fields take the validated type: the bad value fails where it
    // is made, and a body deserialized from JSON is checked the same way.
    let error = "12345a"
        .parse::<types::PayerDetailsRequestOneTimeCode>()
        .unwrap_err();
    assert!(error.to_string().contains("pattern"), "{error}");
    assert!(
        "1234567"
            .parse::<types::PayerDetailsRequestOneTimeCode>()
            .is_err()
    );
    assert!(
        "123456"
            .parse::<types::PayerDetailsRequestOneTimeCode>()
            .is_ok()
    );
    let json = serde_json::json!({"payerId": "p", "oneTimeCode": "12345a"});
    assert!(serde_json::from_value::<types::PayerDetailsRequest>(json).is_err());
}

#[test]
fn a_phone_without_plus_or_with_a_short_number_cannot_be_built() {
    let no_plus: Result<types::PhoneRequest, _> = types::PhoneRequest::builder()
        .country_code("48")
        .number("123456789")
        .try_into();
    assert!(no_plus.unwrap_err().to_string().contains("country_code"));
    let short: Result<types::PhoneRequest, _> = types::PhoneRequest::builder()
        .country_code("+48")
        .number("12345")
        .try_into();
    assert!(short.unwrap_err().to_string().contains("number"));
    let ok: Result<types::PhoneRequest, _> = types::PhoneRequest::builder()
        .country_code("+48")
        .number("123456789")
        .try_into();
    assert!(ok.is_ok());
}

#[tokio::test]
async fn an_empty_client_transaction_id_is_rejected() {
    let message = rejected(request().client_transaction_id("")).await;
    assert!(message.contains("client_transaction_id"), "{message}");
}

#[tokio::test]
async fn an_unknown_transaction_type_is_rejected() {
    let message = rejected(request().transaction_type("ONCE")).await;
    assert!(
        message.contains("ONCE") && message.contains("ONE_TIME"),
        "{message}"
    );
}

#[tokio::test]
async fn a_missing_required_field_is_rejected() {
    let incomplete = types::InitiatePaymentRequest::builder().processing_account_id("merchant");
    let message = rejected(incomplete).await;
    assert!(message.contains("no value supplied"), "{message}");
}

#[tokio::test]
async fn a_zero_amount_is_rejected() {
    let server = MockServer::start_async().await;
    let any = server_that_must_not_be_called(&server);
    let client = builder(&server.base_url()).build().unwrap();
    let error = client.capture_payment("t", "c", 0).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn an_empty_transaction_id_in_a_path_is_rejected() {
    let server = MockServer::start_async().await;
    let any = server_that_must_not_be_called(&server);
    let client = builder(&server.base_url()).build().unwrap();
    let error = client.payment_status("").await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert_eq!(any.calls_async().await, 0);
}
