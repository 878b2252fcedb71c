//! Money as integer minor units plus an ISO 4217 currency, rendered as OPP's decimal
//! string with the currency's exponent (JPY 0, EUR 2, KWD 3). No floats anywhere.

use std::fmt;

/// Why an amount could not be made or read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a three-letter upper-case code.
    #[error("`{0}` is not an ISO 4217 currency code")]
    BadCurrency(String),
    /// A code whose exponent payspec does not know: use `Money::with_exponent`.
    #[error("the exponent of currency `{0}` is not known; use Money::with_exponent")]
    UnknownCurrency(String),
    /// More than OPP's 10 integer digits.
    #[error("amount too large for the gateway (more than 10 integer digits)")]
    TooLarge,
    /// A decimal string that is not an amount in this currency.
    #[error("`{text}` is not an amount in {currency} ({exponent} decimals)")]
    BadAmount {
        /// The text.
        text: String,
        /// The currency.
        currency: String,
        /// Its exponent.
        exponent: u8,
    },
}

/// ISO 4217 currencies whose exponent is not 2.
const EXPONENTS: &[(&str, u8)] = &[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("CLF", 4),
    ("UYW", 4),
];

/// ISO 4217 currencies with two decimals.
const TWO_DECIMALS: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "YER", "ZAR",
    "ZMW", "ZWL",
];

/// The exponent (number of decimals) of an ISO 4217 currency, if payspec knows it.
pub fn exponent(currency: &str) -> Option<u8> {
    EXPONENTS
        .iter()
        .find(|(code, _)| *code == currency)
        .map(|(_, e)| *e)
        .or_else(|| TWO_DECIMALS.contains(&currency).then_some(2))
}

/// An amount: integer minor units of a currency.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    minor: u64,
    currency: String,
    exponent: u8,
}

fn check_code(currency: &str) -> Result<(), MoneyError> {
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(MoneyError::BadCurrency(currency.chars().take(8).collect()))
    }
}

impl Money {
    /// `minor` units of `currency` (e.g. 9200 EUR cents), with the currency's exponent.
    pub fn new(minor: u64, currency: &str) -> Result<Self, MoneyError> {
        check_code(currency)?;
        let exponent =
            exponent(currency).ok_or_else(|| MoneyError::UnknownCurrency(currency.to_string()))?;
        Self::with_exponent(minor, currency, exponent)
    }

    /// `minor` units of a currency whose exponent you give (for codes payspec lacks).
    pub fn with_exponent(minor: u64, currency: &str, exponent: u8) -> Result<Self, MoneyError> {
        check_code(currency)?;
        if exponent > 4 {
            return Err(MoneyError::UnknownCurrency(currency.to_string()));
        }
        let money = Self {
            minor,
            currency: currency.to_string(),
            exponent,
        };
        if money.integer_part().len() > 10 {
            return Err(MoneyError::TooLarge);
        }
        Ok(money)
    }

    /// Reads OPP's decimal string (`"92.00"`, `"1000"`, `"1.250"`); fewer decimals than the
    /// exponent are accepted (`"92.5"`), more are not.
    pub fn parse(text: &str, currency: &str) -> Result<Self, MoneyError> {
        check_code(currency)?;
        let exponent =
            exponent(currency).ok_or_else(|| MoneyError::UnknownCurrency(currency.to_string()))?;
        let bad = || MoneyError::BadAmount {
            text: text.chars().take(24).collect(),
            currency: currency.to_string(),
            exponent,
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > usize::from(exponent)
            || (text.contains('.') && fraction.is_empty())
        {
            return Err(bad());
        }
        let mut digits = format!("{whole}{fraction}");
        digits.extend(std::iter::repeat_n(
            '0',
            usize::from(exponent) - fraction.len(),
        ));
        let minor: u64 = digits.parse().map_err(|_| bad())?;
        Self::with_exponent(minor, currency, exponent)
    }

    /// The amount in minor units.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The currency code.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The currency's exponent.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    fn integer_part(&self) -> String {
        let scale = 10u64.pow(u32::from(self.exponent));
        (self.minor / scale).to_string()
    }

    /// The decimal string OPP wants: `92.00`, `1000`, `1.250`.
    pub fn to_decimal(&self) -> String {
        if self.exponent == 0 {
            return self.minor.to_string();
        }
        let scale = 10u64.pow(u32::from(self.exponent));
        format!(
            "{}.{:0width$}",
            self.minor / scale,
            self.minor % scale,
            width = usize::from(self.exponent)
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal(), self.currency)
    }
}
