//! RS256 JWT verification for the OAuth 2.0 JWT bearer flow, and the HMAC-SHA256 signature
//! of token responses.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Base64url that accepts tokens with or without padding.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The claims the token endpoint checks.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub exp: Expiry,
}

/// `exp` as a number or, as some client libraries send it, a numeric string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Expiry {
    Seconds(i64),
    Text(String),
}

impl Expiry {
    /// Seconds since the epoch, if readable.
    pub(crate) fn seconds(&self) -> Option<i64> {
        match self {
            Expiry::Seconds(s) => Some(*s),
            Expiry::Text(t) => t
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| v as i64),
        }
    }
}

/// `aud` may be a string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    /// Whether any audience value is accepted by `ok`.
    pub(crate) fn any(&self, ok: impl Fn(&str) -> bool) -> bool {
        match self {
            Audience::One(a) => ok(a),
            Audience::Many(list) => list.iter().any(|a| ok(a)),
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Parses a PEM public key: SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`) or PKCS#1
/// (`BEGIN RSA PUBLIC KEY`).
pub(crate) fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
    RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .map_err(|e| format!("unreadable RSA public key: {e}"))
}

/// Checks the signature and returns the claims; the error is the reason, for logs only
/// (the client always gets Salesforce's terse `invalid assertion`).
pub(crate) fn verify(token: &str, key: &RsaPublicKey) -> Result<Claims, String> {
    let mut parts = token.trim().split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWS".into());
    };
    let header: Header = decode_json(head)?;
    if header.alg != "RS256" {
        return Err(format!("unsupported alg {}", header.alg));
    }
    let sig = B64URL
        .decode(sig)
        .map_err(|e| format!("signature encoding: {e}"))?;
    let sig = Signature::try_from(sig.as_slice()).map_err(|e| format!("signature: {e}"))?;
    let signed = token
        .trim()
        .rsplit_once('.')
        .map_or("", |(signed, _)| signed);
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| "signature mismatch".to_string())?;
    decode_json(body)
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, String> {
    let bytes = B64URL
        .decode(part)
        .map_err(|e| format!("segment encoding: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("segment JSON: {e}"))
}

/// HMAC-SHA256 (RFC 2104), used for the token response `signature`.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        let digest = Sha256::digest(key);
        for (slot, b) in k.iter_mut().zip(digest.iter()) {
            *slot = *b;
        }
    } else {
        for (slot, b) in k.iter_mut().zip(key.iter()) {
            *slot = *b;
        }
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Base64 of the token signature over `id` and `issued_at`, keyed by the client secret.
pub(crate) fn token_signature(secret: &str, id: &str, issued_at: &str) -> String {
    let mut message = String::with_capacity(id.len() + issued_at.len());
    message.push_str(id);
    message.push_str(issued_at);
    STANDARD.encode(hmac_sha256(secret.as_bytes(), message.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn rejects_garbage() {
        let pem = include_str!("../../tests/fixtures/test_only_rsa_public_key.pem");
        let key = parse_public_key(pem).unwrap();
        assert!(verify("a.b", &key).is_err());
        assert!(verify("e30.e30.AAAA", &key).is_err());
        assert!(
            parse_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err()
        );
    }
}
