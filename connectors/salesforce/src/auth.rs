//! OAuth sessions: the token endpoint with the JWT bearer, refresh token or client
//! credentials grant, or a configured access token; the session is cached and replaced once
//! when the API answers 401 `INVALID_SESSION_ID`.
//!
//! Every call goes to the `instance_url` the token response names, never to the login host.

use std::sync::Arc;

use chrono::Utc;
use crmsync_sdk::http::{HttpClient, HttpRequest, Secret};
use crmsync_sdk::{ConnectorError, ErrorKind};
use rsa::RsaPrivateKey;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{AuthMethod, Credentials, SalesforceConfig};
use crate::parse::parse_error_body;
use crate::{jwt, CONNECTOR};

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An authenticated session: the bearer token and the org's instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The access token.
    pub access_token: Secret,
    /// Base URL of the org (`https://acme.my.salesforce.com`), without a trailing slash.
    pub instance_url: String,
    /// The identity URL (`…/id/<orgId>/<userId>`), when the token endpoint sent one.
    pub identity: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    instance_url: String,
    #[serde(default)]
    id: Option<String>,
}

fn auth_error(message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(CONNECTOR, ErrorKind::Auth, message)
}

/// Obtains and renews sessions for one configuration.
pub struct Authenticator {
    method: AuthMethod,
    login_url: String,
    username: Option<String>,
    configured_instance: Option<String>,
    creds: Credentials,
    key: Option<RsaPrivateKey>,
    http: HttpClient,
    current: Mutex<Option<Arc<Session>>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("method", &self.method)
            .field("login_url", &self.login_url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Prepares the flow `config` names with `creds`; parses the JWT key up front so a bad
    /// key is a configuration error before any request.
    pub fn new(
        config: &SalesforceConfig,
        creds: Credentials,
        http: HttpClient,
    ) -> Result<Self, ConnectorError> {
        let key = match (&config.auth, &creds.private_key_pem) {
            (AuthMethod::Jwt, Some(pem)) => Some(jwt::parse_private_key(pem.expose())?),
            (AuthMethod::Jwt, None) => {
                return Err(ConnectorError::new(
                    CONNECTOR,
                    ErrorKind::Config,
                    "salesforce.private_key_path is required with auth = \"jwt\"",
                ))
            }
            _ => None,
        };
        Ok(Authenticator {
            method: config.auth,
            login_url: config.login_url.trim_end_matches('/').to_string(),
            username: config.username.clone(),
            configured_instance: config
                .instance_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string()),
            creds,
            key,
            http,
            current: Mutex::new(None),
        })
    }

    /// The cached session, logging in first if there is none.
    pub async fn session(&self) -> Result<Arc<Session>, ConnectorError> {
        let mut current = self.current.lock().await;
        if let Some(session) = current.as_ref() {
            return Ok(session.clone());
        }
        let session = Arc::new(self.login().await?);
        *current = Some(session.clone());
        Ok(session)
    }

    /// Replaces `stale` after the API refused it. Concurrent callers holding the same stale
    /// session share one new login.
    pub async fn renew(&self, stale: &Session) -> Result<Arc<Session>, ConnectorError> {
        let mut current = self.current.lock().await;
        if let Some(session) = current.as_ref() {
            if session.access_token != stale.access_token {
                return Ok(session.clone());
            }
        }
        if self.method == AuthMethod::AccessToken {
            return Err(auth_error(
                "the configured access token was refused (INVALID_SESSION_ID); supply a new \
                 one or use a flow that can renew it",
            ));
        }
        let session = Arc::new(self.login().await?);
        *current = Some(session.clone());
        Ok(session)
    }

    fn secret(&self, value: &Option<Secret>, what: &str) -> Result<Secret, ConnectorError> {
        value.clone().ok_or_else(|| {
            ConnectorError::new(
                CONNECTOR,
                ErrorKind::Config,
                format!("the {what} is missing for auth = {:?}", self.method),
            )
        })
    }

    /// The grant's form fields.
    fn grant_form(&self) -> Result<Vec<(String, Secret)>, ConnectorError> {
        let pair = |k: &str, v: Secret| (k.to_string(), v);
        let client_id = self.secret(&self.creds.client_id, "client id")?;
        Ok(match self.method {
            AuthMethod::Jwt => {
                let (Some(key), Some(username)) = (&self.key, &self.username) else {
                    return Err(ConnectorError::new(
                        CONNECTOR,
                        ErrorKind::Config,
                        "the JWT flow needs salesforce.username and salesforce.private_key_path",
                    ));
                };
                let assertion = jwt::assertion(
                    key,
                    client_id.expose(),
                    username,
                    &self.login_url,
                    Utc::now(),
                );
                vec![
                    pair("grant_type", Secret::new(JWT_GRANT)),
                    pair("assertion", Secret::new(assertion)),
                ]
            }
            AuthMethod::RefreshToken => {
                let mut form = vec![
                    pair("grant_type", Secret::new("refresh_token")),
                    pair(
                        "refresh_token",
                        self.secret(&self.creds.refresh_token, "refresh token")?,
                    ),
                    pair("client_id", client_id),
                ];
                if let Some(secret) = &self.creds.client_secret {
                    form.push(pair("client_secret", secret.clone()));
                }
                form
            }
            AuthMethod::ClientCredentials => vec![
                pair("grant_type", Secret::new("client_credentials")),
                pair("client_id", client_id),
                pair(
                    "client_secret",
                    self.secret(&self.creds.client_secret, "client secret")?,
                ),
            ],
            AuthMethod::AccessToken => Vec::new(),
        })
    }

    /// One token request (or the configured token).
    async fn login(&self) -> Result<Session, ConnectorError> {
        if self.method == AuthMethod::AccessToken {
            let token = self.secret(&self.creds.access_token, "access token")?;
            let instance_url = self.configured_instance.clone().ok_or_else(|| {
                ConnectorError::new(
                    CONNECTOR,
                    ErrorKind::Config,
                    "salesforce.instance_url is required with auth = \"access_token\"",
                )
            })?;
            return Ok(Session {
                access_token: token,
                instance_url,
                identity: None,
            });
        }
        let url = format!("{}/services/oauth2/token", self.login_url);
        let request = HttpRequest::post(url).form(self.grant_form()?);
        let response = self.http.send(&request).await?;
        if !response.status.is_success() {
            let body = String::from_utf8_lossy(&response.body);
            let detail = match parse_error_body(&body) {
                Some((code, message)) => format!("{code}: {message}"),
                None => format!("HTTP {}", response.status.as_u16()),
            };
            return Err(auth_error(format!(
                "Salesforce login ({:?} flow at {}) failed: {detail}",
                self.method, self.login_url
            )));
        }
        let token: TokenResponse = response.json().map_err(|e| {
            auth_error("the token endpoint answered without access_token/instance_url")
                .with_source(e)
        })?;
        tracing::debug!(
            connector = CONNECTOR,
            instance_url = %token.instance_url,
            "logged in"
        );
        Ok(Session {
            access_token: Secret::new(token.access_token),
            instance_url: token.instance_url.trim_end_matches('/').to_string(),
            identity: token.id,
        })
    }
}
