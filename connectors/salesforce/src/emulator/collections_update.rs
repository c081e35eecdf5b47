//! sObject Collections update: `PATCH .../composite/sobjects`, records addressed by their
//! `Id` (each carries `attributes.type`). Per-record results in input order; record failures
//! never fail the request. With `allOrNone`, one failure rolls every record back.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::collections::MAX_RECORDS;
use super::describe::api_version;
use super::error::ApiError;
use super::records::fields_from_json;
use super::sobjects::json_object;
use super::state::EmulatorState;
use super::validate::RecordError;
use super::write::{Fields, Stamp};

/// `/services/data/{version}/composite/sobjects`.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionOnly {
    version: String,
}

/// One update result.
#[derive(Debug, Serialize)]
pub(crate) struct UpdateResult {
    id: Option<String>,
    success: bool,
    errors: Vec<RecordError>,
}

/// A parsed input: object position, id, fields; or the error for that record alone.
type Input = Result<(usize, String, Fields), RecordError>;

fn parse_record(state: &EmulatorState, record: &Value) -> Result<Input, ApiError> {
    let Value::Object(map) = record else {
        return Err(ApiError::json_parser(
            "Expected each record to be a JSON object",
        ));
    };
    let type_name = map
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::bad_request("INVALID_TYPE", "Must send a concrete entity type.")
        })?;
    let obj = state
        .schemas()
        .position(type_name)
        .ok_or_else(|| ApiError::unknown_object(type_name))?;
    let schema = state.schemas().get(obj).ok_or_else(ApiError::not_found)?;
    let id = ["Id", "id"]
        .iter()
        .find_map(|k| map.get(*k))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    let Some(id) = id else {
        return Ok(Err(RecordError::new(
            "MISSING_ARGUMENT",
            "Id not specified in an update call",
            &[],
        )));
    };
    let rest: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "Id" && k.as_str() != "id")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Ok((obj, id, fields_from_json(schema, &rest)?)))
}

fn result(r: Result<String, RecordError>) -> UpdateResult {
    match r {
        Ok(id) => UpdateResult {
            id: Some(id),
            success: true,
            errors: Vec::new(),
        },
        Err(e) => UpdateResult {
            id: None,
            success: false,
            errors: vec![e],
        },
    }
}

/// The collections update handler.
pub(crate) async fn update(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionOnly>,
    body: Bytes,
) -> Result<Json<Vec<UpdateResult>>, ApiError> {
    api_version(&state, &p.version)?;
    let body = json_object(&body)?;
    let all_or_none = matches!(body.get("allOrNone"), Some(Value::Bool(true)));
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
    let inputs: Vec<Input> = records
        .iter()
        .map(|r| parse_record(&state, r))
        .collect::<Result<_, _>>()?;
    if all_or_none {
        let Some(obj) = inputs
            .iter()
            .find_map(|i| i.as_ref().ok().map(|(o, _, _)| *o))
        else {
            return Ok(Json(
                inputs
                    .into_iter()
                    .map(|i| result(i.map(|(_, id, _)| id)))
                    .collect(),
            ));
        };
        if inputs
            .iter()
            .any(|i| matches!(i, Ok((o, _, _)) if *o != obj))
        {
            return Err(ApiError::bad_request(
                "INVALID_TYPE",
                "allOrNone updates of several object types are not supported by this emulator",
            ));
        }
        let out = state.write(obj, true, |w| {
            let mut results: Vec<Result<String, RecordError>> = inputs
                .into_iter()
                .map(|i| {
                    i.and_then(|(_, id, fields)| w.update(&id, fields, Stamp::User).map(|()| id))
                })
                .collect();
            let rollback = results.iter().any(Result::is_err);
            if rollback {
                for r in &mut results {
                    if r.is_ok() {
                        *r = Err(RecordError::new(
                            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                            "Record rolled back because not all records were valid and the \
                             request was using AllOrNone header",
                            &[],
                        ));
                    }
                }
            }
            (results, rollback)
        });
        return Ok(Json(out.into_iter().map(result).collect()));
    }
    let out = inputs
        .into_iter()
        .map(|i| match i {
            Ok((obj, id, fields)) => state.write(obj, true, |w| {
                (w.update(&id, fields, Stamp::User).map(|()| id), false)
            }),
            Err(e) => Err(e),
        })
        .map(result)
        .collect();
    Ok(Json(out))
}
