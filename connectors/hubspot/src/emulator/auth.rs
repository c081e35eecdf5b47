//! Bearer-token checks and the OAuth v1 token endpoint.
//!
//! A static token (private app / service key) and OAuth access tokens issued by
//! `POST /oauth/v1/token` are accepted. When neither a static token nor an OAuth client is
//! configured the emulator runs open and accepts any (or no) credentials, which suits the
//! local sandbox. Expired OAuth tokens get HubSpot's `EXPIRED_AUTHENTICATION` 401; unknown
//! tokens get `INVALID_AUTHENTICATION`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::clock::iso;
use super::config::OAuthClient;
use super::errors::ApiError;

/// Length of issued access tokens; HubSpot asks clients to allow at least 300 characters.
const ACCESS_TOKEN_LEN: usize = 300;

/// Issued tokens kept for expiry messages; older expired ones are forgotten.
const MAX_REMEMBERED_TOKENS: usize = 10_000;

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Principal {
    /// Static token, or open mode.
    Static,
    /// An OAuth access token (HubSpot omits the daily-limit headers for these).
    OAuth,
}

#[derive(Debug, Clone, Copy)]
struct Issued {
    expires: Instant,
    expires_at: DateTime<Utc>,
}

/// Accepted credentials and issued OAuth tokens.
#[derive(Debug)]
pub(crate) struct AuthState {
    static_token: Option<String>,
    oauth: Option<OAuthClient>,
    issued: HashMap<String, Issued>,
    rng: SmallRng,
}

/// A successful refresh: what the token endpoint returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    pub(crate) expires_in: u64,
}

impl AuthState {
    pub(crate) fn new(static_token: Option<String>, oauth: Option<OAuthClient>, seed: u64) -> Self {
        Self {
            static_token,
            oauth,
            issued: HashMap::new(),
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// Checks an `Authorization` header value.
    pub(crate) fn check(&self, header: Option<&str>) -> Result<Principal, ApiError> {
        if self.static_token.is_none() && self.oauth.is_none() {
            return Ok(Principal::Static);
        }
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .unwrap_or_default();
        if !token.is_empty() && self.static_token.as_deref() == Some(token) {
            return Ok(Principal::Static);
        }
        match self.issued.get(token) {
            Some(issued) if Instant::now() < issued.expires => Ok(Principal::OAuth),
            Some(issued) => Err(expired(issued)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 \
                 authentication and you can find more details at \
                 https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )),
        }
    }

    /// Handles `grant_type=refresh_token`; errors use HubSpot's OAuth error statuses.
    pub(crate) fn refresh(&mut self, form: &HashMap<String, String>) -> Result<Grant, ApiError> {
        let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
        if field("grant_type") != "refresh_token" {
            return Err(oauth_error(
                "BAD_GRANT_TYPE",
                "missing or unknown grant type",
            ));
        }
        let Some(client) = self.oauth.clone() else {
            return Err(oauth_error("BAD_CLIENT_ID", "missing or unknown client id"));
        };
        if field("client_id") != client.client_id {
            return Err(oauth_error("BAD_CLIENT_ID", "missing or unknown client id"));
        }
        if field("client_secret") != client.client_secret {
            return Err(oauth_error(
                "BAD_CLIENT_SECRET",
                "missing or invalid client secret",
            ));
        }
        if field("refresh_token") != client.refresh_token {
            return Err(oauth_error(
                "BAD_REFRESH_TOKEN",
                "missing or unknown refresh token",
            ));
        }
        let access_token = self.new_token();
        let ttl = client.access_token_ttl;
        // Absurd lifetimes saturate at a year instead of overflowing the clocks.
        let year = Duration::from_secs(365 * 86_400);
        let ttl_capped = ttl.min(year);
        let now = Utc::now();
        let expires_at = chrono::Duration::from_std(ttl_capped)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(now);
        let expires = Instant::now()
            .checked_add(ttl_capped)
            .unwrap_or_else(Instant::now);
        self.forget_old_tokens();
        self.issued.insert(
            access_token.clone(),
            Issued {
                expires,
                expires_at,
            },
        );
        Ok(Grant {
            access_token,
            refresh_token: client.refresh_token,
            expires_in: ttl.as_secs(),
        })
    }

    /// Makes every issued access token expired now.
    pub(crate) fn expire_all(&mut self) {
        let now = Instant::now();
        let now_utc = Utc::now();
        for issued in self.issued.values_mut() {
            issued.expires = now;
            issued.expires_at = now_utc;
        }
    }

    fn new_token(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut token = String::with_capacity(ACCESS_TOKEN_LEN);
        token.push_str("CN");
        while token.len() < ACCESS_TOKEN_LEN {
            let i = self.rng.gen_range(0..ALPHABET.len());
            token.push(char::from(ALPHABET.get(i).copied().unwrap_or(b'A')));
        }
        token
    }

    fn forget_old_tokens(&mut self) {
        if self.issued.len() < MAX_REMEMBERED_TOKENS {
            return;
        }
        let cutoff = Instant::now()
            .checked_sub(Duration::from_secs(86_400))
            .unwrap_or_else(Instant::now);
        self.issued.retain(|_, t| t.expires > cutoff);
        if self.issued.len() >= MAX_REMEMBERED_TOKENS {
            let now = Instant::now();
            self.issued.retain(|_, t| t.expires > now);
        }
    }
}

fn expired(issued: &Issued) -> ApiError {
    let ago = Instant::now()
        .saturating_duration_since(issued.expires)
        .as_secs();
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "EXPIRED_AUTHENTICATION",
        format!("The OAuth token used to make this call expired {ago} second(s) ago."),
    )
    .with_context("expire time", vec![iso(issued.expires_at)])
}

