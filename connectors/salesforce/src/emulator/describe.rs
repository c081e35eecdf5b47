//! Metadata resources: API versions, limits, global describe and sObject describe.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use super::schema::ObjectSchema;
use super::state::EmulatorState;

/// The oldest version listed and accepted.
const OLDEST_VERSION: u32 = 31;

/// Parses a path segment like `v62.0` and checks the version is served. Returns `62.0`.
pub(crate) fn api_version(state: &EmulatorState, segment: &str) -> Result<String, ApiError> {
    let newest = major(&state.config().api_version).unwrap_or(OLDEST_VERSION);
    let wanted = segment
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|v| (OLDEST_VERSION..=newest).contains(v))
        .ok_or_else(ApiError::not_found)?;
    Ok(format!("{wanted}.0"))
}

fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

/// Release name of a major version: 62 is Winter '25, 63 Spring '25, 64 Summer '25, ...
fn release_label(version: u32) -> String {
    let n = i64::from(version) - 62;
    let season = ["Winter", "Spring", "Summer"]
        .get(n.rem_euclid(3) as usize)
        .copied()
        .unwrap_or("");
    let year = 25 + n.div_euclid(3);
    format!("{season} '{year:02}")
}

/// `GET /services/data/`: every version from 31.0 to the configured one. Free of charge
/// and unauthenticated, as in Salesforce.
pub(crate) async fn versions(State(state): State<EmulatorState>) -> Json<Value> {
    let newest = major(&state.config().api_version).unwrap_or(OLDEST_VERSION);
    let list: Vec<Value> = (OLDEST_VERSION..=newest)
        .map(|v| {
            json!({
                "label": release_label(v),
                "url": format!("/services/data/v{v}.0"),
                "version": format!("{v}.0"),
            })
        })
        .collect();
    Json(Value::Array(list))
}

/// Path of resources that only name the version.
#[derive(Debug, Deserialize)]
pub(crate) struct VersionPath {
    version: String,
}

/// Path of resources that name an object.
#[derive(Debug, Deserialize)]
pub(crate) struct ObjectPath {
    version: String,
    sobject: String,
}

/// `GET .../limits`.
pub(crate) async fn limits(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
) -> Result<Json<Value>, ApiError> {
    api_version(&state, &p.version)?;
    let max = state.config().daily_limit;
    let used = state.lock().api_used;
    let pair = |m: u64, r: u64| json!({"Max": m, "Remaining": r});
    Ok(Json(json!({
        "DailyApiRequests": pair(max, max.saturating_sub(used)),
        "DailyBulkApiBatches": pair(15000, 15000),
        "DailyBulkV2QueryJobs": pair(10000, 10000),
        "DailyBulkV2QueryFileStorageMB": pair(976_562, 976_562),
        "DataStorageMB": pair(1024, 1024),
    })))
}

/// `GET .../sobjects`: the global describe.
pub(crate) async fn global(
    State(state): State<EmulatorState>,
    Path(p): Path<VersionPath>,
) -> Result<Json<Value>, ApiError> {
    let version = api_version(&state, &p.version)?;
    let sobjects: Vec<Value> = state
        .schemas()
        .all()
        .iter()
        .map(|s| {
            let mut v = summary(s, &version);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("urls".into(), urls(s, &version));
            }
            v
        })
        .collect();
    Ok(Json(
        json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}),
    ))
}

/// `GET .../sobjects/{S}`: basic information.
pub(crate) async fn basic(
    State(state): State<EmulatorState>,
    Path(p): Path<ObjectPath>,
) -> Result<Json<Value>, ApiError> {
    let version = api_version(&state, &p.version)?;
    let schema = state
        .schemas()
        .by_name(&p.sobject)
        .ok_or_else(|| ApiError::unknown_object(&p.sobject))?;
    Ok(Json(
        json!({"objectDescribe": summary(schema, &version), "recentItems": []}),
    ))
}

