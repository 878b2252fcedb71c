//! Fault campaign: hundreds of initiates through the sandbox, each meeting a seeded
//! random script of lost answers (after the payment was made), 429s, 503s and 500s in
//! any order. The sandbox's state judges: no payment twice, and every payment it holds
//! was reported made or "outcome unknown" with the idempotency key that repeats it.
//! Then the same with `initiate_payment_with_recovery`, which must leave no unknown.

use payspec_core::CallFailure;
use std::time::Duration;

use payspec_core::RetryPolicy;
use payspec_mobilepay::{Client, NewPayment};
use payspec_mobilepay_sandbox::{Config, Sandbox};
use payspec_mobilepay_sandbox::{Fault, Step};
use payspec_testkit::campaign::{Ledger, Reported};

const FLOWS: usize = 300;

fn limited() -> Step {
    Step::Fail(Fault {
        status: 429,
        retry_after: Some(0),
    })
}

/// The script of flow `flow`: the reported bug (made, answer lost, then rate limited to
/// the end) every tenth flow, rate limited to the end (nothing made) every tenth, else
/// seeded random.
fn script(flow: usize, rng: &mut fastrand::Rng) -> Vec<Step> {
    match flow % 10 {
        0 => vec![Step::Drop, limited(), limited()],
        1 => vec![limited(), limited(), limited()],
        _ => Step::random_script(rng, 4),
    }
}

async fn started() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    (sandbox, client)
}

fn faults_for(sandbox: &Sandbox, steps: Vec<Step>) {
    sandbox.faults().clear();
    sandbox.faults().only_for_paths(Some("/v1/payments".into()));
    sandbox.faults().script(steps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_duplicate_and_no_lost_payment_under_faults() {
    let (sandbox, client) = started().await;
    let point = sandbox.payment_point_id();
    let mut rng = fastrand::Rng::with_seed(0x5eed_0002);
    let mut ledger = Ledger::default();
    for flow in 0..FLOWS {
        let reference = format!("flow-{flow:04}");
        faults_for(&sandbox, script(flow, &mut rng));
        let payment =
            NewPayment::new(100, point.as_str(), "myapp://back", reference.as_str()).unwrap();
        let outcome = match client.initiate_payment(payment).await {
            Ok(_) => Reported::Made,
            Err(e) if e.outcome_unknown() => Reported::Unknown {
                reconcile_by: e
                    .idempotency_key()
                    .unwrap_or_else(|| panic!("{reference}: unknown outcome without a key: {e}"))
                    .to_string(),
            },
            Err(e) => Reported::Failed(e.to_string()),
        };
        ledger.record(reference, outcome);
    }
    sandbox.faults().clear();
    let references = sandbox.state().references();
    ledger.judge(&references).assert_money_safe("mobilepay");

    // Every unknown outcome is settled by repeating the initiate with its key.
    let before = references.len();
    let mut made_now = 0;
    for (reference, key) in ledger.unknown() {
        let key: uuid::Uuid = key.parse().unwrap();
        let payment = NewPayment::new(100, point.as_str(), "myapp://back", reference)
            .unwrap()
            .idempotency_key(key);
        client
            .initiate_payment(payment)
            .await
            .unwrap_or_else(|e| panic!("{reference}: repeat with key {key}: {e}"));
        if references
            .binary_search_by(|r| r.as_str().cmp(reference))
            .is_err()
        {
            made_now += 1;
        }
    }
    assert_eq!(
        sandbox.state().payments.len(),
        before + made_now,
        "no repeat made a second payment"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_leaves_no_unknown_payment_behind() {
    let (sandbox, client) = started().await;
    let point = sandbox.payment_point_id();
    let mut rng = fastrand::Rng::with_seed(0x5eed_0003);
    let mut ledger = Ledger::default();
    let mut abandoned = Vec::new();
    for flow in 0..FLOWS {
        let reference = format!("recover-{flow:04}");
        // Up to eight steps: enough to lose the repeat as well, and reach the cancel.
        let mut steps = script(flow, &mut rng);
        steps.extend(Step::random_script(&mut rng, 4));
        faults_for(&sandbox, steps);
        let payment =
            NewPayment::new(100, point.as_str(), "myapp://back", reference.as_str()).unwrap();
        let outcome = match client.initiate_payment_with_recovery(payment).await {
            Ok(_) => Reported::Made,
            // The repeat was lost too and so was the cancel: still unknown, with the key.
            Err(e) if e.outcome_unknown() => Reported::Unknown {
                reconcile_by: e
                    .idempotency_key()
                    .unwrap_or_else(|| panic!("{reference}: unknown outcome without a key: {e}"))
                    .to_string(),
            },
            Err(e) => {
                if matches!(
                    e.kind(),
                    payspec_mobilepay::ErrorKind::InitiateAbandoned {
                        cancelled: true,
                        ..
                    }
                ) {
                    abandoned.push(reference.clone());
                }
                Reported::Failed(e.to_string())
            }
        };
        ledger.record(reference, outcome);
    }
    sandbox.faults().clear();
    // An abandoned initiate was cancelled by its key: the payment exists, cancelled, and
    // can never be confirmed: it counts as not made.
    for reference in &abandoned {
        let state = sandbox.state().payment(reference).map(|p| p.state.clone());
        assert_eq!(state.as_deref(), Some("cancelledByMerchant"), "{reference}");
    }
    let references: Vec<String> = sandbox
        .state()
        .references()
        .into_iter()
        .filter(|r| !abandoned.contains(r))
        .collect();
    let verdict = ledger.judge(&references);
    eprintln!(
        "mobilepay recovery: {verdict:?}; {} initiates abandoned and cancelled by key",
        abandoned.len()
    );
    assert!(
        verdict.duplicates.is_empty() && verdict.lost.is_empty() && verdict.phantom.is_empty(),
        "{verdict:?}"
    );
    // Recovery settles a lost answer unless the repeat and the cancel are lost as well.
    assert!(verdict.unknown < verdict.flows / 10, "{verdict:?}");
    assert!(
        !abandoned.is_empty(),
        "the campaign must reach the cancel by key"
    );
}
