//! Number validity from the `phonenumber` metadata, compiled once into plain regexes.
//!
//! The crate's own `is_valid` looks every pattern up in a 100-entry LRU cache behind a global
//! mutex and recompiles on eviction, which costs ~10 µs per number. The decision itself is
//! simple and is replicated here exactly:
//!
//! - a descriptor *matches* a national number when its length is among the descriptor's
//!   possible lengths (or that list is empty) and its pattern matches at position 0 (the crate
//!   checks `find(..).start() == 0`, a prefix match, not a full match);
//! - a number is valid in a region when the general descriptor matches and at least one of
//!   premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed line or
//!   mobile matches;
//! - a country code shared by several regions is resolved in the database's order: a region
//!   with leading digits claims the number when they match at position 0 (and then decides
//!   alone), a region without leading digits claims it when the number is valid there.
//!
//! Per region, the type patterns that admit a given length are merged into one anchored
//! alternation, so a check costs two regex matches. Country codes are compiled lazily, the
//! first time a number with that code is seen.

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex::{Regex, RegexBuilder};
use std::sync::OnceLock;

/// Longest national significant number the parser accepts.
pub(super) const MAX_NSN: usize = 17;

/// One compiled descriptor pattern plus its possible lengths.
#[derive(Debug)]
pub(super) struct CompiledDesc {
    anchored: Regex,
    lengths: Vec<u16>,
}

impl CompiledDesc {
    fn new(desc: &Descriptor) -> Option<Self> {
        Some(CompiledDesc {
            anchored: anchored(&[desc.national_number().as_str()])?,
            lengths: desc.possible_length().to_vec(),
        })
    }

    /// The crate's `Descriptor::is_match`: length filter, then a match at position 0.
    pub(super) fn is_match(&self, national: &str) -> bool {
        let len = u16::try_from(national.len()).unwrap_or(u16::MAX);
        (self.lengths.is_empty() || self.lengths.contains(&len)) && self.anchored.is_match(national)
    }
}

/// The validity rules of one region.
#[derive(Debug)]
pub(super) struct RegionRules {
    /// The region id (`US`, or `001` for non-geographic codes).
    pub(super) id: &'static str,
    /// Whether the crate can resolve this id to metadata (it parses ids into an enum).
    resolvable: bool,
    leading_digits: Option<Regex>,
    /// The general descriptor, also needed while parsing.
    pub(super) general: CompiledDesc,
    /// Possible lengths of the general descriptor.
    pub(super) general_lengths: Vec<u16>,
    /// Possible local-only lengths of the general descriptor.
    pub(super) general_local_lengths: Vec<u16>,
    /// Index into `unions` for each national number length.
    by_length: [Option<usize>; MAX_NSN + 1],
    unions: Vec<Regex>,
}

impl RegionRules {
    fn new(meta: &'static Metadata) -> Option<Self> {
        let d = meta.descriptors();
        // Every type that makes `number_type` return something other than Unknown.
        let types: Vec<&Descriptor> = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut by_length = [None; MAX_NSN + 1];
        let mut masks: Vec<u32> = Vec::new();
        let mut unions = Vec::new();
        for (len, slot) in by_length.iter_mut().enumerate() {
            let len = len as u16;
            let mut mask = 0u32;
            for (i, t) in types.iter().enumerate() {
                if t.possible_length().is_empty() || t.possible_length().contains(&len) {
                    mask |= 1 << i;
                }
            }
            if mask == 0 {
                continue;
            }
            if let Some(pos) = masks.iter().position(|&m| m == mask) {
                *slot = Some(pos);
                continue;
            }
            let patterns: Vec<&str> = types
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, t)| t.national_number().as_str())
                .collect();
            unions.push(anchored(&patterns)?);
            masks.push(mask);
            *slot = Some(masks.len() - 1);
        }
        let leading_digits = match meta.leading_digits() {
            Some(re) => Some(anchored(&[re.as_str()])?),
            None => None,
        };
        Some(RegionRules {
            id: meta.id(),
            resolvable: meta.id().parse::<phonenumber::country::Id>().is_ok(),
            leading_digits,
            general: CompiledDesc::new(d.general())?,
            general_lengths: d.general().possible_length().to_vec(),
            general_local_lengths: d.general().possible_local_length().to_vec(),
            by_length,
            unions,
        })
    }

    /// `number_type(meta, national) != Unknown`.
    fn is_valid(&self, national: &str) -> bool {
        // The length lookup is free, so it goes before the two regex matches.
        let Some(union) = self.by_length.get(national.len()).copied().flatten() else {
            return false;
        };
        self.general.is_match(national)
            && self
                .unions
                .get(union)
                .is_some_and(|re| re.is_match(national))
    }
}

