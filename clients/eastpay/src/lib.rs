//! A client for the EastPay payment gateway, a member of the ACI Open Payment Platform
//! (OPP) family, built from payspec's OpenAPI spec.
//!
//! What this crate adds on top of the generated API crate ([`api`]):
//!
//! - the **form-encoded** OPP requests with their literal `card.number` /
//!   `customParameters[NAME]` keys, `entityId` on every call, the bearer token;
//! - **money without floats**: [`Money`] from integer minor units and an ISO 4217
//!   currency, rendered with the currency's exponent (`JPY 1000`, `EUR 92.00`,
//!   `KWD 1.250`);
//! - **result codes**: [`ResultCode`] parses `ddd.ddd.ddd`; [`ResultClass`] classifies it
//!   with ACI's patterns, in their order, first match (compiled once);
//! - **declines are outcomes**: an HTTP 400 carrying a payment result is a
//!   [`Transaction`] whose class says why, distinct from a malformed request
//!   ([`Error::Validation`]) and from auth failures ([`Error::Auth`]);
//! - **card data** in requests is a secret: redacted in `Debug`, never logged;
//! - **notifications**, plain and AES-256-GCM encrypted ([`notification`]);
//! - the **3-D Secure redirect** as a type with an HTML form renderer ([`Redirect`]).
//!
//! API version targeted: v3 (`specs/eastpay.yaml`). The gateway's endpoint pages are not
//! public: the operations follow OPP's documented surface (marked in the spec).
//!
//! # Example
//!
//! Authorize a card, capture, refund part, and meet a decline, against the in-process
//! sandbox (feature `sandbox`, with OPP's test cards). Against EastPay, build the client
//! with `Client::builder().environment(..).access_token(..).entity_id(..)` instead.
//!
//! ```
//! use payspec_eastpay::sandbox::Sandbox;
//! use payspec_eastpay::{Card, Money, NewPayment, ResultClass};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client_builder().build()?;
//!
//! let amount = Money::new(9200, "EUR")?; // minor units: 92.00 EUR
//! let card = Card::new("4200000000000000", "05", "2034", "123").holder("Jane Jones");
//! let auth = client
//!     .create_payment(NewPayment::preauthorization(amount.clone()).card("VISA", card))
//!     .await?;
//! assert!(auth.is_success()); // 000.100.110
//! let id = auth.id().ok_or("no payment id")?.to_string();
//! client.capture(&id, &amount).await?;
//! client.refund(&id, &Money::new(2000, "EUR")?).await?;
//!
//! // A decline is an outcome, not an error.
//! let card = Card::new("4000000000000002", "05", "2034", "123").holder("Jane Jones");
//! let declined = client
//!     .create_payment(NewPayment::debit(Money::new(100, "EUR")?).card("VISA", card))
//!     .await?;
//! assert!(declined.is_declined());
//! assert_eq!(declined.class(), ResultClass::RejectedBank);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
mod money;
pub mod notification;
mod redirect;
mod result_code;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod transaction;

pub use client::{Card, Client, ClientBuilder, NewCheckout, NewPayment};
pub use error::{Error, Result};
pub use money::{Money, MoneyError, exponent};
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
pub use payspec_eastpay_api as api;
pub use payspec_eastpay_api::{open_enums, types};
pub use redirect::{Redirect, RedirectMethod};
pub use result_code::{MalformedResultCode, PATTERNS, ResultClass, ResultCode, classify};
pub use transaction::Transaction;
