//! Field splitting against the emulator: a pull whose field list is split over several
//! queries returns exactly what a single query returns.

use super::*;
use crate::config::{Credentials, SalesforceConfig};
use crate::emulator::{seed_leads, Emulator};
use crate::soql::request_bytes;
use crmsync_sdk::crm::CrmConnector;
use crmsync_sdk::http::Secret;

const TOKEN: &str = "00D000000000001!split-test-token";

async fn pull_everything(conn: &SalesforceConnector) -> Vec<RemoteRecord> {
    let mut stream = conn.pull("Lead", None);
    let mut out = Vec::new();
    while let Some(page) = stream.next().await {
        match page {
            Ok(page) => out.extend(page.records),
            Err(e) => panic!("pull failed: {e}"),
        }
    }
    out
}

#[tokio::test]
async fn split_field_lists_merge_back_to_the_single_query_result() {
    let emu = Emulator::builder()
        .access_token(Some(TOKEN.into()))
        .seed(seed_leads(2_500, 21))
        .build()
        .start_local()
        .await
        .unwrap();
    let text = format!(
        "auth = \"access_token\"\naccess_token_env = \"X\"\ninstance_url = \"{}\"",
        emu.instance_url
    );
    let config: SalesforceConfig = toml::from_str(&text).unwrap();
    let creds = Credentials {
        client_id: None,
        client_secret: None,
        refresh_token: None,
        access_token: Some(Secret::new(TOKEN)),
        private_key_pem: None,
    };
    let whole = SalesforceConnector::with_credentials(config.clone(), creds.clone()).unwrap();
    let expected = pull_everything(&whole).await;
    assert_eq!(expected.len(), 2_500);

    let mut split = SalesforceConnector::with_credentials(config, creds).unwrap();
    let fields = split.pull_fields("Lead").await.unwrap();
    // A budget that fits the system fields plus about a third of the rest.
    let third: Vec<String> = fields
        .iter()
        .take(3 + (fields.len() - 3) / 3)
        .cloned()
        .collect();
    let base = format!(
        "https://{}/services/data/v62.0/queryAll",
        "x".repeat(HOST_ALLOWANCE)
    );
    let id = "0".repeat(18);
    let t = DateTime::<Utc>::UNIX_EPOCH;
    let longest = pull_query(
        "Lead",
        &third,
        &Range {
            after: Some((t, Some(id.as_str()))),
            until: Some((t, id.as_str())),
        },
    );
    split.request_budget = request_bytes(&base, &longest);
    let n_groups = groups(&split, "Lead", &fields).unwrap().len();
    assert!((3..=4).contains(&n_groups), "{n_groups} groups");

    emu.clear_request_log();
    let got = pull_everything(&split).await;
    assert_eq!(got, expected, "same records, same fields, same order");
    let queries = emu
        .request_log()
        .iter()
        .filter(|e| e.path.ends_with("/queryAll") || e.path.contains("/query/"))
        .count();
    // Two primary pages (the second through nextRecordsUrl), each followed by one bounded
    // query per other group.
    assert_eq!(queries, 2 * n_groups);
}
