//! Tokens as real token endpoints hand them out: short lifetimes, a flaky endpoint, and
//! tokens that expire again and again while calls are in flight.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use httpmock::prelude::*;
use payspec_core::auth::ManualClock;
use payspec_gopay::open_enums::Currency;
use payspec_gopay_sandbox::{Config, Sandbox};
use payspec_testkit::server::{Reply, Scripted};
use serde_json::json;

/// GoPay hands out 45-second tokens in some set-ups; the default refresh margin is 60 s.
/// A token that short is still reused, up to half its lifetime.
#[tokio::test]
async fn a_45_second_token_is_reused() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .json_body(json!({"access_token": "short", "token_type": "bearer",
            "refresh_token": "r", "expires_in": 45}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/payments/p1");
        then.status(200)
            .json_body(json!({"id": "p1", "state": "PAID"}));
    });
    let clock = Arc::new(ManualClock::new());
    let client = builder(&server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    for _ in 0..1_000 {
        client.get_payment("p1").await.unwrap();
        clock.advance(Duration::from_millis(45));
    }
    // 45 s of calls with a token replaced every 22.5 s: three tokens at most.
    let fetched = token.calls_async().await;
    assert!(
        (1..=3).contains(&fetched),
        "{fetched} token requests for 1,000 calls"
    );
}

/// A 503 and a dropped connection at the token endpoint are retried with the policy;
/// the call goes through.
#[tokio::test]
async fn a_flaky_token_endpoint_is_retried() {
    let unavailable = Reply::json(503, json!({"error": "INTERNAL_SERVER_ERROR"}));
    let limited = Reply::json(429, json!({"error": "TOO_MANY"})).with_header("retry-after", "0");
    let issued = Reply::json(
        200,
        json!({"access_token": "t", "token_type": "bearer", "expires_in": 900}),
    );
    let payment = Reply::json(200, json!({"id": "p1", "state": "PAID"}));
    let server = Scripted::start(vec![], vec![unavailable, limited, issued, payment]).await;
    let client = builder(&server.url("http")).build().unwrap();
    client.get_payment("p1").await.unwrap();
    let paths: Vec<String> = server.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/oauth2/token",
            "/oauth2/token",
            "/oauth2/token",
            "/payments/p1"
        ]
    );
}

/// Tokens expire three times while 1,000 calls run on eight tasks: every call succeeds
/// (a call that meets "expired" after its replay gets a fresh token and replays again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_survive_tokens_expiring_again_and_again() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let order = payspec_gopay::NewPayment::new(100, Currency::Czk, "tokens-1").unwrap();
    let id = client.create_payment(order).await.unwrap().id.to_string();
    let sandbox = Arc::new(sandbox);
    // Three expiries while the calls are in flight, from their own task.
    let expirer = {
        let sandbox = sandbox.clone();
        tokio::spawn(async move {
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(15)).await;
                sandbox.expire_tokens();
            }
        })
    };
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (client, id) = (client.clone(), id.clone());
            tokio::spawn(async move {
                let mut failed = Vec::new();
                for _ in 0..125 {
                    if let Err(e) = client.get_payment(&id).await {
                        failed.push(e.to_string());
                    }
                }
                failed
            })
        })
        .collect();
    let mut failed = Vec::new();
    for task in tasks {
        failed.extend(task.await.unwrap());
    }
    expirer.await.unwrap();
    assert!(
        failed.is_empty(),
        "{} calls failed while tokens expired three times: {:?}",
        failed.len(),
        failed.first()
    );
}
