//! API allowance accounting, fault injection and the request log.

mod common;

use std::time::{Duration, Instant};

use common::{reply, start};
use crmsync_salesforce::emulator::{Emulator, Faults, ScriptedFault};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn limit_info_header_counts_api_calls_only() {
    let sf = start(
        Emulator::builder()
            .daily_limit(10)
            .oauth_client("cid", "secret", "rt"),
    )
    .await;
    let mut seen = Vec::new();
    for path in [
        "/limits",
        "/sobjects/Lead/describe",
        "/query?q=SELECT+Id+FROM+Lead",
    ] {
        let r = sf.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        seen.push(r.header("sforce-limit-info").unwrap_or_default());
    }
    assert_eq!(
        seen,
        vec!["api-usage=1/10", "api-usage=2/10", "api-usage=3/10"]
    );
    // Versions list and token requests are free.
    let versions = sf
        .http
        .get(format!("{}/services/data/", sf.emu.instance_url))
        .send()
        .await
        .expect("call");
    assert!(versions.headers().get("sforce-limit-info").is_none());
    let token = sf
        .http
        .post(format!("{}/services/oauth2/token", sf.emu.login_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cid"),
            ("client_secret", "secret"),
        ])
        .send()
        .await
        .expect("call");
    assert_eq!(token.status(), StatusCode::OK);
    let limits = sf.get("/limits").await;
    assert_eq!(
        limits.header("sforce-limit-info").as_deref(),
        Some("api-usage=4/10")
    );
    assert_eq!(
        limits.json()["DailyApiRequests"],
        json!({"Max": 10, "Remaining": 6})
    );
    // Errors count too, once authenticated.
    let bad = sf.soql("/query", "SELECT Nope FROM Lead").await;
    assert_eq!(
        bad.header("sforce-limit-info").as_deref(),
        Some("api-usage=5/10")
    );
    assert_eq!(sf.emu.api_usage(), 5);
}

#[tokio::test]
async fn request_limit_exceeded_once_the_allowance_is_spent() {
    let sf = start(Emulator::builder().daily_limit(3)).await;
    for _ in 0..3 {
        assert_eq!(sf.get("/limits").await.status, StatusCode::OK);
    }
    let r = sf.get("/query?q=SELECT+Id+FROM+Lead").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.text,
        r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#
    );
    assert_eq!(
        r.header("sforce-limit-info").as_deref(),
        Some("api-usage=3/3")
    );
    assert_eq!(sf.emu.api_usage(), 3);
    sf.emu.set_api_usage(1);
    let r = sf.get("/limits").await;
    assert_eq!(
        (r.status, r.header("sforce-limit-info")),
        (StatusCode::OK, Some("api-usage=2/3".into()))
    );
}

#[tokio::test]
async fn faulted_requests_change_nothing() {
    let sf = start(Emulator::builder().daily_limit(100)).await;
    let mut faults = Faults::seeded(1);
    faults.scripted.extend([
        ScriptedFault::Status(503),
        ScriptedFault::Status(500),
        ScriptedFault::Drop,
    ]);
    sf.emu.set_faults(faults);
    let body = json!({"records": [{"attributes": {"type": "Lead"}, "Crmsync_Id__c": "F-1", "LastName": "L", "Company": "C"}]});
    let path = "/composite/sobjects/Lead/Crmsync_Id__c";
    let r = sf.call(Method::PATCH, path, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()[0]["errorCode"], "SERVER_UNAVAILABLE");
    let r = sf.call(Method::PATCH, path, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.json()[0]["errorCode"], "UNKNOWN_EXCEPTION");
    let dropped = sf
        .http
        .patch(sf.data(path))
        .bearer_auth(&sf.token)
        .json(&body)
        .send()
        .await;
    // The connection closes before any response arrives.
    let err = dropped.expect_err("a dropped connection must surface as a client error");
    assert!(err.is_request(), "{err:?}");
    assert_eq!(sf.emu.count("Lead"), 0);
    assert_eq!(sf.emu.api_usage(), 0);
    let r = sf.call(Method::PATCH, path, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(sf.emu.count("Lead"), 1);
    let statuses: Vec<u16> = sf.emu.request_log().iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![503, 500, 0, 200]);
}

#[tokio::test]
async fn random_faults_are_reproducible_and_latency_applies() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let sf = start(Emulator::builder()).await;
        sf.emu.set_faults(Faults {
            server_error_probability: 0.4,
            ..Faults::seeded(42)
        });
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(sf.get("/limits").await.status.as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    let failures = runs[0].iter().filter(|&&s| s != 200).count();
    assert!((4..=20).contains(&failures), "{:?}", runs[0]);
    assert!(runs[0].iter().all(|s| [200, 500, 503].contains(s)));
    let sf = start(Emulator::builder()).await;
    let mut faults = Faults {
        latency: Duration::from_millis(100),
        ..Faults::default()
    };
    faults
        .scripted
        .push_back(ScriptedFault::Delay(Duration::from_millis(200)));
    sf.emu.set_faults(faults);
    let t = Instant::now();
    assert_eq!(sf.get("/limits").await.status, StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    sf.get("/limits").await;
    let second = t.elapsed();
    assert!(
        second >= Duration::from_millis(100) && second < Duration::from_millis(290),
        "{second:?}"
    );
}

#[tokio::test]
async fn request_log_over_http_and_direct_edits() {
    let sf = start(Emulator::builder()).await;
    sf.soql("/query", "SELECT Id FROM Lead").await;
    sf.call(
        Method::POST,
        "/sobjects/Lead",
        Some(json!({"LastName": "L", "Company": "C"})),
    )
    .await;
    let log_url = format!("{}/__emulator/requests", sf.emu.instance_url);
    let r = reply(sf.http.get(&log_url).send().await.expect("log")).await;
    let log = r.json();
    assert_eq!(log.as_array().map(Vec::len), Some(2));
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/services/data/v62.0/query");
    assert_eq!(log[0]["query"], "q=SELECT+Id+FROM+Lead");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["method"], "POST");
    assert_eq!(log[1]["status"], 201);
    assert_eq!(log[1]["requestBytes"], 30);
    assert!(log[1]["responseBytes"].as_u64().unwrap_or(0) > 0);
    let cleared = sf.http.delete(&log_url).send().await.expect("clear");
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(sf.emu.request_log().is_empty());
    let id = sf
        .emu
        .insert("Account", json!({"Name": "Acme"}))
        .expect("insert");
    assert!(id.starts_with("001"));
    let err = sf
        .emu
        .insert("Account", json!({"Name": null}))
        .expect_err("required");
    assert_eq!(
        err.to_string(),
        "REQUIRED_FIELD_MISSING: Required fields are missing: [Name]"
    );
    assert_eq!(sf.emu.count("Account"), 1);
    let token = sf.emu.issue_token();
    let resp = sf
        .http
        .get(sf.data("/limits"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("call");
    assert_eq!(resp.status(), StatusCode::OK);
    sf.emu.shutdown().await;
}
