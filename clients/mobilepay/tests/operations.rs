//! Every MobilePay operation: the exact request (method, path, Authorization,
//! CorrelationId, body) and the parsing of the seed's response, 204s included.

mod common;

use common::*;
use futures::StreamExt;
use httpmock::prelude::*;
use payspec_mobilepay::open_enums::{PaymentState, WebhookEventType};
use payspec_mobilepay::{
    NewPayment, NewRefund, PageSize, PaymentFilter, RefundFilter, WebhookSubscription,
};
use serde_json::json;

fn correlation_matches(req: &HttpMockRequest) -> bool {
    req.headers()
        .get("correlationid")
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_uuid)
}

#[tokio::test]
async fn initiate_sends_the_seed_sample_with_a_fresh_idempotency_key() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/payments")
            .header("authorization", bearer())
            .header("content-type", "application/json")
            .header_missing("api-version")
            .is_true(correlation_matches)
            .json_body(json!({
                "amount": 1250,
                "description": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
                "paymentPointId": POINT,
                "reference": "My-Payment-1",
                "idempotencyKey": KEY_1,
                "redirectUri": "myapp://redirect"
            }));
        then.status(200).json_body(
            json!({"paymentId": PAYMENT, "mobilePayAppRedirectUri": "https://app.example/x"}),
        );
    });
    let client = builder(&server.base_url()).build().unwrap();
    let initiated = client
        .initiate_payment(
            NewPayment::new(1250, POINT, "myapp://redirect", "My-Payment-1")
                .unwrap()
                .description("Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(initiated.payment_id.to_string(), PAYMENT);
    assert_eq!(initiated.redirect_uri, "https://app.example/x");
    assert_eq!(initiated.idempotency_key.to_string(), KEY_1);
}

#[tokio::test]
async fn a_callers_idempotency_key_and_phone_are_sent() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.method(POST).path("/v1/payments").json_body(json!({
            "amount": 1, "paymentPointId": POINT, "reference": "r", "redirectUri": "myapp://x",
            "idempotencyKey": "fae7680f-9875-4ba9-8910-2f2e1791f390", "customerPhoneNumber": "+4512345678"
        }));
        then.status(200).json_body(json!({"paymentId": PAYMENT}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let key = uuid::Uuid::parse_str("fae7680f-9875-4ba9-8910-2f2e1791f390").unwrap();
    let initiated = client
        .initiate_payment(
            NewPayment::new(1, POINT, "myapp://x", "r")
                .unwrap()
                .customer_phone_number("+4512345678")
                .idempotency_key(key),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(initiated.idempotency_key, key);
}

#[tokio::test]
async fn get_payment_parses_the_seed_sample() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/v1/payments/{PAYMENT}"))
            .header("authorization", bearer())
            .is_true(correlation_matches);
        then.status(200).json_body(json!({
            "paymentId": PAYMENT, "amount": 1250,
            "description": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            "paymentPointId": POINT, "reference": "My-Payment-1", "redirectUri": "myapp://redirect",
            "state": "initiated", "initiatedOn": "2022-05-26T13:13:49.700315+03:00",
            "lastUpdatedOn": "2022-05-26T13:13:49.700318+03:00",
            "merchantId": "655ad36f-70b0-4add-a123-b943daca50e8", "isoCurrencyCode": "DKK",
            "paymentPointName": "MyPaymentPoint"
        }));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let payment = client.get_payment(PAYMENT).await.unwrap();
    // The id the API defines as a UUID is taken as a `Uuid` too (the one a payment
    // answer carries), with the same request on the wire.
    let typed = uuid::Uuid::parse_str(PAYMENT).unwrap();
    assert_eq!(
        client.get_payment(typed).await.unwrap().payment_id,
        payment.payment_id
    );
    assert_eq!(mock.calls_async().await, 2);
    assert_eq!(payment.state, Some(PaymentState::Initiated));
    assert_eq!(payment.amount, Some(1250));
    assert_eq!(
        payment.initiated_on.unwrap().to_rfc3339(),
        "2022-05-26T10:13:49.700315+00:00"
    );
    assert_eq!(payment.iso_currency_code.unwrap().as_str(), "DKK");
}

#[tokio::test]
async fn capture_cancel_cancel_by_key_and_reserve_answer_204() {
    let server = MockServer::start_async().await;
    let capture = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/capture"))
            .header("authorization", bearer())
            .is_true(correlation_matches)
            .json_body(json!({"amount": 1000}));
        then.status(204);
    });
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/cancel"))
            .is_true(correlation_matches)
            .body("");
        then.status(204);
    });
    let by_key = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/payments/cancel")
            .json_body(json!({"idempotencyKey": "0c14c6a6-6f50-4d1e-b0c4-b46ff43ba6a1"}));
        then.status(204);
    });
    let reserve = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/integration-test/payments/{PAYMENT}/reserve"))
            .json_body(
                json!({"paymentSourceId": "8b1def75-8f77-4a48-8924-bf2ab22251e6",
                "userId": "be1e6d64-b73d-481a-9947-55e57ccbe4cf"}),
            );
        then.status(204);
    });
    let client = builder(&server.base_url()).build().unwrap();
    client.capture_payment(PAYMENT, 1000).await.unwrap();
    client.cancel_payment(PAYMENT).await.unwrap();
    client
        .cancel_payment_by_idempotency_key("0c14c6a6-6f50-4d1e-b0c4-b46ff43ba6a1")
        .await
        .unwrap();
    client
        .simulate_reservation(
            PAYMENT,
            "8b1def75-8f77-4a48-8924-bf2ab22251e6",
            "be1e6d64-b73d-481a-9947-55e57ccbe4cf",
        )
        .await
        .unwrap();
    for mock in [capture, cancel, by_key, reserve] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn refunds_issue_get_and_list() {
    let server = MockServer::start_async().await;
    let issue = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/refunds")
            .header("authorization", bearer())
            .is_true(correlation_matches)
            .json_body(json!({"paymentId": PAYMENT, "amount": 1250,
                "description": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
                "reference": "My-Refund-1", "idempotencyKey": KEY_1}));
        then.status(200).json_body(json!({"refundId": "7576910d-9789-4fef-a72e-877d89afec94", "paymentId": PAYMENT,
            "amount": 1250, "description": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            "reference": "My-Refund-1", "createdOn": "2021-07-19T12:42:38+00:00", "remainingAmount": 250}));
    });
    let get = server.mock(|when, then| {
        when.method(GET).path("/v1/refunds/7576910d-9789-4fef-a72e-877d89afec94");
        then.status(200).json_body(json!({"refundId": "7576910d-9789-4fef-a72e-877d89afec94", "paymentId": PAYMENT,
            "amount": 1250, "reference": "My-Refund-1", "createdOn": "2021-07-19T12:42:38+00:00",
            "paymentPointId": POINT, "merchantId": "655ad36f-70b0-4add-a123-b943daca50e8", "isoCurrencyCode": "DKK"}));
    });
    let list = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/refunds")
            .query_param("paymentId", PAYMENT)
            .query_param("pageNumber", "1")
            .query_param("pageSize", "50");
        then.status(200)
            .json_body(json!({"pageSize": 0, "nextPageNumber": 0, "refunds": []}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let refund = client
        .issue_refund(
            NewRefund::new(PAYMENT, 1250, "My-Refund-1")
                .unwrap()
                .description("Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
        )
        .await
        .unwrap();
    assert_eq!(refund.remaining_amount, Some(250));
    let fetched = client
        .get_refund("7576910d-9789-4fef-a72e-877d89afec94")
        .await
        .unwrap();
    assert_eq!(fetched.iso_currency_code.unwrap().as_str(), "DKK");
    let all: Vec<_> = client
        .refunds(
            RefundFilter::new()
                .payment(PAYMENT)
                .page_size(PageSize::new(50).unwrap()),
        )
        .collect()
        .await;
    assert!(all.is_empty());
    for mock in [issue, get, list] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn list_payments_sends_filters_as_query() {
    let server = MockServer::start_async().await;
    let list = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/payments")
            .query_param("paymentPointId", POINT)
            .query_param("pageNumber", "1")
            .query_param("pageSize", "100")
            .query_param("stateFilter", "reserved")
            .query_param("stateFilter", "captured")
            .query_param("startDate", "2022-05-26T00:00:00Z");
        then.status(200)
            .json_body(json!({"pageSize": 1, "nextPageNumber": 2, "payments": []}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let filter = PaymentFilter::new()
        .payment_point(POINT)
        .states([PaymentState::Reserved, PaymentState::Captured])
        .start("2022-05-26T00:00:00Z".parse().unwrap());
    let page = client.list_payments_page(&filter, 1).await.unwrap();
    assert_eq!(page.next_page_number, Some(2));
    list.assert_async().await;
}

#[tokio::test]
async fn payment_points_list() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path("/v1/paymentpoints").query_param("pageNumber", "1");
        then.status(200).json_body(json!({"pageSize": 1, "nextPageNumber": null,
            "paymentPoints": [{"paymentPointId": POINT, "paymentPointName": "Shop", "state": "active"}]}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let points: Vec<_> = client.payment_points(PageSize::DEFAULT).collect().await;
    assert_eq!(points.len(), 1);
    assert_eq!(
        points[0].as_ref().unwrap().payment_point_name.as_deref(),
        Some("Shop")
    );
}

#[tokio::test]
async fn webhooks_management() {
    let server = MockServer::start_async().await;
    let webhook = json!({"webhookId": "2e0a4d9c-6f7d-4c1e-9c36-3b9d06c4f1aa", "url": "https://merchant.example/hook",
        "events": ["payment.reserved"], "signatureKey": "canary-signature-key", "paymentPointId": null});
    let create = server.mock(|when, then| {
        when.method(POST).path("/v1/webhooks").json_body(json!({
            "url": "https://merchant.example/hook", "events": ["payment.reserved"], "paymentPointId": POINT}));
        then.status(200).json_body(webhook.clone());
    });
    let list = server.mock(|when, then| {
        when.method(GET).path("/v1/webhooks");
        then.status(200)
            .json_body(json!({"webhooks": [webhook.clone()]}));
    });
    let get = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/webhooks/2e0a4d9c-6f7d-4c1e-9c36-3b9d06c4f1aa");
        then.status(200).json_body(webhook.clone());
    });
    let update = server.mock(|when, then| {
        when.method(PUT)
            .path("/v1/webhooks/2e0a4d9c-6f7d-4c1e-9c36-3b9d06c4f1aa")
            .json_body(
                json!({"url": "https://merchant.example/hook2", "events": ["payment.expired"]}),
            );
        then.status(200).json_body(webhook.clone());
    });
    let delete = server.mock(|when, then| {
        when.method(DELETE)
            .path("/v1/webhooks/2e0a4d9c-6f7d-4c1e-9c36-3b9d06c4f1aa");
        then.status(204);
    });
    let publish = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/webhooks/2e0a4d9c-6f7d-4c1e-9c36-3b9d06c4f1aa/publishtestnotification");
        then.status(200);
    });
    let client = builder(&server.base_url()).build().unwrap();
    let created = client
        .create_webhook(
            WebhookSubscription::new(
                "https://merchant.example/hook",
                [WebhookEventType::PaymentReserved],
            )
            .payment_point(POINT),
        )
        .await
        .unwrap();
    assert_eq!(
        created.signature_key.as_ref().unwrap().expose(),
        "canary-signature-key"
    );
    assert!(
        !format!("{created:?}").contains("canary"),
        "the signature key is redacted in Debug"
    );
    assert_eq!(client.list_webhooks().await.unwrap().len(), 1);
    let id = "2e0a4d9c-6f7d-4c1e-9c36-3b9d06c4f1aa";
    client.get_webhook(id).await.unwrap();
    client
        .update_webhook(
            id,
            WebhookSubscription::new(
                "https://merchant.example/hook2",
                [WebhookEventType::PaymentExpired],
            ),
        )
        .await
        .unwrap();
    client.publish_test_notification(id).await.unwrap();
    client.delete_webhook(id).await.unwrap();
    for mock in [create, list, get, update, delete, publish] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn facade_headers_are_sent_on_every_call() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/v1/payments/{PAYMENT}"))
            .header("ocp-apim-subscription-key", "sub-key")
            .header("merchant-serial-number", "123456");
        then.status(200).json_body(json!({"paymentId": PAYMENT}));
    });
    let client = builder(&server.base_url())
        .subscription_key("sub-key")
        .merchant_serial_number("123456")
        .build()
        .unwrap();
    client.get_payment(PAYMENT).await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn openid_tokens_from_a_discovered_endpoint() {
    use payspec_core::auth::{ClientAuth, ClientCredentials, discover_token_endpoint};
    use std::sync::Arc;
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path("/.well-known/openid-configuration");
        then.status(200)
            .json_body(json!({"token_endpoint": server.url("/connect/token")}));
    });
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/connect/token")
            .body("grant_type=client_credentials&scope=merchantpayments&client_id=cid&client_secret=csecret");
        then.status(200).json_body(json!({"access_token": "oidc-token", "expires_in": 3600, "token_type": "Bearer"}));
    });
    let call = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/v1/payments/{PAYMENT}"))
            .header("authorization", "Bearer oidc-token");
        then.status(200).json_body(json!({"paymentId": PAYMENT}));
    });
    let http = payspec_core::HttpConfig::default().build().unwrap();
    let endpoint = discover_token_endpoint(&http, &server.url("/.well-known/openid-configuration"))
        .await
        .unwrap();
    let source = ClientCredentials::new(
        endpoint,
        ClientAuth::Body {
            client_id: "cid".into(),
            client_secret: "csecret".into(),
        },
    )
    .param("scope", payspec_mobilepay::OPENID_SCOPE);
    let client = payspec_mobilepay::Client::builder()
        .base_url(server.base_url())
        .token_source(Arc::new(source))
        .build()
        .unwrap();
    client.get_payment(PAYMENT).await.unwrap();
    client.get_payment(PAYMENT).await.unwrap();
    assert_eq!(token.calls_async().await, 1, "the token is cached");
    assert_eq!(call.calls_async().await, 2);
}

#[test]
fn build_needs_exactly_one_credential() {
    let none = payspec_mobilepay::Client::builder()
        .environment(payspec_mobilepay::Environment::Sandbox)
        .build();
    assert!(
        none.unwrap_err()
            .to_string()
            .contains("api_key or token_source")
    );
    let insecure = payspec_mobilepay::Client::builder()
        .base_url("http://api.mobilepay.dk")
        .api_key("k")
        .build();
    assert!(insecure.unwrap_err().to_string().contains("https"));
}
