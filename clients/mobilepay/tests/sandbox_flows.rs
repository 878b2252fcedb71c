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

/// The published spec's `PUT /v1/webhooks/{id}` takes `paymentPointId`: an update keeps
/// the filter when it sends it, and a subscription filtered to another point gets no
/// notification of this one's payments. `publishtestnotification` sends a signed one.
#[tokio::test]
async fn an_update_keeps_the_payment_point_filter_and_a_test_notification_is_signed() {
    let (sandbox, client) = started().await;
    let url = "http://127.0.0.1:9/hooks";
    let point = sandbox.payment_point_id();
    let created = client
        .create_webhook(
            WebhookSubscription::new(url, [WebhookEventType::PaymentReserved])
                .payment_point(&point),
        )
        .await
        .unwrap();
    let id = created.webhook_id.unwrap();
    let key = created.signature_key.unwrap();
    let updated = client
        .update_webhook(
            id,
            WebhookSubscription::new(
                url,
                [
                    WebhookEventType::PaymentReserved,
                    WebhookEventType::PaymentExpired,
                ],
            )
            .payment_point(&point),
        )
        .await
        .unwrap();
    assert_eq!(
        updated.payment_point_id.map(|p| p.to_string()),
        Some(point.clone())
    );
    let read = client.get_webhook(id).await.unwrap();
    assert_eq!(read.events.len(), 2);
    assert_eq!(
        read.payment_point_id.map(|p| p.to_string()),
        Some(point.clone())
    );

    client.publish_test_notification(id).await.unwrap();
    let sent = sandbox
        .webhooks()
        .wait_for(1, Duration::from_secs(10))
        .await;
    assert_eq!(sent.len(), 1);
    let signature = sent[0]
        .headers
        .iter()
        .find(|(n, _)| n == payspec_mobilepay::webhook::SIGNATURE_HEADER)
        .map(|(_, v)| v.as_str());
    WebhookVerifier::new(url, key)
        .unwrap()
        .verify(&sent[0].body, signature)
        .unwrap();

    // Filtered to another point: this point's reservation is not notified.
    let other = "00000000-0000-4000-8000-000000000001";
    client
        .update_webhook(
            id,
            WebhookSubscription::new(url, [WebhookEventType::PaymentReserved]).payment_point(other),
        )
        .await
        .unwrap();
    let payment = client
        .initiate_payment(NewPayment::new(100, &point, "myapp://done", "order-filter").unwrap())
        .await
        .unwrap();
    client
        .simulate_reservation(
            &payment.payment_id.to_string(),
            Sandbox::PAYMENT_SOURCE,
            Sandbox::USER,
        )
        .await
        .unwrap();
    let after = sandbox
        .webhooks()
        .wait_for(2, Duration::from_millis(300))
        .await;
    assert_eq!(
        after.len(),
        1,
        "no notification for a point the subscription filters out"
    );
}

/// Each OpenID scope the spec's operations name is in `OPENID_SCOPES`, the scopes the
/// client's docs tell a user to ask for (read from the spec, not from the client).
#[test]
fn the_openid_scopes_cover_every_operation_of_the_spec() {
    let spec = payspec_testkit::spec::load(env!("CARGO_MANIFEST_DIR"), "mobilepay");
    // The API's requirements, then each operation's.
    let operations = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values());
    let requirements = std::iter::once(&spec["security"])
        .chain(operations.map(|operation| &operation["security"]))
        .filter_map(serde_json::Value::as_array)
        .flatten();
    let scopes: std::collections::BTreeSet<&str> = requirements
        .filter_map(|requirement| requirement.get("openId")?.as_array())
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    assert_eq!(
        scopes.into_iter().collect::<Vec<_>>(),
        ["merchantpayments", "webhooks"]
    );
    for scope in ["merchantpayments", "webhooks"] {
        assert!(
            payspec_mobilepay::OPENID_SCOPES
                .split(' ')
                .any(|s| s == scope),
            "{scope}"
        );
    }
}
