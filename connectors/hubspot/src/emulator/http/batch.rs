//! Batch routes: read, create, update, upsert, archive (at most 100 inputs each).
//!
//! Partial failure answers `207 Multi-Status` with the successful `results` plus
//! `numErrors`/`errors`, one error per failed input (batch read groups missing ids into one
//! error, as HubSpot does). Batch create is all-or-nothing unless every input carries a
//! distinct `objectWriteTraceId`, which is how HubSpot clients opt into partial success.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{json, Value};

use super::common::{
    check_batch_size, failure_item, failure_response, forced_rejection, unknown_type, ObjectPath,
};
use crate::emulator::clock::iso;
use crate::emulator::errors::{json_response, ApiError};
use crate::emulator::state::EmulatorState;
use crate::emulator::store::InputFailure;
use crate::emulator::validate::{is_valid_email, PropIssue};
use crate::emulator::wire::{
    parse_body, props_from, record_json, scalar_text, string_list, QueryParams, Selection,
};

/// The `inputs` array of a batch body, size-checked.
fn inputs(body: &Value) -> Result<&Vec<Value>, ApiError> {
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::validation("Invalid input JSON: `inputs` must be an array"))?;
    check_batch_size(inputs.len())?;
    Ok(inputs)
}

fn input_id(input: &Value) -> String {
    input.get("id").map(scalar_text).unwrap_or_default()
}

/// Rejects repeated ids in update and upsert batches, as HubSpot does.
fn check_duplicates(ids: &[String], normalize: impl Fn(&str) -> String) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    let dupes: Vec<&str> = ids
        .iter()
        .filter(|id| !seen.insert(normalize(id)))
        .map(String::as_str)
        .collect();
    if dupes.is_empty() {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "Duplicate IDs found in batch input: [{}]. IDs must be unique",
        dupes.join(", ")
    )))
}

/// The batch envelope: 200/201 when clean, 207 with errors.
fn envelope(
    ok: StatusCode,
    started: chrono::DateTime<Utc>,
    results: Vec<Value>,
    errors: Vec<Value>,
) -> Response {
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started),
        "completedAt": iso(Utc::now()),
    });
    let status = if errors.is_empty() {
        ok
    } else {
        body["numErrors"] = json!(errors.len());
        body["errors"] = json!(errors);
        StatusCode::MULTI_STATUS
    };
    json_response(status, &body)
}

/// `POST …/batch/read`.
pub(crate) async fn read(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    Query(query): Query<Vec<(String, String)>>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let started = Utc::now();
    let archived = QueryParams(query).flag("archived")?;
    let body: Value = parse_body(&body)?;
    let inputs = inputs(&body)?;
    let properties = string_list(body.get("properties"));
    let id_property = body.get("idProperty").and_then(Value::as_str);
    let store = state.store();
    let table = store
        .table(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for input in inputs {
        let id = input_id(input);
        match table.lookup(&id, id_property, archived) {
            Some(record) => results.push(record_json(
                record,
                &table.schema,
                Selection::from_list(&properties),
            )),
            None => missing.push(id),
        }
    }
    let errors = if missing.is_empty() {
        Vec::new()
    } else {
        vec![json!({
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": format!(
                "Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.",
                table.schema.display.to_uppercase()
            ),
            "context": {"ids": missing},
            "errors": [],
            "links": {},
        })]
    };
    Ok(envelope(StatusCode::OK, started, results, errors))
}

