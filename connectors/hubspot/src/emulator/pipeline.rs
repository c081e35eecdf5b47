//! The middleware every API call passes through, in HubSpot's order of concerns:
//! added latency → injected fault → authentication → rate limits → handler → rate-limit
//! headers → request log.
//!
//! Faults are decided before anything else runs, so a faulted call never mutates state or
//! consumes quota. Search calls draw from their own per-second bucket and get no
//! `X-HubSpot-RateLimit-*` headers; OAuth token calls are neither authenticated nor limited.

use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::auth::Principal;
use super::errors::{rate_limit_response, ApiError, Policy};
use super::faults::{locked_response, server_error_response, Fault};
use super::limits::{Admission, Bucket, Usage};
use super::log::LoggedRequest;
use super::state::EmulatorState;

/// Largest request body accepted (HubSpot batch bodies are far smaller).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Response extension telling the accept loop to close the connection without answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The middleware; see the module docs.
pub(crate) async fn pipeline(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if path == "/__emulator" || path.starts_with("/__emulator/") {
        return next.run(request).await;
    }
    let at = Utc::now();
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_owned);
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY_BYTES).await;
    let body_len = body.as_ref().map_or(0, Bytes::len);
    let latency = state.fault_engine().latency_ms();
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let is_search = method == Method::POST && path.ends_with("/search");
    let fault = state.fault_engine().decide();
    let (response, status) = match fault {
        Some(Fault::DropConnection) => (dropped_connection(), 0),
        Some(fault) => {
            let response = fault_response(&state, fault, is_search);
            let status = response.status().as_u16();
            (response, status)
        }
        None => {
            let response = match body {
                Ok(bytes) => {
                    let request = Request::from_parts(parts, Body::from(bytes));
                    admit_and_run(&state, request, &path, is_search, next).await
                }
                Err(_) => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "VALIDATION_ERROR",
                    format!("Request body larger than {MAX_BODY_BYTES} bytes"),
                )
                .into_response(),
            };
            let status = response.status().as_u16();
            (response, status)
        }
    };
    state.log().push(LoggedRequest {
        method: method.to_string(),
        path,
        query,
        body_len,
        status,
        at,
    });
    response
}

async fn admit_and_run(
    state: &EmulatorState,
    request: Request,
    path: &str,
    is_search: bool,
    next: Next,
) -> Response {
    if path.starts_with("/oauth/") {
        return next.run(request).await;
    }
    let auth_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let principal = match state.auth().check(auth_header) {
        Ok(principal) => principal,
        Err(err) => return err.into_response(),
    };
    let bucket = if is_search {
        Bucket::Search
    } else {
        Bucket::Standard
    };
    let admission = state.limiter().admit(bucket, Instant::now());
    match admission {
        Admission::Allowed(usage) => {
            let mut response = next.run(request).await;
            if !is_search {
                add_rate_headers(response.headers_mut(), usage, principal);
            }
            response
        }
        Admission::Denied {
            policy,
            usage,
            retry_after,
        } => {
            let mut response = rate_limit_response(policy);
            if !is_search {
                let headers = response.headers_mut();
                add_rate_headers(headers, usage, principal);
                if policy == Policy::TenSecondly {
                    let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                    headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
            }
            response
        }
    }
}

fn fault_response(state: &EmulatorState, fault: Fault, is_search: bool) -> Response {
    match fault {
        Fault::ServerError { status, html } => server_error_response(status, html),
        Fault::Locked => locked_response(),
        Fault::RateLimited if is_search => rate_limit_response(Policy::Secondly),
        Fault::RateLimited | Fault::DropConnection => {
            let mut response = rate_limit_response(Policy::TenSecondly);
            let usage = Usage {
                remaining: 0,
                ..state.limiter().peek(Instant::now())
            };
            let headers = response.headers_mut();
            add_rate_headers(headers, usage, Principal::Static);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(1u64));
            response
        }
    }
}

/// HubSpot's rate-limit headers; OAuth calls carry no daily figures.
fn add_rate_headers(headers: &mut HeaderMap, usage: Usage, principal: Principal) {
    if principal == Principal::Static {
        headers.insert("x-hubspot-ratelimit-daily", HeaderValue::from(usage.daily));
        headers.insert(
            "x-hubspot-ratelimit-daily-remaining",
            HeaderValue::from(usage.daily_remaining),
        );
    }
    headers.insert(
        "x-hubspot-ratelimit-interval-milliseconds",
        HeaderValue::from(10_000u32),
    );
    headers.insert("x-hubspot-ratelimit-max", HeaderValue::from(usage.max));
    headers.insert(
        "x-hubspot-ratelimit-remaining",
        HeaderValue::from(usage.remaining),
    );
}

/// A response the accept loop turns into a closed connection. Served by another server, its
/// body fails on the first read, which aborts the connection mid-response.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))
    });
    let mut response = Body::from_stream(stream).into_response();
    response.extensions_mut().insert(DropConnection);
    response
}
