//! Test helpers shared by payspec's provider crates: a scripted HTTP server (for
//! sequences httpmock cannot express, and behind TLS), the examples of a spec, and a
//! capture of tracing output. Not published; used as a dev-dependency only.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod campaign;
pub mod fuzz;
pub mod published;
pub mod server;
pub mod spec;
pub mod trace;
pub mod webhooks;
