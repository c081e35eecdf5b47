//! The emulator clock and Salesforce's datetime wire formats.
//!
//! Every write takes a fresh tick from [`Clock`], so `SystemModstamp` is strictly increasing
//! across writes: a sync cursor built on it never sees two unrelated writes share a value unless
//! a test forces it (see `RunningEmulator::edit_at`). Salesforce stores datetimes with second
//! precision, so ticks advance in whole seconds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Source of write timestamps.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    /// `None`: follow the wall clock; `Some(start)`: a purely virtual clock starting there.
    start: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl Clock {
    /// A clock that follows the wall clock (but never repeats or goes backwards).
    pub(crate) fn wall() -> Self {
        Self {
            start: None,
            last: None,
        }
    }

    /// A deterministic clock whose first tick is `start` (truncated to the second).
    pub(crate) fn fixed(start: DateTime<Utc>) -> Self {
        Self {
            start: Some(truncate(start)),
            last: None,
        }
    }

    /// The next write timestamp: later than every previous one by at least a second.
    pub(crate) fn tick(&mut self) -> DateTime<Utc> {
        let floor = match self.start {
            Some(start) => start,
            None => truncate(Utc::now()),
        };
        let next = match self.last {
            Some(last) => (last + chrono::Duration::seconds(1)).max(floor),
            None => floor,
        };
        self.last = Some(next);
        next
    }

    /// Records that a timestamp was used (for instance by seeded history), so later ticks
    /// stay after it.
    pub(crate) fn observe(&mut self, ts: DateTime<Utc>) {
        if self.last.is_none_or(|last| ts > last) {
            self.last = Some(truncate(ts));
        }
    }
}

fn truncate(ts: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(ts.timestamp(), 0).unwrap_or(ts)
}

/// REST JSON format: `2013-05-07T22:07:19.000+0000` (offset without a colon).
pub(crate) fn format_rest(ts: &DateTime<Utc>) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// Bulk API CSV format: `2013-05-07T22:07:19.000Z`.
pub(crate) fn format_bulk(ts: &DateTime<Utc>) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses the datetime spellings Salesforce accepts in JSON bodies, CSV uploads and SOQL
/// literals: `Z`, `+0000`, `+00:00` offsets, optional fraction, or a bare date (midnight UTC).
pub(crate) fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Some(ts.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(ts) = DateTime::parse_from_str(text, fmt) {
            return Some(ts.with_timezone(&Utc));
        }
    }
    if let Some(naive) = text.strip_suffix('Z') {
        if let Ok(ts) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f") {
            return Some(Utc.from_utc_datetime(&ts));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|ts| Utc.from_utc_datetime(&ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_the_wire() {
        let ts = Utc.with_ymd_and_hms(2013, 5, 7, 22, 7, 19).unwrap();
        assert_eq!(format_rest(&ts), "2013-05-07T22:07:19.000+0000");
        assert_eq!(format_bulk(&ts), "2013-05-07T22:07:19.000Z");
    }

    #[test]
    fn parses_every_accepted_spelling() {
        let want = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single();
        for text in [
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:00.000+0000",
            "2024-01-01T00:00:00+0000",
            "2024-01-01T01:00:00+01:00",
            "2024-01-01",
        ] {
            assert_eq!(parse_datetime(text), want, "{text}");
        }
        assert_eq!(parse_datetime("2024-01-01T00:00:00.000 0000"), None);
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn ticks_strictly_increase() {
        let start = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
        let mut clock = Clock::fixed(start);
        let a = clock.tick();
        let b = clock.tick();
        assert_eq!(a, start);
        assert_eq!(b, start + chrono::Duration::seconds(1));
        clock.observe(start + chrono::Duration::seconds(100));
        assert_eq!(clock.tick(), start + chrono::Duration::seconds(101));
        let mut wall = Clock::wall();
        let x = wall.tick();
        assert!(wall.tick() > x);
    }
}
