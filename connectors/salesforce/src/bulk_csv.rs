//! CSV uploads for Bulk API 2.0 ingest jobs (comma-delimited, LF line endings, UTF-8).
//!
//! Salesforce's rules for job data: the header row names the fields; a cell holding a comma,
//! a double quote or a line break is enclosed in double quotes with inner quotes doubled
//! (RFC 4180); cells are not trimmed; an **empty cell leaves the field unchanged** and
//! `#N/A` sets it to null. A record that does not carry a column other records have gets an
//! empty cell, so it keeps its current value, as it would through sObject Collections; an
//! explicit empty value (`None` or `""`) becomes `#N/A`, as Collections' `null` or `""`
//! clears the field.
//!
//! One upload may hold at most 100 MB of CSV ([`UPLOAD_MAX_BYTES`]; Salesforce counts the
//! 150 MB cap after a base64 conversion that adds about half), and a job takes exactly one
//! upload, so larger pushes are cut into several uploads, each for its own job.

use std::collections::BTreeSet;

use crmsync_sdk::crm::OutboundRecord;

/// Largest CSV upload per job, in bytes: Salesforce's documented 100 MB of raw data.
pub const UPLOAD_MAX_BYTES: usize = 100_000_000;

/// The cell that sets a field to null.
pub const NULL_CELL: &str = "#N/A";

/// One job's worth of CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The CSV text, header row included.
    pub csv: String,
    /// Positions in the pushed batch of the rows in this upload, in upload order.
    pub positions: Vec<usize>,
}

/// Appends `value` as one CSV cell, quoted only when it has to be.
pub fn push_cell(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The columns of an upload of `batch`: every field any record carries, in name order,
/// without `Id` (an upsert is keyed by the external id), then the external id field.
pub fn columns<'a>(
    batch: impl IntoIterator<Item = &'a OutboundRecord>,
    external_id_field: &str,
) -> Vec<String> {
    let names: BTreeSet<&str> = batch
        .into_iter()
        .flat_map(|r| r.fields.keys().map(String::as_str))
        .filter(|name| *name != "Id" && *name != external_id_field)
        .collect();
    names
        .into_iter()
        .map(str::to_string)
        .chain(std::iter::once(external_id_field.to_string()))
        .collect()
}

fn header(columns: &[String]) -> String {
    let mut out = String::new();
    for (i, name) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_cell(&mut out, name);
    }
    out.push('\n');
    out
}

/// One record's row: its values for `columns`, the last column being the external id value
/// `key`.
fn row(record: &OutboundRecord, columns: &[String], key: &str) -> String {
    let mut out = String::new();
    let last = columns.len().saturating_sub(1);
    for (i, name) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if i == last {
            push_cell(&mut out, key);
            continue;
        }
        match record.fields.get(name) {
            // Not carried by this record: an empty cell leaves the field as it is.
            None => {}
            Some(None) => out.push_str(NULL_CELL),
            Some(Some(value)) if value.is_empty() => out.push_str(NULL_CELL),
            Some(Some(value)) => push_cell(&mut out, value),
        }
    }
    out.push('\n');
    out
}

/// Cuts the records at `positions` of `batch` into uploads of at most `max_bytes` each
/// (a single row larger than that still gets an upload of its own, for Salesforce to
/// refuse). `keys[i]` is the external id value of `batch[i]`.
pub fn build_uploads(
    batch: &[OutboundRecord],
    keys: &[String],
    positions: &[usize],
    external_id_field: &str,
    max_bytes: usize,
) -> Vec<Upload> {
    let chosen = positions.iter().filter_map(|&p| batch.get(p));
    let columns = columns(chosen, external_id_field);
    let head = header(&columns);
    let mut uploads = Vec::new();
    let mut current = Upload {
        csv: head.clone(),
        positions: Vec::new(),
    };
    for &position in positions {
        let (Some(record), Some(key)) = (batch.get(position), keys.get(position)) else {
            continue;
        };
        let line = row(record, &columns, key);
        if !current.positions.is_empty() && current.csv.len() + line.len() > max_bytes {
            let full = std::mem::replace(
                &mut current,
                Upload {
                    csv: head.clone(),
                    positions: Vec::new(),
                },
            );
            uploads.push(full);
        }
        current.csv.push_str(&line);
        current.positions.push(position);
    }
    if !current.positions.is_empty() {
        uploads.push(current);
    }
    uploads
}

#[cfg(test)]
#[path = "bulk_csv_tests.rs"]
mod tests;
