//! End-to-end flows against the EastPay sandbox.

use payspec_core::CallFailure;
use std::time::Duration;

use payspec_eastpay::notification::NotificationDecryptor;
use payspec_eastpay::{Card, Error, Money, NewCheckout, NewPayment, ResultClass};
use payspec_eastpay_sandbox::{Config, Sandbox};

fn card(number: &str) -> Card {
    Card::new(number, "05", "2034", "123").holder("Jane Jones")
}

#[tokio::test]
async fn checkout_payment_capture_refund_and_a_decline() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let checkout = client
        .create_checkout(NewCheckout::debit(Money::new(9200, "EUR").unwrap()))
        .await
        .unwrap();
    assert_eq!(
        checkout.class(),
        ResultClass::Pending,
        "000.200.100: checkout created"
    );
    let paid = client
        .get_checkout_payment(checkout.id().unwrap())
        .await
        .unwrap();
    assert!(paid.is_success());

    let auth = client
        .create_payment(
            NewPayment::preauthorization(Money::new(9200, "EUR").unwrap())
                .card("VISA", card("4200000000000000")),
        )
        .await
        .unwrap();
    assert_eq!(auth.code().unwrap().to_string(), "000.100.110");
    let id = auth.id().unwrap().to_string();
    assert!(
        client
            .capture(&id, &Money::new(9200, "EUR").unwrap())
            .await
            .unwrap()
            .is_success()
    );
    assert!(
        client
            .refund(&id, &Money::new(2000, "EUR").unwrap())
            .await
            .unwrap()
            .is_success()
    );
    // "refund volume exceeded" is a reference-validation code: a wrong request, not a decline.
    let too_much = client
        .refund(&id, &Money::new(9000, "EUR").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            too_much,
            Error::Validation {
                class: ResultClass::ReferenceValidation,
                ..
            }
        ),
        "{too_much:?}"
    );

    let declined = client
        .create_payment(
            NewPayment::debit(Money::new(100, "EUR").unwrap())
                .card("VISA", card("4000000000000002")),
        )
        .await
        .unwrap();
    assert!(declined.is_declined());
    assert_eq!(declined.class(), ResultClass::RejectedBank);
    assert_eq!(
        client
            .query_transaction(declined.id().unwrap())
            .await
            .unwrap()
            .class(),
        ResultClass::RejectedBank
    );
}

#[tokio::test]
async fn a_3ds_card_is_pending_with_a_redirect() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let pending = client
        .create_payment(
            NewPayment::debit(Money::new(1000, "JPY").unwrap())
                .card("VISA", card("4000000000000010"))
                .shopper_result_url("https://shop.example/back"),
        )
        .await
        .unwrap();
    assert!(pending.is_pending());
    let redirect = pending.redirect().unwrap();
    assert!(redirect.html_form().contains("https://shop.example/back"));
}

#[tokio::test]
async fn validation_and_auth_errors_are_distinct_from_declines() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let invalid = client
        .create_payment(
            NewPayment::debit(Money::new(100, "EUR").unwrap())
                .card("VISA", card("4200000000000001")),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            invalid,
            Error::Validation {
                class: ResultClass::AccountValidation,
                ..
            }
        ),
        "{invalid:?}"
    );
    let wrong = payspec_eastpay::Client::builder()
        .base_url(sandbox.base_url())
        .access_token("not-the-token")
        .entity_id(payspec_eastpay_sandbox::ENTITY_ID)
        .build()
        .unwrap();
    assert!(matches!(
        wrong.get_payment("x").await.unwrap_err(),
        Error::Auth { status: 403, .. }
    ));
}

#[tokio::test]
async fn encrypted_notifications_decrypt_with_the_back_office_key() {
    let key = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
    let sandbox = Sandbox::start(Config::default().webhook_secret(key))
        .await
        .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let receiver = httpmock::MockServer::start_async().await;
    receiver.mock(|when, then| {
        when.method(httpmock::Method::POST).path("/eastpay/notify");
        then.status(200);
    });
    client
        .create_payment(
            NewPayment::debit(Money::new(9200, "EUR").unwrap())
                .card("VISA", card("4200000000000000"))
                .notification_url(receiver.url("/eastpay/notify")),
        )
        .await
        .unwrap();
    let mut sent = Vec::new();
    for _ in 0..200 {
        sent = sandbox.webhooks().deliveries();
        if !sent.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivery = &sent[0];
    let mut headers = http::HeaderMap::new();
    for (n, v) in &delivery.headers {
        headers.insert(
            http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let notification = NotificationDecryptor::new(key)
        .unwrap()
        .decrypt_request(&headers, &delivery.body)
        .unwrap();
    assert_eq!(
        notification.payload.unwrap().amount.as_deref(),
        Some("92.00")
    );
}

#[tokio::test]
async fn a_dropped_answer_of_a_get_is_retried() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let payment = client
        .create_payment(
            NewPayment::debit(Money::new(100, "EUR").unwrap())
                .card("VISA", card("4200000000000000")),
        )
        .await
        .unwrap();
    sandbox.faults().fail_next(1, 503, Some(0));
    assert!(
        client
            .get_payment(payment.id().unwrap())
            .await
            .unwrap()
            .is_success()
    );
    // A POST carries no idempotency key at OPP: a lost answer is not retried, so the
    // caller sees "outcome unknown" with its reference, and finds the payment by it.
    sandbox.faults().drop_after_state_change(1);
    let lost = client
        .create_payment(
            NewPayment::debit(Money::new(100, "EUR").unwrap())
                .card("VISA", card("4200000000000000"))
                .merchant_transaction_id("order-lost-1"),
        )
        .await
        .unwrap_err();
    assert!(lost.outcome_unknown(), "{lost:?}");
    assert_eq!(lost.merchant_reference(), Some("order-lost-1"));
    assert!(matches!(lost, Error::OutcomeUnknown { .. }), "{lost:?}");
    let found = client.find_transactions("order-lost-1").await.unwrap();
    assert_eq!(
        found.len(),
        1,
        "the lost payment exists and is found by reference"
    );
    assert!(found[0].is_success());
    assert!(
        client
            .find_transactions("order-never-sent")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        sandbox.state().payments.len(),
        2,
        "no duplicate created by a blind retry"
    );
}

/// OPP returns the stored card's token as `registrationId` when a payment asks for
/// `createRegistration`; it used to be dropped on the floor.
#[tokio::test]
async fn a_payment_that_stores_the_card_answers_its_registration_id() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let card = || payspec_eastpay::Card::new("4200000000000000", "12", "2030", "123");
    let stored = client
        .create_payment(
            payspec_eastpay::NewPayment::debit(payspec_eastpay::Money::new(500, "EUR").unwrap())
                .card("VISA", card())
                .create_registration(true),
        )
        .await
        .unwrap();
    let token = stored.registration_id().expect("a registration id");
    assert_eq!(token.len(), 32, "{token}");
    let plain = client
        .create_payment(
            payspec_eastpay::NewPayment::debit(payspec_eastpay::Money::new(500, "EUR").unwrap())
                .card("VISA", card()),
        )
        .await
        .unwrap();
    assert_eq!(plain.registration_id(), None);
}
