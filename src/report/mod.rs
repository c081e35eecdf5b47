//! Spreadsheet-bound output: CSV and XLSX writers that cannot carry formula injection.
//!
//! ## Layout
//!
//! - this file: [`neutralize`], the one rule every CSV cell passes through.
//! - [`table`]: [`table::TableWriter`], CSV or XLSX by format, used by exports and reports.
//! - [`rejects`]: the rejects file of an import run.

pub mod rejects;
pub mod table;

use std::borrow::Cow;

/// Make a cell safe to open in a spreadsheet: text that a spreadsheet would evaluate as a
/// formula (`=`, `+`, `-`, `@`, tab or CR first) gets a leading `'`. Values that are only a
/// number or phone number (digits, `+ - ( ) . ` and spaces) stay as they are: they cannot
/// call functions or reference cells, and E.164 phones must survive intact.
pub fn neutralize(value: &str) -> Cow<'_, str> {
    let Some(first) = value.chars().next() else {
        return Cow::Borrowed(value);
    };
    let risky = matches!(
        first,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠'
    );
    if !risky {
        return Cow::Borrowed(value);
    }
    let numeric = value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.' | ' '));
    if numeric {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("'{value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize;

    #[test]
    fn formulas_are_neutralized_but_numbers_are_not() {
        for (input, out) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("\t=1", "'\t=1"),
            ("＝1+1", "'＝1+1"),
            ("+14155550132", "+14155550132"),
            ("-12.5", "-12.5"),
            ("alice@example.com", "alice@example.com"),
            ("", ""),
            ("-", "'-"),
        ] {
            assert_eq!(neutralize(input), out, "input {input:?}");
        }
    }
}
