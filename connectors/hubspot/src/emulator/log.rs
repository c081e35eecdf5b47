//! The request log: every API call, including faulted and rate-limited ones.
//!
//! Tests assert call counts against it (how many pages, how many retries), so it records the
//! outcome as the client saw it. Calls to the `/__emulator` inspection routes are not logged,
//! so reading the log does not change it. The log keeps the most recent
//! [`MAX_LOGGED_REQUESTS`] entries to bound memory when a sandbox runs for days.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// How many entries the log keeps before dropping the oldest.
pub(crate) const MAX_LOGGED_REQUESTS: usize = 200_000;

/// One logged API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    /// HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// Request path without the query string.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Request body size in bytes.
    pub body_len: usize,
    /// Status sent to the client; `0` when the connection was dropped without a response.
    pub status: u16,
    /// When the request arrived.
    pub at: DateTime<Utc>,
}

/// Bounded in-memory request log.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<LoggedRequest>,
}

impl RequestLog {
    /// Appends an entry, dropping the oldest beyond the cap.
    pub(crate) fn push(&mut self, entry: LoggedRequest) {
        if self.entries.len() >= MAX_LOGGED_REQUESTS {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// A copy of all entries, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }

    /// Forgets every entry.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(status: u16) -> LoggedRequest {
        LoggedRequest {
            method: "GET".into(),
            path: "/crm/v3/objects/contacts".into(),
            query: None,
            body_len: 0,
            status,
            at: Utc::now(),
        }
    }

    #[test]
    fn keeps_order_and_cap() {
        let mut log = RequestLog::default();
        for status in 0..(MAX_LOGGED_REQUESTS as u32 + 3) {
            log.push(entry((status % 600) as u16));
        }
        let all = log.snapshot();
        assert_eq!(all.len(), MAX_LOGGED_REQUESTS);
        assert_eq!(all.first().map(|e| e.status), Some(3));
        log.clear();
        assert!(log.snapshot().is_empty());
    }

    #[test]
    fn serializes_camel_case() {
        let json = serde_json::to_value(entry(200)).unwrap_or_default();
        assert_eq!(json["bodyLen"], 0);
        assert_eq!(json["status"], 200);
    }
}
