//! [`HttpRequest`] (a replayable request description) and [`HttpResponse`].

use std::fmt;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::Secret;

/// A request body.
#[derive(Clone)]
pub(crate) enum Body {
    /// `application/json`.
    Json(Bytes),
    /// `application/x-www-form-urlencoded`; values may be credentials.
    Form(Vec<(String, Secret)>),
    /// Bytes sent as they are, under the given `Content-Type` (CSV uploads and the like).
    Raw {
        /// The `Content-Type` header value.
        content_type: HeaderValue,
        /// The body.
        bytes: Bytes,
    },
}

/// A request the client can send again on retry: method, URL, query, headers, body, bearer
/// credential and the rate-limit buckets it draws from.
///
/// `Debug` shows the method, URL and buckets only: bodies and credentials stay out of logs.
#[derive(Clone)]
pub struct HttpRequest {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Body>,
    pub(crate) bearer: Option<Secret>,
    pub(crate) buckets: Vec<String>,
    pub(crate) invalid: Option<String>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("buckets", &self.buckets)
            .finish_non_exhaustive()
    }
}

impl HttpRequest {
    /// A request with no query, body or credentials, drawing from no bucket.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            bearer: None,
            buckets: Vec::new(),
            invalid: None,
        }
    }

    /// `GET url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::GET, url)
    }

    /// `POST url`.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::POST, url)
    }

    /// `PUT url`.
    pub fn put(url: impl Into<String>) -> Self {
        Self::new(Method::PUT, url)
    }

    /// `PATCH url`.
    pub fn patch(url: impl Into<String>) -> Self {
        Self::new(Method::PATCH, url)
    }

    /// Appends a query parameter (percent-encoded when sent).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header; an invalid name or value makes [`crate::http::HttpClient::send`] fail
    /// with a configuration error.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => self.invalid = Some(format!("invalid header `{name}`")),
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(Body::Json(Bytes::from(bytes))),
            Err(err) => self.invalid = Some(format!("request body is not JSON: {err}")),
        }
        self
    }

    /// Sends these pairs form-encoded; values are secrets because token endpoints take
    /// client secrets and refresh tokens this way.
    pub fn form(mut self, pairs: Vec<(String, Secret)>) -> Self {
        self.body = Some(Body::Form(pairs));
        self
    }

    /// Sends `body` unchanged with `Content-Type: content_type` (for example `text/csv` for
    /// Salesforce Bulk API uploads). An invalid content type makes
    /// [`crate::http::HttpClient::send`] fail with a configuration error. The bytes are shared,
    /// so retries do not copy them.
    pub fn raw(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        match HeaderValue::try_from(content_type) {
            Ok(content_type) => {
                self.body = Some(Body::Raw {
                    content_type,
                    bytes: body.into(),
                })
            }
            Err(_) => self.invalid = Some(format!("invalid content type `{content_type}`")),
        }
        self
    }

    /// Authenticates with `Authorization: Bearer <token>` (sent as a sensitive header).
    pub fn bearer(mut self, token: &Secret) -> Self {
        self.bearer = Some(token.clone());
        self
    }

    /// The rate-limit buckets (by the names given to
    /// [`crate::http::HttpClientBuilder::bucket`]) this request waits on before each attempt.
    pub fn buckets(mut self, names: &[&str]) -> Self {
        self.buckets = names.iter().map(|n| (*n).to_owned()).collect();
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL without the query.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// A complete response: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: Bytes,
}

impl HttpResponse {
    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// A header as text, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The start of the body as text, for error messages (at most `max` characters).
    pub fn body_snippet(&self, max: usize) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(max)
            .collect()
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
