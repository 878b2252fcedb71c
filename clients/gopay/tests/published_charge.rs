//! The published API 4.0's charge (`POST /payments/{id}/charge` with the payer's browser
//! data, and `GET` of it), next to the seed's `/charges`: the exact body on the wire,
//! then the flow against the sandbox with a card token and with an encrypted card.

mod common;

use httpmock::prelude::*;
use payspec_gopay::open_enums::{ChallengePreference, Currency, PaymentState};
use payspec_gopay::{CardData, CardInput, ChargeExt, NewPayment, NextStep};
use payspec_gopay_sandbox::{Config, Sandbox};
use serde_json::json;

#[tokio::test]
async fn the_published_charge_sends_the_card_and_the_browser() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .json_body(json!({"access_token": "t", "token_type": "bearer", "expires_in": 1800}));
    });
    let charge = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/3000000001/charge")
            .json_body(json!({"payment_instrument": {
                "payment_instrument": "PAYMENT_CARD",
                "input": {"input_type": "CARD_TOKEN", "card_token": "tok-1"},
                "challenge_preference": "PREFER_CHALLENGE",
                "browser_data": {"language": "cs-CZ", "timezone": -60, "screen_width": 1280,
                    "screen_height": 800, "color_depth": 24, "user_agent": "ExampleBrowser/1.0",
                    "accept_header": "{\"accept\":\"text/html\"}", "javascript_enabled": true}
            }}));
        then.status(201).json_body(json!({"id": "9123456789", "state": "ACTION_REQUIRED",
            "action": {"action_type": "EMV3DS", "redirect_url": "https://gw.example/3ds", "state": "CREATED"},
            "payment_instrument": {"payment_instrument": "PAYMENT_CARD", "details": {"scheme": "VISA"}},
            "return_url": "https://shop.example/return"}));
    });
    let status = server.mock(|when, then| {
        when.method(GET).path("/payments/3000000001/charge");
        then.status(200)
            .json_body(json!({"id": "9123456789", "state": "SUCCEEDED"}));
    });
    let client = payspec_gopay::Client::builder()
        .base_url(server.base_url())
        .client_id("id")
        .client_secret("secret")
        .build()
        .unwrap();
    let answer = client
        .charge_card(
            "3000000001",
            CardInput::Token("tok-1".into()),
            common::browser_data(),
            Some(ChallengePreference::PreferChallenge),
        )
        .await
        .unwrap();
    match answer.next_step() {
        NextStep::RedirectPayer { action_url, .. } => {
            assert_eq!(action_url, "https://gw.example/3ds")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        answer.return_url.as_deref(),
        Some("https://shop.example/return")
    );
    let state = client.get_charge("3000000001").await.unwrap();
    assert_eq!(state.id.as_deref(), Some("9123456789"));
    assert_eq!(charge.calls_async().await, 1);
    assert_eq!(status.calls_async().await, 1);

    // An empty token never leaves the process.
    let error = client
        .charge_card(
            "3000000001",
            CardInput::Token(String::new()),
            common::browser_data(),
            None,
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("card_token"), "{error}");
}

#[tokio::test]
async fn the_sandbox_charges_a_token_and_an_encrypted_card_the_published_way() {
    let sandbox = Sandbox::start(Config::default().seed(11)).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let new = || {
        NewPayment::new(5000, Currency::Czk, "o-pub")
            .unwrap()
            .return_url("https://shop.example/return")
    };

    let card = CardData::new("4444 4444 4444 4448", "01", "27", "258").unwrap();
    let token = client.tokenize_card(&card, false).await.unwrap();
    let id = client.create_payment(new()).await.unwrap().id;
    let charge = client
        .charge_card(
            &id,
            CardInput::Token(token.token.unwrap()),
            common::browser_data(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(charge.next_step(), NextStep::Done);
    assert_eq!(
        charge.return_url.as_deref(),
        Some("https://shop.example/return")
    );
    let details = charge.payment_instrument.as_ref().unwrap().details.clone();
    assert_eq!(details["input_type"], "CARD_TOKEN");
    assert_eq!(client.get_charge(&id).await.unwrap().id, charge.id);
    assert_eq!(
        client.get_payment(&id).await.unwrap().state,
        PaymentState::Paid
    );

    // The card itself, encrypted to the sandbox's key; a 3-D Secure card.
    let key = client.public_key().await.unwrap();
    let secure = CardData::new("4000000000000002", "12", "30", "123").unwrap();
    let jwe = secure.encrypt(&key).unwrap();
    let id = client.create_payment(new()).await.unwrap().id;
    let charge = client
        .charge_card(&id, CardInput::Encrypted(jwe), common::browser_data(), None)
        .await
        .unwrap();
    match charge.next_step() {
        NextStep::RedirectPayer { action_url, .. } => assert!(action_url.contains("/3ds/")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        charge
            .action
            .as_ref()
            .and_then(|a| a.action_type.as_deref()),
        Some("EMV3DS")
    );
    sandbox.shutdown().await;
}
