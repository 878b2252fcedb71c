//! Plumbing for the provider crates' in-process sandboxes (feature `sandbox`): an
//! HTTP/1.1 server on 127.0.0.1 (optionally mutual TLS with a CA made on the spot),
//! fault injection, an admin API, and signed webhooks. Providers supply the behaviour as
//! a [`Handler`]; everything else is here, once.

mod faults;
mod pki;
mod server;
mod webhooks;

pub use faults::{Fault, Faults, Step};
pub use pki::SandboxPki;
pub use server::{Handler, Request, Response, SandboxServer};
pub use webhooks::{Delivery, WebhookSender};

/// A fresh random token or id (hex), for tokens, ids and secrets the sandbox issues.
pub fn random_id(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

/// `status`'s reason phrase as an upper-case code (`405` -> `METHOD_NOT_ALLOWED`), for
/// providers whose error envelope names the status (GoPay; MobilePay in lower case).
pub fn status_code_name(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_")
        .replace('\'', "")
}
