//! Shared test code for the emulator tests: start a server on 127.0.0.1:0 and talk to it over
//! real HTTP.
#![allow(dead_code)]

use std::net::SocketAddr;

use crmsync_hubspot::emulator::{EmulatorBuilder, RunningEmulator};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The private-app token tests authenticate with.
pub const TOKEN: &str = "pat-na1-00000000-test";

/// A response reduced to what tests assert on.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `id`s of `results`.
    pub fn ids(&self) -> Vec<String> {
        self.body["results"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Builds (with the test token) and starts an emulator on a free local port.
pub async fn start(builder: EmulatorBuilder) -> RunningEmulator {
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    match builder.token(TOKEN).build() {
        Ok(emulator) => match emulator.start(addr).await {
            Ok(running) => running,
            Err(err) => panic!("emulator did not start: {err}"),
        },
        Err(err) => panic!("emulator did not build: {err}"),
    }
}

/// An HTTP client with the test token.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    pub fn new(running: &RunningEmulator) -> Self {
        Self {
            base: running.base_url.clone(),
            http: reqwest::Client::new(),
            token: TOKEN.to_owned(),
        }
    }

    async fn finish(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = match response.text().await {
            Ok(text) => text,
            Err(err) => panic!("reading body failed: {err}"),
        };
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends a request built from `method`, `path` and an optional JSON body.
    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, reqwest::Error> {
        let mut request = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        Ok(Self::finish(response).await)
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Reply {
        match self.try_send(method, path, body).await {
            Ok(reply) => reply,
            Err(err) => panic!("request to {path} failed: {err}"),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

/// Whether `text` is a lowercase hyphenated UUID.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && groups.iter().all(|g| {
            g.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        })
}

/// The ids `from..=to` as strings.
pub fn id_range(from: u64, to: u64) -> Vec<String> {
    (from..=to).map(|i| i.to_string()).collect()
}
