//! The text-level first step of the `phonenumber` parser, replicated for ASCII input.
//!
//! The crate first tries to read the input as an RFC 3966 `tel:` URI (only when it has no
//! space), then as free text: skip to the first `+` or digit, drop trailing punctuation, cut
//! a second number (`/x…`), split off an extension, and finally check that what is left is
//! "viable". Each step below mirrors the crate's code for ASCII input, plus no-break spaces
//! where they provably act like spaces; whatever is not mirrored (other non-ASCII text,
//! `tel:` URIs, URI parameters) is reported as [`Split::Unsure`] so that the caller defers to
//! the crate.

use regex::{Regex, RegexBuilder};
use std::sync::OnceLock;

/// The raw pieces of a number, before any digit normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parts<'a> {
    /// The number with its formatting, e.g. `+1 (415) 555-0132`.
    pub(super) national: &'a str,
    /// The country code of a `+cc-…` URI-style number.
    pub(super) prefix: Option<&'a str>,
    /// Extension digits; `Some("")` when a marker had no digits, as in the crate.
    pub(super) extension: Option<&'a str>,
}

/// Outcome of [`split`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Split<'a> {
    /// The crate would continue with these pieces.
    Parts(Parts<'a>),
    /// The crate finds no number in the text.
    NoNumber,
    /// Not replicated here: ask the crate.
    Unsure,
}

/// Split `raw` the way the crate's text parser does, up to and including its viability
/// check.
pub(super) fn split(raw: &str) -> Split<'_> {
    // One pass to learn which of the rarer steps can apply at all.
    let mut seen = 0u8;
    for &c in raw.as_bytes() {
        seen |= match c {
            b' ' => SPACE,
            b'/' | b'\\' => SLASH,
            b';' | b',' | b'#' | b'~' | b'x' | b'X' | b'i' | b'I' | b'a' | b'A' => MARKER,
            0x80.. => return Split::Unsure,
            _ => 0,
        };
    }
    let split = if seen & SPACE != 0 {
        natural(raw, seen)
    } else {
        match rfc3966(raw) {
            Rfc::Parsed(parts) => Split::Parts(parts),
            Rfc::Unsure => Split::Unsure,
            Rfc::NoMatch => natural(raw, seen),
        }
    };
    match split {
        Split::Parts(p) if !is_viable(p.national.as_bytes()) => Split::NoNumber,
        other => other,
    }
}

/// `raw` with no-break spaces turned into spaces, when that provably changes nothing for the
/// crate: its punctuation, trailing-character and main extension rules treat U+00A0 exactly
/// like a space. The exceptions are ruled out: the URI form (a space skips it, a no-break
/// space does not), `/ x` second extensions and `- 12#` extensions (spaces only). `None` when
/// the substitution is not safe or there is no no-break space.
pub(super) fn nbsp_as_space(raw: &str) -> Option<String> {
    if !raw.contains('\u{a0}')
        || raw.chars().any(|c| !c.is_ascii() && c != '\u{a0}')
        || raw.bytes().any(|c| matches!(c, b'#' | b'/' | b'\\'))
    {
        return None;
    }
    if !raw.contains(' ') && !matches!(rfc3966(raw), Rfc::NoMatch) {
        return None;
    }
    Some(raw.replace('\u{a0}', " "))
}

/// The crate's letter-to-digit mapping of phone keypads (`normalize` with its alpha table);
/// every other non-digit character is dropped.
pub(super) fn keypad_digit(c: u8) -> Option<u8> {
    Some(match c.to_ascii_uppercase() {
        d @ b'0'..=b'9' => d,
        b'A'..=b'C' => b'2',
        b'D'..=b'F' => b'3',
        b'G'..=b'I' => b'4',
        b'J'..=b'L' => b'5',
        b'M'..=b'O' => b'6',
        b'P'..=b'S' => b'7',
        b'T'..=b'V' => b'8',
        b'W'..=b'Z' => b'9',
        _ => return None,
    })
}

/// Character classes seen in the input (bit flags).
const SPACE: u8 = 1;
const SLASH: u8 = 2;
/// A character that can start an extension marker.
const MARKER: u8 = 4;

/// Outcome of the URI-form attempt.
enum Rfc<'a> {
    /// The crate reads the input as a URI with these pieces.
    Parsed(Parts<'a>),
    /// The URI form fails; the crate goes on with the free-text parser.
    NoMatch,
    /// Not replicated (a `tel:` scheme or `;` parameters).
    Unsure,
}

