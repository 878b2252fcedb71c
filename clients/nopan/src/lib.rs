#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
pub mod mock;
mod requests;
pub mod webhook;

pub use client::{
    Client, ClientBuilder, Environment, JWKS_PATH, PRODUCTION_URL, SANDBOX_KEY_ID, SIGNATURE_LABEL,
    SIGNED_COMPONENTS, Scope, TokenAccountField,
};
pub use error::{Error, ReasonCode, Result};
/// The shared runtime (retry policy, key generators, clocks, HMAC helpers).
pub use payspec_core as core;
/// RFC 9421 keys and checks ([`ClientBuilder::signing_key_pem`]).
pub use payspec_core::httpsig;
pub use payspec_core::{Amount, AmountError};
/// What every payspec error tells: `outcome_unknown()`, `idempotency_key()`,
/// `merchant_reference()`, `is_retryable()`, `status()` (import it to call them).
pub use payspec_core::{CallFailure, Phase};
pub use payspec_core::{ErrorOrigin, ProviderError, RetryPolicy, Secret};
/// The generated API crate: every operation with all its options.
pub use payspec_nopan_api as api;
/// A payment's status (an open enum: a status Nopan adds later parses as `Unknown`).
pub use payspec_nopan_api::open_enums::{PaymentStatus, ProviderId, TransactionType};
pub use payspec_nopan_api::{open_enums, types};
pub use requests::NewPayment;
