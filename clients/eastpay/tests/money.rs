//! Amounts for 0-, 2- and 3-decimal currencies, from integer minor units only.

use payspec_eastpay::{Money, MoneyError, exponent};

#[test]
fn renders_with_the_currency_exponent() {
    assert_eq!(Money::new(9200, "EUR").unwrap().to_decimal(), "92.00");
    assert_eq!(Money::new(5, "EUR").unwrap().to_decimal(), "0.05");
    assert_eq!(Money::new(0, "USD").unwrap().to_decimal(), "0.00");
    assert_eq!(Money::new(1000, "JPY").unwrap().to_decimal(), "1000");
    assert_eq!(Money::new(1250, "KWD").unwrap().to_decimal(), "1.250");
    assert_eq!(Money::new(5, "BHD").unwrap().to_decimal(), "0.005");
    assert_eq!(Money::new(1, "CLF").unwrap().to_decimal(), "0.0001");
    assert_eq!(
        Money::new(123_456_789, "HUF").unwrap().to_string(),
        "1234567.89 HUF"
    );
}

#[test]
fn parses_back_without_floats() {
    assert_eq!(Money::parse("92.00", "EUR").unwrap().minor(), 9200);
    assert_eq!(Money::parse("92.5", "EUR").unwrap().minor(), 9250);
    assert_eq!(Money::parse("1000", "JPY").unwrap().minor(), 1000);
    assert_eq!(Money::parse("1.250", "KWD").unwrap().minor(), 1250);
    // Values a float would get wrong.
    assert_eq!(Money::parse("0.29", "EUR").unwrap().minor(), 29);
    assert_eq!(
        Money::parse("9999999999.99", "EUR").unwrap().minor(),
        999_999_999_999
    );
    for (text, currency) in [
        ("92.001", "EUR"),
        ("1.5", "JPY"),
        ("-1.00", "EUR"),
        ("1e3", "EUR"),
        ("", "EUR"),
        ("1.", "EUR"),
        (".5", "EUR"),
    ] {
        assert!(Money::parse(text, currency).is_err(), "{text} {currency}");
    }
}

#[test]
fn refuses_unknown_or_bad_currencies_and_huge_amounts() {
    assert_eq!(
        Money::new(1, "eur").unwrap_err(),
        MoneyError::BadCurrency("eur".into())
    );
    assert_eq!(
        Money::new(1, "ZZZ").unwrap_err(),
        MoneyError::UnknownCurrency("ZZZ".into())
    );
    assert_eq!(
        Money::with_exponent(1, "ZZZ", 2).unwrap().to_decimal(),
        "0.01"
    );
    assert_eq!(
        Money::new(u64::MAX, "EUR").unwrap_err(),
        MoneyError::TooLarge
    );
    assert_eq!(
        (exponent("JPY"), exponent("EUR"), exponent("KWD")),
        (Some(0), Some(2), Some(3))
    );
}
