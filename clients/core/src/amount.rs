//! `Amount`: money in integer minor units, at least one, under the same name in every
//! payspec crate.

use std::fmt;
use std::num::NonZeroU64;

/// An amount of money in the currency's minor units (cents, øre, grosze): an integer of
/// at least 1, never a float. Every payspec crate takes amounts as this type (re-exported
/// as `payspec_<provider>::Amount`); a provider whose API caps amounts lower (MobilePay's
/// 32-bit integers) checks the cap when its request is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount(NonZeroU64);

/// Why a number is not an [`Amount`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Zero (or, from a signed number, less than zero): a payment moves at least one minor unit.
    #[error("amount must be at least 1 minor unit, got {0}")]
    NotPositive(i128),
    /// More than the provider's API takes.
    #[error("amount {amount} is more than the {max} minor units the API takes")]
    TooLarge {
        /// The amount.
        amount: u64,
        /// The API's largest amount.
        max: u64,
    },
}

impl Amount {
    /// `minor_units` of the currency; fails for 0.
    pub const fn new(minor_units: u64) -> Result<Self, AmountError> {
        match NonZeroU64::new(minor_units) {
            Some(n) => Ok(Self(n)),
            None => Err(AmountError::NotPositive(0)),
        }
    }

    /// The number of minor units.
    pub const fn minor_units(self) -> u64 {
        self.0.get()
    }

    /// The same amount as a `NonZeroU64`.
    pub const fn get(self) -> NonZeroU64 {
        self.0
    }

    /// The amount, checked against an API's largest value.
    pub fn at_most(self, max: u64) -> Result<u64, AmountError> {
        let amount = self.minor_units();
        if amount > max {
            return Err(AmountError::TooLarge { amount, max });
        }
        Ok(amount)
    }

    /// The amount, checked to fit an API whose amounts are `integer`, `format: int64`
    /// (JSON readers of such an API cannot hold 2^63 or more).
    pub fn within_int64(self) -> Result<Self, AmountError> {
        self.at_most(i64::MAX.unsigned_abs()).map(|_| self)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} minor units", self.0)
    }
}

impl From<NonZeroU64> for Amount {
    fn from(n: NonZeroU64) -> Self {
        Self(n)
    }
}

impl TryFrom<u64> for Amount {
    type Error = AmountError;
    fn try_from(n: u64) -> Result<Self, AmountError> {
        Self::new(n)
    }
}

impl TryFrom<i64> for Amount {
    type Error = AmountError;
    fn try_from(n: i64) -> Result<Self, AmountError> {
        u64::try_from(n)
            .map_err(|_| AmountError::NotPositive(i128::from(n)))
            .and_then(Self::new)
    }
}

impl TryFrom<i32> for Amount {
    type Error = AmountError;
    fn try_from(n: i32) -> Result<Self, AmountError> {
        Self::try_from(i64::from(n))
    }
}

impl TryFrom<u32> for Amount {
    type Error = AmountError;
    fn try_from(n: u32) -> Result<Self, AmountError> {
        Self::new(u64::from(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_integers_are_amounts() {
        assert_eq!(Amount::new(1).map(Amount::minor_units), Ok(1));
        assert_eq!(Amount::new(0), Err(AmountError::NotPositive(0)));
        assert_eq!(Amount::try_from(-5_i64), Err(AmountError::NotPositive(-5)));
        assert_eq!(
            Amount::try_from(i64::MIN).err(),
            Some(AmountError::NotPositive(i128::from(i64::MIN)))
        );
        assert_eq!(Amount::try_from(250_i32).map(Amount::minor_units), Ok(250));
        let big = Amount::new(u64::MAX).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            big.at_most(u64::from(u32::MAX)),
            Err(AmountError::TooLarge {
                amount: u64::MAX,
                max: u64::from(u32::MAX)
            })
        );
        assert_eq!(
            Amount::new(7).map(|a| a.to_string()),
            Ok("7 minor units".into())
        );
    }
}
