//! The API key and the subscription key never appear in Debug, errors or traces.

mod common;

use common::*;
use httpmock::prelude::*;

const CANARY: &str = "canary-mobilepay-7d1c";
const SUB_CANARY: &str = "canary-subscription-92ab";

#[tokio::test(flavor = "current_thread")]
async fn keys_never_show() {
    let (logs, _guard) = payspec_testkit::trace::capture();
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path(format!("/v1/payments/{PAYMENT}"));
        then.status(401)
            .json_body(serde_json::json!({"code": "unauthorized_access", "message": "no"}));
    });
    let builder = payspec_mobilepay::Client::builder()
        .base_url(server.base_url())
        .api_key(CANARY)
        .subscription_key(SUB_CANARY);
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let error = client.get_payment(PAYMENT).await.unwrap_err();
    let outputs = [
        builder_debug,
        format!("{client:?}"),
        format!("{error:?}"),
        error.to_string(),
        logs.text(),
    ];
    assert!(outputs[4].contains("get_payment"), "the capture works");
    for (i, output) in outputs.iter().enumerate() {
        assert!(
            !output.contains(CANARY) && !output.contains(SUB_CANARY),
            "output {i} leaks a key: {output}"
        );
    }
}
