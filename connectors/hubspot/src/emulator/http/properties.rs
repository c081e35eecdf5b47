//! Properties API: list, read and create property definitions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::common::{unknown_type, PropertyPath};
use crate::emulator::errors::{json_response, ApiError};
use crate::emulator::schema::{PropKind, PropertyDef, FIELD_TYPES};
use crate::emulator::state::EmulatorState;
use crate::emulator::wire::{parse_body, scalar_text};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PropertyCreate {
    #[serde(default)]
    name: String,
    #[serde(default)]
    label: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    field_type: String,
    #[serde(default)]
    group_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    options: Vec<Value>,
    #[serde(default)]
    has_unique_value: bool,
}

/// `GET …/properties/{type}`: `{results:[…]}` without paging.
pub(crate) async fn list(
    State(state): State<EmulatorState>,
    Path(path): Path<PropertyPath>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let table = store
        .table(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let results: Vec<Value> = table
        .schema
        .properties
        .values()
        .map(PropertyDef::to_json)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "results": results }),
    ))
}

/// `GET …/properties/{type}/{name}`.
pub(crate) async fn read(
    State(state): State<EmulatorState>,
    Path(path): Path<PropertyPath>,
) -> Result<Response, ApiError> {
    let name = path.property_name.unwrap_or_default();
    let store = state.store();
    let table = store
        .table(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    let def = table.schema.properties.get(&name).ok_or_else(|| {
        ApiError::not_found(format!(
            "Unable to find property {name} for object type {}",
            table.schema.name
        ))
    })?;
    Ok(json_response(StatusCode::OK, &def.to_json()))
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `POST …/properties/{type}`: 201 with the new definition, 409 when the name is taken.
pub(crate) async fn create(
    State(state): State<EmulatorState>,
    Path(path): Path<PropertyPath>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let req: PropertyCreate = parse_body(&body)?;
    let mut missing = Vec::new();
    for (field, value) in [
        ("name", &req.name),
        ("label", &req.label),
        ("type", &req.kind),
        ("fieldType", &req.field_type),
        ("groupName", &req.group_name),
    ] {
        if value.trim().is_empty() {
            missing.push(field);
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::validation(format!(
            "Some required fields were not set: [{}]",
            missing.join(", ")
        )));
    }
    let kind = PropKind::parse(&req.kind)
        .ok_or_else(|| ApiError::validation(format!("Invalid property type `{}`", req.kind)))?;
    if !FIELD_TYPES.contains(&req.field_type.as_str()) {
        return Err(ApiError::validation(format!(
            "Invalid fieldType `{}`",
            req.field_type
        )));
    }
    if !valid_name(&req.name) {
        return Err(ApiError::validation(format!(
            "Property name `{}` must start with a lowercase letter and contain only lowercase \
             letters, digits and underscores",
            req.name
        )));
    }
    let options = req
        .options
        .iter()
        .map(|o| {
            let value = o.get("value").map(scalar_text).unwrap_or_default();
            let label = o.get("label").map_or_else(|| value.clone(), scalar_text);
            (label, value)
        })
        .collect();
    let mut store = state.store();
    let (table, _) = store
        .table_mut(&path.object_type)
        .ok_or_else(|| unknown_type(&path.object_type))?;
    if table.schema.properties.contains_key(&req.name) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            format!("Property named '{}' already exists.", req.name),
        ));
    }
    let def = PropertyDef {
        name: req.name,
        label: req.label,
        kind,
        field_type: req.field_type,
        group_name: req.group_name,
        description: req.description.unwrap_or_default(),
        options,
        has_unique_value: req.has_unique_value,
        hubspot_defined: false,
        calculated: false,
        read_only_value: false,
        created_at: Utc::now(),
    };
    let body = def.to_json();
    table.define(def);
    Ok(json_response(StatusCode::CREATED, &body))
}
