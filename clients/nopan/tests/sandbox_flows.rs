//! End-to-end flows against the Nopan sandbox: the happy path with webhooks, illegal
//! transitions, expired tokens, validation, an idempotent retry through a dropped
//! connection, mocks, and mutual TLS enforcement.

use payspec_core::CallFailure;
use std::num::NonZeroU64;
use std::time::Duration;

use payspec_nopan::mock::{Mock, Step};
use payspec_nopan::open_enums::{PaymentStatus, ProviderId, TransactionType};
use payspec_nopan::webhook::{NotificationKind, WebhookVerifier, kind};
use payspec_nopan::{Client, ReasonCode, types};
use payspec_nopan_sandbox::{Config, Sandbox, WEBHOOK_HEADER};

fn blik(order: &str, amount: u64) -> types::builder::InitiatePaymentRequest {
    types::InitiatePaymentRequest::builder()
        .processing_account_id(payspec_nopan_sandbox::PROCESSING_ACCOUNT_ID)
        .client_transaction_id(order)
        .transaction_type(TransactionType::OneTime)
        .payment_details(
            types::PaymentDetailsRequest::builder()
                .amount(types::RequestAmount(NonZeroU64::new(amount).unwrap()))
                .currency("PLN"),
        )
        .provider_details(types::ProviderDetailsRequest::builder().provider_id(ProviderId::Blik))
        .payer_details(
            types::PayerDetailsRequest::builder().one_time_code(Some("123456".parse().unwrap())),
        )
}

async fn started() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    (sandbox, client)
}

