//! RFC 9421 on Nopan's calls: every request signed (the token call too), every answer
//! checked against Nopan's keys, an answer that fails is an error and never data. The
//! signature code itself is held to RFC 9421's vectors and to Python's implementation in
//! payspec-core; here is what the Nopan client and sandbox do with it.

mod common;

use httpmock::prelude::*;
use payspec_nopan::httpsig::{self, DigestAlgorithm, Message, SignatureParams, SigningKey};
use payspec_nopan::{
    Amount, CallFailure, Client, Environment, ErrorOrigin, NewPayment, ReasonCode,
    TokenAccountField,
};
use payspec_nopan_sandbox::{CLIENT_KEY_ID, Config, MTLS_KEY_ID, PROCESSING_ACCOUNT_ID, Sandbox};
use serde_json::json;

/// A fresh Ed25519 key (PKCS#8 PEM) made by rcgen, an implementation of its own.
fn other_key_pem() -> String {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519)
        .unwrap()
        .serialize_pem()
}

/// A builder for the sandbox with its mTLS identity and CA, but no signing key.
fn unsigned_builder(sandbox: &Sandbox) -> payspec_nopan::ClientBuilder {
    Client::builder()
        .base_url(sandbox.base_url())
        .processing_account_id(PROCESSING_ACCOUNT_ID)
        .identity_pem(
            sandbox.pki().client_cert_pem.clone(),
            sandbox.pki().client_key_pem.clone(),
        )
        .ca_pem(sandbox.pki().ca_pem.clone())
        .trust_only_given_cas()
}

#[tokio::test]
async fn the_sandbox_refuses_unsigned_and_wrongly_signed_requests() {
    let sandbox = Sandbox::start(Config::default().seed(1)).await.unwrap();

    let unsigned = unsigned_builder(&sandbox).build().unwrap();
    let error = unsigned.payment_status("p").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::SignatureError), "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));

    let wrong = unsigned_builder(&sandbox)
        .signing_key_pem(CLIENT_KEY_ID, other_key_pem())
        .build()
        .unwrap();
    let error = wrong.payment_status("p").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::InvalidSignature), "{error}");

    // The key the sandbox issued signs; its answers verify against the sandbox's JWKS.
    let signed = sandbox.client_builder().build().unwrap();
    let payment = signed
        .initiate(NewPayment::blik("order-sig", Amount::new(500).unwrap(), "123456").unwrap())
        .await
        .unwrap();
    assert_eq!(
        signed
            .payment_status(&payment.transaction_id)
            .await
            .unwrap()
            .transaction_id,
        payment.transaction_id
    );

    // A tool that cannot sign can be let in explicitly; answers stay signed.
    sandbox.require_signatures(false);
    let error = unsigned.payment_status("p").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::NotFound), "{error}");
    // ... while a signature that is sent is still checked.
    let wrong = unsigned_builder(&sandbox)
        .signing_key_pem(CLIENT_KEY_ID, other_key_pem())
        .build()
        .unwrap();
    let error = wrong.payment_status("p").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::InvalidSignature), "{error}");
    sandbox.shutdown().await;
}

/// The mutual-TLS key signs too (`sign_with_identity_key`), under the key id Nopan
/// registered it: the sandbox knows its client certificate's key as `MTLS_KEY_ID`.
#[tokio::test]
async fn the_mutual_tls_key_can_sign_the_requests() {
    let sandbox = Sandbox::start(Config::default().seed(7)).await.unwrap();
    let client = unsigned_builder(&sandbox)
        .sign_with_identity_key(MTLS_KEY_ID)
        .build()
        .unwrap();
    let payment = client
        .initiate(NewPayment::blik("order-mtls-sig", Amount::new(700).unwrap(), "777123").unwrap())
        .await
        .unwrap();
    assert!(!payment.transaction_id.is_empty());
    // The same key under another key's id does not verify.
    let misnamed = unsigned_builder(&sandbox)
        .sign_with_identity_key(CLIENT_KEY_ID)
        .build()
        .unwrap();
    let error = misnamed.payment_status("p").await.unwrap_err();
    assert_eq!(error.code(), Some(&ReasonCode::InvalidSignature), "{error}");
    // Without an identity there is no key to sign with.
    let error = Client::builder()
        .base_url(sandbox.base_url())
        .processing_account_id(PROCESSING_ACCOUNT_ID)
        .sign_with_identity_key(MTLS_KEY_ID)
        .build()
        .unwrap_err();
    assert!(
        error.to_string().contains("sign_with_identity_key"),
        "{error}"
    );
    sandbox.shutdown().await;
}

