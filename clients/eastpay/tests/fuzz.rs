//! Seeded fuzzing of what EastPay's clients read from outside: result codes, amounts,
//! and encrypted notifications (hex body, IV and tag). No input panics, and a notification
//! whose bytes changed never decrypts.

use payspec_eastpay::notification::NotificationDecryptor;
use payspec_eastpay::{Money, ResultCode, classify};

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

#[test]
fn result_codes_and_amounts_never_panic() {
    let codes: [&[u8]; 3] = [b"000.100.110", b"800.100.153", b"100.396.101"];
    payspec_testkit::fuzz::run(0xea51, 4_000, &codes, |input| {
        let text = String::from_utf8_lossy(input);
        let class = classify(&text);
        if let Ok(code) = text.parse::<ResultCode>() {
            assert_eq!(code.class(), class, "{text}");
            assert_eq!(code.to_string().parse::<ResultCode>().ok(), Some(code));
        }
    });
    let amounts: [&[u8]; 3] = [b"92.00", b"1000", b"0.5"];
    payspec_testkit::fuzz::run(0xea52, 4_000, &amounts, |input| {
        let text = String::from_utf8_lossy(input);
        for currency in ["EUR", "JPY", "KWD", "XXX", "", "eur"] {
            if let Ok(money) = Money::parse(&text, currency) {
                // What parses prints back to the same amount.
                let again = Money::parse(&money.to_decimal(), currency).unwrap();
                assert_eq!(again.minor(), money.minor(), "{text} {currency}");
            }
        }
    });
}

#[test]
fn notifications_never_panic_and_changed_bytes_never_decrypt() {
    let decryptor = NotificationDecryptor::new(KEY).unwrap();
    let plain = br#"{"type":"PAYMENT","action":"CREATED","payload":{"id":"p1","result":{"code":"000.100.110"}}}"#;
    let (body, iv, tag) = decryptor.encrypt(plain, [7; 12]).unwrap();
    assert!(decryptor.decrypt(body.as_bytes(), &iv, &tag).is_ok());
    payspec_testkit::fuzz::run(0xea53, 2_000, &[body.as_bytes()], |input| {
        if decryptor.decrypt(input, &iv, &tag).is_ok() {
            // Only the same ciphertext (hex in either case) decrypts.
            assert!(input.eq_ignore_ascii_case(body.as_bytes()));
        }
    });
    payspec_testkit::fuzz::run(0xea54, 2_000, &[iv.as_bytes(), tag.as_bytes()], |input| {
        let text = String::from_utf8_lossy(input);
        let _ = decryptor.decrypt(body.as_bytes(), &text, &tag);
        let _ = decryptor.decrypt(body.as_bytes(), &iv, &text);
    });
    payspec_testkit::fuzz::run(0xea55, 500, &[KEY.as_bytes()], |input| {
        let _ = NotificationDecryptor::new(String::from_utf8_lossy(input).to_string());
    });
}
