#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
pub mod signature;

/// Webhooks under the module name every payspec crate uses: the verifier, the signature
/// scheme's constants, duplicate-delivery detection.
pub mod webhook {
    pub use crate::signature::{
        SIGNATURE_ALGORITHM, SIGNATURE_ENCODING, SIGNATURE_HEADER, WebhookError, WebhookVerifier,
    };
    pub use payspec_core::dedup::{DeliveryLog, InMemoryDeliveryLog};
    /// The axum extractor (feature `axum`): `VerifiedNotification<WebhookVerifier>` in a
    /// handler, `WebhookState` in the router's state.
    #[cfg(feature = "axum")]
    pub use payspec_core::notify::axum::{Refused, VerifiedNotification, WebhookState};
    pub use payspec_core::notify::{Delivery, NotificationVerifier};
}

pub use client::{Client, ClientBuilder, NewApplication, NewCheckout, Scope, env};
pub use error::{Error, NoCode, Result};
/// The shared runtime.
pub use payspec_core as core;
/// How calls are retried (attempts, backoff, deadline): `ClientBuilder::retry_policy`.
pub use payspec_core::RetryPolicy;
/// Money in integer minor units (at least 1), the same type in every payspec crate.
pub use payspec_core::{Amount, AmountError};
/// What every payspec error tells: `outcome_unknown()`, `idempotency_key()`,
/// `merchant_reference()`, `is_retryable()`, `status()` (import it to call them).
pub use payspec_core::{CallFailure, Phase};
/// The generated API crate: every operation with all its options.
pub use payspec_vaiipay_api as api;
/// A payment's status (an open enum: a status VaiiPay adds later parses as `Unknown`).
pub use payspec_vaiipay_api::open_enums::PaymentStatus;
pub use payspec_vaiipay_api::{open_enums, types};
