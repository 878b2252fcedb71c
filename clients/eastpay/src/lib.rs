#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
mod money;
pub mod notification;
mod redirect;
mod result_code;
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
