//! The `[salesforce]` configuration block and its validation.
//!
//! Credentials never appear in the configuration itself: it names the environment variables
//! that hold them, and [`SalesforceConfig::resolve_with`] reads those variables into
//! [`Credentials`], whose secrets are redacted from `Debug`. Error messages name the missing
//! variable or key, never a value.

use std::path::PathBuf;

use crmsync_sdk::http::Secret;
use crmsync_sdk::{ConnectorError, ErrorKind};
use serde::{Deserialize, Serialize};

use crate::CONNECTOR;

/// How the connector obtains an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// OAuth 2.0 JWT bearer flow: an RS256 assertion signed with `private_key_path`.
    Jwt,
    /// A stored refresh token.
    RefreshToken,
    /// Client credentials (the connected app's run-as user); needs a My Domain `login_url`.
    ClientCredentials,
    /// A ready access token plus `instance_url`; cannot be renewed once it expires.
    AccessToken,
}

/// The Salesforce connector configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesforceConfig {
    /// Token endpoint host: `https://login.salesforce.com`, `https://test.salesforce.com` or a
    /// My Domain URL.
    #[serde(default = "default_login_url")]
    pub login_url: String,
    /// The OAuth flow.
    pub auth: AuthMethod,
    /// Environment variable holding the connected app's consumer key.
    #[serde(default)]
    pub client_id_env: Option<String>,
    /// Environment variable holding the consumer secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Environment variable holding the refresh token.
    #[serde(default)]
    pub refresh_token_env: Option<String>,
    /// Environment variable holding a ready access token.
    #[serde(default)]
    pub access_token_env: Option<String>,
    /// The org's instance URL, required with `auth = "access_token"` (other flows learn it
    /// from the token response).
    #[serde(default)]
    pub instance_url: Option<String>,
    /// The Salesforce username the JWT flow logs in as.
    #[serde(default)]
    pub username: Option<String>,
    /// PEM private key (PKCS#8 or PKCS#1) for the JWT flow.
    #[serde(default)]
    pub private_key_path: Option<PathBuf>,
    /// Objects to sync.
    #[serde(default = "default_objects")]
    pub objects: Vec<String>,
    /// The external id field used as the upsert key.
    #[serde(default = "default_external_id_field")]
    pub external_id_field: String,
    /// REST API version, `NN.N`.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Share of the org's daily API allowance this tool may bring usage up to (1–100).
    #[serde(default = "default_max_daily_api_percent")]
    pub max_daily_api_percent: u8,
    /// Remaining rows above which a pull continues through a Bulk API 2.0 query job.
    #[serde(default = "default_bulk_threshold")]
    pub bulk_threshold: u64,
    /// Records above which one push goes through a Bulk API 2.0 ingest job instead of
    /// sObject Collections calls (200 records each). A job takes about five calls whatever
    /// its size, so from some 2,000 records on it is the cheaper path.
    #[serde(default = "default_bulk_push_threshold")]
    pub bulk_push_threshold: u64,
}

fn default_login_url() -> String {
    "https://login.salesforce.com".to_string()
}
fn default_objects() -> Vec<String> {
    vec!["Lead".to_string(), "Contact".to_string()]
}
fn default_external_id_field() -> String {
    "Crmsync_Id__c".to_string()
}
fn default_api_version() -> String {
    "62.0".to_string()
}
fn default_max_daily_api_percent() -> u8 {
    50
}
fn default_bulk_threshold() -> u64 {
    10_000
}
fn default_bulk_push_threshold() -> u64 {
    2_000
}

/// Credentials read from the environment (and the key file) for the configured flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Consumer key (not secret, but kept out of logs anyway).
    pub client_id: Option<Secret>,
    /// Consumer secret.
    pub client_secret: Option<Secret>,
    /// Refresh token.
    pub refresh_token: Option<Secret>,
    /// Ready access token.
    pub access_token: Option<Secret>,
    /// PEM text of the JWT signing key.
    pub private_key_pem: Option<Secret>,
}

fn config_error(message: String) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Config, message)
}

/// A SOQL-safe API name: letters, digits and underscores, starting with a letter.
pub(crate) fn is_api_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_loopback(url: &str) -> bool {
    let rest = url.trim_start_matches("http://");
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|h| {
        rest == *h || rest.starts_with(&format!("{h}:")) || rest.starts_with(&format!("{h}/"))
    })
}

/// Checks a base URL: https, or plain http to a loopback host (local emulators).
fn check_url(key: &str, url: &str) -> Result<(), ConnectorError> {
    let ok = match url.strip_prefix("https://") {
        Some(host) => !host.is_empty(),
        None => url.starts_with("http://") && is_loopback(url),
    };
    if ok {
        Ok(())
    } else {
        Err(config_error(format!(
            "salesforce.{key} must be an https:// URL (plain http only to localhost)"
        )))
    }
}

