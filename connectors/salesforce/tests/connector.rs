//! The connector against the emulator over real HTTP: logins and session renewal, full and
//! incremental pulls, tombstones, and the daily allowance.

mod connector_support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, TimeZone, Utc};
use connector_support::{config, connector, emulator, pull_all, records};
use crmsync_salesforce::emulator::{seed_leads, Emulator};
use crmsync_sdk::crm::{CrmConnector, Cursor};
use crmsync_sdk::ErrorKind;
use futures::StreamExt;
use serde_json::json;

fn token_calls(emu: &crmsync_salesforce::emulator::RunningEmulator) -> usize {
    emu.request_log()
        .iter()
        .filter(|e| e.path == "/services/oauth2/token")
        .count()
}

#[tokio::test]
async fn jwt_login_then_renewal_after_401() {
    let emu = emulator(Emulator::builder().seed(seed_leads(3, 1))).await;
    let conn = connector(config(&emu, "jwt", ""));
    let report = conn.check().await.unwrap();
    assert_eq!(report.quota_max, Some(100_000));
    assert!(
        report.identity.starts_with(&emu.instance_url),
        "{}",
        report.identity
    );
    assert_eq!(token_calls(&emu), 1);

    emu.expire_tokens();
    let (pages, err) = pull_all(&conn, "Lead", None).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(records(&pages).len(), 3);
    assert_eq!(token_calls(&emu), 2, "one renewal");
    let unauthorized = emu.request_log().iter().filter(|e| e.status == 401).count();
    assert_eq!(unauthorized, 1);
}

