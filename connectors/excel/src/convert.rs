//! Turning the parser's cell values into [`crmsync_sdk::Cell`]s.
//!
//! - Numbers with no fractional part that fit in `i64` become [`Cell::Int`], so a phone
//!   number or a 15-digit ID typed as a number keeps every digit; other numbers stay
//!   [`Cell::Float`].
//! - Date-formatted numbers become [`Cell::Date`] when they fall on midnight and
//!   [`Cell::DateTime`] otherwise, in the workbook's own date system (1900 or 1904), to the
//!   millisecond Excel stores. Serials Excel cannot show as a date (negative, past 9999, or
//!   the fictional 1900-02-29) stay numbers.
//! - Time-of-day values (a time format on a serial below 1) and durations (`[h]:mm:ss`)
//!   become text such as `"12:30:00"` or `"36:15:00"`: they are not points in time, and text
//!   is what a user sees in the cell.
//! - ISO 8601 dates (ods, and xlsx cells of type `d`) follow the same rules.
//! - Error cells keep Excel's spelling (`#N/A`, `#DIV/0!`).

use calamine::{Data, DataRef, ExcelDateTime, ExcelDateTimeType};
use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use crmsync_sdk::Cell;

const MS_PER_DAY: i64 = 86_400_000;
/// 2^63: floats at or above this do not fit in `i64`.
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;
/// The first serial past 9999-12-31 in the 1900 system, Excel's last date.
const SERIAL_LIMIT: f64 = 2_958_466.0;

/// Convert an owned cell value (xls and ods sheets).
pub(crate) fn from_data(value: &Data) -> Cell {
    match value {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => excel_datetime(dt),
        Data::DateTimeIso(s) => iso_datetime(s),
        Data::DurationIso(s) => iso_duration(s),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Convert a borrowed cell value (xlsx and xlsb cell readers).
pub(crate) fn from_data_ref(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Int(i) => Cell::Int(*i),
        DataRef::Float(f) => number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => excel_datetime(dt),
        DataRef::DateTimeIso(s) => iso_datetime(s),
        DataRef::DurationIso(s) => iso_duration(s),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

/// A whole number as [`Cell::Int`] when it fits, anything else as [`Cell::Float`].
pub(crate) fn number(f: f64) -> Cell {
    if f.is_finite() && f.fract() == 0.0 && (-I64_LIMIT..I64_LIMIT).contains(&f) {
        Cell::Int(f as i64)
    } else {
        Cell::Float(f)
    }
}

fn excel_datetime(dt: &ExcelDateTime) -> Cell {
    let value = dt.as_f64();
    if dt.is_duration() {
        return duration_text(value).map_or_else(|| number(value), Cell::Text);
    }
    // The parser keeps the workbook's date system private to the value; comparing with the
    // same serial marked as 1904 reveals it without re-reading the workbook.
    let is_1904 = *dt == ExcelDateTime::new(value, ExcelDateTimeType::DateTime, true);
    serial_to_cell(value, is_1904)
}

/// A date serial in the given date system as a date, date-time or time-of-day text.
pub(crate) fn serial_to_cell(value: f64, is_1904: bool) -> Cell {
    if !value.is_finite() || !(0.0..SERIAL_LIMIT).contains(&value) {
        return number(value);
    }
    let ms = (value * MS_PER_DAY as f64).round() as i64;
    let (days, ms_of_day) = (ms / MS_PER_DAY, ms % MS_PER_DAY);
    if days == 0 {
        return Cell::Text(clock_text(ms_of_day));
    }
    let date = if is_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1).and_then(|d| d.checked_add_days(Days::new(days as u64)))
    } else if days == 60 {
        // Excel counts a 29 February 1900 that never existed (Lotus 1-2-3 compatibility).
        None
    } else if days > 60 {
        NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_days(Days::new(days as u64)))
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 31)
            .and_then(|d| d.checked_add_days(Days::new(days as u64)))
    };
    let Some(date) = date else {
        return number(value);
    };
    if ms_of_day == 0 {
        return Cell::Date(date);
    }
    match time_of_day(ms_of_day) {
        Some(time) => Cell::DateTime(date.and_time(time)),
        None => number(value),
    }
}

fn time_of_day(ms_of_day: i64) -> Option<NaiveTime> {
    let secs = u32::try_from(ms_of_day / 1000).ok()?;
    let nanos = u32::try_from(ms_of_day % 1000).ok()? * 1_000_000;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
}

/// `HH:MM:SS`, with `.mmm` only when there are milliseconds; hours may exceed 23.
fn clock_text(ms: i64) -> String {
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if milli == 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{milli:03}")
    }
}

/// A duration in days as `[-]HH:MM:SS`, or `None` when it is not a sensible duration.
fn duration_text(days: f64) -> Option<String> {
    if !days.is_finite() || days.abs() > 1e9 {
        return None;
    }
    let ms = (days * MS_PER_DAY as f64).round() as i64;
    let sign = if ms < 0 { "-" } else { "" };
    Some(format!("{sign}{}", clock_text(ms.abs())))
}

fn date_or_datetime(dt: NaiveDateTime) -> Cell {
    if dt.time() == NaiveTime::MIN {
        Cell::Date(dt.date())
    } else {
        Cell::DateTime(dt)
    }
}

