//! `POST …/objects/{type}/search`.
//!
//! `after` is an offset (a numeric string, as HubSpot returns it); a request whose
//! `after + limit` goes past 10,000 fails with 400, reproducing HubSpot's hard cap on how
//! far a query can page. `total` still counts every match. Archived records never match.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};

use super::common::{unknown_type, ObjectPath};
use crate::emulator::errors::{json_response, ApiError};
use crate::emulator::search_eval::{Plan, WireGroup, WireSort};
use crate::emulator::state::EmulatorState;
use crate::emulator::wire::{parse_body, record_json, scalar_text, string_list, Selection};

/// Most results per search page.
const MAX_SEARCH_LIMIT: usize = 200;
/// How far any search query can page.
const MAX_SEARCH_RESULTS: usize = 10_000;
/// Longest free-text query HubSpot accepts.
const MAX_QUERY_CHARS: usize = 3_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    #[serde(default)]
    filter_groups: Option<Vec<WireGroup>>,
    #[serde(default)]
    sorts: Option<Vec<WireSort>>,
    #[serde(default)]
    properties: Option<Value>,
    #[serde(default)]
    limit: Option<Value>,
    #[serde(default)]
    after: Option<Value>,
    #[serde(default)]
    query: Option<String>,
}

fn number(value: Option<&Value>, name: &str, default: usize) -> Result<usize, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(default),
        Some(v) => {
            let text = scalar_text(v);
            if text.is_empty() {
                return Ok(default);
            }
            text.trim().parse::<usize>().map_err(|_| {
                ApiError::validation(format!(
                    "{name} must be a non-negative number, got `{text}`"
                ))
            })
        }
    }
}

/// Runs a search.
pub(crate) async fn search(
    State(state): State<EmulatorState>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: SearchBody = parse_body(&body)?;
    let limit = number(body.limit.as_ref(), "limit", 10)?;
    if limit > MAX_SEARCH_LIMIT {
        return Err(ApiError::validation(format!(
            "limit must be less than or equal to {MAX_SEARCH_LIMIT}, got {limit}"
        )));
    }
    let after = number(body.after.as_ref(), "after", 0)?;
    if after.saturating_add(limit) > MAX_SEARCH_RESULTS {
        return Err(ApiError::validation(format!(
            "The maximum number of results a search can return is {MAX_SEARCH_RESULTS}; after \
             ({after}) + limit ({limit}) is past that limit. Narrow the query with filters \
             instead of paging further."
        ))
        .with_context("after", vec![after.to_string()]));
    }
    if body
        .query
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(ApiError::validation(format!(
            "query must be at most {MAX_QUERY_CHARS} characters"
        )));
    }
    let properties = string_list(body.properties.as_ref());
    let store = state.store();
    let table = store
        .table(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let plan = Plan::compile(
        &table.schema,
        body.filter_groups.unwrap_or_default(),
        body.sorts.unwrap_or_default(),
        body.query.as_deref(),
    )?;
    let mut matches: Vec<_> = table.records().filter(|r| plan.matches(r)).collect();
    plan.sort(&mut matches);
    let total = matches.len();
    let selection = Selection::from_list(&properties);
    let results: Vec<Value> = matches
        .iter()
        .skip(after)
        .take(limit)
        .map(|r| record_json(r, &table.schema, selection))
        .collect();
    drop(store);
    let mut out = json!({ "total": total, "results": results });
    let next = after.saturating_add(limit);
    if limit > 0 && next < total {
        out["paging"] = json!({ "next": { "after": next.to_string() } });
    }
    Ok(json_response(StatusCode::OK, &out))
}
