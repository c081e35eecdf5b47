//! Pushes through Bulk API 2.0 ingest against the emulator over real HTTP: one job for a
//! large push, every result row mapped back to its record, exact round trips of awkward
//! values, the Collections path below the threshold, and the daily-allowance stop.

mod connector_support;

use std::collections::BTreeMap;

use connector_support::{config, connector, emulator};
use crmsync_salesforce::emulator::{Emulator, Faults, RequestLogEntry, RunningEmulator};
use crmsync_sdk::crm::{CrmConnector, OutboundRecord, WriteOutcome};
use crmsync_sdk::ErrorKind;
use serde_json::{json, Value};

fn outbound(local_id: i64, fields: &[(&str, Option<&str>)]) -> OutboundRecord {
    OutboundRecord {
        local_id,
        remote_id: None,
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn lead(local_id: i64) -> OutboundRecord {
    let last = format!("Last{local_id}");
    let email = format!("p{local_id}@example.com");
    outbound(
        local_id,
        &[
            ("LastName", Some(last.as_str())),
            ("Company", Some("Acme")),
            ("Email", Some(email.as_str())),
        ],
    )
}

/// What the request log shows a push did.
#[derive(Debug, Default, PartialEq, Eq)]
struct Calls {
    job_creates: usize,
    uploads: usize,
    closes: usize,
    polls: usize,
    successful_reads: usize,
    failed_reads: usize,
    unprocessed_reads: usize,
    collections: usize,
    other: usize,
}

fn calls(log: &[RequestLogEntry]) -> Calls {
    let mut c = Calls::default();
    for e in log {
        let p = e.path.as_str();
        let slot = match (e.method.as_str(), p) {
            ("POST", p) if p.ends_with("/jobs/ingest") => &mut c.job_creates,
            ("PUT", p) if p.ends_with("/batches") => &mut c.uploads,
            ("PATCH", p) if p.contains("/jobs/ingest/") => &mut c.closes,
            ("GET", p) if p.ends_with("/successfulResults") => &mut c.successful_reads,
            ("GET", p) if p.ends_with("/failedResults") => &mut c.failed_reads,
            ("GET", p) if p.ends_with("/unprocessedrecords") => &mut c.unprocessed_reads,
            ("GET", p) if p.contains("/jobs/ingest/") => &mut c.polls,
            ("PATCH", p) if p.contains("/composite/sobjects/") => &mut c.collections,
            _ => &mut c.other,
        };
        *slot += 1;
    }
    c
}

/// Stored record of `sobject` by its remote id.
fn stored(emu: &RunningEmulator, remote_id: &str) -> Value {
    emu.record("Lead", remote_id).expect("stored record")
}

fn remote_id(outcome: &WriteOutcome) -> &str {
    match outcome {
        WriteOutcome::Created { remote_id, .. } | WriteOutcome::Updated { remote_id, .. } => {
            remote_id
        }
        WriteOutcome::Rejected { .. } => panic!("rejected: {outcome:?}"),
    }
}

#[tokio::test]
async fn a_50000_record_push_is_one_bulk_job() {
    let emu = emulator(Emulator::builder()).await;
    let conn = connector(config(&emu, "access_token", ""));
    assert_eq!(conn.max_batch(), 50_000);
    let batch: Vec<OutboundRecord> = (1..=50_000).map(lead).collect();
    let outcomes = conn.push("Lead", &batch).await.unwrap();

    let c = calls(&emu.request_log());
    assert_eq!(c.job_creates, 1, "{c:?}");
    assert_eq!(c.uploads, 1, "{c:?}");
    assert_eq!(c.closes, 1, "{c:?}");
    assert!(c.polls >= 1, "{c:?}");
    assert_eq!(c.successful_reads, 1, "{c:?}");
    assert_eq!((c.failed_reads, c.unprocessed_reads), (0, 0), "{c:?}");
    assert_eq!(c.collections, 0, "{c:?}");
    assert_eq!(c.other, 0, "{c:?}");

    assert_eq!(outcomes.len(), 50_000);
    assert_eq!(emu.count("Lead"), 50_000);
    for (i, outcome) in outcomes.iter().enumerate() {
        let local_id = i as i64 + 1;
        match outcome {
            WriteOutcome::Created {
                local_id: got,
                remote_id,
            } => {
                assert_eq!(*got, local_id, "input order");
                if local_id % 997 == 0 {
                    let record = stored(&emu, remote_id);
                    assert_eq!(record["Crmsync_Id__c"], local_id.to_string());
                    assert_eq!(record["LastName"], format!("Last{local_id}"));
                    assert_eq!(record["Email"], format!("p{local_id}@example.com"));
                }
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn every_failed_row_maps_back_to_its_record() {
    let emu = emulator(Emulator::builder()).await;
    let existing = emu
        .insert(
            "Lead",
            json!({"LastName": "Before", "Company": "Old", "Crmsync_Id__c": "5"}),
        )
        .unwrap();
    let mut faults = Faults::seeded(9);
    faults
        .reject_external_ids
        .insert("12".into(), "UNABLE_TO_LOCK_ROW");
    emu.set_faults(faults);
    let conn = connector(config(&emu, "access_token", ""));
    let batch: Vec<OutboundRecord> = (1..=3_000)
        .map(|i| {
            let mut r = lead(i);
            if i % 7 == 0 {
                r.fields.insert("LastName".into(), None);
            } else if i % 11 == 0 {
                r.fields.insert("Email".into(), Some(format!("bad{i}@")));
            }
            r
        })
        .collect();
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    assert_eq!(calls(&emu.request_log()).job_creates, 1);
    assert_eq!(outcomes.len(), batch.len());
    let mut good = 0;
    for (record, outcome) in batch.iter().zip(&outcomes) {
        let i = record.local_id;
        match outcome {
            WriteOutcome::Rejected {
                local_id,
                code,
                message,
                retryable,
            } => {
                assert_eq!(*local_id, i);
                let want = if i % 7 == 0 {
                    (
                        "REQUIRED_FIELD_MISSING",
                        "Required fields are missing: [LastName]".to_string(),
                        false,
                    )
                } else if i % 11 == 0 {
                    (
                        "INVALID_EMAIL_ADDRESS",
                        format!("Email: invalid email address: bad{i}@"),
                        false,
                    )
                } else if i == 12 {
                    let m = message.clone();
                    ("UNABLE_TO_LOCK_ROW", m, true)
                } else {
                    panic!("{i} rejected: {outcome:?}");
                };
                assert_eq!((code.as_str(), message.clone(), *retryable), want, "{i}");
            }
            WriteOutcome::Created {
                local_id,
                remote_id,
            } => {
                assert_eq!(*local_id, i);
                assert!(i % 7 != 0 && i % 11 != 0 && i != 5 && i != 12, "{i}");
                assert_eq!(stored(&emu, remote_id)["Crmsync_Id__c"], i.to_string());
                good += 1;
            }
            WriteOutcome::Updated {
                local_id,
                remote_id,
            } => {
                assert_eq!((*local_id, remote_id.as_str()), (5, existing.as_str()));
                assert_eq!(stored(&emu, remote_id)["LastName"], "Last5");
                good += 1;
            }
        }
    }
    let bad = (1..=3_000)
        .filter(|i| i % 7 == 0 || i % 11 == 0 || *i == 12)
        .count();
    assert_eq!(good, 3_000 - bad);
    assert_eq!(emu.count("Lead"), 3_000 - bad);
}

#[tokio::test]
async fn a_failed_job_leaves_every_record_unprocessed_and_retryable() {
    let emu = emulator(Emulator::builder()).await;
    let conn = connector(config(&emu, "access_token", "bulk_push_threshold = 2"));
    let batch: Vec<OutboundRecord> = (1..=3)
        .map(|i| {
            let mut r = lead(i);
            r.fields.insert("No_Such_Field__c".into(), Some("x".into()));
            r
        })
        .collect();
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            WriteOutcome::Rejected {
                local_id,
                code,
                message,
                retryable: true,
            } if code == "UNPROCESSED" => {
                assert_eq!(*local_id, i as i64 + 1);
                assert!(message.contains("Failed"), "{message}");
                assert!(message.contains("No_Such_Field__c"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    let c = calls(&emu.request_log());
    assert_eq!((c.job_creates, c.unprocessed_reads), (1, 1), "{c:?}");
    assert_eq!(emu.count("Lead"), 0);
}

#[tokio::test]
async fn awkward_values_round_trip_exactly() {
    let emu = emulator(Emulator::builder()).await;
    let conn = connector(config(&emu, "access_token", "bulk_push_threshold = 1"));
    let values: [(&str, &str, &str); 6] = [
        ("Ng, Ada", "say \"hi\", then leave", "line one\nline two\n"),
        ("Zoë Ünal", "Société Générale", "日本語のメモ — ✓"),
        ("\"Quoted\"", "\"", "crlf\r\nline, \"quoted\"\r\n"),
        (" padded ", "trailing space ", ",leading comma"),
        ("O'Brien", "A;B|C^D`E\tF", "#hash and N/A"),
        ("x", "y", "\"\"\"\""),
    ];
    let batch: Vec<OutboundRecord> = values
        .iter()
        .enumerate()
        .map(|(i, (last, company, description))| {
            outbound(
                i as i64 + 1,
                &[
                    ("LastName", Some(last)),
                    ("Company", Some(company)),
                    ("Description", Some(description)),
                    ("Title", None),
                ],
            )
        })
        .collect();
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    assert_eq!(calls(&emu.request_log()).job_creates, 1);
    let ids: Vec<String> = outcomes.iter().map(|o| remote_id(o).to_string()).collect();
    for (id, (last, company, description)) in ids.iter().zip(values) {
        let record = stored(&emu, id);
        assert_eq!(record["LastName"], last);
        assert_eq!(record["Company"], company);
        assert_eq!(record["Description"], description);
        assert_eq!(record["Title"], Value::Null);
    }

    // A second push: a value set to None (#N/A) clears the field; a field the record does
    // not carry (an empty cell, because another record has the column) stays as it was.
    emu.edit(
        "Lead",
        &ids[0],
        json!({"Title": "CEO", "Phone": "+1 555 0100"}),
    )
    .unwrap();
    let again = vec![
        outbound(1, &[("LastName", Some("Ng")), ("Title", None)]),
        outbound(
            2,
            &[
                ("LastName", Some("Ünal")),
                ("Phone", Some("+44 20 7946 0000")),
            ],
        ),
    ];
    let outcomes = conn.push("Lead", &again).await.unwrap();
    assert!(
        matches!(outcomes[0], WriteOutcome::Updated { .. }),
        "{outcomes:?}"
    );
    let first = stored(&emu, &ids[0]);
    assert_eq!(first["LastName"], "Ng");
    assert_eq!(first["Title"], Value::Null);
    assert_eq!(first["Phone"], "+1 555 0100");
    assert_eq!(first["Description"], values[0].2);
    let second = stored(&emu, &ids[1]);
    assert_eq!(second["Phone"], "+44 20 7946 0000");
    assert_eq!(second["Company"], values[1].1);
}

#[tokio::test]
async fn at_and_below_the_threshold_collections_are_used() {
    let emu = emulator(Emulator::builder()).await;
    let conn = connector(config(&emu, "access_token", ""));
    let batch: Vec<OutboundRecord> = (1..=2_000).map(lead).collect();
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    assert_eq!(outcomes.len(), 2_000);
    let c = calls(&emu.request_log());
    assert_eq!(c.collections, 10, "{c:?}");
    assert_eq!(c.job_creates + c.uploads + c.polls, 0, "{c:?}");

    emu.clear_request_log();
    let batch: Vec<OutboundRecord> = (1..=2_001).map(lead).collect();
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    assert!(outcomes[..2_000]
        .iter()
        .all(|o| matches!(o, WriteOutcome::Updated { .. })));
    assert!(matches!(
        outcomes[2_000],
        WriteOutcome::Created {
            local_id: 2_001,
            ..
        }
    ));
    let c = calls(&emu.request_log());
    assert_eq!((c.collections, c.job_creates), (0, 1), "{c:?}");
    assert_eq!(emu.count("Lead"), 2_001);
}

#[tokio::test]
async fn no_job_starts_past_the_daily_allowance_stop() {
    let emu = emulator(Emulator::builder().daily_limit(100).api_usage(45)).await;
    let conn = connector(config(&emu, "access_token", ""));
    // Learn the usage (46 of 100 after this call): a job needs five more calls, which would
    // pass the 50% stop.
    conn.check().await.unwrap();
    let batch: Vec<OutboundRecord> = (1..=3_000).map(lead).collect();
    let err = conn.push("Lead", &batch).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::QuotaExhausted);
    let c = calls(&emu.request_log());
    assert_eq!(c.job_creates, 0, "{c:?}");
    assert_eq!(emu.api_usage(), 46);

    // With room for a job it runs; the allowance check happens per call as on every path.
    emu.set_api_usage(10);
    conn.check().await.unwrap();
    let outcomes = conn.push("Lead", &batch).await.unwrap();
    assert_eq!(outcomes.len(), 3_000);
    assert_eq!(calls(&emu.request_log()).job_creates, 1);
}
