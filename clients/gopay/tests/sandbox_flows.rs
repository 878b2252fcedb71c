//! End-to-end flows against the GoPay sandbox.

use payspec_core::CallFailure;
use std::time::Duration;

use payspec_gopay::open_enums::{Currency, PaymentState};
use payspec_gopay::{CardData, ChargeExt, ErrorCode, Instrument, NewPayment, NextStep, types};
use payspec_gopay_sandbox::{Config, Sandbox};

fn payment(order: &str, notify: Option<String>) -> NewPayment {
    let payment = NewPayment::new(10000, Currency::Czk, order)
        .unwrap()
        .return_url("https://shop.example/return");
    match notify {
        Some(url) => payment.notification_url(url),
        None => payment,
    }
}

#[tokio::test]
async fn token_key_encrypted_card_payment_charge_refund() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let receiver = httpmock::MockServer::start_async().await;
    let notified = receiver.mock(|when, then| {
        when.method(httpmock::Method::GET)
            .path("/gopay/notify")
            .query_param_exists("id");
        then.status(200);
    });
    let card = CardData::new("4444 4444 4444 4448", "01", "27", "258").unwrap();
    let token = client.tokenize_card(&card, false).await.unwrap();
    assert_eq!(
        token.masked_pan.as_deref(),
        Some("444444******4448"),
        "the sandbox decrypted the JWE"
    );
    let created = client
        .create_payment(payment("o-1", Some(receiver.url("/gopay/notify"))))
        .await
        .unwrap();
    let id = created.id;
    let charge = client
        .create_charge(
            &id,
            Instrument::card(token.token.unwrap()),
            Some("https://shop.example/return".into()),
        )
        .await
        .unwrap();
    assert_eq!(charge.next_step(), NextStep::Done);
    assert_eq!(
        client.get_payment(&id).await.unwrap().state,
        PaymentState::Paid
    );
    let refund = client.create_refund(&id, 2500).await.unwrap();
    assert_eq!(refund.state.unwrap().as_str(), "SUCCESS");
    assert_eq!(
        client.get_payment(&id).await.unwrap().state,
        PaymentState::PartiallyRefunded
    );
    // More than is left, by an amount whose sum with what was refunded overflows an
    // i64 (schemathesis found it closing the connection): refused, nothing changed.
    let error = client.create_refund(&id, i64::MAX - 1).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(409), "{error}");
    assert_eq!(client.list_refunds(&id).await.unwrap().len(), 1);
    for _ in 0..200 {
        if notified.calls_async().await >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        notified.calls_async().await,
        2,
        "charge and refund notified with ?id="
    );
    let query = &sandbox.webhooks().deliveries()[0].url;
    let paid = client.handle_notification(query).await.unwrap();
    assert_eq!(paid.id, id);
}

#[tokio::test]
async fn a_3ds_card_must_send_the_payer_to_the_action_url() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let card = CardData::new("4000000000000002", "12", "30", "123").unwrap();
    let token = client.tokenize_card(&card, true).await.unwrap();
    assert!(token.card_id.is_some(), "permanent token");
    let id = client
        .create_payment(payment("o-2", None))
        .await
        .unwrap()
        .id;
    let charge = client
        .create_charge(&id, Instrument::card(token.token.unwrap()), None)
        .await
        .unwrap();
    match charge.next_step() {
        NextStep::RedirectPayer {
            action_url,
            three_ds,
        } => {
            assert!(action_url.contains("/3ds/"));
            assert_eq!(three_ds.unwrap().as_str(), "CHALLENGE_REQUIRED");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_charge_on_a_paid_payment_is_a_409() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let id = client
        .create_payment(payment("o-3", None))
        .await
        .unwrap()
        .id;
    let google = types::GooglePayPayload {
        signature: "s".into(),
        protocol_version: "ECv1".into(),
        signed_message: "{}".into(),
    };
    client
        .create_charge(&id, Instrument::GooglePay(google.clone()), None)
        .await
        .unwrap();
    let error = client
        .create_charge(&id, Instrument::GooglePay(google), None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&ErrorCode::Conflict));
    assert_eq!(error.status().unwrap().as_u16(), 409);
    let refund_too_much = client.create_refund(&id, 10001).await.unwrap_err();
    assert_eq!(refund_too_much.code(), Some(&ErrorCode::Conflict));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_with_the_refresh_grant() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let id = client
        .create_payment(payment("o-4", None))
        .await
        .unwrap()
        .id;
    sandbox.expire_tokens();
    client.get_payment(&id).await.unwrap();
    assert_eq!(client.token_fetches(), 2);
    assert!(
        client.has_refresh_token(),
        "the rotated refresh token is kept"
    );
}

