//! End-to-end flows against the MobilePay sandbox.

use payspec_core::CallFailure;
use std::time::Duration;

use futures::StreamExt;
use payspec_mobilepay::open_enums::{PaymentState, WebhookEventType};
use payspec_mobilepay::webhook::WebhookVerifier;
use payspec_mobilepay::{
    ErrorCode, ErrorKind, NewPayment, NewRefund, PaymentFilter, PaymentStateExt,
    WebhookSubscription,
};
use payspec_mobilepay_sandbox::{Config, Sandbox};

async fn started() -> (Sandbox, payspec_mobilepay::Client) {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    (sandbox, client)
}

#[tokio::test]
async fn initiate_reserve_capture_refund_and_paginate_with_a_signed_webhook() {
    let (sandbox, client) = started().await;
    let receiver = httpmock::MockServer::start_async().await;
    let hook_url = receiver.url("/mobilepay/hooks");
    receiver.mock(|when, then| {
        when.method(httpmock::Method::POST).path("/mobilepay/hooks");
        then.status(200);
    });
    let subscription = client
        .create_webhook(WebhookSubscription::new(
            hook_url.clone(),
            [WebhookEventType::PaymentReserved],
        ))
        .await
        .unwrap();
    let key = subscription.signature_key.unwrap();

    let point = sandbox.payment_point_id();
    let initiated = client
        .initiate_payment(NewPayment::new(1250, point.as_str(), "myapp://done", "order-1").unwrap())
        .await
        .unwrap();
    let id = initiated.payment_id.to_string();
    client
        .simulate_reservation(&id, Sandbox::PAYMENT_SOURCE, Sandbox::USER)
        .await
        .unwrap();
    let payment = client.get_payment(&id).await.unwrap();
    assert!(payment.state.as_ref().unwrap().can_capture());
    client.capture_payment(&id, 1250).await.unwrap();
    client.capture_payment(&id, 1250).await.unwrap(); // capture is idempotent
    let refund = client
        .issue_refund(NewRefund::new(id.as_str(), 250, "refund-1").unwrap())
        .await
        .unwrap();
    assert_eq!(refund.remaining_amount, Some(1000));
    assert!(
        client
            .get_payment(&id)
            .await
            .unwrap()
            .state
            .unwrap()
            .is_final()
    );

    for n in 2..=5 {
        client
            .initiate_payment(
                NewPayment::new(100, point.as_str(), "myapp://done", format!("order-{n}")).unwrap(),
            )
            .await
            .unwrap();
    }
    let all: Vec<_> = client
        .payments(PaymentFilter::new().page_size(payspec_mobilepay::PageSize::new(2).unwrap()))
        .collect()
        .await;
    assert_eq!(all.len(), 5, "three pages of 2, 2 and 1");
    assert!(all.iter().all(Result::is_ok));

    let mut delivered = Vec::new();
    for _ in 0..200 {
        delivered = sandbox.webhooks().deliveries();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(delivered.len(), 1);
    let verifier = WebhookVerifier::new(hook_url, key).unwrap();
    let signature = delivered[0]
        .headers
        .iter()
        .find(|(n, _)| n == "x-mobilepay-signature")
        .unwrap()
        .1
        .clone();
    verifier
        .verify(&delivered[0].body, Some(&signature))
        .unwrap();
    // As a web service receives it: verified from the request, a tampered body refused,
    // a repeat dropped (the same checks for every provider that signs).
    let notification = payspec_testkit::webhooks::received_as_a_web_service_would(
        &verifier,
        &delivered[0].headers,
        &delivered[0].body,
    );
    assert!(notification.notification_id.is_some());
    payspec_testkit::webhooks::through_the_axum_extractor(
        &verifier,
        &delivered[0].headers,
        &delivered[0].body,
    )
    .await;
}

#[tokio::test]
async fn refund_of_a_payment_that_is_not_captured_is_invalid_payment_state() {
    let (sandbox, client) = started().await;
    let initiated = client
        .initiate_payment(
            NewPayment::new(500, sandbox.payment_point_id(), "myapp://done", "order-2").unwrap(),
        )
        .await
        .unwrap();
    let error = client
        .issue_refund(NewRefund::new(initiated.payment_id.to_string(), 100, "r").unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&ErrorCode::InvalidPaymentState));
    assert_eq!(error.status().unwrap().as_u16(), 409);
    let error = client
        .capture_payment(&initiated.payment_id.to_string(), 500)
        .await
        .unwrap_err();
    assert_eq!(
        error.code(),
        Some(&ErrorCode::InvalidPaymentState),
        "not reserved yet"
    );
}

#[tokio::test]
async fn the_same_idempotency_key_with_another_payload_is_refused() {
    let (sandbox, client) = started().await;
    let key = uuid::Uuid::new_v4();
    let point = sandbox.payment_point_id();
    let first = client
        .initiate_payment(
            NewPayment::new(100, point.as_str(), "myapp://done", "order-3")
                .unwrap()
                .idempotency_key(key),
        )
        .await
        .unwrap();
    let again = client
        .initiate_payment(
            NewPayment::new(100, point.as_str(), "myapp://done", "order-3")
                .unwrap()
                .idempotency_key(key),
        )
        .await
        .unwrap();
    assert_eq!(
        first.payment_id, again.payment_id,
        "same key, same payload: same payment"
    );
    let other = client
        .initiate_payment(
            NewPayment::new(999, point.as_str(), "myapp://done", "order-3")
                .unwrap()
                .idempotency_key(key),
        )
        .await
        .unwrap_err();
    assert_eq!(other.code(), Some(&ErrorCode::IdempotencyKeyReused));
    assert_eq!(sandbox.state().payments.len(), 1);
}

#[tokio::test]
async fn a_dropped_initiate_answer_is_retried_into_exactly_one_payment() {
    let (sandbox, client) = started().await;
    sandbox.faults().drop_after_state_change(1);
    let initiated = client
        .initiate_payment(
            NewPayment::new(100, sandbox.payment_point_id(), "myapp://done", "order-4").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(sandbox.state().payments.len(), 1);
    assert_eq!(
        client
            .get_payment(&initiated.payment_id.to_string())
            .await
            .unwrap()
            .state,
        Some(PaymentState::Initiated)
    );
}

#[tokio::test]
async fn recovery_cancels_by_key_when_the_outcome_stays_unknown() {
    let (sandbox, client) = started().await;
    // Every initiate answer is lost (6 = 3 attempts x 2 tries); the payment exists.
    sandbox.faults().only_for_paths(Some("/v1/payments".into()));
    sandbox.faults().drop_after_state_change(1);
    sandbox.faults().fail_next(5, 503, None);
    let error = client
        .initiate_payment_with_recovery(
            NewPayment::new(100, sandbox.payment_point_id(), "myapp://done", "order-5").unwrap(),
        )
        .await
        .unwrap_err();
    match error.kind() {
        ErrorKind::InitiateAbandoned { cancelled, .. } => assert!(cancelled),
        other => panic!("{other:?}"),
    }
    assert_eq!(sandbox.state().payments.len(), 1);
}
