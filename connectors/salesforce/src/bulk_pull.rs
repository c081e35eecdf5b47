//! Bulk API 2.0 query jobs for large pulls: create a `queryAll` job, poll it to completion,
//! then read its CSV results page by page with `Sforce-Locator`.
//!
//! A pull switches to a job when a query reports more than `bulk_threshold` remaining rows:
//! one job costs a handful of API calls where REST paging costs one per 2,000 rows. The SOQL
//! travels in a JSON body, so the field list needs no splitting.

use std::time::Duration;

use crmsync_sdk::crm::RemoteRecord;
use crmsync_sdk::http::HttpRequest;
use crmsync_sdk::{ConnectorError, ErrorKind};
use serde_json::{json, Value};

use crate::client::SalesforceConnector;
use crate::parse::records_from_csv;
use crate::CONNECTOR;

/// Rows per results request; bounds the memory one page takes.
pub const BULK_PAGE_ROWS: usize = 10_000;

/// First pause between job polls; doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(10);
/// Give up on a job that has not finished after this many polls (about 2.5 hours).
const MAX_POLLS: u32 = 1_000;

fn remote(message: String) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Remote, message)
}

/// Creates a `queryAll` job for `soql` and waits until it completes; returns its id.
pub(crate) async fn run_job(
    conn: &SalesforceConnector,
    soql: &str,
) -> Result<String, ConnectorError> {
    let body = json!({ "operation": "queryAll", "query": soql });
    let created = conn
        .call(|s| HttpRequest::post(conn.data_url(s, "/jobs/query")).json(&body))
        .await?;
    let info: Value = created.json().map_err(|e| {
        remote("Bulk query job creation answered without JSON".into()).with_source(e)
    })?;
    let id = info
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| remote("Bulk query job creation answered without an id".into()))?
        .to_string();
    let mut pause = FIRST_POLL;
    for _ in 0..MAX_POLLS {
        let info = conn.get_json(&format!("/jobs/query/{id}")).await?;
        match info.get("state").and_then(Value::as_str).unwrap_or("") {
            "JobComplete" => return Ok(id),
            state @ ("Failed" | "Aborted") => {
                let why = info
                    .get("errorMessage")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given");
                return Err(remote(format!("Bulk query job {id} {state}: {why}")));
            }
            _ => {}
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL);
    }
    Err(ConnectorError::new(
        CONNECTOR,
        ErrorKind::Transient,
        format!("Bulk query job {id} did not finish in time"),
    ))
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
