//! Client tokens never appear in Debug, errors or logs. (Alone in its test binary:
//! tracing's callsite cache is process-wide.)

use httpmock::prelude::*;
use payspec_vaiipay::Client;

#[tokio::test(flavor = "current_thread")]
async fn tokens_never_show() {
    let (logs, _guard) = payspec_testkit::trace::capture();
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path("/api/payment/p1");
        then.status(401)
            .json_body(serde_json::json!({"message": "Unauthenticated."}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/api/payment-applications");
        then.status(403)
            .json_body(serde_json::json!({"message": "Insufficient permissions"}));
    });
    let builder = Client::builder()
        .base_url(server.base_url())
        .client_id("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6")
        .client_token("canary-client-token", None)
        .oauth_token("canary-oauth-token")
        .application_secret("canary-app-secret");
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let a = client.get_payment("p1").await.unwrap_err();
    let b = client.list_payment_applications().await.unwrap_err();
    let text = [
        builder_debug,
        format!("{client:?}"),
        format!("{a:?} {a} {b:?} {b}"),
        logs.text(),
    ]
    .join("\n");
    assert!(text.contains("get_payment"), "the capture works");
    assert!(!text.contains("canary"), "{text}");
}
