//! `POST /services/oauth2/token`: JWT bearer, refresh token and client credentials grants.
//!
//! Failures answer 400 with `{"error", "error_description"}` (not the data API's error
//! array), as Salesforce's token endpoint does. Issued tokens stay valid until a test calls
//! `expire_tokens()`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use super::ids;
use super::jwt;
use super::state::{EmulatorState, OAuthClient};

/// Audiences Salesforce accepts besides this server's own login URL.
const AUDIENCES: [&str; 2] = [
    "https://login.salesforce.com",
    "https://test.salesforce.com",
];

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The token endpoint.
pub(crate) async fn token(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url_decode_form(&body);
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let config = state.config();
    let Some(client) = config.oauth.clone() else {
        return oauth_error("invalid_client_id", "client identifier invalid");
    };
    let result = match get("grant_type") {
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
            jwt_grant(&state, &client, get("assertion"))
        }
        "refresh_token" => {
            if get("client_id") != client.client_id {
                Err(("invalid_client_id", "client identifier invalid"))
            } else if !get("client_secret").is_empty()
                && get("client_secret") != client.client_secret
            {
                Err(("invalid_client", "invalid client credentials"))
            } else if get("refresh_token") != client.refresh_token {
                Err(("invalid_grant", "expired access/refresh token"))
            } else {
                Ok("refresh_token api")
            }
        }
        "client_credentials" => {
            let (id, secret) = basic_credentials(&headers).unwrap_or_else(|| {
                (
                    get("client_id").to_string(),
                    get("client_secret").to_string(),
                )
            });
            if id != client.client_id {
                Err(("invalid_client_id", "client identifier invalid"))
            } else if secret != client.client_secret {
                Err(("invalid_client", "invalid client credentials"))
            } else {
                Ok("api")
            }
        }
        "" => Err(("invalid_request", "grant type is required")),
        _ => Err(("unsupported_grant_type", "grant type not supported")),
    };
    match result {
        Ok(scope) => issue(&state, &client, scope),
        Err((error, description)) => oauth_error(error, description),
    }
}

fn jwt_grant(
    state: &EmulatorState,
    client: &OAuthClient,
    assertion: &str,
) -> Result<&'static str, (&'static str, &'static str)> {
    let config = state.config();
    let key = config
        .jwt_key
        .as_ref()
        .ok_or(("invalid_grant", "invalid assertion"))?;
    let claims = jwt::verify(assertion, key).map_err(|_| ("invalid_grant", "invalid assertion"))?;
    if claims.iss != client.client_id {
        return Err(("invalid_client_id", "client identifier invalid"));
    }
    if claims.sub != config.username {
        return Err(("invalid_grant", "user hasn't approved this consumer"));
    }
    let login = config.base_url.trim_end_matches('/');
    let aud_ok = claims.aud.any(|a| {
        let a = a.trim_end_matches('/');
        a == login || AUDIENCES.contains(&a)
    });
    if !aud_ok {
        return Err(("invalid_grant", "audience is invalid"));
    }
    if claims
        .exp
        .seconds()
        .is_none_or(|exp| exp <= chrono::Utc::now().timestamp())
    {
        return Err(("invalid_grant", "expired authorization code"));
    }
    Ok("api")
}

/// Mints and registers a new access token and renders the success body.
fn issue(state: &EmulatorState, client: &OAuthClient, scope: &str) -> Response {
    let config = state.config();
    let token = state.mint_token();
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    let id = format!(
        "{}/id/{}/{}",
        config.base_url, config.org_id, config.user_id
    );
    let signature = jwt::token_signature(&client.client_secret, &id, &issued_at);
    let mut response = Json(json!({
        "access_token": token,
        "instance_url": config.base_url,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
        "scope": scope,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache,must-revalidate,max-age=0,no-store,private"),
    );
    response
}

impl EmulatorState {
    /// Creates a valid access token shaped like Salesforce's (`<orgId>!<random>`).
    pub(crate) fn mint_token(&self) -> String {
        let mut inner = self.lock();
        let prefix = format!("{}!AR", self.config().org_id.get(..15).unwrap_or("00D"));
        let token = ids::opaque(&prefix, 96, &mut inner.id_rng);
        inner.tokens.insert(token.clone());
        token
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Decodes `application/x-www-form-urlencoded` pairs; later duplicates win.
pub(crate) fn url_decode_form(body: &[u8]) -> HashMap<String, String> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Percent-decoding with `+` as space.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let form = url_decode_form(b"grant_type=refresh_token&refresh_token=a%2Bb+c&x");
        assert_eq!(form.get("refresh_token").map(String::as_str), Some("a+b c"));
        assert_eq!(form.get("x").map(String::as_str), Some(""));
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
