//! Shared runtime of the payspec clients; nothing in it is provider-specific.
//!
//! Every generated API crate (`payspec-<p>-api`) hands each request to [`hooks`], with
//! the provider's behaviour as data ([`ProviderProfile`], [`OperationTable`]). The
//! pieces:
//!
//! - [`http`]: reqwest + rustls (ring), custom roots, mTLS identity from PEM, timeouts,
//!   user agent, https-only base URLs (plain http for loopback only);
//! - [`auth`]: static bearer, Basic, OAuth2 client credentials, and a [`TokenCache`] that
//!   refreshes before expiry with exactly one refresh in flight;
//! - [`retry`]: exponential backoff with full jitter, cap, deadline, `Retry-After`;
//!   retries happen only for idempotent methods or requests with an idempotency key;
//! - [`classify`]: the one table of what is transient and what leaves a call's outcome
//!   unknown, read by the retry loop and by every provider error;
//! - [`idempotency`]: keys made once per call by an injectable generator;
//! - [`error`]: one shape for every provider error ([`ProviderError`]);
//! - [`webhook`]: HMAC signing and constant-time verification with key rotation;
//! - [`notify`]: one shape for receiving notifications in any framework
//!   ([`notify::NotificationVerifier`]: verify, parse, drop duplicates), and [`dedup`]:
//!   the log of delivered notification ids it asks;
//! - [`Secret`]: redacted in `Debug`, zeroized on drop;
//! - [`glue`]: what generated code calls in place of two progenitor-client helpers.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod amount;
pub mod auth;
pub mod card;
pub mod classify;
pub mod dedup;
mod enums;
pub mod error;
pub mod glue;
pub mod hooks;
pub mod html;
pub mod http;
pub mod httpsig;
pub mod idempotency;
pub mod notify;
pub mod options;
mod raw;
pub mod retry;
mod secret;
pub mod types;
pub mod webhook;

pub use amount::{Amount, AmountError};
pub use auth::{
    Auth, ClientAuth, ClientCredentials, RefreshingSource, Token, TokenCache, TokenSource,
};
pub use enums::UnknownEnumValue;
pub use error::{
    AnswerView, CallFailure, ConfigError, EnvelopeFields, ErrorCode, ErrorOrigin, Failure,
    FailureView, InvalidResponse, Phase, ProviderError, field_value,
};
pub use hooks::{ClientInner, OperationSecurity, OperationTable, ProviderProfile, Route};
pub use http::{HttpConfig, Identity, RootTrust};
pub use options::ClientOptions;
pub use raw::{ErrorBody, RawBody};
pub use retry::RetryPolicy;
pub use secret::Secret;
