//! Idempotency keys: made once per call, before the first attempt, by an injectable
//! generator, and identical on every retry of that call.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Makes idempotency keys.
pub trait KeyGenerator: Send + Sync + fmt::Debug {
    /// A new key.
    fn generate(&self) -> String;
}

/// Random UUID v4 keys (the default).
#[derive(Debug, Default)]
pub struct UuidKeys;

impl KeyGenerator for UuidKeys {
    fn generate(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// Keys `prefix-1`, `prefix-2`, ...: deterministic, for tests.
#[derive(Debug)]
pub struct SequentialKeys {
    prefix: String,
    next: AtomicU64,
}

impl SequentialKeys {
    /// Starts at `prefix-1`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            next: AtomicU64::new(1),
        }
    }
}

impl KeyGenerator for SequentialKeys {
    fn generate(&self) -> String {
        format!(
            "{}-{}",
            self.prefix,
            self.next.fetch_add(1, Ordering::SeqCst)
        )
    }
}

/// UUID-shaped keys `00000000-0000-4000-8000-000000000001`, `...0002`, ...:
/// deterministic, for tests of APIs whose keys must be UUIDs.
#[derive(Debug, Default)]
pub struct SequentialUuids {
    next: AtomicU64,
}

impl SequentialUuids {
    /// Starts at `...0001`.
    pub fn new() -> Self {
        Self {
            next: AtomicU64::new(1),
        }
    }
}

impl KeyGenerator for SequentialUuids {
    fn generate(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        format!("00000000-0000-4000-8000-{n:012x}")
    }
}
