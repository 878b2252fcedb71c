//! OPP result codes (`ddd.ddd.ddd`) and their classes, by ACI's published patterns,
//! applied in order, first match wins.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::RegexSet;

/// A result code was not of the form `ddd.ddd.ddd`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a result code (expected ddd.ddd.ddd, e.g. 000.100.110)")]
pub struct MalformedResultCode(pub String);

/// A result code such as `800.100.153`: bank declined (800), declined the
/// authorization (100), CVV wrong (153).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResultCode([u16; 3]);

impl ResultCode {
    /// The three groups.
    pub fn groups(&self) -> [u16; 3] {
        self.0
    }

    /// The class of this code.
    pub fn class(&self) -> ResultClass {
        classify(&self.to_string())
    }
}

impl FromStr for ResultCode {
    type Err = MalformedResultCode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || MalformedResultCode(text.chars().take(32).collect());
        let mut groups = [0u16; 3];
        let mut parts = text.split('.');
        for group in &mut groups {
            let part = parts.next().ok_or_else(malformed)?;
            if part.len() != 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            *group = part.parse().map_err(|_| malformed())?;
        }
        if parts.next().is_some() {
            return Err(malformed());
        }
        Ok(Self(groups))
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}.{:03}.{:03}", self.0[0], self.0[1], self.0[2])
    }
}

/// The class of a result code (ACI's groups, in the order they are tested).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResultClass {
    /// Successfully processed.
    Success,
    /// Successfully processed, but should be manually reviewed.
    SuccessReview,
    /// Pending; the status changes within about 30 minutes.
    Pending,
    /// Pending; the status may change after several days.
    PendingLong,
    /// Rejected by 3-D Secure or intercard risk checks.
    Rejected3ds,
    /// Rejected by the external bank or payment system.
    RejectedBank,
    /// Rejected because of a communication error.
    CommunicationError,
    /// Rejected because of a system error.
    SystemError,
    /// Rejected by an error in the asynchronous workflow.
    AsyncWorkflowError,
    /// Soft decline: retry with strong authentication.
    SoftDecline,
    /// Rejected by an external risk system.
    ExternalRisk,
    /// Rejected by address validation (risk).
    AddressRisk,
    /// Rejected by 3-D Secure (risk).
    ThreeDSecure,
    /// Rejected by a blacklist.
    Blacklist,
    /// Rejected by risk validation.
    RiskValidation,
    /// Rejected: configuration validation.
    ConfigurationValidation,
    /// Rejected: registration validation.
    RegistrationValidation,
    /// Rejected: job validation.
    JobValidation,
    /// Rejected: reference validation.
    ReferenceValidation,
    /// Rejected: format validation.
    FormatValidation,
    /// Rejected: address validation.
    AddressValidation,
    /// Rejected: contact validation.
    ContactValidation,
    /// Rejected: account validation.
    AccountValidation,
    /// Rejected: amount validation.
    AmountValidation,
    /// Rejected by risk management.
    RiskManagement,
    /// A chargeback.
    Chargeback,
    /// A code that matches no pattern: never treated as success.
    Unknown,
}

/// ACI's patterns, in the order they apply (the provider page's table).
pub const PATTERNS: &[(ResultClass, &str)] = &[
    (
        ResultClass::Success,
        r"^(000\.000\.|000\.100\.1|000\.[36]|000\.400\.[1][12]0)",
    ),
    (
        ResultClass::SuccessReview,
        r"^(000\.400\.0[^3]|000\.400\.100)",
    ),
    (ResultClass::Pending, r"^(000\.200)"),
    (ResultClass::PendingLong, r"^(800\.400\.5|100\.400\.500)"),
    (
        ResultClass::Rejected3ds,
        r"^(000\.400\.[1][0-9][1-9]|000\.400\.2)",
    ),
    (ResultClass::RejectedBank, r"^(800\.[17]00|800\.800\.[123])"),
    (
        ResultClass::CommunicationError,
        r"^(900\.[1234]00|000\.400\.030)",
    ),
    (
        ResultClass::SystemError,
        r"^(800\.[56]|999\.|600\.1|800\.800\.[84])",
    ),
    (ResultClass::AsyncWorkflowError, r"^(100\.39[765])"),
    (ResultClass::SoftDecline, r"^(300\.100\.100)"),
    (
        ResultClass::ExternalRisk,
        r"^(100\.400\.[0-3]|100\.38|100\.370\.100|100\.370\.11)",
    ),
    (ResultClass::AddressRisk, r"^(800\.400\.1)"),
    (
        ResultClass::ThreeDSecure,
        r"^(800\.400\.2|100\.380\.4|100\.390)",
    ),
    (ResultClass::Blacklist, r"^(100\.100\.701|800\.[32])"),
    (ResultClass::RiskValidation, r"^(800\.1[123456]0)"),
    (
        ResultClass::ConfigurationValidation,
        r"^(600\.[23]|500\.[12]|800\.121)",
    ),
    (ResultClass::RegistrationValidation, r"^(100\.[13]50)"),
    (ResultClass::JobValidation, r"^(100\.250|100\.360)"),
    (ResultClass::ReferenceValidation, r"^(700\.[1345][05]0)"),
    (
        ResultClass::FormatValidation,
        r"^(200\.[123]|100\.[53][07]|800\.900|100\.[69]00\.500)",
    ),
    (ResultClass::AddressValidation, r"^(100\.800)"),
    (
        ResultClass::ContactValidation,
        r"^(100\.700|100\.900\.[123467890][00-99])",
    ),
    (ResultClass::AccountValidation, r"^(100\.100|100.2[01])"),
    (ResultClass::AmountValidation, r"^(100\.55)"),
    (
        ResultClass::RiskManagement,
        r"^(100\.380\.[23]|100\.380\.101)",
    ),
    (ResultClass::Chargeback, r"^(000\.100\.2)"),
];

