//! A canary secret never appears in Debug output, error messages or tracing output.

mod common;

use common::builder;
use httpmock::prelude::*;
use payspec_nopan::webhook::WebhookVerifier;
use serde_json::json;

const CANARY: &str = "canary-5f1e9c0d-token";
const WEBHOOK_CANARY: &str = "canary-webhook-secret-77";

#[tokio::test(flavor = "current_thread")]
async fn the_access_token_never_shows_in_debug_errors_or_traces() {
    let (logs, _guard) = payspec_testkit::trace::capture();

    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/auth/token");
        then.status(200)
            .json_body(json!({"access_token": CANARY, "expires_in": 7200}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/payments/ok/status");
        then.status(200)
            .json_body(json!({"transactionId": "ok", "status": "APPROVED"}));
    });
    server.mock(|when, then| {
        when.method(POST).path("/payments/capture");
        then.status(401).json_body(json!({"status": "DECLINED",
            "statusInfo": {"reasonCode": "4970", "message": "Authentication failed"}, "callId": "x"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    client.payment_status("ok").await.unwrap();
    let error = client.capture_payment("t", "c", 1).await.unwrap_err();
    let raw_token = client
        .api()
        .get_access_token()
        .body(
            payspec_nopan::types::TokenRequest::builder()
                .grant_type(payspec_nopan::open_enums::GrantType::ClientCredentials)
                .processing_account_id("merchant"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();

    let outputs = [
        format!("{client:?}"),
        format!("{error:?}"),
        error.to_string(),
        format!("{raw_token:?}"),
        logs.text(),
    ];
    let traces = &outputs[4];
    assert!(
        traces.contains("payspec.call"),
        "the capture works: {traces}"
    );
    assert!(
        traces.contains("capture_payment"),
        "operation ids are traced"
    );
    for (i, output) in outputs.iter().enumerate() {
        assert!(
            !output.contains(CANARY),
            "output {i} leaks the token: {output}"
        );
    }
    assert_eq!(
        raw_token.access_token.expose(),
        CANARY,
        "the value is still usable"
    );
}

#[test]
fn webhook_secrets_and_private_keys_never_show_in_debug() {
    let verifier = WebhookVerifier::new("x-nopan-signature", WEBHOOK_CANARY)
        .unwrap()
        .with_secret("canary-second")
        .unwrap();
    let text = format!("{verifier:?}");
    assert!(!text.contains("canary"), "{text}");

    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["merchant".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let key_pem = key.serialize_pem();
    let key_body: String = key_pem.lines().nth(1).unwrap().to_string();
    let builder = builder("https://127.0.0.1:1").identity_pem(cert.pem(), key_pem.clone());
    let text = format!("{builder:?}");
    assert!(!text.contains(&key_body), "{text}");
    let identity =
        payspec_core::Identity::from_pem(cert.pem().as_bytes(), key_pem.as_bytes()).unwrap();
    let text = format!("{identity:?}");
    assert!(
        !text.contains(&key_body) && text.contains("redacted"),
        "{text}"
    );
}
