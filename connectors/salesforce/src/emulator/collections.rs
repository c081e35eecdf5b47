//! sObject Collections upsert: `PATCH .../composite/sobjects/{S}/{ExternalIdField}`.
//!
//! A well-formed request answers 200 with one result per record, in input order; record
//! failures are reported in that array, never as an HTTP error. With `allOrNone`, one failure
//! rolls back every record and its siblings report `ALL_OR_NONE_OPERATION_ROLLED_BACK`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::describe::api_version;
use super::error::ApiError;
use super::records::fields_from_json;
use super::sobjects::{external_field, json_object};
use super::state::EmulatorState;
use super::validate::RecordError;
use super::write::{Fields, Saved};

/// Most records one collections request may carry.
pub(crate) const MAX_RECORDS: usize = 200;

/// `/composite/sobjects/{sobject}/{field}`.
#[derive(Debug, Deserialize)]
pub(crate) struct CollectionPath {
    version: String,
    sobject: String,
    field: String,
}

/// One upsert result.
#[derive(Debug, Serialize)]
pub(crate) struct UpsertResult {
    id: Option<String>,
    success: bool,
    errors: Vec<RecordError>,
    created: bool,
}

impl From<Result<Saved, RecordError>> for UpsertResult {
    fn from(r: Result<Saved, RecordError>) -> Self {
        match r {
            Ok(saved) => Self {
                id: Some(saved.id),
                success: true,
                errors: Vec::new(),
                created: saved.created,
            },
            Err(e) => Self {
                id: None,
                success: false,
                errors: vec![e],
                created: false,
            },
        }
    }
}

/// The collections upsert handler.
pub(crate) async fn upsert(
    State(state): State<EmulatorState>,
    Path(p): Path<CollectionPath>,
    body: Bytes,
) -> Result<Json<Vec<UpsertResult>>, ApiError> {
    api_version(&state, &p.version)?;
    let obj = state
        .schemas()
        .position(&p.sobject)
        .ok_or_else(|| ApiError::unknown_object(&p.sobject))?;
    let schema = state.schemas().get(obj).ok_or_else(ApiError::not_found)?;
    let ext = external_field(schema, &p.field)?;
    let body = json_object(&body)?;
    let all_or_none = match body.get("allOrNone") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ApiError::json_parser(format!(
                "Cannot deserialize instance of boolean from {other} value"
            )))
        }
    };
    let records = match body.get("records") {
        Some(Value::Array(list)) => list,
        _ => return Err(ApiError::json_parser("Expected records to be a JSON array")),
    };
    if records.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!("record limit reached. cannot submit more than {MAX_RECORDS} records into this call"),
        ));
    }
    let mut inputs: Vec<(Option<String>, Fields)> = Vec::with_capacity(records.len());
    for record in records {
        let Value::Object(map) = record else {
            return Err(ApiError::json_parser(
                "Expected each record to be a JSON object",
            ));
        };
        let type_name = map
            .get("attributes")
            .and_then(|a| a.get("type"))
            .and_then(Value::as_str);
        match type_name {
            None => {
                return Err(ApiError::bad_request(
                    "INVALID_TYPE",
                    "Must send a concrete entity type.",
                ))
            }
            Some(t) if !t.eq_ignore_ascii_case(schema.name) => {
                return Err(ApiError::bad_request(
                    "INVALID_TYPE",
                    format!(
                        "Record type {t} does not match the sObject type {} in the URL",
                        schema.name
                    ),
                ))
            }
            Some(_) => {}
        }
        let fields = fields_from_json(schema, map)?;
        let value = fields
            .iter()
            .find(|(idx, _)| *idx == ext)
            .and_then(|(_, v)| v.as_text())
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        inputs.push((value, fields));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (value, _) in &inputs {
        if let Some(v) = value {
            *seen.entry(v.to_lowercase()).or_default() += 1;
        }
    }
    let ext_name = schema.field_name(ext).to_string();
    let is_id = ext == schema.sys.id;
    let results: Vec<UpsertResult> = state.write(obj, true, |w| {
        let mut results: Vec<Result<Saved, RecordError>> = inputs
            .into_iter()
            .map(|(value, fields)| match value {
                Some(v) if seen.get(&v.to_lowercase()).copied().unwrap_or(0) > 1 => {
                    Err(RecordError::new(
                        "DUPLICATE_VALUE",
                        &format!("Duplicate external id specified: {v}"),
                        &[&ext_name],
                    ))
                }
                Some(v) => w.upsert(ext, &v, fields),
                None if is_id => w.upsert(ext, "", fields),
                None => Err(RecordError::new(
                    "MISSING_ARGUMENT",
                    &format!("{ext_name} not specified"),
                    &[&ext_name],
                )),
            })
            .collect();
        let failed = results.iter().any(Result::is_err);
        let rollback = all_or_none && failed;
        if rollback {
            for r in &mut results {
                if r.is_ok() {
                    *r = Err(RecordError::new(
                        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                        "Record rolled back because not all records were valid and the request \
                         was using AllOrNone header",
                        &[],
                    ));
                }
            }
        }
        (
            results.into_iter().map(UpsertResult::from).collect(),
            rollback,
        )
    });
    Ok(Json(results))
}
