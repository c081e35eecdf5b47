//! Processing an ingest job's CSV: one save per row, then the three result files.

use std::time::Instant;

use chrono::Utc;

use super::bulk::{shuffle, JobState};
use super::bulk_ingest::{IngestJob, IngestOp, IngestResults};
use super::schema::ObjectSchema;
use super::state::EmulatorState;
use super::validate::RecordError;
use super::value::from_csv;
use super::write::{FaultCtx, Fields, Stamp, Writer};

/// The parsed upload: header names and rows of cells.
struct Upload {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn parse(job: &IngestJob) -> Result<Upload, String> {
    let data = job
        .data
        .as_ref()
        .ok_or("No data was uploaded for this job")?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(job.dialect.delimiter)
        .flexible(true)
        .from_reader(data.as_ref());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("Unable to parse CSV: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err("No header row found".into());
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("Unable to parse CSV: {e}"))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(Upload { header, rows })
}

/// Results for a job that never processed anything: every uploaded row is unprocessed.
pub(crate) fn unprocessed_only(job: &IngestJob) -> IngestResults {
    let d = &job.dialect;
    let unprocessed = match parse(job) {
        Ok(upload) => {
            let mut out = d.line(&upload.header, false);
            for row in &upload.rows {
                out.push_str(&d.line(row, true));
            }
            out
        }
        Err(_) => job
            .data
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default(),
    };
    IngestResults {
        successful: d.line(&["sf__Id", "sf__Created"], true),
        failed: d.line(&["sf__Id", "sf__Error"], true),
        unprocessed,
    }
}

/// Processes a job that is `InProgress`; anything else is left alone.
pub(crate) fn run(state: &EmulatorState, id: &str) {
    let started = Instant::now();
    let mut guard = state.lock();
    let inner = &mut *guard;
    let Some(job) = inner.ingest_jobs.get_mut(id) else {
        return;
    };
    if job.state != JobState::InProgress {
        return;
    }
    let Some(schema) = state.schemas().get(job.object) else {
        return;
    };
    let upload = match parse(job).and_then(|u| check_header(schema, u)) {
        Ok(upload) => upload,
        Err(message) => {
            job.results = Some(unprocessed_only(job));
            job.data = None;
            job.error_message = Some(format!("InvalidBatch : {message}"));
            job.state = JobState::Failed;
            job.modstamp = Utc::now();
            return;
        }
    };
    let faults = FaultCtx {
        faults: &inner.faults,
        rng: &mut inner.fault_rng,
    };
    let mut writer = Writer::new(&mut inner.store, job.object, Some(faults));
    let mut ok_rows: Vec<Vec<String>> = Vec::new();
    let mut bad_rows: Vec<Vec<String>> = Vec::new();
    let id_col = column(schema, &upload.header, schema.sys.id);
    for row in &upload.rows {
        let given_id = id_col.and_then(|c| row.get(c)).cloned().unwrap_or_default();
        match save_row(&mut writer, schema, job, &upload.header, row) {
            Ok((id, created)) => {
                let mut out = vec![id, created.to_string()];
                out.extend(row.iter().cloned());
                ok_rows.push(out);
            }
            Err(e) => {
                let mut out = vec![given_id, e.bulk_cell()];
                out.extend(row.iter().cloned());
                bad_rows.push(out);
            }
        }
    }
    drop(writer);
    shuffle(&mut ok_rows, &job.id);
    shuffle(&mut bad_rows, &job.id);
    let d = &job.dialect;
    let render = |first: [&str; 2], rows: &[Vec<String>]| {
        let mut out = d.result_header(first, &upload.header);
        for row in rows {
            out.push_str(&d.line(row, true));
        }
        out
    };
    job.results = Some(IngestResults {
        successful: render(["sf__Id", "sf__Created"], &ok_rows),
        failed: render(["sf__Id", "sf__Error"], &bad_rows),
        unprocessed: d.line(&upload.header, false),
    });
    job.processed = (ok_rows.len() + bad_rows.len()) as u64;
    job.failed = bad_rows.len() as u64;
    job.processing_ms = started.elapsed().as_millis().min(u128::from(u64::MAX)) as u64;
    job.state = JobState::JobComplete;
    job.modstamp = Utc::now();
    // The result files now carry everything the job can still be asked for.
    job.data = None;
}

/// Every header must name a field of the object.
fn check_header(schema: &ObjectSchema, upload: Upload) -> Result<Upload, String> {
    for name in &upload.header {
        if schema.field_index(name).is_none() {
            return Err(format!("Field name not found : {name}"));
        }
    }
    Ok(upload)
}

fn column(schema: &ObjectSchema, header: &[String], field: usize) -> Option<usize> {
    header
        .iter()
        .position(|h| schema.field_index(h) == Some(field))
}

/// Saves one row; returns the record id and whether it was created.
fn save_row(
    writer: &mut Writer<'_>,
    schema: &ObjectSchema,
    job: &IngestJob,
    header: &[String],
    row: &[String],
) -> Result<(String, bool), RecordError> {
    if row.len() != header.len() {
        return Err(RecordError::new(
            "INVALID_FIELD",
            &format!(
                "Wrong number of columns: expected {}, found {}",
                header.len(),
                row.len()
            ),
            &[],
        ));
    }
    let mut fields: Fields = Vec::with_capacity(row.len());
    for (name, cell) in header.iter().zip(row) {
        let idx = schema.field_index(name).unwrap_or(usize::MAX);
        let Some(def) = schema.field(idx) else {
            continue;
        };
        match from_csv(def, cell) {
            Ok(Some(val)) => fields.push((idx, val)),
            Ok(None) => {}
            Err(msg) => return Err(RecordError::new("INVALID_FIELD", &msg, &[&def.name])),
        }
    }
    let sys = schema.sys;
    let cell_of = |field: usize| {
        column(schema, header, field)
            .and_then(|c| row.get(c))
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let missing = |what: &str, call: &str| {
        RecordError::new(
            "MISSING_ARGUMENT",
            &format!("{what} not specified in an {call} call"),
            &[],
        )
    };
    match job.operation {
        IngestOp::Insert => writer.create(fields).map(|id| (id, true)),
        IngestOp::Update => {
            let id = cell_of(sys.id).ok_or_else(|| missing("Id", "update"))?;
            fields.retain(|(idx, _)| *idx != sys.id);
            writer
                .update(&id, fields, Stamp::User)
                .map(|()| (id, false))
        }
        IngestOp::Upsert => {
            let ext = job.external_id.unwrap_or(sys.external_id);
            let value = cell_of(ext);
            if ext == sys.id {
                fields.retain(|(idx, _)| *idx != sys.id);
                return writer
                    .upsert(ext, value.as_deref().unwrap_or(""), fields)
                    .map(|s| (s.id, s.created));
            }
            let value = value.ok_or_else(|| missing(schema.field_name(ext), "upsert"))?;
            writer
                .upsert(ext, &value, fields)
                .map(|s| (s.id, s.created))
        }
        IngestOp::Delete => {
            let id = cell_of(sys.id).ok_or_else(|| missing("Id", "delete"))?;
            writer.delete(&id).map(|()| (id, false))
        }
        IngestOp::HardDelete => {
            let id = cell_of(sys.id).ok_or_else(|| missing("Id", "delete"))?;
            writer.hard_delete(&id).map(|()| (id, false))
        }
    }
}
