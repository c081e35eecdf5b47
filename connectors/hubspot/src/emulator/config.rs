//! Emulator configuration: account tier, rate limits, faults and the OAuth client.

use std::collections::HashSet;
use std::time::Duration;

/// HubSpot account tier; decides the default [`Limits`] (HubSpot usage guidelines for
/// privately distributed apps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    /// Free tools: 100 requests per 10 s, 250,000 per day.
    Free,
    /// Starter: 100 requests per 10 s, 250,000 per day.
    #[default]
    Starter,
    /// Professional: 190 requests per 10 s, 625,000 per day.
    Professional,
    /// Enterprise: 190 requests per 10 s, 1,000,000 per day.
    Enterprise,
}

/// Rate limits the emulator enforces.
///
/// Search requests use their own per-second bucket and are exempt from the ten-second
/// window; every request except OAuth token calls counts toward the daily quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests allowed in any rolling 10-second window (`TEN_SECONDLY_ROLLING`).
    pub ten_secondly: u32,
    /// Requests allowed per UTC day (`DAILY`).
    pub daily: u64,
    /// Search requests allowed in any rolling 1-second window (`SECONDLY`).
    pub search_per_second: u32,
}

impl Limits {
    /// The documented limits of a tier.
    pub fn for_tier(tier: Tier) -> Self {
        let (ten_secondly, daily) = match tier {
            Tier::Free | Tier::Starter => (100, 250_000),
            Tier::Professional => (190, 625_000),
            Tier::Enterprise => (190, 1_000_000),
        };
        Self {
            ten_secondly,
            daily,
            search_per_second: 5,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::for_tier(Tier::default())
    }
}

/// Faults injected into API calls; all off by default.
///
/// Every API request (not the `/__emulator` inspection routes) draws once from a random
/// generator seeded with [`Faults::seed`], so the same request sequence yields the same faults.
/// Probabilities are checked in this order on one draw: dropped connection, 5xx, 423, 429.
/// The decision is taken before the request is handled, so a faulted request never changes
/// state and never counts toward rate limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Probability (0..=1) of answering with a ten-secondly 429 (a secondly 429 on search).
    pub rate_limit_probability: f64,
    /// Probability of answering 502, 503 or 504 with an HTML or JSON body.
    pub server_error_probability: f64,
    /// Probability of answering 423 Locked.
    pub locked_probability: f64,
    /// Probability of closing the connection without sending any response.
    pub drop_connection_probability: f64,
    /// Fixed delay added before every API response, in milliseconds.
    pub latency_ms: u64,
    /// Write inputs whose `email` property contains this substring fail validation
    /// (`INVALID_EMAIL`), one error per input in batch calls.
    pub reject_emails_matching: Option<String>,
    /// Write inputs addressed by one of these ids (record id, or unique value for upserts)
    /// fail validation.
    pub reject_ids: HashSet<String>,
    /// Seed of the fault generator; [`crate::emulator::RunningEmulator::set_faults`] reseeds.
    pub seed: u64,
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether any probabilistic fault can fire, so fault-free runs skip the draw.
    pub(crate) fn has_random_faults(&self) -> bool {
        self.rate_limit_probability > 0.0
            || self.server_error_probability > 0.0
            || self.locked_probability > 0.0
            || self.drop_connection_probability > 0.0
    }
}

/// The OAuth app the emulator accepts at `POST /oauth/v1/token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// `client_id` form field.
    pub client_id: String,
    /// `client_secret` form field.
    pub client_secret: String,
    /// The refresh token that may be exchanged; HubSpot refresh tokens do not rotate, so the
    /// same value is returned with every new access token.
    pub refresh_token: String,
    /// Lifetime of issued access tokens (HubSpot: 30 minutes).
    pub access_token_ttl: Duration,
}

impl OAuthClient {
    /// An OAuth client with HubSpot's 30-minute access-token lifetime.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            access_token_ttl: Duration::from_secs(30 * 60),
        }
    }

    /// Same client with another access-token lifetime (tests use short ones to force expiry).
    pub fn with_access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_limits_match_usage_guidelines() {
        let cases = [
            (Tier::Free, 100, 250_000),
            (Tier::Starter, 100, 250_000),
            (Tier::Professional, 190, 625_000),
            (Tier::Enterprise, 190, 1_000_000),
        ];
        for (tier, burst, daily) in cases {
            let limits = Limits::for_tier(tier);
            assert_eq!(
                (limits.ten_secondly, limits.daily),
                (burst, daily),
                "{tier:?}"
            );
            assert_eq!(limits.search_per_second, 5);
        }
    }

    #[test]
    fn default_faults_draw_nothing() {
        assert!(!Faults::none().has_random_faults());
        let faults = Faults {
            locked_probability: 0.1,
            ..Faults::none()
        };
        assert!(faults.has_random_faults());
    }
}
