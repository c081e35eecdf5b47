//! Basic object routes over real HTTP: list paging, property selection, archived records,
//! modification dates, reads by unique property, validation and the properties API.

mod common;

use std::collections::BTreeSet;

use common::{id_range, start, Api};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, SeedRecord};
use serde_json::{json, Value};

fn keys(record: &Value) -> BTreeSet<String> {
    record["properties"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn list_pages_through_250_contacts_in_three_pages() {
    let running = start(Emulator::builder().seed(seed_contacts(250, 1))).await;
    let api = Api::new(&running);
    let mut path = "/crm/v3/objects/contacts?limit=100".to_owned();
    let mut pages = Vec::new();
    loop {
        let page = api.get(&path).await;
        assert_eq!(page.status, 200);
        let next = page.body["paging"]["next"]["after"]
            .as_str()
            .map(str::to_owned);
        pages.push((
            page.ids(),
            next.clone(),
            page.body["paging"]["next"]["link"].clone(),
        ));
        match next {
            Some(after) => path = format!("/crm/v3/objects/contacts?limit=100&after={after}"),
            None => break,
        }
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0].0, id_range(1, 100));
    assert_eq!(pages[0].1.as_deref(), Some("101"));
    assert_eq!(
        pages[0].2,
        json!(format!(
            "{}/crm/v3/objects/contacts?limit=100&after=101",
            running.base_url
        ))
    );
    assert_eq!(pages[1].0, id_range(101, 200));
    assert_eq!(pages[1].1.as_deref(), Some("201"));
    assert_eq!(pages[2].0, id_range(201, 250));
    assert_eq!(pages[2].1, None);
    let calls = running.request_log();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.method == "GET" && c.status == 200));
    assert_eq!(calls[1].query.as_deref(), Some("limit=100&after=101"));
}

#[tokio::test]
async fn default_page_size_is_ten_and_limit_is_capped() {
    let running = start(Emulator::builder().seed(seed_contacts(15, 1))).await;
    let api = Api::new(&running);
    let page = api.get("/crm/v3/objects/contacts").await;
    assert_eq!(page.ids(), id_range(1, 10));
    let too_big = api.get("/crm/v3/objects/contacts?limit=101").await;
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.body["category"], "VALIDATION_ERROR");
}

#[tokio::test]
async fn properties_parameter_selects_returned_properties() {
    let running = start(Emulator::builder().seed(seed_contacts(3, 1))).await;
    let api = Api::new(&running);
    let cases: [(&str, &[&str]); 4] = [
        (
            "",
            &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
        ),
        (
            "?properties=email,phone",
            &[
                "createdate",
                "email",
                "hs_object_id",
                "lastmodifieddate",
                "phone",
            ],
        ),
        (
            "?properties=jobtitle&properties=company&properties=no_such_property",
            &[
                "company",
                "createdate",
                "hs_object_id",
                "jobtitle",
                "lastmodifieddate",
            ],
        ),
        (
            "?properties=hs_object_id",
            &["createdate", "hs_object_id", "lastmodifieddate"],
        ),
    ];
    for (query, want) in cases {
        let page = api.get(&format!("/crm/v3/objects/contacts{query}")).await;
        assert_eq!(page.status, 200, "{query}");
        for record in page.body["results"].as_array().into_iter().flatten() {
            assert_eq!(keys(record), set(want), "{query}");
        }
        let one = api.get(&format!("/crm/v3/objects/contacts/2{query}")).await;
        assert_eq!(keys(&one.body), set(want), "single read {query}");
    }
    let Some(stored) = running.record("contacts", "2") else {
        panic!("record 2 missing");
    };
    let one = api.get("/crm/v3/objects/contacts/2?properties=phone").await;
    assert_eq!(
        one.body["properties"]["phone"],
        json!(stored.property("phone"))
    );
    assert_eq!(one.body["properties"]["hs_object_id"], "2");
}

