//! The HubSpot connector's pulls against the emulator over real HTTP: full reads, incremental
//! search reads, boundary timestamps, the 10,000-result window, faults and the daily quota.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{start, TOKEN};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Faults, Limits, RunningEmulator};
use crmsync_hubspot::{HubspotConfig, HubspotConnector};
use crmsync_sdk::crm::{CrmConnector, Cursor, RemoteRecord};
use crmsync_sdk::http::RetryPolicy;
use crmsync_sdk::{ConnectorError, ErrorKind};
use futures::StreamExt;

const ENV: &str = "HUBSPOT_TEST_TOKEN";

fn fast_limits() -> Limits {
    Limits {
        ten_secondly: 1_000_000,
        daily: 100_000_000,
        search_per_second: 100_000,
    }
}

async fn emulator(contacts: usize) -> RunningEmulator {
    start(
        Emulator::builder()
            .limits(fast_limits())
            .seed(seed_contacts(contacts, 7)),
    )
    .await
}

fn config(running: &RunningEmulator) -> HubspotConfig {
    HubspotConfig {
        token_env: Some(ENV.to_owned()),
        base_url: running.base_url.clone(),
        ten_secondly_limit: Some(1_000_000),
        search_per_second: Some(100_000),
        ..HubspotConfig::default()
    }
}

fn connector(config: HubspotConfig) -> HubspotConnector {
    let retry = RetryPolicy {
        base: Duration::from_millis(2),
        cap: Duration::from_millis(20),
        max_attempts: 10,
        max_retry_after: Duration::from_secs(5),
    };
    let env = |name: &str| (name == ENV).then(|| TOKEN.to_owned());
    HubspotConnector::with_retry(config, &env, retry).expect("connector builds")
}

struct Drained {
    records: Vec<RemoteRecord>,
    cursor: Option<Cursor>,
    error: Option<ConnectorError>,
}

async fn drain(conn: &HubspotConnector, cursor: Option<Cursor>) -> Drained {
    let mut stream = conn.pull("contacts", cursor);
    let mut out = Drained {
        records: Vec::new(),
        cursor: None,
        error: None,
    };
    while let Some(page) = stream.next().await {
        match page {
            Ok(page) => {
                out.records.extend(page.records);
                out.cursor = Some(page.next);
            }
            Err(err) => out.error = Some(err),
        }
    }
    out
}

/// Live records by id with their set values, as the emulator holds them.
fn emulator_content(running: &RunningEmulator) -> BTreeMap<String, BTreeMap<String, String>> {
    running
        .all("contacts")
        .into_iter()
        .filter(|r| !r.archived)
        .map(|r| (r.id, r.properties))
        .collect()
}

fn pulled_content(records: &[RemoteRecord]) -> BTreeMap<String, BTreeMap<String, String>> {
    records
        .iter()
        .filter(|r| !r.deleted)
        .map(|r| {
            let set = r
                .fields
                .iter()
                .filter_map(|(k, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (k.clone(), v)))
                .collect();
            (r.id.clone(), set)
        })
        .collect()
}

#[tokio::test]
async fn full_then_incremental_pull() {
    let running = emulator(25_000).await;
    let conn = connector(config(&running));
    let full = drain(&conn, None).await;
    assert!(full.error.is_none(), "{:?}", full.error);
    assert_eq!(full.records.len(), 25_000);
    assert_eq!(pulled_content(&full.records), emulator_content(&running));
    let Some(Cursor::Watermark { .. }) = &full.cursor else {
        panic!("a full read ends with a watermark, got {:?}", full.cursor);
    };

    let mut edited = Vec::new();
    for i in 0..100u64 {
        let id = (1 + i * 97).to_string();
        running
            .edit("contacts", &id, [("jobtitle", format!("Edited {i}"))])
            .expect("edit");
        edited.push(id);
    }
    running.clear_request_log();
    let incremental = drain(&conn, full.cursor.clone()).await;
    assert!(incremental.error.is_none(), "{:?}", incremental.error);
    let mut got: Vec<String> = incremental.records.iter().map(|r| r.id.clone()).collect();
    got.sort_by_key(|id| id.parse::<u64>().unwrap_or(0));
    assert_eq!(got, edited);
    assert!(incremental.records.iter().all(|r| r
        .fields
        .get("jobtitle")
        .and_then(|v| v.as_deref())
        .is_some_and(|v| v.starts_with("Edited "))));
    let log = running.request_log();
    assert!(log
        .iter()
        .any(|r| r.path.ends_with("/objects/contacts/search")));
    let plain_lists = log.iter().filter(|r| {
        r.method == "GET"
            && r.path.ends_with("/objects/contacts")
            && !r.query.as_deref().unwrap_or("").contains("archived=true")
    });
    assert_eq!(plain_lists.count(), 0, "incremental pull must not re-list");
    running.shutdown().await;
}

