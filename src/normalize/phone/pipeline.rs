//! The crate's parsing steps after the text split, replicated for the default region: the
//! international prefix, the country code, the national prefix and the final checks, in the
//! crate's order and with its quirks (the default region's national prefix is stripped even
//! from numbers with another country code).

use super::syntax::{self, Split};
use super::validity::{self, PrefixPattern, RegionRules, MAX_NSN};
use super::{not_valid, Phone, PhoneError, TOO_LONG, TOO_SHORT, UNKNOWN_CODE};
use phonenumber::metadata::{Database, DATABASE};
use std::fmt::Write;

/// The default region's parsing metadata, compiled.
#[derive(Debug)]
pub(super) struct FastRegion {
    code: u16,
    code_digits: String,
    rules: &'static RegionRules,
    international_prefix: Option<PrefixPattern>,
    national_prefix: Option<&'static str>,
    national_prefix_for_parsing: Option<PrefixPattern>,
    /// Regions such as BR rewrite the number while stripping the national prefix.
    rewrites: bool,
}

impl FastRegion {
    /// The compiled metadata of `region`; `None` when some pattern does not compile here.
    pub(super) fn new(region: &str) -> Option<FastRegion> {
        let database: &'static Database = &DATABASE;
        let meta = database.by_id(region)?;
        let code = meta.country_code();
        Some(FastRegion {
            code,
            code_digits: code.to_string(),
            rules: validity::rules(code).region(meta.id())?,
            international_prefix: compiled(meta.international_prefix().map(|r| r.as_str()))?,
            national_prefix: meta.national_prefix(),
            national_prefix_for_parsing: compiled(
                meta.national_prefix_for_parsing().map(|r| r.as_str()),
            )?,
            rewrites: meta.national_prefix_transform_rule().is_some(),
        })
    }

    /// Parse and validate `raw` as the crate does; `None` when the input is outside what is
    /// replicated here.
    pub(super) fn normalize(&self, raw: &str) -> Option<Result<Phone, PhoneError>> {
        let spaced;
        let raw = match syntax::nbsp_as_space(raw) {
            Some(s) => {
                spaced = s;
                spaced.as_str()
            }
            None => raw,
        };
        let parts = match syntax::split(raw) {
            Split::Parts(parts) => parts,
            Split::NoNumber => return Some(Err(PhoneError::NotANumber)),
            Split::Unsure => return None,
        };

        // International prefix and the source of the country code.
        let mut source = Source::Plus;
        let digits;
        let mut national;
        if parts.prefix.is_some() {
            digits = Digits::of(parts.national)?;
            national = digits.as_str();
        } else {
            let pluses = parts.national.bytes().take_while(|&c| c == b'+').count();
            digits = Digits::of(parts.national.get(pluses..)?)?;
            national = digits.as_str();
            if pluses == 0 {
                source = Source::Default;
            }
            if let Some(end) = self
                .international_prefix
                .as_ref()
                .and_then(|p| p.match_at_start(national))
            {
                let after = national.get(end..)?;
                if !after.starts_with('0') {
                    if source == Source::Default {
                        source = Source::Idd;
                    }
                    national = after;
                }
            }
        }

        // Country code.
        let code = match source {
            Source::Plus | Source::Idd => {
                if national.len() <= 2 {
                    return Some(Err(TOO_SHORT));
                }
                if let Some(prefix) = parts.prefix {
                    let Ok(code) = prefix.parse::<u16>() else {
                        return Some(Err(PhoneError::NotANumber));
                    };
                    if !validity::code_exists(code) {
                        return Some(Err(UNKNOWN_CODE));
                    }
                    code
                } else {
                    if national.starts_with('0') {
                        return Some(Err(UNKNOWN_CODE));
                    }
                    let found = (1..=3).find_map(|len| {
                        let code = national.get(..len)?.parse::<u16>().ok()?;
                        validity::code_exists(code).then_some((code, len))
                    });
                    let Some((code, len)) = found else {
                        return Some(Err(UNKNOWN_CODE));
                    };
                    national = national.get(len..)?;
                    code
                }
            }
            Source::Default => {
                if national.starts_with(self.code_digits.as_str())
                    && (!self.rules.general.is_match(national)
                        || !matches!(
                            general_length(self.rules, national.len()),
                            Length::Possible | Length::LocalOnly
                        ))
                {
                    national = national.get(self.code_digits.len()..)?;
                }
                self.code
            }
        };

        // National prefix, always with the default region's rules (as the crate does).
        let mut potential = national;
        match &self.national_prefix_for_parsing {
            Some(pattern) => {
                if let Some(end) = pattern.match_at_start(potential) {
                    if self.rewrites {
                        return None;
                    }
                    potential = potential.get(end..)?;
                }
            }
            None => potential = strip(potential, self.national_prefix),
        }
        potential = strip(potential, self.national_prefix);
        if general_length(self.rules, potential.len()) != Length::TooShort {
            national = potential;
        }

        if national.len() < 2 {
            return Some(Err(TOO_SHORT));
        }
        if national.len() > MAX_NSN {
            return Some(Err(TOO_LONG));
        }
        // The crate stores the digits after leading zeros as an integer below 2^56: all zeros
        // fail to parse, and only 17 digits can reach the limit (10^16 < 2^56).
        let significant = national.trim_start_matches('0');
        if significant.is_empty() {
            return Some(Err(PhoneError::NotANumber));
        }
        if significant.len() > 16 {
            match significant.parse::<u64>() {
                Ok(value) if value < 1 << 56 => {}
                Ok(_) => return Some(Err(TOO_LONG)),
                Err(_) => return Some(Err(PhoneError::NotANumber)),
            }
        }

        match validity::rules(code).is_valid(national)? {
            true => Some(Ok(Phone {
                e164: e164(code, national),
                extension: parts.extension.map(str::to_owned),
            })),
            false => Some(Err(not_valid(code))),
        }
    }
}

