//! Request pipeline: logging and URI checks for everything, then faults, authentication and
//! API-allowance accounting for the data API.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::faults::{decide_fault, dropped_response, fault_status, Decision, Dropped};
use super::log::RequestLogEntry;
use super::state::EmulatorState;

/// Salesforce's cap on the request line (and, with headers, on the whole request head).
pub(crate) const MAX_REQUEST_HEAD: usize = 16_384;

/// Outermost layer: URI length limits, trailing-slash normalisation, body buffering and the
/// request log.
pub(crate) async fn front(
    State(state): State<EmulatorState>,
    req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with("/__emulator/") {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let (mut parts, body) = req.into_parts();
    let mut request_bytes = 0;
    let response = match check_head(&parts) {
        Some(err) => err.into_response(),
        None => {
            let limit = state.config().upload_limit;
            match axum::body::to_bytes(body, limit).await {
                Ok(bytes) => {
                    request_bytes = bytes.len();
                    if let Some(uri) = trim_trailing_slash(&parts.uri) {
                        parts.uri = uri;
                    }
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
                Err(_) => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "REQUEST_ENTITY_TOO_LARGE",
                    format!("Request body exceeds the limit of {limit} bytes"),
                )
                .into_response(),
            }
        }
    };
    let dropped = response.extensions().get::<Dropped>().is_some();
    let response_bytes = if dropped {
        0
    } else {
        axum::body::HttpBody::size_hint(response.body())
            .exact()
            .unwrap_or(0)
    };
    state.record_request(RequestLogEntry {
        method,
        path,
        query,
        status: if dropped {
            0
        } else {
            response.status().as_u16()
        },
        request_bytes,
        response_bytes,
    });
    response
}

/// 414 for an over-long request line, 431 when the line plus headers is over the cap.
fn check_head(parts: &axum::http::request::Parts) -> Option<ApiError> {
    let target = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    let line = parts.method.as_str().len() + 1 + target + " HTTP/1.1\r\n".len();
    if line > MAX_REQUEST_HEAD {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            "URI Too Long",
        ));
    }
    let headers: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (line + headers > MAX_REQUEST_HEAD).then(|| {
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            "Request Header Fields Too Large",
        )
    })
}

/// Salesforce treats `/x/` like `/x`; clients such as simple-salesforce rely on it.
fn trim_trailing_slash(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    let rebuilt = match uri.query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    rebuilt.parse().ok()
}

/// Data API layer: faults, then the bearer token, then the daily allowance.
pub(crate) async fn api(State(state): State<EmulatorState>, req: Request, next: Next) -> Response {
    let (decision, delay) = decide_fault(&state);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match decision {
        Decision::Serve => {}
        Decision::Drop => return dropped_response(),
        Decision::Status(status) => return fault_status(status),
    }
    if !authorized(&state, &req) {
        return ApiError::invalid_session().into_response();
    }
    let (allowed, used) = {
        let mut inner = state.lock();
        if inner.api_used >= state.config().daily_limit {
            (false, inner.api_used)
        } else {
            inner.api_used += 1;
            (true, inner.api_used)
        }
    };
    let mut response = if allowed {
        next.run(req).await
    } else {
        ApiError::limit_exceeded().into_response()
    };
    let info = format!("api-usage={used}/{}", state.config().daily_limit);
    if let Ok(value) = HeaderValue::from_str(&info) {
        response.headers_mut().insert("Sforce-Limit-Info", value);
    }
    response
}

/// Accepts `Authorization: Bearer <token>` (or Salesforce's older `OAuth <token>`).
fn authorized(state: &EmulatorState, req: &Request) -> bool {
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("OAuth "))
        .map(str::trim)
        .unwrap_or("");
    !token.is_empty() && state.lock().tokens.contains(token)
}
