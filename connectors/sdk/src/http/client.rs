//! [`HttpClient`]: one reqwest client, named rate-limit buckets and the retry loop.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use reqwest::header::{HeaderValue, AUTHORIZATION};

use super::classify::{default_classify, Classifier, Failure};
use super::request::{Body, HttpRequest, HttpResponse};
use super::retry::{retry_after, RetryPolicy};
use super::stats::{Count, Counters, HttpStats};
use crate::{ConnectorError, ErrorKind};

/// Configures an [`HttpClient`].
pub struct HttpClientBuilder {
    connector: &'static str,
    timeout: Duration,
    user_agent: String,
    buckets: Vec<(String, u32, Duration)>,
    retry: RetryPolicy,
    classifier: Classifier,
    jitter_seed: Option<u64>,
}

impl HttpClientBuilder {
    /// Timeout of each attempt, connect to last body byte (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `crmsync/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// A named bucket admitting at most `requests` per `window` in any rolling window (for
    /// example `"ten_secondly"`, 100 per 10 s). Requests name the buckets they draw from with
    /// [`HttpRequest::buckets`]. A zero count or window is treated as 1 per second.
    pub fn bucket(mut self, name: impl Into<String>, requests: u32, window: Duration) -> Self {
        self.buckets.push((name.into(), requests, window));
        self
    }

    /// Retry timing (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The connector's response classifier (default [`default_classify`]).
    pub fn classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = classifier;
        self
    }

    /// Seeds the jitter generator so tests get the same delays every run.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_seed = Some(seed);
        self
    }

    /// Builds the client (HTTPS through rustls).
    pub fn build(self) -> Result<HttpClient, ConnectorError> {
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|err| {
                ConnectorError::new(
                    self.connector,
                    ErrorKind::Config,
                    format!("cannot build the HTTP client: {err}"),
                )
            })?;
        let buckets = self
            .buckets
            .into_iter()
            .map(|(name, requests, window)| (name, Arc::new(limiter(requests, window))))
            .collect();
        let rng = match self.jitter_seed {
            Some(seed) => SmallRng::seed_from_u64(seed),
            None => SmallRng::from_entropy(),
        };
        Ok(HttpClient {
            inner: Arc::new(Inner {
                connector: self.connector,
                http,
                buckets,
                retry: self.retry,
                classifier: self.classifier,
                rng: Mutex::new(rng),
                counters: Counters::default(),
            }),
        })
    }
}

/// A GCRA limiter that never admits more than `requests` in any rolling `window`: calls are
/// spaced evenly, one every `(window + window / 20) / requests`, with no burst.
///
/// Even spacing is what sustains the highest rate: any burst must be paid for by a slower
/// steady rate (a burst of a tenth of the allowance leaves 90% of it, and one call of five
/// per second leaves 80%). The extra twentieth of a window keeps any `requests + 1`
/// consecutive calls at least that much more than a window apart when sent, so the server
/// still counts at most `requests` in a window when it sees calls up to 5% of a window
/// earlier or later than they left (0.5 s of a 10 s window, 50 ms of a 1 s one). That costs
/// about 5% of the allowance.
fn limiter(requests: u32, window: Duration) -> DefaultDirectRateLimiter {
    let requests = requests.max(1);
    let window = if window.is_zero() {
        Duration::from_secs(1)
    } else {
        window
    };
    let period = ((window + window / 20) / requests).max(Duration::from_nanos(1));
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN);
    RateLimiter::direct(quota)
}

struct Inner {
    connector: &'static str,
    http: reqwest::Client,
    buckets: HashMap<String, Arc<DefaultDirectRateLimiter>>,
    retry: RetryPolicy,
    classifier: Classifier,
    rng: Mutex<SmallRng>,
    counters: Counters,
}

