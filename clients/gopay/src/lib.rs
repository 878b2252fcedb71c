#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod card;
mod charge;
mod client;
mod error;
pub mod jwe;
pub mod notification;
mod requests;

pub use card::{CardData, CardError, luhn_valid};
pub use charge::{CardInput, ChargeExt, Instrument, NextStep};
pub use client::{
    ApiRevision, Client, ClientBuilder, Environment, PRODUCTION_URL, PUBLISHED_PRODUCTION_URL,
    PUBLISHED_SANDBOX_URL, QrFormat, SANDBOX_URL, Scope,
};
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
/// A payment's state (an open enum: a state GoPay adds later parses as `Unknown`).
pub use payspec_gopay_api::open_enums::PaymentState;
pub use payspec_gopay_api::{open_enums, types};
pub use requests::NewPayment;