/// `Some(None)` for no pattern, `None` when the pattern does not compile.
fn compiled(source: Option<&str>) -> Option<Option<PrefixPattern>> {
    match source {
        None => Some(None),
        Some(s) => PrefixPattern::new(s).map(Some),
    }
}

/// Where the country code of a number comes from, as the crate tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A leading `+` (or a `+cc-` URI prefix).
    Plus,
    /// The default region's international dialling prefix (`011`, `00`).
    Idd,
    /// Nothing: the default region's code applies (possibly written out, `1 415 …`).
    Default,
}

/// The crate's `validator::length` result for the general descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    Invalid,
    TooLong,
}

fn general_length(rules: &RegionRules, len: usize) -> Length {
    let len = u16::try_from(len).unwrap_or(u16::MAX);
    let possible = &rules.general_lengths;
    let (Some(&min), Some(&max)) = (possible.first(), possible.last()) else {
        return Length::Invalid;
    };
    if rules.general_local_lengths.contains(&len) {
        Length::LocalOnly
    } else if len == min {
        Length::Possible
    } else if len < min {
        Length::TooShort
    } else if len > max {
        Length::TooLong
    } else if possible.contains(&len) {
        Length::Possible
    } else {
        Length::Invalid
    }
}

/// The ASCII digits of a short string, on the stack.
struct Digits {
    buf: [u8; 40],
    len: usize,
}

impl Digits {
    /// The digits of `s` with letters mapped as on a keypad, as the crate normalizes. `None`
    /// when there are too many to bother (the crate rejects those anyway, or the fallback
    /// decides).
    fn of(s: &str) -> Option<Digits> {
        let mut d = Digits {
            buf: [0; 40],
            len: 0,
        };
        for c in s.bytes().filter_map(syntax::keypad_digit) {
            *d.buf.get_mut(d.len)? = c;
            d.len += 1;
        }
        Some(d)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.buf.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }
}

/// `+<code><national>` in a string allocated once (this is on the hot path).
fn e164(code: u16, national: &str) -> String {
    let mut out = String::with_capacity(1 + 5 + national.len());
    // Writing to a String cannot fail.
    let _ = write!(out, "+{code}");
    out.push_str(national);
    out
}

fn strip<'a>(national: &'a str, prefix: Option<&str>) -> &'a str {
    match prefix {
        Some(p) => national.strip_prefix(p).unwrap_or(national),
        None => national,
    }
}
