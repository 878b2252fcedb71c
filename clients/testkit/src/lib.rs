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

/// Whether a form body's pairs are exactly `expected` (order aside), nothing more and
/// nothing less; prints both when they differ.
pub fn form_is(body: &[u8], expected: &[(&str, &str)]) -> bool {
    let mut got: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    got.sort();
    want.sort();
    if got != want {
        eprintln!("form mismatch:\n got  {got:?}\n want {want:?}");
    }
    got == want
}
