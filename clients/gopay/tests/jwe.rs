//! Card encryption: the project's JWE decrypts with an independent implementation
//! (Python joserfc) to the exact card JSON; encryptions differ; tampering fails;
//! invalid card data is refused; card data never shows.

use std::io::Write;
use std::process::{Command, Stdio};

use payspec_gopay::types::Jwk;
use payspec_gopay::{CardData, CardError};
use serde_json::{Value, json};

const ORACLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/jwe_oracle.py");

fn python(args: &[&str], input: Option<&Value>) -> Value {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(&python)
        .arg(ORACLE)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {python}: {e}; the JWE oracle needs Python 3 with joserfc")
        });
    if let Some(input) = input {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the JWE oracle failed ({}): {} (install with `python3 -m pip install joserfc`)",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

struct Keys {
    public: Jwk,
    private: Value,
}

fn keys() -> Keys {
    let pair = python(&["keygen"], None);
    Keys {
        public: serde_json::from_value(pair["public"].clone()).unwrap(),
        private: pair["private"].clone(),
    }
}

fn decrypt(keys: &Keys, tokens: &[String]) -> Vec<Value> {
    let answer = python(
        &["decrypt"],
        Some(&json!({"key": keys.private, "tokens": tokens})),
    );
    answer.as_array().unwrap().clone()
}

fn card() -> CardData {
    CardData::new("4444444444444448", "01", "27", "258").unwrap()
}

#[test]
fn decrypts_with_joserfc_to_the_exact_card_json() {
    let keys = keys();
    let jwe = card().encrypt(&keys.public).unwrap();
    assert_eq!(jwe.as_str().split('.').count(), 5);
    let results = decrypt(&keys, &[jwe.as_str().to_string()]);
    assert_eq!(results[0]["ok"], true, "{}", results[0]);
    assert_eq!(
        results[0]["plaintext"],
        r#"{"card_pan":"4444444444444448","exp_month":"01","exp_year":"27","cvv":"258"}"#
    );
    assert_eq!(
        results[0]["header"],
        json!({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "test-key-1", "typ": "JWE"})
    );
    assert_eq!(jwe.kid(), "test-key-1");
}

#[test]
fn two_encryptions_of_the_same_card_differ() {
    let keys = keys();
    let a = card().encrypt(&keys.public).unwrap();
    let b = card().encrypt(&keys.public).unwrap();
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.as_str().split('.').collect(),
        b.as_str().split('.').collect(),
    );
    assert_eq!(a[0], b[0], "same protected header");
    for part in 1..5 {
        assert_ne!(
            a[part], b[part],
            "part {part} must differ (fresh CEK and IV)"
        );
    }
    let results = decrypt(&keys, &[a.join("."), b.join(".")]);
    assert!(results.iter().all(|r| r["ok"] == true));
}

#[test]
fn tampering_with_any_part_makes_decryption_fail() {
    let keys = keys();
    let jwe = card().encrypt(&keys.public).unwrap();
    let parts: Vec<&str> = jwe.as_str().split('.').collect();
    let mut tampered = Vec::new();
    for index in 0..5 {
        let mut copy: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        // Flip one base64url character in the middle of the part.
        let mut bytes = copy[index].clone().into_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        copy[index] = String::from_utf8(bytes).unwrap();
        tampered.push(copy.join("."));
    }
    let results = decrypt(&keys, &tampered);
    for (index, result) in results.iter().enumerate() {
        assert_eq!(
            result["ok"], false,
            "tampered part {index} still decrypted: {result}"
        );
    }
}

#[test]
fn keys_that_cannot_be_used_are_refused() {
    let keys = keys();
    let mut wrong_alg = keys.public.clone();
    wrong_alg.alg = Some("RSA1_5".into());
    assert!(
        card()
            .encrypt(&wrong_alg)
            .unwrap_err()
            .to_string()
            .contains("RSA-OAEP-256")
    );
    let mut ec = keys.public.clone();
    ec.kty = "EC".into();
    assert!(card().encrypt(&ec).is_err());
    let mut short = keys.public.clone();
    short.n = "y7WkT3qvY".into();
    assert!(
        card().encrypt(&short).is_err(),
        "the seed's truncated modulus is not a usable key"
    );
}

#[test]
fn invalid_card_data_is_refused() {
    assert_eq!(
        CardData::new("4444444444444447", "01", "27", "258").unwrap_err(),
        CardError::PanChecksum
    );
    assert_eq!(
        CardData::new("4444-4444-4444-4448", "01", "27", "258").unwrap_err(),
        CardError::PanFormat
    );
    assert_eq!(
        CardData::new("44444444444a4448", "01", "27", "258").unwrap_err(),
        CardError::PanFormat
    );
    assert_eq!(
        CardData::new("4444", "01", "27", "258").unwrap_err(),
        CardError::PanFormat
    );
    assert_eq!(
        CardData::new("4444444444444448", "13", "27", "258").unwrap_err(),
        CardError::Month
    );
    assert_eq!(
        CardData::new("4444444444444448", "00", "27", "258").unwrap_err(),
        CardError::Month
    );
    assert_eq!(
        CardData::new("4444444444444448", "ab", "27", "258").unwrap_err(),
        CardError::Month
    );
    assert_eq!(
        CardData::new("4444444444444448", "01", "2x", "258").unwrap_err(),
        CardError::Year
    );
    assert_eq!(
        CardData::new("4444444444444448", "01", "27", "25").unwrap_err(),
        CardError::Cvv
    );
    assert_eq!(
        CardData::new("4444444444444448", "01", "27", "25a").unwrap_err(),
        CardError::Cvv
    );
    assert!(CardData::new("4444444444444448", "12", "2031", "1234").is_ok());
}

#[test]
fn card_data_never_shows_in_debug_or_errors() {
    let card = CardData::new("4111111111111111", "01", "27", "987").unwrap();
    let debug = format!("{card:?}");
    assert!(
        !debug.contains("4111111111111111") && !debug.contains("987"),
        "{debug}"
    );
    assert!(
        debug.contains("1111"),
        "the last four digits are shown: {debug}"
    );
    for error in [
        CardData::new("4111111111111112", "01", "27", "987").unwrap_err(),
        CardData::new("4111111111111111", "01", "27", "98x").unwrap_err(),
    ] {
        let text = format!("{error} {error:?}");
        assert!(
            !text.contains("411111111111111") && !text.contains("98x"),
            "{text}"
        );
    }
}
