//! Bulk API 2.0 ingest jobs: create, upload CSV, close or abort, poll, fetch results.
//!
//! Closing a job (`UploadComplete`) starts asynchronous processing: after the configured
//! delay the job is `InProgress`, after another it is `JobComplete` (or `Failed` when the
//! upload itself is unusable). Rows are validated and saved exactly like REST writes.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::bulk::{job_error, no_job, prune, requested_state, state_error, Dialect, JobState};
use super::bulk_process;
use super::clock::format_rest;
use super::describe::api_version;
use super::error::ApiError;
use super::ids;
use super::sobjects::{external_field, json_object};
use super::state::EmulatorState;

/// Ingest operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IngestOp {
    Insert,
    Update,
    Upsert,
    Delete,
    HardDelete,
}

impl IngestOp {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "insert" => Self::Insert,
            "update" => Self::Update,
            "upsert" => Self::Upsert,
            "delete" => Self::Delete,
            "hardDelete" => Self::HardDelete,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Upsert => "upsert",
            Self::Delete => "delete",
            Self::HardDelete => "hardDelete",
        }
    }
}

/// Result files of a processed job.
#[derive(Debug, Default)]
pub(crate) struct IngestResults {
    pub successful: String,
    pub failed: String,
    pub unprocessed: String,
}

/// One ingest job.
#[derive(Debug)]
pub(crate) struct IngestJob {
    pub id: String,
    pub object: usize,
    pub object_name: String,
    pub operation: IngestOp,
    pub external_id: Option<usize>,
    pub dialect: Dialect,
    pub state: JobState,
    pub created: DateTime<Utc>,
    pub modstamp: DateTime<Utc>,
    pub api_version: String,
    pub data: Option<Bytes>,
    pub results: Option<IngestResults>,
    pub processed: u64,
    pub failed: u64,
    pub error_message: Option<String>,
    pub processing_ms: u64,
}

impl IngestJob {
    fn info(&self, state: &EmulatorState, full: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "operation": self.operation.name(),
            "object": self.object_name,
            "createdById": state.config().user_id,
            "createdDate": format_rest(&self.created),
            "systemModstamp": format_rest(&self.modstamp),
            "state": self.state.name(),
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": self.api_version.parse::<f64>().unwrap_or(0.0),
            "contentUrl": format!("services/data/v{}/jobs/ingest/{}/batches", self.api_version, self.id),
            "lineEnding": self.dialect.line_ending,
            "columnDelimiter": self.dialect.delimiter_name,
        });
        if let Some(obj) = v.as_object_mut() {
            if let Some(ext) = self.external_id {
                let name = state
                    .schemas()
                    .get(self.object)
                    .map(|s| s.field_name(ext).to_string());
                obj.insert("externalIdFieldName".into(), json!(name));
            }
            if full {
                obj.insert("jobType".into(), json!("V2Ingest"));
                obj.insert("numberRecordsProcessed".into(), json!(self.processed));
                obj.insert("numberRecordsFailed".into(), json!(self.failed));
                obj.insert("retries".into(), json!(0));
                obj.insert("totalProcessingTime".into(), json!(self.processing_ms));
                obj.insert("apiActiveProcessingTime".into(), json!(self.processing_ms));
                obj.insert("apexProcessingTime".into(), json!(0));
                if let Some(msg) = &self.error_message {
                    obj.insert("errorMessage".into(), json!(msg));
                }
            }
        }
        v
    }
}

/// `/jobs/ingest`.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionPath {
    version: String,
}

/// `/jobs/ingest/{job}...`.
#[derive(Debug, Deserialize)]
pub(crate) struct JobPath {
    version: String,
    job: String,
}

/// `POST .../jobs/ingest`.
pub(crate) async fn create(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let version = api_version(&state, &p.version)?;
    let body = json_object(&body)?;
    let object_name = body.get("object").and_then(Value::as_str).unwrap_or("");
    let obj = state.schemas().position(object_name).ok_or_else(|| {
        ApiError::bad_request(
            "INVALIDENTITY",
            format!("Entity '{object_name}' is not supported by the Bulk API."),
        )
    })?;
    let schema = state.schemas().get(obj).ok_or_else(ApiError::not_found)?;
    let op_name = body.get("operation").and_then(Value::as_str).unwrap_or("");
    let operation = IngestOp::parse(op_name)
        .ok_or_else(|| job_error(format!("Invalid operation: {op_name}")))?;
    let external_id = match (
        operation,
        body.get("externalIdFieldName").and_then(Value::as_str),
    ) {
        (IngestOp::Upsert, Some(name)) => Some(external_field(schema, name)?),
        (IngestOp::Upsert, None) => {
            return Err(job_error(
                "External ID was blank for upsert. An External ID is required.",
            ))
        }
        _ => None,
    };
    let dialect = Dialect::from_request(&body)?;
    let now = Utc::now();
    let mut inner = state.lock();
    prune(&mut inner.ingest_jobs, |j| {
        j.state.is_terminal().then_some(j.modstamp)
    });
    let id = ids::opaque("750", 15, &mut inner.id_rng);
    let job = IngestJob {
        id: id.clone(),
        object: obj,
        object_name: schema.name.to_string(),
        operation,
        external_id,
        dialect,
        state: JobState::Open,
        created: now,
        modstamp: now,
        api_version: version,
        data: None,
        results: None,
        processed: 0,
        failed: 0,
        error_message: None,
        processing_ms: 0,
    };
    let info = job.info(&state, false);
    inner.ingest_jobs.insert(id, job);
    Ok(Json(info))
}

