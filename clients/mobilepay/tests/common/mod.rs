//! Helpers shared by the MobilePay integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use payspec_core::RetryPolicy;
use payspec_core::idempotency::SequentialUuids;
use payspec_mobilepay::{Client, ClientBuilder};
#[allow(unused_imports)]
pub use payspec_testkit::server::{Reply, Scripted, Seen};

pub const API_KEY: &str = "api-key-1";
pub const PAYMENT: &str = "186d2b31-ff25-4414-9fd1-bfe9807fa8b7";
pub const POINT: &str = "7347ba06-95c5-4181-82e5-7c7a23609a0e";
pub const KEY_1: &str = "00000000-0000-4000-8000-000000000001";
pub const KEY_2: &str = "00000000-0000-4000-8000-000000000002";

pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        deadline: Duration::from_secs(10),
        extra_statuses: vec![],
    }
}

/// A builder with the API key, fast retries and idempotency keys `...0001`, `...0002`.
pub fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .api_key(API_KEY)
        .retry_policy(fast_retries())
        .idempotency_keys(Arc::new(SequentialUuids::new()))
}

pub fn bearer() -> String {
    format!("Bearer {API_KEY}")
}

/// Whether a header value is a UUID.
pub fn is_uuid(value: &str) -> bool {
    uuid::Uuid::parse_str(value).is_ok()
}
