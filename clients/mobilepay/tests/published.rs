//! Every example of MobilePay's published OpenAPI files (MobilePayDev/
//! MobilePayDev.github.io, `openapi/app_payments_api.yaml` and `openapi/webhooks.yaml`),
//! restated as payspec's own data by `conformance/published/extract.py` in
//! `tests/published/`. The published files give examples per property, so each example is
//! built from them. Every answer must parse into the type the client reads, keeping every
//! field; every request must build as the type the client sends.

use payspec_mobilepay::types;
use payspec_testkit::published::{check_all, entries, parses_whole as parses};

#[test]
fn every_published_example_parses_or_builds() {
    let mut all = entries(include_str!("published/app_payments.json"));
    all.extend(entries(include_str!("published/webhooks.json")));
    assert!(all.len() >= 25, "{} examples", all.len());
    check_all(&all, &[], |e| {
        let value = e.value;
        match (e.kind, e.method, e.path, e.status) {
            ("request", "POST", "/v1/payments", _) => {
                parses::<types::InitiatePaymentRequest>(value)
            }
            ("request", "POST", "/v1/refunds", _) => parses::<types::IssueRefundRequest>(value),
            ("request", "POST", "/v1/integration-test/payments/{paymentid}/reserve", _) => {
                parses::<types::ReservePaymentRequest>(value)
            }
            ("response", "POST", "/v1/payments", "200") => {
                parses::<types::InitiatePaymentResponse>(value)
            }
            ("response", "GET", "/v1/payments", "200") => parses::<types::PaymentList>(value),
            ("response", "GET", "/v1/payments/{paymentid}", "200") => {
                parses::<types::Payment>(value)
            }
            ("response", "GET", "/v1/paymentpoints", "200") => {
                parses::<types::PaymentPointList>(value)
            }
            ("response", "GET", "/v1/refunds", "200") => parses::<types::RefundList>(value),
            ("response", _, "/v1/refunds" | "/v1/refunds/{refundid}", "200") => {
                parses::<types::Refund>(value)
            }
            ("response", "GET", "/v1/webhooks", "200") => parses::<types::WebhookList>(value),
            ("response", _, "/v1/webhooks" | "/v1/webhooks/{webhookid}", "200") => {
                parses::<types::Webhook>(value)
            }
            ("response", _, _, s) if s.starts_with('4') || s.starts_with('5') => {
                parses::<types::ErrorEnvelopeFields>(value)
            }
            _ => Err("no type for this example".into()),
        }
    });
}
