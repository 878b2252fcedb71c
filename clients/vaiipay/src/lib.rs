//! A client for VaiiPay's payment-applications API (a white-label crypto payment
//! gateway), built from payspec's OpenAPI spec.
//!
//! **For servers only.** Client tokens and the application secret must never reach
//! browser code; the Client ID is the only public value.
//!
//! What this crate adds on top of the generated API crate ([`api`]):
//!
//! - **the right credential per operation**, from the spec: the client token for
//!   payments, the OAuth2 token for payment applications, none for the public checkout
//!   methods; an operation whose scope the client token lacks fails **before** sending
//!   with [`Error::MissingScope`] (`*` grants all); 401 and 403 map to
//!   [`Error::Unauthenticated`] and [`Error::Forbidden`], which say what to check;
//! - answers **unwrapped** from `{"data": ...}`;
//! - **checkout URL verification** (`expires` + HMAC-SHA256 `signature`, constant time,
//!   expired URLs refused) and **webhook verification** (HMAC-SHA256 over the raw body,
//!   header and encoding configurable, several secrets): both schemes are *inferred*, as
//!   VaiiPay does not publish them ([`signature`]);
//! - [`ClientBuilder::from_env`] with the variables the provider recommends
//!   (`PAYMENT_CLIENT_ID`, `PAYMENT_CLIENT_TOKEN`, `WEBHOOK_SECRET`);
//! - tokens are secrets: redacted in `Debug`, never in errors or logs.
//!
//! API version targeted: 1 (`specs/vaiipay.yaml`).
//!
//! # Example
//!
//! A checkout, its signed URL verified, the payer paying, and a narrowly scoped token
//! refused before sending, against the in-process sandbox (feature `sandbox`). Against
//! VaiiPay, build the client with `Client::builder().client_id(..).client_token(..)`.
//!
//! ```
//! use std::time::SystemTime;
//! use payspec_vaiipay::sandbox::{CLIENT_ID, Sandbox};
//! use payspec_vaiipay::{Client, Error, NewCheckout, Scope};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client_builder().build()?;
//!
//! // 100.00 USD in minor units.
//! let checkout = client.create_checkout(NewCheckout::new(10000, "USD", "ORDER-123")?).await?;
//! let url = checkout.checkout_url.ok_or("no checkout URL")?;
//! // The URL is signed with the application secret: check it before showing it.
//! // (`None` when the client has no application secret.)
//! let verifier = client.checkout_url_verifier().ok_or("no application secret")?;
//! let verified = verifier.verify(&url, SystemTime::now())?;
//! sandbox.complete_payment(&verified.payment_id); // the payer pays
//! let payment = client.get_payment(&verified.payment_id).await?;
//! assert_eq!(payment.status.as_ref().map(|s| s.as_str()), Some("RECEIVED"));
//!
//! // A token created with payments.create only: get_payment is refused in-process.
//! let narrow = Client::builder()
//!     .base_url(sandbox.base_url())
//!     .client_id(CLIENT_ID)
//!     .client_token(Sandbox::CREATE_ONLY_TOKEN, Some(vec![Scope::PaymentsCreate]))
//!     .build()?;
//! assert!(matches!(narrow.get_payment(&verified.payment_id).await, Err(Error::MissingScope { .. })));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
#[cfg(feature = "sandbox")]
pub mod sandbox;
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

pub use client::{Client, ClientBuilder, NewCheckout, Scope, env};
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
pub use payspec_vaiipay_api::{open_enums, types};
