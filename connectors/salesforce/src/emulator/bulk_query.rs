//! Bulk API 2.0 query jobs: create, poll, page through CSV results with a locator.
//!
//! The result set is snapshotted when the job completes. Pages are addressed by
//! `Sforce-Locator` (base64 of the next row offset, as Salesforce's look); the last page says
//! `null`. Compound fields are refused at creation, as in Salesforce.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::bulk::{job_error, no_job, prune, requested_state, state_error, Dialect, JobState};
use super::clock::format_rest;
use super::describe::api_version;
use super::error::ApiError;
use super::fields::FieldType;
use super::ids;
use super::query::MAX_SOQL_CHARS;
use super::records::render_csv;
use super::sobjects::json_object;
use super::soql::{self, Plan};
use super::state::EmulatorState;

/// Page size when the client sends no `maxRecords`.
const DEFAULT_MAX_RECORDS: usize = 100_000;

/// One query job.
#[derive(Debug)]
pub(crate) struct QueryJob {
    pub id: String,
    pub include_deleted: bool,
    pub soql: String,
    pub plan: Plan,
    pub object_name: String,
    pub dialect: Dialect,
    pub state: JobState,
    pub created: DateTime<Utc>,
    pub modstamp: DateTime<Utc>,
    pub api_version: String,
    /// Header line, then one CSV line per record, filled in on completion.
    pub header: String,
    pub rows: Vec<String>,
    pub processing_ms: u64,
}

impl QueryJob {
    fn info(&self, state: &EmulatorState, full: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "operation": if self.include_deleted { "queryAll" } else { "query" },
            "object": self.object_name,
            "createdById": state.config().user_id,
            "createdDate": format_rest(&self.created),
            "systemModstamp": format_rest(&self.modstamp),
            "state": self.state.name(),
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": self.api_version.parse::<f64>().unwrap_or(0.0),
            "lineEnding": self.dialect.line_ending,
            "columnDelimiter": self.dialect.delimiter_name,
        });
        if let (true, Some(obj)) = (full, v.as_object_mut()) {
            obj.insert("jobType".into(), json!("V2Query"));
            obj.insert("numberRecordsProcessed".into(), json!(self.rows.len()));
            obj.insert("retries".into(), json!(0));
            obj.insert("totalProcessingTime".into(), json!(self.processing_ms));
            obj.insert("query".into(), json!(self.soql));
        }
        v
    }
}

/// `/jobs/query`.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionPath {
    version: String,
}

/// `/jobs/query/{job}...`.
#[derive(Debug, Deserialize)]
pub(crate) struct JobPath {
    version: String,
    job: String,
}

/// `POST .../jobs/query`.
pub(crate) async fn create(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let version = api_version(&state, &p.version)?;
    let body = json_object(&body)?;
    let include_deleted = match body.get("operation").and_then(Value::as_str) {
        Some("query") => false,
        Some("queryAll") => true,
        other => {
            return Err(job_error(format!(
                "Invalid operation: {}",
                other.unwrap_or("")
            )))
        }
    };
    let text = body
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if text.trim().is_empty() {
        return Err(job_error("query is required"));
    }
    if text.chars().count() > MAX_SOQL_CHARS {
        return Err(job_error(format!(
            "SOQL statements cannot be longer than {MAX_SOQL_CHARS} characters"
        )));
    }
    let plan = soql::compile(&text, state.schemas())?;
    let schema = state
        .schemas()
        .get(plan.obj)
        .ok_or_else(ApiError::not_found)?;
    let Some(fields) = &plan.fields else {
        return Err(ApiError::bad_request(
            "API_ERROR",
            "Aggregate queries are not supported by Bulk API",
        ));
    };
    if fields.iter().any(|&f| {
        schema
            .field(f)
            .is_some_and(|d| d.ftype == FieldType::Address)
    }) {
        return Err(ApiError::bad_request(
            "API_ERROR",
            "Selecting compound data not supported in Bulk Query",
        ));
    }
    if plan.offset > 0 {
        return Err(ApiError::bad_request(
            "API_ERROR",
            "OFFSET is not supported by Bulk API",
        ));
    }
    let dialect = Dialect::from_request(&body)?;
    let now = Utc::now();
    let info = {
        let mut inner = state.lock();
        prune(&mut inner.query_jobs, |j| {
            j.state.is_terminal().then_some(j.modstamp)
        });
        let id = ids::opaque("750", 15, &mut inner.id_rng);
        let job = QueryJob {
            id: id.clone(),
            include_deleted,
            soql: text,
            object_name: schema.name.to_string(),
            plan,
            dialect,
            state: JobState::UploadComplete,
            created: now,
            modstamp: now,
            api_version: version,
            header: String::new(),
            rows: Vec::new(),
            processing_ms: 0,
        };
        let info = job.info(&state, false);
        inner.query_jobs.insert(id.clone(), job);
        spawn(state.clone(), id);
        info
    };
    Ok(Json(info))
}

fn spawn(state: EmulatorState, id: String) {
    let delay = state.config().bulk_delay;
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        {
            let mut inner = state.lock();
            match inner.query_jobs.get_mut(&id) {
                Some(job) if job.state == JobState::UploadComplete => {
                    job.state = JobState::InProgress;
                    job.modstamp = Utc::now();
                }
                _ => return,
            }
        }
        tokio::time::sleep(delay).await;
        run(&state, &id);
    });
}