impl SalesforceConfig {
    /// Checks everything that does not need the environment.
    pub fn validate(&self) -> Result<(), ConnectorError> {
        check_url("login_url", &self.login_url)?;
        if let Some(url) = &self.instance_url {
            check_url("instance_url", url)?;
        }
        let required = |key: &str, present: bool| {
            if present {
                Ok(())
            } else {
                Err(config_error(format!(
                    "salesforce.{key} is required with auth = \"{}\"",
                    self.auth_name()
                )))
            }
        };
        match self.auth {
            AuthMethod::Jwt => {
                required("client_id_env", self.client_id_env.is_some())?;
                required("username", self.username.is_some())?;
                required("private_key_path", self.private_key_path.is_some())?;
            }
            AuthMethod::RefreshToken => {
                required("client_id_env", self.client_id_env.is_some())?;
                required("refresh_token_env", self.refresh_token_env.is_some())?;
            }
            AuthMethod::ClientCredentials => {
                required("client_id_env", self.client_id_env.is_some())?;
                required("client_secret_env", self.client_secret_env.is_some())?;
            }
            AuthMethod::AccessToken => {
                required("access_token_env", self.access_token_env.is_some())?;
                required("instance_url", self.instance_url.is_some())?;
            }
        }
        if self.objects.is_empty() {
            return Err(config_error(
                "salesforce.objects must name at least one object".into(),
            ));
        }
        if let Some(bad) = self.objects.iter().find(|o| !is_api_name(o)) {
            return Err(config_error(format!(
                "salesforce.objects: {bad:?} is not a Salesforce API name"
            )));
        }
        if !is_api_name(&self.external_id_field) {
            return Err(config_error(format!(
                "salesforce.external_id_field: {:?} is not a Salesforce API name",
                self.external_id_field
            )));
        }
        let version_ok = self
            .api_version
            .split_once('.')
            .is_some_and(|(major, minor)| {
                !major.is_empty()
                    && minor.len() == 1
                    && major
                        .chars()
                        .chain(minor.chars())
                        .all(|c| c.is_ascii_digit())
            });
        if !version_ok {
            return Err(config_error(format!(
                "salesforce.api_version must look like \"62.0\", not {:?}",
                self.api_version
            )));
        }
        if !(1..=100).contains(&self.max_daily_api_percent) {
            return Err(config_error(
                "salesforce.max_daily_api_percent must be between 1 and 100".into(),
            ));
        }
        if self.bulk_threshold == 0 {
            return Err(config_error(
                "salesforce.bulk_threshold must be at least 1".into(),
            ));
        }
        if self.bulk_push_threshold == 0 {
            return Err(config_error(
                "salesforce.bulk_push_threshold must be at least 1".into(),
            ));
        }
        Ok(())
    }

    fn auth_name(&self) -> &'static str {
        match self.auth {
            AuthMethod::Jwt => "jwt",
            AuthMethod::RefreshToken => "refresh_token",
            AuthMethod::ClientCredentials => "client_credentials",
            AuthMethod::AccessToken => "access_token",
        }
    }

    /// Validates, then reads the credentials the flow needs from the process environment.
    pub fn resolve(&self) -> Result<Credentials, ConnectorError> {
        self.resolve_with(|name| std::env::var(name).ok())
    }

    /// Validates, then reads the credentials through `lookup` (an environment stand-in).
    pub fn resolve_with(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Credentials, ConnectorError> {
        self.validate()?;
        let read = |var: &Option<String>, needed: bool| -> Result<Option<Secret>, ConnectorError> {
            let Some(var) = var else { return Ok(None) };
            match Secret::from_lookup(&lookup, var) {
                Some(secret) => Ok(Some(secret)),
                None if needed => Err(config_error(format!(
                    "environment variable {var} is not set or empty (salesforce auth = \"{}\")",
                    self.auth_name()
                ))),
                None => Ok(None),
            }
        };
        let flow = self.auth;
        let client_id = read(&self.client_id_env, flow != AuthMethod::AccessToken)?;
        let client_secret = read(
            &self.client_secret_env,
            flow == AuthMethod::ClientCredentials,
        )?;
        let refresh_token = read(&self.refresh_token_env, flow == AuthMethod::RefreshToken)?;
        let access_token = read(&self.access_token_env, flow == AuthMethod::AccessToken)?;
        let private_key_pem = match (&self.private_key_path, flow) {
            (Some(path), AuthMethod::Jwt) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConnectorError::new(
                        CONNECTOR,
                        ErrorKind::Config,
                        format!("cannot read salesforce.private_key_path {}", path.display()),
                    )
                    .with_source(e)
                })?;
                Some(Secret::new(text))
            }
            _ => None,
        };
        Ok(Credentials {
            client_id,
            client_secret,
            refresh_token,
            access_token,
            private_key_pem,
        })
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