/// The compiled rules of one country calling code.
#[derive(Debug)]
pub(super) enum CodeRules {
    /// No region uses this code.
    Unassigned,
    /// A metadata pattern did not compile here; callers must defer to the crate itself.
    Unavailable,
    /// Regions in the database's order (main country first), and for codes shared by several
    /// regions one regex matching any of their leading digits, so that a number claimed by
    /// none of them skips those regions in one match instead of one match each.
    Regions(Vec<RegionRules>, Option<Regex>),
}

impl CodeRules {
    fn build(code: u16) -> CodeRules {
        let Some(ids) = DATABASE.region(&code) else {
            return CodeRules::Unassigned;
        };
        let database: &'static phonenumber::metadata::Database = &DATABASE;
        let mut regions = Vec::with_capacity(ids.len());
        for id in ids {
            // Non-geographic codes ("001") are looked up by code, like the crate does.
            let meta = if id == "001" {
                database.by_code(&code).and_then(|m| m.into_iter().next())
            } else {
                database.by_id(id)
            };
            match meta.and_then(RegionRules::new) {
                Some(rules) => regions.push((rules, meta.and_then(|m| m.leading_digits()))),
                None => return CodeRules::Unavailable,
            }
        }
        let leading: Vec<&str> = regions
            .iter()
            .filter_map(|(_, ld)| ld.map(|re| re.as_str()))
            .collect();
        let any_leading = if regions.len() > 1 && !leading.is_empty() {
            match anchored(&leading) {
                Some(re) => Some(re),
                None => return CodeRules::Unavailable,
            }
        } else {
            None
        };
        CodeRules::Regions(regions.into_iter().map(|(r, _)| r).collect(), any_leading)
    }

    /// The crate's `is_valid` for a parsed number; `None` when the rules are unavailable.
    pub(super) fn is_valid(&self, national: &str) -> Option<bool> {
        let (regions, any_leading) = match self {
            CodeRules::Unassigned => return Some(false),
            CodeRules::Unavailable => return None,
            CodeRules::Regions(regions, any_leading) => (regions, any_leading),
        };
        if let [only] = regions.as_slice() {
            return Some((only.id == "001" || only.resolvable) && only.is_valid(national));
        }
        let may_lead = any_leading.as_ref().is_none_or(|re| re.is_match(national));
        for region in regions {
            match &region.leading_digits {
                Some(leading) if may_lead && leading.is_match(national) => {
                    return Some(region.resolvable && region.is_valid(national))
                }
                Some(_) => {}
                None if region.is_valid(national) => return Some(region.resolvable),
                None => {}
            }
        }
        Some(false)
    }

    /// The rules of one region of this code.
    pub(super) fn region(&self, id: &str) -> Option<&RegionRules> {
        match self {
            CodeRules::Regions(regions, _) => regions.iter().find(|r| r.id == id),
            _ => None,
        }
    }

    /// The first (main) region of this code, for messages.
    pub(super) fn main_region(&self) -> Option<&'static str> {
        match self {
            CodeRules::Regions(regions, _) => {
                regions.first().map(|r| r.id).filter(|id| *id != "001")
            }
            _ => None,
        }
    }
}

