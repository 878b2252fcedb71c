//! Card data: validated before anything leaves the process, redacted in `Debug`,
//! zeroized on drop.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// Why card data was refused. The messages never contain the card number or the CVV.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// The card number is not 12 to 19 digits.
    #[error("card number must be 12 to 19 digits")]
    PanFormat,
    /// The card number fails the Luhn check (a typo).
    #[error("card number fails the Luhn check")]
    PanChecksum,
    /// The month is not 01 to 12.
    #[error("expiry month must be 01 to 12")]
    Month,
    /// The year is not two digits (YY) or four (YYYY).
    #[error("expiry year must be YY or YYYY")]
    Year,
    /// The CVV is not 3 or 4 digits.
    #[error("CVV must be 3 or 4 digits")]
    Cvv,
}

/// A card's number, expiry and CVV, as GoPay's JWE payload wants them.
pub struct CardData {
    pan: Zeroizing<String>,
    exp_month: Zeroizing<String>,
    exp_year: Zeroizing<String>,
    cvv: Zeroizing<String>,
}

fn digits(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

/// The Luhn checksum over ASCII digits (payspec-core's, shared with EastPay).
pub use payspec_core::card::luhn_valid;

impl CardData {
    /// Checks and keeps card data. The number may contain spaces (they are removed);
    /// the month may be `1`..`12` or `01`..`12`; the year `YY` or `YYYY`.
    pub fn new(pan: &str, exp_month: &str, exp_year: &str, cvv: &str) -> Result<Self, CardError> {
        let pan: Zeroizing<String> = Zeroizing::new(pan.chars().filter(|c| *c != ' ').collect());
        if !digits(&pan) || !(12..=19).contains(&pan.len()) {
            return Err(CardError::PanFormat);
        }
        if !luhn_valid(&pan) {
            return Err(CardError::PanChecksum);
        }
        let month = exp_month.trim();
        let month_value: u32 = if digits(month) && month.len() <= 2 {
            month.parse().map_err(|_| CardError::Month)?
        } else {
            return Err(CardError::Month);
        };
        if !(1..=12).contains(&month_value) {
            return Err(CardError::Month);
        }
        let year = exp_year.trim();
        let year = match year.len() {
            2 if digits(year) => year.to_string(),
            4 if digits(year) && year.starts_with("20") => year[2..].to_string(),
            _ => return Err(CardError::Year),
        };
        let cvv = cvv.trim();
        if !digits(cvv) || !(3..=4).contains(&cvv.len()) {
            return Err(CardError::Cvv);
        }
        Ok(Self {
            pan,
            exp_month: Zeroizing::new(format!("{month_value:02}")),
            exp_year: Zeroizing::new(year),
            cvv: Zeroizing::new(cvv.to_string()),
        })
    }

    /// The last four digits, safe to show.
    pub fn last4(&self) -> &str {
        self.pan
            .get(self.pan.len().saturating_sub(4)..)
            .unwrap_or_default()
    }

    /// The JWE plaintext `{"card_pan","exp_month","exp_year","cvv"}`, zeroized on drop.
    pub(crate) fn plaintext(&self) -> Zeroizing<Vec<u8>> {
        #[derive(serde::Serialize)]
        struct Wire<'a> {
            card_pan: &'a str,
            exp_month: &'a str,
            exp_year: &'a str,
            cvv: &'a str,
        }
        let wire = Wire {
            card_pan: &self.pan,
            exp_month: &self.exp_month,
            exp_year: &self.exp_year,
            cvv: &self.cvv,
        };
        // Serializing four strings cannot fail; an empty payload would be refused by GoPay.
        let mut bytes = serde_json::to_vec(&wire).unwrap_or_default();
        let copy = Zeroizing::new(bytes.clone());
        bytes.zeroize();
        copy
    }
}

impl fmt::Debug for CardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardData")
            .field("pan", &format_args!("************{}", self.last4()))
            .field(
                "exp",
                &format_args!("{}/{}", &*self.exp_month, &*self.exp_year),
            )
            .field("cvv", &"***")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid("4444444444444448"));
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        // Bytes below '0' used to wrap (a panic in debug builds).
        for bad in [
            "",
            "4111 1111",
            "41111111111111/1",
            "4111-1111-1111-1111",
            "٤١١١",
            "\0",
        ] {
            assert!(!luhn_valid(bad), "{bad:?}");
        }
    }

    /// The Luhn check as ISO/IEC 7812 states it, written independently: double every
    /// second digit from the right, add the digits of the products.
    fn reference_luhn(number: &str) -> bool {
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
        let total: u32 = number
            .chars()
            .rev()
            .filter_map(|c| c.to_digit(10))
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 1 {
                    (d * 2) / 10 + (d * 2) % 10
                } else {
                    d
                }
            })
            .sum();
        total.is_multiple_of(10)
    }

    #[test]
    fn luhn_agrees_with_the_reference_on_random_input() {
        let mut rng = fastrand::Rng::with_seed(4111);
        for _ in 0..20_000 {
            let text: String = (0..rng.usize(0..24))
                .map(|_| match rng.u8(0..10) {
                    0 => char::from(rng.u8(0..=127)),
                    1 => 'é',
                    _ => char::from(b'0' + rng.u8(0..10)),
                })
                .collect();
            assert_eq!(luhn_valid(&text), reference_luhn(&text), "{text:?}");
        }
    }

    #[test]
    fn normalizes_month_and_year() {
        let card = CardData::new("4444 4444 4444 4448", "1", "2027", "258").unwrap();
        let text = String::from_utf8(card.plaintext().to_vec()).unwrap();
        assert_eq!(
            text,
            r#"{"card_pan":"4444444444444448","exp_month":"01","exp_year":"27","cvv":"258"}"#
        );
    }
}
