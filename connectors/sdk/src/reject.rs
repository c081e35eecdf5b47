//! Rejected rows: a row problem is data carried to the user, never a crash.

use serde::{Deserialize, Serialize};

/// A row that could not be imported, with enough position to find it in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// The file (or connector object) the row came from.
    pub file: String,
    /// The row number as the user sees it: the 1-based physical line where a CSV record
    /// starts, or the 1-based spreadsheet row.
    pub row: u64,
    /// The column at fault, by header name, when one column is to blame.
    pub column: Option<String>,
    /// What is wrong, in words a user can act on.
    pub reason: String,
    /// The raw row (or the offending value), truncated, so the reject file stands alone.
    pub raw: Option<String>,
}

/// Longest raw excerpt kept in a reject, in characters.
pub const MAX_RAW_CHARS: usize = 500;

impl Reject {
    /// A reject for a whole row.
    pub fn row(file: impl Into<String>, row: u64, reason: impl Into<String>) -> Self {
        Reject {
            file: file.into(),
            row,
            column: None,
            reason: reason.into(),
            raw: None,
        }
    }

    /// Name the column at fault.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    /// Keep (a bounded excerpt of) the raw text.
    pub fn with_raw(mut self, raw: &str) -> Self {
        self.raw = Some(truncate_chars(raw, MAX_RAW_CHARS));
        self
    }
}

/// `s` cut to at most `max` characters (never inside a UTF-8 sequence), with `…` appended
/// when something was cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((idx, _)) => format!("{}…", &s[..idx]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_excerpts_are_bounded_and_char_safe() {
        let long = "é".repeat(MAX_RAW_CHARS + 10);
        let r = Reject::row("f.csv", 3, "ragged").with_raw(&long);
        let raw = r.raw.unwrap();
        assert_eq!(raw.chars().count(), MAX_RAW_CHARS + 1);
        assert!(raw.ends_with('…'));
        assert_eq!(truncate_chars("abc", 5), "abc");
    }
}
