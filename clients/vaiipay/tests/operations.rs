//! Every VaiiPay operation against httpmock: the right credential per operation, the
//! `{data}` envelope unwrapped, scopes checked before sending, 401/403 explained.

use httpmock::prelude::*;
use payspec_vaiipay::{Client, Error, NewCheckout, Scope};
use serde_json::json;

const CLIENT_ID: &str = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6";

fn client(server: &MockServer, scopes: Option<Vec<Scope>>) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .client_id(CLIENT_ID)
        .client_token("client-token", scopes)
        .oauth_token("oauth-token")
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_operation_uses_its_own_credential_and_the_envelope_is_unwrapped() {
    let server = MockServer::start_async().await;
    let checkout = server.mock(|when, then| {
        when.method(POST)
            .path("/api/payment/checkout")
            .header("authorization", "Bearer client-token")
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .json_body(json!({"amount": 10000, "currencyCode": "USD", "reference": "ORDER-123",
                "referenceLabel": "Order #123", "clientId": CLIENT_ID}));
        then.status(200).json_body(json!({"data": {"checkoutUrl": "https://pay.example/checkout/p1?expires=1&signature=ab"}}));
    });
    let payment = server.mock(|when, then| {
        when.method(GET).path("/api/payment/p1").header("authorization", "Bearer client-token");
        then.status(200).json_body(json!({"data": {"id": "p1", "userId": 42, "status": "RECEIVED", "reference": "ORDER-123",
            "currencyCode": "USD", "settlementCurrencyCode": "USDT", "amount": 10000}}));
    });
    let instructions = server.mock(|when, then| {
        when.method(GET)
            .path("/api/payment/p1/provider/tron/method/usdt")
            .header("authorization", "Bearer client-token");
        then.status(200).json_body(
            json!({"data": {"address": "TQn9", "amount": "100.000000", "currencyCode": "USDT",
            "qrCode": "tron:TQn9", "expiresAt": "2026-01-01T00:00:00Z", "confirmations": 19}}),
        );
    });
    let apps = server.mock(|when, then| {
        when.method(GET)
            .path("/api/payment-applications")
            .header("authorization", "Bearer oauth-token");
        then.status(200)
            .json_body(json!({"data": [{"id": 7, "name": "My shop", "clientId": CLIENT_ID}]}));
    });
    let create_app = server.mock(|when, then| {
        when.method(POST)
            .path("/api/payment-applications")
            .header("authorization", "Bearer oauth-token")
            .json_body(
                json!({"name": "My shop", "secret": "whsec-1", "url": "https://shop.example",
                "callbackUrl": "https://shop.example/hook", "currencyWhitelist": ["BTC", "USDT"],
                "allowUnderpay": false, "allowOverpay": true}),
            );
        then.status(201).json_body(
            json!({"data": {"id": 8, "name": "My shop", "clientId": CLIENT_ID,
            "site": {"url": "https://shop.example"}, "createdAt": "2026-01-01T00:00:00Z"}}),
        );
    });
    let methods = server.mock(|when, then| {
        when.method(GET)
            .path("/api/checkout/p1/payment-methods")
            .header_missing("authorization");
        then.status(200).json_body(
            json!({"data": [{"provider": "tron", "method": "usdt", "name": "USDT (TRC-20)"}]}),
        );
    });
    let client = client(&server, None);
    let created = client
        .create_checkout(
            NewCheckout::new(10000, "USD", "ORDER-123")
                .unwrap()
                .reference_label("Order #123"),
        )
        .await
        .unwrap();
    assert!(created.checkout_url.contains("/checkout/p1"));
    let p = client.get_payment("p1").await.unwrap();
    assert_eq!(p.status.unwrap().as_str(), "RECEIVED");
    assert_eq!(p.amount, Some(10000));
    let i = client
        .get_payment_instructions("p1", "tron", "usdt")
        .await
        .unwrap();
    assert_eq!(
        (i.amount.as_deref(), i.confirmations),
        (Some("100.000000"), Some(19))
    );
    assert_eq!(client.list_payment_applications().await.unwrap().len(), 1);
    let app = client
        .create_payment_application(
            payspec_vaiipay::NewApplication::new("My shop", "whsec-1")
                .unwrap()
                .url("https://shop.example")
                .unwrap()
                .callback_url("https://shop.example/hook")
                .unwrap()
                .currencies(["BTC", "USDT"])
                .unwrap()
                .allow_underpay(false)
                .allow_overpay(true),
        )
        .await
        .unwrap();
    assert_eq!(app.id.as_ref().map(|id| id.as_str()), Some("8"));
    assert_eq!(
        client.list_checkout_payment_methods("p1").await.unwrap()[0]
            .method
            .as_deref(),
        Some("usdt")
    );
    for mock in [checkout, payment, instructions, apps, create_app, methods] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_missing_scope_fails_locally_and_star_passes() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).json_body(json!({"data": {"id": "p1"}}));
    });
    let narrow = client(&server, Some(vec![Scope::PaymentsCreate]));
    match narrow.get_payment("p1").await.unwrap_err() {
        Error::MissingScope { operation, scope } => {
            assert_eq!((operation, scope), ("get_payment", "payments.get"));
        }
        other => panic!("{other:?}"),
    }
    let error = narrow
        .get_payment_instructions("p1", "tron", "usdt")
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("payments.user-instructions.get"),
        "{error}"
    );
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
    let star = client(&server, Some(vec![Scope::All]));
    star.get_payment("p1").await.unwrap();
    let exact = client(&server, Some(vec![Scope::PaymentsGet]));
    exact.get_payment("p1").await.unwrap();
    assert_eq!(any.calls_async().await, 2);
}

