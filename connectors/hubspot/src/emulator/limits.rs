//! HubSpot's rate limits: a rolling 10-second window, a daily quota and a per-second bucket
//! for search.
//!
//! Only admitted calls count; a rejected call does not extend the window, so a client that
//! backs off recovers as soon as the oldest admitted call leaves the window. The daily quota
//! resets at UTC midnight (HubSpot uses the account's time zone).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};

use super::config::Limits;
use super::errors::Policy;

const TEN_SECONDS: Duration = Duration::from_secs(10);
const ONE_SECOND: Duration = Duration::from_secs(1);

/// Which bucket a call draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    /// Every CRM call except search.
    Standard,
    /// `POST …/search`.
    Search,
}

/// Values for the `X-HubSpot-RateLimit-*` headers after a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) daily: u64,
    pub(crate) daily_remaining: u64,
    pub(crate) max: u32,
    pub(crate) remaining: u32,
}

/// The outcome of [`RateLimiter::admit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// The call may proceed.
    Allowed(Usage),
    /// The call is rejected; `retry_after` is when the window frees a slot.
    Denied {
        policy: Policy,
        usage: Usage,
        retry_after: Duration,
    },
}

/// Sliding-window counters.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limits: Limits,
    standard: VecDeque<Instant>,
    search: VecDeque<Instant>,
    day: NaiveDate,
    daily_used: u64,
}

impl RateLimiter {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            standard: VecDeque::new(),
            search: VecDeque::new(),
            day: Utc::now().date_naive(),
            daily_used: 0,
        }
    }

    /// Replaces the limits, keeping the calls already counted.
    pub(crate) fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// Forgets all counted calls (windows and daily usage).
    pub(crate) fn reset(&mut self) {
        self.standard.clear();
        self.search.clear();
        self.daily_used = 0;
    }

    /// Header values without counting a call (for faulted responses).
    pub(crate) fn peek(&mut self, now: Instant) -> Usage {
        self.roll(now, Utc::now().date_naive());
        self.usage()
    }

    fn usage(&self) -> Usage {
        let used = u32::try_from(self.standard.len()).unwrap_or(u32::MAX);
        Usage {
            daily: self.limits.daily,
            daily_remaining: self.limits.daily.saturating_sub(self.daily_used),
            max: self.limits.ten_secondly,
            remaining: self.limits.ten_secondly.saturating_sub(used),
        }
    }

    fn roll(&mut self, now: Instant, today: NaiveDate) {
        if today != self.day {
            self.day = today;
            self.daily_used = 0;
        }
        while self
            .standard
            .front()
            .is_some_and(|t| now.duration_since(*t) >= TEN_SECONDS)
        {
            self.standard.pop_front();
        }
        while self
            .search
            .front()
            .is_some_and(|t| now.duration_since(*t) >= ONE_SECOND)
        {
            self.search.pop_front();
        }
    }

    /// Counts a call if every applicable limit allows it.
    pub(crate) fn admit(&mut self, bucket: Bucket, now: Instant) -> Admission {
        self.admit_on(bucket, now, Utc::now().date_naive())
    }

    fn admit_on(&mut self, bucket: Bucket, now: Instant, today: NaiveDate) -> Admission {
        self.roll(now, today);
        if self.daily_used >= self.limits.daily {
            let midnight = today
                .succ_opt()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc() - Utc::now())
                .and_then(|d| d.to_std().ok())
                .unwrap_or(TEN_SECONDS);
            return Admission::Denied {
                policy: Policy::Daily,
                usage: self.usage(),
                retry_after: midnight,
            };
        }
        let (window, cap, span, policy) = match bucket {
            Bucket::Standard => (
                &mut self.standard,
                self.limits.ten_secondly,
                TEN_SECONDS,
                Policy::TenSecondly,
            ),
            Bucket::Search => (
                &mut self.search,
                self.limits.search_per_second,
                ONE_SECOND,
                Policy::Secondly,
            ),
        };
        if window.len() >= cap as usize {
            let retry_after = window
                .front()
                .map(|oldest| span.saturating_sub(now.duration_since(*oldest)))
                .unwrap_or(span);
            return Admission::Denied {
                policy,
                usage: self.usage(),
                retry_after,
            };
        }
        window.push_back(now);
        self.daily_used = self.daily_used.saturating_add(1);
        Admission::Allowed(self.usage())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(ten_secondly: u32, daily: u64, search: u32) -> Limits {
        Limits {
            ten_secondly,
            daily,
            search_per_second: search,
        }
    }

    #[test]
    fn ten_second_window_rolls() {
        let mut limiter = RateLimiter::new(limits(3, 100, 5));
        let start = Instant::now();
        for i in 0..3u32 {
            let Admission::Allowed(usage) = limiter.admit(Bucket::Standard, start) else {
                panic!("call {i} should pass");
            };
            assert_eq!(usage.remaining, 2 - i);
        }
        let denied = limiter.admit(Bucket::Standard, start + Duration::from_secs(9));
        let Admission::Denied {
            policy,
            retry_after,
            ..
        } = denied
        else {
            panic!("fourth call should be denied");
        };
        assert_eq!(policy, Policy::TenSecondly);
        assert_eq!(retry_after, Duration::from_secs(1));
        let later = limiter.admit(Bucket::Standard, start + TEN_SECONDS);
        assert!(matches!(later, Admission::Allowed(_)));
    }

    #[test]
    fn search_has_its_own_bucket() {
        let mut limiter = RateLimiter::new(limits(1, 100, 2));
        let now = Instant::now();
        assert!(matches!(
            limiter.admit(Bucket::Standard, now),
            Admission::Allowed(_)
        ));
        assert!(matches!(
            limiter.admit(Bucket::Search, now),
            Admission::Allowed(_)
        ));
        assert!(matches!(
            limiter.admit(Bucket::Search, now),
            Admission::Allowed(_)
        ));
        let third = limiter.admit(Bucket::Search, now);
        assert!(matches!(
            third,
            Admission::Denied {
                policy: Policy::Secondly,
                ..
            }
        ));
        let after = limiter.admit(Bucket::Search, now + ONE_SECOND);
        assert!(matches!(after, Admission::Allowed(_)));
    }

    #[test]
    fn daily_quota_counts_both_buckets_and_resets_next_day() {
        let mut limiter = RateLimiter::new(limits(100, 2, 5));
        let now = Instant::now();
        let today = Utc::now().date_naive();
        assert!(matches!(
            limiter.admit_on(Bucket::Standard, now, today),
            Admission::Allowed(_)
        ));
        let Admission::Allowed(usage) = limiter.admit_on(Bucket::Search, now, today) else {
            panic!("second call should pass");
        };
        assert_eq!(usage.daily_remaining, 0);
        let denied = limiter.admit_on(Bucket::Standard, now, today);
        assert!(matches!(
            denied,
            Admission::Denied {
                policy: Policy::Daily,
                ..
            }
        ));
        let tomorrow = today.succ_opt().unwrap_or(today);
        let next = limiter.admit_on(Bucket::Standard, now, tomorrow);
        assert!(matches!(next, Admission::Allowed(_)));
    }
}
