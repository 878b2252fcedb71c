//! The error of parsing an open enum from a string that it does not list.

use std::fmt;

/// A string is not one of an enum's known values.
///
/// Open enums accept any value when they parse a response (it becomes `Unknown`), but
/// `FromStr` is strict so that a request cannot carry a typo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEnumValue {
    enum_name: &'static str,
    value: String,
    known: &'static [&'static str],
}

impl UnknownEnumValue {
    /// Builds the error (called by generated code).
    pub fn new(enum_name: &'static str, value: &str, known: &'static [&'static str]) -> Self {
        Self {
            enum_name,
            value: value.to_string(),
            known,
        }
    }

    /// The rejected value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for UnknownEnumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a valid {}; expected one of: {}",
            self.value,
            self.enum_name,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownEnumValue {}
