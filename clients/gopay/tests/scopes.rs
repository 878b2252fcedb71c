//! Scopes per operation. The spec names each operation's scope as GoPay's published API
//! 4.0 does (its `merchant_credentials` requirements); the oracle is that published spec,
//! restated by `conformance/published/extract.py` in `tests/published/security*.json`.
//! With `ApiRevision::Published` the client asks for what its operations need and
//! refuses, before sending, an operation whose scope its token lacks; the sandbox issues
//! tokens for the scopes asked and refuses the others with 403, as GoPay does.

use std::collections::BTreeMap;

use httpmock::prelude::*;
use payspec_gopay::open_enums::Currency;
use payspec_gopay::{ApiRevision, CallFailure, Client, Error, NewPayment, Scope};
use payspec_gopay_api::OPERATIONS;
use payspec_gopay_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

/// (method, path) -> the published `merchant_credentials` scopes, from a restated file.
fn published(file: &str) -> BTreeMap<(String, String), Vec<String>> {
    let path = format!("{}/tests/published/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for entry in entries {
        let merchant = entry["security"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|requirement| requirement.get("merchant_credentials"));
        if let Some(scopes) = merchant {
            let scopes = scopes
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            let method = entry["method"].as_str().unwrap().to_string();
            out.insert(
                (method, entry["path"].as_str().unwrap().to_string()),
                scopes,
            );
        }
    }
    out
}

#[test]
fn every_operation_names_the_scope_the_published_spec_gives_it() {
    let mut compared = 0;
    for file in ["security.json", "security-0e9ee61.json"] {
        let published = published(file);
        assert!(published.len() >= 14, "{file}: {}", published.len());
        for ((method, path), scopes) in &published {
            if path == "/oauth2/token" {
                continue;
            }
            // The generated table, from our spec, at the published path.
            let operation = OPERATIONS
                .operation_at(method, path)
                .unwrap_or_else(|| panic!("{method} {path} ({file}) is not in the spec"));
            let ours = OPERATIONS.security_of(operation).and_then(|s| s.scope);
            assert_eq!(
                ours,
                scopes.first().map(String::as_str),
                "{method} {path} ({operation}, {file})"
            );
            compared += 1;
        }
    }
    // 14 operations of the latest revision, 25 of the one with recurrences and links.
    assert_eq!(compared, 39);
}

#[test]
fn the_published_revision_asks_for_every_scope_its_operations_name() {
    let union: Vec<String> = published("security-0e9ee61.json")
        .into_values()
        .flatten()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(OPERATIONS.scopes(), union);
    assert_eq!(
        union,
        [
            "card:read",
            "card:write",
            "payment:read",
            "payment:write",
            "shared:read"
        ]
    );
}

#[tokio::test]
async fn an_operation_whose_scope_the_token_lacks_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .form_urlencoded_tuple("scope", "payment:read");
        then.status(200)
            .json_body(json!({"access_token": "t", "token_type": "bearer", "expires_in": 1800}));
    });
    let anything = server.mock(|when, then| {
        when.path_includes("/payments");
        then.status(500);
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .client_id("id")
        .client_secret("secret")
        .goid("8123456789")
        .revision(ApiRevision::Published)
        .scope(Scope::PaymentRead)
        .build()
        .unwrap();
    let error = client
        .create_payment(NewPayment::new(100, Currency::Czk, "o-scope").unwrap())
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(text.contains("`payment:write`"), "{text}");
    assert!(!error.outcome_unknown());
    let error = client.create_refund("p1", 100).await.unwrap_err();
    assert!(error.to_string().contains("`payment:write`"), "{error}");
    // Nothing reached the server, not even the token call.
    assert_eq!(anything.calls_async().await, 0);
    assert_eq!(token.calls_async().await, 0);
}

#[tokio::test]
async fn the_seeds_charge_is_refused_with_the_published_revision() {
    let sandbox = Sandbox::start(Config::default().seed(31)).await.unwrap();
    let client = sandbox
        .client_builder()
        .revision(ApiRevision::Published)
        .build()
        .unwrap();
    let id = client
        .create_payment(NewPayment::new(1000, Currency::Czk, "o-rev").unwrap())
        .await
        .unwrap()
        .id;
    let error = client
        .create_charge(
            &id,
            payspec_gopay::Instrument::Card {
                token: "card-1".into(),
                challenge: None,
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(error.to_string().contains("charge_card"), "{error}");
    // The payment was not touched.
    assert_eq!(
        client.get_payment(&id).await.unwrap().state.to_string(),
        "CREATED"
    );
}

#[tokio::test]
async fn the_sandbox_issues_tokens_for_the_scopes_asked_and_refuses_the_others() {
    let sandbox = Sandbox::start(Config::default().seed(32)).await.unwrap();
    // Every default scope: every operation works.
    let full = sandbox
        .client_builder()
        .revision(ApiRevision::Published)
        .build()
        .unwrap();
    let id = full
        .create_payment(NewPayment::new(1200, Currency::Czk, "o-scopes").unwrap())
        .await
        .unwrap()
        .id;
    assert!(full.card_form_url().await.is_ok());
    assert!(full.get_encryption_public_key().await.is_ok());

    // A read-only token, with the seed's revision (which checks nothing itself): the
    // sandbox reads and refuses the write with GoPay's 403.
    let reader = sandbox
        .client_builder()
        .scope(Scope::PaymentRead)
        .build()
        .unwrap();
    assert_eq!(reader.get_payment(&id).await.unwrap().id, id);
    let error = reader
        .create_payment(NewPayment::new(1200, Currency::Czk, "o-scopes-2").unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403), "{error}");
    assert!(error.to_string().contains("payment:write"), "{error}");
    let error = reader.card_form_url().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403), "{error}");

    // An unknown scope is refused at the token endpoint (RFC 6749 5.2, invalid_scope).
    let odd = sandbox
        .client_builder()
        .scope(Scope::Other("payment:everything".into()))
        .build()
        .unwrap();
    let error = odd.get_payment(&id).await.unwrap_err();
    assert!(error.to_string().contains("payment:everything"), "{error}");
}
