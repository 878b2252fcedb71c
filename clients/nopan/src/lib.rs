//! A client for [Nopan](https://docs.nopan.com), the account-to-account and wallet payment
//! provider (BLIK, WERO, SATISPAY, IRIS, BIZUM), built from payspec's OpenAPI spec.
//!
//! What this crate adds on top of the generated API crate ([`api`]):
//!
//! - **mutual TLS** on every call, the token call included ([`ClientBuilder::identity_pem`]);
//! - **OAuth2 client credentials** (`processing_account_id` + scopes), cached, refreshed a
//!   margin before expiry with one request however many tasks wait, and refreshed once
//!   with a replay when Nopan answers `4061` (token expired);
//! - an **`Idempotency-Key`** on every state-changing POST, the same on every retry;
//! - **retries** with backoff and jitter for GETs and keyed POSTs on 408/423/429/5xx and
//!   transport errors, honouring `Retry-After`;
//! - **typed errors**: [`Error::Provider`] carries the [`ReasonCode`] (every documented
//!   code, `Unknown` for the rest), status, message, `callId` and the raw body;
//! - **validation before sending**: lengths, patterns (BLIK code, phone) and enums of the
//!   spec are checked by the builders; a bad value never leaves the process;
//! - **webhooks**: typed notifications and HMAC-SHA256 verification ([`webhook`]);
//! - **sandbox mocks** for your tests ([`mock`]).
//!
//! Amounts are integer minor units. Secrets (the access token, the private key, webhook
//! secrets) are redacted in `Debug` output and never logged. API version targeted: 1.0
//! (`specs/nopan.yaml`).
//!
//! # Example
//!
//! A BLIK payment initiated, confirmed, partly captured and refunded, against the
//! in-process sandbox (feature `sandbox`: mutual TLS with its own CA, OAuth2 tokens,
//! the payment state machine). Against Nopan, build the client with
//! `Client::builder().environment(Environment::Production)`, your mTLS identity
//! (`.identity_pem(cert, key)`) and your credentials instead.
//!
//! ```
//! use payspec_nopan::open_enums::PaymentStatus;
//! use payspec_nopan::sandbox::Sandbox;
//! use payspec_nopan::{Amount, NewPayment};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client_builder().build()?;
//!
//! // Required fields as arguments, checked here; the client fills the processing account.
//! let blik = NewPayment::blik("order123", Amount::new(100)?, "123456")?;
//! let payment = client.initiate(blik).await?;
//! assert_eq!(payment.status, Some(PaymentStatus::Pending));
//! let id = payment.transaction_id.ok_or("no transaction id")?;
//!
//! client.finalize_payment(&id).await?; // the payer confirmed in their bank app
//! client.capture_payment(&id, "order123", Amount::new(60)?).await?; // minor units
//! client.refund_payment(&id, "order123", Amount::new(20)?).await?;
//! let status = client.payment_status(&id).await?;
//! println!("{id}: {:?}", status.status);
//! assert_eq!(client.token_fetches(), 1); // one token, shared by every call
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
pub mod mock;
mod requests;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod webhook;

pub use client::{Client, ClientBuilder, Environment, PRODUCTION_URL, Scope};
pub use error::{Error, ReasonCode, Result};
/// The shared runtime (retry policy, key generators, clocks, HMAC helpers).
pub use payspec_core as core;
/// What every payspec error tells: `outcome_unknown()`, `idempotency_key()`,
/// `merchant_reference()`, `is_retryable()`, `status()` (import it to call them).
pub use payspec_core::CallFailure;
pub use payspec_core::{Amount, AmountError};
pub use payspec_core::{ErrorOrigin, ProviderError, RetryPolicy, Secret};
/// The generated API crate: every operation with all its options.
pub use payspec_nopan_api as api;
pub use payspec_nopan_api::{open_enums, types};
pub use requests::NewPayment;
