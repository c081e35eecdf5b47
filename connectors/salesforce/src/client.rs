//! [`SalesforceConnector`]: construction, the authenticated request path shared by every
//! operation (session renewal on 401, `Sforce-Limit-Info` accounting, the daily-allowance
//! stop, error mapping), and the [`CrmConnector`] implementation. Pulls are in
//! the crate's `pull` module, pushes in [`crate::push`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use crmsync_sdk::crm::{CheckReport, CrmConnector, Cursor, ObjectSchema, OutboundRecord};
use crmsync_sdk::crm::{PullPage, WriteOutcome};
use crmsync_sdk::http::{Failure, HttpClient, HttpRequest, HttpResponse, HttpStats};
use crmsync_sdk::{ConnectorError, ErrorKind};
use futures::stream::BoxStream;
use serde_json::Value;

use crate::auth::{Authenticator, Session};
use crate::config::{Credentials, SalesforceConfig};
use crate::parse::{parse_describe, parse_error_body, parse_limit_info, ApiUsage};
use crate::soql::selectable_fields;
use crate::CONNECTOR;

/// Records per sObject Collections call (the API's maximum).
pub const COLLECTIONS_MAX: usize = 200;

/// Most rows one REST query page returns (Salesforce's default and largest batch size).
pub const QUERY_PAGE_MAX: usize = 2_000;

/// Records one push may carry when Bulk API 2.0 ingest is in use: 50,000 ordinary records
/// make one job of a few calls, where Collections would take 250.
pub const BULK_PUSH_MAX_BATCH: usize = 50_000;

