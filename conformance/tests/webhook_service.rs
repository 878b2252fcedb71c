//! Runs the axum example (`examples/webhook_service.rs`) and checks what it reports: the
//! service acted once on each provider's notification (about the payment the example
//! made), answered a repeat delivery 200 without acting on it again, and refused a
//! tampered copy with 401 before its handler ran.

#[allow(dead_code)] // `main` is the example's, not the test's.
#[path = "../examples/webhook_service.rs"]
mod example;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_axum_service_verifies_and_deduplicates_every_providers_notifications() {
    let observed = example::run().await.unwrap_or_else(|e| panic!("{e}"));
    let providers: Vec<&str> = observed.iter().map(|o| o.provider).collect();
    assert_eq!(providers, ["nopan", "mobilepay", "vaiipay", "gopay"]);
    for seen in &observed {
        assert!(!seen.event.payment.is_empty(), "{seen:?}");
        assert!(!seen.event.what.is_empty(), "{seen:?}");
        assert_eq!(
            seen.repeat_status, 200,
            "a repeat is acknowledged: {seen:?}"
        );
        assert_eq!(seen.acted_on_again, 0, "and not acted on: {seen:?}");
        match seen.provider {
            // GoPay's notification is a bare id: nothing to sign, nothing to tamper.
            "gopay" => assert_eq!(seen.tampered_status, None),
            _ => assert_eq!(seen.tampered_status, Some(401), "{seen:?}"),
        }
    }
}