#[tokio::test]
async fn a_missing_credential_fails_locally() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let token_only = Client::builder()
        .base_url(server.base_url())
        .client_id(CLIENT_ID)
        .client_token("t", None)
        .build()
        .unwrap();
    assert!(matches!(
        token_only.list_payment_applications().await.unwrap_err(),
        Error::MissingCredential {
            credential: "OAuth2 access token",
            ..
        }
    ));
    let oauth_only = Client::builder()
        .base_url(server.base_url())
        .oauth_token("o")
        .build()
        .unwrap();
    assert!(matches!(
        oauth_only.get_payment("p1").await.unwrap_err(),
        Error::MissingCredential {
            credential: "client token",
            ..
        }
    ));
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn unauthenticated_and_forbidden_say_what_to_check() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path("/api/payment/expired");
        then.status(401)
            .json_body(json!({"message": "Unauthenticated."}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/api/payment/forbidden");
        then.status(403)
            .json_body(json!({"message": "Insufficient permissions"}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/api/payment-applications");
        then.status(401).body("Unauthorized");
    });
    let client = client(&server, None);
    let error = client.get_payment("expired").await.unwrap_err();
    assert!(
        matches!(&error, Error::Unauthenticated { credential: "client token", message: Some(m), .. } if m == "Unauthenticated.")
    );
    assert!(error.to_string().contains("not expired"), "{error}");
    let error = client.get_payment("forbidden").await.unwrap_err();
    assert!(matches!(
        &error,
        Error::Forbidden {
            scope: Some("payments.get"),
            ..
        }
    ));
    assert!(error.to_string().contains("payments.get"), "{error}");
    let error = client.list_payment_applications().await.unwrap_err();
    assert!(error.to_string().contains("OAuth2 access token"), "{error}");
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let client = client(&server, None);
    // Required fields are checked when the request is built, naming the field.
    for (made, field) in [
        (NewCheckout::new(0, "USD", "r"), "amount"),
        (NewCheckout::new(u64::MAX, "USD", "r"), "amount"),
        (NewCheckout::new(1, "usd", "r"), "currency_code"),
        (NewCheckout::new(1, "USD", ""), "reference"),
    ] {
        match made {
            Err(Error::InvalidRequest(reason)) => {
                assert!(reason.starts_with(&format!("{field}: ")), "{reason}")
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    // Optional ones when it is sent, before anything goes out.
    let long_url = NewCheckout::new(1, "USD", "r")
        .unwrap()
        .redirect_url("u".repeat(2049));
    assert!(matches!(
        client.create_checkout(long_url).await.unwrap_err(),
        Error::InvalidRequest(_)
    ));
    assert!(client.get_payment("../etc").await.is_err());
    assert_eq!(any.calls_async().await, 0);
}

#[test]
fn the_client_id_must_be_32_characters() {
    let error = Client::builder()
        .base_url("https://api.example")
        .client_id("your_client_id")
        .client_token("t", None)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("32 characters"), "{error}");
    assert!(
        Client::builder()
            .base_url("https://api.example")
            .build()
            .is_err(),
        "a credential is required"
    );
    assert!(
        Client::builder()
            .client_token("t", None)
            .build()
            .unwrap_err()
            .to_string()
            .contains("base URL")
    );
}
