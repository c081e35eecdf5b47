//! Errors: the startup error type and Salesforce's JSON error-array responses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// Address that was requested.
        addr: String,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The builder was given an unusable setting (for instance an unparsable public key).
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// A seed file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    SeedFile {
        /// Path of the seed file.
        path: String,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// Seed data was malformed or failed validation.
    #[error("invalid seed data: {0}")]
    Seed(String),
    /// A direct write through `RunningEmulator` was rejected, with Salesforce's error code.
    #[error("{code}: {message}")]
    Record {
        /// Error code, e.g. `INVALID_EMAIL_ADDRESS`.
        code: String,
        /// Error message.
        message: String,
    },
}

/// One element of Salesforce's error array: `{"message", "errorCode", "fields"?}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorItem {
    message: String,
    error_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<String>>,
}

/// An HTTP error answered as `[{"message": ..., "errorCode": ..., "fields": [...]}]`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub fields: Option<Vec<String>>,
}

impl ApiError {
    /// Builds an error with the given status, code and message.
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            fields: None,
        }
    }

    /// Adds the `fields` list.
    pub(crate) fn with_fields(mut self, fields: Vec<String>) -> Self {
        self.fields = Some(fields);
        self
    }

    /// 400 with the given code.
    pub(crate) fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `NOT_FOUND`, Salesforce's answer for unknown resources.
    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// 401 for a missing, expired or revoked access token.
    pub(crate) fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 403 once the daily API allowance is spent.
    pub(crate) fn limit_exceeded() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    }

    /// 400 `JSON_PARSER_ERROR` for bodies that are not the expected JSON.
    pub(crate) fn json_parser(message: impl Into<String>) -> Self {
        Self::bad_request("JSON_PARSER_ERROR", message)
    }

    /// 404 for an sObject type the emulator does not serve.
    pub(crate) fn unknown_object(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "The requested resource does not exist: sObject type '{name}' is not supported."
            ),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = [ErrorItem {
            message: self.message,
            error_code: self.code,
            fields: self.fields,
        }];
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        }
        response
    }
}
