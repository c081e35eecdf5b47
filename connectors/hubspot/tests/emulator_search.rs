//! Search over real HTTP: incremental-sync filters, sorting, offset paging, the 10,000-result
//! cap, filter limits, archived records and the missing rate-limit headers.

mod common;

use chrono::{Duration, Utc};
use common::{start, Api};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Limits, SeedRecord};
use serde_json::{json, Value};

const SEARCH: &str = "/crm/v3/objects/contacts/search";

fn gte_modified(value: &str, after: Option<&str>) -> Value {
    let mut body = json!({
        "filterGroups": [{"filters": [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": value}
        ]}],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email", "lastmodifieddate"],
        "limit": 10
    });
    if let Some(after) = after {
        body["after"] = json!(after);
    }
    body
}

#[tokio::test]
async fn incremental_search_with_gte_sort_and_paging() {
    let running = start(Emulator::builder().seed(seed_contacts(250, 5))).await;
    let api = Api::new(&running);
    // Seeded records are stamped before build time, so "now" excludes all of them.
    let cursor = Utc::now();
    let cursor_ms = cursor.timestamp_millis().to_string();
    // Edit 30 records out of id order so the sort is visible.
    let edited: Vec<String> = (0..30).map(|i| ((i * 37) % 250 + 1).to_string()).collect();
    for id in &edited {
        assert!(running
            .edit("contacts", id, [("jobtitle", "Edited")])
            .is_ok());
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let reply = api
            .post(SEARCH, &gte_modified(&cursor_ms, after.as_deref()))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["total"], 30);
        pages += 1;
        seen.extend(reply.ids());
        after = reply.body["paging"]["next"]["after"]
            .as_str()
            .map(str::to_owned);
        match (pages, after.as_deref()) {
            (1, Some("10")) | (2, Some("20")) | (3, None) => {}
            other => panic!("unexpected paging {other:?}"),
        }
        if after.is_none() {
            break;
        }
    }
    assert_eq!(seen, edited);
    let iso = cursor.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let by_iso = api.post(SEARCH, &gte_modified(&iso, None)).await;
    assert_eq!(by_iso.body["total"], 30);
    let keys: Vec<&String> = by_iso.body["results"][0]["properties"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        vec!["createdate", "email", "hs_object_id", "lastmodifieddate"]
    );
}

#[tokio::test]
async fn records_sharing_a_timestamp_are_all_matched_by_gte() {
    let running = start(Emulator::builder().seed(seed_contacts(10, 2))).await;
    let api = Api::new(&running);
    let at = Utc::now() + Duration::seconds(5);
    assert!(running
        .edit_at("contacts", &["2", "5", "9"], [("jobtitle", "Tied")], at)
        .is_ok());
    let ms = at.timestamp_millis();
    let gte = api.post(SEARCH, &gte_modified(&ms.to_string(), None)).await;
    assert_eq!(gte.ids(), vec!["2", "5", "9"]);
    let mut gt = gte_modified(&ms.to_string(), None);
    gt["filterGroups"][0]["filters"][0]["operator"] = json!("GT");
    assert_eq!(api.post(SEARCH, &gt).await.body["total"], 0);
    let Ok(later) = running.edit("contacts", "1", [("jobtitle", "After")]) else {
        panic!("edit failed");
    };
    assert!(
        later.updated_at > at,
        "clock moved past the forced timestamp"
    );
}

#[tokio::test]
async fn paging_past_10000_results_is_a_400() {
    let running = start(
        Emulator::builder()
            .seed(seed_contacts(10_050, 8))
            .limits(Limits {
                search_per_second: 100,
                ..Limits::default()
            }),
    )
    .await;
    let api = Api::new(&running);
    let page = |after: &str, limit: u32| json!({"sorts": ["hs_object_id"], "properties": ["email"], "limit": limit, "after": after});
    let last_ok = api.post(SEARCH, &page("9800", 200)).await;
    assert_eq!(last_ok.status, 200);
    assert_eq!(last_ok.body["total"], 10_050);
    assert_eq!(last_ok.ids().first().map(String::as_str), Some("9801"));
    assert_eq!(last_ok.body["paging"]["next"]["after"], "10000");
    for (after, limit) in [("10000", 200), ("9990", 20), ("10000", 1)] {
        let reply = api.post(SEARCH, &page(after, limit)).await;
        assert_eq!(reply.status, 400, "after {after} limit {limit}");
        assert_eq!(reply.body["category"], "VALIDATION_ERROR");
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(message.contains("10000"), "{message}");
    }
    let too_big = api.post(SEARCH, &page("0", 201)).await;
    assert_eq!(too_big.status, 400);
}

