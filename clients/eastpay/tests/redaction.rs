//! Card data and the access token never show in Debug, errors or traces.
//! (Alone in its test binary: tracing's callsite cache is process-wide.)

use httpmock::prelude::*;
use payspec_eastpay::{Card, Client, Money, NewPayment};

#[tokio::test(flavor = "current_thread")]
async fn card_data_never_shows() {
    let (logs, _guard) = payspec_testkit::trace::capture();
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/v3/payments");
        then.status(400).json_body(serde_json::json!({"result": {"code": "100.100.101", "description": "invalid creditcard"}}));
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token("canary-eastpay-token")
        .entity_id("8a8294174b7ecb28014b9699220015ca")
        .build()
        .unwrap();
    let payment = NewPayment::debit(Money::new(100, "EUR").unwrap())
        .card("VISA", Card::new("4111111111111111", "05", "2034", "987"));
    let payment_debug = format!("{payment:?}");
    let error = client.create_payment(payment).await.unwrap_err();
    let generated = payspec_eastpay::types::PaymentRequest::builder()
        .card_number(Some("4111111111111111".into()))
        .card_cvv(Some("987".into()));
    let text = [
        payment_debug,
        format!("{error:?}"),
        error.to_string(),
        format!("{client:?}"),
        format!("{generated:?}"),
        logs.text(),
    ]
    .join("\n");
    assert!(text.contains("create_payment"), "the capture works");
    for canary in ["4111111111111111", "\"987\"", "canary-eastpay-token"] {
        assert!(!text.contains(canary), "{canary} leaked: {text}");
    }
}
