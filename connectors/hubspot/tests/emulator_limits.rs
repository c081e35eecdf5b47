//! Rate limits over real HTTP: the ten-second window, the search bucket and the daily quota,
//! with HubSpot's exact 429 bodies and headers.

mod common;

use common::{is_uuid, start, Api, Reply};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Limits, Tier};
use serde_json::json;

const LIST: &str = "/crm/v3/objects/contacts?limit=1";
const SEARCH: &str = "/crm/v3/objects/contacts/search";

fn assert_rate_limit_body(reply: &Reply, message: &str, policy: &str) {
    assert_eq!(reply.status, 429);
    let body = reply.body.as_object().cloned().unwrap_or_default();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "correlationId",
            "errorType",
            "message",
            "policyName",
            "requestId",
            "status"
        ]
    );
    assert_eq!(reply.body["status"], "error");
    assert_eq!(reply.body["message"], message);
    assert_eq!(reply.body["errorType"], "RATE_LIMIT");
    assert_eq!(reply.body["policyName"], policy);
    assert!(is_uuid(
        reply.body["correlationId"].as_str().unwrap_or_default()
    ));
    assert!(is_uuid(
        reply.body["requestId"].as_str().unwrap_or_default()
    ));
}

#[tokio::test]
async fn starter_tier_allows_100_calls_per_ten_seconds() {
    let running = start(
        Emulator::builder()
            .tier(Tier::Starter)
            .seed(seed_contacts(2, 1)),
    )
    .await;
    let api = Api::new(&running);
    for n in 1..=100u32 {
        let reply = api.get(LIST).await;
        assert_eq!(reply.status, 200, "call {n}");
        let remaining = (100 - n).to_string();
        let daily_remaining = (250_000 - n).to_string();
        let expected = [
            ("x-hubspot-ratelimit-max", "100"),
            ("x-hubspot-ratelimit-remaining", remaining.as_str()),
            ("x-hubspot-ratelimit-interval-milliseconds", "10000"),
            ("x-hubspot-ratelimit-daily", "250000"),
            (
                "x-hubspot-ratelimit-daily-remaining",
                daily_remaining.as_str(),
            ),
        ];
        for (name, value) in expected {
            assert_eq!(reply.header(name), Some(value), "call {n} header {name}");
        }
    }
    let limited = api.get(LIST).await;
    assert_rate_limit_body(
        &limited,
        "You have reached your ten_secondly_rolling limit.",
        "TEN_SECONDLY_ROLLING",
    );
    assert_eq!(limited.header("x-hubspot-ratelimit-remaining"), Some("0"));
    assert_eq!(limited.header("x-hubspot-ratelimit-max"), Some("100"));
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=10).contains(&retry), "Retry-After {retry}");

    // Search has its own bucket and still works.
    assert_eq!(api.post(SEARCH, &json!({})).await.status, 200);

    let log = running.request_log();
    assert_eq!(log.len(), 102);
    assert_eq!(log.iter().filter(|r| r.status == 429).count(), 1);
    assert_eq!(log.get(100).map(|r| r.status), Some(429));
}

#[tokio::test]
async fn professional_tier_allows_190() {
    let running = start(Emulator::builder().tier(Tier::Professional)).await;
    let api = Api::new(&running);
    let first = api.get(LIST).await;
    assert_eq!(first.header("x-hubspot-ratelimit-max"), Some("190"));
    assert_eq!(first.header("x-hubspot-ratelimit-remaining"), Some("189"));
    assert_eq!(first.header("x-hubspot-ratelimit-daily"), Some("625000"));
}

#[tokio::test]
async fn sixth_search_within_a_second_is_rate_limited() {
    let running = start(Emulator::builder().seed(seed_contacts(3, 1))).await;
    let api = Api::new(&running);
    for n in 1..=5 {
        let reply = api.post(SEARCH, &json!({"limit": 1})).await;
        assert_eq!(reply.status, 200, "search {n}");
    }
    let limited = api.post(SEARCH, &json!({"limit": 1})).await;
    assert_rate_limit_body(
        &limited,
        "You have reached your secondly limit.",
        "SECONDLY",
    );
    let rate_headers = limited
        .headers
        .keys()
        .filter(|k| k.as_str().starts_with("x-hubspot-ratelimit"))
        .count();
    assert_eq!(rate_headers, 0);
    assert!(limited.header("retry-after").is_none());
    // The ten-second bucket is untouched by searches.
    let list = api.get(LIST).await;
    assert_eq!(list.header("x-hubspot-ratelimit-remaining"), Some("99"));
    tokio::time::sleep(std::time::Duration::from_millis(1_050)).await;
    assert_eq!(api.post(SEARCH, &json!({"limit": 1})).await.status, 200);
}

#[tokio::test]
async fn daily_quota_exhaustion_gives_daily_429() {
    let limits = Limits {
        daily: 3,
        ..Limits::for_tier(Tier::Starter)
    };
    let running = start(Emulator::builder().limits(limits)).await;
    let api = Api::new(&running);
    assert_eq!(api.get(LIST).await.status, 200);
    assert_eq!(api.post(SEARCH, &json!({})).await.status, 200);
    let third = api.get(LIST).await;
    assert_eq!(
        third.header("x-hubspot-ratelimit-daily-remaining"),
        Some("0")
    );
    for path in [LIST, "/crm/v3/objects/companies"] {
        let limited = api.get(path).await;
        assert_rate_limit_body(&limited, "You have reached your daily limit.", "DAILY");
        assert_eq!(
            limited.header("x-hubspot-ratelimit-daily-remaining"),
            Some("0")
        );
    }
    let search = api.post(SEARCH, &json!({})).await;
    assert_rate_limit_body(&search, "You have reached your daily limit.", "DAILY");

    running.set_limits(Limits {
        daily: 10,
        ..limits
    });
    let after_raise = api.get(LIST).await;
    assert_eq!(after_raise.status, 200);
    assert_eq!(
        after_raise.header("x-hubspot-ratelimit-daily-remaining"),
        Some("6")
    );
    running.reset_rate_limits();
    let after_reset = api.get(LIST).await;
    assert_eq!(
        after_reset.header("x-hubspot-ratelimit-daily-remaining"),
        Some("9")
    );
}