/// Country calling codes are at most three digits.
const CODES: usize = 1000;

static RULES: [OnceLock<CodeRules>; CODES] = [const { OnceLock::new() }; CODES];

/// The compiled rules of a country calling code, built on first use.
pub(super) fn rules(code: u16) -> &'static CodeRules {
    static UNASSIGNED: CodeRules = CodeRules::Unassigned;
    match RULES.get(usize::from(code)) {
        Some(cell) => cell.get_or_init(|| CodeRules::build(code)),
        None => &UNASSIGNED,
    }
}

/// Whether any region uses `code` (the crate's `by_code(..).is_some()`).
pub(super) fn code_exists(code: u16) -> bool {
    !matches!(rules(code), CodeRules::Unassigned)
}

/// Compile `patterns` as one alternation that must match at position 0, with the flags the
/// crate's metadata regexes use. Newlines around each part keep verbose-mode comments from
/// swallowing the glue.
fn anchored(patterns: &[&str]) -> Option<Regex> {
    let mut source = String::from("^(?:\n");
    for (i, p) in patterns.iter().enumerate() {
        if i > 0 {
            source.push_str("\n|\n");
        }
        source.push_str("(?:\n");
        source.push_str(p);
        source.push_str("\n)");
    }
    source.push_str("\n)");
    verbose(&source)
}

/// A dialling-prefix pattern (international or national prefix), matched at position 0 with
/// the crate's `find(..)` + `start() == 0` test.
#[derive(Debug)]
pub(super) enum PrefixPattern {
    /// Digit strings joined by `|` (`011`, `0|180020`): leftmost-first semantics pick the
    /// first listed literal that is a prefix, which needs no regex.
    Literals(Vec<String>),
    /// Anything else.
    Regex(Regex),
}

impl PrefixPattern {
    /// Compile a metadata pattern; `None` when it does not compile.
    pub(super) fn new(source: &str) -> Option<PrefixPattern> {
        // Verbose mode ignores whitespace, so a pattern of digits, '|' and whitespace is
        // exactly its literals.
        let stripped: String = source.chars().filter(|c| !c.is_whitespace()).collect();
        let literals: Vec<String> = stripped.split('|').map(str::to_string).collect();
        if literals
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
        {
            return Some(PrefixPattern::Literals(literals));
        }
        verbose(source).map(PrefixPattern::Regex)
    }

    /// The end of the match when the pattern matches at position 0.
    pub(super) fn match_at_start(&self, s: &str) -> Option<usize> {
        match self {
            PrefixPattern::Literals(literals) => literals
                .iter()
                .find(|l| s.starts_with(l.as_str()))
                .map(String::len),
            PrefixPattern::Regex(re) => re.find(s).filter(|m| m.start() == 0).map(|m| m.end()),
        }
    }
}

/// Compile one metadata pattern in verbose mode, as the crate does, for matching against
/// ASCII digit strings (every caller matches national numbers or dialling prefixes made of
/// ASCII digits).
///
/// The crate compiles with Unicode on, where `\d` is every decimal digit of Unicode: 760
/// code points whose UTF-8 forms make each `\d` dozens of automaton states, and compiling
/// them was most of the start-up cost of the phone rules. On an ASCII haystack a pattern
/// matches exactly the same with Unicode off, so it is compiled that way; a pattern that
/// could then match bytes that are not UTF-8 (which the `regex` crate refuses) keeps
/// Unicode on.
pub(super) fn verbose(source: &str) -> Option<Regex> {
    let build = |unicode: bool| {
        RegexBuilder::new(source)
            .ignore_whitespace(true)
            .unicode(unicode)
            .dfa_size_limit(8 << 20)
            .build()
            .ok()
    };
    build(false).or_else(|| build(true))
}
