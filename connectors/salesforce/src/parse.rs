//! Reading Salesforce's wire formats: REST datetimes, query result pages, the
//! `Sforce-Limit-Info` header, error bodies and describe results. Write results (Collections
//! and Bulk API 2.0) live in [`crate::results`].
//!
//! Nothing here panics on malformed input: unexpected shapes come back as `None` or as a
//! message the caller turns into a [`crmsync_sdk::ConnectorError`].

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use crmsync_sdk::crm::{FieldSchema, ObjectSchema, RemoteRecord};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Parses Salesforce datetimes: REST `2013-05-07T22:07:19.000+0000` (offset without a colon),
/// Bulk `2013-05-07T22:07:19.000Z` and RFC 3339 spellings, with or without fractions.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(ts) = DateTime::parse_from_str(text, fmt) {
            return Some(ts.to_utc());
        }
    }
    let naive = text.strip_suffix('Z')?;
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// One page of a `query`/`queryAll` response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPage {
    /// Rows the whole query matches.
    #[serde(default)]
    pub total_size: u64,
    /// No more pages.
    pub done: bool,
    /// Where the next page is, when not done.
    #[serde(default)]
    pub next_records_url: Option<String>,
    /// The rows, still as JSON.
    #[serde(default)]
    pub records: Vec<Value>,
}

/// Renders a scalar JSON value the way the CRM would show it; `null` is `None`.
fn render(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        // Child relationship results and other structures keep their JSON text.
        other => Some(other.to_string()),
    }
}

/// Adds `value` under `name`, flattening nested objects (compound addresses, relationship
/// fields) into `name.part` keys and dropping their `attributes`.
fn flatten_into(out: &mut BTreeMap<String, Option<String>>, name: &str, value: &Value) {
    match value {
        Value::Object(map) if !map.contains_key("records") => {
            for (key, inner) in map {
                if key != "attributes" {
                    flatten_into(out, &format!("{name}.{key}"), inner);
                }
            }
        }
        other => {
            out.insert(name.to_string(), render(other));
        }
    }
}

/// Turns one query row into a [`RemoteRecord`] of `object`. Returns `None` when the row is
/// not an object or has no string `Id`.
pub fn record_from_json(object: &str, row: &Value) -> Option<RemoteRecord> {
    let map: &Map<String, Value> = row.as_object()?;
    let id = map.get("Id")?.as_str()?.to_string();
    let mut fields = BTreeMap::new();
    for (name, value) in map {
        if name != "attributes" {
            flatten_into(&mut fields, name, value);
        }
    }
    let modified_at = map
        .get("SystemModstamp")
        .and_then(Value::as_str)
        .and_then(parse_datetime);
    let deleted = matches!(map.get("IsDeleted"), Some(Value::Bool(true)))
        || matches!(map.get("IsDeleted").and_then(Value::as_str), Some("true"));
    Some(RemoteRecord {
        id,
        object: object.to_string(),
        modified_at,
        deleted,
        fields,
    })
}

/// Turns a Bulk API 2.0 query result CSV (header row of field names) into records of
/// `object`. Bulk CSV cannot tell an empty string from null; both become `None`. Rows without
/// an `Id` are skipped.
pub fn records_from_csv(object: &str, csv_text: &str) -> Result<Vec<RemoteRecord>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("unreadable Bulk query header: {e}"))?
        .clone();
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| format!("unreadable Bulk query row: {e}"))?;
        let mut fields = BTreeMap::new();
        for (name, value) in headers.iter().zip(row.iter()) {
            let value = (!value.is_empty()).then(|| value.to_string());
            fields.insert(name.to_string(), value);
        }
        let Some(Some(id)) = fields.get("Id").cloned() else {
            continue;
        };
        let text = |k: &str| fields.get(k).cloned().flatten();
        out.push(RemoteRecord {
            id,
            object: object.to_string(),
            modified_at: text("SystemModstamp").as_deref().and_then(parse_datetime),
            deleted: text("IsDeleted").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            fields,
        });
    }
    Ok(out)
}

/// The org's API usage from `Sforce-Limit-Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiUsage {
    /// Requests made in the rolling 24 hours.
    pub used: u64,
    /// The allowance.
    pub max: u64,
}

impl ApiUsage {
    /// Whether `used` has reached `percent` of `max`.
    pub fn at_or_over(&self, percent: u8) -> bool {
        u128::from(self.used) * 100 >= u128::from(self.max) * u128::from(percent)
    }
}

/// Parses `api-usage=N/M` out of a `Sforce-Limit-Info` value such as
/// `api-usage=18/15000, api-bursts=1/100`.
pub fn parse_limit_info(header: &str) -> Option<ApiUsage> {
    header.split([',', ';']).find_map(|part| {
        let (key, value) = part.trim().split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("api-usage") {
            return None;
        }
        let (used, max) = value.trim().split_once('/')?;
        Some(ApiUsage {
            used: used.trim().parse().ok()?,
            max: max.trim().parse().ok()?,
        })
    })
}

/// `(errorCode, message)` from an error body: the data API's array
/// `[{"message","errorCode","fields"}]` (first entry), a single such object, or the token
/// endpoint's `{"error","error_description"}`.
pub fn parse_error_body(body: &str) -> Option<(String, String)> {
    let value: Value = serde_json::from_str(body).ok()?;
    let entry = match &value {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let text = |key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
    if let Some(code) = text("errorCode") {
        return Some((code, text("message").unwrap_or_default()));
    }
    let code = text("error")?;
    Some((code, text("error_description").unwrap_or_default()))
}

/// A describe result: the object's schema plus what field selection needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// Fields as the SDK models them.
    pub schema: ObjectSchema,
    /// Names other fields give as their `compoundFieldName` (`Name`, `Address`, …).
    pub compound_parents: Vec<String>,
    /// Fields marked `externalId`.
    pub external_ids: Vec<String>,
}

/// Parses `GET .../sobjects/{SObject}/describe`.
pub fn parse_describe(body: &str) -> Option<Described> {
    let value: Value = serde_json::from_str(body).ok()?;
    let name = value.get("name")?.as_str()?.to_string();
    let mut fields = Vec::new();
    let mut compound_parents: Vec<String> = Vec::new();
    let mut external_ids = Vec::new();
    for f in value.get("fields")?.as_array()? {
        let Some(field_name) = f.get("name").and_then(Value::as_str) else {
            continue;
        };
        let text = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let flag = |k: &str| f.get(k).and_then(Value::as_bool).unwrap_or(false);
        if let Some(parent) = f.get("compoundFieldName").and_then(Value::as_str) {
            if !compound_parents.iter().any(|p| p == parent) {
                compound_parents.push(parent.to_string());
            }
        }
        if flag("externalId") {
            external_ids.push(field_name.to_string());
        }
        fields.push(FieldSchema {
            name: field_name.to_string(),
            label: text("label"),
            kind: text("type"),
            custom: flag("custom"),
            unique: flag("unique") || flag("externalId") || text("type") == "id",
            read_only: !flag("updateable") && !flag("createable"),
        });
    }
    Some(Described {
        schema: ObjectSchema { name, fields },
        compound_parents,
        external_ids,
    })
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
