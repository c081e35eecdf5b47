//! The OAuth 2.0 JWT bearer assertion: an RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signed
//! token with `iss` = consumer key, `sub` = username, `aud` = the login host's audience and an
//! `exp` three minutes ahead, as Salesforce's JWT bearer flow requires.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use crmsync_sdk::{ConnectorError, ErrorKind};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha2::Sha256;

use crate::CONNECTOR;

/// How long an assertion stays valid; Salesforce rejects an `exp` far in the future.
pub const ASSERTION_LIFETIME_SECS: i64 = 180;

/// The `aud` claim for a login URL: the production and sandbox hosts map to their canonical
/// audiences; any other host (My Domain, community, local emulator) is its own origin.
pub fn audience(login_url: &str) -> String {
    let trimmed = login_url.trim_end_matches('/');
    let origin_end = trimmed
        .find("://")
        .map(|scheme| {
            let after = scheme + 3;
            trimmed
                .get(after..)
                .and_then(|rest| rest.find('/'))
                .map_or(trimmed.len(), |slash| after + slash)
        })
        .unwrap_or(trimmed.len());
    let origin = trimmed.get(..origin_end).unwrap_or(trimmed);
    match origin.to_ascii_lowercase().as_str() {
        "https://login.salesforce.com" => "https://login.salesforce.com".to_string(),
        "https://test.salesforce.com" => "https://test.salesforce.com".to_string(),
        _ => origin.to_string(),
    }
}

/// Parses a PEM private key, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
pub fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, ConnectorError> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| {
            ConnectorError::new(
                CONNECTOR,
                ErrorKind::Config,
                "salesforce.private_key_path is not a PEM RSA private key (PKCS#8 or PKCS#1)",
            )
            .with_source(e)
        })
}

/// Builds and signs the assertion for `client_id`/`username` against `login_url`, issued at
/// `now`.
pub fn assertion(
    key: &RsaPrivateKey,
    client_id: &str,
    username: &str,
    login_url: &str,
    now: DateTime<Utc>,
) -> String {
    let exp = (now + Duration::seconds(ASSERTION_LIFETIME_SECS)).timestamp();
    let claims = serde_json::json!({
        "iss": client_id,
        "sub": username,
        "aud": audience(login_url),
        "exp": exp,
    });
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{body}");
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    use rsa::RsaPublicKey;

    const PRIVATE: &str = include_str!("../tests/fixtures/test_only_rsa_private_key.pem");
    const OTHER: &str = include_str!("../tests/fixtures/test_only_other_rsa_private_key.pem");
    const PUBLIC: &str = include_str!("../tests/fixtures/test_only_rsa_public_key.pem");

    fn verify(token: &str) -> Result<serde_json::Value, String> {
        let public = RsaPublicKey::from_public_key_pem(PUBLIC).map_err(|e| e.to_string())?;
        let parts: Vec<&str> = token.split('.').collect();
        let [head, body, sig] = parts.as_slice() else {
            return Err(format!("{} parts", parts.len()));
        };
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|e| e.to_string())?;
        let sig = Signature::try_from(sig.as_slice()).map_err(|e| e.to_string())?;
        VerifyingKey::<Sha256>::new(public)
            .verify(format!("{head}.{body}").as_bytes(), &sig)
            .map_err(|e| e.to_string())?;
        let head: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        assert_eq!(head, serde_json::json!({"alg": "RS256"}));
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn audiences() {
        let cases = [
            (
                "https://login.salesforce.com",
                "https://login.salesforce.com",
            ),
            (
                "https://login.salesforce.com/",
                "https://login.salesforce.com",
            ),
            ("https://TEST.salesforce.com", "https://test.salesforce.com"),
            (
                "https://acme.my.salesforce.com/",
                "https://acme.my.salesforce.com",
            ),
            (
                "https://acme.my.site.com/partners",
                "https://acme.my.site.com",
            ),
            ("http://127.0.0.1:4100", "http://127.0.0.1:4100"),
        ];
        for (url, aud) in cases {
            assert_eq!(audience(url), aud, "{url}");
        }
    }

    #[test]
    fn signs_claims_verifiable_with_the_public_key() {
        let now = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        let key = parse_private_key(PRIVATE).unwrap();
        let token = assertion(
            &key,
            "3MVG9-key",
            "u@example.com",
            "https://test.salesforce.com/",
            now,
        );
        let claims = verify(&token).unwrap();
        assert_eq!(
            claims,
            serde_json::json!({
                "iss": "3MVG9-key",
                "sub": "u@example.com",
                "aud": "https://test.salesforce.com",
                "exp": now.timestamp() + 180,
            })
        );
    }

    #[test]
    fn pkcs1_keys_sign_identically() {
        let key = parse_private_key(PRIVATE).unwrap();
        let pkcs1 = key.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        let again = parse_private_key(&pkcs1).unwrap();
        let now = Utc::now();
        let a = assertion(&key, "c", "u", "https://login.salesforce.com", now);
        let b = assertion(&again, "c", "u", "https://login.salesforce.com", now);
        // PKCS#1 v1.5 signatures are deterministic.
        assert_eq!(a, b);
        assert!(verify(&b).is_ok());
    }

    #[test]
    fn wrong_key_fails_verification_and_garbage_is_a_config_error() {
        let other = parse_private_key(OTHER).unwrap();
        let token = assertion(&other, "c", "u", "https://login.salesforce.com", Utc::now());
        assert!(verify(&token).is_err());
        let err =
            parse_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("not a PEM RSA private key"));
    }
}
