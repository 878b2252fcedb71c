//! Fault campaign for a provider without idempotency keys: hundreds of payments through
//! the sandbox, each meeting a seeded random fault (the answer lost after the payment was
//! made, 429, 503, 500, or none). EastPay's POSTs are never retried, so a lost answer
//! must come back as "outcome unknown" with the `merchantTransactionId`, and
//! `find_transactions` by that reference must tell what became of the payment.

use payspec_core::CallFailure;
use payspec_eastpay::{Card, Money, NewPayment};
use payspec_eastpay_sandbox::Step;
use payspec_eastpay_sandbox::{Config, Sandbox};
use payspec_testkit::campaign::{Ledger, Reported};

const FLOWS: usize = 300;

fn payment(reference: &str) -> NewPayment {
    NewPayment::debit(Money::new(100, "EUR").unwrap())
        .card(
            "VISA",
            Card::new("4200000000000000", "05", "2034", "123").holder("Jane Jones"),
        )
        .merchant_transaction_id(reference)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lost_payment_is_reported_unknown_and_found_by_reference() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let mut rng = fastrand::Rng::with_seed(0x5eed_0004);
    let mut ledger = Ledger::default();
    for flow in 0..FLOWS {
        let reference = format!("order-flow-{flow:04}");
        sandbox.faults().clear();
        sandbox.faults().only_for_paths(Some("/v3/payments".into()));
        sandbox.faults().script(Step::random_script(&mut rng, 1));
        let outcome = match client.create_payment(payment(&reference)).await {
            Ok(transaction) if transaction.is_success() => Reported::Made,
            Ok(other) => panic!("{reference}: the test card is approved: {other:?}"),
            Err(e) if e.outcome_unknown() => Reported::Unknown {
                reconcile_by: e
                    .merchant_reference()
                    .unwrap_or_else(|| {
                        panic!("{reference}: unknown outcome without reference: {e}")
                    })
                    .to_string(),
            },
            Err(e) => Reported::Failed(e.to_string()),
        };
        ledger.record(reference, outcome);
    }
    sandbox.faults().clear();
    let references = sandbox.state().references();
    let verdict = ledger.judge(&references);
    eprintln!("eastpay campaign: {verdict:?}");
    assert!(
        verdict.duplicates.is_empty() && verdict.lost.is_empty() && verdict.phantom.is_empty(),
        "{verdict:?}"
    );
    // The sandbox's 429 comes before any work and is the one plain failure EastPay gets
    // here; every 5xx and lost answer is unknown.
    assert!(
        verdict.made > 0 && verdict.unknown > 0 && verdict.failed > 0,
        "{verdict:?}"
    );

    // Reconciliation: the reference finds the payment exactly when it was made.
    for (reference, by) in ledger.unknown() {
        assert_eq!(reference, by);
        let found = client.find_transactions(by).await.unwrap();
        let held = references.iter().any(|r| r == reference);
        assert_eq!(found.len(), usize::from(held), "{reference}");
        assert!(found.iter().all(|t| t.is_success()));
    }
}
