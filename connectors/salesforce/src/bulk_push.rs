//! Large pushes through Bulk API 2.0 ingest: one `upsert` job per upload of at most
//! [`UPLOAD_MAX_BYTES`] of CSV (so a push of 50,000 ordinary records is one job).
//!
//! Per job: create it (object, external id field, `upsert`, `COMMA`, `LF`), `PUT` the CSV,
//! `PATCH` it to `UploadComplete`, poll until `JobComplete`, `Failed` or `Aborted`, then read
//! the result files the job's counts say are non-empty: `successfulResults` (`sf__Created`
//! tells creates from updates), `failedResults` (`sf__Error` is `CODE:message`) and
//! `unprocessedrecords`. Result rows come back in any order and are matched to the pushed
//! records through the external id column; a record no file mentions is a retryable
//! rejection, so every input gets exactly one outcome.
//!
//! [`UPLOAD_MAX_BYTES`]: crate::bulk_csv::UPLOAD_MAX_BYTES

use std::collections::HashSet;

use crmsync_sdk::crm::{OutboundRecord, WriteOutcome};
use crmsync_sdk::http::{Bytes, HttpRequest};
use crmsync_sdk::ConnectorError;
use serde_json::{json, Value};

use crate::bulk_csv::build_uploads;
use crate::bulk_job::{job_id, remote, state, wait_for_job};
use crate::client::SalesforceConnector;
use crate::push::{check_object, external_id_value};
use crate::results::{bulk_outcomes, BulkResultFiles};

/// The fewest calls one job takes: create, upload, close, one poll, one result file. A job is
/// only started when the daily-allowance stop leaves room for them.
pub const JOB_MIN_CALLS: u64 = 5;

/// Upserts `batch` on `key_field` (the external id field, or `Id`) through Bulk API 2.0
/// ingest jobs; one outcome per input, in input order.
pub(crate) async fn push_bulk(
    conn: &SalesforceConnector,
    object: &str,
    batch: &[OutboundRecord],
    key_field: &str,
) -> Result<Vec<WriteOutcome>, ConnectorError> {
    check_object(object)?;
    let keys: Vec<String> = batch
        .iter()
        .map(|r| external_id_value(r, key_field))
        .collect();
    let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; batch.len()];
    // Result rows are matched by external id, so one job must not carry a value twice;
    // Salesforce would refuse the repeats anyway. They go again with the next push.
    let mut seen = HashSet::new();
    let mut positions = Vec::with_capacity(batch.len());
    for (i, (record, key)) in batch.iter().zip(&keys).enumerate() {
        if seen.insert(key.as_str()) {
            positions.push(i);
        } else {
            outcomes[i] = Some(WriteOutcome::Rejected {
                local_id: record.local_id,
                code: "DUPLICATE_EXTERNAL_ID".to_string(),
                message: format!(
                    "{key_field} value {key:?} appears more than once in this push; \
                     only its first record was sent"
                ),
                retryable: true,
            });
        }
    }
    for upload in build_uploads(batch, &keys, &positions, key_field, conn.upload_cap) {
        let rows: Vec<(i64, String)> = upload
            .positions
            .iter()
            .map(|&p| (batch[p].local_id, keys[p].clone()))
            .collect();
        let job_outcomes = run_job(conn, object, key_field, upload.csv, &rows).await?;
        for (&p, outcome) in upload.positions.iter().zip(job_outcomes) {
            outcomes[p] = Some(outcome);
        }
    }
    Ok(crate::push::complete_outcomes(outcomes, batch))
}

