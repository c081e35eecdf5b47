//! Column names from a header record: trimmed, never empty, never duplicated.
//!
//! Every column must stay addressable by name in a mapping, so an unnamed column becomes
//! `column_N` (its 1-based position) and a repeated name gets ` (2)`, ` (3)`, … in file order.
//! Names are compared exactly (case-sensitive), as written in the file.

use std::collections::HashSet;

/// Column names for a header whose raw field texts are `raw`.
pub(crate) fn column_names<I, S>(raw: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut used: HashSet<String> = HashSet::new();
    let mut names = Vec::new();
    for (index, text) in raw.into_iter().enumerate() {
        // A stray BOM (a file saved twice, or decoded with an explicit encoding) is not
        // whitespace to `trim`, but must not become part of the first name.
        let trimmed = text
            .as_ref()
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let base = if trimmed.is_empty() {
            default_name(index)
        } else {
            trimmed.to_string()
        };
        let mut name = base.clone();
        let mut n = 2u64;
        while used.contains(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        used.insert(name.clone());
        names.push(name);
    }
    names
}

/// The name of the unnamed column at 0-based `index`.
pub(crate) fn default_name(index: usize) -> String {
    format!("column_{}", index.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_table() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["Email", " Name ", "\tPhone"], &["Email", "Name", "Phone"]),
            (&["", "b", "  "], &["column_1", "b", "column_3"]),
            (&["a", "a", "a"], &["a", "a (2)", "a (3)"]),
            (&["a", "a (2)", "a"], &["a", "a (2)", "a (3)"]),
            (&["Email", "email"], &["Email", "email"]),
            (&["column_2", ""], &["column_2", "column_2 (2)"]),
            (&["\u{feff}id", "x"], &["id", "x"]),
            (&[], &[]),
        ];
        for (raw, expected) in cases {
            assert_eq!(column_names(raw.iter()), *expected, "{raw:?}");
        }
    }
}
