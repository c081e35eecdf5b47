//! Turning responses into success or a classified failure.

use std::sync::Arc;

use reqwest::StatusCode;

use super::request::HttpResponse;
use super::retry::retry_after;
use crate::ErrorKind;

/// A response the connector refuses, with its classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Decides retrying: `Transient` and `RateLimited` are retried, anything else is returned
    /// to the caller at once.
    pub kind: ErrorKind,
    /// What went wrong, in the remote's words (never containing credentials).
    pub message: String,
}

/// Maps a response to `None` (hand it to the caller, 207 and expected 404s included) or a
/// [`Failure`]. Each connector supplies its own so remote-specific signals (HubSpot's
/// `policyName: DAILY`, Salesforce's `REQUEST_LIMIT_EXCEEDED`) get the right kind.
pub type Classifier = Arc<dyn Fn(&HttpResponse) -> Option<Failure> + Send + Sync>;

/// The generic classification: 2xx/3xx succeed; 429 is `RateLimited` (with `Retry-After`);
/// 408, 423, 425, 477 and 5xx are `Transient`; 401/403 are `Auth`; other 4xx are `Remote`.
pub fn default_classify(response: &HttpResponse) -> Option<Failure> {
    let status = response.status;
    let kind = match status.as_u16() {
        200..=399 => return None,
        429 => ErrorKind::RateLimited {
            retry_after: retry_after(&response.headers),
        },
        408 | 423 | 425 | 477 | 500..=599 => ErrorKind::Transient,
        401 | 403 => ErrorKind::Auth,
        _ => ErrorKind::Remote,
    };
    Some(Failure {
        kind,
        message: format!(
            "HTTP {}: {}",
            status_text(status),
            response.body_snippet(300)
        ),
    })
}

/// `"423 Locked"`, or the bare number for statuses without a reason phrase.
pub fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use std::time::Duration;

    fn response(status: u16, retry: Option<&'static str>) -> HttpResponse {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry {
            headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
        }
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            headers,
            body: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn table() {
        let cases = [
            (200, None, None),
            (207, None, None),
            (
                429,
                Some("2"),
                Some(ErrorKind::RateLimited {
                    retry_after: Some(Duration::from_secs(2)),
                }),
            ),
            (
                429,
                None,
                Some(ErrorKind::RateLimited { retry_after: None }),
            ),
            (423, None, Some(ErrorKind::Transient)),
            (477, None, Some(ErrorKind::Transient)),
            (502, None, Some(ErrorKind::Transient)),
            (401, None, Some(ErrorKind::Auth)),
            (400, None, Some(ErrorKind::Remote)),
        ];
        for (status, retry, want) in cases {
            let got = default_classify(&response(status, retry)).map(|f| f.kind);
            assert_eq!(got, want, "{status}");
        }
    }
}
