//! Notifications: plain (the Inquiry body) and encrypted (AES-256-GCM, hex), checked
//! against an independent implementation (Python `cryptography`).

use std::io::Write;
use std::process::{Command, Stdio};

use payspec_eastpay::notification::{NotificationDecryptor, NotificationError, parse_plain};
use payspec_eastpay::{ResultClass, open_enums};

const KEY: &str = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F";
const PLAIN: &str = r#"{"type":"PAYMENT","action":"CREATED","payload":{"id":"8ac7a4a1","paymentType":"DB","amount":"92.00","currency":"EUR","result":{"code":"000.000.000","description":"Transaction succeeded"}}}"#;

fn python(script: &str, input: &str) -> String {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(&python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python failed: {} (needs `python3 -m pip install cryptography`)",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_plain_notification_is_the_inquiry_body() {
    let body = br#"{"id":"8ac7a4a1","result":{"code":"000.100.110","description":"ok"},"newField":{"x":1}}"#;
    let transaction = parse_plain(body).unwrap();
    assert_eq!(transaction.class(), ResultClass::Success);
    assert!(matches!(
        parse_plain(b"not json"),
        Err(NotificationError::Body(_))
    ));
}

#[test]
fn round_trip_with_a_test_key() {
    let decryptor = NotificationDecryptor::new(KEY).unwrap();
    let (body, iv, tag) = decryptor.encrypt(PLAIN.as_bytes(), [7u8; 12]).unwrap();
    let notification = decryptor.decrypt(body.as_bytes(), &iv, &tag).unwrap();
    assert_eq!(
        notification.type_,
        Some(open_enums::NotificationType::Payment)
    );
    assert_eq!(
        notification.action,
        Some(open_enums::NotificationAction::Created)
    );
    assert_eq!(
        notification.payload.unwrap().id.as_deref(),
        Some("8ac7a4a1")
    );
}

#[test]
fn decrypts_what_python_cryptography_encrypted() {
    let script = r#"
import os, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key = bytes.fromhex(sys.argv[1] if len(sys.argv) > 1 else "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
iv = os.urandom(12)
sealed = AESGCM(key).encrypt(iv, sys.stdin.read().encode(), None)
print(sealed[:-16].hex().upper(), iv.hex().upper(), sealed[-16:].hex().upper())
"#;
    let out = python(script, PLAIN);
    let parts: Vec<&str> = out.split_whitespace().collect();
    let decryptor = NotificationDecryptor::new(KEY).unwrap();
    let notification = decryptor
        .decrypt(parts[0].as_bytes(), parts[1], parts[2])
        .unwrap();
    assert_eq!(
        notification.payload.unwrap().amount.as_deref(),
        Some("92.00")
    );
}

#[test]
fn python_cryptography_decrypts_what_payspec_encrypted() {
    let decryptor = NotificationDecryptor::new(KEY).unwrap();
    let (body, iv, tag) = decryptor.encrypt(PLAIN.as_bytes(), [9u8; 12]).unwrap();
    let script = r#"
import sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
body, iv, tag = sys.stdin.read().split()
key = bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
print(AESGCM(key).decrypt(bytes.fromhex(iv), bytes.fromhex(body) + bytes.fromhex(tag), None).decode(), end="")
"#;
    assert_eq!(python(script, &format!("{body} {iv} {tag}")), PLAIN);
}

#[test]
fn a_wrong_key_or_an_altered_body_is_a_clear_error() {
    let decryptor = NotificationDecryptor::new(KEY).unwrap();
    let (body, iv, tag) = decryptor.encrypt(PLAIN.as_bytes(), [1u8; 12]).unwrap();
    let other = NotificationDecryptor::new(KEY.replace("00", "FF")).unwrap();
    assert_eq!(
        other.decrypt(body.as_bytes(), &iv, &tag).unwrap_err(),
        NotificationError::Decrypt
    );
    let mut altered = body.clone().into_bytes();
    altered[4] = if altered[4] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        decryptor.decrypt(&altered, &iv, &tag).unwrap_err(),
        NotificationError::Decrypt
    );
    let wrong_tag = tag.replace('A', "B").replace('0', "1");
    assert_eq!(
        decryptor
            .decrypt(body.as_bytes(), &iv, &wrong_tag)
            .unwrap_err(),
        NotificationError::Decrypt
    );
    assert!(matches!(
        decryptor.decrypt(b"zz", &iv, &tag),
        Err(NotificationError::BadHex("body"))
    ));
    assert!(matches!(
        decryptor.decrypt(body.as_bytes(), "00", &tag),
        Err(NotificationError::BadHex(_))
    ));
    assert!(
        NotificationDecryptor::new("abcd").is_err(),
        "a key must be 32 bytes"
    );
    let mut headers = http::HeaderMap::new();
    headers.insert("x-initialization-vector", iv.parse().unwrap());
    assert_eq!(
        decryptor
            .decrypt_request(&headers, body.as_bytes())
            .unwrap_err(),
        NotificationError::MissingHeader("x-authentication-tag")
    );
    headers.insert("x-authentication-tag", tag.parse().unwrap());
    decryptor
        .decrypt_request(&headers, body.as_bytes())
        .unwrap();
    assert!(!format!("{decryptor:?}").contains("0A0B"));
}
