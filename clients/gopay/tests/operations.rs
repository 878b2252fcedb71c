//! Every GoPay operation against httpmock (method, path, Authorization, body) with the
//! seed's samples; the tokenize flow and its key cache; charges; errors; notifications.

mod common;

use common::*;
use httpmock::prelude::*;
use payspec_core::CallFailure;
use payspec_gopay::open_enums::{ChargeState, Currency, PaymentState, ThreeDsState};
use payspec_gopay::{CardData, ChargeExt, ErrorCode, Instrument, NextStep, types};
use serde_json::json;

/// A JWK with a 2048-bit modulus. Nothing decrypts in these tests (the mock server only
/// looks at the JWE's shape and header), so any modulus of the right size will do; the
/// real round trip is checked against joserfc in tests/jwe.rs.
fn jwk(kid: &str) -> serde_json::Value {
    json!({"kty": "RSA", "kid": kid, "use": "enc", "alg": "RSA-OAEP-256", "e": "AQAB",
        "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"})
}

#[tokio::test]
async fn the_public_key_is_fetched_once_and_cards_are_tokenized_encrypted() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let key = server.mock(|when, then| {
        when.method(GET)
            .path("/encryption/public-key")
            .header("authorization", "Bearer t1");
        then.status(200).json_body(jwk("key_20250406"));
    });
    let tokens = server.mock(|when, then| {
        when.method(POST)
            .path("/cards/tokens")
            .header("authorization", "Bearer t1")
            .header("content-type", "application/json")
            .is_true(|req| {
                let body: serde_json::Value =
                    serde_json::from_slice(req.body().as_ref()).unwrap_or_default();
                let payload = body["payload"].as_str().unwrap_or_default();
                body["permanent"] == json!(false)
                    && payload.split('.').count() == 5
                    && !payload.contains("4444444444444448")
            });
        then.status(201).json_body(
            json!({"masked_pan": "444444******4448", "expiration_month": "01",
            "expiration_year": "27", "scheme": "VISA", "service_type": "DEBIT", "corporate": false,
            "fingerprint": "f", "token": "card-on3kno3i4ni3jn", "expires_in": "900"}),
        );
    });
    let client = builder(&server.base_url()).build().unwrap();
    let card = CardData::new("4444444444444448", "01", "27", "258").unwrap();
    let first = client.tokenize_card(&card, false).await.unwrap();
    let second = client.tokenize_card(&card, false).await.unwrap();
    assert_eq!(first.token.as_deref(), Some("card-on3kno3i4ni3jn"));
    assert_eq!(second.expires_in.as_deref(), Some("900"));
    assert_eq!(key.calls_async().await, 1, "the key is cached");
    assert_eq!(tokens.calls_async().await, 2);
    assert_eq!(client.key_fetches(), 1);
}

#[tokio::test]
async fn a_rejected_kid_triggers_one_refetch() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let old_key = server.mock(|when, then| {
        when.method(GET).path("/encryption/public-key");
        then.status(200).json_body(jwk("key_old"));
    });
    let client = builder(&server.base_url()).build().unwrap();
    client.public_key().await.unwrap();
    old_key.delete_async().await;
    let new_key = server.mock(|when, then| {
        when.method(GET).path("/encryption/public-key");
        then.status(200).json_body(jwk("key_new"));
    });
    // The kid is in the JWE's protected header; GoPay refuses the old one.
    let refused = server.mock(|when, then| {
        when.method(POST)
            .path("/cards/tokens")
            .is_true(|req| header_kid(req) == "key_old");
        then.status(400).json_body(
            json!({"code": 400, "error": "BAD_REQUEST", "message": "Unknown kid key_old"}),
        );
    });
    let accepted = server.mock(|when, then| {
        when.method(POST)
            .path("/cards/tokens")
            .is_true(|req| header_kid(req) == "key_new");
        then.status(201)
            .json_body(json!({"token": "card-2", "card_id": "8123456"}));
    });
    let card = CardData::new("4444444444444448", "01", "27", "258").unwrap();
    let token = client.tokenize_card(&card, true).await.unwrap();
    assert_eq!(token.card_id.as_deref(), Some("8123456"));
    assert_eq!(
        (
            refused.calls_async().await,
            new_key.calls_async().await,
            accepted.calls_async().await
        ),
        (1, 1, 1)
    );
}

