//! Every Nopan operation: the exact request (method, path, headers, body) and the
//! parsing of the seed's response, against httpmock.

mod common;

use payspec_core::CallFailure;
use std::num::NonZeroU64;

use common::{TOKEN, builder, token_mock};
use httpmock::prelude::*;
use payspec_nopan::mock::{Mock, Step};
use payspec_nopan::open_enums::{Channel, PaymentStatus, PaymentStep, ProviderId, TransactionType};
use payspec_nopan::types;
use serde_json::json;

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn approved_capture() -> serde_json::Value {
    json!({
        "transactionId": "ee2anef9bt",
        "clientTransactionId": "order123",
        "paymentDetails": {"amount": 75, "capturedAmount": 75, "currency": "EUR", "country": "DE",
            "description": "Product ID 1234 purchase", "autoCapture": false},
        "status": "APPROVED", "step": "CAPTURE",
        "statusInfo": {"reasonCode": "-1", "message": "Request processed successfully"}
    })
}

#[tokio::test]
async fn initiate_sends_the_blik_sample_with_bearer_and_idempotency_key() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server);
    let initiate = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/initiate")
            .header("authorization", bearer())
            .header("idempotency-key", "test-1")
            .header("content-type", "application/json")
            .header("user-agent", concat!("payspec/", env!("CARGO_PKG_VERSION")))
            .header_missing("api-version")
            .json_body(json!({
                "processingAccountId": "merchant",
                "clientTransactionId": "order123",
                "transactionType": "ONE_TIME",
                "paymentDetails": {"amount": 100, "currency": "PLN", "country": "PL",
                    "description": "Product ID 1234 purchase"},
                "providerDetails": {"providerId": "BLIK"},
                "payerDetails": {"payerId": "payerUUID", "oneTimeCode": "123456"},
                "requestContext": {"ipAddress": "203.0.113.45",
                    "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
                    "channel": "WEB", "deviceId": "device-12345", "locale": "pl-PL"},
                "metadata": {"orderId": "12345", "customerId": "cust-789", "productCategory": "electronics"}
            }));
        then.status(200).json_body(json!({
            "transactionId": "ee2anef9bt", "clientTransactionId": "order123",
            "providerDetails": {"providerId": "WERO",
                "providerTransactionId": "9c82132e-eb2a-491c-970d-47260d4122b0",
                "registeredAt": "2026-01-19T14:32:05.987654Z", "expiresAt": "2026-01-19T14:32:05.987654Z"},
            "status": "PENDING", "step": "INITIATE",
            "statusInfo": {"reasonCode": "-1", "message": "Request processed successfully"}
        }));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let metadata = [
        ("orderId", "12345"),
        ("customerId", "cust-789"),
        ("productCategory", "electronics"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let metadata = types::Metadata(metadata);
    let payment = client
        .initiate_payment(
            types::InitiatePaymentRequest::builder()
                .processing_account_id("merchant")
                .client_transaction_id("order123")
                .transaction_type(TransactionType::OneTime)
                .payment_details(
                    types::PaymentDetailsRequest::builder()
                        .amount(types::RequestAmount(NonZeroU64::new(100).unwrap()))
                        .currency("PLN")
                        .country(Some("PL".to_string()))
                        .description(Some("Product ID 1234 purchase".to_string())),
                )
                .provider_details(
                    types::ProviderDetailsRequest::builder().provider_id(ProviderId::Blik),
                )
                .payer_details(
                    types::PayerDetailsRequest::builder()
                        .payer_id(Some("payerUUID".to_string()))
                        .one_time_code(Some("123456".parse().unwrap())),
                )
                .request_context(Some(
                    types::RequestContext::builder()
                        .ip_address(Some("203.0.113.45".to_string()))
                        .user_agent(Some(
                            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
                                .to_string(),
                        ))
                        .channel(Some(Channel::Web))
                        .device_id(Some("device-12345".to_string()))
                        .locale(Some("pl-PL".to_string()))
                        .try_into()
                        .unwrap(),
                ))
                .metadata(Some(metadata)),
        )
        .await
        .unwrap();
    initiate.assert_async().await;
    token.assert_async().await;
    assert_eq!(payment.status, PaymentStatus::Pending);
    assert_eq!(payment.step, Some(PaymentStep::Initiate));
    let provider = payment.provider_details.unwrap();
    assert_eq!(provider.provider_id, Some(ProviderId::Wero));
    assert_eq!(
        provider.registered_at.unwrap().datetime().timestamp(),
        1_768_833_125
    );
}

#[tokio::test]
async fn finalize_capture_cancel_refund_send_documented_bodies() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let finalize = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/finalize")
            .header("authorization", bearer())
            .header("idempotency-key", "test-1")
            .json_body(json!({"processingAccountId": "merchant", "transactionId": "ee2anef9bt"}));
        then.status(200).json_body(json!({
            "transactionId": "ee2anef9bt", "clientTransactionId": "order123",
            "paymentDetails": {"amount": 75, "capturedAmount": 0, "currency": "EUR", "country": "DE",
                "description": "Product ID 1234 purchase", "autoCapture": false},
            "status": "APPROVED", "step": "FINALIZE",
            "statusInfo": {"reasonCode": "-1", "message": "Request processed successfully"}
        }));
    });
    let capture = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/capture")
            .header("authorization", bearer())
            .header("idempotency-key", "test-2")
            .json_body(
                json!({"processingAccountId": "merchant", "clientTransactionId": "order-1234",
                "transactionId": "ee2anef9bt", "paymentDetails": {"amount": 75}}),
            );
        then.status(200).json_body(approved_capture());
    });
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/cancel")
            .header("authorization", bearer())
            .header("idempotency-key", "test-3")
            .json_body(json!({"processingAccountId": "merchant", "clientTransactionId": "order-1234",
                "transactionId": "ee2anef9bt"}));
        then.status(200).json_body(json!({
            "transactionId": "ee2anef9bt", "clientTransactionId": "order-1234",
            "providerDetails": {"providerId": "SATISPAY",
                "providerTransactionId": "019bb12e-843a-784f-bd77-b69dcfc02e8d",
                "registeredAt": 1768204174405_i64, "expiresAt": 1768211374402_i64},
            "payerDetails": {"payerId": "payerUUID"},
            "paymentDetails": {"amount": 100, "capturedAmount": 0, "refundedAmount": 0, "currency": "EUR",
                "country": "IT", "description": "Product ID 1234 purchase", "autoCapture": true},
            "metadata": {"promo": "BLACK_FRIDAY", "key": "value"},
            "status": "CANCELED", "step": "FINALIZE",
            "statusInfo": {"reasonCode": "-1", "message": "Request processed successfully"}
        }));
    });
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/refund")
            .header("authorization", bearer())
            .header("idempotency-key", "test-4")
            .json_body(
                json!({"processingAccountId": "merchant", "clientTransactionId": "order-1234",
                "transactionId": "ee2anef9bt", "paymentDetails": {"amount": 25}}),
            );
        then.status(200).json_body(
            json!({"transactionId": "ee2anef9bt", "status": "ACCEPTED", "step": "REFUND"}),
        );
    });
    let client = builder(&server.base_url()).build().unwrap();

    let finalized = client.finalize_payment("ee2anef9bt").await.unwrap();
    assert_eq!(finalized.status, PaymentStatus::Approved);
    assert_eq!(finalized.payment_details.unwrap().captured_amount, Some(0));

    let captured = client
        .capture_payment("ee2anef9bt", "order-1234", 75)
        .await
        .unwrap();
    assert_eq!(captured.payment_details.unwrap().captured_amount, Some(75));

    let canceled = client
        .cancel_payment("ee2anef9bt", "order-1234")
        .await
        .unwrap();
    assert_eq!(canceled.status, PaymentStatus::Canceled);
    let registered = canceled.provider_details.unwrap().registered_at.unwrap();
    assert_eq!(registered.epoch_millis(), 1_768_204_174_405);

    let refunded = client
        .refund_payment("ee2anef9bt", "order-1234", 25)
        .await
        .unwrap();
    assert_eq!(refunded.step, Some(PaymentStep::Refund));

    for mock in [finalize, capture, cancel, refund] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn charge_sends_token_payment_without_return_url() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let charge = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/charge")
            .header("authorization", bearer())
            .header("idempotency-key", "test-1")
            .json_body(json!({
                "processingAccountId": "merchant", "clientTransactionId": "sub-7",
                "paymentDetails": {"amount": 1, "currency": "EUR", "autoCapture": true},
                "providerDetails": {"providerId": "WERO"},
                "payerDetails": {"payerId": "p1", "paymentToken": "tok_1"}
            }));
        then.status(200).json_body(json!({
            "processingAccountId": "string", "transactionId": "string", "clientTransactionId": "string",
            "providerDetails": {"providerId": "WERO", "providerTransactionId": "string",
                "registeredAt": "2019-08-24T14:15:22Z"},
            "metadata": {"property1": "string", "property2": "string"},
            "step": "INITIATE", "status": "ACCEPTED",
            "statusInfo": {"reasonCode": "string", "message": "string"}
        }));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let payment = client
        .charge_payment(
            types::ChargePaymentRequest::builder()
                .processing_account_id("merchant")
                .client_transaction_id("sub-7")
                .payment_details(
                    types::PaymentDetailsRequest::builder()
                        .amount(types::RequestAmount(NonZeroU64::new(1).unwrap()))
                        .currency("EUR")
                        .auto_capture(Some(true)),
                )
                .provider_details(
                    types::ProviderDetailsRequest::builder().provider_id(ProviderId::Wero),
                )
                .payer_details(
                    types::PayerDetailsRequest::builder()
                        .payer_id(Some("p1".to_string()))
                        .payment_token(Some("tok_1".to_string())),
                ),
        )
        .await
        .unwrap();
    charge.assert_async().await;
    assert_eq!(payment.status, PaymentStatus::Accepted);
}

