//! Single-record resources: create, read, update, delete and upsert by external id.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::describe::api_version;
use super::error::ApiError;
use super::ids;
use super::records::{fields_from_json, render_record};
use super::schema::ObjectSchema;
use super::state::EmulatorState;
use super::validate::RecordError;
use super::write::Stamp;

/// `/sobjects/{sobject}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ObjectPath {
    version: String,
    sobject: String,
}

/// `/sobjects/{sobject}/{id}`.
#[derive(Debug, Deserialize)]
pub(crate) struct RecordPath {
    version: String,
    sobject: String,
    id: String,
}

/// `/sobjects/{sobject}/{field}/{value}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ExternalPath {
    version: String,
    sobject: String,
    field: String,
    value: String,
}

impl From<RecordError> for ApiError {
    /// Save errors are 400s, except that a missing target record is a 404 (as Salesforce
    /// answers a PATCH or DELETE on an unknown or deleted id).
    fn from(e: RecordError) -> Self {
        let target_missing = match e.status_code.as_str() {
            "ENTITY_IS_DELETED" | "INVALID_CROSS_REFERENCE_KEY" => e.fields.is_empty(),
            "MALFORMED_ID" => e.fields.iter().any(|f| f == "Id"),
            _ => false,
        };
        if target_missing && e.status_code != "ENTITY_IS_DELETED" {
            return ApiError::not_found();
        }
        let status = if target_missing {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, &e.status_code, e.message).with_fields(e.fields)
    }
}

/// Resolves the object and version of a request.
fn object(state: &EmulatorState, version: &str, name: &str) -> Result<(String, usize), ApiError> {
    let version = api_version(state, version)?;
    let obj = state
        .schemas()
        .position(name)
        .ok_or_else(|| ApiError::unknown_object(name))?;
    Ok((version, obj))
}

/// Parses a JSON object body.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::json_parser("Expected a JSON object")),
        Err(e) => Err(ApiError::json_parser(format!("Unexpected character: {e}"))),
    }
}

fn schema(state: &EmulatorState, obj: usize) -> Result<&ObjectSchema, ApiError> {
    state.schemas().get(obj).ok_or_else(ApiError::not_found)
}

/// `POST .../sobjects/{S}`: 201 `{id, success, errors}`.
pub(crate) async fn create(
    State(state): State<EmulatorState>,
    Path(p): Path<ObjectPath>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (_, obj) = object(&state, &p.version, &p.sobject)?;
    let fields = fields_from_json(schema(&state, obj)?, &json_object(&body)?)?;
    let id = state.write(obj, true, |w| (w.create(fields), false))?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "success": true, "errors": []})),
    )
        .into_response())
}

/// `GET .../sobjects/{S}/{id}` (optionally `?fields=A,B`).
pub(crate) async fn get(
    State(state): State<EmulatorState>,
    Path(p): Path<RecordPath>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (version, obj) = object(&state, &p.version, &p.sobject)?;
    let id = ids::normalize(&p.id).ok_or_else(ApiError::not_found)?;
    read(&state, obj, &id, &version, q.get("fields"))
}

/// `GET .../sobjects/{S}/{field}/{value}`: read by external id.
pub(crate) async fn get_by_external(
    State(state): State<EmulatorState>,
    Path(p): Path<ExternalPath>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (version, obj) = object(&state, &p.version, &p.sobject)?;
    let ext = external_field(schema(&state, obj)?, &p.field)?;
    let matches = if ext == schema(&state, obj)?.sys.id {
        ids::normalize(&p.value).into_iter().collect()
    } else {
        state
            .lock()
            .store
            .table(obj)
            .map(|t| t.find_external(&p.value))
            .unwrap_or_default()
    };
    match matches.as_slice() {
        [id] => read(&state, obj, id, &version, q.get("fields")),
        [] => Err(ApiError::not_found()),
        many => Ok(multiple_choices(schema(&state, obj)?, many, &version)),
    }
}

fn read(
    state: &EmulatorState,
    obj: usize,
    id: &str,
    version: &str,
    only: Option<&String>,
) -> Result<Response, ApiError> {
    let schema = schema(state, obj)?;
    let fields: Vec<usize> = match only {
        Some(list) => list
            .split(',')
            .map(|name| {
                schema.field_index(name.trim()).ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_FIELD",
                        format!(
                            "No such column '{}' on sobject of type {}",
                            name.trim(),
                            schema.name
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        None => (0..schema.fields.len()).collect(),
    };
    let inner = state.lock();
    let table = inner.store.table(obj).ok_or_else(ApiError::not_found)?;
    match table.get(id) {
        Some(row) if !table.is_deleted(row) => {
            Ok(Json(render_record(schema, row, &fields, version)).into_response())
        }
        _ => Err(ApiError::not_found()),
    }
}

/// `PATCH .../sobjects/{S}/{id}`: 204.
pub(crate) async fn update(
    State(state): State<EmulatorState>,
    Path(p): Path<RecordPath>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let (_, obj) = object(&state, &p.version, &p.sobject)?;
    let fields = fields_from_json(schema(&state, obj)?, &json_object(&body)?)?;
    state.write(obj, true, |w| (w.update(&p.id, fields, Stamp::User), false))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE .../sobjects/{S}/{id}`: 204; the record moves to the recycle bin.
pub(crate) async fn delete(
    State(state): State<EmulatorState>,
    Path(p): Path<RecordPath>,
) -> Result<StatusCode, ApiError> {
    let (_, obj) = object(&state, &p.version, &p.sobject)?;
    state.write(obj, true, |w| (w.delete(&p.id), false))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH .../sobjects/{S}/{field}/{value}`: 201 when created, 200 when updated, 300 when
/// several records carry the value. `?updateOnly=true` refuses to create.
pub(crate) async fn upsert(
    State(state): State<EmulatorState>,
    Path(p): Path<ExternalPath>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (version, obj) = object(&state, &p.version, &p.sobject)?;
    let schema = schema(&state, obj)?;
    let ext = external_field(schema, &p.field)?;
    let fields = fields_from_json(schema, &json_object(&body)?)?;
    if ext != schema.sys.id {
        let matches = state
            .lock()
            .store
            .table(obj)
            .map(|t| t.find_external(&p.value))
            .unwrap_or_default();
        if matches.len() > 1 {
            return Ok(multiple_choices(schema, &matches, &version));
        }
        let update_only = q
            .get("updateOnly")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if update_only && matches.is_empty() {
            return Err(ApiError::not_found());
        }
    }
    let saved = state.write(obj, true, |w| (w.upsert(ext, &p.value, fields), false))?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = json!({"id": saved.id, "success": true, "errors": [], "created": saved.created});
    Ok((status, Json(body)).into_response())
}

/// The external id field named in a path: `Id` or a field flagged `idLookup`.
pub(crate) fn external_field(schema: &ObjectSchema, name: &str) -> Result<usize, ApiError> {
    schema
        .field_index(name)
        .filter(|&i| schema.field(i).is_some_and(|f| f.id_lookup))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {name}"),
            )
        })
}

/// 300 with the URLs of every matching record.
fn multiple_choices(schema: &ObjectSchema, ids: &[String], version: &str) -> Response {
    let urls: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/v{version}/sobjects/{}/{id}", schema.name))
        .collect();
    (StatusCode::MULTIPLE_CHOICES, Json(urls)).into_response()
}
