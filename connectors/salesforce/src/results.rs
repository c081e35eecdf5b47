//! Per-record write results: sObject Collections upsert responses and Bulk API 2.0 result
//! CSVs, mapped to [`WriteOutcome`]s in the order of the pushed batch.

use std::collections::HashMap;

use crmsync_sdk::crm::WriteOutcome;
use serde::Deserialize;

/// Error codes worth sending again later: lock contention and siblings rolled back with a
/// failing row.
const RETRYABLE: [&str; 5] = [
    "UNABLE_TO_LOCK_ROW",
    "UNPROCESSED",
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "SERVER_UNAVAILABLE",
    "REQUEST_RUNNING_TOO_LONG",
];

/// Whether a per-record error code is transient.
pub fn is_retryable_code(code: &str) -> bool {
    RETRYABLE.contains(&code)
}

/// The message stored with a rejection; duplicate-rule blocks get an explanation, since the
/// CRM's own text ("Use one of these records?") makes no sense outside its UI.
pub fn rejection_message(code: &str, message: &str) -> String {
    if code == "DUPLICATES_DETECTED" {
        format!(
            "blocked by a Salesforce duplicate rule ({message}); merge the existing record in \
             Salesforce or relax the rule, then push again"
        )
    } else {
        message.to_string()
    }
}

fn rejected(local_id: i64, code: &str, message: &str) -> WriteOutcome {
    WriteOutcome::Rejected {
        local_id,
        code: code.to_string(),
        message: rejection_message(code, message),
        retryable: is_retryable_code(code),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SaveError {
    #[serde(default)]
    status_code: String,
    #[serde(default)]
    message: String,
}

#[derive(Debug, Deserialize)]
struct SaveResult {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    success: bool,
    #[serde(default)]
    created: bool,
    #[serde(default)]
    errors: Vec<SaveError>,
}

/// Maps a Collections upsert response (an array in input order) to outcomes for
/// `local_ids`. Fails when the body is not such an array or its length differs.
pub fn collections_outcomes(local_ids: &[i64], body: &str) -> Result<Vec<WriteOutcome>, String> {
    let results: Vec<SaveResult> =
        serde_json::from_str(body).map_err(|e| format!("unexpected Collections response: {e}"))?;
    if results.len() != local_ids.len() {
        return Err(format!(
            "Collections returned {} results for {} records",
            results.len(),
            local_ids.len()
        ));
    }
    Ok(local_ids
        .iter()
        .zip(results)
        .map(|(&local_id, r)| match (r.success, r.id) {
            (true, Some(remote_id)) if r.created => WriteOutcome::Created {
                local_id,
                remote_id,
            },
            (true, Some(remote_id)) => WriteOutcome::Updated {
                local_id,
                remote_id,
            },
            (true, None) => rejected(local_id, "NO_ID", "success reported without a record id"),
            (false, _) => match r.errors.first() {
                Some(e) => rejected(local_id, &e.status_code, &e.message),
                None => rejected(local_id, "UNKNOWN_ERROR", "failed without an error entry"),
            },
        })
        .collect())
}

/// Splits a Bulk `sf__Error` cell, `CODE:message:Field1,Field2 --`, into its code and
/// message (without the trailing field list, so the text matches what Collections reports).
fn split_bulk_error(cell: &str) -> (String, String) {
    match cell.split_once(':') {
        Some((code, rest))
            if !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
        {
            (code.to_string(), without_fields(rest.trim()))
        }
        _ => ("BULK_ERROR".to_string(), cell.trim().to_string()),
    }
}

/// `message:Field1,Field2 --` → `message`; anything else unchanged.
fn without_fields(rest: &str) -> String {
    let stripped = rest.strip_suffix("--").map(str::trim_end).and_then(|body| {
        let (message, fields) = body.rsplit_once(':')?;
        fields
            .split(',')
            .all(|f| {
                f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            })
            .then(|| message.trim_end())
    });
    stripped.unwrap_or(rest).to_string()
}

/// What one result file says per external id value.
type ByExternalId = HashMap<String, WriteOutcome>;

fn read_result_csv(
    csv_text: &str,
    external_id_field: &str,
    local_of: &HashMap<&str, i64>,
    out: &mut ByExternalId,
    row: impl Fn(i64, &csv::StringRecord, &HashMap<String, usize>) -> WriteOutcome,
) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("unreadable Bulk result header: {e}"))?
        .clone();
    let columns: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_string(), i))
        .collect();
    let Some(&ext_col) = columns.get(external_id_field) else {
        // An empty file may omit the column entirely.
        if headers.is_empty() || reader.records().next().is_none() {
            return Ok(());
        }
        return Err(format!("Bulk result lacks the {external_id_field} column"));
    };
    for record in reader.records() {
        let record = record.map_err(|e| format!("unreadable Bulk result row: {e}"))?;
        let Some(value) = record.get(ext_col) else {
            continue;
        };
        if let Some(&local_id) = local_of.get(value) {
            out.insert(value.to_string(), row(local_id, &record, &columns));
        }
    }
    Ok(())
}

