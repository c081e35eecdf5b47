//! What Bulk API 2.0 query and ingest jobs share: reading the job id from a creation answer
//! and polling a job until it reaches a terminal state.
//!
//! Every poll is an API call against the org's daily allowance, and Salesforce queues a job
//! for at least a second or so before it finishes, so the first poll waits a second and the
//! pauses double from there.

use std::time::Duration;

use crmsync_sdk::http::HttpResponse;
use crmsync_sdk::{ConnectorError, ErrorKind};
use serde_json::Value;

use crate::client::SalesforceConnector;
use crate::CONNECTOR;

/// Pause before the first poll; doubles up to [`MAX_POLL`].
pub(crate) const FIRST_POLL: Duration = Duration::from_secs(1);
/// Longest pause between polls.
pub(crate) const MAX_POLL: Duration = Duration::from_secs(10);
/// Give up on a job that has not finished after this many polls (about 2.8 hours).
const MAX_POLLS: u32 = 1_000;

pub(crate) fn remote(message: String) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Remote, message)
}

/// The `id` of the job a creation request answered with.
pub(crate) fn job_id(created: &HttpResponse, what: &str) -> Result<String, ConnectorError> {
    let info: Value = created.json().map_err(|e| {
        remote(format!("Bulk {what} job creation answered without JSON")).with_source(e)
    })?;
    info.get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .ok_or_else(|| remote(format!("Bulk {what} job creation answered without an id")))
}

/// The state of a job info document.
pub(crate) fn state(info: &Value) -> &str {
    info.get("state").and_then(Value::as_str).unwrap_or("")
}

/// Polls `GET <path>` (a job's info resource) until the job is `JobComplete`, `Failed` or
/// `Aborted`, and returns that last info document. A job still running after the last poll
/// is a transient error: its work is not lost, and upserts can be sent again.
pub(crate) async fn wait_for_job(
    conn: &SalesforceConnector,
    path: &str,
) -> Result<Value, ConnectorError> {
    let mut pause = FIRST_POLL;
    for _ in 0..MAX_POLLS {
        tokio::time::sleep(pause).await;
        let info = conn.get_json(path).await?;
        if matches!(state(&info), "JobComplete" | "Failed" | "Aborted") {
            return Ok(info);
        }
        pause = (pause * 2).min(MAX_POLL);
    }
    Err(ConnectorError::new(
        CONNECTOR,
        ErrorKind::Transient,
        format!("the Bulk job at {path} did not finish in time"),
    ))
}
