//! Retry timing: exponential backoff with full jitter, and `Retry-After` parsing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How often and how patiently [`crate::http::HttpClient::send`] repeats a retryable failure.
///
/// The delay before retry `n` (1-based) is uniform in `0..=min(cap, base * 2^(n-1))` ("full
/// jitter", so many clients hitting the same limit do not retry in lock step), unless the
/// server sent `Retry-After`, which wins (bounded by `max_retry_after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Backoff of the first retry before jitter.
    pub base: Duration,
    /// Largest backoff before jitter.
    pub cap: Duration,
    /// Attempts in total, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Longest `Retry-After` honoured; a longer one fails the call instead of stalling it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 500 ms base, 30 s cap, 6 attempts, `Retry-After` up to 2 minutes.
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            max_attempts: 6,
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The jittered backoff before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let shift = retry.saturating_sub(1).min(30);
        let ceiling = self
            .base
            .checked_mul(1u32 << shift)
            .unwrap_or(self.cap)
            .min(self.cap);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.gen_range(0..=millis))
    }
}

/// The `Retry-After` header as a delay: delta-seconds or an HTTP date (a date in the past
/// means "now").
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, Utc::now())
}

fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:50Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let cases = [
            ("3", Some(Duration::from_secs(3))),
            ("0.5", Some(Duration::from_millis(500))),
            (
                "Wed, 21 Oct 2015 07:28:00 GMT",
                Some(Duration::from_secs(10)),
            ),
            ("Wed, 21 Oct 2015 07:27:00 GMT", Some(Duration::ZERO)),
            ("soon", None),
            ("-1", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_retry_after(text, now), want, "{text}");
        }
    }

    #[test]
    fn backoff_grows_within_cap() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1_000),
            max_attempts: 10,
            max_retry_after: Duration::from_secs(1),
        };
        let mut rng = SmallRng::seed_from_u64(1);
        for retry in 1..=40 {
            let ceiling = Duration::from_millis((100u64 << (retry - 1).min(20)).min(1_000));
            for _ in 0..50 {
                let delay = policy.backoff(retry, &mut rng);
                assert!(delay <= ceiling, "retry {retry}: {delay:?} > {ceiling:?}");
            }
        }
    }
}
