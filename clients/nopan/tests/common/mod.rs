//! Helpers shared by the Nopan integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use httpmock::prelude::*;
use payspec_core::RetryPolicy;
use payspec_core::idempotency::SequentialKeys;
use payspec_nopan::{Client, ClientBuilder, Scope};

pub const TOKEN: &str = "header.payload.signature";

/// A retry policy with short waits, so retry tests stay fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        deadline: Duration::from_secs(10),
        extra_statuses: vec![reqwest::StatusCode::LOCKED],
    }
}

/// A builder pointed at `base_url` with deterministic idempotency keys `test-1`, ...
pub fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .processing_account_id("merchant")
        .scope(Scope::PaymentsProcess)
        .retry_policy(fast_retries())
        .idempotency_keys(Arc::new(SequentialKeys::new("test")))
}

/// The token endpoint exactly as Nopan documents it.
pub fn token_mock(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/auth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&processing_account_id=merchant&scope=payments%3Aprocess");
        then.status(200).json_body(serde_json::json!({
            "access_token": TOKEN,
            "expires_in": 7200,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": "payments:process"
        }));
    })
}

#[allow(unused_imports)]
pub use payspec_testkit::server::{Io, Reply, Scripted, Seen, Wrap};

/// Nopan's token endpoint, answered by the scripted server without being recorded.
pub fn token_reply() -> Vec<(&'static str, Reply)> {
    vec![(
        "/auth/token",
        Reply::json(
            200,
            serde_json::json!({"access_token": TOKEN, "expires_in": 7200}),
        ),
    )]
}

/// A plain-HTTP scripted server that also answers Nopan's token endpoint.
pub async fn scripted(replies: Vec<Reply>) -> Scripted {
    Scripted::start(token_reply(), replies).await
}
