//! Request counters of an [`crate::http::HttpClient`].

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of what a client sent; see [`crate::http::HttpClient::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HttpStats {
    /// Every attempt that went out, retries included.
    pub requests: u64,
    /// Attempts that repeated an earlier failed attempt.
    pub retries: u64,
    /// Responses with status 429, whatever the classifier made of them.
    pub rate_limited: u64,
    /// Attempts that failed without a response (connect, reset, timeout).
    pub transport_errors: u64,
}

/// Lock-free counters behind [`HttpStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    transport_errors: AtomicU64,
}

/// Which counter to bump.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Count {
    Request,
    Retry,
    RateLimited,
    TransportError,
}

impl Counters {
    pub(crate) fn bump(&self, count: Count) {
        let counter = match count {
            Count::Request => &self.requests,
            Count::Retry => &self.retries,
            Count::RateLimited => &self.rate_limited,
            Count::TransportError => &self.transport_errors,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> HttpStats {
        HttpStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            transport_errors: self.transport_errors.load(Ordering::Relaxed),
        }
    }
}
