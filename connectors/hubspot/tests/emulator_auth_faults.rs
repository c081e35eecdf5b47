//! Authentication (static token, OAuth refresh, expiry), fault injection and the request log
//! over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::{start, Api, TOKEN};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Faults, OAuthClient};
use serde_json::{json, Value};

const LIST: &str = "/crm/v3/objects/contacts?limit=2";

async fn refresh(api: &Api, secret: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "client-1"),
        ("client_secret", secret),
        ("refresh_token", "refresh-1"),
    ];
    let response = api
        .http
        .post(format!("{}/oauth/v1/token", api.base))
        .form(&form)
        .send()
        .await;
    let Ok(response) = response else {
        panic!("token request failed");
    };
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn oauth_refresh_flow_and_expired_token() {
    let client = OAuthClient::new("client-1", "secret-1", "refresh-1");
    let running = start(Emulator::builder().oauth(client).seed(seed_contacts(3, 1))).await;
    let mut api = Api::new(&running);

    let (status, grant) = refresh(&api, "secret-1").await;
    assert_eq!(status, 200);
    assert_eq!(grant["token_type"], "bearer");
    assert_eq!(grant["refresh_token"], "refresh-1");
    assert_eq!(grant["expires_in"], 1800);
    let token = grant["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(token.len() >= 300);

    api.token = token.clone();
    let ok = api.get(LIST).await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.header("x-hubspot-ratelimit-daily").is_none(),
        "no daily headers for OAuth"
    );
    assert_eq!(ok.header("x-hubspot-ratelimit-max"), Some("100"));

    running.expire_access_tokens();
    let expired = api.get(LIST).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.body["category"], "EXPIRED_AUTHENTICATION");
    let message = expired.body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("The OAuth token used to make this call expired"),
        "{message}"
    );

    let (status, again) = refresh(&api, "secret-1").await;
    assert_eq!(status, 200);
    let fresh = again["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(fresh, token);
    api.token = fresh;
    assert_eq!(api.get(LIST).await.status, 200);

    let (status, bad) = refresh(&api, "wrong").await;
    assert_eq!(
        (status, bad["status"].clone()),
        (400, json!("BAD_CLIENT_SECRET"))
    );
    // Token calls are not rate limited and do not need a bearer token.
    assert!(running
        .request_log()
        .iter()
        .any(|r| r.path == "/oauth/v1/token" && r.status == 400));
}

#[tokio::test]
async fn short_lived_tokens_expire_by_themselves() {
    let client = OAuthClient::new("client-1", "secret-1", "refresh-1")
        .with_access_token_ttl(Duration::from_millis(300));
    let running = start(Emulator::builder().oauth(client)).await;
    let mut api = Api::new(&running);
    let (_, grant) = refresh(&api, "secret-1").await;
    assert_eq!(grant["expires_in"], 0);
    api.token = grant["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(api.get(LIST).await.status, 200);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(api.get(LIST).await.status, 401);
}

#[tokio::test]
async fn unknown_or_missing_bearer_is_invalid_authentication() {
    let running = start(Emulator::builder()).await;
    let mut api = Api::new(&running);
    api.token = "pat-na1-wrong".into();
    let reply = api.get(LIST).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body["status"], "error");
    assert_eq!(reply.body["category"], "INVALID_AUTHENTICATION");
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Authentication credentials not found."),
        "{message}"
    );
    assert!(reply.body["correlationId"].is_string());
    let anonymous = api.http.get(format!("{}{LIST}", api.base)).send().await;
    assert_eq!(anonymous.map(|r| r.status().as_u16()).ok(), Some(401));
    api.token = TOKEN.into();
    assert_eq!(api.get(LIST).await.status, 200);
}

async fn statuses(api: &Api, n: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let reply = api.try_send(reqwest::Method::GET, LIST, None).await;
        out.push(reply.map_or(0, |r| r.status));
    }
    out
}

