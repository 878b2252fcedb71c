//! RFC 9421 Appendix B and RFC 9530 Appendix B, as published: the test keys (B.1), the
//! test request and response (B.2), and the signatures the RFC's authors made. The
//! deterministic ones (HMAC, Ed25519) must come out byte for byte; the randomized one
//! (ECDSA) must verify.

use super::*;

const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
";
const ED25519_PUBLIC_X: &str = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs";

const P256_PRIVATE_SEC1: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIFKbhfNZfpDsW43+0+JjUr9K+bTeuxopu653+hBaXGA7oAoGCCqGSM49
AwEHoUQDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM
4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END EC PRIVATE KEY-----
";
const P256_PUBLIC_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END PUBLIC KEY-----
";

const SHARED_SECRET: &str =
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";

const CREATED: i64 = 1618884473;

/// B.2's test request: `POST /foo?param=Value&Pet=dog` to example.com.
fn test_request() -> (Method, url::Url, HeaderMap) {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("host", "example.com"),
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("content-type", "application/json"),
        (
            "content-digest",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        ),
        ("content-length", "18"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    let url = url::Url::parse("https://example.com/foo?param=Value&Pet=dog").unwrap();
    (Method::POST, url, headers)
}

fn signed(mut headers: HeaderMap, input: &str, signature: &str) -> HeaderMap {
    headers.insert("signature-input", HeaderValue::from_str(input).unwrap());
    headers.insert("signature", HeaderValue::from_str(signature).unwrap());
    headers
}

#[test]
fn rfc9530_content_digests_match_the_published_values() {
    let body = b"{\"hello\": \"world\"}\n";
    assert_eq!(
        content_digest(DigestAlgorithm::Sha256, body),
        "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"
    );
    assert_eq!(
        content_digest(DigestAlgorithm::Sha512, body),
        "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:"
    );
    // RFC 9421's test request body and the digest its headers carry.
    let (_, _, headers) = test_request();
    let field = headers["content-digest"].to_str().unwrap();
    check_content_digest(field, b"{\"hello\": \"world\"}").unwrap();
    assert_eq!(
        check_content_digest(field, b"{\"hello\": \"World\"}"),
        Err(VerifyError::DigestMismatch)
    );
}

#[test]
fn rfc9421_b25_hmac_sha256_comes_out_byte_for_byte() {
    let (method, url, headers) = test_request();
    let secret = STANDARD.decode(SHARED_SECRET).unwrap();
    let key = SigningKey::hmac_sha256("test-shared-secret", &secret).unwrap();
    let params = SignatureParams::new(["date", "@authority", "content-type"])
        .created(CREATED)
        .key_id("test-shared-secret");
    let message = Message {
        method: Some(&method),
        uri: Some(&url),
        status: None,
        headers: &headers,
    };
    assert_eq!(
        params.signature_base(&message).unwrap(),
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\
         \"@authority\": example.com\n\
         \"content-type\": application/json\n\
         \"@signature-params\": (\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\""
    );
    let out = sign(&message, "sig-b25", &params, &key).unwrap();
    assert_eq!(
        out.signature_input,
        "sig-b25=(\"date\" \"@authority\" \"content-type\");created=1618884473;keyid=\"test-shared-secret\""
    );
    assert_eq!(
        out.signature,
        "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:"
    );
}

#[test]
fn rfc9421_b26_ed25519_comes_out_byte_for_byte_and_verifies() {
    let (method, url, headers) = test_request();
    let key = SigningKey::from_pem("test-key-ed25519", ED25519_PRIVATE.as_bytes()).unwrap();
    assert_eq!(key.algorithm(), Algorithm::Ed25519);
    assert_eq!(key.public_jwk().unwrap()["x"], ED25519_PUBLIC_X);
    let params = SignatureParams::new([
        "date",
        "@method",
        "@path",
        "@authority",
        "content-type",
        "content-length",
    ])
    .created(CREATED)
    .key_id("test-key-ed25519");
    let message = Message {
        method: Some(&method),
        uri: Some(&url),
        status: None,
        headers: &headers,
    };
    let out = sign(&message, "sig-b26", &params, &key).unwrap();
    let published = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
    assert_eq!(out.signature, published);

    // And the published headers verify with the published public key (as a JWK).
    let public = VerifyingKey::from_jwk(&serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": ED25519_PUBLIC_X
    }))
    .unwrap();
    let headers = signed(headers.clone(), &out.signature_input, published);
    let message = Message {
        method: Some(&method),
        uri: Some(&url),
        status: None,
        headers: &headers,
    };
    let policy = Policy {
        digest_for_body: false,
        ..Policy::default()
    };
    let verified = verify(&message, b"", &policy, CREATED, |kid| {
        assert_eq!(kid, "test-key-ed25519");
        Ok(public.clone())
    })
    .unwrap();
    assert_eq!(verified.label, "sig-b26");
}