#[tokio::test]
async fn a_card_the_sandbox_cannot_decrypt_or_validate_is_refused() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    // Encrypted for a key of the right shape but not the sandbox's.
    let mut foreign = (*client.public_key().await.unwrap()).clone();
    foreign.n = base64_of_bytes(&[0xC3; 256]);
    let jwe = CardData::new("4444444444444448", "01", "27", "258")
        .unwrap()
        .encrypt(&foreign)
        .unwrap();
    let error = client.create_card_token(&jwe, false).await.unwrap_err();
    assert_eq!(error.code(), Some(&ErrorCode::BadRequest));
}

fn base64_of_bytes(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The sandbox reads a payment creation as the spec's type does, and holds the amount to
/// the spec's int64 (at least 1, at most i64::MAX), which the generated non-zero u64
/// alone would not: sent raw, as another client could send it.
#[tokio::test]
async fn the_sandbox_holds_a_payment_creation_to_the_spec() {
    let sandbox = Sandbox::start(Config::default().seed(40)).await.unwrap();
    let (http, token) = raw_access(&sandbox).await;
    let url = format!(
        "{}/eshops/{}/payments",
        sandbox.base_url(),
        payspec_gopay_sandbox::GOID
    );
    let mut statuses = Vec::new();
    for amount in [
        "1",
        "9223372036854775807",
        "9223372036854775808",
        "0",
        "-5",
        "1.5",
        "\"100\"",
    ] {
        let body =
            format!(r#"{{"amount": {amount}, "currency": "CZK", "order_number": "o-{amount}"}}"#);
        let answer = http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        statuses.push(answer.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 400, 400, 400, 400, 400]);
}

/// A plain HTTP client and a token for every operation: requests sent raw, as another
/// client could send them.
async fn raw_access(sandbox: &Sandbox) -> (reqwest::Client, String) {
    let http = payspec_core::HttpConfig::default().build().unwrap();
    let token: serde_json::Value = http
        .post(format!("{}/oauth2/token", sandbox.base_url()))
        .basic_auth(
            payspec_gopay_sandbox::CLIENT_ID,
            Some(payspec_gopay_sandbox::CLIENT_SECRET),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "payment:write"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    (http, token)
}

/// A recurrence's payment override, a link and the published charge are held to the
/// spec as a payment creation is: a currency GoPay does not list, an empty order number
/// (the spec's minLength 1) or a field of the wrong type is a 400 that changes nothing.
/// Plain deserialising let an override's unlisted currency through into a payment.
#[tokio::test]
async fn the_sandbox_holds_overrides_links_and_charges_to_the_spec() {
    let sandbox = Sandbox::start(Config::default().seed(41)).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let recurrence = client
        .create_recurrence(
            payspec_gopay::open_enums::RecurrenceType::OnDemand,
            None,
            NewPayment::new(9900, Currency::Czk, "sub-raw").unwrap(),
        )
        .await
        .unwrap();
    let id = recurrence.id.unwrap();
    let payment = client.create_payment(payment("o-raw", None)).await.unwrap();
    let (http, token) = raw_access(&sandbox).await;
    let post = |path: String, body: &'static str| {
        let request = http
            .post(format!("{}{path}", sandbox.base_url()))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let goid = payspec_gopay_sandbox::GOID;
    let mut statuses = Vec::new();
    for body in [
        r#"{"currency": "XYZ"}"#,
        r#"{"order_number": ""}"#,
        r#"{"amount": "100"}"#,
    ] {
        statuses.push(post(format!("/recurrences/{id}/start"), body).await);
    }
    for body in [
        r#"{"payment": {"amount": 100, "currency": "XYZ", "order_number": "l-1"}}"#,
        r#"{"payment": {"amount": 100, "currency": "CZK", "order_number": ""}}"#,
        r#"{"payment": {"amount": 100, "currency": "CZK", "order_number": "l-1"}, "reusable": "yes"}"#,
    ] {
        statuses.push(post(format!("/eshops/{goid}/links"), body).await);
    }
    for body in [r#"{"payment_instrument": {"card_token": 7}}"#, r#"{}"#] {
        statuses.push(post(format!("/payments/{}/charge", payment.id), body).await);
    }
    assert_eq!(statuses, [400; 8]);
    // Nothing was changed: the recurrence is still NEW and starts with a valid override.
    assert_eq!(
        client.get_recurrence(&id).await.unwrap().state,
        Some(payspec_gopay::open_enums::RecurrenceState::New)
    );
    let start = post(format!("/recurrences/{id}/start"), r#"{"currency": "EUR"}"#).await;
    assert_eq!(start, 201);
    sandbox.shutdown().await;
}
