//! [`HubspotConnector`]: construction from config and environment, `check` and `discover`,
//! and the [`CrmConnector`] implementation.

use async_trait::async_trait;
use crmsync_sdk::crm::{
    CheckReport, CrmConnector, Cursor, ObjectSchema, OutboundRecord, PullPage, WriteOutcome,
};
use crmsync_sdk::http::{HttpRequest, HttpStats, RetryPolicy, Secret};
use crmsync_sdk::{ConnectorError, ErrorKind};
use futures::stream::BoxStream;

use crate::auth::{Auth, Credentials};
use crate::client::{Api, TEN_SECONDLY};
use crate::config::HubspotConfig;
use crate::wire::PropertyList;
use crate::{pull, push, KIND};

/// Most inputs HubSpot accepts per batch call.
pub const MAX_BATCH: usize = 100;

/// Most records HubSpot returns per list page (`limit` of `GET …/objects/{type}`).
pub const LIST_PAGE_MAX: u32 = 100;

/// Most records HubSpot returns per search page.
pub const SEARCH_PAGE_MAX: u32 = 200;

/// The HubSpot CRM connector. `Debug` never shows credentials.
#[derive(Debug)]
pub struct HubspotConnector {
    pub(crate) config: HubspotConfig,
    pub(crate) api: Api,
}

fn read_secret(
    env: &dyn Fn(&str) -> Option<String>,
    field: &str,
    name: &Option<String>,
) -> Result<Secret, ConnectorError> {
    let name = name.as_deref().ok_or_else(|| {
        ConnectorError::new(
            KIND,
            ErrorKind::Config,
            format!("hubspot.{field} is not set"),
        )
    })?;
    Secret::from_lookup(env, name).ok_or_else(|| {
        ConnectorError::new(
            KIND,
            ErrorKind::Config,
            format!("environment variable {name} (hubspot.{field}) is not set or empty"),
        )
    })
}

impl HubspotConnector {
    /// A connector reading its secrets through `env` (pass `&|k| std::env::var(k).ok()`),
    /// with the default retry policy.
    pub fn new(
        config: HubspotConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConnectorError> {
        Self::with_retry(config, env, RetryPolicy::default())
    }

    /// Like [`HubspotConnector::new`] with explicit retry timing.
    pub fn with_retry(
        config: HubspotConfig,
        env: &dyn Fn(&str) -> Option<String>,
        retry: RetryPolicy,
    ) -> Result<Self, ConnectorError> {
        let credentials = if config.token_env.is_some() {
            Credentials::Token(read_secret(env, "token_env", &config.token_env)?)
        } else if config.refresh_token_env.is_some() {
            Credentials::OAuth {
                client_id: read_secret(env, "client_id_env", &config.client_id_env)?,
                client_secret: read_secret(env, "client_secret_env", &config.client_secret_env)?,
                refresh_token: read_secret(env, "refresh_token_env", &config.refresh_token_env)?,
            }
        } else {
            return Err(ConnectorError::new(
                KIND,
                ErrorKind::Config,
                "set hubspot.token_env, or hubspot.client_id_env, client_secret_env and \
                 refresh_token_env for OAuth",
            ));
        };
        let api = Api::new(&config, Auth::new(credentials), retry)?;
        Ok(HubspotConnector { config, api })
    }

    /// The configuration in force.
    pub fn config(&self) -> &HubspotConfig {
        &self.config
    }

    /// Requests sent so far (retries and 429s included).
    pub fn stats(&self) -> HttpStats {
        self.api.http.stats()
    }

    /// Names of every property of `object`.
    pub(crate) async fn property_names(&self, object: &str) -> Result<Vec<String>, ConnectorError> {
        let request = HttpRequest::get(self.api.properties_url(object)).buckets(&[TEN_SECONDLY]);
        let (list, _): (PropertyList, _) = self.api.send_json(request).await?;
        Ok(list.results.into_iter().map(|p| p.name).collect())
    }
}

#[async_trait]
impl CrmConnector for HubspotConnector {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn check(&self) -> Result<CheckReport, ConnectorError> {
        let object = self
            .config
            .objects
            .first()
            .map_or("contacts", String::as_str);
        let request = HttpRequest::get(self.api.objects_url(object, ""))
            .query("limit", "1")
            .buckets(&[TEN_SECONDLY]);
        let response = self.api.send(request).await?;
        let number = |name: &str| {
            response
                .header(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Ok(CheckReport {
            identity: format!("HubSpot account at {}", self.config.base_url),
            quota_remaining: number("x-hubspot-ratelimit-daily-remaining"),
            quota_max: number("x-hubspot-ratelimit-daily").or(Some(self.config.daily())),
        })
    }

    async fn discover(&self) -> Result<Vec<ObjectSchema>, ConnectorError> {
        let mut out = Vec::with_capacity(self.config.objects.len());
        for object in &self.config.objects {
            let request =
                HttpRequest::get(self.api.properties_url(object)).buckets(&[TEN_SECONDLY]);
            let (list, _): (PropertyList, _) = self.api.send_json(request).await?;
            let unique = self.config.unique_property_of(object);
            out.push(ObjectSchema {
                name: object.clone(),
                fields: list
                    .results
                    .into_iter()
                    .map(|p| p.into_field(unique))
                    .collect(),
            });
        }
        Ok(out)
    }

    fn pull<'a>(
        &'a self,
        object: &'a str,
        cursor: Option<Cursor>,
    ) -> BoxStream<'a, Result<PullPage, ConnectorError>> {
        pull::pull(self, object, cursor)
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    async fn push(
        &self,
        object: &str,
        batch: &[OutboundRecord],
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        if batch.len() > MAX_BATCH {
            return Err(ConnectorError::new(
                KIND,
                ErrorKind::Config,
                format!(
                    "a push carries at most {MAX_BATCH} records, got {}",
                    batch.len()
                ),
            ));
        }
        push::push(self, object, batch).await
    }
}
