//! Tokens: client credentials with Basic, then the refresh grant with client_id,
//! rotation, fallback, expiry from the JWT, one refresh for many callers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use httpmock::prelude::*;
use payspec_core::auth::ManualClock;
use serde_json::json;

fn payment_mock<'a>(server: &'a MockServer, token: &str) -> httpmock::Mock<'a> {
    let bearer = format!("Bearer {token}");
    server.mock(move |when, then| {
        when.method(GET)
            .path("/payments/p1")
            .header("authorization", bearer);
        then.status(200)
            .json_body(json!({"id": "p1", "state": "PAID"}));
    })
}

fn refresh_mock<'a>(
    server: &'a MockServer,
    refresh: &str,
    access: &str,
    next_refresh: &str,
) -> httpmock::Mock<'a> {
    let body = format!("grant_type=refresh_token&refresh_token={refresh}&client_id={CLIENT_ID}");
    let answer = json!({"access_token": access, "token_type": "bearer", "refresh_token": next_refresh,
        "scope": "payment:create payment:read", "expires_in": 900});
    server.mock(move |when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .header_missing("authorization")
            .body(body);
        then.status(200).json_body(answer);
    })
}

#[tokio::test]
async fn client_credentials_sends_basic_auth_and_scope() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "t1", "r1");
    let call = payment_mock(&server, "t1");
    let client = builder(&server.base_url()).build().unwrap();
    client.get_payment("p1").await.unwrap();
    token.assert_async().await;
    call.assert_async().await;
    assert!(client.has_refresh_token());
}

#[tokio::test]
async fn refresh_sends_the_refresh_token_and_client_id_and_rotates_it() {
    let server = MockServer::start_async().await;
    let clock = Arc::new(ManualClock::new());
    let first = token_mock(&server, "t1", "r1");
    let refresh_1 = refresh_mock(&server, "r1", "t2", "r2");
    let refresh_2 = refresh_mock(&server, "r2", "t3", "r3");
    payment_mock(&server, "t1");
    payment_mock(&server, "t2");
    let third = payment_mock(&server, "t3");
    let client = builder(&server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();

    client.get_payment("p1").await.unwrap();
    clock.advance(Duration::from_secs(900));
    client.get_payment("p1").await.unwrap();
    clock.advance(Duration::from_secs(900));
    client.get_payment("p1").await.unwrap();

    assert_eq!(first.calls_async().await, 1, "client credentials only once");
    assert_eq!(refresh_1.calls_async().await, 1, "first refresh used r1");
    assert_eq!(
        refresh_2.calls_async().await,
        1,
        "second refresh used the rotated r2"
    );
    assert_eq!(third.calls_async().await, 1);
}

#[tokio::test]
async fn a_rejected_refresh_token_falls_back_to_client_credentials() {
    let server = MockServer::start_async().await;
    let clock = Arc::new(ManualClock::new());
    let credentials = token_mock(&server, "t1", "r1");
    let rejected = server.mock(|when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .body_includes("grant_type=refresh_token");
        then.status(400).json_body(
            json!({"code": 400, "error": "BAD_REQUEST", "message": "invalid refresh token"}),
        );
    });
    payment_mock(&server, "t1");
    let client = builder(&server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    client.get_payment("p1").await.unwrap();
    clock.advance(Duration::from_secs(900));
    client.get_payment("p1").await.unwrap();
    assert_eq!(rejected.calls_async().await, 1);
    assert_eq!(
        credentials.calls_async().await,
        2,
        "fell back to client credentials"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh() {
    let server = MockServer::start_async().await;
    let clock = Arc::new(ManualClock::new());
    token_mock(&server, "t1", "r1");
    let refresh = refresh_mock(&server, "r1", "t2", "r2");
    payment_mock(&server, "t1");
    let after = payment_mock(&server, "t2");
    let client = builder(&server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    client.get_payment("p1").await.unwrap();
    clock.advance(Duration::from_secs(900));
    let calls = (0..200).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_payment("p1").await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(after.calls_async().await, 200);
    assert_eq!(client.token_fetches(), 2);
}

#[tokio::test]
async fn without_expires_in_the_jwt_exp_decides() {
    let server = MockServer::start_async().await;
    let clock = Arc::new(ManualClock::new());
    let jwt = jwt("sig1", Duration::from_secs(600));
    let jwt_for_mock = jwt.clone();
    let credentials = server.mock(move |when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .body_includes("client_credentials");
        then.status(200).json_body(
            json!({"access_token": jwt_for_mock, "token_type": "bearer", "refresh_token": "r1"}),
        );
    });
    let refresh = refresh_mock(&server, "r1", "t2", "r2");
    payment_mock(&server, &jwt);
    payment_mock(&server, "t2");
    let client = builder(&server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    client.get_payment("p1").await.unwrap();
    // `exp` has whole seconds and is read against the real clock when the token arrives
    // (a busy machine may take a second or more to get there): 10 s either side of
    // exp - margin (540 s) keep the test about the margin, not about timing.
    clock.advance(Duration::from_secs(600 - 60 - 10));
    client.get_payment("p1").await.unwrap();
    assert_eq!(refresh.calls_async().await, 0, "exp - margin not reached");
    clock.advance(Duration::from_secs(20));
    client.get_payment("p1").await.unwrap();
    assert_eq!(refresh.calls_async().await, 1, "exp - margin passed");
    assert_eq!(credentials.calls_async().await, 1);
}

#[tokio::test]
async fn a_401_gets_a_new_token_and_one_replay() {
    let server = MockServer::start_async().await;
    token_mock(&server, "t1", "r1");
    let expired = server.mock(|when, then| {
        when.method(GET)
            .path("/payments/p1")
            .header("authorization", "Bearer t1");
        then.status(401)
            .json_body(json!({"code": 401, "error": "UNAUTHORIZED", "message": "token expired"}));
    });
    let refresh = refresh_mock(&server, "r1", "t2", "r2");
    let replay = payment_mock(&server, "t2");
    let client = builder(&server.base_url()).build().unwrap();
    client.get_payment("p1").await.unwrap();
    assert_eq!(
        (
            expired.calls_async().await,
            refresh.calls_async().await,
            replay.calls_async().await
        ),
        (1, 1, 1)
    );
}

#[test]
fn build_needs_id_and_secret() {
    let e = payspec_gopay::Client::builder()
        .client_secret("s")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("client id"));
    let e = payspec_gopay::Client::builder()
        .client_id("c")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("client secret"));
    let debug = format!(
        "{:?}",
        payspec_gopay::Client::builder()
            .client_id("c")
            .client_secret("canary-gopay-secret")
    );
    assert!(!debug.contains("canary"));
}
