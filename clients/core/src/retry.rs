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
    /// Statuses retried in addition to 408, 429, 500, 502, 503, 504.
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
        matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
            || self.extra_statuses.contains(&status)
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
    /// attempts used up, or the wait would end past the deadline.
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
        (elapsed + delay <= self.deadline).then_some(delay)
    }
}

/// Reads `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
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
