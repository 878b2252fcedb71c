//! One meaning of "transient" and of "outcome unknown", as pure functions: the retry
//! loop in [`crate::hooks`] and every provider error's `is_retryable()` and
//! `outcome_unknown()` read these, so what payspec retries and what it tells the caller
//! cannot drift apart. `tests::table` pins every status.

use std::error::Error as StdError;
use std::fmt;

use reqwest::StatusCode;

/// What an answer's status means for the call that got it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusClass {
    /// The same request may succeed later (payspec retries it where that is safe).
    pub transient: bool,
    /// The provider may have done the work although it answered with an error, so the
    /// caller cannot treat the call as failed: it must repeat it with the same
    /// idempotency key or reconcile.
    pub outcome_unknown: bool,
}

/// Classifies an HTTP status.
///
/// - 2xx: done; 1xx/3xx and statuses outside 100-599: not understood, outcome unknown.
/// - 408 (the request was not read whole), 425, 429: transient, nothing was done.
/// - 500, 502, 503, 504: transient, and the work may have been done behind the error (a
///   gateway's 502/504 or a 503 can come after the service acted; money-wise the safe
///   reading is "unknown", which only costs a repeat with the same key or a look-up).
/// - 501, 505: final, nothing was done (the server cannot handle the request at all).
/// - Other 5xx: final, outcome unknown. Other 4xx: final, nothing was done.
pub const fn classify_status(status: u16) -> StatusClass {
    let (transient, outcome_unknown) = match status {
        200..=299 => (false, false),
        408 | 425 | 429 => (true, false),
        500 | 502 | 503 | 504 => (true, true),
        501 | 505 => (false, false),
        400..=499 => (false, false),
        _ => (false, true),
    };
    StatusClass {
        transient,
        outcome_unknown,
    }
}

/// Whether a status says "try again" ([`classify_status`]).
pub fn is_transient_status(status: StatusCode) -> bool {
    classify_status(status.as_u16()).transient
}

/// Whether an error answer with this status may hide work the provider did.
pub fn status_leaves_outcome_unknown(status: StatusCode) -> bool {
    classify_status(status.as_u16()).outcome_unknown
}

/// Whether a transport failure is worth another attempt: the connection could not be
/// made, or the request or its answer broke off or timed out.
pub fn is_transient_transport(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
}

/// Whether a transport failure may hide work the provider did: anything but a failure to
/// connect (a refused connection or a failed TLS handshake: nothing was sent), unless the
/// error carries payspec's record of the call ([`Unanswered`]), which knows better.
pub fn transport_leaves_outcome_unknown(error: &reqwest::Error) -> bool {
    match unanswered(error) {
        Some(record) => record.outcome_unknown,
        None => !error.is_connect(),
    }
}

/// The record payspec's retry loop attaches to the transport error that ends a call: the
/// idempotency key its attempts carried, and whether any attempt may have reached the
/// provider. It is the `source` of the `reqwest::Error` the call returns; find it with
/// [`unanswered`].
#[derive(Debug)]
pub struct Unanswered {
    /// The idempotency key every attempt carried, if the call had one.
    pub idempotency_key: Option<String>,
    /// Whether an attempt may have taken effect.
    pub outcome_unknown: bool,
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's own error.
    pub last: reqwest::Error,
}

impl fmt::Display for Unanswered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.outcome_unknown {
            write!(f, "no answer, outcome unknown")?;
        } else {
            write!(f, "no answer, nothing sent")?;
        }
        write!(f, " after {} attempt(s)", self.attempts)?;
        if let Some(key) = &self.idempotency_key {
            write!(f, " (idempotency key {key})")?;
        }
        Ok(())
    }
}

impl StdError for Unanswered {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.last)
    }
}

/// The first error of type `T` in `error`'s chain of sources (itself included), looking
/// inside `std::io::Error`s too (their `source()` skips the error they wrap).
pub fn find_source<'a, T: StdError + 'static>(
    error: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    let mut next: Option<&'a (dyn StdError + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

/// payspec's record of a call that ended without an answer, when the error carries one.
pub fn unanswered(error: &reqwest::Error) -> Option<&Unanswered> {
    find_source::<Unanswered>(error)
}

/// A one-line description of a transport error: what failed and every cause under it
/// down to the innermost ("connection refused" is four `source()`s below reqwest's
/// "error sending request"), then payspec's record of the call when it has one
/// (attempts, outcome, idempotency key).
pub fn describe_transport(error: &reqwest::Error) -> impl fmt::Display + '_ {
    DescribeTransport(error)
}

struct DescribeTransport<'a>(&'a reqwest::Error);

impl fmt::Display for DescribeTransport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let record = unanswered(self.0);
        let last: &(dyn StdError + 'static) = match record {
            Some(record) => &record.last,
            None => self.0,
        };
        let mut shown = last.to_string();
        crate::error::write_bounded(f, &shown, crate::error::DISPLAY_LIMIT)?;
        let mut next = last.source();
        while let Some(cause) = next {
            let text = cause.to_string();
            // hyper and io often repeat their inner error's text; say each thing once.
            if !shown.contains(&text) {
                f.write_str(": ")?;
                crate::error::write_bounded(f, &text, crate::error::DISPLAY_LIMIT)?;
                shown = text;
            }
            next = cause.source();
        }
        if let Some(record) = record {
            write!(f, "; {record}")?;
        }
        Ok(())
    }
}

/// An answer whose body was longer than the client's limit
/// ([`crate::ClientOptions::max_response_bytes`]); it is the `source` of the error the
/// read returned, and the connection was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    /// The limit in bytes.
    pub limit: u64,
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "response body longer than the limit of {} bytes",
            self.limit
        )
    }
}

impl StdError for BodyTooLarge {}

/// The [`BodyTooLarge`] in an error's sources, if there is one.
pub fn body_too_large(error: &(dyn StdError + 'static)) -> Option<BodyTooLarge> {
    find_source::<BodyTooLarge>(error).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (status, transient, outcome unknown)
        let table: &[(u16, bool, bool)] = &[
            (0, false, true),
            (99, false, true),
            (100, false, true),
            (200, false, false),
            (201, false, false),
            (204, false, false),
            (302, false, true),
            (400, false, false),
            (401, false, false),
            (403, false, false),
            (404, false, false),
            (408, true, false),
            (409, false, false),
            (422, false, false),
            (423, false, false),
            (425, true, false),
            (429, true, false),
            (500, true, true),
            (501, false, false),
            (502, true, true),
            (503, true, true),
            (504, true, true),
            (505, false, false),
            (507, false, true),
            (599, false, true),
            (600, false, true),
            (999, false, true),
            (u16::MAX, false, true),
        ];
        for &(status, transient, outcome_unknown) in table {
            assert_eq!(
                classify_status(status),
                StatusClass {
                    transient,
                    outcome_unknown
                },
                "status {status}"
            );
        }
    }

    #[test]
    fn every_status_is_classified_without_panic() {
        for status in 0..=u16::MAX {
            let class = classify_status(status);
            // A transient answer is one the provider gave: always a real error status.
            assert!(!class.transient || (400..=599).contains(&status));
        }
    }

    #[test]
    fn body_too_large_is_found_under_other_errors() {
        let inner = BodyTooLarge { limit: 10 };
        let wrapped = std::io::Error::other(inner);
        assert_eq!(body_too_large(&wrapped), Some(inner));
        assert_eq!(body_too_large(&std::io::Error::other("x")), None);
        assert_eq!(
            inner.to_string(),
            "response body longer than the limit of 10 bytes"
        );
    }
}
