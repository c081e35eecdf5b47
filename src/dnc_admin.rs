//! Managing the Do-Not-Contact list: parsing user-typed values, DNC CSV files and national
//! registry downloads into normalized entries.

use crate::normalize::dnc::{DncEntry, DncKind};
use crate::normalize::email::{normalize_domain, normalize_email};
use crate::normalize::phone::PhoneNormalizer;
use chrono::{DateTime, NaiveDate, Utc};
use crmsync_sdk::{Cell, Reject, RowEvent, TableReader};
use std::io::BufRead;
use std::path::Path;

/// Normalize a value of a known or guessed kind: `@` makes an email (or a domain when it is
/// `@domain`), a dotted word without digits-only labels a domain, anything else a phone.
///
/// # Errors
/// A reason string when the value is not a valid phone, email or domain.
pub fn normalize_value(
    raw: &str,
    kind: Option<DncKind>,
    phones: &PhoneNormalizer,
) -> Result<(DncKind, String), String> {
    let raw = raw.trim();
    let kind = kind.unwrap_or_else(|| guess_kind(raw));
    let value = match kind {
        DncKind::Email => {
            normalize_email(raw).map_err(|e| format!("invalid email {raw:?}: {e}"))?
        }
        DncKind::Domain => {
            normalize_domain(raw).ok_or_else(|| format!("invalid domain {raw:?}"))?
        }
        DncKind::Phone => {
            phones
                .normalize(raw)
                .map_err(|e| format!("invalid phone {raw:?}: {e}"))?
                .e164
        }
    };
    Ok((kind, value))
}

fn guess_kind(raw: &str) -> DncKind {
    if raw.starts_with('@') {
        DncKind::Domain
    } else if raw.contains('@') {
        DncKind::Email
    } else if raw.chars().any(|c| c.is_ascii_alphabetic()) && raw.contains('.') {
        DncKind::Domain
    } else {
        DncKind::Phone
    }
}

/// Parse an expiry given as `YYYY-MM-DD` (end of that day is not implied: it expires at the
/// start of the day, UTC) or a full RFC 3339 timestamp.
///
/// # Errors
/// A reason string for anything else.
pub fn parse_expiry(raw: &str) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("invalid expiry {raw:?}: use YYYY-MM-DD or an RFC 3339 timestamp"))
}

/// Entries and rejects read from a file.
#[derive(Debug, Default)]
pub struct ParsedList {
    /// Valid entries.
    pub entries: Vec<DncEntry>,
    /// Lines that could not be used.
    pub rejects: Vec<Reject>,
}

/// Read a DNC CSV with columns `value`, `kind` and optional `reason`, `source`, `expires_at`
/// (header names matched case-insensitively; `kind` may be empty to guess).
///
/// # Errors
/// A message when the file cannot be read or has no `value` column.
pub fn parse_csv(
    mut reader: Box<dyn TableReader>,
    file: &str,
    default_source: &str,
    phones: &PhoneNormalizer,
) -> Result<ParsedList, String> {
    let names: Vec<String> = reader
        .header()
        .names
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| names.iter().position(|h| h == n);
    let value_col = col("value")
        .or_else(|| col("phone"))
        .or_else(|| col("email"))
        .ok_or_else(|| format!("{file}: no `value` column; expected a header value,kind,reason"))?;
    let (kind_col, reason_col, source_col, expires_col) = (
        col("kind"),
        col("reason"),
        col("source"),
        col("expires_at").or_else(|| col("expires")),
    );
    let mut out = ParsedList::default();
    loop {
        let event = reader.next_event().map_err(|e| e.to_string())?;
        let row = match event {
            None => break,
            Some(RowEvent::Blank { .. }) => continue,
            Some(RowEvent::Reject(r)) => {
                out.rejects.push(r);
                continue;
            }
            Some(RowEvent::Row(row)) => row,
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| row.cells.get(c))
                .map(Cell::to_text)
                .filter(|s| !s.trim().is_empty())
        };
        let reject = |reason: String| Reject::row(file, row.row, reason);
        let kind = match get(kind_col) {
            Some(k) => match DncKind::parse(&k) {
                Some(k) => Some(k),
                None => {
                    out.rejects.push(
                        reject(format!("unknown kind {k:?}: use phone, email or domain"))
                            .with_column("kind"),
                    );
                    continue;
                }
            },
            None => None,
        };
        let Some(raw) = get(Some(value_col)) else {
            out.rejects
                .push(reject("empty value".into()).with_column("value"));
            continue;
        };
        let expires_at = match get(expires_col).map(|e| parse_expiry(&e)).transpose() {
            Ok(e) => e,
            Err(reason) => {
                out.rejects.push(reject(reason).with_column("expires_at"));
                continue;
            }
        };
        match normalize_value(&raw, kind, phones) {
            Ok((kind, value)) => out.entries.push(DncEntry {
                kind,
                value,
                reason: get(reason_col),
                source: get(source_col).or_else(|| Some(default_source.to_string())),
                expires_at,
            }),
            Err(reason) => out
                .rejects
                .push(reject(reason).with_column("value").with_raw(&raw)),
        }
    }
    Ok(out)
}

/// Read a national registry download: one number per line, optionally split as
/// `area code,number` (the US registry's layout), optionally quoted; lines starting with `#`
/// are comments.
///
/// # Errors
/// I/O errors.
pub fn parse_registry(
    path: &Path,
    reason: Option<&str>,
    source: &str,
    phones: &PhoneNormalizer,
) -> std::io::Result<ParsedList> {
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut out = ParsedList::default();
    for (idx, line) in reader.split(b'\n').enumerate() {
        let line = line?;
        let line = String::from_utf8_lossy(&line);
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let digits: String = text
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let row = idx as u64 + 1;
        if digits.is_empty() || text.chars().any(|c| c.is_alphabetic()) {
            out.rejects
                .push(Reject::row(&file_name, row, "not a phone number").with_raw(text));
            continue;
        }
        match phones.normalize(&digits) {
            Ok(p) => out.entries.push(DncEntry {
                kind: DncKind::Phone,
                value: p.e164,
                reason: reason
                    .map(str::to_string)
                    .or_else(|| Some("national DNC registry".into())),
                source: Some(source.to_string()),
                expires_at: None,
            }),
            Err(e) => out
                .rejects
                .push(Reject::row(&file_name, row, format!("invalid phone: {e}")).with_raw(text)),
        }
    }
    Ok(out)
}