/// RFC 3966 separators, which end the `+cc` prefix.
fn is_separator(c: u8) -> bool {
    matches!(c, b'-' | b'.' | b'(' | b')')
}

/// `tel:[+cc]<digits, hex letters, separators>[;params]`, all of the input or failure.
fn rfc3966(raw: &str) -> Rfc<'_> {
    let b = raw.as_bytes();
    if b.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"tel:")) {
        return Rfc::Unsure;
    }
    let mut pos = 0;
    let mut prefix = None;
    if b.first() == Some(&b'+') {
        let end = b
            .get(1..)
            .unwrap_or_default()
            .iter()
            .position(|&c| is_separator(c))
            .map_or(b.len(), |i| i + 1);
        if end > 1 {
            prefix = raw.get(1..end);
            pos = end;
        }
    }
    let rest = b.get(pos..).unwrap_or_default();
    let end = pos
        + rest
            .iter()
            .take_while(|&&c| c.is_ascii_hexdigit() || is_separator(c))
            .count();
    if end == pos {
        return Rfc::NoMatch;
    }
    match b.get(end) {
        None => {}
        Some(b';') => return Rfc::Unsure,
        Some(_) => return Rfc::NoMatch,
    }
    let national = raw.get(pos..end).unwrap_or_default();
    if prefix.is_some_and(|p| !p.bytes().all(|c| c.is_ascii_digit())) {
        return Rfc::Unsure;
    }
    Rfc::Parsed(Parts {
        national,
        prefix,
        extension: None,
    })
}

/// The free-text parser: extract the candidate, then split off an extension.
fn natural(raw: &str, seen: u8) -> Split<'_> {
    let Some(start) = raw.bytes().position(|c| c == b'+' || c.is_ascii_digit()) else {
        return Split::NoNumber;
    };
    let mut r = raw.get(start..).unwrap_or_default();
    // Trailing characters that are neither letters, digits nor '#' are dropped.
    let keep = r
        .bytes()
        .rposition(|c| c.is_ascii_alphanumeric() || c == b'#')
        .map_or(0, |i| i + 1);
    r = r.get(..keep).unwrap_or_default();
    if seen & SLASH != 0 {
        if let Some(cut) = second_number_start(r.as_bytes()) {
            r = r.get(..cut).unwrap_or_default();
        }
    }
    if r.is_empty() {
        return Split::NoNumber;
    }
    // Every form of the extension regex needs one of the MARKER characters in ASCII text;
    // skipping the regex otherwise keeps the common case cheap.
    if seen & MARKER != 0 {
        let Some(re) = extension_pattern() else {
            return Split::Unsure;
        };
        if let Some(c) = re.captures(r) {
            // The crate rejects the whole input when the `;ext=` or `- 123#` forms matched.
            let (Some(whole), Some(digits)) = (c.get(0), c.get(2)) else {
                return Split::NoNumber;
            };
            let national = r.get(..whole.start()).unwrap_or_default();
            return Split::Parts(Parts {
                national,
                prefix: None,
                extension: Some(digits.as_str()),
            });
        }
    }
    Split::Parts(Parts {
        national: r,
        prefix: None,
        extension: None,
    })
}

/// Position of `[\\/] *x`, which starts a second extension such as `x302/x2303`.
fn second_number_start(b: &[u8]) -> Option<usize> {
    b.iter()
        .enumerate()
        .filter(|(_, &c)| matches!(c, b'/' | b'\\'))
        .find_map(|(i, _)| {
            let after = b.get(i + 1..).unwrap_or_default();
            let spaces = after.iter().take_while(|&&c| c == b' ').count();
            (after.get(spaces) == Some(&b'x')).then_some(i)
        })
}

/// The crate's extension regex (`EXTN_PATTERN`), character for character.
fn extension_pattern() -> Option<&'static Regex> {
    static PATTERN: OnceLock<Option<Regex>> = OnceLock::new();
    PATTERN
        .get_or_init(|| {
            let digits = r"(\p{Nd}{0,7})";
            let body = format!(
                r";ext={digits}|[ \x{{00A0}}\t,]*(?:e?xt(?:ensi(?:o\x{{0301}}?|\x{{00F3}}))?n?|\x{{FF45}}?\x{{FF58}}\x{{FF54}}\x{{FF4E}}?|[,;x\x{{FF58}}#\x{{FF03}}~\x{{FF5E}}]|int|anexo|\x{{FF49}}\x{{FF4E}}\x{{FF54}})[:\.\x{{FF0E}}]?[ \x{{00A0}}\t,-]*{digits}#?|[- ]+(\p{{Nd}}{{1,5}})#"
            );
            RegexBuilder::new(&format!("(?:{body})$")).case_insensitive(true).build().ok()
        })
        .as_ref()
}

