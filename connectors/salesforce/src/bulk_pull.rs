//! Bulk API 2.0 query jobs for large pulls: create a `queryAll` job, poll it to completion,
//! then read its CSV results page by page with `Sforce-Locator`.
//!
//! A pull switches to a job when a query reports more than `bulk_threshold` remaining rows:
//! one job costs a handful of API calls where REST paging costs one per 2,000 rows. The SOQL
//! travels in a JSON body, so the field list needs no splitting.

use crmsync_sdk::crm::RemoteRecord;
use crmsync_sdk::http::HttpRequest;
use crmsync_sdk::ConnectorError;
use serde_json::{json, Value};

use crate::bulk_job::{job_id, remote, state, wait_for_job};
use crate::client::SalesforceConnector;
use crate::parse::records_from_csv;

/// Rows per results request; bounds the memory one page takes.
pub const BULK_PAGE_ROWS: usize = 10_000;

/// Creates a `queryAll` job for `soql` and waits until it completes; returns its id.
pub(crate) async fn run_job(
    conn: &SalesforceConnector,
    soql: &str,
) -> Result<String, ConnectorError> {
    let body = json!({ "operation": "queryAll", "query": soql });
    let created = conn
        .call(|s| HttpRequest::post(conn.data_url(s, "/jobs/query")).json(&body))
        .await?;
    let id = job_id(&created, "query")?;
    let info = wait_for_job(conn, &format!("/jobs/query/{id}")).await?;
    match state(&info) {
        "JobComplete" => Ok(id),
        other => {
            let why = info
                .get("errorMessage")
                .and_then(Value::as_str)
                .unwrap_or("no reason given");
            Err(remote(format!("Bulk query job {id} {other}: {why}")))
        }
    }
}

/// One results page of job `id` from `locator`; returns the records and the next locator
/// (`None` after the last page).
pub(crate) async fn results_page(
    conn: &SalesforceConnector,
    object: &str,
    id: &str,
    locator: Option<&str>,
) -> Result<(Vec<RemoteRecord>, Option<String>), ConnectorError> {
    let path = format!("/jobs/query/{id}/results");
    let response = conn
        .call(|s| {
            let mut request = HttpRequest::get(conn.data_url(s, &path))
                .query("maxRecords", BULK_PAGE_ROWS.to_string());
            if let Some(locator) = locator {
                request = request.query("locator", locator);
            }
            request
        })
        .await?;
    let next = response
        .header("Sforce-Locator")
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "null")
        .map(str::to_string);
    let text = String::from_utf8_lossy(&response.body);
    let records = records_from_csv(object, &text).map_err(remote)?;
    Ok((records, next))
}