async fn webhooks_arrive(sandbox: &Sandbox, count: usize) -> Vec<payspec_nopan_sandbox::Delivery> {
    for _ in 0..200 {
        let sent = sandbox.webhooks().deliveries();
        if sent.len() >= count {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sandbox.webhooks().deliveries()
}

#[tokio::test]
async fn blik_initiate_finalize_partial_capture_refund_with_signed_webhooks() {
    let (sandbox, client) = started().await;
    let receiver = httpmock::MockServer::start_async().await;
    let hook = receiver.mock(|when, then| {
        when.method(httpmock::Method::POST).path("/nopan/webhooks");
        then.status(202);
    });
    sandbox
        .webhooks()
        .set_url(Some(receiver.url("/nopan/webhooks")));

    let payment = client.initiate_payment(blik("order-1", 100)).await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Pending);
    let id = payment.transaction_id;
    assert_eq!(
        client.finalize_payment(&id).await.unwrap().status,
        PaymentStatus::Approved
    );
    let captured = client.capture_payment(&id, "order-1", 60).await.unwrap();
    assert_eq!(captured.payment_details.unwrap().captured_amount, Some(60));
    let refunded = client.refund_payment(&id, "order-1", 20).await.unwrap();
    assert_eq!(refunded.payment_details.unwrap().refunded_amount, Some(20));
    let status = client.payment_status(&id).await.unwrap();
    assert_eq!(status.step.unwrap().as_str(), "REFUND");

    let sent = webhooks_arrive(&sandbox, 4).await;
    assert_eq!(sent.len(), 4);
    let verifier =
        WebhookVerifier::new(WEBHOOK_HEADER, sandbox.webhook_secret().to_string()).unwrap();
    for delivery in &sent {
        let received = payspec_testkit::webhooks::received_as_a_web_service_would(
            &verifier,
            &delivery.headers,
            &delivery.body,
        );
        assert!(received.notification_id.is_some());
    }
    payspec_testkit::webhooks::through_the_axum_extractor(
        &verifier,
        &sent[0].headers,
        &sent[0].body,
    )
    .await;
    let kinds: Vec<NotificationKind> = sent
        .iter()
        .map(|d| {
            let mut headers = http::HeaderMap::new();
            for (n, v) in &d.headers {
                headers.insert(
                    http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            assert_eq!(d.status, Some(202));
            kind(
                &verifier
                    .verify_and_parse(&headers, &d.body)
                    .unwrap()
                    .notification_type
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            NotificationKind::Initiated,
            NotificationKind::Finalized,
            NotificationKind::Captured,
            NotificationKind::Refunded
        ]
    );
    assert_eq!(hook.calls_async().await, 4);
}

#[tokio::test]
async fn illegal_transitions_answer_5002_and_wrong_amounts_4000() {
    let (_sandbox, client) = started().await;
    let id = client
        .initiate_payment(blik("order-2", 100))
        .await
        .unwrap()
        .transaction_id;
    client.finalize_payment(&id).await.unwrap();
    let above = client
        .capture_payment(&id, "order-2", 101)
        .await
        .unwrap_err();
    // More than was authorised is a wrong amount (a validation error), not a state.
    assert_eq!(above.code(), Some(&ReasonCode::ValidationFailed));
    assert_eq!(above.status().unwrap().as_u16(), 400);
    assert!(above.to_string().contains("left to capture"), "{above}");
    // captures[] records what was captured, for GET /events.
    client.capture_payment(&id, "order-2", 60).await.unwrap();
    let events = client.payment_events(&id).await.unwrap();
    let captures = events
        .payment_details
        .map(|d| d.captures)
        .unwrap_or_default();
    assert_eq!(captures.len(), 1, "{captures:?}");
    assert_eq!(
        captures[0].payment_details.as_ref().and_then(|d| d.amount),
        Some(60)
    );
    let over_refund = client.refund_payment(&id, "order-2", 61).await.unwrap_err();
    assert_eq!(over_refund.code(), Some(&ReasonCode::ValidationFailed));
    client.refund_payment(&id, "order-2", 60).await.unwrap();
    let id = client
        .initiate_payment(blik("order-2b", 100))
        .await
        .unwrap()
        .transaction_id;
    client.finalize_payment(&id).await.unwrap();
    client.cancel_payment(&id, "order-2b").await.unwrap();
    let after_cancel = client
        .capture_payment(&id, "order-2b", 10)
        .await
        .unwrap_err();
    assert_eq!(after_cancel.code(), Some(&ReasonCode::TransitionNotAllowed));
    let refund_uncaptured = client.refund_payment(&id, "order-2b", 1).await.unwrap_err();
    assert_eq!(
        refund_uncaptured.code(),
        Some(&ReasonCode::TransitionNotAllowed)
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_call_replayed() {
    let (sandbox, client) = started().await;
    let id = client
        .initiate_payment(blik("order-3", 100))
        .await
        .unwrap()
        .transaction_id;
    sandbox.expire_tokens();
    client.payment_status(&id).await.unwrap();
    assert_eq!(client.token_fetches(), 2, "4061 -> exactly one refresh");
}

#[tokio::test]
async fn a_value_only_the_server_knows_is_wrong_gets_4000() {
    let (_sandbox, client) = started().await;
    // The client checks every constraint it can; an explicit Unknown enum value is the
    // caller's deliberate choice, so the sandbox's own validation answers.
    let error = client
        .initiate_payment(
            blik("order-4", 100).transaction_type(TransactionType::Unknown("ONCE".into())),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::ValidationFailed));
    assert_eq!(error.status().unwrap().as_u16(), 400);
}

#[tokio::test]
async fn a_dropped_connection_after_the_state_change_creates_exactly_one_payment() {
    let (sandbox, client) = started().await;
    sandbox.faults().drop_after_state_change(1);
    let payment = client.initiate_payment(blik("order-5", 100)).await.unwrap();
    assert_eq!(
        sandbox.state().payments.len(),
        1,
        "the retry with the same Idempotency-Key replayed the first result"
    );
    assert_eq!(
        client
            .payment_status(&payment.transaction_id)
            .await
            .unwrap()
            .status,
        PaymentStatus::Pending
    );
}

#[tokio::test]
async fn injected_503s_are_retried() {
    let (sandbox, client) = started().await;
    let id = client
        .initiate_payment(blik("order-6", 100))
        .await
        .unwrap()
        .transaction_id;
    sandbox.faults().fail_next(2, 503, None);
    client.payment_status(&id).await.unwrap();
}

#[tokio::test]
async fn mocks_answer_in_place_of_the_flow() {
    let (_sandbox, client) = started().await;
    let step: types::MockedPayment = serde_json::from_value(serde_json::json!({
        "clientTransactionId": "order-7", "status": "ACCEPTED",
        "statusInfo": {"reasonCode": "-1", "message": "Awaiting user consent"}
    }))
    .unwrap();
    client
        .set_mock(
            Mock::client_transaction_id("order-7")
                .step(Step::Initiate, step)
                .one_time(),
        )
        .await
        .unwrap();
    let mocked = client.initiate_payment(blik("order-7", 100)).await.unwrap();
    assert_eq!(mocked.status, PaymentStatus::Accepted);
    assert_eq!(
        mocked.status_info.unwrap().message.as_deref(),
        Some("Awaiting user consent")
    );
    let real = client.initiate_payment(blik("order-7", 100)).await.unwrap();
    assert_eq!(real.status, PaymentStatus::Pending, "one-time mock used up");
}

#[tokio::test]
async fn a_connection_without_a_client_certificate_is_refused() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let http = payspec_core::HttpConfig {
        roots: payspec_core::RootTrust::Only(
            payspec_core::http::certificates_from_pem(sandbox.pki().ca_pem.as_bytes()).unwrap(),
        ),
        ..payspec_core::HttpConfig::default()
    }
    .build()
    .unwrap();
    let result = http
        .post(format!("{}/auth/token", sandbox.base_url()))
        .send()
        .await;
    assert!(
        result.is_err(),
        "the TLS handshake fails without a client certificate"
    );
}
