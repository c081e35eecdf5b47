//! REST query resources: `query`, `queryAll` and `nextRecordsUrl` paging.
//!
//! A query's result set is snapshotted when it runs, so later pages are stable even while
//! records change, and re-fetching a page (a client retrying after a dropped connection)
//! returns the same records.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::describe::api_version;
use super::error::ApiError;
use super::ids;
use super::records::{attributes, render_value, OrderedObject};
use super::soql;
use super::state::{Cursor, EmulatorState};
use super::value::Val;

/// Longest SOQL statement Salesforce accepts.
pub(crate) const MAX_SOQL_CHARS: usize = 100_000;
const DEFAULT_BATCH: usize = 2000;
const MIN_BATCH: usize = 200;

/// `/query` and `/queryAll`.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionPath {
    version: String,
}

/// `/query/{locator}`.
#[derive(Debug, Deserialize)]
pub(crate) struct MorePath {
    version: String,
    locator: String,
}

/// One page of results.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryPage {
    total_size: usize,
    done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_records_url: Option<String>,
    records: Vec<OrderedObject>,
}

/// `GET .../query?q=`.
pub(crate) async fn query(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<QueryPage>, ApiError> {
    run(&state, &p.version, q.get("q"), &headers, false).map(Json)
}

/// `GET .../queryAll?q=`: also returns soft-deleted rows.
pub(crate) async fn query_all(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<QueryPage>, ApiError> {
    run(&state, &p.version, q.get("q"), &headers, true).map(Json)
}

/// `Sforce-Query-Options: batchSize=N`, clamped to 200..=2000.
fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("Sforce-Query-Options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',').find_map(|opt| {
                let (k, val) = opt.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("batchSize")
                    .then(|| val.trim().parse().ok())?
            })
        })
        .map_or(DEFAULT_BATCH, |n: usize| n.clamp(MIN_BATCH, DEFAULT_BATCH))
}

fn run(
    state: &EmulatorState,
    version: &str,
    soql_text: Option<&String>,
    headers: &HeaderMap,
    include_deleted: bool,
) -> Result<QueryPage, ApiError> {
    let version = api_version(state, version)?;
    let text = soql_text.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request("MALFORMED_QUERY", "A query string has to be specified")
    })?;
    if text.chars().count() > MAX_SOQL_CHARS {
        return Err(ApiError::bad_request(
            "MALFORMED_QUERY",
            format!("SOQL statements cannot be longer than {MAX_SOQL_CHARS} characters"),
        ));
    }
    let plan = soql::compile(text, state.schemas())?;
    let schema = state
        .schemas()
        .get(plan.obj)
        .ok_or_else(ApiError::not_found)?;
    let mut inner = state.lock();
    let table = inner
        .store
        .table(plan.obj)
        .ok_or_else(ApiError::not_found)?;
    let rows = plan.run(schema, table, include_deleted);
    let Some(fields) = &plan.fields else {
        return Ok(QueryPage {
            total_size: rows.len(),
            done: true,
            next_records_url: None,
            records: Vec::new(),
        });
    };
    let id_idx = schema.sys.id;
    let snapshot: Vec<(Option<String>, Vec<serde_json::Value>)> = rows
        .iter()
        .map(|row| {
            let id = row.get(id_idx).and_then(Val::as_text).map(str::to_string);
            (
                id,
                fields
                    .iter()
                    .map(|&f| render_value(schema, f, row))
                    .collect(),
            )
        })
        .collect();
    let cursor = Cursor {
        object: plan.obj,
        field_names: fields
            .iter()
            .map(|&f| schema.field_name(f).to_string())
            .collect(),
        rows: snapshot,
        batch_size: batch_size(headers),
    };
    let cursor_id = ids::opaque("01g", 15, &mut inner.id_rng);
    let page = page(state, &cursor, &cursor_id, 0, &version);
    if !page.done {
        let cap = state.config().max_cursors;
        inner.cursors.insert(cursor_id, cursor, cap);
    }
    Ok(page)
}

/// `GET .../query/{cursor}-{offset}`.
pub(crate) async fn more(
    State(state): State<EmulatorState>,
    Path(p): Path<MorePath>,
) -> Result<Json<QueryPage>, ApiError> {
    let version = api_version(&state, &p.version)?;
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let (cursor_id, offset) = p.locator.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let inner = state.lock();
    let cursor = inner.cursors.get(cursor_id).ok_or_else(invalid)?;
    if offset > cursor.rows.len() {
        return Err(invalid());
    }
    Ok(Json(page(&state, cursor, cursor_id, offset, &version)))
}

fn page(
    state: &EmulatorState,
    cursor: &Cursor,
    cursor_id: &str,
    offset: usize,
    version: &str,
) -> QueryPage {
    let total = cursor.rows.len();
    let end = offset.saturating_add(cursor.batch_size).min(total);
    let schema = state.schemas().get(cursor.object);
    let records = cursor
        .rows
        .get(offset..end)
        .unwrap_or(&[])
        .iter()
        .map(|(id, values)| {
            let mut out = Vec::with_capacity(values.len() + 1);
            if let Some(schema) = schema {
                out.push((
                    "attributes".to_string(),
                    attributes(schema, id.as_deref(), version),
                ));
            }
            out.extend(
                cursor
                    .field_names
                    .iter()
                    .cloned()
                    .zip(values.iter().cloned()),
            );
            OrderedObject(out)
        })
        .collect();
    let done = end >= total;
    QueryPage {
        total_size: total,
        done,
        next_records_url: (!done)
            .then(|| format!("/services/data/v{version}/query/{cursor_id}-{end}")),
        records,
    }
}
