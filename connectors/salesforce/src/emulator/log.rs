//! The request log, so tests can assert exactly which calls a client made.
//!
//! Every request except the `/__emulator/` control endpoints is recorded, including token
//! requests, rejected and faulted ones.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use super::state::EmulatorState;

/// One served request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestLogEntry {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path without the query string, e.g. `/services/data/v62.0/query`.
    pub path: String,
    /// Raw (still percent-encoded) query string, if any.
    pub query: Option<String>,
    /// Response status; `0` when the connection was dropped by fault injection.
    pub status: u16,
    /// Request body size in bytes.
    pub request_bytes: usize,
    /// Response body size in bytes (as declared; `0` for dropped connections).
    pub response_bytes: u64,
}

impl EmulatorState {
    /// Appends to the log, discarding the oldest entries beyond the configured cap.
    pub(crate) fn record_request(&self, entry: RequestLogEntry) {
        let cap = self.config().max_log_entries;
        let mut inner = self.lock();
        while inner.log.len() >= cap.max(1) {
            inner.log.pop_front();
        }
        inner.log.push_back(entry);
    }

    /// A copy of the log, oldest first.
    pub(crate) fn request_log(&self) -> Vec<RequestLogEntry> {
        self.lock().log.iter().cloned().collect()
    }

    /// Empties the log.
    pub(crate) fn clear_request_log(&self) {
        self.lock().log.clear();
    }
}

/// `GET /__emulator/requests`.
pub(crate) async fn get_requests(State(state): State<EmulatorState>) -> Json<Vec<RequestLogEntry>> {
    Json(state.request_log())
}

/// `DELETE /__emulator/requests`.
pub(crate) async fn delete_requests(State(state): State<EmulatorState>) -> StatusCode {
    state.clear_request_log();
    StatusCode::NO_CONTENT
}