/// Retries only what a later attempt can fix: 429, 5xx, 408 and the concurrent-request
/// limit. Every other status reaches the connector, which reads Salesforce's error body.
pub fn classify(response: &HttpResponse) -> Option<Failure> {
    let status = response.status.as_u16();
    let message = || {
        let body = String::from_utf8_lossy(&response.body);
        match parse_error_body(&body) {
            Some((code, message)) => format!("HTTP {status} {code}: {message}"),
            None => format!("HTTP {status}: {}", response.body_snippet(200)),
        }
    };
    let kind = match status {
        429 => ErrorKind::RateLimited {
            retry_after: crmsync_sdk::http::retry_after(&response.headers),
        },
        408 | 500..=599 => ErrorKind::Transient,
        403 => {
            let body = String::from_utf8_lossy(&response.body);
            match parse_error_body(&body) {
                // ConcurrentPerOrgLongTxn and similar: clears within seconds.
                Some((code, msg)) if code == "REQUEST_LIMIT_EXCEEDED" && !is_daily(&msg) => {
                    ErrorKind::RateLimited { retry_after: None }
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(Failure {
        kind,
        message: message(),
    })
}

/// Whether a `REQUEST_LIMIT_EXCEEDED` message is the rolling 24-hour allowance.
fn is_daily(message: &str) -> bool {
    message.contains("TotalRequests")
}

/// The Salesforce CRM connector.
pub struct SalesforceConnector {
    pub(crate) config: SalesforceConfig,
    pub(crate) http: HttpClient,
    auth: Authenticator,
    usage: Mutex<Option<ApiUsage>>,
    /// Request-line budget for queries; lowered by tests to force field splitting.
    pub(crate) request_budget: usize,
    /// Largest Bulk ingest upload in bytes; lowered by tests to force several jobs.
    pub(crate) upload_cap: usize,
    fields: Mutex<HashMap<String, Arc<Vec<String>>>>,
}

impl std::fmt::Debug for SalesforceConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceConnector")
            .field("config", &self.config)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl SalesforceConnector {
    /// A connector reading its credentials from the environment.
    pub fn new(config: SalesforceConfig) -> Result<Self, ConnectorError> {
        let creds = config.resolve()?;
        Self::with_credentials(config, creds)
    }

    /// A connector with credentials already resolved and the default HTTP client.
    pub fn with_credentials(
        config: SalesforceConfig,
        creds: Credentials,
    ) -> Result<Self, ConnectorError> {
        let http = HttpClient::builder(CONNECTOR)
            .timeout(Duration::from_secs(600))
            .classifier(Arc::new(classify))
            .build()?;
        Self::with_http(config, creds, http)
    }

    /// A connector over a caller-built client, which must use [`classify`] as its classifier
    /// for 401 renewal and error bodies to work.
    pub fn with_http(
        config: SalesforceConfig,
        creds: Credentials,
        http: HttpClient,
    ) -> Result<Self, ConnectorError> {
        config.validate()?;
        let auth = Authenticator::new(&config, creds, http.clone())?;
        Ok(SalesforceConnector {
            config,
            http,
            auth,
            usage: Mutex::new(None),
            request_budget: crate::soql::MAX_REQUEST_BYTES,
            upload_cap: crate::bulk_csv::UPLOAD_MAX_BYTES,
            fields: Mutex::new(HashMap::new()),
        })
    }

    /// The API usage the last response reported.
    pub fn api_usage(&self) -> Option<ApiUsage> {
        *self.usage.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counters of the HTTP client.
    pub fn http_stats(&self) -> HttpStats {
        self.http.stats()
    }

    pub(crate) fn data_url(&self, session: &Session, path: &str) -> String {
        format!(
            "{}/services/data/v{}{path}",
            session.instance_url, self.config.api_version
        )
    }

    fn quota_error(&self, usage: ApiUsage) -> ConnectorError {
        ConnectorError::new(
            CONNECTOR,
            ErrorKind::QuotaExhausted,
            format!(
                "stopping: the org has used {} of {} daily API requests and \
                 max_daily_api_percent is {}%",
                usage.used, usage.max, self.config.max_daily_api_percent
            ),
        )
    }

    /// Fails with [`ErrorKind::QuotaExhausted`] when `calls` more requests would take the
    /// org past the configured share of its daily allowance (as last reported), so work that
    /// needs several calls to be of use (a Bulk job) is not started only to be cut off.
    pub(crate) fn check_budget(&self, calls: u64) -> Result<(), ConnectorError> {
        let Some(usage) = self.api_usage() else {
            return Ok(());
        };
        let allowed = u128::from(usage.max) * u128::from(self.config.max_daily_api_percent);
        if (u128::from(usage.used) + u128::from(calls)) * 100 > allowed {
            Err(self.quota_error(usage))
        } else {
            Ok(())
        }
    }

    /// Sends the request `build` makes for the current session: stops before the configured
    /// share of the daily allowance, renews the session once on 401, records
    /// `Sforce-Limit-Info`, and turns error statuses into [`ConnectorError`]s.
    pub(crate) async fn call(
        &self,
        build: impl Fn(&Session) -> HttpRequest,
    ) -> Result<HttpResponse, ConnectorError> {
        if let Some(usage) = self.api_usage() {
            if usage.at_or_over(self.config.max_daily_api_percent) {
                return Err(self.quota_error(usage));
            }
        }
        let mut session = self.auth.session().await?;
        let mut renewed = false;
        loop {
            let request = build(&session).bearer(&session.access_token);
            let response = self.http.send(&request).await?;
            if let Some(usage) = response
                .header("Sforce-Limit-Info")
                .and_then(parse_limit_info)
            {
                *self.usage.lock().unwrap_or_else(|p| p.into_inner()) = Some(usage);
            }
            let status = response.status.as_u16();
            if status < 300 {
                return Ok(response);
            }
            let body = String::from_utf8_lossy(&response.body);
            let (code, message) = parse_error_body(&body)
                .unwrap_or_else(|| (String::new(), response.body_snippet(200)));
            if status == 401 && !renewed {
                tracing::debug!(connector = CONNECTOR, code = %code, "session refused; renewing");
                session = self.auth.renew(&session).await?;
                renewed = true;
                continue;
            }
            let kind = match (status, code.as_str()) {
                (401, _) => ErrorKind::Auth,
                (403, "REQUEST_LIMIT_EXCEEDED") => ErrorKind::QuotaExhausted,
                (403, _) => ErrorKind::Auth,
                _ => ErrorKind::Remote,
            };
            let mut text = format!("HTTP {status}");
            if !code.is_empty() {
                text.push_str(&format!(" {code}"));
            }
            return Err(ConnectorError::new(
                CONNECTOR,
                kind,
                format!("{text}: {message}"),
            ));
        }
    }

    /// GET a data API path and parse JSON.
    pub(crate) async fn get_json(&self, path: &str) -> Result<Value, ConnectorError> {
        let response = self
            .call(|s| HttpRequest::get(self.data_url(s, path)))
            .await?;
        response.json().map_err(|e| {
            ConnectorError::new(CONNECTOR, ErrorKind::Remote, format!("{path}: not JSON"))
                .with_source(e)
        })
    }

    async fn describe(&self, object: &str) -> Result<ObjectSchema, ConnectorError> {
        let path = format!("/sobjects/{object}/describe");
        let response = self
            .call(|s| HttpRequest::get(self.data_url(s, &path)))
            .await?;
        let body = String::from_utf8_lossy(&response.body);
        let described = parse_describe(&body).ok_or_else(|| {
            ConnectorError::new(
                CONNECTOR,
                ErrorKind::Remote,
                format!("describe of {object} has an unexpected shape"),
            )
        })?;
        let fields = selectable_fields(&described.schema, &described.compound_parents);
        self.fields
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(object.to_string(), Arc::new(fields));
        Ok(described.schema)
    }

    /// The fields a pull of `object` selects, from a cached or fresh describe.
    pub(crate) async fn pull_fields(
        &self,
        object: &str,
    ) -> Result<Arc<Vec<String>>, ConnectorError> {
        let cached = self
            .fields
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(object)
            .cloned();
        if let Some(fields) = cached {
            return Ok(fields);
        }
        self.describe(object).await?;
        self.fields
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(object)
            .cloned()
            .ok_or_else(|| {
                ConnectorError::new(CONNECTOR, ErrorKind::Remote, "describe gave no fields")
            })
    }
}

fn limit_pair(limits: &Value) -> (Option<u64>, Option<u64>) {
    let daily = limits.get("DailyApiRequests");
    let get = |k: &str| daily.and_then(|d| d.get(k)).and_then(Value::as_u64);
    (get("Remaining"), get("Max"))
}

#[async_trait]
impl CrmConnector for SalesforceConnector {
    fn kind(&self) -> &'static str {
        CONNECTOR
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let limits = self.get_json("/limits").await?;
        let (remaining, max) = limit_pair(&limits);
        let session = self.auth.session().await?;
        let who = session
            .identity
            .as_deref()
            .and_then(|id| {
                let mut parts = id.rsplit('/');
                let user = parts.next()?;
                let org = parts.next()?;
                Some(format!("org {org}, user {user}"))
            })
            .unwrap_or_else(|| "access token".to_string());
        Ok(CheckReport {
            identity: format!("{} ({who})", session.instance_url),
            quota_remaining: remaining,
            quota_max: max,
        })
    }

    async fn discover(&self) -> Result<Vec<ObjectSchema>, ConnectorError> {
        let mut out = Vec::with_capacity(self.config.objects.len());
        for object in &self.config.objects {
            out.push(self.describe(object).await?);
        }
        Ok(out)
    }

    fn pull<'a>(
        &'a self,
        object: &'a str,
        cursor: Option<Cursor>,
    ) -> BoxStream<'a, Result<PullPage, ConnectorError>> {
        crate::pull::pull_stream(self, object, cursor)
    }

    /// [`BULK_PUSH_MAX_BATCH`] when pushes of that size go through Bulk API 2.0 (the
    /// default), else [`COLLECTIONS_MAX`], so an interrupted push loses little.
    fn max_batch(&self) -> usize {
        if (BULK_PUSH_MAX_BATCH as u64) > self.config.bulk_push_threshold {
            BULK_PUSH_MAX_BATCH
        } else {
            COLLECTIONS_MAX
        }
    }

    async fn push(
        &self,
        object: &str,
        batch: &[OutboundRecord],
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        crate::push::push(self, object, batch).await
    }
}