#[tokio::test]
async fn status_and_events_are_gets_without_idempotency_key() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let full = json!({
        "transactionId": "ee2anef9bt",
        "paymentDetails": {"amount": 100, "capturedAmount": 100, "refundedAmount": 25, "currency": "EUR",
            "captures": [{"clientTransactionId": "c1", "paymentDetails": {"amount": 100},
                "providerDetails": {"providerOperationId": "op1", "registeredAt": "2019-08-24T14:15:22Z"},
                "status": "APPROVED", "statusInfo": {"reasonCode": "-1", "message": "ok"},
                "timestamp": "2019-08-24T14:15:22Z"}],
            "refunds": [{"clientTransactionId": "r1", "paymentDetails": {"amount": 25},
                "status": "ACCEPTED", "timestamp": 1566656122000_i64}]},
        "step": "REFUND", "status": "APPROVED"
    });
    let status = server.mock(|when, then| {
        when.method(GET)
            .path("/payments/ee2anef9bt/status")
            .header("authorization", bearer())
            .header_missing("idempotency-key");
        then.status(200).json_body(full.clone());
    });
    let events = server.mock(|when, then| {
        when.method(GET)
            .path("/payments/ee2anef9bt/events")
            .header("authorization", bearer())
            .header_missing("idempotency-key");
        then.status(200).json_body(full.clone());
    });
    let client = builder(&server.base_url()).build().unwrap();
    let payment = client.payment_status("ee2anef9bt").await.unwrap();
    assert_eq!(
        payment.payment_details.as_ref().unwrap().refunded_amount,
        Some(25)
    );
    let history = client.payment_events("ee2anef9bt").await.unwrap();
    let details = history.payment_details.unwrap();
    assert_eq!(details.captures.len(), 1);
    assert_eq!(
        details.refunds[0].timestamp.unwrap().epoch_millis(),
        1_566_656_122_000
    );
    status.assert_async().await;
    events.assert_async().await;
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let status = server.mock(|when, then| {
        when.method(GET).path("/payments/a%2Fb%3Fc/status");
        then.status(200)
            .json_body(json!({"transactionId": "a/b?c", "status": "APPROVED"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    client.payment_status("a/b?c").await.unwrap();
    status.assert_async().await;
}

#[tokio::test]
async fn set_mock_sends_the_seed_sample_without_idempotency_key() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let set = server.mock(|when, then| {
        when.method(POST)
            .path("/mock/set")
            .header("authorization", bearer())
            .header_missing("idempotency-key")
            .json_body(json!({
                "processingAccountId": "merchant",
                "key": {"type": "CLIENT_TRANSACTION_ID", "value": "order123"},
                "type": "MOCK",
                "oneTime": false,
                "steps": {"initiate": {
                    "clientTransactionId": "order123", "status": "ACCEPTED",
                    "providerDetails": {"providerTransactionId": "9c82132e-eb2a-491c-970d-47260d4122b0",
                        "registeredAt": 1748505211886_i64, "expiresAt": 1748505271887_i64},
                    "statusInfo": {"reasonCode": "-1", "message": "Awaiting user consent"}}}
            }));
        then.status(200);
    });
    let client = builder(&server.base_url()).build().unwrap();
    let step: types::MockedPayment = serde_json::from_value(json!({
        "clientTransactionId": "order123", "status": "ACCEPTED",
        "providerDetails": {"providerTransactionId": "9c82132e-eb2a-491c-970d-47260d4122b0",
            "registeredAt": 1748505211886_i64, "expiresAt": 1748505271887_i64},
        "statusInfo": {"reasonCode": "-1", "message": "Awaiting user consent"}
    }))
    .unwrap();
    client
        .set_mock(Mock::client_transaction_id("order123").step(Step::Initiate, step))
        .await
        .unwrap();
    set.assert_async().await;
}

#[tokio::test]
async fn token_operation_is_sent_without_bearer() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/auth/token")
            .header_missing("authorization")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&processing_account_id=merchant&scope=payments%3Aread");
        then.status(200).json_body(json!({"access_token": "t", "expires_in": 7200, "token_type": "Bearer",
            "not-before-policy": 0, "refresh_expires_in": 0, "scope": "payments:read"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let response = client
        .api()
        .get_access_token()
        .body(
            types::TokenRequest::builder()
                .grant_type(payspec_nopan::open_enums::GrantType::ClientCredentials)
                .processing_account_id("merchant")
                .scope(Some("payments:read".to_string())),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    token.assert_async().await;
    assert_eq!(response.access_token.expose(), "t");
    assert_eq!(response.expires_in, Some(7200));
    assert_eq!(response.not_before_policy, Some(0));
}

#[tokio::test]
async fn a_callers_own_idempotency_key_is_kept() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let finalize = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/finalize")
            .header("idempotency-key", "my-key-42");
        then.status(200)
            .json_body(json!({"transactionId": "ee2anef9bt", "status": "APPROVED"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    client
        .api()
        .finalize_payment()
        .idempotency_key("my-key-42")
        .body(
            types::FinalizePaymentRequest::builder()
                .processing_account_id("merchant")
                .transaction_id("ee2anef9bt"),
        )
        .send()
        .await
        .map_err(payspec_nopan::Error::from)
        .unwrap();
    finalize.assert_async().await;
}

#[tokio::test]
async fn unknown_enum_values_and_fields_in_responses_parse() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    server.mock(|when, then| {
        when.method(GET).path("/payments/x/status");
        then.status(200).json_body(json!({
            "transactionId": "x", "status": "SETTLED", "step": "PAYOUT",
            "providerDetails": {"providerId": "TWINT", "newField": {"a": 1}},
            "somethingNew": true
        }));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let payment = client.payment_status("x").await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Unknown("SETTLED".into()));
    assert_eq!(payment.step.as_ref().map(|s| s.as_str()), Some("PAYOUT"));
    assert!(
        payment
            .provider_details
            .unwrap()
            .provider_id
            .unwrap()
            .is_unknown()
    );
}

#[tokio::test]
async fn a_new_payment_sends_exactly_its_fields_with_the_clients_account_and_a_chosen_key() {
    use payspec_nopan::{Amount, NewPayment};
    let server = MockServer::start_async().await;
    token_mock(&server);
    let initiate = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/initiate")
            .header("idempotency-key", "order-7-attempt-1")
            .json_body(json!({
                "processingAccountId": "merchant",
                "clientTransactionId": "order-7",
                "transactionType": "ONE_TIME",
                "paymentDetails": {"amount": 2500, "currency": "PLN", "description": "Two coffees"},
                "providerDetails": {"providerId": "BLIK"},
                "payerDetails": {"oneTimeCode": "123456"}
            }));
        then.status(200)
            .json_body(json!({"transactionId": "t-7", "status": "PENDING"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let payment = NewPayment::blik("order-7", Amount::new(2500).unwrap(), "123456")
        .unwrap()
        .description("Two coffees")
        .idempotency_key("order-7-attempt-1");
    let answer = client.initiate(payment).await.unwrap();
    assert_eq!(answer.transaction_id, "t-7");
    initiate.assert_async().await;
}

#[test]
fn a_new_payment_is_checked_when_built_and_the_error_names_the_field() {
    use payspec_nopan::{Amount, NewPayment};
    let amount = Amount::new(100).unwrap();
    let cases = [
        (NewPayment::blik("", amount, "123456").err(), "reference: "),
        (
            NewPayment::blik("order", amount, "12345").err(),
            "one_time_code: ",
        ),
        (
            NewPayment::new("order", amount, "zloty", ProviderId::Blik).err(),
            "currency: ",
        ),
    ];
    for (error, field) in cases {
        let text = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains(field), "`{text}` names `{field}`");
    }
    assert!(Amount::new(0).is_err(), "no payment of nothing");
}

/// A key the caller chose (`Client::with_idempotency_key`) is the `Idempotency-Key` of
/// every attempt of a keyed call, and the key the error reports when the calls fail;
/// the client it came from keeps making its own keys.
#[tokio::test]
async fn a_chosen_idempotency_key_is_sent_on_every_attempt_and_reported() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    let capture = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/capture")
            .header("idempotency-key", "order-1234-capture-1");
        then.status(200).json_body(approved_capture());
    });
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/refund")
            .header("idempotency-key", "order-1234-refund-1");
        then.status(503)
            .json_body(json!({"statusInfo": {"reasonCode": "5003", "message": "Try again"}}));
    });
    let own = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/cancel")
            .header("idempotency-key", "test-1");
        then.status(200)
            .json_body(json!({"transactionId": "ee2anef9bt", "status": "CANCELED"}));
    });
    let client = builder(&server.base_url()).build().unwrap();

    client
        .with_idempotency_key("order-1234-capture-1")
        .capture_payment("ee2anef9bt", "order-1234", 75)
        .await
        .unwrap();
    let failed = client
        .with_idempotency_key("order-1234-refund-1")
        .refund_payment("ee2anef9bt", "order-1234", 25)
        .await
        .unwrap_err();
    assert_eq!(failed.idempotency_key(), Some("order-1234-refund-1"));
    assert_eq!(failed.status().map(|s| s.as_u16()), Some(503));
    client
        .cancel_payment("ee2anef9bt", "order-1234")
        .await
        .unwrap();

    capture.assert_async().await;
    assert!(
        refund.calls_async().await > 1,
        "the refund was retried, each attempt under the chosen key"
    );
    own.assert_async().await;
}
