//! A client for MobilePay App Payments (Vipps MobilePay), built from payspec's OpenAPI
//! spec.
//!
//! **A legacy API.** Vipps MobilePay is replacing App Payments with its ePayment API; new
//! integrations should check with Vipps MobilePay which one their merchant agreement
//! covers. This crate targets App Payments 1.0 as documented (its list operations,
//! `GET /v1/payments` and `GET /v1/refunds`, are deprecated by the provider: the example
//! below does not use them; [`Client::payments`] and [`Client::refunds`] still wrap them).
//!
//! What this crate adds on top of the generated API crate ([`api`]):
//!
//! - **credentials**: the API key, or OpenID Connect access tokens from any
//!   [`TokenSource`](payspec_core::TokenSource), cached and refreshed one at a time;
//!   the facade's `Ocp-Apim-Subscription-Key` and `Merchant-Serial-Number` headers;
//! - a **`CorrelationId`** per call (yours or a fresh UUID), sent and present in every
//!   [`Error`];
//! - **idempotency**: initiate and refund fill `idempotencyKey` with a fresh UUID unless
//!   you give one, and retries repeat the identical body; capture (documented idempotent)
//!   is retried on 5xx; [`Client::initiate_payment_with_recovery`] handles a lost answer
//!   as the provider recommends (same key again, then cancel by key);
//! - **pagination**: [`Client::payments`], [`Client::refunds`] and
//!   [`Client::payment_points`] are streams that follow `nextPageNumber`;
//! - **typed errors**: every documented 409 code ([`ErrorCode`]), 400 free text whole
//!   (also when sent as a plain-text body);
//! - **payment states** with what can be done next ([`PaymentStateExt`]);
//! - **webhooks**: typed notifications and `x-mobilepay-signature` verification with key
//!   rotation ([`webhook`]);
//! - **sandbox**: [`Client::simulate_reservation`] in a flow (initiate, simulate, capture).
//!
//! Ids the API defines as UUIDs (payments, refunds, webhooks) are taken as a
//! [`uuid::Uuid`] (as answers carry them) or as text.
//! Constraints of the spec (amount >= 1, UUIDs, reference <= 64, redirect URI <= 2000,
//! description <= 200, phone <= 15, page size 1..=1000) are checked before sending.
//! Amounts are integer minor units. API version targeted: 1.0 (`specs/mobilepay.yaml`).
//!
//! # Example: initiate, simulate the user, capture, list the payment points
//!
//! Against the in-process sandbox (feature `sandbox`); in production the client comes
//! from `Client::builder().environment(Environment::Production).api_key(..)` instead.
//!
//! ```
//! use futures::StreamExt;
//! use payspec_mobilepay::sandbox::Sandbox;
//! use payspec_mobilepay::{NewPayment, PageSize, PaymentStateExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client_builder().build()?;
//! let point = sandbox.payment_point_id();
//!
//! let initiated = client
//!     .initiate_payment(NewPayment::new(1250, point.as_str(), "myapp://redirect", "order-1"))
//!     .await?;
//! let id = initiated.payment_id.to_string();
//! // The sandbox's stand-in for the user confirming in the app.
//! client
//!     .simulate_reservation(
//!         &id,
//!         "8b1def75-8f77-4a48-8924-bf2ab22251e6",
//!         "be1e6d64-b73d-481a-9947-55e57ccbe4cf",
//!     )
//!     .await?;
//! let payment = client.get_payment(&id).await?;
//! assert!(payment.state.as_ref().is_some_and(|s| s.can_capture()));
//! client.capture_payment(&id, 1250).await?;
//!
//! // Every payment point of the merchant, page by page, as one stream.
//! let mut points = Box::pin(client.payment_points(PageSize::DEFAULT));
//! let mut listed = 0;
//! while let Some(point) = points.next().await {
//!     let point = point?;
//!     println!("{:?}: {:?}", point.payment_point_id, point.payment_point_name);
//!     listed += 1;
//! }
//! assert!(listed >= 1);
//! # Ok(())
//! # }
//! ```
//!
//! # OpenID Connect
//!
//! ```no_run
//! use std::sync::Arc;
//! use payspec_core::auth::{discover_token_endpoint, ClientAuth, ClientCredentials};
//! use payspec_mobilepay::{Client, Environment, OPENID_DISCOVERY_URL, OPENID_SCOPE};
//!
//! # async fn wire() -> Result<(), Box<dyn std::error::Error>> {
//! let http = payspec_core::HttpConfig::default().build()?;
//! let token_endpoint = discover_token_endpoint(&http, OPENID_DISCOVERY_URL).await?;
//! let source = ClientCredentials::new(
//!     token_endpoint,
//!     ClientAuth::Body { client_id: "my-client".into(), client_secret: "from-your-vault".into() },
//! )
//! .param("scope", OPENID_SCOPE);
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
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod state;
pub mod webhook;

pub use client::{
    Client, ClientBuilder, Environment, InitiatedPayment, OPENID_DISCOVERY_URL, OPENID_SCOPE,
    PRODUCTION_URL, SANDBOX_URL,
};
pub use error::{Error, ErrorCode, ErrorKind, Result};
/// The shared runtime (retry policy, key generators, clocks, token sources).
pub use payspec_core as core;
/// What every payspec error tells: `outcome_unknown()`, `idempotency_key()`,
/// `merchant_reference()`, `is_retryable()`, `status()` (import it to call them).
pub use payspec_core::CallFailure;
/// Money in integer minor units (at least 1), the same type in every payspec crate.
pub use payspec_core::{Amount, AmountError};
/// The generated API crate: every operation with all its options.
pub use payspec_mobilepay_api as api;
pub use payspec_mobilepay_api::{open_enums, types};
pub use requests::{
    NewPayment, NewRefund, PageSize, PaymentFilter, RefundFilter, WebhookSubscription,
};
pub use state::{PaymentState, PaymentStateExt};
