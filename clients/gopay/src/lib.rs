//! A client for GoPay next-gen (API 4.0), built from payspec's OpenAPI spec.
//!
//! What this crate adds on top of the generated API crate ([`api`]):
//!
//! - **OAuth2**: client credentials with HTTP Basic, then the refresh-token grant with
//!   `client_id`, rotating the refresh token on every refresh and falling back to client
//!   credentials when it is rejected; expiry from `expires_in`, else from the JWT's `exp`
//!   (decoded for timing only); one refresh at a time however many tasks wait;
//! - **card encryption**: [`CardData`] is validated (Luhn, lengths, month 01-12, digits
//!   only) before anything leaves the process, redacted in `Debug`, zeroized on drop;
//!   [`CardData::encrypt`] makes the compact JWE (RSA-OAEP-256 + A256GCM, `kid`,
//!   `typ: JWE`, fresh key and IV each time); the public key is fetched once and cached,
//!   and a rejected key id triggers one refetch;
//! - **one call from card to token**: [`Client::tokenize_card`];
//! - **charges** for a card token, Google Pay or Apple Pay ([`Instrument`]), and
//!   [`ChargeExt::next_step`]: send the payer to `action_url` (3-D Secure) or not;
//! - **typed errors** ([`ErrorCode`], plus `detail` and `path`);
//! - **notifications**: [`Client::handle_notification`] reads `?id=` and fetches the
//!   payment.
//!
//! The seed's base URLs are the defaults ([`SANDBOX_URL`], [`PRODUCTION_URL`]); later
//! public revisions use `https://gw.sandbox.gopay.com/gp-gw/api/4.0` and
//! `https://gate.gopay.com/gp-gw/api/4.0`: pass them with [`ClientBuilder::base_url`].
//! Amounts are integer minor units. API version targeted: 4.0 (`specs/gopay.yaml`).
//!
//! # Example: tokenize a card, charge it, refund part
//!
//! Against the in-process sandbox (feature `sandbox`: JWT tokens, an RSA key that
//! really decrypts the card JWE, 3-D Secure for cards starting 4000). Against GoPay,
//! build the client with `Client::builder().client_id(..).client_secret(..)` instead.
//!
//! ```
//! use payspec_gopay::open_enums::PaymentState;
//! use payspec_gopay::sandbox::Sandbox;
//! use payspec_gopay::{Amount, CardData, ChargeExt, Currency, Instrument, NewPayment, NextStep};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client_builder().build()?;
//!
//! // Validated (Luhn, expiry, CVV) here, encrypted to GoPay's key, never logged.
//! let card = CardData::new("4444 4444 4444 4448", "01", "27", "258")?;
//! let token = client.tokenize_card(&card, false).await?;
//!
//! // 100.00 CZK for order-1, in the e-shop the client was built for (its GoID).
//! let order = NewPayment::new(Amount::new(10000)?, Currency::Czk, "order-1")?
//!     .return_url("https://shop.example/return");
//! let payment = client.create_payment(order).await?;
//! let id = payment.id.ok_or("no payment id")?;
//! let charge = client
//!     .create_charge(
//!         &id,
//!         Instrument::card(token.token.ok_or("no card token")?),
//!         Some("https://shop.example/return".into()),
//!     )
//!     .await?;
//! match charge.next_step() {
//!     NextStep::RedirectPayer { action_url, .. } => println!("send the payer to {action_url}"),
//!     _ => assert_eq!(client.get_payment(&id).await?.state, Some(PaymentState::Paid)),
//! }
//! client.create_refund(&id, 2500).await?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod card;
mod charge;
mod client;
mod error;
pub mod jwe;
pub mod notification;
mod requests;
#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use card::{CardData, CardError, luhn_valid};
pub use charge::{ChargeExt, Instrument, NextStep};
pub use client::{Client, ClientBuilder, Environment, PRODUCTION_URL, SANDBOX_URL, Scope};
pub use error::{Error, ErrorCode, Result};
/// The shared runtime (retry policy, clocks, key generators).
pub use payspec_core as core;
/// How calls are retried (attempts, backoff, deadline): `ClientBuilder::retry_policy`.
pub use payspec_core::RetryPolicy;
/// Money in integer minor units (at least 1), the same type in every payspec crate.
pub use payspec_core::{Amount, AmountError};
/// What every payspec error tells: `outcome_unknown()`, `idempotency_key()`,
/// `merchant_reference()`, `is_retryable()`, `status()` (import it to call them).
pub use payspec_core::{CallFailure, Phase};
/// The generated API crate: every operation with all its options.
pub use payspec_gopay_api as api;
/// ISO 4217 currencies GoPay takes (an open enum: a new one parses as `Unknown`).
pub use payspec_gopay_api::open_enums::Currency;
pub use payspec_gopay_api::{open_enums, types};
pub use requests::NewPayment;
