//! The five sandboxes have one API (`start(Config)`, `client_builder`, `faults`,
//! `webhooks`, `state`, `shutdown`) and serve under their spec's base path. The base path
//! is read from each spec's first server URL, not from the sandboxes' own code.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

/// `specs/<provider>.yaml`, read as xtask reads it.
fn spec(provider: &str) -> Value {
    // `load` takes a crate's directory two levels below the root; this crate's tests
    // directory is.
    payspec_testkit::spec::load(concat!(env!("CARGO_MANIFEST_DIR"), "/tests"), provider)
}

/// The path of the first `servers:` URL of `specs/<provider>.yaml` (`""` for a host).
fn spec_base_path(provider: &str) -> String {
    let spec = spec(provider);
    let url = spec["servers"][0]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{provider}: no server URL"));
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme
        .find('/')
        .map_or(String::new(), |at| without_scheme[at..].to_string())
}

fn path_of(base_url: &str) -> String {
    let url = url::Url::parse(base_url).unwrap_or_else(|e| panic!("{base_url}: {e}"));
    url.path().trim_end_matches('/').to_string()
}

#[tokio::test]
async fn every_sandbox_serves_under_its_specs_base_path() {
    let nopan = payspec_nopan_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let mobilepay = payspec_mobilepay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let gopay = payspec_gopay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let eastpay = payspec_eastpay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let vaiipay = payspec_vaiipay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    for (provider, base_url) in [
        ("nopan", nopan.base_url()),
        ("mobilepay", mobilepay.base_url()),
        ("gopay", gopay.base_url()),
        ("eastpay", eastpay.base_url()),
        ("vaiipay", vaiipay.base_url()),
    ] {
        assert_eq!(path_of(&base_url), spec_base_path(provider), "{provider}");
    }
    assert_eq!(spec_base_path("gopay"), "/api/4.0");
    // Outside the base path there is no API, in the provider's own error envelope.
    let root = gopay.base_url().replace("/api/4.0", "");
    let http = payspec_core::HttpConfig::default().build().unwrap();
    let outside = http
        .post(format!("{root}/oauth2/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    let body: serde_json::Value = outside.json().await.unwrap();
    assert_eq!(body["error"], "NOT_FOUND", "{body}");
    // The client reaches it with the base URL the sandbox gives.
    let client = gopay.client_builder().build().unwrap();
    let order = payspec_gopay::NewPayment::new(
        payspec_gopay::Amount::new(100).unwrap(),
        payspec_gopay::Currency::Czk,
        "order-base-path",
    )
    .unwrap();
    client.create_payment(order).await.unwrap();
    assert_eq!(gopay.state().references(), ["order-base-path"]);
}

#[tokio::test]
async fn a_seed_repeats_ids_and_shutdown_frees_the_port() {
    async fn point(seed: u64) -> (String, u16) {
        let sandbox = payspec_mobilepay_sandbox::Sandbox::start(
            payspec_sandbox::Config::default().seed(seed),
        )
        .await
        .unwrap();
        let point = sandbox.payment_point_id();
        let port = url::Url::parse(&sandbox.base_url())
            .unwrap()
            .port()
            .unwrap();
        sandbox.shutdown().await;
        (point, port)
    }
    let (first, port) = point(11).await;
    let (again, _) = point(11).await;
    let (other, _) = point(12).await;
    assert_eq!(first, again);
    assert_ne!(first, other);
    // After shutdown the port is free: a new sandbox can take it.
    let reused =
        payspec_mobilepay_sandbox::Sandbox::start(payspec_sandbox::Config::default().port(port))
            .await
            .unwrap();
    assert!(reused.base_url().ends_with(&format!(":{port}")));
}

#[tokio::test]
async fn a_manual_clock_expires_tokens_without_waiting() {
    let start = std::time::UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    let clock = payspec_sandbox::Clock::manual(start);
    let sandbox = payspec_nopan_sandbox::Sandbox::start(
        payspec_sandbox::Config::default()
            .clock(clock.clone())
            .token_lifetime(Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let unknown = client.payment_status("missing").await.unwrap_err();
    assert_eq!(unknown.code(), Some(&payspec_nopan::ReasonCode::NotFound));
    clock.advance(Duration::from_secs(61));
    // The cached token is now expired for the sandbox: the client refreshes once and
    // the call still answers (not found), with no real time passing.
    let again = client.payment_status("missing").await.unwrap_err();
    assert_eq!(again.code(), Some(&payspec_nopan::ReasonCode::NotFound));
    assert_eq!(sandbox.clock().now(), start + Duration::from_secs(61));
}

#[tokio::test]
async fn a_non_rust_app_sets_the_webhook_url_and_reads_state_over_http() {
    let sandbox = payspec_vaiipay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let root = sandbox.base_url();
    let http = payspec_core::HttpConfig::default().build().unwrap();
    let set = http
        .put(format!("{root}/__sandbox/webhooks"))
        .json(&serde_json::json!({"url": "http://127.0.0.1:9/hooks"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert_eq!(
        sandbox.webhooks().url().as_deref(),
        Some("http://127.0.0.1:9/hooks")
    );
    let listed: serde_json::Value = http
        .get(format!("{root}/__sandbox/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["url"], "http://127.0.0.1:9/hooks");
    assert_eq!(listed["deliveries"], serde_json::json!([]));
    let client = sandbox.client_builder().build().unwrap();
    let checkout = payspec_vaiipay::NewCheckout::new(1500, "USD", "order-http").unwrap();
    client.create_checkout(checkout).await.unwrap();
    let state: serde_json::Value = http
        .get(format!("{root}/__sandbox/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["payments"][0]["reference"], "order-http", "{state}");
    assert_eq!(state["payments"][0]["state"], "PENDING", "{state}");
}

/// Found by schemathesis's reading of the spec: GoPay's sandbox stored an amount of 2^63
/// as 0 and answered `"charge": null` (the spec's `Charge` is not nullable).
#[tokio::test]
async fn gopay_refuses_an_amount_beyond_int64_and_sends_no_null_charge() {
    let sandbox = payspec_gopay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let base = sandbox.base_url();
    let http = payspec_core::HttpConfig::default().build().unwrap();
    let token: serde_json::Value = http
        .post(format!("{base}/oauth2/token"))
        .basic_auth(
            payspec_gopay_sandbox::CLIENT_ID,
            Some(payspec_gopay_sandbox::CLIENT_SECRET),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "payment:create"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["access_token"].as_str().unwrap().to_string();
    let create = |amount: &'static str| {
        http.post(format!(
            "{base}/eshops/{}/payments",
            payspec_gopay_sandbox::GOID
        ))
        .bearer_auth(&bearer)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"amount": {amount}, "currency": "CZK", "order_number": "o-{amount}"}}"#
        ))
        .send()
    };
    let refused = create("9223372036854775808").await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(sandbox.state().payments.is_empty());
    let created = create("9223372036854775807").await.unwrap();
    assert_eq!(created.status(), 201);
    let body: serde_json::Value = created.json().await.unwrap();
    assert!(body.get("charge").is_none(), "{body}");
    assert_eq!(sandbox.state().payments[0].amount, i64::MAX);
}

/// Found by schemathesis's reading of the spec: EastPay's sandbox refused `paymentType=CD`
/// (a credit, which the spec allows) and answered an unknown currency with an amount code.
/// OPP's codes: `100.550.401` invalid currency, `100.550.300` no or too low amount.
#[tokio::test]
async fn eastpay_takes_a_credit_and_names_a_bad_currency_as_opp_does() {
    let sandbox = payspec_eastpay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let http = payspec_core::HttpConfig::default().build().unwrap();
    let pay = |payment_type: &'static str, amount: &'static str, currency: &'static str| {
        http.post(format!("{}/v3/payments", sandbox.base_url()))
            .bearer_auth(payspec_eastpay_sandbox::ACCESS_TOKEN)
            .form(&[
                ("entityId", payspec_eastpay_sandbox::ENTITY_ID),
                ("amount", amount),
                ("currency", currency),
                ("paymentType", payment_type),
                ("paymentBrand", "VISA"),
                ("card.number", "4200000000000000"),
                ("card.expiryMonth", "12"),
                ("card.expiryYear", "2030"),
                ("card.cvv", "123"),
            ])
            .send()
    };
    let code = |body: &serde_json::Value| {
        body["result"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let credit: serde_json::Value = pay("CD", "10.00", "EUR")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&credit), "000.100.110", "{credit}");
    assert_eq!(credit["paymentType"], "CD");
    let unknown = pay("DB", "10.00", "XQQ").await.unwrap();
    assert_eq!(unknown.status(), 400);
    assert_eq!(code(&unknown.json().await.unwrap()), "100.550.401");
    let zero: serde_json::Value = pay("DB", "0.00", "EUR")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&zero), "100.550.300");
}

/// Found by schemathesis: a one-time BLIK payment without the payer's code was accepted
/// by Nopan's sandbox, and an empty MobilePay `reference` by MobilePay's (the spec now
/// says 1 to 64 characters, so the client refuses it before sending, too).
#[tokio::test]
async fn nopan_wants_a_blik_code_and_mobilepay_a_reference() {
    let nopan = payspec_nopan_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let client = nopan.client_builder().build().unwrap();
    let no_code = payspec_nopan::NewPayment::new(
        "order-no-code",
        payspec_nopan::Amount::new(100).unwrap(),
        "PLN",
        payspec_nopan::ProviderId::Blik,
    )
    .unwrap();
    let refused = client.initiate(no_code).await.unwrap_err();
    assert_eq!(
        refused.code(),
        Some(&payspec_nopan::ReasonCode::ValidationFailed)
    );
    assert!(refused.to_string().contains("oneTimeCode"), "{refused}");
    assert!(nopan.state().payments.is_empty());

    let mobilepay = payspec_mobilepay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let empty =
        payspec_mobilepay::NewPayment::new(100, mobilepay.payment_point_id(), "myapp://done", "");
    assert!(
        empty.is_err(),
        "an empty reference is refused before sending"
    );
}

/// `Config::state_file`: a sandbox started again on its file has what it had (payments
/// under the same ids, their states, the tokens it issued), for every provider alike, and
/// the webhooks are not sent a second time.
#[tokio::test]
async fn state_survives_a_restart_on_its_file() {
    let dir = std::env::temp_dir().join(format!("payspec-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.jsonl");
    let _ = std::fs::remove_file(&file);
    let config = || payspec_sandbox::Config::default().state_file(&file, "mobilepay");

    let first = payspec_mobilepay_sandbox::Sandbox::start(config())
        .await
        .unwrap();
    let client = first.client_builder().build().unwrap();
    let point = first.payment_point_id();
    let order =
        payspec_mobilepay::NewPayment::new(700, point.clone(), "myapp://done", "order-kept")
            .unwrap();
    let payment = client.initiate_payment(order).await.unwrap();
    client
        .simulate_reservation(
            &payment.payment_id.to_string(),
            payspec_mobilepay_sandbox::Sandbox::PAYMENT_SOURCE,
            payspec_mobilepay_sandbox::Sandbox::USER,
        )
        .await
        .unwrap();
    let before = first.state();
    first.shutdown().await;

    // A Nopan sandbox shares the file: each finds its own lines.
    let nopan = payspec_nopan_sandbox::Sandbox::start(
        payspec_sandbox::Config::default().state_file(&file, "nopan"),
    )
    .await
    .unwrap();
    assert!(nopan.state().payments.is_empty());

    let second = payspec_mobilepay_sandbox::Sandbox::start(config())
        .await
        .unwrap();
    assert_eq!(
        second.payment_point_id(),
        point,
        "the same seed, the same ids"
    );
    assert_eq!(second.state(), before);
    assert_eq!(before.payments[0].state, "reserved");
    // A client of the new instance reads the payment, and can go on with it.
    let client = second.client_builder().build().unwrap();
    let read = client.get_payment(payment.payment_id).await.unwrap();
    assert_eq!(
        read.reference.as_deref().map(|r| r.to_string()),
        Some("order-kept".to_string())
    );
    client
        .capture_payment(payment.payment_id, 700)
        .await
        .unwrap();
    assert_eq!(second.state().payments[0].state, "captured");
    assert!(
        second.webhooks().deliveries().is_empty(),
        "no webhook sent twice"
    );
    second.shutdown().await;
    // ... and the capture is kept too.
    let third = payspec_mobilepay_sandbox::Sandbox::start(config())
        .await
        .unwrap();
    assert_eq!(third.state().payments[0].state, "captured");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The properties each generated crate says take `null` in requests and in answers
/// (what the sandboxes accept and answer `null` for) are properties its spec marks
/// `nullable: true`, on the property or on the schema it refers to, and every such
/// property is in one list or the other: read here from the specs themselves. (Which
/// list is held by schemathesis, which refuses a sandbox that accepts `null` where a
/// request's schema does not allow it.)
#[test]
fn the_generated_nullable_properties_are_the_specs() {
    fn walk<'a>(spec: &'a Value, node: &'a Value, out: &mut BTreeSet<&'a str>) {
        let is_nullable = |schema: &Value| schema["nullable"] == Value::Bool(true);
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (name, schema) in properties {
                let target = schema["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix('#'))
                    .and_then(|pointer| spec.pointer(pointer));
                if is_nullable(schema) || target.is_some_and(is_nullable) {
                    out.insert(name);
                }
            }
        }
        match node {
            Value::Object(map) => map.values().for_each(|child| walk(spec, child, out)),
            Value::Array(items) => items.iter().for_each(|child| walk(spec, child, out)),
            _ => {}
        }
    }
    let generated: [(&str, &[&str], &[&str]); 5] = [
        (
            "nopan",
            payspec_nopan::api::NULLABLE_IN_REQUESTS,
            payspec_nopan::api::NULLABLE_IN_ANSWERS,
        ),
        (
            "mobilepay",
            payspec_mobilepay::api::NULLABLE_IN_REQUESTS,
            payspec_mobilepay::api::NULLABLE_IN_ANSWERS,
        ),
        (
            "gopay",
            payspec_gopay::api::NULLABLE_IN_REQUESTS,
            payspec_gopay::api::NULLABLE_IN_ANSWERS,
        ),
        (
            "eastpay",
            payspec_eastpay::api::NULLABLE_IN_REQUESTS,
            payspec_eastpay::api::NULLABLE_IN_ANSWERS,
        ),
        (
            "vaiipay",
            payspec_vaiipay::api::NULLABLE_IN_REQUESTS,
            payspec_vaiipay::api::NULLABLE_IN_ANSWERS,
        ),
    ];
    for (provider, requests, answers) in generated {
        let spec = spec(provider);
        let mut from_spec = BTreeSet::new();
        walk(&spec, &spec, &mut from_spec);
        let listed: BTreeSet<&str> = requests.iter().chain(answers).copied().collect();
        assert_eq!(listed, from_spec, "{provider}");
    }
    // MobilePay's are the ones its sandbox relies on.
    assert_eq!(
        payspec_mobilepay::api::NULLABLE_IN_REQUESTS,
        ["customerPhoneNumber", "description"]
    );
    assert_eq!(
        payspec_mobilepay::api::NULLABLE_IN_ANSWERS,
        ["description", "nextPageNumber", "paymentPointId"]
    );
}