#[tokio::test]
async fn faults_are_reproducible_with_a_fixed_seed() {
    let running = start(Emulator::builder().seed(seed_contacts(3, 1))).await;
    let api = Api::new(&running);
    let faults = Faults {
        server_error_probability: 0.25,
        locked_probability: 0.1,
        rate_limit_probability: 0.1,
        drop_connection_probability: 0.05,
        seed: 42,
        ..Faults::none()
    };
    running.set_faults(faults.clone());
    let first = statuses(&api, 60).await;
    running.reset_rate_limits();
    running.set_faults(faults.clone());
    let second = statuses(&api, 60).await;
    assert_eq!(first, second);
    for code in [200, 423, 429] {
        assert!(first.contains(&code), "{code} missing from {first:?}");
    }
    assert!(first.iter().any(|s| matches!(s, 502..=504)), "{first:?}");
    assert!(first.contains(&0), "no dropped connection in {first:?}");
    running.reset_rate_limits();
    running.set_faults(Faults { seed: 7, ..faults });
    assert_ne!(statuses(&api, 60).await, first);
    let log = running.request_log();
    assert_eq!(log.len(), 180);
    let logged: Vec<u16> = log.iter().take(60).map(|r| r.status).collect();
    assert_eq!(logged, first);
}

#[tokio::test]
async fn faulted_requests_do_not_change_state() {
    let running = start(Emulator::builder()).await;
    let api = Api::new(&running);
    let create = json!({"properties": {"email": "ada@example.com"}});
    for faults in [
        Faults {
            server_error_probability: 1.0,
            ..Faults::none()
        },
        Faults {
            locked_probability: 1.0,
            ..Faults::none()
        },
        Faults {
            rate_limit_probability: 1.0,
            ..Faults::none()
        },
        Faults {
            drop_connection_probability: 1.0,
            ..Faults::none()
        },
    ] {
        running.set_faults(faults.clone());
        let reply = api
            .try_send(
                reqwest::Method::POST,
                "/crm/v3/objects/contacts",
                Some(&create),
            )
            .await;
        match reply {
            Ok(reply) => assert!(matches!(reply.status, 423 | 429 | 502..=504), "{faults:?}"),
            Err(err) => assert!(faults.drop_connection_probability > 0.0, "{err}"),
        }
        assert_eq!(running.count("contacts"), 0, "{faults:?}");
    }
    running.set_faults(Faults::none());
    assert_eq!(
        api.post("/crm/v3/objects/contacts", &create).await.status,
        201
    );
    let statuses: Vec<u16> = running.request_log().iter().map(|r| r.status).collect();
    assert_eq!(statuses.len(), 5);
    assert_eq!(
        statuses.get(3),
        Some(&0),
        "dropped connection logged as status 0"
    );
    assert_eq!(statuses.get(4), Some(&201));
    assert!(running.request_log().iter().all(|r| r.body_len == 42));
}

#[tokio::test]
async fn latency_is_added_to_every_call() {
    let running = start(Emulator::builder()).await;
    let api = Api::new(&running);
    running.set_faults(Faults {
        latency_ms: 150,
        ..Faults::none()
    });
    let started = Instant::now();
    assert_eq!(api.get(LIST).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn request_log_is_exposed_over_http() {
    let running = start(Emulator::builder().seed(seed_contacts(3, 1))).await;
    let api = Api::new(&running);
    api.get(LIST).await;
    api.get("/crm/v3/objects/contacts/1?properties=email").await;
    api.post("/crm/v3/objects/contacts/search", &json!({}))
        .await;
    let log = api.get("/__emulator/requests").await;
    let entries = log.body.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 3, "inspection calls are not logged");
    assert_eq!(entries[1]["path"], "/crm/v3/objects/contacts/1");
    assert_eq!(entries[1]["query"], "properties=email");
    assert_eq!(entries[2]["method"], "POST");
    assert_eq!(entries[2]["bodyLen"], 2);
    assert_eq!(entries[2]["status"], 200);
    assert_eq!(api.delete("/__emulator/requests").await.status, 204);
    assert!(running.request_log().is_empty());
}
