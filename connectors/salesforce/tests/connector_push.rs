//! Pushes through sObject Collections against the emulator, transient-fault retries, and
//! secrets kept out of `Debug` output and traces.

mod connector_support;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex};

use connector_support::{config, connector, emulator, pull_all, records};
use connector_support::{CLIENT_ID, REFRESH, SECRET, TOKEN};
use crmsync_salesforce::emulator::{Emulator, Faults, ScriptedFault};
use crmsync_sdk::crm::{CrmConnector, OutboundRecord, WriteOutcome};

fn outbound(local_id: i64, last: &str) -> OutboundRecord {
    let fields: BTreeMap<String, Option<String>> = [
        ("LastName".to_string(), Some(last.to_string())),
        ("Company".to_string(), Some("Acme".to_string())),
        (
            "Email".to_string(),
            Some(format!("p{local_id}@example.com")),
        ),
    ]
    .into();
    OutboundRecord {
        local_id,
        remote_id: None,
        fields,
    }
}

fn patch_calls(emu: &crmsync_salesforce::emulator::RunningEmulator) -> usize {
    emu.request_log()
        .iter()
        .filter(|e| e.method == "PATCH" && e.path.contains("/composite/sobjects/Lead/"))
        .count()
}

#[tokio::test]
async fn push_of_1000_uses_five_collections_calls_then_updates() {
    let emu = emulator(Emulator::builder()).await;
    // Bulk ingest is off up to 50,000 records, so pushes come in Collections-sized batches.
    let conn = connector(config(&emu, "access_token", "bulk_push_threshold = 50000"));
    assert_eq!(conn.max_batch(), 200);
    let batch: Vec<OutboundRecord> = (1..=1000).map(|i| outbound(i, "First")).collect();
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    assert_eq!(patch_calls(&emu), 5);
    assert_eq!(outcomes.len(), 1000);
    let mut remote: HashMap<i64, String> = HashMap::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            WriteOutcome::Created {
                local_id,
                remote_id,
            } => {
                assert_eq!(*local_id, i as i64 + 1, "input order");
                remote.insert(*local_id, remote_id.clone());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(emu.count("Lead"), 1000);
    let stored = emu.record("Lead", &remote[&17]).unwrap();
    assert_eq!(stored["Crmsync_Id__c"], "17");
    assert_eq!(stored["Email"], "p17@example.com");

    let again: Vec<OutboundRecord> = (1..=250).map(|i| outbound(i, "Second")).collect();
    let outcomes = conn.push("Lead", &again).await.unwrap();
    assert_eq!(patch_calls(&emu), 7);
    for outcome in &outcomes {
        match outcome {
            WriteOutcome::Updated {
                local_id,
                remote_id,
            } => {
                assert_eq!(&remote[local_id], remote_id)
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(emu.count("Lead"), 1000);
    assert_eq!(
        emu.record("Lead", &remote[&250]).unwrap()["LastName"],
        "Second"
    );
}

#[tokio::test]
async fn per_record_rejections_keep_their_siblings() {
    let emu = emulator(Emulator::builder()).await;
    let mut faults = Faults::seeded(1);
    faults
        .reject_external_ids
        .insert("2".into(), "DUPLICATES_DETECTED");
    faults
        .reject_external_ids
        .insert("3".into(), "UNABLE_TO_LOCK_ROW");
    emu.set_faults(faults);
    let conn = connector(config(&emu, "access_token", ""));
    let mut missing_name = outbound(4, "x");
    missing_name.fields.insert("LastName".into(), None);
    let batch = vec![
        outbound(1, "A"),
        outbound(2, "B"),
        outbound(3, "C"),
        missing_name,
    ];
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    let summary: Vec<(i64, &str, bool)> = outcomes
        .iter()
        .map(|o| match o {
            WriteOutcome::Created { local_id, .. } => (*local_id, "created", false),
            WriteOutcome::Updated { local_id, .. } => (*local_id, "updated", false),
            WriteOutcome::Rejected {
                local_id,
                code,
                retryable,
                ..
            } => (*local_id, code.as_str(), *retryable),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "created", false),
            (2, "DUPLICATES_DETECTED", false),
            (3, "UNABLE_TO_LOCK_ROW", true),
            (4, "REQUIRED_FIELD_MISSING", false),
        ]
    );
    assert_eq!(emu.count("Lead"), 1);
}

#[tokio::test]
async fn transient_server_errors_are_retried() {
    let emu =
        emulator(Emulator::builder().seed(crmsync_salesforce::emulator::seed_leads(5, 2))).await;
    let mut faults = Faults::seeded(3);
    faults.scripted = VecDeque::from([ScriptedFault::Status(503), ScriptedFault::Status(500)]);
    emu.set_faults(faults);
    let conn = connector(config(&emu, "access_token", ""));
    let (pages, err) = pull_all(&conn, "Lead", None).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(records(&pages).len(), 5);
    assert_eq!(conn.http_stats().retries, 2);
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_traces() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu =
        emulator(Emulator::builder().seed(crmsync_salesforce::emulator::seed_leads(3, 4))).await;
    let mut faults = Faults::seeded(5);
    faults.scripted = VecDeque::from([ScriptedFault::Status(503)]);
    emu.set_faults(faults);
    let mut shown = String::new();
    for auth in ["access_token", "refresh_token", "client_credentials", "jwt"] {
        let conn = connector(config(&emu, auth, ""));
        conn.check().await.unwrap();
        emu.expire_tokens();
        if auth != "access_token" {
            let (_, err) = pull_all(&conn, "Lead", None).await;
            assert!(err.is_none(), "{auth}: {err:?}");
        }
        shown.push_str(&format!("{conn:?}\n"));
    }
    let traces = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("logged in"),
        "tracing was captured: {traces}"
    );
    assert!(traces.contains("renewing"), "{traces}");
    assert!(traces.contains("retrying request"), "{traces}");
    for secret in [TOKEN, SECRET, REFRESH, "BEGIN PRIVATE KEY", "eyJ"] {
        assert!(!traces.contains(secret), "{secret} in traces");
        assert!(!shown.contains(secret), "{secret} in Debug: {shown}");
    }
    assert!(
        shown.contains("T_SECRET"),
        "Debug names the variable: {shown}"
    );
    assert!(!shown.contains(CLIENT_ID), "{shown}");
}

/// Leads created in Salesforce carry no external id: pushes of linked records update them by
/// `Id` (Collections update below the Bulk threshold, a Bulk `update` job above it) and never
/// create a second copy.
#[tokio::test]
async fn linked_records_are_updated_by_id_on_both_paths() {
    let emu = emulator(Emulator::builder()).await;
    let ids: Vec<String> = (0..5)
        .map(|i| {
            emu.insert(
                "Lead",
                serde_json::json!({"LastName": format!("Made{i}"), "Company": "InSf"}),
            )
            .unwrap()
        })
        .collect();
    let linked = |title: &str| -> Vec<OutboundRecord> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| OutboundRecord {
                local_id: i as i64 + 1,
                remote_id: Some(id.clone()),
                fields: [("Title".to_string(), Some(title.to_string()))].into(),
            })
            .collect()
    };
    for (threshold, title) in [(50_000, "Via Collections"), (2, "Via Bulk")] {
        let conn = connector(config(
            &emu,
            "access_token",
            &format!("bulk_push_threshold = {threshold}"),
        ));
        emu.clear_request_log();
        let outcomes = conn.push("Lead", &linked(title)).await.unwrap();
        for (outcome, id) in outcomes.iter().zip(&ids) {
            assert!(
                matches!(outcome, WriteOutcome::Updated { remote_id, .. } if remote_id == id),
                "{outcome:?}"
            );
        }
        assert_eq!(emu.count("Lead"), 5, "no duplicates");
        for id in &ids {
            assert_eq!(emu.record("Lead", id).unwrap()["Title"], title);
        }
        let log = emu.request_log();
        let updates = log
            .iter()
            .filter(|e| e.method == "PATCH" && e.path.ends_with("/composite/sobjects"))
            .count();
        let jobs = log
            .iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("/jobs/ingest"))
            .count();
        assert_eq!(
            (updates, jobs),
            if threshold == 2 { (0, 1) } else { (1, 0) }
        );
    }
    // An unknown id is a per-record refusal, not a failed call.
    let conn = connector(config(&emu, "access_token", ""));
    let mut batch = linked("Again");
    batch[2].remote_id = Some("00Q000000000000AAA".to_string());
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    assert!(
        matches!(outcomes[2], WriteOutcome::Rejected { .. }),
        "{:?}",
        outcomes[2]
    );
    assert!(matches!(outcomes[3], WriteOutcome::Updated { .. }));
}
