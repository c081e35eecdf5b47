//! Typed cell values as file connectors read them.

use chrono::{NaiveDate, NaiveDateTime};

/// One cell of a spreadsheet or CSV row, typed as far as the file itself says.
///
/// CSV cells are always [`Cell::Text`]; Excel cells keep the workbook's type so that
/// normalization can tell a date serial from a phone number stored as a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value (an empty CSV field, an empty or merged-away spreadsheet cell).
    Empty,
    /// Text exactly as read (after decoding to UTF-8).
    Text(String),
    /// A whole number. Spreadsheet numbers with no fractional part that fit in `i64` arrive
    /// here, so a phone number stored as a number keeps every digit.
    Int(i64),
    /// A number with a fractional part.
    Float(f64),
    /// A boolean cell.
    Bool(bool),
    /// A date with no time of day (the workbook's 1900/1904 system already applied).
    Date(NaiveDate),
    /// A date and time with no zone (spreadsheets carry none).
    DateTime(NaiveDateTime),
    /// A cell the workbook itself marks as an error (`#N/A`, `#DIV/0!`, …).
    Error(String),
}

impl Cell {
    /// True for [`Cell::Empty`] and for text that is only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            // Stops at the first visible character, where `trim` would also look at the end.
            Cell::Text(s) => s.chars().all(char::is_whitespace),
            _ => false,
        }
    }

    /// The cell rendered as text, the way a user would see it in the file. Whole floats
    /// print without a trailing `.0`; dates print as ISO 8601.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{}", *f as i64)
                } else {
                    f.to_string()
                }
            }
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::DateTime(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Cell::Error(e) => e.clone(),
        }
    }

    /// Borrow the text of a [`Cell::Text`], `None` for every other kind.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_floats_render_without_exponent_or_fraction() {
        assert_eq!(Cell::Float(4155550132.0).to_text(), "4155550132");
        assert_eq!(Cell::Float(1.5).to_text(), "1.5");
        assert_eq!(Cell::Int(-7).to_text(), "-7");
    }

    #[test]
    fn blank_means_empty_or_whitespace_text() {
        assert!(Cell::Empty.is_blank());
        assert!(Cell::Text("  \t".into()).is_blank());
        assert!(!Cell::Int(0).is_blank());
        assert!(!Cell::Text("x".into()).is_blank());
        assert!(Cell::Text("\u{a0}\u{2003}\r\n".into()).is_blank());
        assert!(!Cell::Text(" \u{a0}x ".into()).is_blank());
    }
}
