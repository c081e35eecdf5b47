//! OAuth grants, session expiry and the versions resource, over real HTTP.

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{reply, start, Reply, Sf};
use crmsync_salesforce::emulator::Emulator;
use reqwest::StatusCode;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;

const PRIVATE: &str = include_str!("fixtures/test_only_rsa_private_key.pem");
const OTHER_PRIVATE: &str = include_str!("fixtures/test_only_other_rsa_private_key.pem");
const PUBLIC: &str = include_str!("fixtures/test_only_rsa_public_key.pem");
const CLIENT_ID: &str = "3MVG9-test-consumer-key";
const SECRET: &str = "test-consumer-secret";
const REFRESH: &str = "5Aep861-test-refresh-token";
const USER: &str = "integration@crmsync.example";

/// Token request form fields.
type Form<'a> = &'a [(&'a str, &'a str)];
/// Expected `(error, error_description)`, or `None` for success.
type Failure = Option<(&'static str, &'static str)>;

fn sign(pem: &str, claims: &Value) -> String {
    let key = RsaPrivateKey::from_pkcs8_pem(pem).expect("fixture key parses");
    let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{head}.{body}");
    let sig = SigningKey::<Sha256>::new(key).sign(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

fn claims(aud: &str, exp_offset: i64) -> Value {
    let exp = chrono::Utc::now().timestamp() + exp_offset;
    json!({"iss": CLIENT_ID, "sub": USER, "aud": aud, "exp": exp})
}

async fn sf() -> Sf {
    start(
        Emulator::builder()
            .jwt_public_key_pem(PUBLIC)
            .oauth_client(CLIENT_ID, SECRET, REFRESH),
    )
    .await
}

async fn token(sf: &Sf, form: &[(&str, &str)]) -> Reply {
    let url = format!("{}/services/oauth2/token", sf.emu.login_url);
    reply(
        sf.http
            .post(url)
            .form(form)
            .send()
            .await
            .expect("token call"),
    )
    .await
}

async fn limits_with(sf: &Sf, token: &str) -> StatusCode {
    let resp = sf
        .http
        .get(sf.data("/limits"))
        .bearer_auth(token)
        .send()
        .await
        .expect("limits");
    resp.status()
}

#[tokio::test]
async fn jwt_bearer_login_issues_a_working_token() {
    let sf = sf().await;
    let assertion = sign(PRIVATE, &claims("https://login.salesforce.com", 180));
    let r = token(
        &sf,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &assertion),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    let access = body["access_token"].as_str().expect("token");
    assert!(
        access.starts_with("00D") && access.contains('!'),
        "{access}"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "api");
    assert_eq!(body["instance_url"], sf.emu.instance_url.as_str());
    let id = body["id"].as_str().expect("id");
    assert!(
        id.starts_with(&format!("{}/id/00D", sf.emu.login_url)),
        "{id}"
    );
    let issued: u64 = body["issued_at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("ms");
    assert!(issued > 1_600_000_000_000);
    let sig = STANDARD
        .decode(body["signature"].as_str().expect("sig"))
        .expect("base64");
    assert_eq!(sig.len(), 32);
    assert!(body.get("refresh_token").is_none());
    assert_eq!(limits_with(&sf, access).await, StatusCode::OK);
    // The emulator's own login URL is an accepted audience too.
    let own = sign(PRIVATE, &claims(&sf.emu.login_url, 60));
    let r = token(
        &sf,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &own),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn bad_assertions_are_rejected() {
    let sf = sf().await;
    let good = claims("https://test.salesforce.com", 120);
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("someone-else");
    let mut wrong_sub = good.clone();
    wrong_sub["sub"] = json!("intruder@example.com");
    let cases = [
        (
            "other key",
            sign(OTHER_PRIVATE, &good),
            "invalid_grant",
            "invalid assertion",
        ),
        (
            "garbage",
            "not.a.jwt".to_string(),
            "invalid_grant",
            "invalid assertion",
        ),
        (
            "expired",
            sign(PRIVATE, &claims("https://login.salesforce.com", -5)),
            "invalid_grant",
            "expired authorization code",
        ),
        (
            "audience",
            sign(PRIVATE, &claims("https://evil.example.com", 60)),
            "invalid_grant",
            "audience is invalid",
        ),
        (
            "subject",
            sign(PRIVATE, &wrong_sub),
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
        (
            "issuer",
            sign(PRIVATE, &wrong_iss),
            "invalid_client_id",
            "client identifier invalid",
        ),
    ];
    for (name, assertion, error, description) in cases {
        let r = token(
            &sf,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &assertion),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(
            r.json(),
            json!({"error": error, "error_description": description}),
            "{name}"
        );
    }
}

#[tokio::test]
async fn refresh_token_and_client_credentials_grants() {
    let sf = sf().await;
    let cases: [(Form, Failure); 6] = [
        (
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", REFRESH),
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
            ],
            None,
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", REFRESH),
                ("client_id", CLIENT_ID),
            ],
            None,
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "stale"),
                ("client_id", CLIENT_ID),
            ],
            Some(("invalid_grant", "expired access/refresh token")),
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
            ],
            None,
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", "nope"),
            ],
            Some(("invalid_client", "invalid client credentials")),
        ),
        (
            &[
                ("grant_type", "password"),
                ("username", USER),
                ("password", "x"),
            ],
            Some(("unsupported_grant_type", "grant type not supported")),
        ),
    ];
    for (form, failure) in cases {
        let r = token(&sf, form).await;
        match failure {
            None => {
                assert_eq!(r.status, StatusCode::OK, "{form:?}: {}", r.text);
                let access = r.json()["access_token"]
                    .as_str()
                    .expect("token")
                    .to_string();
                assert_eq!(limits_with(&sf, &access).await, StatusCode::OK);
            }
            Some((error, description)) => {
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{form:?}");
                assert_eq!(
                    r.json(),
                    json!({"error": error, "error_description": description})
                );
            }
        }
    }
    // Client credentials in an HTTP Basic header.
    let url = format!("{}/services/oauth2/token", sf.emu.login_url);
    let resp = sf
        .http
        .post(url)
        .basic_auth(CLIENT_ID, Some(SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token call");
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn expired_sessions_get_401_invalid_session_id() {
    let sf = sf().await;
    assert_eq!(sf.get("/limits").await.status, StatusCode::OK);
    sf.emu.expire_tokens();
    for path in [
        "/limits",
        "/query?q=SELECT+Id+FROM+Lead",
        "/sobjects/Lead/describe",
    ] {
        let r = sf.get(path).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            r.text,
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#
        );
        assert_eq!(r.header("www-authenticate").as_deref(), Some("Token"));
    }
    let anonymous = sf.http.get(sf.data("/limits")).send().await.expect("call");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Logging in again restores access.
    let r = token(
        &sf,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", REFRESH),
            ("client_id", CLIENT_ID),
        ],
    )
    .await;
    let fresh = r.json()["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(limits_with(&sf, &fresh).await, StatusCode::OK);
    assert_eq!(limits_with(&sf, &sf.token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn versions_are_public_and_unknown_versions_404() {
    let sf = sf().await;
    let resp = sf
        .http
        .get(format!("{}/services/data/", sf.emu.instance_url))
        .send()
        .await
        .expect("call");
    let r = reply(resp).await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.json();
    let last = list
        .as_array()
        .and_then(|l| l.last())
        .cloned()
        .expect("versions");
    assert_eq!(
        last,
        json!({"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"})
    );
    assert_eq!(list.as_array().map(Vec::len), Some(32));
    let r = sf
        .get(&format!(
            "{}/services/data/v99.0/limits",
            sf.emu.instance_url
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()[0]["errorCode"], "NOT_FOUND");
    assert_eq!(
        sf.get(&format!(
            "{}/services/data/v58.0/limits",
            sf.emu.instance_url
        ))
        .await
        .status,
        StatusCode::OK
    );
}
