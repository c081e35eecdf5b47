//! Timestamps as CRM exports and spreadsheets write them, to UTC.
//!
//! Parsing is on the per-row hot path, so the input's shape picks one hand-written parser
//! instead of trying a list of format strings in turn:
//!
//! - `YYYY-MM-DD` (or `YYYY/MM/DD`) with an optional `T`/space time `HH:MM[:SS[.fff]]` and an
//!   optional offset (`Z`, `+02:00`, `+0200`, `+02`, `UTC`, `GMT`); no offset means UTC;
//! - `M/D/YYYY`, `M/D/YY` or `M-D-YYYY` (US order: an ambiguous `3/5/2024` is March 5), and
//!   `D.M.YYYY` (the dotted form is day first, as written in Germany and most of Europe), each
//!   with an optional `H:MM[:SS]` time and `AM`/`PM`; two-digit years 00–69 are 2000–2069 and
//!   70–99 are 1970–1999;
//! - digits only: 13 digits are epoch milliseconds (HubSpot), 10 digits epoch seconds, 8
//!   digits `YYYYMMDD`, and a number from 20000 to 80000 (optionally with a fraction) an
//!   Excel 1900-system serial (1954–2119);
//! - anything else is tried once as RFC 2822 (`Tue, 5 Mar 2024 14:30:00 +0000`).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use crmsync_sdk::Cell;

/// Excel serials outside this range are far more likely to be other numbers than dates.
const EXCEL_PLAUSIBLE: std::ops::Range<f64> = 20_000.0..80_000.0;

/// Parse a timestamp from text; `None` when the text is not one of the supported forms.
pub fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    match (lead, b.get(lead)) {
        (_, None) => digits_only(s),
        (4, Some(b'-' | b'/')) => iso(b),
        (1 | 2, Some(b'/' | b'-')) => day_month(b, Order::MonthFirst),
        (1 | 2, Some(b'.')) => day_month(b, Order::DayFirst),
        (5, Some(b'.')) => excel_text(s),
        _ => DateTime::parse_from_rfc2822(s)
            .ok()
            .map(|d| d.with_timezone(&Utc)),
    }
}

/// A timestamp from a typed cell: dates at midnight UTC, date-times as UTC, numbers as Excel
/// serials when plausible, text through [`parse_timestamp`].
pub fn cell_timestamp(cell: &Cell) -> Option<DateTime<Utc>> {
    match cell {
        Cell::Date(d) => Some(Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))),
        Cell::DateTime(dt) => Some(Utc.from_utc_datetime(dt)),
        Cell::Int(i) => excel_serial(*i as f64),
        Cell::Float(f) => excel_serial(*f),
        Cell::Text(s) => parse_timestamp(s),
        Cell::Empty | Cell::Bool(_) | Cell::Error(_) => None,
    }
}

/// An Excel 1900-system serial (days since 1899-12-30, fraction = time of day).
fn excel_serial(serial: f64) -> Option<DateTime<Utc>> {
    if !EXCEL_PLAUSIBLE.contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    // Whole milliseconds: serials carry float noise well below that.
    let millis = (serial * 86_400_000.0).round() as i64;
    Some(Utc.from_utc_datetime(&(epoch + Duration::milliseconds(millis))))
}

fn excel_text(s: &str) -> Option<DateTime<Utc>> {
    excel_serial(s.parse().ok()?)
}

fn digits_only(s: &str) -> Option<DateTime<Utc>> {
    match s.len() {
        13 => DateTime::from_timestamp_millis(s.parse().ok()?),
        10 => DateTime::from_timestamp(s.parse().ok()?, 0),
        8 => {
            let date = NaiveDate::parse_from_str(s, "%Y%m%d").ok()?;
            Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)))
        }
        5 => excel_text(s),
        _ => None,
    }
}

