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
//! A BLIK payment, initiated and then checked. Here the server is a local httpmock;
//! against Nopan use `Environment::Production` and your mTLS identity
//! (`.identity_pem(cert, key)`).
//!
//! ```
//! use httpmock::prelude::*;
//! use payspec_nopan::{Client, Scope, types};
//! use payspec_nopan::open_enums::{PaymentStatus, ProviderId, TransactionType};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), payspec_nopan::Error> {
//! let server = MockServer::start_async().await;
//! server.mock(|when, then| {
//!     when.method(POST).path("/auth/token");
//!     then.status(200).json_body(serde_json::json!({
//!         "access_token": "header.payload.signature", "expires_in": 7200, "token_type": "Bearer"
//!     }));
//! });
//! server.mock(|when, then| {
//!     when.method(POST).path("/payments/initiate")
//!         .header("authorization", "Bearer header.payload.signature")
//!         .header_exists("idempotency-key");
//!     then.status(200).json_body(serde_json::json!({
//!         "transactionId": "ee2anef9bt", "clientTransactionId": "order123",
//!         "status": "PENDING", "step": "INITIATE",
//!         "statusInfo": { "reasonCode": "-1", "message": "Request processed successfully" }
//!     }));
//! });
//!
//! let client = Client::builder()
//!     .base_url(server.base_url())
//!     .processing_account_id("merchant")
//!     .scope(Scope::PaymentsProcess)
//!     .build()?;
//!
//! let payment = client
//!     .initiate_payment(
//!         types::InitiatePaymentRequest::builder()
//!             .processing_account_id("merchant")
//!             .client_transaction_id("order123")
//!             .transaction_type(TransactionType::OneTime)
//!             .payment_details(
//!                 types::PaymentDetailsRequest::builder()
//!                     .amount(types::RequestAmount(std::num::NonZeroU64::new(100).unwrap()))
//!                     .currency("PLN")
//!                     .country(Some("PL".to_string())),
//!             )
//!             .provider_details(types::ProviderDetailsRequest::builder().provider_id(ProviderId::Blik))
//!             .payer_details(types::PayerDetailsRequest::builder().one_time_code(Some("123456".parse().unwrap()))),
//!     )
//!     .await?;
//! assert_eq!(payment.status, Some(PaymentStatus::Pending));
//! assert_eq!(payment.transaction_id.as_deref(), Some("ee2anef9bt"));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
pub mod mock;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod webhook;

pub use client::{Client, ClientBuilder, Environment, PRODUCTION_URL, Scope};
pub use error::{Error, ReasonCode, Result};
/// The shared runtime (retry policy, key generators, clocks, HMAC helpers).
pub use payspec_core as core;
pub use payspec_core::{ErrorOrigin, ProviderError, RetryPolicy, Secret};
/// The generated API crate: every operation with all its options.
pub use payspec_nopan_api as api;
pub use payspec_nopan_api::{open_enums, types};