#[tokio::test]
async fn every_grant_logs_in_and_a_fixed_token_cannot_renew() {
    let emu = emulator(Emulator::builder()).await;
    for auth in ["jwt", "refresh_token", "client_credentials", "access_token"] {
        let conn = connector(config(&emu, auth, ""));
        conn.check().await.unwrap_or_else(|e| panic!("{auth}: {e}"));
    }
    let conn = connector(config(&emu, "access_token", ""));
    emu.expire_tokens();
    let err = conn.check().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(
        err.message.contains("INVALID_SESSION_ID"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn refused_login_is_an_auth_error_naming_the_oauth_error() {
    let emu = emulator(Emulator::builder()).await;
    let mut cfg = config(&emu, "refresh_token", "");
    cfg.refresh_token_env = Some("T_SECRET".into());
    let err = connector(cfg).check().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.message.contains("invalid_grant"), "{}", err.message);
}

#[tokio::test]
async fn full_pull_of_20000_leads_equals_the_emulator() {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let emu = emulator(
        Emulator::builder()
            .clock_start(start)
            .seed(seed_leads(20_000, 7)),
    )
    .await;
    // REST paging throughout (the Bulk switch has its own test).
    let conn = connector(config(&emu, "access_token", "bulk_threshold = 100000"));
    let (pages, err) = pull_all(&conn, "Lead", None).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(pages.len(), 10, "2,000-record pages");
    for page in &pages[..9] {
        assert!(matches!(
            &page.next,
            Cursor::Full {
                token: Some(_),
                then: Some(_)
            }
        ));
    }
    let got = records(&pages);
    assert_eq!(got.len(), 20_000);
    let by_id: BTreeMap<&str, _> = got.iter().map(|r| (r.id.as_str(), r)).collect();
    assert_eq!(by_id.len(), 20_000, "no duplicates");
    let all = emu.all("Lead");
    assert_eq!(all.len(), 20_000);
    for want in &all {
        let id = want["Id"].as_str().unwrap();
        let rec = by_id.get(id).unwrap_or_else(|| panic!("{id} missing"));
        for field in [
            "Email",
            "Phone",
            "LastName",
            "Company",
            "City",
            "Crmsync_Id__c",
        ] {
            let expected = want[field].as_str().map(str::to_string);
            assert_eq!(rec.fields.get(field), Some(&expected), "{id}.{field}");
        }
        assert!(!rec.deleted);
    }
    let last = got
        .iter()
        .filter_map(|r| r.modified_at.map(|t| (t, r.id.clone())))
        .max();
    let (since, id) = last.unwrap();
    assert_eq!(
        pages.last().unwrap().next,
        Cursor::Watermark {
            since,
            after_id: Some(id)
        }
    );
}

#[tokio::test]
async fn incremental_pull_sees_edits_shared_boundaries_and_deletes() {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let emu = emulator(
        Emulator::builder()
            .clock_start(start)
            .seed(seed_leads(40, 3)),
    )
    .await;
    let conn = connector(config(&emu, "access_token", ""));
    let (pages, err) = pull_all(&conn, "Lead", None).await;
    assert!(err.is_none(), "{err:?}");
    let cursor = pages.last().unwrap().next.clone();

    // Nothing changed: an empty page that keeps the cursor.
    let (pages, _) = pull_all(&conn, "Lead", Some(cursor.clone())).await;
    assert_eq!(records(&pages).len(), 0);
    assert_eq!(pages.last().unwrap().next, cursor);

    let ids: Vec<String> = emu
        .all("Lead")
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect();
    let boundary = start + Duration::days(30);
    let mut shared: Vec<&str> = vec![&ids[5], &ids[6], &ids[7]];
    shared.sort();
    emu.edit_at("Lead", &shared, json!({"Title": "Boundary"}), boundary)
        .unwrap();
    emu.edit("Lead", &ids[9], json!({"Title": "Later"}))
        .unwrap();
    emu.delete("Lead", &ids[11]).unwrap();

    let (pages, err) = pull_all(&conn, "Lead", Some(cursor)).await;
    assert!(err.is_none(), "{err:?}");
    let got = records(&pages);
    let summary: BTreeSet<(String, Option<String>, bool)> = got
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                r.fields.get("Title").cloned().flatten(),
                r.deleted,
            )
        })
        .collect();
    let mut want: BTreeSet<(String, Option<String>, bool)> = shared
        .iter()
        .map(|id| (id.to_string(), Some("Boundary".to_string()), false))
        .collect();
    want.insert((ids[9].clone(), Some("Later".into()), false));
    let deleted_title = got
        .iter()
        .find(|r| r.id == ids[11])
        .and_then(|r| r.fields.get("Title").cloned().flatten());
    want.insert((ids[11].clone(), deleted_title, true));
    assert_eq!(summary, want);

    // Resuming inside the shared timestamp returns only the ids after the stored one.
    let mid = Cursor::Watermark {
        since: boundary,
        after_id: Some(shared[0].to_string()),
    };
    let (pages, _) = pull_all(&conn, "Lead", Some(mid)).await;
    let after: BTreeSet<String> = records(&pages).into_iter().map(|r| r.id).collect();
    let mut expected: BTreeSet<String> = [shared[1].to_string(), shared[2].to_string()].into();
    expected.insert(ids[9].clone());
    expected.insert(ids[11].clone());
    assert_eq!(after, expected);
}