/// Runs one job for `csv`, whose rows are `rows` (`(local_id, external id value)`), and
/// returns their outcomes in the same order.
async fn run_job(
    conn: &SalesforceConnector,
    object: &str,
    key_field: &str,
    csv: String,
    rows: &[(i64, String)],
) -> Result<Vec<WriteOutcome>, ConnectorError> {
    conn.check_budget(JOB_MIN_CALLS)?;
    // Keyed on `Id`, the records exist already: an `update` job (an upsert on Id is not
    // something Salesforce offers for records it did not create by external id).
    let mut body = json!({
        "object": object,
        "operation": "upsert",
        "contentType": "CSV",
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    });
    if key_field == "Id" {
        body["operation"] = json!("update");
    } else {
        body["externalIdFieldName"] = json!(key_field);
    }
    let created = conn
        .call(|s| HttpRequest::post(conn.data_url(s, "/jobs/ingest")).json(&body))
        .await?;
    let id = job_id(&created, "ingest")?;
    let job = format!("/jobs/ingest/{id}");
    let bytes = Bytes::from(csv.into_bytes());
    let sent = async {
        conn.call(|s| {
            HttpRequest::put(conn.data_url(s, &format!("{job}/batches")))
                .raw("text/csv", bytes.clone())
        })
        .await?;
        conn.call(|s| {
            HttpRequest::patch(conn.data_url(s, &job)).json(&json!({"state": "UploadComplete"}))
        })
        .await
    };
    if let Err(err) = sent.await {
        abort(conn, &job).await;
        return Err(err);
    }
    let info = match wait_for_job(conn, &job).await {
        Ok(info) => info,
        Err(err) => {
            abort(conn, &job).await;
            return Err(err);
        }
    };
    let count = |name: &str| info.get(name).and_then(Value::as_u64);
    let processed = count("numberRecordsProcessed");
    let failed = count("numberRecordsFailed");
    let uploaded = rows.len() as u64;
    // Read only the files the counts say hold rows; without counts, read all three.
    let want_successful = match (processed, failed) {
        (Some(p), Some(f)) => p > f,
        _ => true,
    };
    let want_failed = failed.is_none_or(|f| f > 0);
    let want_unprocessed = processed.is_none_or(|p| p < uploaded);
    let successful = read_if(conn, want_successful, &format!("{job}/successfulResults")).await?;
    let failed_rows = read_if(conn, want_failed, &format!("{job}/failedResults")).await?;
    let unprocessed = read_if(conn, want_unprocessed, &format!("{job}/unprocessedrecords")).await?;
    let files = BulkResultFiles {
        successful: &successful,
        failed: &failed_rows,
        unprocessed: &unprocessed,
    };
    let mut outcomes = bulk_outcomes(rows, key_field, files)
        .map_err(|m| remote(format!("Bulk ingest job {id}: {m}")))?;
    let job_error = info
        .get("errorMessage")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty());
    if let Some(why) = job_error {
        let job_state = state(&info);
        for outcome in &mut outcomes {
            if let WriteOutcome::Rejected { code, message, .. } = outcome {
                if code == "UNPROCESSED" {
                    *message = format!("the Bulk job {job_state}: {why}");
                }
            }
        }
    }
    Ok(outcomes)
}

/// `GET path` as text when `wanted`, else an empty file.
async fn read_if(
    conn: &SalesforceConnector,
    wanted: bool,
    path: &str,
) -> Result<String, ConnectorError> {
    if !wanted {
        return Ok(String::new());
    }
    let response = conn
        .call(|s| HttpRequest::get(conn.data_url(s, path)))
        .await?;
    String::from_utf8(response.body.to_vec())
        .map_err(|e| remote(format!("{path}: result file is not UTF-8")).with_source(e))
}

/// Best-effort abort of a job this push stops following, so it does not run on with nobody
/// reading its results; failures are only logged. (At the daily-allowance stop the call is
/// refused locally and nothing is sent.)
async fn abort(conn: &SalesforceConnector, job: &str) {
    let aborted = conn
        .call(|s| HttpRequest::patch(conn.data_url(s, job)).json(&json!({"state": "Aborted"})))
        .await;
    if let Err(err) = aborted {
        tracing::debug!(connector = crate::CONNECTOR, job, error = %err, "could not abort the Bulk job");
    }
}

#[cfg(all(test, feature = "emulator"))]
#[path = "bulk_push_tests.rs"]
mod tests;
