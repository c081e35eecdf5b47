//! The HubSpot connector's pushes against the emulator: batching, 207 partial failures, and
//! credentials kept out of traces and `Debug`.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{start, TOKEN};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Faults, Limits, RunningEmulator};
use crmsync_hubspot::{HubspotConfig, HubspotConnector};
use crmsync_sdk::crm::{CrmConnector, OutboundRecord, WriteOutcome};
use crmsync_sdk::http::RetryPolicy;
use futures::StreamExt;

const ENV: &str = "HUBSPOT_TEST_TOKEN";

async fn emulator(contacts: usize) -> RunningEmulator {
    let limits = Limits {
        ten_secondly: 1_000_000,
        daily: 100_000_000,
        search_per_second: 100_000,
    };
    start(
        Emulator::builder()
            .limits(limits)
            .seed(seed_contacts(contacts, 7)),
    )
    .await
}

fn connector(running: &RunningEmulator) -> HubspotConnector {
    let config = HubspotConfig {
        token_env: Some(ENV.to_owned()),
        base_url: running.base_url.clone(),
        ten_secondly_limit: Some(1_000_000),
        ..HubspotConfig::default()
    };
    let retry = RetryPolicy {
        base: Duration::from_millis(2),
        cap: Duration::from_millis(20),
        max_attempts: 10,
        max_retry_after: Duration::from_secs(5),
    };
    let env = |name: &str| (name == ENV).then(|| TOKEN.to_owned());
    HubspotConnector::with_retry(config, &env, retry).expect("connector builds")
}

fn record(local_id: i64, remote_id: Option<String>, email: &str, title: &str) -> OutboundRecord {
    let mut fields = BTreeMap::new();
    fields.insert("email".to_owned(), Some(email.to_owned()));
    fields.insert("jobtitle".to_owned(), Some(title.to_owned()));
    OutboundRecord {
        local_id,
        remote_id,
        fields,
    }
}

#[tokio::test]
async fn thousand_changes_take_ten_batch_calls() {
    let running = emulator(500).await;
    let conn = connector(&running);
    // 500 linked updates by id and 500 new contacts upserted by email.
    let changes: Vec<OutboundRecord> = (1..=1_000i64)
        .map(|i| {
            if i <= 500 {
                let email = running
                    .record("contacts", &i.to_string())
                    .and_then(|r| r.property("email").map(str::to_owned))
                    .unwrap_or_default();
                record(i, Some(i.to_string()), &email, "Updated")
            } else {
                record(i, None, &format!("new{i}@example.com"), "Created")
            }
        })
        .collect();
    running.clear_request_log();
    let mut outcomes = Vec::new();
    for batch in changes.chunks(conn.max_batch()) {
        outcomes.extend(conn.push("contacts", batch).await.expect("push"));
    }
    let batch_calls = running
        .request_log()
        .iter()
        .filter(|r| r.path.contains("/batch/"))
        .count();
    assert_eq!(batch_calls, 10);
    assert_eq!(outcomes.len(), 1_000);
    for (i, outcome) in outcomes.iter().enumerate() {
        let local = i as i64 + 1;
        match outcome {
            WriteOutcome::Updated {
                local_id,
                remote_id,
            } if local <= 500 => {
                assert_eq!((*local_id, remote_id.clone()), (local, local.to_string()));
            }
            WriteOutcome::Created {
                local_id,
                remote_id,
            } if local > 500 => {
                assert_eq!(*local_id, local);
                let stored = running
                    .record("contacts", remote_id)
                    .expect("created record");
                assert_eq!(
                    stored.property("email"),
                    Some(format!("new{local}@example.com").as_str())
                );
            }
            other => panic!("input {local}: unexpected {other:?}"),
        }
    }
    assert_eq!(running.count("contacts"), 1_000);
    running.shutdown().await;
}

#[tokio::test]
async fn partial_failure_maps_per_input() {
    let running = emulator(10).await;
    let bad: HashSet<String> = ["bad1@example.com", "bad2@example.com", "bad3@example.com"]
        .map(str::to_owned)
        .into();
    running.set_faults(Faults {
        reject_ids: bad.clone(),
        ..Faults::none()
    });
    let conn = connector(&running);
    let batch: Vec<OutboundRecord> = (0..100i64)
        .map(|i| {
            let email = match i {
                10 => "bad1@example.com".to_owned(),
                50 => "bad2@example.com".to_owned(),
                99 => "bad3@example.com".to_owned(),
                _ => format!("ok{i}@example.com"),
            };
            record(i, None, &email, "T")
        })
        .collect();
    let outcomes = conn.push("contacts", &batch).await.expect("push");
    assert_eq!(outcomes.len(), 100);
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, WriteOutcome::Created { .. }))
        .count();
    assert_eq!(created, 97);
    for index in [10usize, 50, 99] {
        match &outcomes[index] {
            WriteOutcome::Rejected {
                local_id,
                code,
                message,
                retryable,
            } => {
                assert_eq!(*local_id, index as i64);
                assert_eq!(code, "VALIDATION_ERROR");
                assert!(!message.is_empty());
                assert!(!retryable);
            }
            other => panic!("input {index}: expected a rejection, got {other:?}"),
        }
    }
    running.shutdown().await;
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn token_never_appears_in_traces_or_debug() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let running = emulator(300).await;
    running.set_faults(Faults {
        server_error_probability: 0.3,
        rate_limit_probability: 0.1,
        seed: 9,
        ..Faults::none()
    });
    let conn = connector(&running);
    let mut stream = conn.pull("contacts", None);
    let mut pulled = 0;
    while let Some(page) = stream.next().await {
        pulled += page.expect("pull").records.len();
    }
    drop(stream);
    assert_eq!(pulled, 300);
    assert!(conn.stats().retries > 0, "retries were traced");
    let traced = String::from_utf8_lossy(&capture.0.lock().map(|b| b.clone()).unwrap_or_default())
        .into_owned();
    assert!(
        traced.contains("retrying request"),
        "trace captured: {} bytes",
        traced.len()
    );
    assert!(!traced.contains(TOKEN), "token leaked into traces");
    let debug = format!("{conn:?} {:?}", conn.config());
    assert!(!debug.contains(TOKEN), "token leaked into Debug: {debug}");
    running.shutdown().await;
}

#[tokio::test]
async fn missing_variable_is_named_and_check_reports_quota() {
    let running = emulator(5).await;
    let config = HubspotConfig {
        token_env: Some("NOT_SET_ANYWHERE".to_owned()),
        base_url: running.base_url.clone(),
        ..HubspotConfig::default()
    };
    let err = HubspotConnector::new(config, &|_| None).expect_err("missing token");
    assert!(err.message.contains("NOT_SET_ANYWHERE"), "{}", err.message);
    let conn = connector(&running);
    let report = conn.check().await.expect("check");
    assert_eq!(report.quota_max, Some(100_000_000));
    assert_eq!(report.quota_remaining, Some(100_000_000 - 1));
    let schema = conn.discover().await.expect("discover");
    let email = schema[0]
        .fields
        .iter()
        .find(|f| f.name == "email")
        .expect("email field");
    assert!(email.unique && !email.read_only);
    let modified = schema[0]
        .fields
        .iter()
        .find(|f| f.name == "lastmodifieddate")
        .expect("modified");
    assert!(modified.read_only);
    running.shutdown().await;
}
