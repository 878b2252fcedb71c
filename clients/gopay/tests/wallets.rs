//! The published API 4.0's wallet and QR operations and its revision's differing paths:
//! the exact requests against httpmock, then the answers of the sandbox.

use httpmock::prelude::*;
use payspec_gopay::open_enums::Currency;
use payspec_gopay::{ApiRevision, CallFailure, Client, Environment, NewPayment, QrFormat};
use payspec_gopay_sandbox::{Config, Sandbox};
use serde_json::json;

fn token<'a>(server: &'a MockServer, scope: &'static str) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(POST).path("/oauth2/token").body_includes(scope);
        then.status(200)
            .json_body(json!({"access_token": "t", "token_type": "bearer", "expires_in": 1800}));
    })
}

#[tokio::test]
async fn the_published_revision_changes_the_key_path_scopes_and_production_root() {
    let server = MockServer::start_async().await;
    // card:read card:write payment:read payment:write shared:read (every scope the
    // spec's operations name, sorted), form-encoded.
    let token = token(
        &server,
        "scope=card%3Aread+card%3Awrite+payment%3Aread+payment%3Awrite+shared%3Aread",
    );
    let key = server.mock(|when, then| {
        when.method(GET).path("/cards/public-key");
        then.status(200)
            .json_body(json!({"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}));
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .client_id("id")
        .client_secret("secret")
        .revision(ApiRevision::Published)
        .build()
        .unwrap();
    let jwk = client.get_encryption_public_key().await.unwrap();
    assert_eq!(jwk.kid, "k1");
    assert_eq!(key.calls_async().await, 1);
    assert_eq!(token.calls_async().await, 1);

    let root = |environment, revision| {
        Client::builder()
            .environment(environment)
            .client_id("id")
            .client_secret("secret")
            .revision(revision)
            .build()
            .unwrap()
            .base_url()
            .to_string()
    };
    // The published spec's `servers`: the `gp-gw` roots.
    assert_eq!(
        root(Environment::Production, ApiRevision::Seed),
        payspec_gopay::PRODUCTION_URL
    );
    assert_eq!(
        root(Environment::Production, ApiRevision::Published),
        "https://gate.gopay.com/gp-gw/api/4.0"
    );
    assert_eq!(
        root(Environment::Sandbox, ApiRevision::Seed),
        payspec_gopay::SANDBOX_URL
    );
    assert_eq!(
        root(Environment::Sandbox, ApiRevision::Published),
        "https://gw.sandbox.gopay.com/gp-gw/api/4.0"
    );
}

#[tokio::test]
async fn wallet_operations_send_what_gopay_publishes() {
    let server = MockServer::start_async().await;
    token(&server, "grant_type=client_credentials");
    let qr = server.mock(|when, then| {
        when.method(GET)
            .path("/payments/3000000001/qr-payment/info")
            .query_param("format", "svg");
        then.status(200)
            .json_body(json!({"amount": 10000, "currency": "CZK",
            "recipient": {"name": "Shop"}, "qr_code": {"spayd": "SPD*1.0*AM:100.00"}}));
    });
    let validate = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/3000000001/apple-pay/validate")
            .header("origin", "https://shop.example")
            .json_body(json!({"validationUrl": "https://apple.example/startSession"}));
        then.status(200)
            .json_body(json!({"merchantSessionIdentifier": "s1", "nonce": "n"}));
    });
    let form = server.mock(|when, then| {
        when.method(GET).path("/cards/card-form-url");
        then.status(200)
            .json_body(json!({"card_form_url": "https://gw.example/form"}));
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .client_id("id")
        .client_secret("secret")
        .build()
        .unwrap();
    let info = client
        .qr_payment_info("3000000001", QrFormat::Svg)
        .await
        .unwrap();
    assert_eq!(info.amount, 10000);
    assert_eq!(info.qr_code["spayd"], "SPD*1.0*AM:100.00");
    let session = client
        .validate_apple_pay_merchant(
            "3000000001",
            "https://apple.example/startSession",
            "https://shop.example",
        )
        .await
        .unwrap();
    assert_eq!(session["merchantSessionIdentifier"], "s1");
    assert_eq!(
        client.card_form_url().await.unwrap(),
        "https://gw.example/form"
    );
    assert_eq!(qr.calls_async().await, 1);
    assert_eq!(validate.calls_async().await, 1);
    assert_eq!(form.calls_async().await, 1);
}

#[tokio::test]
async fn the_sandbox_answers_wallet_and_qr_information_for_a_payable_payment() {
    let sandbox = Sandbox::start(Config::default().seed(12)).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let id = client
        .create_payment(NewPayment::new(5000, Currency::Czk, "o-wallet").unwrap())
        .await
        .unwrap()
        .id;
    let qr = client.qr_payment_info(&id, QrFormat::Png).await.unwrap();
    assert_eq!(qr.amount, 5000);
    assert!(qr.qr_code["spayd"].contains("AM:50.00"), "{:?}", qr.qr_code);
    let google = client.google_pay_info(&id).await.unwrap();
    assert_eq!(google.environment.as_deref(), Some("TEST"));
    let request = google.payment_data_request;
    assert_eq!(request["transactionInfo"]["totalPrice"], "50.00");
    let apple = client.apple_pay_info(&id).await.unwrap();
    assert_eq!(apple.apple_pay_payment_request["total"]["amount"], "50.00");
    assert!(client.apple_pay_app_info(&id).await.is_ok());
    let session = client
        .validate_apple_pay_merchant(
            &id,
            "https://apple.example/startSession",
            "https://shop.example:8443",
        )
        .await
        .unwrap();
    assert_eq!(session["domainName"], "shop.example");
    assert!(
        client
            .card_form_url()
            .await
            .unwrap()
            .contains("/payer/gopay/")
    );

    // Paid, the payment has nothing more to show: 409, as GoPay.
    let card = payspec_gopay::CardData::new("4444 4444 4444 4448", "01", "27", "258").unwrap();
    let token = client.tokenize_card(&card, false).await.unwrap();
    client
        .create_charge(
            &id,
            payspec_gopay::Instrument::card(token.token.unwrap()),
            None,
        )
        .await
        .unwrap();
    let error = client.google_pay_info(&id).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(
        client
            .qr_payment_info("no-such", QrFormat::Png)
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(404)
    );
    sandbox.shutdown().await;
}
