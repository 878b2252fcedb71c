//! The generated, typed httpmock helpers (feature `mock` of the API crate) work with
//! the client: the mock's types are the client's types.

mod common;

use common::{builder, token_mock};
use httpmock::MockServer;
use payspec_core::RawBody;
use payspec_nopan::api::mock::MockServerExt;
use payspec_nopan::open_enums::PaymentStatus;
use payspec_nopan::{ReasonCode, types};

#[tokio::test]
async fn typed_mocks_answer_with_typed_values() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let payment: types::Payment = serde_json::from_value(serde_json::json!({
        "transactionId": "ee2anef9bt", "status": "APPROVED"
    }))
    .unwrap();
    let ok = server.get_payment_status(|when, then| {
        when.transaction_id(&"ee2anef9bt".parse().unwrap());
        then.ok(&payment);
    });
    let envelope: types::ErrorEnvelopeFields = serde_json::from_value(serde_json::json!({
        "status": "DECLINED", "statusInfo": {"reasonCode": "5000", "message": "Not found"}, "callId": "c-9"
    }))
    .unwrap();
    let missing = server.get_payment_status(|when, then| {
        when.transaction_id(&"nope".parse().unwrap());
        then.client_error(404, &RawBody::new(envelope).unwrap());
    });
    let client = builder(&server.base_url()).build().unwrap();
    assert_eq!(
        client.payment_status("ee2anef9bt").await.unwrap().status,
        PaymentStatus::Approved
    );
    let error = client.payment_status("nope").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::NotFound));
    assert_eq!(error.call_id(), Some("c-9"));
    ok.assert_async().await;
    missing.assert_async().await;
}