fn header_kid(req: &HttpMockRequest) -> String {
    use base64::Engine;
    let body: serde_json::Value = serde_json::from_slice(req.body().as_ref()).unwrap_or_default();
    let header = body["payload"]
        .as_str()
        .unwrap_or_default()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap_or_default();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap_or_default();
    header["kid"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn card_tokens_get_and_delete() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let get = server.mock(|when, then| {
        when.method(GET)
            .path("/cards/tokens/8123456")
            .header("authorization", "Bearer t1");
        then.status(200).json_body(
            json!({"card_id": "8123456", "masked_pan": "506821******1234",
            "card_art_url": "https://card.art/pic.png", "masked_virtual_pan": "502168******9876"}),
        );
    });
    let delete = server.mock(|when, then| {
        when.method(DELETE).path("/cards/tokens/8123456");
        then.status(204);
    });
    let client = builder(&server.base_url()).build().unwrap();
    let card = client.get_card_token("8123456").await.unwrap();
    assert_eq!(card.masked_virtual_pan.as_deref(), Some("502168******9876"));
    client.delete_card_token("8123456").await.unwrap();
    get.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn create_and_get_a_payment() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/eshops/8123456789/payments")
            .header("authorization", "Bearer t1")
            .json_body(json!({"amount": 10000, "currency": "CZK", "order_number": "2025-0001",
                "order_description": "Two coffees", "customer": {"email": "jan.novak@example.com"},
                "callback": {"notification_url": "https://shop.example/notify", "return_url": "https://shop.example/return"}}));
        then.status(201).json_body(json!({"id": "01JWVM5X3Q7Y0C2ZK7Y1W4V9D3", "order_number": "2025-0001",
            "state": "CREATED", "amount": 10000, "currency": "CZK",
            "gw_url": "https://gw.sandbox.gopay.com/gw/v3/01JW", "payment_secret": "canary-payment-secret"}));
    });
    let get = server.mock(|when, then| {
        when.method(GET).path("/payments/01JWVM5X3Q7Y0C2ZK7Y1W4V9D3");
        then.status(200).json_body(json!({"id": "01JWVM5X3Q7Y0C2ZK7Y1W4V9D3", "state": "PAID", "amount": 10000, "currency": "CZK"}));
    });
    let without_goid = builder(&server.base_url()).build().unwrap();
    let refused = without_goid
        .create_payment(payspec_gopay::NewPayment::new(10000, Currency::Czk, "2025-0001").unwrap())
        .await
        .unwrap_err();
    assert_eq!(refused.phase(), payspec_core::Phase::Validation);
    assert!(refused.to_string().contains("goid"), "{refused}");
    let client = builder(&server.base_url())
        .goid("8123456789")
        .build()
        .unwrap();
    let body = payspec_gopay::NewPayment::new(10000, Currency::Czk, "2025-0001")
        .unwrap()
        .description("Two coffees")
        .payer_email("jan.novak@example.com")
        .notification_url("https://shop.example/notify")
        .return_url("https://shop.example/return");
    let payment = client.create_payment(body).await.unwrap();
    assert_eq!(payment.state, PaymentState::Created);
    assert!(
        !format!("{payment:?}").contains("canary"),
        "payment_secret is redacted"
    );
    assert_eq!(
        payment.payment_secret.unwrap().expose(),
        "canary-payment-secret"
    );
    let paid = client
        .get_payment("01JWVM5X3Q7Y0C2ZK7Y1W4V9D3")
        .await
        .unwrap();
    assert_eq!(paid.state, PaymentState::Paid);
    create.assert_async().await;
    get.assert_async().await;
}

