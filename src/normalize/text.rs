//! Free text, names and yes/no values.
//!
//! Spreadsheet text carries non-breaking spaces, tabs, stray line breaks, byte-order marks
//! and zero-width characters; none of them should make two otherwise equal values differ.

/// Characters that are invisible and never meaningful in CRM text.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    ) || (c.is_control() && !c.is_whitespace())
}

/// One line of text: every whitespace run (spaces, tabs, NBSP, line breaks) becomes one
/// space, invisible characters go, the ends are trimmed. `None` when nothing is left.
pub fn clean_line(raw: &str) -> Option<String> {
    if is_clean_ascii_line(raw.as_bytes()) {
        return Some(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars().filter(|&c| !is_invisible(c)) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether `bytes` is printable ASCII with single spaces between words and none at the ends:
/// what nearly every cell of a real export is, and what [`clean_line`] returns unchanged.
/// Checking that first spares the character-by-character rebuild for those cells.
fn is_clean_ascii_line(bytes: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first != b' '
        && last != b' '
        && bytes.iter().all(|b| (0x20..0x7f).contains(b))
        && !bytes.windows(2).any(|w| w == b"  ")
}

/// Multi-line text such as notes: line breaks (`\n`, `\r\n`, `\r`) are kept and each line is
/// cleaned like [`clean_line`]; blank lines at the start and end are dropped and runs of
/// blank lines inside shrink to one. `None` when nothing is left.
pub fn clean_multiline(raw: &str) -> Option<String> {
    let normalized = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalized.len());
    let mut blank_lines = 0usize;
    for line in normalized.split('\n') {
        match clean_line(line) {
            None => blank_lines += 1,
            Some(line) => {
                if !out.is_empty() {
                    out.push_str(if blank_lines > 0 { "\n\n" } else { "\n" });
                }
                out.push_str(&line);
                blank_lines = 0;
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A person's name: cleaned like [`clean_line`], and title-cased when it is written all in
/// capitals or all in lower case (`O'BRIEN` → `O'Brien`, `mary-jane` → `Mary-Jane`). A word
/// starts after a space, hyphen, apostrophe or dot. Mixed case is the user's intent and is
/// kept (`McAdams`, `van der Berg`).
pub fn clean_name(raw: &str) -> Option<String> {
    let line = clean_line(raw)?;
    let has_upper = line.chars().any(char::is_uppercase);
    let has_lower = line.chars().any(char::is_lowercase);
    if has_upper && has_lower {
        return Some(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut word_start = true;
    for c in line.chars() {
        if word_start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        word_start = matches!(c, ' ' | '-' | '\'' | '\u{2019}' | '.');
    }
    Some(out)
}

/// A yes/no value as CRMs and spreadsheets write it, case-insensitively: `true`/`false`,
/// `yes`/`no`, `y`/`n`, `t`/`f`, `1`/`0`, `on`/`off`, `x`/`checked`/`unchecked`, and the
/// opt-out wording `opted out`/`opted in`, `unsubscribed`/`subscribed`. `None` when the value
/// is not recognised.
pub fn parse_bool(raw: &str) -> Option<bool> {
    let value = clean_line(raw)?.to_lowercase();
    match value.as_str() {
        "true" | "t" | "yes" | "y" | "1" | "on" | "x" | "\u{2713}" | "\u{2714}" | "checked"
        | "opted out" | "opted-out" | "opt out" | "opt-out" | "optout" | "unsubscribed" => {
            Some(true)
        }
        "false" | "f" | "no" | "n" | "0" | "off" | "unchecked" | "opted in" | "opted-in"
        | "opt in" | "opt-in" | "optin" | "subscribed" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_collapse_all_whitespace() {
        for (raw, expected) in [
            ("  Acme \t Corp\u{a0}Inc ", Some("Acme Corp Inc")),
            ("two\r\nlines", Some("two lines")),
            ("\u{feff}Acme\u{200b}", Some("Acme")),
            ("a\u{0}b", Some("ab")),
            (" \t\u{a0}\n", None),
            ("", None),
        ] {
            assert_eq!(clean_line(raw).as_deref(), expected, "{raw:?}");
        }
    }

    #[test]
    fn clean_ascii_lines_take_the_short_way_with_the_same_result() {
        for raw in [
            "Acme Corp",
            "a",
            "O'Brien & Sons, Ltd.",
            "x y z",
            "~!@#$%^&*()_+{}|:<>?",
        ] {
            assert!(is_clean_ascii_line(raw.as_bytes()), "{raw:?}");
            assert_eq!(clean_line(raw).as_deref(), Some(raw));
        }
        for (raw, expected) in [
            (" Acme", "Acme"),
            ("Acme ", "Acme"),
            ("Acme  Corp", "Acme Corp"),
            ("Acme\tCorp", "Acme Corp"),
            ("Acme\u{7f}", "Acme"),
            ("Caf\u{e9}", "Caf\u{e9}"),
        ] {
            assert!(!is_clean_ascii_line(raw.as_bytes()), "{raw:?}");
            assert_eq!(clean_line(raw).as_deref(), Some(expected), "{raw:?}");
        }
        assert!(!is_clean_ascii_line(b""));
    }

    #[test]
    fn multiline_keeps_line_breaks() {
        for (raw, expected) in [
            (
                "\n  first  line \r\nsecond\tline\n\n\n\nthird \n \n",
                Some("first line\nsecond line\n\nthird"),
            ),
            ("one\rtwo", Some("one\ntwo")),
            ("single", Some("single")),
            ("\n \r\n\t", None),
        ] {
            assert_eq!(clean_multiline(raw).as_deref(), expected, "{raw:?}");
        }
    }

    #[test]
    fn names_are_title_cased_only_when_case_is_uniform() {
        for (raw, expected) in [
            ("O'BRIEN", Some("O'Brien")),
            ("mary-jane", Some("Mary-Jane")),
            ("  JOHN   SMITH ", Some("John Smith")),
            ("J.R.", Some("J.R.")),
            ("ÉMILE ZOLA", Some("Émile Zola")),
            ("d\u{2019}angelo", Some("D\u{2019}Angelo")),
            ("McAdams", Some("McAdams")),
            ("van der Berg", Some("van der Berg")),
            ("李小龙", Some("李小龙")),
            ("  ", None),
        ] {
            assert_eq!(clean_name(raw).as_deref(), expected, "{raw:?}");
        }
    }

    #[test]
    fn booleans_in_common_spellings() {
        for (raw, expected) in [
            ("TRUE", Some(true)),
            (" yes ", Some(true)),
            ("Y", Some(true)),
            ("1", Some(true)),
            ("x", Some(true)),
            ("Checked", Some(true)),
            ("Opted Out", Some(true)),
            ("false", Some(false)),
            ("No", Some(false)),
            ("0", Some(false)),
            ("unchecked", Some(false)),
            ("opted in", Some(false)),
            ("maybe", None),
            ("2", None),
            ("", None),
        ] {
            assert_eq!(parse_bool(raw), expected, "{raw:?}");
        }
    }
}