/// The HTTP client API connectors share: one connection pool, client-side rate limiting
/// through named buckets, retries with backoff for transient failures, and request counters.
/// Cheap to clone; clones share pool, buckets and counters.
///
/// Credentials travel only in [`HttpRequest::bearer`] or form bodies, are sent as sensitive
/// headers and never appear in errors, traces or `Debug` output.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("connector", &self.inner.connector)
            .field("buckets", &self.inner.buckets.keys().collect::<Vec<_>>())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Starts configuring a client for `connector` (the name errors carry).
    pub fn builder(connector: &'static str) -> HttpClientBuilder {
        HttpClientBuilder {
            connector,
            timeout: Duration::from_secs(60),
            user_agent: format!("crmsync/{}", env!("CARGO_PKG_VERSION")),
            buckets: Vec::new(),
            retry: RetryPolicy::default(),
            classifier: Arc::new(default_classify),
            jitter_seed: None,
        }
    }

    /// Counters of everything sent so far.
    pub fn stats(&self) -> HttpStats {
        self.inner.counters.snapshot()
    }

    /// Sends `request`, waiting on its buckets before every attempt and retrying transient
    /// and rate-limit failures per the [`RetryPolicy`]. Returns every response the classifier
    /// accepts; otherwise a [`ConnectorError`] of the classified kind (after the last attempt
    /// for retryable kinds).
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let inner = &self.inner;
        if let Some(problem) = &request.invalid {
            return Err(self.error(ErrorKind::Config, problem.clone()));
        }
        let mut limiters = Vec::with_capacity(request.buckets.len());
        for name in &request.buckets {
            let limiter = inner.buckets.get(name).ok_or_else(|| {
                self.error(
                    ErrorKind::Config,
                    format!("unknown rate-limit bucket `{name}`"),
                )
            })?;
            limiters.push(limiter);
        }
        let max_attempts = inner.retry.max_attempts.max(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            for limiter in &limiters {
                limiter.until_ready().await;
            }
            inner.counters.bump(Count::Request);
            if attempt > 1 {
                inner.counters.bump(Count::Retry);
            }
            let (failure, server_delay) = match self.attempt(request).await {
                Ok(response) => {
                    if response.status.as_u16() == 429 {
                        inner.counters.bump(Count::RateLimited);
                    }
                    match (inner.classifier)(&response) {
                        None => return Ok(response),
                        Some(failure) => {
                            let delay = retry_after(&response.headers);
                            (failure, delay)
                        }
                    }
                }
                Err(failure) => {
                    inner.counters.bump(Count::TransportError);
                    (failure, None)
                }
            };
            let retryable = matches!(
                failure.kind,
                ErrorKind::Transient | ErrorKind::RateLimited { .. }
            );
            if !retryable {
                return Err(self.error(failure.kind, failure.message));
            }
            let server_delay = match failure.kind {
                ErrorKind::RateLimited { retry_after } => retry_after.or(server_delay),
                _ => server_delay,
            };
            if attempt >= max_attempts {
                return Err(self.error(
                    failure.kind,
                    format!(
                        "{} {} failed after {attempt} attempts: {}",
                        request.method, request.url, failure.message
                    ),
                ));
            }
            if server_delay.is_some_and(|d| d > inner.retry.max_retry_after) {
                return Err(self.error(
                    failure.kind,
                    format!(
                        "{} {}: the server asks to wait {}s, longer than allowed: {}",
                        request.method,
                        request.url,
                        server_delay.map_or(0, |d| d.as_secs()),
                        failure.message
                    ),
                ));
            }
            let delay = match server_delay {
                Some(delay) => delay,
                None => {
                    let mut rng = inner
                        .rng
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    inner.retry.backoff(attempt, &mut *rng)
                }
            };
            tracing::debug!(
                connector = inner.connector,
                method = %request.method,
                url = %request.url,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                reason = %failure.message,
                "retrying request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: a response with its whole body, or a transport failure.
    async fn attempt(&self, request: &HttpRequest) -> Result<HttpResponse, Failure> {
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), &request.url)
            .headers(request.headers.clone());
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(token) = &request.bearer {
            let mut value =
                HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
                    Failure {
                        kind: ErrorKind::Config,
                        message: "the access token contains characters not allowed in a header"
                            .to_owned(),
                    }
                })?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        builder = match &request.body {
            None => builder,
            Some(Body::Json(bytes)) => builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Some(Body::Form(pairs)) => {
                let exposed: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.expose()))
                    .collect();
                builder.form(&exposed)
            }
            Some(Body::Raw {
                content_type,
                bytes,
            }) => builder
                .header(reqwest::header::CONTENT_TYPE, content_type.clone())
                .body(bytes.clone()),
        };
        let response = builder.send().await.map_err(transport_failure)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport_failure)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    fn error(&self, kind: ErrorKind, message: String) -> ConnectorError {
        ConnectorError::new(self.inner.connector, kind, message)
    }
}

/// A transport error as a transient failure. The URL is stripped because reqwest includes
/// the query, and errors travel into logs.
fn transport_failure(err: reqwest::Error) -> Failure {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the response was cut off"
    } else {
        "the connection failed"
    };
    let err = err.without_url();
    let mut message = format!("{what}: {err}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Failure {
        kind: ErrorKind::Transient,
        message,
    }
}
