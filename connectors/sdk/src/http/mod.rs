//! The HTTP client shared by API connectors (feature `http`).
//!
//! [`HttpClient`] wraps one reqwest client (HTTPS via rustls) and adds what every CRM API
//! needs: named client-side rate-limit buckets ([`HttpClientBuilder::bucket`]) that each
//! request draws from, a retry loop with exponential backoff, full jitter and `Retry-After`
//! ([`RetryPolicy`]) driven by a per-connector [`Classifier`], request counters
//! ([`HttpStats`]) and [`Secret`], a credential type that never prints.
//!
//! ```no_run
//! # async fn demo() -> Result<(), crmsync_sdk::ConnectorError> {
//! use std::time::Duration;
//! use crmsync_sdk::http::{HttpClient, HttpRequest, Secret};
//!
//! let client = HttpClient::builder("hubspot")
//!     .bucket("ten_secondly", 100, Duration::from_secs(10))
//!     .build()?;
//! let token = Secret::new("pat-na1-…");
//! let request = HttpRequest::get("https://api.hubapi.com/crm/v3/objects/contacts")
//!     .query("limit", "100")
//!     .bearer(&token)
//!     .buckets(&["ten_secondly"]);
//! let response = client.send(&request).await?;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```
//!
//! ## Layout
//!
//! - `client`: [`HttpClient`], [`HttpClientBuilder`] and the retry loop.
//! - `request`: [`HttpRequest`] and [`HttpResponse`].
//! - `classify`: [`Classifier`], [`Failure`] and [`default_classify`].
//! - `retry`: [`RetryPolicy`] and [`retry_after`].
//! - `secret`: [`Secret`].
//! - `stats`: [`HttpStats`].

mod classify;
mod client;
mod request;
mod retry;
mod secret;
mod stats;

pub use bytes::Bytes;
pub use classify::{default_classify, status_text, Classifier, Failure};
pub use client::{HttpClient, HttpClientBuilder};
pub use request::{HttpRequest, HttpResponse};
pub use reqwest::header::HeaderMap;
pub use reqwest::{Method, StatusCode};
pub use retry::{retry_after, RetryPolicy};
pub use secret::Secret;
pub use stats::HttpStats;
