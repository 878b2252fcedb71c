//! Token behaviour: one fetch for many concurrent first calls, refresh at the margin,
//! one refresh and one replay on 4061.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{TOKEN, builder, token_mock};
use httpmock::prelude::*;
use payspec_core::auth::ManualClock;
use payspec_nopan::ReasonCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_first_calls_fetch_one_token() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server);
    let status = server.mock(|when, then| {
        when.method(GET)
            .path("/payments/p/status")
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(200)
            .json_body(json!({"transactionId": "p", "status": "APPROVED"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let calls = (0..1000).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.payment_status("p").await })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(status.calls_async().await, 1000);
    assert_eq!(client.token_fetches(), 1);
}

#[tokio::test]
async fn a_token_past_its_margin_is_refreshed_exactly_once() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server); // expires_in 7200
    server.mock(|when, then| {
        when.method(GET).path("/payments/p/status");
        then.status(200)
            .json_body(json!({"transactionId": "p", "status": "APPROVED"}));
    });
    let clock = Arc::new(ManualClock::new());
    let client = builder(&server.base_url())
        .token_refresh_margin(Duration::from_secs(60))
        .clock(clock.clone())
        .build()
        .unwrap();
    client.payment_status("p").await.unwrap();
    clock.advance(Duration::from_secs(7200 - 61));
    client.payment_status("p").await.unwrap();
    assert_eq!(
        token.calls_async().await,
        1,
        "still inside the margin: no refresh"
    );
    clock.advance(Duration::from_secs(2));
    let calls = (0..50).map(|_| {
        let client = client.clone();
        async move { client.payment_status("p").await }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(
        token.calls_async().await,
        2,
        "past the margin: exactly one refresh"
    );
}

#[tokio::test]
async fn reason_4061_refreshes_once_and_replays_once() {
    let server = MockServer::start_async().await;
    let first = server.mock(|when, then| {
        when.method(POST).path("/auth/token");
        then.status(200)
            .json_body(json!({"access_token": "old", "expires_in": 7200}));
    });
    let expired = server.mock(|when, then| {
        when.method(POST).path("/payments/capture").header("authorization", "Bearer old");
        then.status(401).json_body(json!({"status": "DECLINED",
            "statusInfo": {"reasonCode": "4061", "message": "Access token expired"}, "callId": "c1"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    client.payment_status("warm-up").await.ok();
    first.delete_async().await;
    let second = server.mock(|when, then| {
        when.method(POST).path("/auth/token");
        then.status(200)
            .json_body(json!({"access_token": "new", "expires_in": 7200}));
    });
    let replay = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/capture")
            .header("authorization", "Bearer new")
            .header("idempotency-key", "test-1");
        then.status(200)
            .json_body(json!({"transactionId": "t", "status": "APPROVED", "step": "CAPTURE"}));
    });
    let payment = client.capture_payment("t", "c", 10).await.unwrap();
    assert_eq!(payment.status.as_str(), "APPROVED");
    assert_eq!(expired.calls_async().await, 1);
    assert_eq!(second.calls_async().await, 1);
    assert_eq!(replay.calls_async().await, 1);
}

#[tokio::test]
async fn repeated_4061_answers_get_a_bounded_number_of_replays() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server);
    let expired = server.mock(|when, then| {
        when.method(GET).path("/payments/p/status");
        then.status(401).json_body(json!({"status": "DECLINED",
            "statusInfo": {"reasonCode": "4061", "message": "Access token expired"}}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let error = client.payment_status("p").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::TokenExpired));
    let replays = payspec_core::hooks::MAX_REPLAYS as usize;
    assert_eq!(
        expired.calls_async().await,
        1 + replays,
        "the call and a bounded number of replays, each with a fresh token"
    );
    assert_eq!(
        token.calls_async().await,
        1 + replays,
        "the first token and one refresh per replay"
    );
}

#[tokio::test]
async fn a_rejected_token_request_surfaces_nopans_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/auth/token");
        then.status(401).json_body(json!({"status": "DECLINED",
            "statusInfo": {"reasonCode": "4970", "message": "Authentication failed"}, "callId": "tok-1"}));
    });
    let status = server.mock(|when, then| {
        when.method(GET).path("/payments/p/status");
        then.status(200).json_body(json!({}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let error = client.payment_status("p").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::AuthenticationFailed));
    assert_eq!(error.call_id(), Some("tok-1"));
    match &error {
        payspec_nopan::Error::Provider(e) => {
            assert_eq!(e.origin, payspec_nopan::ErrorOrigin::TokenEndpoint)
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
    assert_eq!(status.calls_async().await, 0, "no call without a token");
}

/// A call whose replay meets "token expired" again (the tokens expired a second time
/// while it was replaying) gets another fresh token and goes through.
#[tokio::test]
async fn a_second_expiry_during_the_replay_gets_another_fresh_token() {
    let expired = || {
        common::Reply::json(
            401,
            json!({"status": "DECLINED", "statusInfo": {"reasonCode": "4061", "message": "Access token expired"}}),
        )
    };
    let approved = common::Reply::json(200, json!({"transactionId": "p", "status": "APPROVED"}));
    let server = common::scripted(vec![expired(), expired(), approved]).await;
    let client = builder(&server.url("http")).build().unwrap();
    let payment = client.payment_status("p").await.unwrap();
    assert_eq!(payment.status.as_str(), "APPROVED");
    assert_eq!(server.seen().len(), 3, "the call and two replays");
    assert_eq!(client.token_fetches(), 3, "a fresh token for each replay");
}
