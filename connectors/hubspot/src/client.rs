//! [`Api`]: the shared HTTP client plus HubSpot's URLs, credentials and error bodies.

use std::sync::Arc;
use std::time::Duration;

use crmsync_sdk::http::{
    retry_after, status_text, Failure, HttpClient, HttpRequest, HttpResponse, RetryPolicy,
};
use crmsync_sdk::{ConnectorError, ErrorKind};
use serde::Deserialize;

use crate::auth::Auth;
use crate::config::HubspotConfig;
use crate::KIND;

/// Bucket every call except search draws from.
pub(crate) const TEN_SECONDLY: &str = "ten_secondly";
/// Bucket of search calls (exempt from the ten-second window, 5 per second).
pub(crate) const SEARCH: &str = "search";

/// HubSpot's error body; every field optional, as the docs advise.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) category: Option<String>,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) policy_name: Option<String>,
    #[serde(default)]
    pub(crate) correlation_id: Option<String>,
}

/// Maps HubSpot responses to failures: a `DAILY` 429 is [`ErrorKind::QuotaExhausted`] (the
/// quota refills at midnight, retrying is pointless); other 429s are rate limits; 423, 477
/// and 5xx are transient; 401/403 are auth failures.
pub(crate) fn classify(response: &HttpResponse) -> Option<Failure> {
    let status = response.status.as_u16();
    if (200..400).contains(&status) {
        return None;
    }
    let body: ErrorBody = response.json().unwrap_or_default();
    let kind = match status {
        429 if body.policy_name.as_deref() == Some("DAILY") => ErrorKind::QuotaExhausted,
        429 => ErrorKind::RateLimited {
            retry_after: retry_after(&response.headers),
        },
        408 | 423 | 477 | 500..=599 => ErrorKind::Transient,
        401 | 403 => ErrorKind::Auth,
        _ => ErrorKind::Remote,
    };
    let detail = match (&body.category, &body.message) {
        (Some(category), Some(message)) => format!("{category}: {message}"),
        (None, Some(message)) => message.clone(),
        _ => response.body_snippet(200),
    };
    let mut message = format!("HTTP {}: {detail}", status_text(response.status));
    if let Some(id) = &body.correlation_id {
        message.push_str(&format!(" (correlation id {id})"));
    }
    Some(Failure { kind, message })
}

/// HubSpot API access shared by check, discovery, pull and push.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    pub(crate) http: HttpClient,
    pub(crate) auth: Arc<Auth>,
    base_url: String,
    prefix: String,
}

impl Api {
    pub(crate) fn new(
        config: &HubspotConfig,
        auth: Auth,
        retry: RetryPolicy,
    ) -> Result<Self, ConnectorError> {
        let http = HttpClient::builder(KIND)
            .timeout(Duration::from_secs(60))
            .bucket(TEN_SECONDLY, config.ten_secondly(), Duration::from_secs(10))
            .bucket(SEARCH, config.search_rate(), Duration::from_secs(1))
            .retry(retry)
            .classifier(Arc::new(classify))
            .build()?;
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        let mut prefix = config.api_prefix.trim_end_matches('/').to_owned();
        if !prefix.starts_with('/') {
            prefix.insert(0, '/');
        }
        Ok(Api {
            http,
            auth: Arc::new(auth),
            base_url,
            prefix,
        })
    }

    /// `…/objects/{object}` plus `suffix`.
    pub(crate) fn objects_url(&self, object: &str, suffix: &str) -> String {
        format!("{}{}/objects/{object}{suffix}", self.base_url, self.prefix)
    }

    /// `…/properties/{object}`.
    pub(crate) fn properties_url(&self, object: &str) -> String {
        format!("{}{}/properties/{object}", self.base_url, self.prefix)
    }

    /// Sends with credentials; on 401 with OAuth, refreshes the token and tries once more.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, ConnectorError> {
        let token = self.auth.token(&self.http, &self.base_url).await?;
        match self.http.send(&request.clone().bearer(&token)).await {
            Err(err) if err.kind == ErrorKind::Auth && self.auth.can_refresh() => {
                self.auth.invalidate().await;
                let token = self.auth.token(&self.http, &self.base_url).await?;
                self.http.send(&request.bearer(&token)).await
            }
            other => other,
        }
    }

    /// Sends and parses a JSON body.
    pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: HttpRequest,
    ) -> Result<(T, HttpResponse), ConnectorError> {
        let what = format!("{} {}", request.method(), request.url());
        let response = self.send(request).await?;
        let parsed = response.json().map_err(|err| {
            ConnectorError::new(
                KIND,
                ErrorKind::Remote,
                format!("{what}: response is not the expected JSON: {err}"),
            )
        })?;
        Ok((parsed, response))
    }
}