/// Runs the query and stores the CSV lines.
fn run(state: &EmulatorState, id: &str) {
    let started = std::time::Instant::now();
    let mut guard = state.lock();
    let inner = &mut *guard;
    let Some(job) = inner.query_jobs.get_mut(id) else {
        return;
    };
    if job.state != JobState::InProgress {
        return;
    }
    let (Some(schema), Some(table)) = (
        state.schemas().get(job.plan.obj),
        inner.store.table(job.plan.obj),
    ) else {
        return;
    };
    let fields = job.plan.fields.clone().unwrap_or_default();
    let names: Vec<&str> = fields.iter().map(|&f| schema.field_name(f)).collect();
    job.header = job.dialect.line(&names, true);
    job.rows = job
        .plan
        .run(schema, table, job.include_deleted)
        .into_iter()
        .map(|row| {
            let cells: Vec<String> = fields.iter().map(|&f| render_csv(schema, f, row)).collect();
            job.dialect.line(&cells, true)
        })
        .collect();
    job.processing_ms = started.elapsed().as_millis().min(u128::from(u64::MAX)) as u64;
    job.state = JobState::JobComplete;
    job.modstamp = Utc::now();
}

/// `GET .../jobs/query`.
pub(crate) async fn list(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
) -> Result<Json<Value>, ApiError> {
    api_version(&state, &p.version)?;
    let inner = state.lock();
    let records: Vec<Value> = inner
        .query_jobs
        .values()
        .map(|j| j.info(&state, false))
        .collect();
    Ok(Json(
        json!({"done": true, "records": records, "nextRecordsUrl": null}),
    ))
}

/// `GET .../jobs/query/{id}`.
pub(crate) async fn info(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
) -> Result<Json<Value>, ApiError> {
    api_version(&state, &p.version)?;
    let inner = state.lock();
    let job = inner.query_jobs.get(&p.job).ok_or_else(|| no_job(&p.job))?;
    Ok(Json(job.info(&state, true)))
}

/// `PATCH .../jobs/query/{id}` with `{"state": "Aborted"}`.
pub(crate) async fn set_state(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    api_version(&state, &p.version)?;
    let wanted = requested_state(&body)?;
    let mut inner = state.lock();
    let job = inner
        .query_jobs
        .get_mut(&p.job)
        .ok_or_else(|| no_job(&p.job))?;
    if wanted != "Aborted" || job.state.is_terminal() {
        return Err(state_error(format!(
            "Cannot change the state of job {} from {} to {wanted}",
            job.id,
            job.state.name()
        )));
    }
    job.state = JobState::Aborted;
    job.modstamp = Utc::now();
    Ok(Json(job.info(&state, false)))
}

/// `DELETE .../jobs/query/{id}`.
pub(crate) async fn delete(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
) -> Result<StatusCode, ApiError> {
    api_version(&state, &p.version)?;
    let mut inner = state.lock();
    let job = inner.query_jobs.get(&p.job).ok_or_else(|| no_job(&p.job))?;
    if job.state == JobState::InProgress {
        return Err(state_error(format!("Job {} is still in progress", job.id)));
    }
    inner.query_jobs.remove(&p.job);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET .../jobs/query/{id}/results?maxRecords=&locator=`.
pub(crate) async fn results(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let version = api_version(&state, &p.version)?;
    let max = match q.get("maxRecords") {
        Some(m) => m.parse::<usize>().ok().filter(|&m| m > 0).ok_or_else(|| {
            ApiError::bad_request("INVALIDJOB", format!("Invalid maxRecords value: {m}"))
        })?,
        None => DEFAULT_MAX_RECORDS,
    };
    let offset = match q.get("locator").map(String::as_str) {
        None | Some("") | Some("null") => 0,
        Some(loc) => decode_locator(loc).ok_or_else(|| {
            ApiError::bad_request("INVALIDJOB", format!("Invalid locator: {loc}"))
        })?,
    };
    let inner = state.lock();
    let job = inner.query_jobs.get(&p.job).ok_or_else(|| no_job(&p.job))?;
    if job.api_version != version {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "INVALIDJOB",
            format!(
                "Job was created in API version {}; request its results with the same version",
                job.api_version
            ),
        ));
    }
    if job.state != JobState::JobComplete {
        return Err(state_error(format!(
            "Job {} is not complete: {}",
            job.id,
            job.state.name()
        )));
    }
    let end = offset.saturating_add(max).min(job.rows.len());
    let page = job.rows.get(offset.min(end)..end).unwrap_or(&[]);
    let mut body =
        String::with_capacity(job.header.len() + page.iter().map(String::len).sum::<usize>());
    body.push_str(&job.header);
    for line in page {
        body.push_str(line);
    }
    let locator = if end < job.rows.len() {
        STANDARD.encode(end.to_string())
    } else {
        "null".into()
    };
    let mut response = ([(header::CONTENT_TYPE, "text/csv")], body).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&page.len().to_string()) {
        headers.insert("Sforce-NumberOfRecords", v);
    }
    if let Ok(v) = HeaderValue::from_str(&locator) {
        headers.insert("Sforce-Locator", v);
    }
    Ok(response)
}

fn decode_locator(loc: &str) -> Option<usize> {
    let bytes = STANDARD.decode(loc).ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}
