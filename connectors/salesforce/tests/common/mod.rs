//! Shared support for the emulator tests: start a server on 127.0.0.1:0 and talk to it over
//! real HTTP.
#![allow(dead_code)]

use std::time::Duration;

use crmsync_salesforce::emulator::{EmulatorBuilder, RunningEmulator};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The fixed token tests use unless they log in.
pub const TOKEN: &str = "00D000000000001!test-token";

/// A running emulator plus an HTTP client.
pub struct Sf {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub token: String,
}

/// A response with its status, headers and body text.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON (panics with the body text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// Starts `builder` with the fixed [`TOKEN`].
pub async fn start(builder: EmulatorBuilder) -> Sf {
    let emu = builder
        .access_token(Some(TOKEN.to_string()))
        .bulk_delay(Duration::from_millis(20))
        .build()
        .start_local()
        .await
        .expect("emulator starts");
    Sf {
        emu,
        http: reqwest::Client::new(),
        token: TOKEN.to_string(),
    }
}

impl Sf {
    /// Absolute URL of a data API path under `/services/data/v62.0`.
    pub fn data(&self, path: &str) -> String {
        format!("{}/services/data/v62.0{path}", self.emu.instance_url)
    }

    /// Sends an authenticated request with an optional JSON body to an absolute URL or a
    /// path under the data API.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            self.data(path)
        };
        let mut req = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request completes");
        reply(resp).await
    }

    /// Authenticated GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    /// Runs SOQL through `query` (or `queryAll`) and returns the first page.
    pub async fn soql(&self, endpoint: &str, soql: &str) -> Reply {
        let resp = self
            .http
            .get(self.data(endpoint))
            .query(&[("q", soql)])
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request completes");
        reply(resp).await
    }

    /// Sends raw text (CSV uploads).
    pub async fn put_text(&self, path: &str, content_type: &str, body: String) -> Reply {
        let resp = self
            .http
            .put(self.data(path))
            .bearer_auth(&self.token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request completes");
        reply(resp).await
    }

    /// Polls a Bulk API job until it leaves the running states; returns the final job info
    /// and every state seen.
    pub async fn wait_job(&self, path: &str) -> (Value, Vec<String>) {
        let mut seen: Vec<String> = Vec::new();
        for _ in 0..500 {
            let info = self.get(path).await.json();
            let state = info["state"].as_str().unwrap_or("").to_string();
            if seen.last() != Some(&state) {
                seen.push(state.clone());
            }
            if matches!(state.as_str(), "JobComplete" | "Failed" | "Aborted") {
                return (info, seen);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("job {path} did not finish; states seen: {seen:?}");
    }
}

/// Collects a response.
pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    Reply {
        status,
        headers,
        text,
    }
}
