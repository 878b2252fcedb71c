//! The sandboxes' own refusals speak each provider's language: an injected fault is
//! answered in the provider's error envelope with one of its codes, so a user's error
//! handling meets in tests what it meets in production. Checked through the clients and
//! the shared `CallFailure` trait (the 405 for a method a spec does not list is checked
//! by schemathesis, `cargo xtask test`).

use payspec_core::{CallFailure, RetryPolicy};

type Failure = Box<dyn CallFailure + Send + Sync>;

fn boxed<E: CallFailure + Send + Sync + 'static>(e: E) -> Failure {
    Box::new(e)
}

/// A read against each provider's sandbox after it was told to fail the next request
/// with `status`; answers each provider's error.
async fn faulted(status: u16) -> Vec<(&'static str, Failure)> {
    let none = RetryPolicy::none;
    let mut failures = Vec::new();

    let sandbox = payspec_nopan_sandbox::Sandbox::start(payspec_nopan_sandbox::Config::default())
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(none())
        .build()
        .unwrap();
    client.payment_status("warm-up").await.ok(); // the token first, then the fault
    sandbox.faults().fail_next(1, status, None);
    let error = client.payment_status("p1").await.unwrap_err();
    failures.push(("nopan", boxed(error)));

    let sandbox =
        payspec_mobilepay_sandbox::Sandbox::start(payspec_mobilepay_sandbox::Config::default())
            .await
            .unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(none())
        .build()
        .unwrap();
    sandbox.faults().fail_next(1, status, None);
    let error = client.get_payment(uuid_text()).await.unwrap_err();
    failures.push(("mobilepay", boxed(error)));

    let sandbox = payspec_gopay_sandbox::Sandbox::start(payspec_gopay_sandbox::Config::default())
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(none())
        .build()
        .unwrap();
    client.get_payment("3000000000").await.ok(); // the token first
    sandbox.faults().fail_next(1, status, None);
    let error = client.get_payment("3000000001").await.unwrap_err();
    failures.push(("gopay", boxed(error)));

    let sandbox =
        payspec_eastpay_sandbox::Sandbox::start(payspec_eastpay_sandbox::Config::default())
            .await
            .unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(none())
        .build()
        .unwrap();
    sandbox.faults().fail_next(1, status, None);
    let error = client.get_payment("p1").await.unwrap_err();
    failures.push(("eastpay", boxed(error)));

    let sandbox =
        payspec_vaiipay_sandbox::Sandbox::start(payspec_vaiipay_sandbox::Config::default())
            .await
            .unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(none())
        .build()
        .unwrap();
    sandbox.faults().fail_next(1, status, None);
    let error = client.get_payment("p1").await.unwrap_err();
    failures.push(("vaiipay", boxed(error)));

    failures
}

fn uuid_text() -> &'static str {
    "186d2b31-ff25-4414-9fd1-bfe9807fa8b7"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_fault_is_answered_in_the_providers_envelope() {
    for status in [429, 503] {
        for (provider, failure) in faulted(status).await {
            assert_eq!(
                failure.status().map(|s| s.as_u16()),
                Some(status),
                "{provider}: {failure}"
            );
            assert_eq!(
                failure.message(),
                Some("injected fault"),
                "{provider}: the provider's message field carries it: {failure}"
            );
            // VaiiPay documents no error codes; the others answer one of theirs.
            if provider != "vaiipay" {
                let code = failure.code_text().unwrap_or_default();
                assert!(!code.is_empty(), "{provider} {status}: no provider code");
            }
            assert!(failure.is_retryable(), "{provider} {status}: {failure}");
        }
    }
}
