//! Card data, tokens and the client secret never show in traces, Debug or errors.
//! (Alone in its test binary: tracing's callsite cache is process-wide, and a
//! thread-local capture races with other tests' threads.)

mod common;

use common::*;
use httpmock::prelude::*;
use payspec_gopay::CardData;
use serde_json::json;

fn jwk(kid: &str) -> serde_json::Value {
    json!({"kty": "RSA", "kid": kid, "use": "enc", "alg": "RSA-OAEP-256", "e": "AQAB",
        "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"})
}

#[tokio::test(flavor = "current_thread")]
async fn card_data_and_tokens_never_show_in_traces() {
    let (logs, _guard) = payspec_testkit::trace::capture();
    let server = MockServer::start_async().await;
    token_mock(&server, "canary-access-token", "canary-refresh-token");
    server.mock(|when, then| {
        when.method(GET).path("/encryption/public-key");
        then.status(200).json_body(jwk("k1"));
    });
    server.mock(|when, then| {
        when.method(POST).path("/cards/tokens");
        then.status(400)
            .json_body(json!({"code": 400, "error": "BAD_REQUEST", "message": "card declined"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let card = CardData::new("4111111111111111", "01", "27", "987").unwrap();
    let error = client.tokenize_card(&card, false).await.unwrap_err();
    let text = [
        logs.text(),
        format!("{error:?}"),
        error.to_string(),
        format!("{client:?}"),
        format!("{card:?}"),
    ]
    .join("\n");
    assert!(
        text.contains("create_card_token"),
        "the capture works: {text}"
    );
    for canary in [
        "4111111111111111",
        "987\"",
        "canary-access-token",
        "canary-refresh-token",
        CLIENT_SECRET,
    ] {
        assert!(!text.contains(canary), "{canary} leaked: {text}");
    }
}
