//! Pieces shared by the handlers: path parameters, limits, error mapping, paging links.

use axum::http::{header, HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::emulator::errors::ApiError;
use crate::emulator::schema::ObjectSchema;
use crate::emulator::store::{InputFailure, Rejects};
use crate::emulator::validate::{issues_message, PropIssue};

/// Most inputs per batch call.
pub(crate) const MAX_BATCH_INPUTS: usize = 100;

/// Path parameters of object routes (`version` of dated routes is ignored).
#[derive(Debug, Deserialize)]
pub(crate) struct ObjectPath {
    pub(crate) object_type: String,
    #[serde(default)]
    pub(crate) object_id: Option<String>,
}

/// Path parameters of property routes.
#[derive(Debug, Deserialize)]
pub(crate) struct PropertyPath {
    pub(crate) object_type: String,
    #[serde(default)]
    pub(crate) property_name: Option<String>,
}

/// The error for an object type HubSpot cannot resolve.
pub(crate) fn unknown_type(object: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "OBJECT_NOT_FOUND",
        format!("Unable to infer object type from: {object}"),
    )
}

/// The error for a missing record on single-object routes.
pub(crate) fn record_not_found(id: &str) -> ApiError {
    ApiError::not_found("Object not found.  objectId are usually numeric.")
        .with_context("id", vec![id.to_owned()])
}

/// Parses a `limit` given as a number or numeric string.
///
/// `min` is 1 for lists (a zero-sized page would never advance) and 0 for search.
pub(crate) fn parse_limit(
    value: Option<&str>,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some(text) = value else {
        return Ok(default);
    };
    let limit = text
        .trim()
        .parse::<usize>()
        .map_err(|_| ApiError::validation(format!("limit must be a number, got `{text}`")))?;
    if limit < min || limit > max {
        return Err(ApiError::validation(format!(
            "limit must be between {min} and {max}, got {limit}"
        )));
    }
    Ok(limit)
}

/// Rejects a batch larger than HubSpot allows.
pub(crate) fn check_batch_size(count: usize) -> Result<(), ApiError> {
    if count > MAX_BATCH_INPUTS {
        return Err(ApiError::validation(format!(
            "Too many inputs: {count}. A batch request accepts at most {MAX_BATCH_INPUTS} inputs."
        ))
        .with_context("inputs", vec![count.to_string()]));
    }
    Ok(())
}

/// The failure fault configuration forces on an input addressed by `id`, if any.
pub(crate) fn forced_rejection(
    rejects: &Rejects,
    id: &str,
    id_property: &str,
) -> Option<InputFailure> {
    rejects.ids.contains(id).then(|| {
        InputFailure::Invalid(vec![PropIssue::new(
            id_property,
            "VALIDATION_RULE_FAILED",
            format!("{id} was rejected by a validation rule"),
        )])
    })
}

/// A failed input of a single-object call as an HTTP error.
pub(crate) fn failure_response(failure: InputFailure, schema: &ObjectSchema) -> ApiError {
    match failure {
        InputFailure::Invalid(issues) => {
            let errors: Vec<Value> = issues.iter().map(issue_detail).collect();
            ApiError::validation(issues_message(&issues)).with_field("errors", json!(errors))
        }
        InputFailure::Conflict { property, existing } => ApiError::new(
            StatusCode::CONFLICT,
            "CONFLICT",
            conflict_message(schema, &property, existing.as_deref()),
        ),
        InputFailure::NotFound(id) => record_not_found(&id),
        InputFailure::BadInput(message) => ApiError::validation(message),
    }
}

/// A failed input of a batch call as a `StandardError`; `context_key` is `ids` or
/// `objectWriteTraceId`.
pub(crate) fn failure_item(
    failure: InputFailure,
    schema: &ObjectSchema,
    context_key: &str,
    context: Option<&str>,
) -> Value {
    let (category, message, errors) = match failure {
        InputFailure::Invalid(issues) => (
            "VALIDATION_ERROR",
            issues_message(&issues),
            issues.iter().map(issue_detail).collect(),
        ),
        InputFailure::Conflict { property, existing } => (
            "CONFLICT",
            conflict_message(schema, &property, existing.as_deref()),
            Vec::new(),
        ),
        InputFailure::NotFound(id) => (
            "OBJECT_NOT_FOUND",
            format!("Object not found. objectId {id} does not exist or is archived."),
            Vec::new(),
        ),
        InputFailure::BadInput(message) => ("VALIDATION_ERROR", message, Vec::new()),
    };
    let context = context.map_or_else(|| json!({}), |c| json!({ context_key: [c] }));
    json!({
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": errors,
        "links": {},
    })
}

fn issue_detail(issue: &PropIssue) -> Value {
    json!({
        "message": issue.message,
        "code": issue.code,
        "context": {"propertyName": [issue.name]},
    })
}

fn conflict_message(schema: &ObjectSchema, property: &str, existing: Option<&str>) -> String {
    match existing {
        Some(id) if property == "email" => {
            format!("{} already exists. Existing ID: {id}", schema.display)
        }
        Some(id) => format!(
            "A {} with {property} set to this value already exists. Existing ID: {id}",
            schema.display
        ),
        None => format!("Duplicate {property} value in batch input"),
    }
}

/// `scheme://host` of the request, for paging links.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Percent-encodes a query component.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_batch_size() {
        assert_eq!(parse_limit(None, 10, 1, 100).ok(), Some(10));
        assert_eq!(parse_limit(Some("100"), 10, 1, 100).ok(), Some(100));
        assert!(parse_limit(Some("101"), 10, 1, 100).is_err());
        assert!(parse_limit(Some("ten"), 10, 1, 100).is_err());
        assert!(parse_limit(Some("0"), 10, 1, 100).is_err());
        assert_eq!(parse_limit(Some("0"), 10, 0, 200).ok(), Some(0));
        assert!(check_batch_size(100).is_ok());
        let err = check_batch_size(101).err().map(|e| e.status().as_u16());
        assert_eq!(err, Some(400));
    }

    #[test]
    fn encodes_query_components() {
        assert_eq!(encode("a b,c@d"), "a%20b%2Cc%40d");
    }
}