#[tokio::test]
async fn operators_groups_and_limits_over_http() {
    let seed = vec![
        SeedRecord::new(
            "contacts",
            [
                ("email", "ada@analytical.example"),
                ("firstname", "Ada"),
                ("lifecyclestage", "lead"),
            ],
        ),
        SeedRecord::new(
            "contacts",
            [
                ("email", "alan@turing.example"),
                ("firstname", "Alan"),
                ("phone", "+44 20 7946 0000"),
            ],
        ),
        SeedRecord::new(
            "contacts",
            [
                ("email", "grace@navy.example"),
                ("firstname", "Grace"),
                ("lifecyclestage", "customer"),
            ],
        ),
    ];
    let fast_search = Limits {
        search_per_second: 1_000,
        ..Limits::default()
    };
    let running = start(Emulator::builder().seed(seed).limits(fast_search)).await;
    let api = Api::new(&running);
    let filter = |prop: &str, op: &str, extra: Value| {
        let mut f = json!({"propertyName": prop, "operator": op});
        if let (Some(f), Some(extra)) = (f.as_object_mut(), extra.as_object()) {
            f.extend(extra.clone());
        }
        f
    };
    let cases = [
        (
            vec![vec![filter("firstname", "EQ", json!({"value": "ada"}))]],
            vec!["1"],
        ),
        (
            vec![vec![filter("firstname", "NEQ", json!({"value": "ada"}))]],
            vec!["2", "3"],
        ),
        (
            vec![vec![filter(
                "lifecyclestage",
                "IN",
                json!({"values": ["lead", "customer"]}),
            )]],
            vec!["1", "3"],
        ),
        (
            vec![vec![filter(
                "lifecyclestage",
                "NOT_IN",
                json!({"values": ["lead"]}),
            )]],
            vec!["2", "3"],
        ),
        (
            vec![vec![filter("phone", "HAS_PROPERTY", json!({}))]],
            vec!["2"],
        ),
        (
            vec![vec![filter("phone", "NOT_HAS_PROPERTY", json!({}))]],
            vec!["1", "3"],
        ),
        (
            vec![vec![filter(
                "email",
                "CONTAINS_TOKEN",
                json!({"value": "navy"}),
            )]],
            vec!["3"],
        ),
        (
            vec![vec![filter(
                "hs_object_id",
                "BETWEEN",
                json!({"value": "2", "highValue": "3"}),
            )]],
            vec!["2", "3"],
        ),
        (
            vec![vec![filter("hs_object_id", "LT", json!({"value": 2}))]],
            vec!["1"],
        ),
        (
            vec![
                vec![filter("firstname", "EQ", json!({"value": "Grace"}))],
                vec![
                    filter("firstname", "EQ", json!({"value": "Alan"})),
                    filter("phone", "HAS_PROPERTY", json!({})),
                ],
            ],
            vec!["2", "3"],
        ),
        (
            vec![vec![filter(
                "hs_lastmodifieddate",
                "GTE",
                json!({"value": "0"}),
            )]],
            vec![],
        ),
    ];
    for (groups, want) in cases {
        let groups: Vec<Value> = groups.into_iter().map(|g| json!({"filters": g})).collect();
        let body = json!({"filterGroups": groups});
        let reply = api.post(SEARCH, &body).await;
        assert_eq!(reply.status, 200, "{body}");
        assert_eq!(reply.ids(), want, "{body}");
    }
    let query = api.post(SEARCH, &json!({"query": "gra"})).await;
    assert_eq!(query.ids(), vec!["3"]);
    let desc = api
        .post(
            SEARCH,
            &json!({"sorts": [{"propertyName": "firstname", "direction": "DESCENDING"}]}),
        )
        .await;
    assert_eq!(desc.ids(), vec!["3", "2", "1"]);

    let has = filter("email", "HAS_PROPERTY", json!({}));
    let six_groups: Vec<Value> = (0..6).map(|_| json!({"filters": [has.clone()]})).collect();
    let seven_filters = json!([{"filters": vec![has.clone(); 7]}]);
    for body in [
        json!({"filterGroups": six_groups}),
        json!({"filterGroups": seven_filters}),
    ] {
        let reply = api.post(SEARCH, &body).await;
        assert_eq!(reply.status, 400);
        assert_eq!(reply.body["category"], "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn search_skips_archived_records_and_sends_no_rate_headers() {
    let running = start(Emulator::builder().seed(seed_contacts(4, 1))).await;
    let api = Api::new(&running);
    assert!(running.archive("contacts", "2").is_ok());
    let reply = api.post(SEARCH, &json!({})).await;
    assert_eq!(reply.ids(), vec!["1", "3", "4"]);
    assert_eq!(reply.body["total"], 3);
    assert!(reply.body.get("paging").is_none());
    let rate_headers: Vec<&str> = reply
        .headers
        .keys()
        .map(|k| k.as_str())
        .filter(|k| k.starts_with("x-hubspot-ratelimit"))
        .collect();
    assert!(rate_headers.is_empty(), "{rate_headers:?}");
    let list = api.get("/crm/v3/objects/contacts").await;
    assert_eq!(list.header("x-hubspot-ratelimit-max"), Some("100"));
}
