//! Fault campaign: hundreds of initiates through the sandbox, each meeting a seeded
//! random script of lost answers (after the payment was made), 429s, 503s and 500s in
//! any order. The sandbox's own state is the judge: no payment twice, and every payment
//! it holds was either reported made or reported "outcome unknown" with the key that
//! repeats it safely.

use payspec_core::CallFailure;
use std::num::NonZeroU64;
use std::time::Duration;

use payspec_core::RetryPolicy;
use payspec_nopan::open_enums::{ProviderId, TransactionType};
use payspec_nopan::types;
use payspec_nopan_sandbox::Step;
use payspec_nopan_sandbox::{Config, PROCESSING_ACCOUNT_ID, Sandbox};
use payspec_testkit::campaign::{Ledger, Reported};

const FLOWS: usize = 300;

fn blik(order: &str) -> types::builder::InitiatePaymentRequest {
    types::InitiatePaymentRequest::builder()
        .processing_account_id(PROCESSING_ACCOUNT_ID)
        .client_transaction_id(order)
        .transaction_type(TransactionType::OneTime)
        .payment_details(
            types::PaymentDetailsRequest::builder()
                .amount(types::RequestAmount(NonZeroU64::new(100).unwrap()))
                .currency("PLN"),
        )
        .provider_details(types::ProviderDetailsRequest::builder().provider_id(ProviderId::Blik))
        .payer_details(
            types::PayerDetailsRequest::builder().one_time_code(Some("123456".parse().unwrap())),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_duplicate_and_no_lost_payment_under_faults() {
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
    let mut rng = fastrand::Rng::with_seed(0x5eed_0001);
    let mut ledger = Ledger::default();
    for flow in 0..FLOWS {
        let order = format!("flow-{flow:04}");
        sandbox.faults().clear();
        sandbox.faults().only_for_paths(Some("/payments/".into()));
        let limited = || {
            Step::Fail(payspec_nopan_sandbox::Fault {
                status: 429,
                retry_after: Some(0),
            })
        };
        let script = match flow % 10 {
            // The reported bug: made, answer lost, then rate limited to the end.
            0 => vec![Step::Drop, limited(), limited()],
            // Rate limited to the end: nothing made, a plain failure.
            1 => vec![limited(), limited(), limited()],
            _ => Step::random_script(&mut rng, 4),
        };
        sandbox.faults().script(script);
        if rng.u8(0..4) == 0 {
            sandbox
                .faults()
                .set_latency(Duration::from_millis(rng.u64(0..3)));
        }
        let outcome = match client.initiate_payment(blik(&order)).await {
            Ok(_) => Reported::Made,
            Err(e) if e.outcome_unknown() => Reported::Unknown {
                reconcile_by: e
                    .idempotency_key()
                    .unwrap_or_else(|| panic!("{order}: outcome unknown without a key: {e}"))
                    .to_string(),
            },
            Err(e) => Reported::Failed(e.to_string()),
        };
        ledger.record(order, outcome);
    }
    sandbox.faults().clear();

    let references = sandbox.state().references();
    ledger.judge(&references).assert_money_safe("nopan");

    // Every unknown outcome is settled by repeating the request with its key: the
    // payment comes back (made once) or is made now, never twice.
    let before = references.len();
    let mut settled_new = 0;
    for (order, key) in ledger.unknown() {
        let had = references
            .binary_search_by(|r| r.as_str().cmp(order))
            .is_ok();
        let payment = client
            .api()
            .initiate_payment()
            .idempotency_key(key)
            .body(blik(order))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{order}: repeat with key {key}: {e}"))
            .into_inner();
        assert_eq!(payment.client_transaction_id.as_deref(), Some(order));
        if !had {
            settled_new += 1;
        }
    }
    assert_eq!(sandbox.state().payments.len(), before + settled_new);
}

/// Sixteen requests at once with one `Idempotency-Key`, fifty rounds: exactly one payment
/// a round, and every answer is that payment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_make_one_payment() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    for round in 0..50 {
        let order = format!("race-{round:02}");
        let key = format!("race-key-{round:02}");
        let calls = (0..16).map(|_| {
            let client = client.clone();
            let (order, key) = (order.clone(), key.clone());
            tokio::spawn(async move {
                client
                    .api()
                    .initiate_payment()
                    .idempotency_key(key)
                    .body(blik(&order))
                    .send()
                    .await
                    .map(|answer| answer.into_inner().transaction_id)
            })
        });
        let ids: Vec<_> = futures::future::join_all(calls)
            .await
            .into_iter()
            .map(|joined| joined.unwrap().unwrap())
            .collect();
        assert!(
            ids.iter().all(|id| !id.is_empty() && *id == ids[0]),
            "{ids:?}"
        );
        assert_eq!(sandbox.state().payments.len(), round + 1, "round {round}");
    }
}
