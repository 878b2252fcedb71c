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
//! ```
//! use httpmock::prelude::*;
//! use payspec_vaiipay::{Client, NewCheckout, Scope};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), payspec_vaiipay::Error> {
//! let server = MockServer::start_async().await;
//! server.mock(|when, then| {
//!     when.method(POST).path("/api/payment/checkout").header("authorization", "Bearer client-token");
//!     then.status(200).json_body(serde_json::json!({
//!         "data": { "checkoutUrl": "https://pay.example/checkout/p1?expires=1767225600&signature=ab" }
//!     }));
//! });
//! let client = Client::builder()
//!     .base_url(server.base_url())
//!     .client_id("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6")
//!     .client_token("client-token", Some(vec![Scope::PaymentsCreate]))
//!     .build()?;
//! let checkout = client.create_checkout(NewCheckout::new(10000, "USD", "ORDER-123")).await?;
//! assert!(checkout.checkout_url.unwrap().contains("/checkout/p1"));
//! // The token was created without payments.get: refused before sending.
//! assert!(matches!(client.get_payment("p1").await, Err(payspec_vaiipay::Error::MissingScope { .. })));
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

pub use client::{Client, ClientBuilder, NewCheckout, Scope, env};
pub use error::{Error, NoCode, Result};
/// The shared runtime.
pub use payspec_core as core;
/// The generated API crate: every operation with all its options.
pub use payspec_vaiipay_api as api;
pub use payspec_vaiipay_api::{open_enums, types};
