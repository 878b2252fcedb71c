//! Every example of GoPay's published API 4.0 spec (gopaycommunity/gopay-js-sdk,
//! `Payments.yaml`, its latest revision), restated as payspec's own data by
//! `conformance/published/extract.py` in `tests/published/examples.json`. Each answer the
//! client reads must parse into its type keeping every field, each request it sends must
//! build. The published revision has moved on from the seed (a singular `charge`, wallet
//! and QR operations), so what does not fit yet is listed below, each with why: the test
//! fails when that list is wrong either way (a gap closed or a new one).

use payspec_gopay::types;
use payspec_testkit::published::{check_all, entries, parses_whole as parses};

/// Examples skipped, and why (`kind method path status`); the check fails when one is no
/// longer there or no longer fails.
const NOT_YET: &[(&str, &str)] = &[(
    "request POST /eshops/{goid}/recurrences",
    "built from the published schema's property examples, which give none for `type`, a \
     field that schema itself requires: the example is incomplete, not the client",
)];

#[test]
fn every_published_example_parses_or_builds() {
    // The latest revision, and the one before it that still had recurrences, links and
    // refunds (gopay-js-sdk 0e9ee61).
    let mut all = entries(include_str!("published/examples.json"));
    all.extend(entries(include_str!("published/revision-0e9ee61.json")));
    assert!(all.len() >= 230, "{} examples", all.len());
    check_all(&all, NOT_YET, |e| {
        let value = e.value;
        match (e.kind, e.method, e.path, e.status) {
            ("request", "POST", "/oauth2/token", _) => parses::<types::TokenRequest>(value),
            ("response", "POST", "/oauth2/token", "200") => parses::<types::TokenResponse>(value),
            ("request", "POST", "/eshops/{goid}/payments", _) => {
                parses::<types::CreatePaymentRequest>(value)
            }
            (
                "response",
                _,
                "/eshops/{goid}/payments" | "/payments/{payment_id}",
                "200" | "201",
            ) => parses::<types::Payment>(value),
            ("request", "POST", "/payments/{payment_id}/charge", _) => {
                parses::<types::PaymentChargeInput>(value)
            }
            ("response", _, "/payments/{payment_id}/charge", "200" | "201") => {
                parses::<types::Charge>(value)
            }
            ("request", "POST", "/cards/tokens", _) => parses::<types::CardTokenRequest>(value),
            ("response", _, "/cards/tokens" | "/cards/tokens/{card_id}", "200" | "201") => {
                parses::<types::Card>(value)
            }
            ("response", "GET", "/cards/public-key", "200") => parses::<types::Jwk>(value),
            ("request", "POST", "/eshops/{goid}/recurrences", _) => {
                parses::<types::RecurrenceCreateRequest>(value)
            }
            (
                "response",
                _,
                "/eshops/{goid}/recurrences" | "/recurrences/{rec_id}",
                "200" | "201",
            ) => parses::<types::Recurrence>(value),
            (
                "request",
                "POST",
                "/recurrences/{rec_id}/start" | "/recurrences/{rec_id}/next",
                _,
            ) => parses::<types::PaymentOverride>(value),
            (
                "response",
                "POST",
                "/recurrences/{rec_id}/start" | "/recurrences/{rec_id}/next",
                "201",
            ) => parses::<types::Payment>(value),
            ("request", "POST", "/eshops/{goid}/links", _) => {
                parses::<types::LinkCreateRequest>(value)
            }
            ("response", _, "/eshops/{goid}/links" | "/links/{link_id}", "200" | "201") => {
                parses::<types::PaymentLink>(value)
            }
            ("request", "POST", "/payments/{payment_id}/refunds", _) => {
                parses::<types::CreateRefundRequest>(value)
            }
            ("response", "GET", "/payments/{payment_id}/refunds", "200") => {
                parses::<Vec<types::Refund>>(value)
            }
            (
                "response",
                _,
                "/payments/{payment_id}/refunds" | "/refunds/{refund_id}",
                "200" | "201",
            ) => parses::<types::Refund>(value),
            ("response", "GET", "/cards/card-form-url", "200") => {
                parses::<types::CardFormUrl>(value)
            }
            ("response", "GET", "/payments/{payment_id}/qr-payment/info", "200") => {
                parses::<types::QrPaymentInfo>(value)
            }
            ("response", "GET", "/payments/{payment_id}/google-pay/info", "200") => {
                parses::<types::GooglePayInfo>(value)
            }
            ("response", "GET", p, "200") if p.starts_with("/payments/{payment_id}/apple-pay/") => {
                parses::<types::ApplePayInfo>(value)
            }
            ("response", _, _, s) if s.starts_with('4') || s.starts_with('5') => {
                parses::<types::ErrorEnvelopeFields>(value)
            }
            _ => Err("no type for this example".into()),
        }
    });
}