/// The three result files of a Bulk API 2.0 ingest job.
#[derive(Debug, Clone, Copy)]
pub struct BulkResultFiles<'a> {
    /// `successfulResults`: `sf__Id,sf__Created,<uploaded columns>`.
    pub successful: &'a str,
    /// `failedResults`: `sf__Id,sf__Error,<uploaded columns>`.
    pub failed: &'a str,
    /// `unprocessedrecords`: the uploaded columns.
    pub unprocessed: &'a str,
}

/// Maps Bulk result files back to the pushed batch via the external id column: `batch` is
/// `(local_id, external id value)` in input order. Rows may come in any order; a record no
/// file mentions, or only `unprocessedrecords` mentions, is a retryable rejection.
pub fn bulk_outcomes(
    batch: &[(i64, String)],
    external_id_field: &str,
    files: BulkResultFiles<'_>,
) -> Result<Vec<WriteOutcome>, String> {
    let local_of: HashMap<&str, i64> = batch.iter().map(|(l, e)| (e.as_str(), *l)).collect();
    let mut seen: ByExternalId = HashMap::new();
    let cell = |r: &csv::StringRecord, cols: &HashMap<String, usize>, name: &str| {
        cols.get(name)
            .and_then(|&i| r.get(i))
            .unwrap_or("")
            .to_string()
    };
    read_result_csv(
        files.unprocessed,
        external_id_field,
        &local_of,
        &mut seen,
        |l, _, _| {
            rejected(
                l,
                "UNPROCESSED",
                "the Bulk job ended before processing this record",
            )
        },
    )?;
    read_result_csv(
        files.failed,
        external_id_field,
        &local_of,
        &mut seen,
        |l, r, cols| {
            let (code, message) = split_bulk_error(&cell(r, cols, "sf__Error"));
            rejected(l, &code, &message)
        },
    )?;
    read_result_csv(
        files.successful,
        external_id_field,
        &local_of,
        &mut seen,
        |l, r, cols| {
            let remote_id = cell(r, cols, "sf__Id");
            if cell(r, cols, "sf__Created").eq_ignore_ascii_case("true") {
                WriteOutcome::Created {
                    local_id: l,
                    remote_id,
                }
            } else {
                WriteOutcome::Updated {
                    local_id: l,
                    remote_id,
                }
            }
        },
    )?;
    Ok(batch
        .iter()
        .map(|(local_id, ext)| {
            seen.remove(ext).unwrap_or_else(|| WriteOutcome::Rejected {
                local_id: *local_id,
                code: "MISSING_RESULT".to_string(),
                message: "the Bulk job reported no result for this record".to_string(),
                retryable: true,
            })
        })
        .collect())
}

#[cfg(test)]
#[path = "results_tests.rs"]
mod tests;
