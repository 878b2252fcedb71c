//! payspec's RFC 9421 signatures against an implementation nobody here wrote: Python's
//! `http-message-signatures` (`tests/httpsig_oracle.py`). For every algorithm both sides
//! implement, with keys the Python side made: it verifies a request payspec's `Signer`
//! signed, and payspec verifies a request and a response it signed; a changed byte fails
//! on both sides. `cargo xtask test` installs the package; a plain `cargo test` without
//! it fails, naming the install command.

use std::io::Write as _;
use std::process::{Command, Stdio};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use payspec_core::httpsig::{self, Message, Policy, Signer, SigningKey, VerifyError, VerifyingKey};
use serde_json::{Value, json};

fn python(command: &Value) -> Value {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/httpsig_oracle.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(command.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the Python oracle failed ({}): {} (install with `python3 -m pip install \
         http-message-signatures`)",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

const ALGORITHMS: [&str; 4] = [
    "ed25519",
    "ecdsa-p256-sha256",
    "ecdsa-p384-sha384",
    "rsa-pss-sha512",
];

/// Nopan's request components (docs.nopan.com, request signing).
const COMPONENTS: [&str; 6] = [
    "@authority",
    "@method",
    "@request-target",
    "content-digest",
    "content-type",
    "content-length",
];

const BODY: &str =
    r#"{"processingAccountId":"acc-1","paymentDetails":{"amount":1250,"currency":"PLN"}}"#;
const URL: &str = "https://api.example.test:8443/payments/initiate?mode=x";

fn header_pairs(headers: &HeaderMap) -> Value {
    headers
        .iter()
        .map(|(n, v)| json!([n.as_str(), v.to_str().unwrap()]))
        .collect()
}

fn header_map(pairs: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for pair in pairs.as_array().unwrap() {
        let name =
            HeaderName::from_bytes(pair[0].as_str().unwrap().to_ascii_lowercase().as_bytes())
                .unwrap();
        headers.append(
            name,
            HeaderValue::from_str(pair[1].as_str().unwrap()).unwrap(),
        );
    }
    headers
}

/// The components Python says the signature covered (it lists `@signature-params` too).
fn covered(answer: &Value) -> Vec<String> {
    answer["covered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().trim_matches('"').to_string())
        .collect()
}

#[test]
fn python_verifies_what_payspec_signs() {
    for alg in ALGORITHMS {
        let keys = python(&json!({"op": "keygen", "alg": alg}));
        let key =
            SigningKey::from_pem("client-key-1", keys["private"].as_str().unwrap().as_bytes())
                .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(key.algorithm().name(), alg);
        let signer = Signer::new(key, "nopan_sig", COMPONENTS);
        let mut request = reqwest::Request::new(Method::POST, URL.parse().unwrap());
        request
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(BODY.into());
        signer
            .sign_request(&mut request, httpsig::unix_now())
            .unwrap();
        let message = |headers: &HeaderMap, body: &str| {
            json!({
                "op": "verify", "alg": alg, "public": keys["public"], "label": "nopan_sig",
                "require": COMPONENTS,
                "message": {"method": "POST", "url": URL, "headers": header_pairs(headers)},
                "body": body,
            })
        };
        let answer = python(&message(request.headers(), BODY));
        assert_eq!(answer["ok"], true, "{alg}: {answer}");
        assert_eq!(
            covered(&answer),
            [&COMPONENTS[..], &["@signature-params"]].concat()
        );

        // The same headers with another body, or another signed header, fail there.
        let tampered = BODY.replace("1250", "9250");
        let answer = python(&message(request.headers(), &tampered));
        assert_eq!(answer["ok"], false, "{alg}: a changed body verified");
        let mut headers = request.headers().clone();
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        let answer = python(&message(&headers, BODY));
        assert_eq!(answer["ok"], false, "{alg}: a changed header verified");
    }
}

#[test]
fn a_get_without_a_body_signs_only_what_it_has() {
    let keys = python(&json!({"op": "keygen", "alg": "ed25519"}));
    let key = SigningKey::from_pem("k", keys["private"].as_str().unwrap().as_bytes()).unwrap();
    let signer = Signer::new(key, "nopan_sig", COMPONENTS);
    let url = "https://api.example.test/payments/tx-1/status";
    let mut request = reqwest::Request::new(Method::GET, url.parse().unwrap());
    signer
        .sign_request(&mut request, httpsig::unix_now())
        .unwrap();
    assert!(request.headers().get("content-digest").is_none());
    let answer = python(&json!({
        "op": "verify", "alg": "ed25519", "public": keys["public"], "label": "nopan_sig",
        "require": ["@authority", "@method", "@request-target"],
        "message": {"method": "GET", "url": url, "headers": header_pairs(request.headers())},
        "body": "",
    }));
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(
        covered(&answer),
        [
            "@authority",
            "@method",
            "@request-target",
            "@signature-params"
        ]
    );
}

#[test]
fn payspec_verifies_what_python_signs() {
    for alg in ALGORITHMS {
        let keys = python(&json!({"op": "keygen", "alg": alg}));
        let public = VerifyingKey::from_pem(keys["public"].as_str().unwrap().as_bytes())
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        let created = httpsig::unix_now();

        // A request, as a client would send it to Nopan.
        let signed = python(&json!({
            "op": "sign", "alg": alg, "private": keys["private"], "key_id": "client-key-1",
            "label": "nopan_sig", "components": COMPONENTS, "created": created,
            "message": {"method": "POST", "url": URL, "headers": [
                ["Content-Type", "application/json"],
                ["Content-Length", BODY.len().to_string()],
            ]},
            "body": BODY,
        }));
        let headers = header_map(&signed["headers"]);
        let url = url::Url::parse(URL).unwrap();
        let message = Message {
            method: Some(&Method::POST),
            uri: Some(&url),
            status: None,
            headers: &headers,
        };
        let policy = Policy {
            label: Some("nopan_sig".into()),
            required: COMPONENTS.iter().map(|c| c.to_string()).collect(),
            ..Policy::default()
        };
        let verified = httpsig::verify(&message, BODY.as_bytes(), &policy, created, |kid| {
            assert_eq!(kid, "client-key-1");
            Ok(public.clone())
        })
        .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(verified.params.components(), COMPONENTS);
        assert_eq!(
            httpsig::verify(&message, b"{}", &policy, created, |_| Ok(public.clone())).unwrap_err(),
            VerifyError::DigestMismatch
        );

        // A response, as Nopan signs its answers.
        let body = r#"{"status":"PENDING"}"#;
        let signed = python(&json!({
            "op": "sign", "alg": alg, "private": keys["private"], "key_id": "nopan-sandbox",
            "label": "nopan_sig",
            "components": ["@status", "content-digest", "content-type", "content-length"],
            "created": created,
            "message": {"status": 200, "headers": [
                ["Content-Type", "application/json"],
                ["Content-Length", body.len().to_string()],
            ]},
            "body": body,
        }));
        let headers = header_map(&signed["headers"]);
        let response = Message {
            method: None,
            uri: None,
            status: Some(200),
            headers: &headers,
        };
        let policy = Policy {
            required: vec!["@status".into()],
            ..Policy::default()
        };
        httpsig::verify(&response, body.as_bytes(), &policy, created, |_| {
            Ok(public.clone())
        })
        .unwrap_or_else(|e| panic!("{alg} response: {e}"));
        let other = Message {
            status: Some(201),
            ..response
        };
        assert_eq!(
            httpsig::verify(&other, body.as_bytes(), &policy, created, |_| Ok(
                public.clone()
            ))
            .unwrap_err(),
            VerifyError::Invalid,
            "{alg}: another status verified"
        );
    }
}
