//! Fault injection: the runtime settings and the per-request decision.
//!
//! Request-level faults (5xx, latency, dropped connections) apply to data API requests under
//! `/services/data/vXX.X/`; the token endpoint, the versions list and the emulator's own
//! control endpoints are never faulted. A faulted request is decided before any handler runs,
//! so it never changes state and is not counted against the API allowance. Record-level
//! faults (row locks, forced per-external-id errors) apply to API writes only, never to the
//! direct edits made through `RunningEmulator`.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::error::ApiError;
use super::state::EmulatorState;

/// A fault to inject into the next data API request, ahead of any random fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptedFault {
    /// Answer with this HTTP status (500 or 503 get Salesforce's error bodies).
    Status(u16),
    /// Close the connection without a complete response.
    Drop,
    /// Delay the request, then serve it normally.
    Delay(Duration),
}

/// Runtime-settable fault configuration. The default injects nothing.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Seed of the random generator behind every probability below; setting new faults
    /// reseeds it, so a run is reproducible.
    pub seed: u64,
    /// Chance that a data API request fails with 500 or 503 (half each).
    pub server_error_probability: f64,
    /// Chance that a data API request's connection is dropped mid-response.
    pub drop_probability: f64,
    /// Fixed extra latency for every data API request.
    pub latency: Duration,
    /// Random extra latency, uniform in `0..=latency_jitter`, on top of `latency`.
    pub latency_jitter: Duration,
    /// Chance that a single record write fails with `UNABLE_TO_LOCK_ROW`.
    pub lock_row_probability: f64,
    /// Record writes whose external id value is a key here fail with the mapped error code
    /// (`DUPLICATES_DETECTED`, `UNABLE_TO_LOCK_ROW`, or any other code).
    pub reject_external_ids: HashMap<String, &'static str>,
    /// Faults consumed one per data API request, in order, before the random ones.
    pub scripted: VecDeque<ScriptedFault>,
}

impl Faults {
    /// No faults, with the given seed.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }
}

/// What the middleware decided to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Serve,
    Status(u16),
    Drop,
}

/// Marks a response whose connection is to be dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped;

/// Rolls the dice for one data API request: what to do and how long to wait first.
pub(crate) fn decide_fault(state: &EmulatorState) -> (Decision, Duration) {
    let mut inner = state.lock();
    let inner = &mut *inner;
    let faults = &inner.faults;
    let rng = &mut inner.fault_rng;
    let mut delay = faults.latency;
    if !faults.latency_jitter.is_zero() {
        let jitter =
            rng.gen_range(0..=faults.latency_jitter.as_millis().min(u64::MAX as u128) as u64);
        delay += Duration::from_millis(jitter);
    }
    if let Some(scripted) = inner.faults.scripted.pop_front() {
        return match scripted {
            ScriptedFault::Status(s) => (Decision::Status(s), delay),
            ScriptedFault::Drop => (Decision::Drop, delay),
            ScriptedFault::Delay(d) => (Decision::Serve, delay + d),
        };
    }
    let faults = &inner.faults;
    let rng = &mut inner.fault_rng;
    if faults.drop_probability > 0.0 && rng.gen_bool(faults.drop_probability.clamp(0.0, 1.0)) {
        return (Decision::Drop, delay);
    }
    let p = faults.server_error_probability.clamp(0.0, 1.0);
    if p > 0.0 && rng.gen_bool(p) {
        let status = if rng.gen_bool(0.5) { 500 } else { 503 };
        return (Decision::Status(status), delay);
    }
    (Decision::Serve, delay)
}

/// A response whose body fails before any byte is written: the server closes the connection
/// and the client sees a reset or an incomplete response.
pub(crate) fn dropped_response() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped by fault injection",
        ))
    });
    let mut response = Response::new(Body::from_stream(failing));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("1024"));
    response.extensions_mut().insert(Dropped);
    response
}

/// Salesforce's error body for an injected status.
pub(crate) fn fault_status(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let err = match code {
        StatusCode::SERVICE_UNAVAILABLE => ApiError::new(
            code,
            "SERVER_UNAVAILABLE",
            "Server temporarily unavailable.",
        ),
        StatusCode::INTERNAL_SERVER_ERROR => ApiError::new(
            code,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: \
             1427263955-57652 (-1279076416)",
        ),
        StatusCode::FORBIDDEN => ApiError::limit_exceeded(),
        StatusCode::UNAUTHORIZED => ApiError::invalid_session(),
        _ => ApiError::new(
            code,
            "UNKNOWN_EXCEPTION",
            code.canonical_reason().unwrap_or("error"),
        ),
    };
    err.into_response()
}
