//! The connector error type and its retry classification.

use std::time::Duration;

/// What kind of failure a [`ConnectorError`] is; decides retries and the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The user must fix configuration or arguments (wrong sheet name, missing file).
    Config,
    /// Credentials were rejected.
    Auth,
    /// The remote asked us to slow down; retry after the given time if known.
    RateLimited {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// A quota that does not refill soon (a daily limit) is spent: stop at a checkpoint.
    QuotaExhausted,
    /// Network failure, timeout, 5xx: retry with backoff.
    Transient,
    /// Any other refusal from the remote; not retried.
    Remote,
    /// The input as a whole cannot be read (corrupt, encrypted, not a spreadsheet).
    Data,
    /// Local I/O failure.
    Io,
}

/// A failure of a connector as a whole (a single bad row is a [`crate::Reject`] instead).
#[derive(Debug, thiserror::Error)]
#[error("{connector}: {message}")]
pub struct ConnectorError {
    /// The connector type that failed (`csv`, `excel`, `hubspot`, …).
    pub connector: &'static str,
    /// The classification.
    pub kind: ErrorKind,
    /// A message that says what went wrong and, where possible, what to do.
    pub message: String,
    /// The underlying cause.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ConnectorError {
    /// A new error with no underlying cause.
    pub fn new(connector: &'static str, kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            connector,
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attach the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Whether repeating the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Transient | ErrorKind::RateLimited { .. }
        )
    }
}