// Compiled once. The patterns are constants (a unit test compiles them); should that
// ever fail, every code classifies as Unknown rather than panicking.
static SET: LazyLock<Option<RegexSet>> =
    LazyLock::new(|| RegexSet::new(PATTERNS.iter().map(|(_, p)| *p)).ok());

/// The class of a code string: the first pattern that matches, `Unknown` when none does
/// or the text is not a result code.
pub fn classify(code: &str) -> ResultClass {
    if code.parse::<ResultCode>().is_err() {
        return ResultClass::Unknown;
    }
    let Some(set) = SET.as_ref() else {
        return ResultClass::Unknown;
    };
    set.matches(code)
        .iter()
        .next()
        .map_or(ResultClass::Unknown, |index| PATTERNS[index].0)
}

impl ResultClass {
    /// Success, with or without manual review.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success | Self::SuccessReview)
    }

    /// Pending, short or long.
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Pending | Self::PendingLong)
    }

    /// A validation class: the request itself was wrong (a bug or bad input), not a
    /// decline of a valid payment.
    pub fn is_validation(&self) -> bool {
        matches!(
            self,
            Self::ConfigurationValidation
                | Self::RegistrationValidation
                | Self::JobValidation
                | Self::ReferenceValidation
                | Self::FormatValidation
                | Self::AddressValidation
                | Self::ContactValidation
                | Self::AccountValidation
                | Self::AmountValidation
                | Self::RiskManagement
        )
    }

    /// A rejection of a valid request (bank, 3-D Secure, risk, blacklist, soft decline,
    /// communication or system errors).
    pub fn is_rejection(&self) -> bool {
        matches!(
            self,
            Self::Rejected3ds
                | Self::RejectedBank
                | Self::CommunicationError
                | Self::SystemError
                | Self::AsyncWorkflowError
                | Self::SoftDecline
                | Self::ExternalRisk
                | Self::AddressRisk
                | Self::ThreeDSecure
                | Self::Blacklist
                | Self::RiskValidation
        )
    }

    /// Whether the same request may succeed if sent again later: communication and
    /// system errors. (A soft decline needs strong authentication, not a plain retry.)
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::CommunicationError | Self::SystemError)
    }
}

impl payspec_core::ErrorCode for ResultClass {
    fn from_code(code: &str) -> Self {
        classify(code.trim())
    }

    fn is_retryable(&self) -> bool {
        ResultClass::is_retryable(self)
    }

    fn missing() -> Self {
        Self::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for (class, pattern) in PATTERNS {
            assert!(regex::Regex::new(pattern).is_ok(), "{class:?}: {pattern}");
        }
        assert!(SET.is_some());
    }

    #[test]
    fn parses_and_prints() {
        let code: ResultCode = "800.100.153".parse().unwrap();
        assert_eq!(code.groups(), [800, 100, 153]);
        assert_eq!(code.to_string(), "800.100.153");
        for bad in [
            "",
            "800.100",
            "800.100.15",
            "800.100.1533",
            "800-100-153",
            "a00.100.153",
            "800.100.153.",
            " 800.100.153",
        ] {
            assert!(bad.parse::<ResultCode>().is_err(), "{bad:?}");
        }
    }
}
