#![doc = include_str!("../README.md")]
//! # OpenID Connect
//!
//! ```no_run
//! use std::sync::Arc;
//! use payspec_core::auth::{discover_token_endpoint, ClientAuth, ClientCredentials};
//! use payspec_mobilepay::{Client, Environment, OPENID_DISCOVERY_URL, OPENID_SCOPES};
//!
//! # async fn wire() -> Result<(), Box<dyn std::error::Error>> {
//! let http = payspec_core::HttpConfig::default().build()?;
//! let token_endpoint = discover_token_endpoint(&http, OPENID_DISCOVERY_URL).await?;
//! let source = ClientCredentials::new(
//!     token_endpoint,
//!     ClientAuth::Body { client_id: "my-client".into(), client_secret: "from-your-vault".into() },
//! )
//! // Payments and refunds need `merchantpayments`, webhook subscriptions `webhooks`.
//! .param("scope", OPENID_SCOPES);
//! let client = Client::builder()
//!     .environment(Environment::Sandbox)
//!     .token_source(Arc::new(source))
//!     .build()?;
//! # let _ = client; Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
mod pagination;
mod requests;
mod state;
pub mod webhook;

pub use client::{
    Client, ClientBuilder, Environment, InitiatedPayment, OPENID_DISCOVERY_URL, OPENID_SCOPE,
    OPENID_SCOPES, OPENID_WEBHOOKS_SCOPE, PRODUCTION_URL, SANDBOX_URL,
};
pub use error::{Error, ErrorCode, ErrorKind, Result};
/// The shared runtime (retry policy, key generators, clocks, token sources).
pub use payspec_core as core;
/// How calls are retried (attempts, backoff, deadline): `ClientBuilder::retry_policy`.
pub use payspec_core::RetryPolicy;
/// Money in integer minor units (at least 1), the same type in every payspec crate.
pub use payspec_core::{Amount, AmountError};
/// What every payspec error tells: `outcome_unknown()`, `idempotency_key()`,
/// `merchant_reference()`, `is_retryable()`, `status()` (import it to call them).
pub use payspec_core::{CallFailure, Phase};
/// The generated API crate: every operation with all its options.
pub use payspec_mobilepay_api as api;
pub use payspec_mobilepay_api::{open_enums, types};
pub use requests::{
    NewPayment, NewRefund, PageSize, PaymentFilter, RefundFilter, WebhookSubscription,
};
pub use state::{PaymentState, PaymentStateExt};
