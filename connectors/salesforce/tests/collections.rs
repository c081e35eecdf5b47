//! sObject Collections upsert and single-record resources.

mod common;

use std::collections::HashMap;

use common::{start, Sf};
use crmsync_salesforce::emulator::{Emulator, Faults};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn lead(ext: &str, extra: Value) -> Value {
    let mut rec = json!({"attributes": {"type": "Lead"}, "Crmsync_Id__c": ext,
                         "LastName": format!("Last {ext}"), "Company": "Acme"});
    if let (Some(obj), Value::Object(more)) = (rec.as_object_mut(), extra) {
        obj.extend(more);
    }
    rec
}

async fn upsert(sf: &Sf, all_or_none: bool, records: Vec<Value>) -> common::Reply {
    let body = json!({"allOrNone": all_or_none, "records": records});
    sf.call(
        Method::PATCH,
        "/composite/sobjects/Lead/Crmsync_Id__c",
        Some(body),
    )
    .await
}

#[tokio::test]
async fn at_most_200_records_per_request() {
    let sf = start(Emulator::builder()).await;
    let records: Vec<Value> = (0..201)
        .map(|i| lead(&format!("E{i}"), json!({})))
        .collect();
    let r = upsert(&sf, false, records.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!([{"message": "record limit reached. cannot submit more than 200 records into this call",
                "errorCode": "EXCEEDED_ID_LIMIT"}])
    );
    assert_eq!(sf.emu.count("Lead"), 0);
    let r = upsert(&sf, false, records[..200].to_vec()).await;
    assert_eq!(r.status, StatusCode::OK);
    let results = r.json();
    assert_eq!(results.as_array().map(Vec::len), Some(200));
    assert!(results.as_array().is_some_and(|a| a
        .iter()
        .all(|x| x["success"] == true && x["created"] == true)));
    assert_eq!(sf.emu.count("Lead"), 200);
}

#[tokio::test]
async fn per_record_results_in_input_order() {
    let mut reject = HashMap::new();
    reject.insert("DUP-1".to_string(), "DUPLICATES_DETECTED");
    let sf = start(Emulator::builder().faults(Faults {
        reject_external_ids: reject,
        ..Faults::default()
    }))
    .await;
    let first = upsert(
        &sf,
        false,
        vec![lead("KEEP", json!({"Email": "keep@example.com"}))],
    )
    .await
    .json();
    let kept_id = first[0]["id"].as_str().expect("id").to_string();
    let records = vec![
        lead("NEW-1", json!({"Email": "new@example.com"})),
        lead("BAD-EMAIL", json!({"Email": "bad@"})),
        json!({"attributes": {"type": "Lead"}, "Crmsync_Id__c": "NO-NAME", "Email": "x@example.com"}),
        lead("KEEP", json!({"Title": "Updated"})),
        lead("DUP-1", json!({})),
        lead("LONG", json!({"FirstName": "x".repeat(41)})),
    ];
    let r = upsert(&sf, false, records).await;
    assert_eq!(r.status, StatusCode::OK);
    let results = r.json();
    let new_id = results[0]["id"].as_str().expect("id").to_string();
    assert!(new_id.starts_with("00Q") && new_id.len() == 18);
    assert_eq!(
        results,
        json!([
            {"id": new_id, "success": true, "errors": [], "created": true},
            {"id": null, "success": false, "created": false, "errors": [
                {"statusCode": "INVALID_EMAIL_ADDRESS", "message": "Email: invalid email address: bad@", "fields": ["Email"]}]},
            {"id": null, "success": false, "created": false, "errors": [
                {"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName, Company]", "fields": ["LastName", "Company"]}]},
            {"id": kept_id, "success": true, "errors": [], "created": false},
            {"id": null, "success": false, "created": false, "errors": [
                {"statusCode": "DUPLICATES_DETECTED", "message": "Use one of these records?", "fields": []}]},
            {"id": null, "success": false, "created": false, "errors": [
                {"statusCode": "STRING_TOO_LONG", "message": format!("First Name: data value too large: {} (max length=40)", "x".repeat(41)), "fields": ["FirstName"]}]},
        ])
    );
    assert_eq!(sf.emu.count("Lead"), 2);
    let kept = sf.emu.record("Lead", &kept_id).expect("kept");
    assert_eq!(kept["Title"], "Updated");
    assert_eq!(kept["Email"], "keep@example.com");
}

