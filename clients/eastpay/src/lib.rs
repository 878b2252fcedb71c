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
//! ```
//! use httpmock::prelude::*;
//! use payspec_eastpay::{Card, Client, Money, NewPayment, ResultClass};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), payspec_eastpay::Error> {
//! let server = MockServer::start_async().await;
//! server.mock(|when, then| {
//!     when.method(POST).path("/v3/payments").header("authorization", "Bearer token")
//!         .form_urlencoded_tuple("amount", "92.00").form_urlencoded_tuple("card.number", "4200000000000000");
//!     then.status(400).json_body(serde_json::json!({
//!         "id": "8ac7a4a2", "result": { "code": "800.100.153", "description": "transaction declined (invalid CVV)" }
//!     }));
//! });
//! let client = Client::builder()
//!     .base_url(server.base_url())
//!     .access_token("token")
//!     .entity_id("8a8294174b7ecb28014b9699220015ca")
//!     .build()?;
//! let card = Card::new("4200000000000000", "05", "2034", "999").holder("Jane Jones");
//! let payment = client
//!     .create_payment(NewPayment::debit(Money::new(9200, "EUR")?).card("VISA", card))
//!     .await?;
//! // A decline is an outcome, not an error.
//! assert!(payment.is_declined());
//! assert_eq!(payment.class(), ResultClass::RejectedBank);
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
/// The generated API crate: every operation with all its options.
pub use payspec_eastpay_api as api;
pub use payspec_eastpay_api::{open_enums, types};
pub use redirect::{Redirect, RedirectMethod};
pub use result_code::{MalformedResultCode, PATTERNS, ResultClass, ResultCode, classify};
pub use transaction::Transaction;
