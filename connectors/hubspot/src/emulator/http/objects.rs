//! Basic object routes: list, read, create, update, archive.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::common::{
    encode, failure_response, forced_rejection, origin, parse_limit, record_not_found,
    unknown_type, ObjectPath,
};
use crate::emulator::errors::{json_response, ApiError};
use crate::emulator::state::EmulatorState;
use crate::emulator::wire::{parse_body, props_from, record_json, QueryParams, Selection};

/// Most records per list page.
const MAX_LIST_LIMIT: usize = 100;

/// `GET …/objects/{type}`: one page in id order; `after` is the id to continue from.
pub(crate) async fn list(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let query = QueryParams(query);
    let limit = parse_limit(query.get("limit"), 10, 1, MAX_LIST_LIMIT)?;
    let archived = query.flag("archived")?;
    let properties = query.list("properties");
    let after = match query.get("after") {
        None | Some("") => 0,
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| ApiError::validation(format!("Invalid paging cursor `{text}`")))?,
    };
    let store = state.store();
    let table = store
        .table(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let mut results = Vec::new();
    let mut next = None;
    for record in table.range_from(after).filter(|r| r.archived == archived) {
        if results.len() >= limit {
            next = Some(record.id.clone());
            break;
        }
        results.push(record_json(
            record,
            &table.schema,
            Selection::from_list(&properties),
        ));
    }
    drop(store);
    let mut body = json!({ "results": results });
    if let Some(after) = next {
        let mut link_query: Vec<String> = query
            .0
            .iter()
            .filter(|(k, _)| k != "after")
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        link_query.push(format!("after={}", encode(&after)));
        let link = format!(
            "{}{}?{}",
            origin(&headers),
            uri.path(),
            link_query.join("&")
        );
        body["paging"] = json!({ "next": { "after": after, "link": link } });
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET …/objects/{type}/{id}`, also by unique property with `idProperty`.
pub(crate) async fn read(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let query = QueryParams(query);
    let id = path.object_id.unwrap_or_default();
    let archived = query.flag("archived")?;
    let properties = query.list("properties");
    let store = state.store();
    let table = store
        .table(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let record = table
        .lookup(&id, query.get("idProperty"), archived)
        .ok_or_else(|| record_not_found(&id))?;
    let body = record_json(record, &table.schema, Selection::from_list(&properties));
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST …/objects/{type}`: 201 with the new record.
pub(crate) async fn create(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: Value = parse_body(&body)?;
    let props = props_from(body.get("properties"))?;
    let rejects = state.fault_engine().rejects();
    let mut store = state.store();
    let (table, clock) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    if let Err(failure) = table.check(&props, None, &rejects, &HashSet::new()) {
        return Err(failure_response(failure, &table.schema));
    }
    let record = table.insert(props, clock.tick(), None);
    let body = record_json(&record, &table.schema, Selection::All);
    Ok(json_response(StatusCode::CREATED, &body))
}

/// `PATCH …/objects/{type}/{id}`: partial update; the modification date always moves.
pub(crate) async fn update(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    Query(query): Query<Vec<(String, String)>>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let query = QueryParams(query);
    let id = path.object_id.unwrap_or_default();
    let body: Value = parse_body(&body)?;
    let props = props_from(body.get("properties"))?;
    let rejects = state.fault_engine().rejects();
    let mut store = state.store();
    let (table, clock) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let id_property = query.get("idProperty");
    let key = table
        .find_live(&id, id_property)
        .ok_or_else(|| record_not_found(&id))?;
    let checked = match forced_rejection(&rejects, &id, id_property.unwrap_or("hs_object_id")) {
        Some(failure) => Err(failure),
        None => table.check(&props, Some(key), &rejects, &HashSet::new()),
    };
    if let Err(failure) = checked {
        return Err(failure_response(failure, &table.schema));
    }
    let record = table
        .update(key, props, clock.tick())
        .ok_or_else(|| record_not_found(&id))?;
    let body = record_json(&record, &table.schema, Selection::All);
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE …/objects/{type}/{id}`: archives; 204 even when the record does not exist.
pub(crate) async fn archive(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
) -> Result<Response, ApiError> {
    let id = path.object_id.unwrap_or_default();
    let mut store = state.store();
    let (table, clock) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    if let Some(key) = table.find_live(&id, None) {
        table.archive(key, clock.tick());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