#[tokio::test]
async fn all_or_none_rolls_everything_back() {
    let sf = start(Emulator::builder()).await;
    let seeded = upsert(&sf, false, vec![lead("OLD", json!({"Title": "Before"}))])
        .await
        .json();
    let old_id = seeded[0]["id"].as_str().expect("id").to_string();
    let before = sf.emu.record("Lead", &old_id).expect("record");
    let r = upsert(
        &sf,
        true,
        vec![
            lead("A", json!({})),
            lead("OLD", json!({"Title": "After"})),
            lead("B", json!({"Email": "nope"})),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let rolled = json!({"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
        "fields": []});
    let results = r.json();
    assert_eq!(results[0]["errors"], json!([rolled]));
    assert_eq!(results[1]["errors"], json!([rolled]));
    assert_eq!(
        results[2]["errors"][0]["statusCode"],
        "INVALID_EMAIL_ADDRESS"
    );
    assert!(results
        .as_array()
        .is_some_and(|a| a.iter().all(|x| x["success"] == false)));
    assert_eq!(sf.emu.count("Lead"), 1);
    assert_eq!(sf.emu.record("Lead", &old_id), Some(before));
}

#[tokio::test]
async fn row_locks_and_malformed_requests() {
    let sf = start(Emulator::builder()).await;
    sf.emu.set_faults(Faults {
        lock_row_probability: 1.0,
        ..Faults::seeded(3)
    });
    let r = upsert(
        &sf,
        false,
        vec![lead("L1", json!({})), lead("L2", json!({}))],
    )
    .await
    .json();
    assert_eq!(r[0]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
    assert_eq!(r[1]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
    assert_eq!(sf.emu.count("Lead"), 0);
    sf.emu.set_faults(Faults::default());
    let cases = [
        (
            json!({"records": [lead("X", json!({"Bogus__c": 1}))]}),
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
        ),
        (
            json!({"records": [{"Crmsync_Id__c": "X", "LastName": "L", "Company": "C"}]}),
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
        ),
        (
            json!({"records": [lead("X", json!({"DoNotCall": "perhaps"}))]}),
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
        ),
        (
            json!({"records": "nope"}),
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
        ),
    ];
    for (body, status, code) in cases {
        let r = sf
            .call(
                Method::PATCH,
                "/composite/sobjects/Lead/Crmsync_Id__c",
                Some(body),
            )
            .await;
        assert_eq!(
            (r.status, r.json()[0]["errorCode"].clone()),
            (status, json!(code))
        );
    }
    let r = sf
        .call(
            Method::PATCH,
            "/composite/sobjects/Lead/Email",
            Some(json!({"records": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(sf.emu.count("Lead"), 0);
}

#[tokio::test]
async fn single_record_resources() {
    let sf = start(Emulator::builder()).await;
    let body = json!({"LastName": "Hopper", "Company": "Navy", "Email": "grace@navy.mil"});
    let created = sf
        .call(
            Method::PATCH,
            "/sobjects/Lead/Crmsync_Id__c/G-1",
            Some(body.clone()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_str().expect("id").to_string();
    assert_eq!(
        created.json(),
        json!({"id": id, "success": true, "errors": [], "created": true})
    );
    let updated = sf
        .call(
            Method::PATCH,
            "/sobjects/Lead/Crmsync_Id__c/G-1",
            Some(json!({"Title": "RADM"})),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.json()["created"], false);
    let only = sf
        .call(
            Method::PATCH,
            "/sobjects/Lead/Crmsync_Id__c/G-2?updateOnly=true",
            Some(body),
        )
        .await;
    assert_eq!(only.status, StatusCode::NOT_FOUND);
    let got = sf.get(&format!("/sobjects/Lead/{id}")).await.json();
    assert_eq!(
        (
            got["Title"].clone(),
            got["Name"].clone(),
            got["Status"].clone()
        ),
        (
            json!("RADM"),
            json!("Hopper"),
            json!("Open - Not Contacted")
        )
    );
    assert_eq!(got["Crmsync_Id__c"], "G-1");
    let by_ext = sf
        .get("/sobjects/Lead/Crmsync_Id__c/G-1?fields=Id,Email")
        .await
        .json();
    assert_eq!(
        by_ext,
        json!({"attributes": {"type": "Lead", "url": format!("/services/data/v62.0/sobjects/Lead/{id}")}, "Id": id, "Email": "grace@navy.mil"})
    );
    let r = sf
        .call(
            Method::PATCH,
            &format!("/sobjects/Lead/{id}"),
            Some(json!({"Email": "nope"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!([{"message": "Email: invalid email address: nope", "errorCode": "INVALID_EMAIL_ADDRESS", "fields": ["Email"]}])
    );
    let r = sf
        .call(
            Method::PATCH,
            &format!("/sobjects/Lead/{id}"),
            Some(json!({"CreatedDate": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(r.json()[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(
        sf.call(
            Method::PATCH,
            &format!("/sobjects/Lead/{id}"),
            Some(json!({"Title": "Admiral"}))
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let contact = sf
        .call(
            Method::POST,
            "/sobjects/Contact",
            Some(json!({"LastName": "Liskov", "AccountId": "001000000000000AAA"})),
        )
        .await;
    assert_eq!(
        contact.json()[0]["errorCode"],
        "INVALID_CROSS_REFERENCE_KEY"
    );
    assert_eq!(
        sf.call(Method::DELETE, &format!("/sobjects/Lead/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let again = sf
        .call(Method::DELETE, &format!("/sobjects/Lead/{id}"), None)
        .await;
    assert_eq!(
        (again.status, again.json()[0]["errorCode"].clone()),
        (StatusCode::NOT_FOUND, json!("ENTITY_IS_DELETED"))
    );
    let describe = sf.get("/sobjects/Lead/describe").await.json();
    let field = |name: &str| -> Value {
        describe["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["name"] == name).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(field("Crmsync_Id__c")["externalId"], true);
    assert_eq!(field("Crmsync_Id__c")["idLookup"], true);
    assert_eq!(field("Crmsync_Id__c")["custom"], true);
    assert_eq!(field("FirstName")["compoundFieldName"], "Name");
    assert_eq!(field("City")["compoundFieldName"], "Address");
    assert_eq!(field("Address")["type"], "address");
    assert_eq!(field("Email")["type"], "email");
    assert_eq!(field("LastName")["nillable"], false);
    assert_eq!(field("SystemModstamp")["updateable"], false);
    assert_eq!(describe["keyPrefix"], "00Q");
}
