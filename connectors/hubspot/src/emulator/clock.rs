//! The write clock: millisecond timestamps that strictly increase with every write.
//!
//! Incremental sync tests filter on `lastmodifieddate >= cursor`; if two writes could share a
//! millisecond, a test could not tell "missed" from "tied". The clock therefore hands out
//! `max(now, last + 1 ms)`. Tests that need ties on purpose use `edit_at`, which writes an
//! explicit timestamp and only moves the clock forward.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Hands out strictly increasing write timestamps.
#[derive(Debug, Default)]
pub(crate) struct WriteClock {
    last_ms: i64,
}

impl WriteClock {
    /// The next write timestamp: now, or one millisecond after the previous one.
    pub(crate) fn tick(&mut self) -> DateTime<Utc> {
        let now = Utc::now().timestamp_millis();
        let next = now.max(self.last_ms.saturating_add(1));
        self.last_ms = next;
        from_millis(next)
    }

    /// Records a timestamp written explicitly so later ticks stay after it.
    pub(crate) fn observe(&mut self, at: DateTime<Utc>) {
        self.last_ms = self.last_ms.max(at.timestamp_millis());
    }
}

/// Milliseconds since the epoch as a UTC time (clamped to the epoch when out of range).
pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// HubSpot's timestamp format: ISO 8601, millisecond precision, `Z` suffix.
pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a time the way search filters and property values may spell it: epoch
/// milliseconds, RFC 3339 / ISO 8601 with offset, or a bare `YYYY-MM-DD` (UTC midnight).
pub(crate) fn parse_time_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp_millis());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_strictly_increase() {
        let mut clock = WriteClock::default();
        let mut last = clock.tick();
        for _ in 0..1_000 {
            let next = clock.tick();
            assert!(next > last);
            last = next;
        }
    }

    #[test]
    fn observe_moves_clock_past_explicit_time() {
        let mut clock = WriteClock::default();
        let future = Utc::now() + chrono::Duration::days(1);
        clock.observe(future);
        assert_eq!(
            clock.tick().timestamp_millis(),
            future.timestamp_millis() + 1
        );
    }

    #[test]
    fn formats_and_parses_times() {
        let at = from_millis(1_700_000_000_123);
        assert_eq!(iso(at), "2023-11-14T22:13:20.123Z");
        let cases = [
            ("1700000000123", Some(1_700_000_000_123)),
            ("2023-11-14T22:13:20.123Z", Some(1_700_000_000_123)),
            ("2023-11-14T23:13:20.123+01:00", Some(1_700_000_000_123)),
            ("2023-11-14", Some(1_699_920_000_000)),
            ("yesterday", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_time_millis(text), want, "{text}");
        }
    }
}