#[tokio::test]
async fn boundary_timestamps_are_not_skipped() {
    let running = emulator(50).await;
    let conn = connector(HubspotConfig {
        search_page_size: 4,
        ..config(&running)
    });
    let since = Utc
        .with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    let ids = ["3", "7", "11", "20", "31", "44"];
    running
        .edit_at("contacts", &ids, [("jobtitle", "Same time")], since)
        .expect("edit_at");
    let start = Cursor::Watermark {
        since,
        after_id: None,
    };
    let mut stream = conn.pull("contacts", Some(start));
    let first = stream.next().await.expect("a page").expect("no error");
    drop(stream);
    let first_ids: Vec<&str> = first.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(first_ids, ["3", "7", "11", "20"]);
    assert_eq!(
        first.next,
        Cursor::Watermark {
            since,
            after_id: Some("20".to_owned())
        }
    );
    let rest = drain(&conn, Some(first.next)).await;
    assert!(rest.error.is_none(), "{:?}", rest.error);
    let rest_ids: Vec<&str> = rest.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(rest_ids, ["31", "44"]);
    running.shutdown().await;
}

#[tokio::test]
async fn incremental_pull_past_the_search_window_is_complete() {
    let running = emulator(3_000).await;
    // A small window (HubSpot's is 10,000) forces several re-anchored searches.
    let conn = connector(HubspotConfig {
        search_window: 1_000,
        ..config(&running)
    });
    // 300 records sharing one time straddle a re-anchor point.
    let at = Utc
        .with_ymd_and_hms(2031, 1, 1, 0, 0, 0)
        .single()
        .expect("time");
    let shared: Vec<String> = (900..1_200).map(|i| i.to_string()).collect();
    let shared_refs: Vec<&str> = shared.iter().map(String::as_str).collect();
    running
        .edit_at("contacts", &shared_refs, [("jobtitle", "Shared")], at)
        .expect("edit_at");
    running.clear_request_log();
    let start = Cursor::Watermark {
        since: Utc.timestamp_opt(0, 0).single().expect("epoch"),
        after_id: None,
    };
    let pulled = drain(&conn, Some(start)).await;
    assert!(pulled.error.is_none(), "{:?}", pulled.error);
    let mut ids: Vec<u64> = pulled
        .records
        .iter()
        .filter_map(|r| r.id.parse().ok())
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (1..=3_000).collect::<Vec<u64>>(),
        "every record exactly once"
    );
    let searches = running
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/search"))
        .count();
    assert!(searches >= 15, "re-anchored searches, got {searches}");
    running.shutdown().await;
}

#[tokio::test]
async fn faults_do_not_change_the_content() {
    let running = emulator(3_000).await;
    let conn = connector(config(&running));
    let clean = drain(&conn, None).await;
    assert!(clean.error.is_none(), "{:?}", clean.error);
    running.set_faults(Faults {
        server_error_probability: 0.10,
        rate_limit_probability: 0.05,
        seed: 42,
        ..Faults::none()
    });
    let faulty_conn = connector(config(&running));
    let faulty = drain(&faulty_conn, None).await;
    assert!(faulty.error.is_none(), "{:?}", faulty.error);
    assert_eq!(
        pulled_content(&faulty.records),
        pulled_content(&clean.records)
    );
    let stats = faulty_conn.stats();
    assert!(stats.retries > 0 && stats.rate_limited > 0, "{stats:?}");
    running.shutdown().await;
}

#[tokio::test]
async fn daily_quota_stops_and_resumes() {
    let running = emulator(1_000).await;
    let conn = connector(config(&running));
    // One properties call and four list pages fit; the fifth page hits the quota.
    running.set_limits(Limits {
        daily: 5,
        ..fast_limits()
    });
    let first = drain(&conn, None).await;
    let err = first.error.expect("the quota ends the pull");
    assert_eq!(err.kind, ErrorKind::QuotaExhausted, "{err}");
    assert_eq!(first.records.len(), 400);
    assert_eq!(conn.stats().retries, 0, "a daily 429 is not retried");
    running.set_limits(fast_limits());
    running.reset_rate_limits();
    let rest = drain(&conn, first.cursor).await;
    assert!(rest.error.is_none(), "{:?}", rest.error);
    let mut all: Vec<RemoteRecord> = first.records;
    all.extend(rest.records);
    assert_eq!(all.len(), 1_000);
    assert_eq!(pulled_content(&all), emulator_content(&running));
    running.shutdown().await;
}
