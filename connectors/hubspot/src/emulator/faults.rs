//! Reproducible fault injection.
//!
//! One uniform draw per API request picks at most one fault; a second draw (only for 5xx)
//! picks the status and body style. The generator is reseeded whenever faults are set, so a
//! test that sets `Faults { seed: 42, .. }` and sends the same request sequence sees the same
//! faults on every run.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::config::Faults;
use super::errors::{json_response, new_uuid, ApiError};
use super::store::Rejects;

/// A fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Close the connection without answering.
    DropConnection,
    /// Answer with this 5xx status; `html` picks an HTML (proxy-style) body over JSON.
    ServerError { status: u16, html: bool },
    /// Answer 423 Locked.
    Locked,
    /// Answer 429 as if the rate limit were hit.
    RateLimited,
}

/// Fault configuration plus its seeded generator.
#[derive(Debug)]
pub(crate) struct FaultEngine {
    faults: Faults,
    rng: SmallRng,
}

impl FaultEngine {
    pub(crate) fn new(faults: Faults) -> Self {
        let rng = SmallRng::seed_from_u64(faults.seed);
        Self { faults, rng }
    }

    /// Replaces the configuration and reseeds the generator.
    pub(crate) fn set(&mut self, faults: Faults) {
        *self = Self::new(faults);
    }

    /// The configuration in force.
    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Added latency in milliseconds.
    pub(crate) fn latency_ms(&self) -> u64 {
        self.faults.latency_ms
    }

    /// The inputs forced to fail validation.
    pub(crate) fn rejects(&self) -> Rejects {
        Rejects {
            emails_matching: self.faults.reject_emails_matching.clone(),
            ids: self.faults.reject_ids.clone(),
        }
    }

    /// Draws the fault (if any) for the next request.
    pub(crate) fn decide(&mut self) -> Option<Fault> {
        if !self.faults.has_random_faults() {
            return None;
        }
        let draw: f64 = self.rng.gen();
        let f = &self.faults;
        let mut edge = f.drop_connection_probability.clamp(0.0, 1.0);
        if draw < edge {
            return Some(Fault::DropConnection);
        }
        edge += f.server_error_probability.clamp(0.0, 1.0);
        if draw < edge {
            let pick: u8 = self.rng.gen_range(0..6);
            let status = [502, 503, 504][usize::from(pick % 3)];
            return Some(Fault::ServerError {
                status,
                html: pick >= 3,
            });
        }
        edge += f.locked_probability.clamp(0.0, 1.0);
        if draw < edge {
            return Some(Fault::Locked);
        }
        edge += f.rate_limit_probability.clamp(0.0, 1.0);
        if draw < edge {
            return Some(Fault::RateLimited);
        }
        None
    }
}

/// The response for a 5xx fault: a proxy-style HTML page or HubSpot's JSON error.
pub(crate) fn server_error_response(status: u16, html: bool) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let reason = code.canonical_reason().unwrap_or("Server Error");
    if html {
        let page = format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>\
             {status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n\
             </html>\r\n"
        );
        let mut response = (code, page).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        return response;
    }
    let body = json!({
        "status": "error",
        "message": "internal error",
        "correlationId": new_uuid(),
        "category": "INTERNAL_ERROR",
    });
    json_response(code, &body)
}

/// The response for a 423 fault.
pub(crate) fn locked_response() -> Response {
    ApiError::new(
        StatusCode::LOCKED,
        "LOCKED",
        "The resource is locked by a concurrent write. Retry after at least 2 seconds.",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(faults: Faults, n: usize) -> Vec<Option<Fault>> {
        let mut engine = FaultEngine::new(faults);
        (0..n).map(|_| engine.decide()).collect()
    }

    #[test]
    fn same_seed_same_faults() {
        let faults = Faults {
            server_error_probability: 0.2,
            rate_limit_probability: 0.2,
            drop_connection_probability: 0.1,
            seed: 42,
            ..Faults::none()
        };
        let first = sequence(faults.clone(), 200);
        assert_eq!(first, sequence(faults.clone(), 200));
        let other = sequence(Faults { seed: 43, ..faults }, 200);
        assert_ne!(first, other);
        let hits = first.iter().filter(|f| f.is_some()).count();
        assert!(
            (60..=140).contains(&hits),
            "{hits} faults out of 200 at p=0.5"
        );
    }

    #[test]
    fn certain_faults_always_fire() {
        let locked = Faults {
            locked_probability: 1.0,
            ..Faults::none()
        };
        assert!(sequence(locked, 20)
            .iter()
            .all(|f| *f == Some(Fault::Locked)));
        assert!(sequence(Faults::none(), 20).iter().all(Option::is_none));
    }
}