/// B.2.4: a response signed with ecdsa-p256-sha256 (randomized, so it is verified).
#[test]
fn rfc9421_b24_ecdsa_response_verifies_with_the_published_key() {
    let mut headers = HeaderMap::new();
    headers.insert(
        "date",
        HeaderValue::from_static("Tue, 20 Apr 2021 02:07:56 GMT"),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert(
        "content-digest",
        HeaderValue::from_static(
            "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:",
        ),
    );
    headers.insert("content-length", HeaderValue::from_static("23"));
    let headers = signed(
        headers,
        "sig-b24=(\"@status\" \"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid=\"test-key-ecc-p256\"",
        "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:",
    );
    let body = b"{\"message\": \"good dog\"}";
    let message = Message {
        method: None,
        uri: None,
        status: Some(200),
        headers: &headers,
    };
    let policy = Policy {
        required: vec!["@status".into()],
        ..Policy::default()
    };
    let jwk = VerifyingKey::from_jwk(&serde_json::json!({
        "kty": "EC", "crv": "P-256",
        "x": "qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA",
        "y": "Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0"
    }))
    .unwrap();
    let pem = VerifyingKey::from_pem(P256_PUBLIC_SPKI.as_bytes()).unwrap();
    for key in [jwk, pem] {
        verify(&message, body, &policy, CREATED, |_| Ok(key.clone())).unwrap();
    }
    // A changed status, body or key fails.
    let key = VerifyingKey::from_pem(P256_PUBLIC_SPKI.as_bytes()).unwrap();
    let other = Message {
        status: Some(201),
        ..message
    };
    assert_eq!(
        verify(&other, body, &policy, CREATED, |_| Ok(key.clone())).unwrap_err(),
        VerifyError::Invalid
    );
    assert_eq!(
        verify(
            &message,
            b"{\"message\": \"bad dog\"}",
            &policy,
            CREATED,
            |_| Ok(key.clone())
        )
        .unwrap_err(),
        VerifyError::DigestMismatch
    );
    let ed = VerifyingKey::from_jwk(&serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": ED25519_PUBLIC_X
    }))
    .unwrap();
    assert_eq!(
        verify(&message, body, &policy, CREATED, |_| Ok(ed)).unwrap_err(),
        VerifyError::Invalid
    );
}

#[test]
fn the_rfc_sec1_p256_key_signs_what_its_public_key_verifies() {
    let key = SigningKey::from_pem("test-key-ecc-p256", P256_PRIVATE_SEC1.as_bytes()).unwrap();
    assert_eq!(key.algorithm(), Algorithm::EcdsaP256Sha256);
    let jwk = key.public_jwk().unwrap();
    assert_eq!(jwk["x"], "qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA");
    let signature = key.sign(b"base").unwrap();
    assert_eq!(signature.len(), 64);
    let public = VerifyingKey::from_pem(P256_PUBLIC_SPKI.as_bytes()).unwrap();
    assert!(public.verify(b"base", &signature));
    assert!(!public.verify(b"other", &signature));
}

#[test]
fn policies_refuse_what_they_should() {
    let key = SigningKey::from_pem("k", ED25519_PRIVATE.as_bytes()).unwrap();
    let public = key.verifying_key().unwrap();
    let body = b"{}";
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let digest = content_digest(DigestAlgorithm::Sha512, body);
    headers.insert("content-digest", HeaderValue::from_str(&digest).unwrap());
    let sign_with = |components: &[&str], created: i64, expires: Option<i64>| {
        let mut params = SignatureParams::new(components.iter().copied())
            .created(created)
            .key_id("k");
        if let Some(expires) = expires {
            params = params.expires(expires);
        }
        let message = Message {
            method: None,
            uri: None,
            status: Some(200),
            headers: &headers,
        };
        let out = sign(&message, "nopan_sig", &params, &key).unwrap();
        signed(headers.clone(), &out.signature_input, &out.signature)
    };
    let policy = Policy {
        required: vec!["@status".into()],
        max_age: Some(Duration::from_secs(60)),
        ..Policy::default()
    };
    let check = |headers: &HeaderMap, now: i64| {
        let message = Message {
            method: None,
            uri: None,
            status: Some(200),
            headers,
        };
        verify(&message, body, &policy, now, |_| Ok(public.clone()))
    };
    let good = sign_with(&["@status", "content-digest", "content-type"], 1000, None);
    assert!(check(&good, 1000).is_ok());
    assert_eq!(check(&good, 2000).unwrap_err(), VerifyError::Expired);
    assert_eq!(check(&good, 100).unwrap_err(), VerifyError::Expired);
    let no_status = sign_with(&["content-digest"], 1000, None);
    assert_eq!(
        check(&no_status, 1000).unwrap_err(),
        VerifyError::NotCovered("@status".into())
    );
    let no_digest = sign_with(&["@status"], 1000, None);
    assert_eq!(
        check(&no_digest, 1000).unwrap_err(),
        VerifyError::NotCovered("content-digest".into())
    );
    let expired = sign_with(&["@status", "content-digest"], 1000, Some(1001));
    assert_eq!(check(&expired, 1002).unwrap_err(), VerifyError::Expired);
    assert_eq!(
        check(&HeaderMap::new(), 1000).unwrap_err(),
        VerifyError::Missing
    );
    let mut garbled = good.clone();
    garbled.insert("signature", HeaderValue::from_static("nopan_sig=:AAAA:"));
    assert_eq!(check(&garbled, 1000).unwrap_err(), VerifyError::Invalid);
}

