//! Retries happen only where they are safe, keep the idempotency key, honour
//! Retry-After.

mod common;

use payspec_core::CallFailure;
use std::time::{Duration, Instant};

use common::{Reply, builder, scripted};
use serde_json::json;

fn approved() -> Reply {
    Reply::json(
        200,
        json!({"transactionId": "t", "status": "APPROVED", "step": "CAPTURE"}),
    )
}

fn unavailable() -> Reply {
    Reply::json(
        503,
        json!({"status": "DECLINED", "statusInfo": {"reasonCode": "9999", "message": "busy"}}),
    )
}

#[tokio::test]
async fn a_503_then_200_succeeds_with_the_same_idempotency_key() {
    let server = scripted(vec![unavailable(), unavailable(), approved()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    let payment = client.capture_payment("t", "c", 75).await.unwrap();
    assert_eq!(payment.status.as_str(), "APPROVED");
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let keys: Vec<_> = seen
        .iter()
        .map(|s| s.header("idempotency-key").unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        vec!["test-1"; 3],
        "one key per call, identical on every attempt"
    );
    assert!(
        seen.iter().all(|s| s.body == seen[0].body),
        "identical payload on every attempt"
    );
}

#[tokio::test]
async fn separate_calls_get_separate_keys() {
    let server = scripted(vec![approved()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    client.capture_payment("t", "c", 75).await.unwrap();
    client.capture_payment("t", "c", 75).await.unwrap();
    let keys: Vec<_> = server
        .seen()
        .iter()
        .map(|s| s.header("idempotency-key").unwrap().to_string())
        .collect();
    assert_eq!(keys, vec!["test-1", "test-2"]);
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let server = scripted(vec![unavailable()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    let error = client.payment_status("t").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.seen().len(), 3, "max_attempts = 3");
}

#[tokio::test]
async fn a_429_with_retry_after_waits_at_least_that_long() {
    let limited = Reply::json(
        429,
        json!({"status": "DECLINED", "statusInfo": {"reasonCode": "3000"}}),
    )
    .with_header("retry-after", "1");
    let server = scripted(vec![limited, approved()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    let started = Instant::now();
    client.payment_status("t").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_423_still_processing_is_retried() {
    let locked = Reply::json(
        423,
        json!({"status": "DECLINED", "statusInfo": {"reasonCode": "5003"}}),
    );
    let server = scripted(vec![locked, approved()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    client.payment_status("t").await.unwrap();
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_post_without_idempotency_key_is_not_retried() {
    // /mock/set takes no Idempotency-Key in the spec: a retry could apply it twice.
    let server = scripted(vec![unavailable(), Reply::json(200, json!({}))]).await;
    let client = builder(&server.url("http")).build().unwrap();
    let error = client
        .set_mock(payspec_nopan::mock::Mock::client_transaction_id("o"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("idempotency-key"), None);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let invalid = Reply::json(
        422,
        json!({"status": "DECLINED", "statusInfo": {"reasonCode": "5002"}}),
    );
    let server = scripted(vec![invalid, approved()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    let error = client.capture_payment("t", "c", 1).await.unwrap_err();
    assert_eq!(
        error.code(),
        Some(&payspec_nopan::ReasonCode::TransitionNotAllowed)
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_a_get_then_reported() {
    // Bind and drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let error = client.payment_status("t").await.unwrap_err();
    assert!(
        matches!(error, payspec_nopan::Error::Transport(_)),
        "{error:?}"
    );
}
