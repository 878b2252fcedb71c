//! Retry policy: exponential backoff with full jitter, a cap, an overall deadline and
//! `Retry-After`. Whether a request may be retried at all is decided in `hooks`: only
//! idempotent methods or requests that carry an idempotency key.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// When and how often to retry.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff base: attempt n waits a random time in `[0, min(cap, base * 2^(n-1))]`.
    pub base_delay: Duration,
    /// Largest backoff (a longer `Retry-After` is still honoured within the deadline).
    pub max_delay: Duration,
    /// No retry starts after this much time since the first attempt.
    pub deadline: Duration,
    /// Statuses retried in addition to the transient ones of
    /// [`crate::classify::classify_status`] (408, 425, 429, 500, 502, 503, 504).
    pub extra_statuses: Vec<StatusCode>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
            extra_statuses: Vec::new(),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Whether a response status is worth another attempt.
    pub fn retries_status(&self, status: StatusCode) -> bool {
        crate::classify::is_transient_status(status) || self.extra_statuses.contains(&status)
    }

    /// The backoff before attempt `next` (2 = first retry), full jitter.
    pub fn backoff(&self, next: u32) -> Duration {
        let exponent = next.saturating_sub(2).min(30);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=ceiling_ms))
    }

    /// The wait before attempt `next`, or `None` when no attempt should follow:
    /// attempts used up, or the wait would end past the deadline (a wait too long to
    /// add, such as `Retry-After: 18446744073709551615`, ends past any deadline).
    pub fn next_delay(
        &self,
        next: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if next > self.max_attempts {
            return None;
        }
        // The server's word wins over the backoff, even past `max_delay`.
        let delay = retry_after.unwrap_or_else(|| self.backoff(next));
        let ends = elapsed.checked_add(delay)?;
        (ends <= self.deadline).then_some(delay)
    }
}

/// Reads `Retry-After` as seconds or an HTTP date (a date in the past is no wait).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?, SystemTime::now())
}

/// Parses a `Retry-After` value as of `now`. Any number of seconds is accepted (a
/// `Duration` holds every `u64`); [`RetryPolicy::next_delay`] decides whether to wait.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits: too many of them for a u64 is a wait longer than any deadline.
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
            ..RetryPolicy::default()
        };
        for next in 2..20 {
            assert!(policy.backoff(next) <= Duration::from_millis(250));
        }
        assert!(policy.backoff(2) <= Duration::from_millis(100));
    }

    #[test]
    fn retry_after_wins_and_deadline_stops() {
        let policy = RetryPolicy {
            deadline: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let wait = policy
            .next_delay(2, Duration::ZERO, Some(Duration::from_secs(2)))
            .unwrap();
        assert_eq!(wait, Duration::from_secs(2));
        assert!(
            policy
                .next_delay(2, Duration::from_secs(4), Some(Duration::from_secs(2)))
                .is_none()
        );
        assert!(policy.next_delay(4, Duration::ZERO, None).is_none());
    }

    #[test]
    fn a_huge_retry_after_stops_the_retries_instead_of_overflowing() {
        let policy = RetryPolicy::default();
        let huge = parse_retry_after("18446744073709551615", SystemTime::now());
        assert_eq!(huge, Some(Duration::from_secs(u64::MAX)));
        assert_eq!(policy.next_delay(2, Duration::from_secs(1), huge), None);
        let beyond = parse_retry_after("99999999999999999999999", SystemTime::now());
        assert_eq!(beyond, Some(Duration::from_secs(u64::MAX)));
        assert_eq!(
            policy.next_delay(2, Duration::MAX, Some(Duration::ZERO)),
            None
        );
        assert_eq!(policy.next_delay(u32::MAX, Duration::ZERO, None), None);
        for value in ["-1", "+3", "1.5", "0x10", "", " "] {
            assert_eq!(
                parse_retry_after(value, SystemTime::now()),
                None,
                "{value:?}"
            );
        }
    }

    #[test]
    fn retry_after_fuzz_never_panics() {
        let mut rng = fastrand::Rng::with_seed(12);
        let policy = RetryPolicy::default();
        let alphabet = b"0123456789 ,:-+.GMTSunWedOct";
        for _ in 0..20_000 {
            let len = rng.usize(0..40);
            let text: String = (0..len)
                .map(|_| char::from(alphabet[rng.usize(0..alphabet.len())]))
                .collect();
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(rng.u64(0..u64::from(u32::MAX)));
            let wait = parse_retry_after(&text, at);
            let elapsed = Duration::from_millis(rng.u64(..));
            let _ = policy.next_delay(rng.u32(..), elapsed, wait);
        }
    }

    #[test]
    fn parses_retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
