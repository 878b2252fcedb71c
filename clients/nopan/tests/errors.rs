//! Every documented Nopan reason code maps to its typed value, with status, message,
//! call id and raw body kept.

mod common;

use common::{builder, token_mock};
use httpmock::prelude::*;
use payspec_nopan::{Error, ReasonCode};
use serde_json::json;

const TABLE: &[(u16, &str, ReasonCode)] = &[
    (400, "4000", ReasonCode::ValidationFailed),
    (400, "validation-error", ReasonCode::ValidationFailed),
    (400, "4980", ReasonCode::CertificateProblem),
    (400, "4990", ReasonCode::SignatureError),
    (401, "4970", ReasonCode::AuthenticationFailed),
    (401, "4992", ReasonCode::InvalidSignature),
    (403, "4971", ReasonCode::Forbidden),
    (404, "5000", ReasonCode::NotFound),
    (409, "5001", ReasonCode::AlreadyExists),
    (422, "5002", ReasonCode::TransitionNotAllowed),
    (423, "5003", ReasonCode::StillProcessing),
    (429, "3000", ReasonCode::RateLimited),
    (500, "9999", ReasonCode::InternalError),
    (501, "8003", ReasonCode::NotImplemented),
    (502, "8004", ReasonCode::BadGateway),
    (504, "8001", ReasonCode::ProviderTimeout),
    (418, "7777", ReasonCode::Unknown(String::new())),
];

#[tokio::test]
async fn every_documented_code_is_typed() {
    for (status, code, expected) in TABLE {
        let server = MockServer::start_async().await;
        token_mock(&server);
        let body = json!({"status": "DECLINED",
            "statusInfo": {"reasonCode": code, "message": format!("message {code}")}, "callId": "a3c8-2e31b1"});
        // POST without a key: not retried, so each code is seen once as sent.
        server.mock(|when, then| {
            when.method(POST).path("/mock/set");
            then.status(*status).json_body(body.clone());
        });
        let client = builder(&server.base_url()).build().unwrap();
        let error = client
            .set_mock(payspec_nopan::mock::Mock::client_transaction_id("o"))
            .await
            .unwrap_err();
        let Error::Provider(provider) = &error else {
            panic!("{code}: {error:?}")
        };
        match expected {
            ReasonCode::Unknown(_) => {
                assert_eq!(provider.code, ReasonCode::Unknown(code.to_string()))
            }
            known => assert_eq!(&provider.code, known, "code {code}"),
        }
        assert_eq!(provider.status.as_u16(), *status);
        assert_eq!(provider.raw_code.as_deref(), Some(*code));
        assert_eq!(
            provider.message.as_deref(),
            Some(format!("message {code}").as_str())
        );
        assert_eq!(error.call_id(), Some("a3c8-2e31b1"));
        let raw: serde_json::Value = serde_json::from_slice(&provider.body).unwrap();
        assert_eq!(raw, body);
        let text = error.to_string();
        assert!(
            text.contains(code) && text.contains(&status.to_string()),
            "{text}"
        );
    }
}

#[test]
fn retryable_codes_are_the_documented_ones() {
    use payspec_core::ErrorCode;
    for code in ["5003", "3000", "8004", "8001"] {
        assert!(ReasonCode::from_code(code).is_retryable(), "{code}");
    }
    for code in ["4000", "5002", "9999", "4061"] {
        assert!(!ReasonCode::from_code(code).is_retryable(), "{code}");
    }
}

#[tokio::test]
async fn a_non_json_error_body_keeps_its_status_and_body() {
    let server = MockServer::start_async().await;
    token_mock(&server);
    server.mock(|when, then| {
        when.method(POST).path("/mock/set");
        then.status(502).body("<html>bad gateway</html>");
    });
    let client = builder(&server.base_url()).build().unwrap();
    let error = client
        .set_mock(payspec_nopan::mock::Mock::client_transaction_id("o"))
        .await
        .unwrap_err();
    // An error answer all the same (not "unreadable"): its status says what happened.
    match &error {
        Error::Provider(e) => {
            assert_eq!(e.status.as_u16(), 502);
            assert_eq!(e.raw_body().as_ref(), b"<html>bad gateway</html>");
            assert!(e.raw_code.is_none());
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
    assert!(
        payspec_nopan::CallFailure::outcome_unknown(&error),
        "a 502 leaves it open"
    );
}
