//! Credentials: a static bearer token, or OAuth access tokens from a refresh token.
//!
//! OAuth access tokens live 30 minutes; they are refreshed a minute before they expire and
//! once more when HubSpot answers 401 anyway (revoked, clock skew).

use std::time::{Duration, Instant};

use crmsync_sdk::http::{HttpClient, HttpRequest, Secret};
use crmsync_sdk::{ConnectorError, ErrorKind};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::KIND;

/// Refresh this long before the announced expiry.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Where credentials come from.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// Private-app token or service key.
    Token(Secret),
    /// OAuth app with a refresh token.
    OAuth {
        client_id: Secret,
        client_secret: Secret,
        refresh_token: Secret,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Token(***)"),
            Credentials::OAuth { .. } => f.write_str("OAuth(***)"),
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Hands out a valid access token.
#[derive(Debug)]
pub(crate) struct Auth {
    credentials: Credentials,
    cached: Mutex<Option<(Secret, Instant)>>,
}

impl Auth {
    pub(crate) fn new(credentials: Credentials) -> Self {
        Auth {
            credentials,
            cached: Mutex::new(None),
        }
    }

    /// Whether a 401 is worth a token refresh.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth { .. })
    }

    /// The token to send now, refreshing the OAuth access token when it is about to expire.
    pub(crate) async fn token(
        &self,
        http: &HttpClient,
        base_url: &str,
    ) -> Result<Secret, ConnectorError> {
        let (client_id, client_secret, refresh_token) = match &self.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => (client_id, client_secret, refresh_token),
        };
        let mut cached = self.cached.lock().await;
        if let Some((token, expires)) = cached.as_ref() {
            if Instant::now() + REFRESH_MARGIN < *expires {
                return Ok(token.clone());
            }
        }
        let request = HttpRequest::post(format!("{base_url}/oauth/v1/token")).form(vec![
            ("grant_type".to_owned(), Secret::new("refresh_token")),
            ("client_id".to_owned(), client_id.clone()),
            ("client_secret".to_owned(), client_secret.clone()),
            ("refresh_token".to_owned(), refresh_token.clone()),
        ]);
        let response = http.send(&request).await.map_err(|err| {
            let kind = match err.kind {
                ErrorKind::Remote => ErrorKind::Auth,
                other => other,
            };
            ConnectorError::new(
                KIND,
                kind,
                format!("OAuth token refresh failed: {}", err.message),
            )
        })?;
        let parsed: TokenResponse = response.json().map_err(|err| {
            ConnectorError::new(
                KIND,
                ErrorKind::Auth,
                format!("OAuth token response is not understood: {err}"),
            )
        })?;
        let ttl = Duration::from_secs(parsed.expires_in.unwrap_or(1_800));
        let token = Secret::new(parsed.access_token);
        *cached = Some((token.clone(), Instant::now() + ttl));
        Ok(token)
    }

    /// Forgets the cached access token so the next call refreshes it.
    pub(crate) async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }
}