/// A request signed with the sandbox's client key, `created` set `offset` seconds from
/// now, sent over the client's own mutual-TLS connection without a token: the signature
/// is checked first, so a fresh one gets past it (to 401 `4970`, no token) and a stale
/// or future one is refused as a replay (401 `4992`).
#[tokio::test]
async fn the_sandbox_refuses_a_signature_made_too_long_ago_or_in_the_future() {
    use payspec_nopan::api::ClientInfo;
    let sandbox = Sandbox::start(Config::default().seed(6)).await.unwrap();
    let http = unsigned_builder(&sandbox)
        .build()
        .unwrap()
        .api()
        .client()
        .clone();
    let key =
        SigningKey::from_pem(CLIENT_KEY_ID, sandbox.client_signing_key_pem().as_bytes()).unwrap();
    let url = reqwest::Url::parse(&format!("{}/payments/p-1/status", sandbox.base_url())).unwrap();
    let mut codes = Vec::new();
    for offset in [0i64, -250, -400, 400, -3600] {
        let mut headers = http::HeaderMap::new();
        let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        headers.insert("host", host.parse().unwrap());
        let created = httpsig::unix_now() + offset;
        let params = SignatureParams::new(["@authority", "@method", "@request-target"])
            .created(created)
            .key_id(CLIENT_KEY_ID);
        let method = http::Method::GET;
        let message = Message {
            method: Some(&method),
            uri: Some(&url),
            status: None,
            headers: &headers,
        };
        let signed =
            httpsig::sign(&message, payspec_nopan::SIGNATURE_LABEL, &params, &key).unwrap();
        let answer = http
            .get(url.clone())
            .header("signature-input", signed.signature_input)
            .header("signature", signed.signature)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 401, "offset {offset}");
        let body: serde_json::Value = answer.json().await.unwrap();
        codes.push(
            body["statusInfo"]["reasonCode"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert_eq!(codes, ["4970", "4970", "4992", "4992", "4992"]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn answers_signed_with_another_key_are_errors_not_data() {
    let sandbox = Sandbox::start(Config::default().seed(2)).await.unwrap();
    // The client trusts a key the sandbox does not sign with.
    let public_pem = {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        pair.public_key_pem()
    };
    let client = sandbox
        .client_builder()
        .response_key_pem("nopan-sandbox", public_pem)
        .build()
        .unwrap();
    let error = client.payment_status("p").await.unwrap_err();
    match &error {
        payspec_nopan::Error::Provider(e) => {
            assert_eq!(e.origin, ErrorOrigin::ResponseSignature, "{error}");
            assert!(
                error.to_string().contains("signature"),
                "the error says why: {error}"
            );
        }
        other => panic!("expected a refused answer, got {other:?}"),
    }
    sandbox.shutdown().await;
}

/// Signs a mock answer as Nopan would, with `key`.
fn signed_answer(key: &SigningKey, status: u16, body: &str) -> Vec<(String, String)> {
    let digest = httpsig::content_digest(DigestAlgorithm::Sha512, body.as_bytes());
    let mut headers = http::HeaderMap::new();
    headers.insert("content-digest", digest.parse().unwrap());
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("content-length", body.len().to_string().parse().unwrap());
    let params = SignatureParams::new([
        "@status",
        "content-digest",
        "content-type",
        "content-length",
    ])
    .created(httpsig::unix_now())
    .key_id(key.key_id());
    let message = Message {
        method: None,
        uri: None,
        status: Some(status),
        headers: &headers,
    };
    let signed = httpsig::sign(&message, "nopan_sig", &params, key).unwrap();
    vec![
        ("content-digest".into(), digest),
        ("signature-input".into(), signed.signature_input),
        ("signature".into(), signed.signature),
    ]
}

/// The exact shape of a signed call on the wire, against a mock: the token call and the
/// operation carry Content-Digest and a signature, the JWKS is fetched once for several
/// answers, and an answer whose body was changed after signing is refused with the
/// outcome unknown and the idempotency key in the error.
#[tokio::test]
async fn signed_calls_on_the_wire_and_a_tampered_answer() {
    let server = MockServer::start_async().await;
    let nopan = SigningKey::from_pem("nopan-production", other_key_pem().as_bytes()).unwrap();
    let jwks = server.mock(|when, then| {
        when.method(GET).path("/.well-known/jwks.json");
        then.status(200)
            .json_body(json!({"keys": [nopan.public_jwk().unwrap()]}));
    });
    let token_body =
        json!({"access_token": "t", "expires_in": 7200, "token_type": "Bearer"}).to_string();
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/auth/token")
            .header_exists("signature")
            .header_exists("signature-input")
            .header_exists("content-digest")
            .body_includes("client_id=merchant");
        let mut then = then.status(200).header("content-type", "application/json");
        for (name, value) in signed_answer(&nopan, 200, &token_body) {
            then = then.header(name, value);
        }
        then.body(token_body.clone());
    });
    let status_body = json!({"transactionId": "p", "status": "PENDING"}).to_string();
    let status = server.mock(|when, then| {
        when.method(GET)
            .path("/payments/p/status")
            .header_exists("signature")
            .header_missing("content-digest");
        let mut then = then.status(200).header("content-type", "application/json");
        for (name, value) in signed_answer(&nopan, 200, &status_body) {
            then = then.header(name, value);
        }
        then.body(status_body.clone());
    });
    let signed_body = json!({"transactionId": "p", "status": "PENDING"}).to_string();
    let tampered_body = json!({"transactionId": "p", "status": "APPROVED"}).to_string();
    let initiate = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/initiate")
            .header_exists("signature")
            .header_exists("content-digest");
        let mut then = then.status(200).header("content-type", "application/json");
        for (name, value) in signed_answer(&nopan, 200, &signed_body) {
            then = then.header(name, value);
        }
        then.body(tampered_body.clone());
    });
    let client = common::builder(&server.base_url())
        .signing_key_pem("client-1", other_key_pem())
        .token_account_field(TokenAccountField::ClientId)
        .build()
        .unwrap();
    // Twenty calls at once need the keys at once: one JWKS fetch, one token.
    let calls = (0..20).map(|_| client.payment_status("p"));
    for answer in futures::future::join_all(calls).await {
        answer.unwrap();
    }
    client.payment_status("p").await.unwrap();
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(status.calls_async().await, 21);
    assert_eq!(
        jwks.calls_async().await,
        1,
        "the JWKS is fetched once and cached"
    );

    let error = client
        .initiate(NewPayment::blik("order-1", Amount::new(100).unwrap(), "123456").unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        initiate.calls_async().await,
        1,
        "a refused answer is not retried"
    );
    assert!(error.outcome_unknown(), "{error}");
    assert_eq!(error.idempotency_key(), Some("test-1"));
    match &error {
        payspec_nopan::Error::Provider(e) => assert_eq!(e.origin, ErrorOrigin::ResponseSignature),
        other => panic!("expected a refused answer, got {other:?}"),
    }
}

#[test]
fn production_needs_a_signing_key_and_bad_keys_are_refused() {
    let error = Client::builder()
        .environment(Environment::Production)
        .processing_account_id("acc")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("signing key"), "{error}");

    let error = Client::builder()
        .base_url("http://127.0.0.1:9")
        .processing_account_id("acc")
        .signing_key_pem(
            "k",
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
        )
        .build()
        .unwrap_err();
    assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
}