/// OAuth endpoint errors: `{"status":"BAD_…","message":…,"correlationId":…}` with 400.
fn oauth_error(status: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
        .with_field("status", serde_json::json!(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn client() -> OAuthClient {
        OAuthClient::new("id", "secret", "refresh")
    }

    #[test]
    fn open_mode_accepts_anything() {
        let auth = AuthState::new(None, None, 1);
        assert_eq!(auth.check(None).ok(), Some(Principal::Static));
    }

    #[test]
    fn refresh_issues_tokens_that_expire() {
        let mut auth = AuthState::new(Some("pat".into()), Some(client()), 1);
        assert_eq!(auth.check(Some("Bearer pat")).ok(), Some(Principal::Static));
        assert!(auth.check(Some("Bearer nope")).is_err());
        let good = form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "id"),
            ("client_secret", "secret"),
            ("refresh_token", "refresh"),
        ]);
        let grant = auth.refresh(&good).map_err(|e| e.message().to_owned());
        let Ok(grant) = grant else {
            panic!("refresh failed: {grant:?}");
        };
        assert_eq!(grant.access_token.len(), ACCESS_TOKEN_LEN);
        assert_eq!(grant.expires_in, 1800);
        let header = format!("Bearer {}", grant.access_token);
        assert_eq!(auth.check(Some(&header)).ok(), Some(Principal::OAuth));
        auth.expire_all();
        let err = auth
            .check(Some(&header))
            .err()
            .map(|e| e.message().to_owned());
        assert_eq!(
            err.as_deref(),
            Some("The OAuth token used to make this call expired 0 second(s) ago.")
        );
    }

    #[test]
    fn refresh_rejects_bad_fields() {
        let mut auth = AuthState::new(None, Some(client()), 1);
        let cases = [
            (
                ("password", "id", "secret", "refresh"),
                "missing or unknown grant type",
            ),
            (
                ("refresh_token", "x", "secret", "refresh"),
                "missing or unknown client id",
            ),
            (
                ("refresh_token", "id", "x", "refresh"),
                "missing or invalid client secret",
            ),
            (
                ("refresh_token", "id", "secret", "x"),
                "missing or unknown refresh token",
            ),
        ];
        for ((grant, id, secret, refresh), want) in cases {
            let fields = form(&[
                ("grant_type", grant),
                ("client_id", id),
                ("client_secret", secret),
                ("refresh_token", refresh),
            ]);
            let err = auth.refresh(&fields).err().map(|e| e.message().to_owned());
            assert_eq!(err.as_deref(), Some(want));
        }
    }
}
