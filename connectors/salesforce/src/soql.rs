//! SOQL text for pulls: the full read, the incremental read after a `(SystemModstamp, Id)`
//! cursor, literal escaping, and splitting a field list that would overflow the 16,384-byte
//! request line into several queries merged by `Id`.
//!
//! Every pull query orders by `SystemModstamp, Id`, so a full read is the incremental read
//! from the beginning of time and an interrupted read can always resume from the highest
//! `(SystemModstamp, Id)` it stored.

use chrono::{DateTime, SecondsFormat, Utc};
use crmsync_sdk::crm::ObjectSchema;

/// Salesforce's limit on the request URI plus headers.
pub const MAX_REQUEST_BYTES: usize = 16_384;

/// Room kept for the request line's method and version, and the headers (`Authorization`
/// with a long session id, `Host`, `Accept`, `User-Agent`, `Sforce-Query-Options`).
pub const HEADER_ALLOWANCE: usize = 2_048;

/// Fields every pull query selects, whatever the configuration: the cursor and tombstones.
pub const SYSTEM_FIELDS: [&str; 3] = ["Id", "SystemModstamp", "IsDeleted"];

/// An unquoted SOQL datetime literal in UTC: `2024-01-01T00:00:00Z`, with milliseconds when
/// they are not zero (`SystemModstamp` carries milliseconds and the cursor must compare
/// exactly).
pub fn datetime_literal(ts: DateTime<Utc>) -> String {
    if ts.timestamp_subsec_millis() == 0 {
        ts.to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        ts.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

/// A quoted SOQL string literal with `\`, `'`, `"` and control characters escaped.
pub fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// The fields to select from a described object: every field except compound ones (type
/// `address` or `location`, and any field that others name as their compound parent, such
/// as `Name` on Lead and Contact), which queries return as nested values or refuse in Bulk.
/// `compound_parents` lists the names the describe's `compoundFieldName` mentions. The
/// system fields come first, in [`SYSTEM_FIELDS`] order.
pub fn selectable_fields(schema: &ObjectSchema, compound_parents: &[String]) -> Vec<String> {
    let mut out: Vec<String> = SYSTEM_FIELDS.iter().map(|s| (*s).to_string()).collect();
    for field in &schema.fields {
        let compound = matches!(field.kind.as_str(), "address" | "location")
            || compound_parents.iter().any(|p| p == &field.name);
        if !compound && !out.iter().any(|f| f == &field.name) {
            out.push(field.name.clone());
        }
    }
    out
}

/// Where clause of the incremental read: strictly after `(since, after_id)`.
fn after_cursor(since: DateTime<Utc>, after_id: Option<&str>) -> String {
    let ts = datetime_literal(since);
    match after_id {
        Some(id) => format!(
            "SystemModstamp > {ts} OR (SystemModstamp = {ts} AND Id > {})",
            string_literal(id)
        ),
        None => format!("SystemModstamp >= {ts}"),
    }
}

/// Where clause bounding a read to at most `(until, until_id)`, used by the secondary
/// queries of a split field list so they cover exactly the primary page.
fn up_to(until: DateTime<Utc>, until_id: &str) -> String {
    let ts = datetime_literal(until);
    format!(
        "SystemModstamp < {ts} OR (SystemModstamp = {ts} AND Id <= {})",
        string_literal(until_id)
    )
}

/// Bounds of a pull query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range<'a> {
    /// Lower bound: strictly after this `(SystemModstamp, Id)`; with no id, at or after the
    /// timestamp. `None` reads from the beginning.
    pub after: Option<(DateTime<Utc>, Option<&'a str>)>,
    /// Upper bound, inclusive.
    pub until: Option<(DateTime<Utc>, &'a str)>,
}

/// `SELECT <fields> FROM <object> [WHERE …] ORDER BY SystemModstamp, Id`.
///
/// `object` and `fields` must be API names (validated by the configuration and taken from
/// describe); only literals are escaped here.
pub fn pull_query(object: &str, fields: &[String], range: &Range<'_>) -> String {
    let mut clauses: Vec<String> = Vec::new();
    if let Some((since, after_id)) = range.after {
        clauses.push(after_cursor(since, after_id));
    }
    if let Some((until, until_id)) = range.until {
        clauses.push(up_to(until, until_id));
    }
    let filter = match clauses.as_slice() {
        [] => String::new(),
        [one] => format!(" WHERE {one}"),
        many => format!(
            " WHERE {}",
            many.iter()
                .map(|c| format!("({c})"))
                .collect::<Vec<_>>()
                .join(" AND ")
        ),
    };
    format!(
        "SELECT {} FROM {object}{filter} ORDER BY SystemModstamp, Id",
        fields.join(", ")
    )
}

/// The full read of `fields`.
pub fn full_query(object: &str, fields: &[String]) -> String {
    pull_query(
        object,
        fields,
        &Range {
            after: None,
            until: None,
        },
    )
}

/// The incremental read after the `(since, after_id)` cursor.
pub fn incremental_query(
    object: &str,
    fields: &[String],
    since: DateTime<Utc>,
    after_id: Option<&str>,
) -> String {
    let range = Range {
        after: Some((since, after_id)),
        until: None,
    };
    pull_query(object, fields, &range)
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept). This is the
/// longest encoding any client produces, so lengths computed with it are safe upper bounds.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Bytes of `GET <base>?q=<encoded soql>` plus the header allowance.
pub fn request_bytes(base_url: &str, soql: &str) -> usize {
    base_url.len() + 3 + encode_component(soql).len() + HEADER_ALLOWANCE
}

/// Splits `fields` into groups whose worst-case query (`longest_query` builds it for a group)
/// fits `max_bytes` (normally [`MAX_REQUEST_BYTES`]) at `base_url`. Every group starts with [`SYSTEM_FIELDS`] so
/// groups can be merged by `Id` and checked by `SystemModstamp`. Returns `None` when even the
/// system fields plus one field do not fit.
pub fn split_fields(
    base_url: &str,
    fields: &[String],
    max_bytes: usize,
    longest_query: impl Fn(&[String]) -> String,
) -> Option<Vec<Vec<String>>> {
    let fits = |group: &[String]| request_bytes(base_url, &longest_query(group)) <= max_bytes;
    let system: Vec<String> = SYSTEM_FIELDS.iter().map(|s| (*s).to_string()).collect();
    let rest: Vec<&String> = fields.iter().filter(|f| !system.contains(f)).collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut current = system.clone();
    for field in rest {
        current.push(field.clone());
        if !fits(&current) {
            current.pop();
            if current.len() == system.len() {
                return None;
            }
            groups.push(std::mem::replace(&mut current, system.clone()));
            current.push(field.clone());
            if !fits(&current) {
                return None;
            }
        }
    }
    if current.len() > system.len() || groups.is_empty() {
        if !fits(&current) {
            return None;
        }
        groups.push(current);
    }
    Some(groups)
}

#[cfg(test)]
#[path = "soql_tests.rs"]
mod tests;