#[test]
fn keys_refuse_weak_or_unknown_material_and_never_show_it() {
    assert!(SigningKey::hmac_sha256("k", b"short").is_err());
    assert!(SigningKey::from_pem("", ED25519_PRIVATE.as_bytes()).is_err());
    let error = SigningKey::from_pem(
        "k",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap_err()
    .to_string();
    assert!(!error.contains("AAAA"), "{error}");
    let key = SigningKey::from_pem("k", ED25519_PRIVATE.as_bytes()).unwrap();
    let shown = format!("{key:?}");
    assert!(
        !shown.contains("MC4CAQ") && shown.contains("redacted"),
        "{shown}"
    );
    assert!(
        VerifyingKey::from_jwk(&serde_json::json!({"kty": "EC", "crv": "P-521", "x": "", "y": ""}))
            .is_err()
    );
    assert!(
        VerifyingKey::from_jwk(&serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "x": ED25519_PUBLIC_X, "alg": "ES512"
        }))
        .is_err()
    );
}

#[test]
fn a_jwks_keeps_the_keys_it_can_check() {
    let jwks = Jwks::from_json(
        serde_json::json!({"keys": [
            {"kid": "nopan-sandbox", "kty": "OKP", "crv": "Ed25519", "x": ED25519_PUBLIC_X},
            {"kid": "enc", "kty": "oct", "k": "AAAA"},
            {"kty": "OKP", "crv": "Ed25519", "x": ED25519_PUBLIC_X}
        ]})
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(jwks.kids().collect::<Vec<_>>(), ["nopan-sandbox"]);
    assert!(Jwks::from_json(b"[]").is_err());
}

/// Fuzz (bounded, seeded): the field parsers and the verifier never panic on outside
/// bytes.
#[test]
fn the_signature_parsers_never_panic_on_random_input() {
    let mut rng = fastrand::Rng::with_seed(9421);
    let alphabet = b"abc=():;\"\\ ,?01-*@sig_k.\t:AZ/+=";
    let key = SigningKey::from_pem("k", ED25519_PRIVATE.as_bytes()).unwrap();
    let public = key.verifying_key().unwrap();
    for _ in 0..20_000 {
        let length = rng.usize(0..48);
        let text: String = (0..length)
            .map(|_| char::from(alphabet[rng.usize(0..alphabet.len())]))
            .collect();
        let _ = sf::parse_dictionary(&text);
        let _ = check_content_digest(&text, b"x");
        if let Ok(value) = HeaderValue::from_str(&text) {
            let mut headers = HeaderMap::new();
            headers.insert("signature-input", value.clone());
            headers.insert("signature", value.clone());
            headers.insert("content-digest", value);
            let message = Message {
                method: None,
                uri: None,
                status: Some(200),
                headers: &headers,
            };
            let _ = verify(
                &message,
                b"x",
                &Policy::default(),
                0,
                |_| Ok(public.clone()),
            );
        }
    }
}

/// Twenty calls that need the keys at once, while the JWKS answers slowly, make one
/// fetch: the others wait for it rather than fetching too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_calls_needing_the_keys_at_once_make_one_fetch() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let key = SigningKey::from_pem("k", ED25519_PRIVATE.as_bytes()).unwrap();
    let body = serde_json::json!({"keys": [key.public_jwk().unwrap()]}).to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicU64::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    let http = crate::http::HttpConfig::default().build().unwrap();
    let cache = Arc::new(JwksCache::new(url));
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (cache, http) = (cache.clone(), http.clone());
            tokio::spawn(async move { cache.key(&http, "k").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(cache.fetch_count(), 1);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // An unknown kid right after a fetch is refused without another fetch.
    assert_eq!(
        cache.key(&http, "other").await.unwrap_err(),
        VerifyError::UnknownKey("other".into())
    );
    assert_eq!(cache.fetch_count(), 1);
}