/// `GET .../jobs/ingest`.
pub(crate) async fn list(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
) -> Result<Json<Value>, ApiError> {
    api_version(&state, &p.version)?;
    let inner = state.lock();
    let records: Vec<Value> = inner
        .ingest_jobs
        .values()
        .map(|j| j.info(&state, false))
        .collect();
    Ok(Json(
        json!({"done": true, "records": records, "nextRecordsUrl": null}),
    ))
}

/// `GET .../jobs/ingest/{id}`.
pub(crate) async fn info(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
) -> Result<Json<Value>, ApiError> {
    api_version(&state, &p.version)?;
    let inner = state.lock();
    let job = inner
        .ingest_jobs
        .get(&p.job)
        .ok_or_else(|| no_job(&p.job))?;
    Ok(Json(job.info(&state, true)))
}

/// `PUT .../jobs/ingest/{id}/batches`: 201; one upload per job.
pub(crate) async fn upload(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    api_version(&state, &p.version)?;
    let mut inner = state.lock();
    let job = inner
        .ingest_jobs
        .get_mut(&p.job)
        .ok_or_else(|| no_job(&p.job))?;
    if job.state != JobState::Open {
        return Err(state_error(format!(
            "Job {} is not in the Open state",
            job.id
        )));
    }
    if job.data.is_some() {
        return Err(state_error(format!(
            "Found multiple contents for job: <{}>, please 'Close' / 'Abort' / 'Delete' the \
             current Job then create a new Job and make sure the content is uploaded only once \
             per job",
            job.id
        )));
    }
    job.data = Some(body);
    job.modstamp = Utc::now();
    Ok(StatusCode::CREATED)
}

/// `PATCH .../jobs/ingest/{id}`: `UploadComplete` starts processing; `Aborted` stops it.
pub(crate) async fn set_state(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    api_version(&state, &p.version)?;
    let wanted = requested_state(&body)?;
    let info = {
        let mut inner = state.lock();
        let job = inner
            .ingest_jobs
            .get_mut(&p.job)
            .ok_or_else(|| no_job(&p.job))?;
        match (wanted.as_str(), job.state) {
            ("UploadComplete", JobState::Open) => job.state = JobState::UploadComplete,
            ("Aborted", s) if !s.is_terminal() => job.state = JobState::Aborted,
            (w, s) => {
                return Err(state_error(format!(
                    "Cannot change the state of job {} from {} to {w}",
                    job.id,
                    s.name()
                )))
            }
        }
        job.modstamp = Utc::now();
        if job.state == JobState::Aborted {
            job.results = Some(bulk_process::unprocessed_only(job));
            job.data = None;
        }
        job.info(&state, false)
    };
    if wanted == "UploadComplete" {
        spawn_processing(state.clone(), p.job.clone());
    }
    Ok(Json(info))
}

fn spawn_processing(state: EmulatorState, id: String) {
    let delay = state.config().bulk_delay;
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        {
            let mut inner = state.lock();
            match inner.ingest_jobs.get_mut(&id) {
                Some(job) if job.state == JobState::UploadComplete => {
                    job.state = JobState::InProgress;
                    job.modstamp = Utc::now();
                }
                _ => return,
            }
        }
        tokio::time::sleep(delay).await;
        bulk_process::run(&state, &id);
    });
}

/// `DELETE .../jobs/ingest/{id}`: 204 for jobs that are no longer running.
pub(crate) async fn delete(
    State(state): State<EmulatorState>,
    Path(p): Path<JobPath>,
) -> Result<StatusCode, ApiError> {
    api_version(&state, &p.version)?;
    let mut inner = state.lock();
    let job = inner
        .ingest_jobs
        .get(&p.job)
        .ok_or_else(|| no_job(&p.job))?;
    if matches!(job.state, JobState::InProgress) {
        return Err(state_error(format!("Job {} is still in progress", job.id)));
    }
    inner.ingest_jobs.remove(&p.job);
    Ok(StatusCode::NO_CONTENT)
}

/// Which result file to return.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ResultKind {
    Successful,
    Failed,
    Unprocessed,
}

async fn results(state: EmulatorState, p: JobPath, kind: ResultKind) -> Result<Response, ApiError> {
    api_version(&state, &p.version)?;
    let inner = state.lock();
    let job = inner
        .ingest_jobs
        .get(&p.job)
        .ok_or_else(|| no_job(&p.job))?;
    let Some(results) = job.results.as_ref().filter(|_| job.state.is_terminal()) else {
        return Err(state_error(format!(
            "Job {} has not finished processing",
            job.id
        )));
    };
    let body = match kind {
        ResultKind::Successful => results.successful.clone(),
        ResultKind::Failed => results.failed.clone(),
        ResultKind::Unprocessed => results.unprocessed.clone(),
    };
    Ok(([(header::CONTENT_TYPE, "text/csv")], body).into_response())
}

/// `GET .../successfulResults`.
pub(crate) async fn successful(
    State(s): State<EmulatorState>,
    Path(p): Path<JobPath>,
) -> Result<Response, ApiError> {
    results(s, p, ResultKind::Successful).await
}

/// `GET .../failedResults`.
pub(crate) async fn failed(
    State(s): State<EmulatorState>,
    Path(p): Path<JobPath>,
) -> Result<Response, ApiError> {
    results(s, p, ResultKind::Failed).await
}

/// `GET .../unprocessedrecords`.
pub(crate) async fn unprocessed(
    State(s): State<EmulatorState>,
    Path(p): Path<JobPath>,
) -> Result<Response, ApiError> {
    results(s, p, ResultKind::Unprocessed).await
}