/// ASCII members of the crate's `punctuation` set.
fn is_punctuation(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'x' | b' ' | b'(' | b')' | b'.' | b'[' | b']' | b'/' | b'~'
    )
}

/// The crate's `is_viable`: two digits exactly, or optional pluses, three digits each after
/// optional punctuation, then only punctuation, `*`, digits and letters.
pub(super) fn is_viable(b: &[u8]) -> bool {
    if b.len() < 2 {
        return false;
    }
    if b.len() == 2 && b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let mut i = b.iter().take_while(|&&c| c == b'+').count();
    for _ in 0..3 {
        while b.get(i).is_some_and(|&c| is_punctuation(c) || c == b'*') {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        i += 1;
    }
    b.get(i..)
        .unwrap_or_default()
        .iter()
        .all(|&c| is_punctuation(c) || c == b'*' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(national: &'a str, prefix: Option<&'a str>, ext: Option<&'a str>) -> Split<'a> {
        Split::Parts(Parts {
            national,
            prefix,
            extension: ext,
        })
    }

    #[test]
    fn splits_like_the_crate() {
        let cases = [
            ("4155550132", parts("4155550132", None, None)),
            ("(415)555-0132", parts("(415)555-0132", None, None)),
            ("+1-415-555-0132", parts("-415-555-0132", Some("1"), None)),
            ("+14155550132", parts("+14155550132", None, None)),
            ("(415) 555-0132.", parts("415) 555-0132", None, None)),
            (
                "1-415-555-0132 x204",
                parts("1-415-555-0132", None, Some("204")),
            ),
            (
                "415.555.0132 ext. 12",
                parts("415.555.0132", None, Some("12")),
            ),
            ("415 555 0132 #9", parts("415 555 0132", None, Some("9"))),
            ("415 555 0132 x", parts("415 555 0132", None, Some(""))),
            (
                "(530) 583-6985 x302/x2303",
                parts("530) 583-6985", None, Some("302")),
            ),
            ("415 555 0132;ext=5", Split::NoNumber),
            ("415 555 0132 12#", Split::NoNumber),
            ("no digits", Split::NoNumber),
            ("1", Split::NoNumber),
            ("+", Split::NoNumber),
            ("1+1+1", Split::NoNumber),
            ("tel:+1-415-555-0132", Split::Unsure),
            ("415-555-0132;ext=5", Split::Unsure),
            ("1-800-FLOWERS", parts("1-800-FLOWERS", None, None)),
            ("415-555-abcd", parts("415-555-abcd", None, None)),
            ("+1\u{a0}415-555", Split::Unsure),
            ("\u{ff14}155550132", Split::Unsure),
        ];
        for (input, expected) in cases {
            assert_eq!(split(input), expected, "{input:?}");
        }
    }

    #[test]
    fn no_break_spaces_become_spaces_only_when_safe() {
        let cases = [
            ("415\u{a0}555\u{a0}0132", Some("415 555 0132")),
            ("+44\u{a0}20 7946 0958", Some("+44 20 7946 0958")),
            ("415-555-0132", None),
            ("+1\u{a0}415-555-0132", None),
            ("030/\u{a0}901820", None),
            ("415\u{a0}555\u{a0}0132\u{a0}12#", None),
            ("415\u{a0}555\u{a0}0132\u{2013}", None),
        ];
        for (input, expected) in cases {
            assert_eq!(nbsp_as_space(input).as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn keypad_letters_map_to_digits() {
        let mapped: String = "1-800-Flowers"
            .bytes()
            .filter_map(keypad_digit)
            .map(char::from)
            .collect();
        assert_eq!(mapped, "18003569377");
    }

    #[test]
    fn viability_follows_the_crate_grammar() {
        for (input, viable) in [
            ("12", true),
            ("1", false),
            ("1 2", false),
            ("111", true),
            ("+-4-1-5", true),
            ("41+5", false),
            ("415+", false),
            ("*4*1*5x", true),
            ("415 abc", true),
            ("41a5", false),
        ] {
            assert_eq!(is_viable(input.as_bytes()), viable, "{input:?}");
        }
    }
}
