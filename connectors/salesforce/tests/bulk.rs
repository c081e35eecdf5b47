//! Bulk API 2.0 ingest and query jobs.

mod common;

use std::collections::HashMap;

use common::{start, Sf};
use crmsync_salesforce::emulator::{seed_leads, Emulator};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Splits a result CSV into (header, rows keyed by the given column).
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let split = |line: &str| -> Vec<String> {
        // The fixtures below contain no embedded commas or quotes inside cells.
        line.split(',')
            .map(|c| c.trim_matches('"').to_string())
            .collect()
    };
    let header = lines.next().map(split).unwrap_or_default();
    (header, lines.map(split).collect())
}

async fn create_job(sf: &Sf, body: Value) -> Value {
    let r = sf.call(Method::POST, "/jobs/ingest", Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn close(sf: &Sf, id: &str) -> Value {
    let r = sf
        .call(
            Method::PATCH,
            &format!("/jobs/ingest/{id}"),
            Some(json!({"state": "UploadComplete"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

#[tokio::test]
async fn ingest_insert_cycle_maps_failed_rows() {
    let sf = start(Emulator::builder()).await;
    let job = create_job(&sf, json!({"object": "Lead", "operation": "insert", "contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"})).await;
    let id = job["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("750") && id.len() == 18);
    assert_eq!(job["state"], "Open");
    assert_eq!(
        job["contentUrl"],
        format!("services/data/v62.0/jobs/ingest/{id}/batches")
    );
    let csv = "FirstName,LastName,Company,Email,DoNotCall\n\
               Ada,Lovelace,Engines,ada@example.com,false\n\
               Bad,Email,Acme,bad@,true\n\
               No,Company,,nc@example.com,false\n\
               Grace,Hopper,Navy,grace@navy.mil,\n\
               Alan,Turing,Bletchley,alan@example.org,maybe\n";
    let up = sf
        .put_text(
            &format!("/jobs/ingest/{id}/batches"),
            "text/csv",
            csv.to_string(),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED);
    let twice = sf
        .put_text(
            &format!("/jobs/ingest/{id}/batches"),
            "text/csv",
            csv.to_string(),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(close(&sf, &id).await["state"], "UploadComplete");
    let (info, states) = sf.wait_job(&format!("/jobs/ingest/{id}")).await;
    assert_eq!(states.last().map(String::as_str), Some("JobComplete"));
    assert!(
        states
            .iter()
            .all(|s| ["UploadComplete", "InProgress", "JobComplete"].contains(&s.as_str())),
        "{states:?}"
    );
    assert_eq!(
        (
            info["numberRecordsProcessed"].clone(),
            info["numberRecordsFailed"].clone()
        ),
        (json!(5), json!(3))
    );
    let ok = sf
        .get(&format!("/jobs/ingest/{id}/successfulResults"))
        .await;
    assert_eq!(ok.header("content-type").as_deref(), Some("text/csv"));
    assert!(
        ok.text
            .starts_with("\"sf__Id\",\"sf__Created\",FirstName,LastName,Company,Email,DoNotCall\n"),
        "{}",
        ok.text
    );
    let (_, rows) = parse_csv(&ok.text);
    let mut names: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Hopper", "Lovelace"]);
    assert!(rows
        .iter()
        .all(|r| r[0].starts_with("00Q") && r[1] == "true"));
    let failed = sf.get(&format!("/jobs/ingest/{id}/failedResults")).await;
    let (header, rows) = parse_csv(&failed.text);
    assert_eq!(
        header,
        vec![
            "sf__Id",
            "sf__Error",
            "FirstName",
            "LastName",
            "Company",
            "Email",
            "DoNotCall"
        ]
    );
    let errors: HashMap<String, String> =
        rows.iter().map(|r| (r[3].clone(), r[1].clone())).collect();
    assert_eq!(
        errors.get("Email").map(String::as_str),
        Some("INVALID_EMAIL_ADDRESS:Email: invalid email address: bad@:Email --")
    );
    assert_eq!(
        errors.get("Company").map(String::as_str),
        Some("REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --")
    );
    assert_eq!(
        errors.get("Turing").map(String::as_str),
        Some("INVALID_FIELD:'maybe' is not a valid value for the type xsd:boolean:DoNotCall --")
    );
    assert!(rows.iter().all(|r| r[0].is_empty()));
    assert_eq!(sf.emu.count("Lead"), 2);
    // Result files are stable across reads.
    assert_eq!(
        sf.get(&format!("/jobs/ingest/{id}/failedResults"))
            .await
            .text,
        failed.text
    );
    let unprocessed = sf
        .get(&format!("/jobs/ingest/{id}/unprocessedrecords"))
        .await;
    assert_eq!(
        unprocessed.text,
        "FirstName,LastName,Company,Email,DoNotCall\n"
    );
}

#[tokio::test]
async fn ingest_upsert_update_delete_and_abort() {
    let sf = start(Emulator::builder().seed(seed_leads(3, 5))).await;
    let job = create_job(&sf, json!({"object": "Lead", "operation": "upsert", "externalIdFieldName": "Crmsync_Id__c", "lineEnding": "CRLF", "columnDelimiter": "PIPE"})).await;
    let id = job["id"].as_str().expect("id").to_string();
    let csv = "Crmsync_Id__c|Title|LastName|Company\r\nL5-000001|CTO||\r\nNEW-1|CEO|Newman|Newco\r\n|CFO|X|Y\r\n";
    sf.put_text(
        &format!("/jobs/ingest/{id}/batches"),
        "text/csv",
        csv.to_string(),
    )
    .await;
    close(&sf, &id).await;
    let (info, _) = sf.wait_job(&format!("/jobs/ingest/{id}")).await;
    assert_eq!(
        (
            info["numberRecordsProcessed"].clone(),
            info["numberRecordsFailed"].clone()
        ),
        (json!(3), json!(1))
    );
    let ok = sf
        .get(&format!("/jobs/ingest/{id}/successfulResults"))
        .await
        .text;
    assert!(
        ok.starts_with("\"sf__Id\"|\"sf__Created\"|Crmsync_Id__c|Title|LastName|Company\r\n"),
        "{ok}"
    );
    let created: HashMap<String, String> = ok
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(|c| c.trim_matches('"')).collect();
            (cells[2].to_string(), cells[1].to_string())
        })
        .collect();
    assert_eq!(created.get("L5-000001").map(String::as_str), Some("false"));
    assert_eq!(created.get("NEW-1").map(String::as_str), Some("true"));
    let failed = sf
        .get(&format!("/jobs/ingest/{id}/failedResults"))
        .await
        .text;
    assert!(
        failed.contains("\"MISSING_ARGUMENT:Crmsync_Id__c not specified in an upsert call: --\""),
        "{failed}"
    );
    assert_eq!(sf.emu.count("Lead"), 4);

    let ids: Vec<String> = sf
        .emu
        .all("Lead")
        .iter()
        .map(|r| r["Id"].as_str().unwrap_or("").to_string())
        .collect();
    let del = create_job(&sf, json!({"object": "Lead", "operation": "delete"})).await;
    let del_id = del["id"].as_str().expect("id").to_string();
    let csv = format!("Id\n{}\n{}\n00Q8a00000zzzzzAAA\n", ids[0], ids[1]);
    sf.put_text(&format!("/jobs/ingest/{del_id}/batches"), "text/csv", csv)
        .await;
    close(&sf, &del_id).await;
    let (info, _) = sf.wait_job(&format!("/jobs/ingest/{del_id}")).await;
    assert_eq!(
        (
            info["numberRecordsProcessed"].clone(),
            info["numberRecordsFailed"].clone()
        ),
        (json!(3), json!(1))
    );
    assert_eq!(sf.emu.count("Lead"), 2);
    let failed = sf
        .get(&format!("/jobs/ingest/{del_id}/failedResults"))
        .await
        .text;
    assert!(
        failed.contains(
            "\"00Q8a00000zzzzzAAA\",\"INVALID_CROSS_REFERENCE_KEY:invalid cross reference id: --\""
        ),
        "{failed}"
    );

    let aborted = create_job(&sf, json!({"object": "Lead", "operation": "insert"})).await;
    let ab = aborted["id"].as_str().expect("id").to_string();
    sf.put_text(
        &format!("/jobs/ingest/{ab}/batches"),
        "text/csv",
        "LastName,Company\nA,B\n".into(),
    )
    .await;
    let r = sf
        .call(
            Method::PATCH,
            &format!("/jobs/ingest/{ab}"),
            Some(json!({"state": "Aborted"})),
        )
        .await;
    assert_eq!(r.json()["state"], "Aborted");
    assert_eq!(
        sf.get(&format!("/jobs/ingest/{ab}/unprocessedrecords"))
            .await
            .text,
        "LastName,Company\n\"A\",\"B\"\n"
    );
    assert_eq!(sf.emu.count("Lead"), 2);
    let bad = create_job(&sf, json!({"object": "Lead", "operation": "insert"})).await;
    let bad_id = bad["id"].as_str().expect("id").to_string();
    sf.put_text(
        &format!("/jobs/ingest/{bad_id}/batches"),
        "text/csv",
        "LastName,Nope__c\nA,B\n".into(),
    )
    .await;
    close(&sf, &bad_id).await;
    let (info, _) = sf.wait_job(&format!("/jobs/ingest/{bad_id}")).await;
    assert_eq!(info["state"], "Failed");
    assert_eq!(
        info["errorMessage"],
        "InvalidBatch : Field name not found : Nope__c"
    );
}

#[tokio::test]
async fn bulk_query_pages_with_locator() {
    let sf = start(Emulator::builder().seed(seed_leads(2500, 9))).await;
    let first = sf.emu.all("Lead")[0]["Id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    sf.emu.delete("Lead", &first).expect("delete");
    let soql = "SELECT Id, LastName, Email, IsDeleted, CreatedDate FROM Lead ORDER BY Id";
    let r = sf
        .call(
            Method::POST,
            "/jobs/query",
            Some(json!({"operation": "queryAll", "query": soql})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json()["id"].as_str().expect("id").to_string();
    assert_eq!(r.json()["state"], "UploadComplete");
    let (info, _) = sf.wait_job(&format!("/jobs/query/{id}")).await;
    assert_eq!(info["numberRecordsProcessed"], 2500);
    let mut locator = String::new();
    let mut sizes = Vec::new();
    let mut all_ids = Vec::new();
    loop {
        let mut path = format!("/jobs/query/{id}/results?maxRecords=1000");
        if !locator.is_empty() {
            path.push_str(&format!("&locator={locator}"));
        }
        let page = sf.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        let (header, rows) = parse_csv(&page.text);
        assert_eq!(
            header,
            vec!["Id", "LastName", "Email", "IsDeleted", "CreatedDate"]
        );
        assert_eq!(
            page.header("sforce-numberofrecords"),
            Some(rows.len().to_string())
        );
        sizes.push(rows.len());
        all_ids.extend(rows.iter().map(|r| r[0].clone()));
        if sizes.len() == 1 {
            assert_eq!(rows[0][3], "true");
            assert!(rows[0][4].ends_with(".000Z"), "{}", rows[0][4]);
        }
        locator = page.header("sforce-locator").expect("locator header");
        if locator == "null" {
            break;
        }
    }
    assert_eq!(sizes, vec![1000, 1000, 500]);
    let mut sorted = all_ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, all_ids);
    let wrong_version = sf
        .get(&format!(
            "{}/services/data/v61.0/jobs/query/{id}/results",
            sf.emu.instance_url
        ))
        .await;
    assert_eq!(wrong_version.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn bulk_query_rejects_compound_fields() {
    let sf = start(Emulator::builder()).await;
    let r = sf
        .call(
            Method::POST,
            "/jobs/query",
            Some(json!({"operation": "query", "query": "SELECT Id, Address FROM Lead"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!([{"message": "Selecting compound data not supported in Bulk Query", "errorCode": "API_ERROR"}])
    );
    let r = sf
        .call(
            Method::POST,
            "/jobs/query",
            Some(json!({"operation": "query", "query": "SELECT Id FROM"})),
        )
        .await;
    assert_eq!(r.json()[0]["errorCode"], "MALFORMED_QUERY");
}

#[tokio::test]
async fn uploads_over_the_size_cap_are_refused() {
    let sf = start(Emulator::builder().upload_limit(1024)).await;
    let job = create_job(&sf, json!({"object": "Lead", "operation": "insert"})).await;
    let id = job["id"].as_str().expect("id").to_string();
    let big = format!("LastName,Company\n{}", "Lovelace,Engines\n".repeat(100));
    let r = sf
        .put_text(&format!("/jobs/ingest/{id}/batches"), "text/csv", big)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()[0]["errorCode"], "REQUEST_ENTITY_TOO_LARGE");
    let small = "LastName,Company\nLovelace,Engines\n".to_string();
    let r = sf
        .put_text(&format!("/jobs/ingest/{id}/batches"), "text/csv", small)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}
