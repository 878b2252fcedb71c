//! End-to-end flows against the VaiiPay sandbox.

use std::time::{Duration, SystemTime};

use payspec_vaiipay::{Client, Error, NewCheckout, Scope};
use payspec_vaiipay_sandbox::{APP_SECRET, CLIENT_ID, Config, Sandbox};

#[tokio::test]
async fn checkout_payment_instructions_and_a_verified_webhook() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let receiver = httpmock::MockServer::start_async().await;
    receiver.mock(|when, then| {
        when.method(httpmock::Method::POST).path("/hook");
        then.status(200);
    });
    sandbox.webhooks().set_url(Some(receiver.url("/hook")));

    let checkout = client
        .create_checkout(
            NewCheckout::new(10000, "USD", "ORDER-123")
                .unwrap()
                .reference_label("Order #123"),
        )
        .await
        .unwrap();
    let url = checkout.checkout_url;
    let verified = client
        .checkout_url_verifier()
        .unwrap()
        .verify(&url, SystemTime::now())
        .unwrap();
    let id = verified.payment_id;
    let payment = client.get_payment(&id).await.unwrap();
    assert!(
        payment.status.unwrap().is_unknown(),
        "PENDING is not published: it parses as Unknown"
    );
    let methods = client.list_checkout_payment_methods(&id).await.unwrap();
    assert_eq!(methods.len(), 2);
    let instructions = client
        .get_payment_instructions(&id, "tron", "usdt")
        .await
        .unwrap();
    assert_eq!(instructions.amount.as_deref(), Some("100.000000"));

    assert!(sandbox.complete_payment(&id));
    assert_eq!(
        client
            .get_payment(&id)
            .await
            .unwrap()
            .status
            .unwrap()
            .as_str(),
        "RECEIVED"
    );
    let mut delivered = Vec::new();
    for _ in 0..200 {
        delivered = sandbox.webhooks().deliveries();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut headers = http::HeaderMap::new();
    for (n, v) in &delivered[0].headers {
        headers.insert(
            http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let event = client
        .webhook_verifier()
        .unwrap()
        .verify_and_parse(&headers, &delivered[0].body)
        .unwrap();
    assert_eq!(event["data"]["id"], id.as_str());
    let verifier = client.webhook_verifier().unwrap();
    let received = payspec_testkit::webhooks::received_as_a_web_service_would(
        &verifier,
        &delivered[0].headers,
        &delivered[0].body,
    );
    assert_eq!(received, event);
    payspec_testkit::webhooks::through_the_axum_extractor(
        &verifier,
        &delivered[0].headers,
        &delivered[0].body,
    )
    .await;
}

#[tokio::test]
async fn scopes_and_credentials_are_enforced_by_the_sandbox_too() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    // Scopes unknown to the client: the server's 403 is the answer.
    let narrow = Client::builder()
        .base_url(sandbox.base_url())
        .client_id(CLIENT_ID)
        .client_token(Sandbox::CREATE_ONLY_TOKEN, None)
        .build()
        .unwrap();
    let checkout = narrow
        .create_checkout(NewCheckout::new(100, "USD", "r").unwrap())
        .await
        .unwrap();
    let id = checkout
        .checkout_url
        .split("/checkout/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let error = narrow.get_payment(&id).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Forbidden {
                scope: Some("payments.get"),
                ..
            }
        ),
        "{error:?}"
    );
    // Scopes known to the client: refused before sending.
    let known = Client::builder()
        .base_url(sandbox.base_url())
        .client_id(CLIENT_ID)
        .client_token(
            Sandbox::CREATE_ONLY_TOKEN,
            Some(vec![Scope::PaymentsCreate]),
        )
        .build()
        .unwrap();
    assert!(matches!(
        known.get_payment(&id).await.unwrap_err(),
        Error::MissingScope { .. }
    ));
    let wrong = Client::builder()
        .base_url(sandbox.base_url())
        .client_id(CLIENT_ID)
        .client_token("expired", None)
        .build()
        .unwrap();
    assert!(matches!(
        wrong.get_payment(&id).await.unwrap_err(),
        Error::Unauthenticated { .. }
    ));
    let app = sandbox.client_builder().build().unwrap();
    assert!(app.list_payment_applications().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_tampered_checkout_url_is_rejected() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let url = client
        .create_checkout(NewCheckout::new(100, "USD", "r").unwrap())
        .await
        .unwrap()
        .checkout_url;
    let verifier = payspec_vaiipay::signature::CheckoutUrlVerifier::new(APP_SECRET).unwrap();
    let tampered = url.replace("expires=", "expires=9");
    assert!(verifier.verify(&tampered, SystemTime::now()).is_err());
    let later = SystemTime::now() + Duration::from_secs(7200);
    assert!(
        verifier.verify(&url, later).is_err(),
        "expired after an hour"
    );
}

#[tokio::test]
async fn an_application_is_created_and_read_back_by_its_string_id() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let created = client
        .create_payment_application(
            payspec_vaiipay::NewApplication::new("Tea room", "whsec-tea")
                .unwrap()
                .callback_url("https://tea.example/hook")
                .unwrap(),
        )
        .await
        .unwrap();
    let id = created.id.clone().expect("an id");
    assert!(!id.is_numeric(), "ids are strings, as published: {id:?}");
    let read = client.get_payment_application(id.as_str()).await.unwrap();
    assert_eq!(read.name.as_deref(), Some("Tea room"));
    assert_eq!(read.id, created.id);
    let missing = client.get_payment_application("nope").await.unwrap_err();
    assert_eq!(
        payspec_vaiipay::CallFailure::status(&missing).map(|s| s.as_u16()),
        Some(404)
    );
}