#[tokio::test]
async fn the_daily_allowance_stops_the_pull_cleanly() {
    let emu = emulator(
        Emulator::builder()
            .seed(seed_leads(9_000, 5))
            .daily_limit(20)
            .api_usage(6),
    )
    .await;
    // 50% of 20: stop once usage reaches 10.
    let conn = connector(config(&emu, "access_token", ""));
    let (pages, err) = pull_all(&conn, "Lead", None).await;
    let err = err.expect("the pull stops");
    assert_eq!(err.kind, ErrorKind::QuotaExhausted);
    assert_eq!(
        err.message,
        "stopping: the org has used 10 of 20 daily API requests and max_daily_api_percent is 50%"
    );
    assert_eq!(emu.api_usage(), 10);
    // describe (7), then pages at 8, 9 and 10.
    assert_eq!(pages.len(), 3);
    assert!(matches!(
        pages.last().unwrap().next,
        Cursor::Full { token: Some(_), .. }
    ));

    // The org's own limit answers REQUEST_LIMIT_EXCEEDED: also QuotaExhausted.
    emu.set_api_usage(20);
    let conn = connector(config(&emu, "access_token", "max_daily_api_percent = 100"));
    let err = conn.check().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::QuotaExhausted);
    assert!(
        err.message.contains("REQUEST_LIMIT_EXCEEDED"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn an_expired_query_locator_resumes_from_the_stored_watermark() {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let emu = emulator(
        Emulator::builder()
            .clock_start(start)
            .max_cursors(1)
            .seed(seed_leads(5_000, 9)),
    )
    .await;
    let conn = connector(config(&emu, "access_token", ""));
    let mut first = conn.pull("Lead", None);
    let page = first.next().await.unwrap().unwrap();
    drop(first);
    assert_eq!(page.records.len(), 2_000);
    // Another query evicts the only open cursor.
    let mut other = conn.pull("Lead", None);
    other.next().await.unwrap().unwrap();
    drop(other);

    let (rest, err) = pull_all(&conn, "Lead", Some(page.next.clone())).await;
    assert!(err.is_none(), "{err:?}");
    let invalid = emu.request_log().iter().filter(|e| e.status == 400).count();
    assert_eq!(invalid, 1, "the stale locator was tried once");
    let mut ids: Vec<String> = page.records.iter().map(|r| r.id.clone()).collect();
    ids.extend(records(&rest).into_iter().map(|r| r.id));
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 5_000, "no record repeated");
    assert_eq!(unique.len(), 5_000, "no record skipped");
}

#[tokio::test]
async fn large_pulls_switch_to_a_bulk_query_job() {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let emu = emulator(
        Emulator::builder()
            .clock_start(start)
            .seed(seed_leads(25_000, 12)),
    )
    .await;
    let gone = emu.all("Lead")[100]["Id"].as_str().unwrap().to_string();
    emu.delete("Lead", &gone).unwrap();
    let conn = connector(config(&emu, "access_token", "bulk_threshold = 5000"));
    let (pages, err) = pull_all(&conn, "Lead", None).await;
    assert!(err.is_none(), "{err:?}");
    let sizes: Vec<usize> = pages.iter().map(|p| p.records.len()).collect();
    assert_eq!(
        sizes,
        vec![2_000, 10_000, 10_000, 3_000],
        "one REST page, then Bulk pages"
    );
    let log = emu.request_log();
    let count =
        |pred: &dyn Fn(&str, &str) -> bool| log.iter().filter(|e| pred(&e.method, &e.path)).count();
    assert_eq!(count(&|m, p| m == "GET" && p.ends_with("/queryAll")), 1);
    assert_eq!(count(&|m, p| m == "POST" && p.ends_with("/jobs/query")), 1);
    assert_eq!(count(&|m, p| m == "GET" && p.ends_with("/results")), 3);

    let got = records(&pages);
    let by_id: BTreeMap<&str, _> = got.iter().map(|r| (r.id.as_str(), r)).collect();
    assert_eq!(by_id.len(), 25_000);
    assert!(
        by_id[gone.as_str()].deleted,
        "tombstones arrive through the job too"
    );
    for want in emu.all("Lead") {
        let id = want["Id"].as_str().unwrap();
        let rec = by_id[id];
        for field in ["Email", "LastName", "Crmsync_Id__c"] {
            let expected = want[field]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            assert_eq!(rec.fields.get(field), Some(&expected), "{id}.{field}");
        }
        assert!(rec.modified_at.is_some());
    }
    let high = got
        .iter()
        .filter_map(|r| r.modified_at.map(|t| (t, r.id.clone())))
        .max();
    let (since, id) = high.unwrap();
    assert_eq!(
        pages.last().unwrap().next,
        Cursor::Watermark {
            since,
            after_id: Some(id)
        }
    );
}
