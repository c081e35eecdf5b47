//! HubSpot-shaped error bodies and JSON responses.
//!
//! Live HubSpot errors look like
//! `{"status":"error","message":"…","correlationId":"<uuid>","category":"VALIDATION_ERROR"}`,
//! sometimes with `context` (map of string lists) and `errors`. Every response also carries
//! an `X-HubSpot-Correlation-Id` header, which clients log when reporting failures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// Header naming the correlation id of a response.
pub(crate) const CORRELATION_HEADER: &str = "x-hubspot-correlation-id";

/// Content type HubSpot sends with JSON bodies.
const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";

static UUID_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random-looking version-4 UUID string.
///
/// Correlation ids only need to be unique, not unpredictable, and must not consume the
/// seeded fault generator (that would make fault runs depend on error counts), so they come
/// from a counter mixed with the start time.
pub(crate) fn new_uuid() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let count = UUID_COUNTER.fetch_add(1, Ordering::Relaxed);
    let high = splitmix64(nanos ^ count.rotate_left(32));
    let low = splitmix64(high ^ count);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_be_bytes());
    bytes[8..].copy_from_slice(&low.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A JSON response with HubSpot's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// An API error rendered as a HubSpot error body.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Map<String, Value>,
}

impl ApiError {
    /// `{"status":"error","message","correlationId","category"}` with the given HTTP status.
    pub(crate) fn new(status: StatusCode, category: &str, message: impl Into<String>) -> Self {
        let mut body = Map::new();
        body.insert("status".into(), json!("error"));
        body.insert("message".into(), json!(message.into()));
        body.insert("correlationId".into(), json!(new_uuid()));
        body.insert("category".into(), json!(category));
        Self { status, body }
    }

    /// 400 `VALIDATION_ERROR`.
    pub(crate) fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    /// 404 `OBJECT_NOT_FOUND`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message)
    }

    /// 400 for a body that is not the JSON the endpoint expects, worded like HubSpot's
    /// Jackson messages.
    pub(crate) fn invalid_json(err: &serde_json::Error) -> Self {
        Self::validation(format!(
            "Invalid input JSON on line {}, column {}: {}",
            err.line(),
            err.column(),
            err
        ))
    }

    /// Adds `context: {key: values}`.
    pub(crate) fn with_context(mut self, key: &str, values: Vec<String>) -> Self {
        let mut context = Map::new();
        context.insert(key.to_owned(), json!(values));
        self.body.insert("context".into(), Value::Object(context));
        self
    }

    /// Adds an arbitrary top-level field.
    pub(crate) fn with_field(mut self, key: &str, value: Value) -> Self {
        self.body.insert(key.to_owned(), value);
        self
    }

    /// The HTTP status.
    #[cfg(test)]
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The error message.
    pub(crate) fn message(&self) -> &str {
        self.body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let correlation = self
            .body
            .get("correlationId")
            .and_then(Value::as_str)
            .and_then(|id| HeaderValue::from_str(id).ok());
        let mut response = json_response(self.status, &Value::Object(self.body));
        if let Some(id) = correlation {
            response.headers_mut().insert(CORRELATION_HEADER, id);
        }
        response
    }
}

/// Which HubSpot rate-limit policy rejected a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// The rolling 10-second window.
    TenSecondly,
    /// The daily quota.
    Daily,
    /// The search endpoints' per-second bucket.
    Secondly,
}

impl Policy {
    fn wire(self) -> (&'static str, &'static str) {
        match self {
            Policy::TenSecondly => (
                "You have reached your ten_secondly_rolling limit.",
                "TEN_SECONDLY_ROLLING",
            ),
            Policy::Daily => ("You have reached your daily limit.", "DAILY"),
            Policy::Secondly => ("You have reached your secondly limit.", "SECONDLY"),
        }
    }
}

/// The exact 429 body HubSpot sends for `policy`.
pub(crate) fn rate_limit_response(policy: Policy) -> Response {
    let (message, policy_name) = policy.wire();
    let correlation = new_uuid();
    let body = json!({
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation,
        "policyName": policy_name,
        "requestId": new_uuid(),
    });
    let mut response = json_response(StatusCode::TOO_MANY_REQUESTS, &body);
    if let Ok(value) = HeaderValue::from_str(&correlation) {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v4_shaped_and_distinct() {
        let a = new_uuid();
        let b = new_uuid();
        assert_ne!(a, b);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, vec![8, 4, 4, 4, 12]);
        assert_eq!(a.chars().nth(14), Some('4'));
        assert!(matches!(a.chars().nth(19), Some('8' | '9' | 'a' | 'b')));
    }

    #[test]
    fn error_body_has_hubspot_fields() {
        let err = ApiError::validation("bad").with_context("ids", vec!["7".into()]);
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.message(), "bad");
        assert_eq!(err.body["category"], "VALIDATION_ERROR");
        assert_eq!(err.body["status"], "error");
        assert_eq!(err.body["context"]["ids"][0], "7");
    }
}