/// `POST …/batch/create`.
pub(crate) async fn create(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let started = Utc::now();
    let body: Value = parse_body(&body)?;
    let inputs = inputs(&body)?;
    let rejects = state.fault_engine().rejects();
    let mut store = state.store();
    let (table, clock) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let traces: Vec<Option<String>> = inputs
        .iter()
        .map(|i| {
            i.get("objectWriteTraceId")
                .map(scalar_text)
                .filter(|t| !t.is_empty())
        })
        .collect();
    let distinct: HashSet<&String> = traces.iter().flatten().collect();
    let partial_ok = distinct.len() == inputs.len();
    // Validate everything first so an all-or-nothing batch writes nothing on failure.
    let mut claimed = HashSet::new();
    let mut checked = Vec::with_capacity(inputs.len());
    for input in inputs {
        let outcome = props_from(input.get("properties"))
            .map_err(|e| InputFailure::BadInput(e.message().to_owned()))
            .and_then(|props| {
                table.check(&props, None, &rejects, &claimed)?;
                claimed.extend(table.unique_values(&props));
                Ok(props)
            });
        checked.push(outcome);
    }
    if !partial_ok {
        if let Some(Err(failure)) = checked.iter().find(|c| c.is_err()).cloned() {
            return Err(failure_response(failure, &table.schema));
        }
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (outcome, trace) in checked.into_iter().zip(traces) {
        match outcome {
            Ok(props) => {
                let record = table.insert(props, clock.tick(), None);
                results.push(record_json(&record, &table.schema, Selection::All));
            }
            Err(failure) => errors.push(failure_item(
                failure,
                &table.schema,
                "objectWriteTraceId",
                trace.as_deref(),
            )),
        }
    }
    Ok(envelope(StatusCode::CREATED, started, results, errors))
}

/// `POST …/batch/update`: inputs address records by id or by `idProperty`.
pub(crate) async fn update(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let started = Utc::now();
    let body: Value = parse_body(&body)?;
    let inputs = inputs(&body)?;
    let ids: Vec<String> = inputs.iter().map(input_id).collect();
    check_duplicates(&ids, |id| id.trim().to_lowercase())?;
    let rejects = state.fault_engine().rejects();
    let mut store = state.store();
    let (table, clock) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (input, id) in inputs.iter().zip(&ids) {
        let id_property = input.get("idProperty").and_then(Value::as_str);
        let outcome = props_from(input.get("properties"))
            .map_err(|e| InputFailure::BadInput(e.message().to_owned()))
            .and_then(|props| {
                let key = table
                    .find_live(id, id_property)
                    .ok_or_else(|| InputFailure::NotFound(id.clone()))?;
                let prop_name = id_property.unwrap_or("hs_object_id");
                if let Some(failure) = forced_rejection(&rejects, id, prop_name) {
                    return Err(failure);
                }
                table.check(&props, Some(key), &rejects, &HashSet::new())?;
                table
                    .update(key, props, clock.tick())
                    .ok_or_else(|| InputFailure::NotFound(id.clone()))
            });
        match outcome {
            Ok(record) => results.push(record_json(&record, &table.schema, Selection::All)),
            Err(failure) => errors.push(failure_item(failure, &table.schema, "ids", Some(id))),
        }
    }
    Ok(envelope(StatusCode::OK, started, results, errors))
}

/// `POST …/batch/upsert`: create or update by a unique property (`idProperty` per input).
pub(crate) async fn upsert(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let started = Utc::now();
    let body: Value = parse_body(&body)?;
    let inputs = inputs(&body)?;
    let ids: Vec<String> = inputs.iter().map(input_id).collect();
    check_duplicates(&ids, |id| id.trim().to_lowercase())?;
    let rejects = state.fault_engine().rejects();
    let mut store = state.store();
    let (table, clock) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (input, id) in inputs.iter().zip(&ids) {
        let id_property = input
            .get("idProperty")
            .and_then(Value::as_str)
            .unwrap_or("hs_object_id")
            .to_owned();
        let outcome = props_from(input.get("properties"))
            .map_err(|e| InputFailure::BadInput(e.message().to_owned()))
            .and_then(|mut props| {
                if !table.is_unique_prop(&id_property) {
                    return Err(InputFailure::BadInput(format!(
                        "{id_property} is not a unique identifier property of {}",
                        table.schema.name
                    )));
                }
                if id.trim().is_empty() {
                    return Err(InputFailure::BadInput(format!(
                        "Upsert input is missing a value for the unique property {id_property}"
                    )));
                }
                if id_property == "email" && !is_valid_email(id) {
                    return Err(InputFailure::Invalid(vec![PropIssue::invalid_email(id)]));
                }
                if let Some(failure) = forced_rejection(&rejects, id, &id_property) {
                    return Err(failure);
                }
                let key = table.find_live(id, Some(&id_property));
                if id_property == "hs_object_id" {
                    let key = key.ok_or_else(|| InputFailure::NotFound(id.clone()))?;
                    table.check(&props, Some(key), &rejects, &HashSet::new())?;
                    let record = table.update(key, props, clock.tick());
                    return record
                        .map(|r| (r, false))
                        .ok_or_else(|| InputFailure::NotFound(id.clone()));
                }
                props.insert(id_property.clone(), id.clone());
                table.check(&props, key, &rejects, &HashSet::new())?;
                match key {
                    Some(key) => table
                        .update(key, props, clock.tick())
                        .map(|r| (r, false))
                        .ok_or_else(|| InputFailure::NotFound(id.clone())),
                    None => Ok((table.insert(props, clock.tick(), None), true)),
                }
            });
        match outcome {
            Ok((record, new)) => {
                let mut item = record_json(&record, &table.schema, Selection::All);
                item["new"] = json!(new);
                results.push(item);
            }
            Err(failure) => errors.push(failure_item(failure, &table.schema, "ids", Some(id))),
        }
    }
    Ok(envelope(StatusCode::OK, started, results, errors))
}

/// `POST …/batch/archive`: 204, ignoring ids that do not exist.
pub(crate) async fn archive(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: Value = parse_body(&body)?;
    let inputs = inputs(&body)?;
    let mut store = state.store();
    let (table, clock) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    for input in inputs {
        if let Some(key) = table.find_live(&input_id(input), None) {
            table.archive(key, clock.tick());
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
