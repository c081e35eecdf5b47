//! Uploads over the size cap become several jobs (the cap is lowered so the test stays
//! small), and duplicate external ids stay out of the job.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::bulk_csv::build_uploads;
use crate::config::{Credentials, SalesforceConfig};
use crate::emulator::Emulator;
use crmsync_sdk::crm::CrmConnector;
use crmsync_sdk::http::Secret;

const TOKEN: &str = "00D000000000001!bulk-push-test-token";

fn lead(local_id: i64, key: Option<&str>) -> OutboundRecord {
    let mut fields = BTreeMap::new();
    fields.insert("LastName".to_string(), Some(format!("Split {local_id}")));
    fields.insert("Company".to_string(), Some("Acme, Inc.".to_string()));
    if let Some(key) = key {
        fields.insert("Crmsync_Id__c".to_string(), Some(key.to_string()));
    }
    OutboundRecord {
        local_id,
        remote_id: None,
        fields,
    }
}

#[tokio::test]
async fn uploads_over_the_cap_become_several_jobs() {
    let emu = Emulator::builder()
        .access_token(Some(TOKEN.into()))
        .bulk_delay(Duration::from_millis(10))
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
    let mut conn = SalesforceConnector::with_credentials(config, creds).unwrap();
    conn.upload_cap = 20_000;

    let mut batch: Vec<OutboundRecord> = (1..=2_500).map(|i| lead(i, None)).collect();
    batch.push(lead(2_501, Some("7")));
    let outcomes = conn.push("Lead", &batch).await.unwrap();

    let keys: Vec<String> = (1..=2_500).map(|i: i64| i.to_string()).collect();
    let positions: Vec<usize> = (0..2_500).collect();
    let expected_jobs =
        build_uploads(&batch, &keys, &positions, "Crmsync_Id__c", conn.upload_cap).len();
    assert!(expected_jobs >= 3, "{expected_jobs}");
    let log = emu.request_log();
    let count = |method: &str, suffix: &str| {
        log.iter()
            .filter(|e| e.method == method && e.path.ends_with(suffix))
            .count()
    };
    assert_eq!(count("POST", "/jobs/ingest"), expected_jobs);
    assert_eq!(count("PUT", "/batches"), expected_jobs);
    assert!(log
        .iter()
        .filter(|e| e.method == "PUT")
        .all(|e| e.request_bytes <= 20_000));
    assert_eq!(emu.count("Lead"), 2_500);
    for (i, outcome) in outcomes.iter().take(2_500).enumerate() {
        assert!(
            matches!(outcome, WriteOutcome::Created { local_id, .. } if *local_id == i as i64 + 1),
            "{outcome:?}"
        );
    }
    match &outcomes[2_500] {
        WriteOutcome::Rejected {
            local_id: 2_501,
            code,
            retryable: true,
            ..
        } => assert_eq!(code, "DUPLICATE_EXTERNAL_ID"),
        other => panic!("{other:?}"),
    }
}
