//! Every example of Nopan's published OpenAPI snapshot (api-evangelist/nopan,
//! `openapi/_original/nopan-openapi-original.yml`), restated as payspec's own data by
//! `conformance/published/extract.py` (structure, codes and enum values kept; text, ids,
//! URLs and timestamps replaced) in `tests/published/examples.json`: every answer parses
//! into the type the client reads it as, every request builds as the type the client
//! sends, every notification parses. Where the published spec and the seed disagree,
//! the test says how it was settled.

use payspec_nopan::types;
use serde_json::Value;

use payspec_testkit::published::{check_all, entries, parses_whole as parses};

/// The published snapshot's token request sends the account as `client_id` (and forbids
/// other fields); the seed's field is `processing_account_id`. Settled: the seed's stays
/// the default, `TokenAccountField::ClientId` sends the published one
/// (`signatures.rs` checks it on the wire), so the request builds either way.
fn token_request(value: &Value) -> Result<(), String> {
    match (value.get("client_id"), value.get("processing_account_id")) {
        (Some(id), None) => {
            let mut restated = value.clone();
            if let Some(fields) = restated.as_object_mut() {
                fields.remove("client_id");
                fields.insert("processing_account_id".into(), id.clone());
            }
            parses::<types::TokenRequest>(&restated)
        }
        _ => parses::<types::TokenRequest>(value),
    }
}

#[test]
fn every_published_example_parses_or_builds() {
    let entries = entries(include_str!("published/examples.json"));
    assert!(entries.len() >= 100, "{} examples", entries.len());
    check_all(&entries, &[], |e| {
        let value = e.value;
        match (e.kind, e.method, e.path, e.status) {
            ("request", "POST", "/auth/token", _) => token_request(value),
            ("request", "POST", "/payments/initiate", _) => {
                parses::<types::InitiatePaymentRequest>(value)
            }
            ("request", "POST", "/payments/finalize", _) => {
                parses::<types::FinalizePaymentRequest>(value)
            }
            ("request", "POST", "/payments/charge", _) => {
                parses::<types::ChargePaymentRequest>(value)
            }
            ("request", "POST", "/payments/capture", _) => {
                parses::<types::CapturePaymentRequest>(value)
            }
            ("request", "POST", "/payments/cancel", _) => {
                parses::<types::CancelPaymentRequest>(value)
            }
            ("request", "POST", "/payments/refund", _) => {
                parses::<types::RefundPaymentRequest>(value)
            }
            ("request", "POST", "/mock/set", _) => parses::<types::SetMockRequest>(value),
            // The published spec lists the webhooks Nopan sends as operations.
            ("request", "POST", p, _) if p.starts_with("/notifications/") => {
                payspec_nopan::webhook::parse(value.to_string().as_bytes())
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            ("response", "POST", "/auth/token", "200") => parses::<types::TokenResponse>(value),
            ("response", _, _, "200") => parses::<types::Payment>(value),
            ("response", _, _, s) if s.starts_with('4') || s.starts_with('5') => {
                parses::<types::ErrorEnvelopeFields>(value)
            }
            _ => Err("no type for this example".into()),
        }
    });
}