/// An ISO 8601 date, date-time or time; any other text is kept as it is.
pub(crate) fn iso_datetime(s: &str) -> Cell {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Cell::Date(d);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return date_or_datetime(dt);
        }
    }
    // A zone suffix: keep the wall-clock time as written, spreadsheets carry no zones.
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return date_or_datetime(dt.naive_local());
    }
    if let Ok(time) = NaiveTime::parse_from_str(t, "%H:%M:%S%.f") {
        let ms = i64::from(time.num_seconds_from_midnight()) * 1000
            + i64::from(time.nanosecond() / 1_000_000);
        return Cell::Text(clock_text(ms));
    }
    Cell::Text(s.to_string())
}

/// An ISO 8601 duration such as `PT12H30M00S` or `-P1DT2H` as `[-]HH:MM:SS`; anything else
/// is kept as text.
pub(crate) fn iso_duration(s: &str) -> Cell {
    parse_iso_duration(s.trim())
        .and_then(duration_text)
        .map_or_else(|| Cell::Text(s.to_string()), Cell::Text)
}

/// The duration in days.
fn parse_iso_duration(s: &str) -> Option<f64> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let rest = rest.strip_prefix('P')?;
    let (date_part, time_part) = rest.split_once('T').unwrap_or((rest, ""));
    let mut seconds = 0f64;
    let mut any = false;
    for (part, units) in [
        (date_part, &[('W', 604_800.0), ('D', 86_400.0)][..]),
        (time_part, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(if c == ',' { '.' } else { c });
                continue;
            }
            let factor = units.iter().find(|(u, _)| *u == c)?.1;
            seconds += number.parse::<f64>().ok()? * factor;
            number.clear();
            any = true;
        }
        if !number.is_empty() {
            return None;
        }
    }
    any.then_some(if negative { -seconds } else { seconds } / 86_400.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn whole_numbers_become_ints_with_every_digit() {
        let cases = [
            (4155550132.0, Cell::Int(4155550132)),
            (442071838750.0, Cell::Int(442071838750)),
            (123456789012345.0, Cell::Int(123456789012345)),
            (-0.0, Cell::Int(0)),
            (87.5, Cell::Float(87.5)),
            (1e20, Cell::Float(1e20)),
            (f64::NAN, Cell::Float(f64::NAN)),
        ];
        for (input, expected) in cases {
            match (number(input), expected) {
                (Cell::Float(a), Cell::Float(b)) if a.is_nan() && b.is_nan() => {}
                (got, expected) => assert_eq!(got, expected, "{input}"),
            }
        }
    }

    #[test]
    fn serials_follow_both_date_systems() {
        let cases = [
            (45366.0, false, Cell::Date(date(2024, 3, 15))),
            (43904.0, true, Cell::Date(date(2024, 3, 15))),
            (1.0, false, Cell::Date(date(1900, 1, 1))),
            (59.0, false, Cell::Date(date(1900, 2, 28))),
            (61.0, false, Cell::Date(date(1900, 3, 1))),
            (1.0, true, Cell::Date(date(1904, 1, 2))),
            (
                45367.395833333336,
                false,
                Cell::DateTime(date(2024, 3, 16).and_hms_opt(9, 30, 0).unwrap()),
            ),
            (0.5208333333333334, false, Cell::Text("12:30:00".into())),
            (0.5208333333333334, true, Cell::Text("12:30:00".into())),
            (60.0, false, Cell::Int(60)),
            (-3.0, false, Cell::Int(-3)),
            (3e6, false, Cell::Int(3_000_000)),
        ];
        for (serial, is_1904, expected) in cases {
            assert_eq!(
                serial_to_cell(serial, is_1904),
                expected,
                "{serial} 1904={is_1904}"
            );
        }
    }

    #[test]
    fn calamine_values_carry_their_date_system() {
        let in_1904 = ExcelDateTime::new(43904.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(
            from_data(&Data::DateTime(in_1904)),
            Cell::Date(date(2024, 3, 15))
        );
        let in_1900 = ExcelDateTime::new(45366.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(
            from_data(&Data::DateTime(in_1900)),
            Cell::Date(date(2024, 3, 15))
        );
        let span = ExcelDateTime::new(1.5104166666666667, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(
            from_data(&Data::DateTime(span)),
            Cell::Text("36:15:00".into())
        );
    }

    #[test]
    fn iso_values_are_parsed() {
        let cases = [
            ("2024-03-15", Cell::Date(date(2024, 3, 15))),
            ("2024-03-15T00:00:00", Cell::Date(date(2024, 3, 15))),
            (
                "2024-03-16T09:30:00",
                Cell::DateTime(date(2024, 3, 16).and_hms_opt(9, 30, 0).unwrap()),
            ),
            (
                "2024-03-16T09:30:00Z",
                Cell::DateTime(date(2024, 3, 16).and_hms_opt(9, 30, 0).unwrap()),
            ),
            ("09:30:15", Cell::Text("09:30:15".into())),
            ("soon", Cell::Text("soon".into())),
        ];
        for (input, expected) in cases {
            assert_eq!(iso_datetime(input), expected, "{input}");
        }
        let durations = [
            ("PT12H30M00S", "12:30:00"),
            ("P1DT2H", "26:00:00"),
            ("-PT1H30M", "-01:30:00"),
            ("PT0.5S", "00:00:00.500"),
            ("PT", "PT"),
            ("bogus", "bogus"),
        ];
        for (input, expected) in durations {
            assert_eq!(iso_duration(input), Cell::Text(expected.into()), "{input}");
        }
    }
}