/// `GET .../sobjects/{S}/describe`.
pub(crate) async fn describe(
    State(state): State<EmulatorState>,
    Path(p): Path<ObjectPath>,
) -> Result<Response, ApiError> {
    let version = api_version(&state, &p.version)?;
    let schema = state
        .schemas()
        .by_name(&p.sobject)
        .ok_or_else(|| ApiError::unknown_object(&p.sobject))?;
    let mut body = summary(schema, &version);
    if let Some(obj) = body.as_object_mut() {
        obj.insert(
            "fields".into(),
            Value::Array(schema.fields.iter().map(field_json).collect()),
        );
        obj.insert("urls".into(), urls(schema, &version));
        obj.insert("childRelationships".into(), json!([]));
        obj.insert("recordTypeInfos".into(), json!([]));
    }
    Ok(Json(body).into_response())
}

fn summary(s: &ObjectSchema, version: &str) -> Value {
    json!({
        "name": s.name,
        "label": s.label,
        "labelPlural": s.label_plural,
        "keyPrefix": s.key_prefix,
        "custom": false,
        "createable": true,
        "updateable": true,
        "deletable": true,
        "undeletable": true,
        "queryable": true,
        "retrieveable": true,
        "searchable": true,
        "replicateable": true,
        "url": format!("/services/data/v{version}/sobjects/{}", s.name),
    })
}

fn urls(s: &ObjectSchema, version: &str) -> Value {
    let base = format!("/services/data/v{version}/sobjects/{}", s.name);
    json!({
        "sobject": base,
        "describe": format!("{base}/describe"),
        "rowTemplate": format!("{base}/{{ID}}"),
    })
}

fn field_json(f: &super::fields::FieldDef) -> Value {
    let picklist: Vec<Value> = f
        .picklist
        .iter()
        .map(|v| {
            json!({"active": true, "defaultValue": f.default_value == Some(v), "label": v,
                   "validFor": null, "value": v})
        })
        .collect();
    let (precision, scale, digits) = match f.ftype {
        super::fields::FieldType::Currency => (18, 2, 0),
        super::fields::FieldType::Int => (0, 0, 8),
        _ => (0, 0, 0),
    };
    let long_text = f.ftype == super::fields::FieldType::TextArea && f.length > 255;
    let compound = f.ftype == super::fields::FieldType::Address;
    json!({
        "name": f.name,
        "label": f.label,
        "type": f.ftype.describe_name(),
        "soapType": f.ftype.soap_type(),
        "length": f.length,
        "byteLength": f.length * 3,
        "precision": precision,
        "scale": scale,
        "digits": digits,
        "nillable": f.nillable,
        "createable": f.createable,
        "updateable": f.updateable,
        "defaultedOnCreate": f.defaulted_on_create,
        "externalId": f.external_id,
        "idLookup": f.id_lookup,
        "unique": f.unique,
        "caseSensitive": false,
        "custom": f.custom,
        "calculated": f.computed.is_some() && !compound,
        "compoundFieldName": f.compound_field_name,
        "filterable": !long_text && !compound,
        "sortable": !long_text && !compound,
        "groupable": !long_text && !compound,
        "nameField": f.name == "Name",
        "defaultValue": f.default_value,
        "picklistValues": picklist,
        "referenceTo": f.reference_to.map_or_else(Vec::new, |r| vec![r]),
        "relationshipName": f.reference_to.and_then(|_| f.name.strip_suffix("Id")),
    })
}

#[cfg(test)]
mod tests {
    use super::release_label;

    #[test]
    fn release_labels() {
        assert_eq!(release_label(62), "Winter '25");
        assert_eq!(release_label(63), "Spring '25");
        assert_eq!(release_label(64), "Summer '25");
        assert_eq!(release_label(61), "Summer '24");
        assert_eq!(release_label(31), "Summer '14");
    }
}
