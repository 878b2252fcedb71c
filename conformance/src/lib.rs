//! payspec's conformance suite (not published): tests written once against the shared
//! `payspec_core::CallFailure` trait and run for all five providers, and an axum web
//! service that receives every sandbox's notifications as a user's service would.
//!
//! - `tests/failures.rs`: each client against a hostile server (answers no honest
//!   provider sends) and one failure handler, written once, that classifies a request
//!   refused before sending, a 401, a 404, a refused connection and a lost answer alike
//!   for every provider.
//! - `examples/webhook_service.rs`: an axum service with one route per provider that
//!   sends notifications; `tests/webhook_service.rs` runs it.
//!
//! Run with `cargo test -p payspec-conformance`, or the example on its own with
//! `cargo run -p payspec-conformance --example webhook_service`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