#[tokio::test]
async fn charges_for_the_three_instruments() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let card = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/p1/charges")
            .json_body(json!({"type": "PAYMENT_CARD",
                "payload": {"card_token": "card-on3kno3i4ni3jn", "challenge_preference": "PREFER_CHALLENGE"},
                "return_url": "https://example.com/return"}));
        then.status(201).json_body(json!({"id": "01JWVM8QB0VV98KW2C3KBV6DHA", "state": "ACTION_REQUIRED",
            "action_url": "https://pay.eewosecure.com/api/creq/brw",
            "payment_instrument": {"type": "PAYMENT_CARD", "masked_pan": "506821******1234",
                "expiration_month": "03", "expiration_year": "31", "input_method": "TOKEN",
                "3ds": {"auth_state": "CHALLENGE_REQUIRED"}}}));
    });
    let google = server.mock(|when, then| {
        when.method(POST).path("/payments/p2/charges").json_body(json!({"type": "GOOGLE_PAY",
            "payload": {"signature": "MEUC", "protocolVersion": "ECv1", "signedMessage": "{\"encryptedMessage\":\"...\"}"}}));
        then.status(201).json_body(json!({"id": "c2", "state": "PROCESSING",
            "payment_instrument": {"type": "PAYMENT_CARD", "input_method": "GOOGLE_PAY",
                "3ds": {"auth_state": "AUTHENTICATED_FRICTIONLESS"}}}));
    });
    let apple = server.mock(|when, then| {
        when.method(POST).path("/payments/p3/charges").json_body(json!({"type": "APPLE_PAY",
            "payload": {"data": "V7Oc", "signature": "MIAG", "version": "EC_v1",
                "header": {"ephemeralPublicKey": "MFkw", "publicKeyHash": "L6vp", "transactionId": "4f4f"}}}));
        then.status(201).json_body(json!({"id": "c3", "state": "SUCCEEDED"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let charge = client
        .create_charge(
            "p1",
            Instrument::Card {
                token: "card-on3kno3i4ni3jn".into(),
                challenge: Some(payspec_gopay::open_enums::ChallengePreference::PreferChallenge),
            },
            Some("https://example.com/return".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        charge.next_step(),
        NextStep::RedirectPayer {
            action_url: "https://pay.eewosecure.com/api/creq/brw".into(),
            three_ds: Some(ThreeDsState::ChallengeRequired),
        }
    );
    let gp = types::GooglePayPayload {
        signature: "MEUC".into(),
        protocol_version: "ECv1".into(),
        signed_message: "{\"encryptedMessage\":\"...\"}".into(),
    };
    let charge = client
        .create_charge("p2", Instrument::GooglePay(gp), None)
        .await
        .unwrap();
    assert_eq!(charge.next_step(), NextStep::Wait);
    assert_eq!(
        charge.three_ds_state(),
        Some(&ThreeDsState::AuthenticatedFrictionless)
    );
    let ap = types::ApplePayPayload {
        data: "V7Oc".into(),
        signature: "MIAG".into(),
        version: "EC_v1".into(),
        header: types::ApplePayHeader {
            ephemeral_public_key: "MFkw".into(),
            public_key_hash: "L6vp".into(),
            transaction_id: "4f4f".into(),
        },
    };
    let charge = client
        .create_charge("p3", Instrument::ApplePay(ap), None)
        .await
        .unwrap();
    assert_eq!(charge.state, Some(ChargeState::Succeeded));
    assert_eq!(charge.next_step(), NextStep::Done);
    for mock in [card, google, apple] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_charge_on_a_paid_payment_is_a_typed_conflict() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    server.mock(|when, then| {
        when.method(POST).path("/payments/p1/charges");
        then.status(409).json_body(
            json!({"code": 409, "error": "CONFLICT", "message": "Payment is already paid",
            "detail": "Payment p1 is in state PAID", "path": "/api/4.0/payments/p1/charges",
            "timestamp": "2025-06-04T10:15:00Z"}),
        );
    });
    let client = builder(&server.base_url()).build().unwrap();
    let error = client
        .create_charge("p1", Instrument::card("card-1"), None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&ErrorCode::Conflict));
    assert_eq!(error.status().unwrap().as_u16(), 409);
    assert_eq!(
        error.detail().as_deref(),
        Some("Payment p1 is in state PAID")
    );
    assert_eq!(
        error.path().as_deref(),
        Some("/api/4.0/payments/p1/charges")
    );
    assert!(error.to_string().contains("already paid"));
}

#[tokio::test]
async fn refunds_create_list_get() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let refund = json!({"id": "r1", "state": "REQUESTED", "amount": 2500, "currency": "CZK",
        "created_at": "2025-06-04T10:15:00Z", "updated_at": "2025-06-04T10:15:00Z"});
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/p1/refunds")
            .json_body(json!({"amount": 2500}));
        then.status(201).json_body(refund.clone());
    });
    let list = server.mock(|when, then| {
        when.method(GET).path("/payments/p1/refunds");
        then.status(200).json_body(json!([refund.clone()]));
    });
    let get = server.mock(|when, then| {
        when.method(GET).path("/refunds/r1");
        then.status(200)
            .json_body(json!({"id": "r1", "state": "SUCCESS"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    assert_eq!(
        client.create_refund("p1", 2500).await.unwrap().amount,
        Some(2500)
    );
    assert_eq!(client.list_refunds("p1").await.unwrap().len(), 1);
    assert_eq!(
        client
            .get_refund("r1")
            .await
            .unwrap()
            .state
            .unwrap()
            .as_str(),
        "SUCCESS"
    );
    assert!(
        client.create_refund("p1", 0).await.is_err(),
        "amount 0 is refused before sending"
    );
    for mock in [create, list, get] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_notification_fetches_the_payment() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let get = server.mock(|when, then| {
        when.method(GET).path("/payments/3000006529");
        then.status(200)
            .json_body(json!({"id": "3000006529", "state": "PAID"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let payment = client
        .handle_notification("https://shop.example/notify?id=3000006529")
        .await
        .unwrap();
    assert_eq!(payment.state, PaymentState::Paid);
    assert!(
        client
            .handle_notification("https://shop.example/notify")
            .await
            .is_err()
    );
    get.assert_async().await;
}

/// GoPay's amounts are `int64`: 2^63 (which a JSON reader cannot hold as one) is refused
/// before anything is sent, for a payment and for a refund; 2^63 - 1 is accepted.
#[tokio::test]
async fn an_amount_beyond_int64_is_refused_before_sending() {
    let too_big = 1u64 << 63;
    let refused = payspec_gopay::NewPayment::new(too_big, Currency::Czk, "2025-0002").unwrap_err();
    assert!(refused.to_string().contains("amount"), "{refused}");
    assert!(payspec_gopay::NewPayment::new(too_big - 1, Currency::Czk, "2025-0002").is_ok());
    // A refund is checked too: the client below points nowhere, so an attempt to send
    // would fail differently.
    let client = payspec_gopay::Client::builder()
        .base_url("http://127.0.0.1:9")
        .client_id("id")
        .client_secret("secret")
        .build()
        .unwrap();
    let error = client.create_refund("1", too_big).await.unwrap_err();
    assert_eq!(error.phase(), payspec_gopay::Phase::Validation, "{error}");
}

/// The published API 4.0 gives the 3-D Secure redirect as `action.redirect_url`, the
/// seed as `action_url`: `next_step()` finds it in either shape, never `Unknown`.
#[test]
fn next_step_reads_the_redirect_in_the_seeds_shape_and_the_published_one() {
    use payspec_gopay::{ChargeExt, NextStep, types};
    for answer in [
        serde_json::json!({"id": "C1", "state": "ACTION_REQUIRED", "action_url": "https://acs.example/1"}),
        serde_json::json!({"id": "C1", "state": "ACTION_REQUIRED",
            "action": {"type": "REDIRECT", "redirect_url": "https://acs.example/1"}}),
    ] {
        let charge: types::Charge = serde_json::from_value(answer.clone()).unwrap();
        match charge.next_step() {
            NextStep::RedirectPayer { action_url, .. } => {
                assert_eq!(action_url, "https://acs.example/1", "{answer}")
            }
            other => panic!("{answer}: {other:?}"),
        }
    }
    let neither: types::Charge =
        serde_json::from_value(serde_json::json!({"state": "ACTION_REQUIRED"})).unwrap();
    assert!(matches!(neither.next_step(), NextStep::Unknown(_)));
}