/// A byte cursor over ASCII-ish text.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    /// Between `min` and `max` digits as a number, with how many were read.
    fn number(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let mut value = 0u32;
        let mut n = 0;
        while n < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => value = value * 10 + u32::from(c - b'0'),
                _ => break,
            }
            self.i += 1;
            n += 1;
        }
        (n >= min).then_some((value, n))
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let end = self.i + word.len();
        let hit = self
            .b
            .get(self.i..end)
            .is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()));
        if hit {
            self.i = end;
        }
        hit
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][offset]`.
fn iso(b: &[u8]) -> Option<DateTime<Utc>> {
    let mut c = Cursor { b, i: 0 };
    let (year, _) = c.number(4, 4)?;
    let sep = c.peek()?;
    c.i += 1;
    let (month, _) = c.number(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (day, _) = c.number(1, 2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if c.at_end() {
        return Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    c.skip_spaces();
    let time = clock(&mut c, false)?;
    c.skip_spaces();
    let offset = offset(&mut c)?;
    c.at_end().then_some(())?;
    let local = NaiveDateTime::new(date, time);
    Some(
        offset
            .from_local_datetime(&local)
            .single()?
            .with_timezone(&Utc),
    )
}

/// Which number comes first in a slashed or dotted date.
#[derive(Clone, Copy)]
enum Order {
    MonthFirst,
    DayFirst,
}

/// `M/D/Y`, `M-D-Y` or `D.M.Y`, with an optional 12- or 24-hour time, taken as UTC.
fn day_month(b: &[u8], order: Order) -> Option<DateTime<Utc>> {
    let mut c = Cursor { b, i: 0 };
    let (first, _) = c.number(1, 2)?;
    let sep = c.peek()?;
    c.i += 1;
    let (second, _) = c.number(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (year, digits) = c.number(2, 4)?;
    let year = match digits {
        2 if year < 70 => 2000 + year,
        2 => 1900 + year,
        4 => year,
        _ => return None,
    };
    let (month, day) = match order {
        Order::MonthFirst => (first, second),
        Order::DayFirst => (second, first),
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = if c.at_end() {
        NaiveTime::MIN
    } else {
        if !(c.eat(b' ') || c.eat(b'T')) {
            return None;
        }
        c.skip_spaces();
        let time = clock(&mut c, true)?;
        c.skip_spaces();
        if !(c.at_end() || c.eat_word("UTC") || c.eat_word("GMT") || c.eat(b'Z')) {
            return None;
        }
        c.at_end().then_some(time)?
    };
    Some(Utc.from_utc_datetime(&NaiveDateTime::new(date, time)))
}

/// `H:MM[:SS[.fff]]`, plus `AM`/`PM` when `twelve_hour` allows it.
fn clock(c: &mut Cursor<'_>, twelve_hour: bool) -> Option<NaiveTime> {
    let (mut hour, _) = c.number(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let (minute, _) = c.number(2, 2)?;
    let mut second = 0;
    let mut nanos = 0;
    if c.eat(b':') {
        second = c.number(2, 2)?.0;
        if c.eat(b'.') || c.eat(b',') {
            let (frac, digits) = c.number(1, 9)?;
            nanos = frac * 10u32.pow(9 - u32::try_from(digits).ok()?);
        }
    }
    if twelve_hour {
        let save = c.i;
        c.skip_spaces();
        let pm = if c.eat_word("pm") || c.eat_word("p.m.") {
            Some(true)
        } else if c.eat_word("am") || c.eat_word("a.m.") {
            Some(false)
        } else {
            c.i = save;
            None
        };
        if let Some(pm) = pm {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = (hour % 12) + if pm { 12 } else { 0 };
        }
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// `Z`, `UTC`, `GMT`, `±HH`, `±HHMM`, `±HH:MM`, or nothing (UTC).
fn offset(c: &mut Cursor<'_>) -> Option<FixedOffset> {
    if c.at_end() || c.eat(b'Z') || c.eat(b'z') || c.eat_word("UTC") || c.eat_word("GMT") {
        return FixedOffset::east_opt(0);
    }
    let sign: i32 = match c.peek()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    c.i += 1;
    let (hours, _) = c.number(2, 2)?;
    let colon = c.eat(b':');
    let minutes = match c.number(2, 2) {
        Some((m, _)) => m,
        None if colon => return None,
        None => 0,
    };
    let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    FixedOffset::east_opt(sign * seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn parses_export_formats() {
        for (raw, expected) in [
            ("2024-03-05T14:30:00Z", "2024-03-05T14:30:00Z"),
            ("2024-03-05T14:30:00+02:00", "2024-03-05T12:30:00Z"),
            ("2024-03-05T14:30:00-0500", "2024-03-05T19:30:00Z"),
            ("2013-05-07T22:07:19.000+0000", "2013-05-07T22:07:19Z"),
            ("2024-03-05T14:30:00.123456Z", "2024-03-05T14:30:00.123456Z"),
            ("2024-03-05T14:30:00+02", "2024-03-05T12:30:00Z"),
            ("2024-03-05T14:30:00", "2024-03-05T14:30:00Z"),
            ("2024-03-05T14:30", "2024-03-05T14:30:00Z"),
            ("2024-03-05 14:30:00", "2024-03-05T14:30:00Z"),
            ("2024-03-05 14:30:00 UTC", "2024-03-05T14:30:00Z"),
            ("2024-03-05", "2024-03-05T00:00:00Z"),
            (" 2024/3/5 ", "2024-03-05T00:00:00Z"),
            ("3/5/2024", "2024-03-05T00:00:00Z"),
            ("3/5/2024 2:30 PM", "2024-03-05T14:30:00Z"),
            ("03/05/2024 14:30", "2024-03-05T14:30:00Z"),
            ("3/5/24 9:05 am", "2024-03-05T09:05:00Z"),
            ("12/31/99 12:00 AM", "1999-12-31T00:00:00Z"),
            ("1/2/2024 12:15:30 p.m.", "2024-01-02T12:15:30Z"),
            ("03-05-2024", "2024-03-05T00:00:00Z"),
            ("05.03.2024 14:30", "2024-03-05T14:30:00Z"),
            ("1709649000000", "2024-03-05T14:30:00Z"),
            ("1709649000", "2024-03-05T14:30:00Z"),
            ("20240305", "2024-03-05T00:00:00Z"),
            ("45356.6041666667", "2024-03-05T14:30:00Z"),
            ("45356", "2024-03-05T00:00:00Z"),
            ("Tue, 5 Mar 2024 14:30:00 +0000", "2024-03-05T14:30:00Z"),
        ] {
            assert_eq!(parse_timestamp(raw), utc(expected), "{raw:?}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for raw in [
            "",
            "  ",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-03-05T25:00:00Z",
            "2024-03-05X14:30",
            "2024-03-05T14:30:00+0",
            "13/13/2024",
            "3/5/2024 13:00 PM",
            "3/5/2024 2:30 XM",
            "3/5/202",
            "123",
            "12345678901",
            "19999",
            "80000",
            "4155550132x",
            "2024-03-05T14:30:00Z junk",
        ] {
            assert_eq!(parse_timestamp(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn cells_by_type() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        let at = date.and_hms_opt(14, 30, 0).unwrap();
        for (cell, expected) in [
            (Cell::Date(date), utc("2024-03-05T00:00:00Z")),
            (Cell::DateTime(at), utc("2024-03-05T14:30:00Z")),
            (Cell::Float(45356.604166666664), utc("2024-03-05T14:30:00Z")),
            (Cell::Int(45356), utc("2024-03-05T00:00:00Z")),
            (Cell::Int(4155550132), None),
            (Cell::Int(19999), None),
            (Cell::Float(f64::NAN), None),
            (Cell::Text("2024-03-05".into()), utc("2024-03-05T00:00:00Z")),
            (Cell::Bool(true), None),
            (Cell::Empty, None),
            (Cell::Error("#N/A".into()), None),
        ] {
            assert_eq!(cell_timestamp(&cell), expected, "{cell:?}");
        }
    }
}
