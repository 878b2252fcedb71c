//! Mutual TLS against a real TLS server that requires client certificates; the
//! certificates are made here with rcgen.

mod common;

use std::sync::Arc;

use common::{Io, Reply, Scripted, Wrap, builder, token_reply};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use serde_json::json;
use tokio_rustls::TlsAcceptor;

struct Pki {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
    client_cert_pem: String,
    client_key_pem: String,
    ca_der: CertificateDer<'static>,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn pki() -> Pki {
    let authority = ca("payspec test CA");
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &authority)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "merchant");
    let client = client_params.signed_by(&client_key, &authority).unwrap();
    Pki {
        ca_pem: authority.pem(),
        ca_der: authority.der().clone(),
        server_chain: vec![server.der().clone()],
        server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        client_cert_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

async fn mtls_server(pki: &Pki) -> Scripted {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let reply = Reply::json(200, json!({"transactionId": "t", "status": "APPROVED"}));
    let wrap: Wrap = Arc::new(move |stream| {
        let acceptor = acceptor.clone();
        Box::pin(async move {
            acceptor
                .accept(stream)
                .await
                .ok()
                .map(|s| Box::new(s) as Box<dyn Io>)
        })
    });
    Scripted::start_with(token_reply(), vec![reply], wrap).await
}

#[tokio::test]
async fn succeeds_with_the_client_identity() {
    let pki = pki();
    let server = mtls_server(&pki).await;
    let client = builder(&server.url("https"))
        .identity_pem(pki.client_cert_pem.clone(), pki.client_key_pem.clone())
        .ca_pem(pki.ca_pem.clone())
        .trust_only_given_cas()
        .build()
        .unwrap();
    let payment = client.payment_status("t").await.unwrap();
    assert_eq!(payment.transaction_id, "t");
    assert_eq!(
        server.seen().len(),
        1,
        "the status call (the token call also went over mTLS)"
    );
}

#[tokio::test]
async fn fails_without_a_client_identity() {
    let pki = pki();
    let server = mtls_server(&pki).await;
    // Over https the builder insists on an identity...
    let error = builder(&server.url("https"))
        .ca_pem(pki.ca_pem.clone())
        .trust_only_given_cas()
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("mutual TLS"), "{error}");
    // ...and a client that has none (here: the generated one, wired by hand) is refused
    // by the server's handshake.
    let http = payspec_core::HttpConfig {
        roots: payspec_core::RootTrust::Only(vec![pki.ca_der.clone()]),
        ..payspec_core::HttpConfig::default()
    }
    .build()
    .unwrap();
    let inner = payspec_core::ClientInner::new(
        payspec_core::ProviderProfile::plain("nopan"),
        payspec_core::Auth::None,
        payspec_core::RetryPolicy::none(),
    );
    let raw = payspec_nopan::api::Client::new_with_client(&server.url("https"), http, inner);
    let error = raw
        .get_payment_status()
        .transaction_id("t")
        .send()
        .await
        .unwrap_err();
    let error = payspec_nopan::Error::from(error);
    assert!(
        matches!(error, payspec_nopan::Error::Transport(_)),
        "{error:?}"
    );
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn fails_when_the_server_certificate_is_not_signed_by_the_configured_ca() {
    let pki = pki();
    let server = mtls_server(&pki).await;
    let other = ca("some other CA");
    let client = builder(&server.url("https"))
        .identity_pem(pki.client_cert_pem.clone(), pki.client_key_pem.clone())
        .ca_pem(other.pem())
        .trust_only_given_cas()
        .build()
        .unwrap();
    let error = client.payment_status("t").await.unwrap_err();
    assert!(
        matches!(error, payspec_nopan::Error::Transport(_)),
        "{error:?}"
    );
    assert!(server.seen().is_empty());
}

#[test]
fn bad_pem_is_rejected_by_build_with_a_clear_error() {
    let pki = pki();
    let error = builder("https://127.0.0.1:1")
        .identity_pem(
            pki.client_cert_pem.clone(),
            "-----BEGIN PRIVATE KEY-----\nAAAA\n",
        )
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("private key"), "{error}");
    let error = builder("https://127.0.0.1:1")
        .identity_pem("not pem", pki.client_key_pem.clone())
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("client certificate"), "{error}");
    let error = builder("http://api.nopan.io")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("https"), "{error}");
    let error = payspec_nopan::Client::builder()
        .base_url("http://127.0.0.1:1")
        .build()
        .unwrap_err()
        .to_string();
    assert!(error.contains("processing account id"), "{error}");
}