#[tokio::test]
async fn archived_records_are_listed_only_with_archived_true() {
    let running = start(Emulator::builder().seed(seed_contacts(5, 1))).await;
    let api = Api::new(&running);
    assert_eq!(api.delete("/crm/v3/objects/contacts/2").await.status, 204);
    assert!(running.archive("contacts", "4").is_ok());
    assert_eq!(api.delete("/crm/v3/objects/contacts/999").await.status, 204);
    let live = api.get("/crm/v3/objects/contacts").await;
    assert_eq!(live.ids(), vec!["1", "3", "5"]);
    let archived = api.get("/crm/v3/objects/contacts?archived=true").await;
    assert_eq!(archived.ids(), vec!["2", "4"]);
    for record in archived.body["results"].as_array().into_iter().flatten() {
        assert_eq!(record["archived"], true);
        assert!(record["archivedAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
    }
    assert_eq!(api.get("/crm/v3/objects/contacts/2").await.status, 404);
    let read = api.get("/crm/v3/objects/contacts/2?archived=true").await;
    assert_eq!(
        (read.status, read.body["archived"].clone()),
        (200, json!(true))
    );
    assert_eq!(running.count("contacts"), 3);
    assert_eq!(running.all("contacts").len(), 5);
}

fn modified(record: &Value) -> String {
    let date = record["properties"]["lastmodifieddate"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        record["updatedAt"].as_str(),
        Some(date),
        "updatedAt tracks lastmodifieddate"
    );
    assert_eq!(date.len(), 24, "ISO 8601 with milliseconds: {date}");
    assert!(date.ends_with('Z'));
    date.to_owned()
}

#[tokio::test]
async fn modification_date_moves_on_every_write() {
    let running = start(Emulator::builder()).await;
    let api = Api::new(&running);
    let created = api
        .post(
            "/crm/v3/objects/contacts",
            &json!({"properties": {"email": "ada@example.com"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().unwrap_or_default().to_owned();
    let mut last = modified(&created.body);
    assert_eq!(created.body["createdAt"].as_str(), Some(last.as_str()));
    let same = json!({"properties": {"firstname": "Ada"}});
    for round in 0..3 {
        let patched = api
            .patch(&format!("/crm/v3/objects/contacts/{id}"), &same)
            .await;
        assert_eq!(patched.status, 200);
        let now = modified(&patched.body);
        assert!(now > last, "round {round}: {now} <= {last}");
        last = now;
    }
    let Ok(edited) = running.edit("contacts", &id, [("lastname", "Lovelace")]) else {
        panic!("edit failed");
    };
    let edited_at = edited
        .properties
        .get("lastmodifieddate")
        .cloned()
        .unwrap_or_default();
    assert!(edited_at > last);
    let batch = api
        .post(
            "/crm/v3/objects/contacts/batch/update",
            &json!({"inputs": [{"id": id, "properties": {"jobtitle": "CTO"}}]}),
        )
        .await;
    assert_eq!(batch.status, 200);
    assert!(modified(&batch.body["results"][0]) > edited_at);
}

#[tokio::test]
async fn companies_use_hs_lastmodifieddate() {
    let seed = vec![SeedRecord::new(
        "companies",
        [("name", "Acme"), ("domain", "acme.example")],
    )];
    let running = start(Emulator::builder().seed(seed)).await;
    let api = Api::new(&running);
    let before = api.get("/crm/v3/objects/companies/1").await;
    let first = before.body["properties"]["hs_lastmodifieddate"]
        .as_str()
        .map(str::to_owned);
    assert!(before.body["properties"].get("lastmodifieddate").is_none());
    let after = api
        .patch(
            "/crm/v3/objects/0-2/1",
            &json!({"properties": {"city": "Oslo"}}),
        )
        .await;
    let second = after.body["properties"]["hs_lastmodifieddate"]
        .as_str()
        .map(str::to_owned);
    assert!(second > first);
    assert_eq!(after.body["updatedAt"].as_str(), second.as_deref());
}

#[tokio::test]
async fn reads_by_unique_property_and_dated_paths() {
    let seed = vec![SeedRecord::new("contacts", [("email", "grace@example.com")]).with_id("42")];
    let running = start(Emulator::builder().seed(seed)).await;
    let api = Api::new(&running);
    let by_email = api
        .get("/crm/v3/objects/contacts/GRACE%40example.com?idProperty=email")
        .await;
    assert_eq!(
        (by_email.status, by_email.body["id"].clone()),
        (200, json!("42"))
    );
    let dated = api.get("/crm/objects/2026-03/contacts?limit=5").await;
    assert_eq!(dated.ids(), vec!["42"]);
    let unknown = api.get("/crm/v3/objects/widgets").await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["message"],
        "Unable to infer object type from: widgets"
    );
}

#[tokio::test]
async fn create_validates_values_and_uniqueness() {
    let seed = vec![SeedRecord::new("contacts", [("email", "ada@example.com")])];
    let running = start(Emulator::builder().seed(seed)).await;
    let api = Api::new(&running);
    let cases = [
        (
            json!({"email": "not-an-email"}),
            400,
            "VALIDATION_ERROR",
            "INVALID_EMAIL",
        ),
        (
            json!({"favorite_color": "teal"}),
            400,
            "VALIDATION_ERROR",
            "PROPERTY_DOESNT_EXIST",
        ),
        (
            json!({"lifecyclestage": "boss"}),
            400,
            "VALIDATION_ERROR",
            "INVALID_OPTION",
        ),
        (
            json!({"hs_object_id": "7"}),
            400,
            "VALIDATION_ERROR",
            "READ_ONLY_VALUE",
        ),
        (
            json!({"email": "ADA@example.com"}),
            409,
            "CONFLICT",
            "Existing ID: 1",
        ),
    ];
    for (props, status, category, fragment) in cases {
        let reply = api
            .post("/crm/v3/objects/contacts", &json!({"properties": props}))
            .await;
        assert_eq!(reply.status, status, "{props}");
        assert_eq!(reply.body["category"], category, "{props}");
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(fragment), "{props}: {message}");
    }
    assert_eq!(running.count("contacts"), 1);
    let not_found = api
        .patch(
            "/crm/v3/objects/contacts/77",
            &json!({"properties": {"firstname": "X"}}),
        )
        .await;
    assert_eq!(
        (not_found.status, not_found.body["category"].clone()),
        (404, json!("OBJECT_NOT_FOUND"))
    );
}

#[tokio::test]
async fn custom_properties_can_be_created_and_written() {
    let running = start(Emulator::builder()).await;
    let api = Api::new(&running);
    let definition = json!({
        "name": "customer_tier",
        "label": "Customer tier",
        "type": "enumeration",
        "fieldType": "select",
        "groupName": "contactinformation",
        "options": [{"label": "Gold", "value": "gold"}, {"label": "Silver", "value": "silver"}],
        "hasUniqueValue": false
    });
    let created = api.post("/crm/v3/properties/contacts", &definition).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["hubspotDefined"], false);
    assert_eq!(
        api.post("/crm/v3/properties/contacts", &definition)
            .await
            .status,
        409
    );
    let listed = api.get("/crm/v3/properties/contacts").await;
    let names: Vec<&str> = listed.body["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"customer_tier") && names.contains(&"email"));
    let email = listed.body["results"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "lastmodifieddate")
        .cloned()
        .unwrap_or_default();
    assert_eq!(email["modificationMetadata"]["readOnlyValue"], true);
    assert_eq!(email["type"], "datetime");
    let write = |tier: &str| json!({"properties": {"email": format!("{tier}@example.com"), "customer_tier": tier}});
    assert_eq!(
        api.post("/crm/v3/objects/contacts", &write("gold"))
            .await
            .status,
        201
    );
    assert_eq!(
        api.post("/crm/v3/objects/contacts", &write("bronze"))
            .await
            .status,
        400
    );
    let page = api
        .get("/crm/v3/objects/contacts?properties=customer_tier")
        .await;
    assert_eq!(
        page.body["results"][0]["properties"]["customer_tier"],
        "gold"
    );
}
