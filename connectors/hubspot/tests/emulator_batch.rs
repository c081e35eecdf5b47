//! Batch endpoints over real HTTP: the 100-input cap, 207 partial failures, upsert
//! semantics and forced failures.

mod common;

use std::collections::HashSet;

use common::{start, Api};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, Faults, SeedRecord};
use serde_json::{json, Value};

fn upsert_inputs(emails: &[String]) -> Value {
    let inputs: Vec<Value> = emails
        .iter()
        .enumerate()
        .map(|(i, email)| {
            json!({
                "id": email,
                "idProperty": "email",
                "properties": {"firstname": format!("Person{i}"), "lifecyclestage": "lead"}
            })
        })
        .collect();
    json!({ "inputs": inputs })
}

#[tokio::test]
async fn upsert_of_100_with_3_forced_failures_is_a_207() {
    let faults = Faults {
        reject_emails_matching: Some("+blocked".into()),
        ..Faults::none()
    };
    let running = start(Emulator::builder().faults(faults)).await;
    let api = Api::new(&running);
    let emails: Vec<String> = (0..100)
        .map(|i| match i {
            7 | 50 | 93 => format!("user{i}+blocked@example.com"),
            _ => format!("user{i}@example.com"),
        })
        .collect();
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            &upsert_inputs(&emails),
        )
        .await;
    assert_eq!(reply.status, 207);
    assert_eq!(reply.body["status"], "COMPLETE");
    assert_eq!(reply.body["numErrors"], 3);
    let results = reply.body["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 97);
    assert!(results.iter().all(|r| r["new"] == true));
    let errors = reply.body["errors"].as_array().cloned().unwrap_or_default();
    let failed: Vec<&str> = errors
        .iter()
        .filter_map(|e| e["context"]["ids"][0].as_str())
        .collect();
    assert_eq!(
        failed,
        vec![
            "user7+blocked@example.com",
            "user50+blocked@example.com",
            "user93+blocked@example.com"
        ]
    );
    for error in &errors {
        assert_eq!(error["status"], "error");
        assert_eq!(error["category"], "VALIDATION_ERROR");
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("Property values were not valid"),
            "{message}"
        );
        assert_eq!(error["errors"][0]["code"], "INVALID_EMAIL");
    }
    assert!(reply.body["startedAt"].is_string() && reply.body["completedAt"].is_string());
    assert_eq!(running.count("contacts"), 97);

    // The same upsert without the blocked inputs updates in place.
    running.set_faults(Faults::none());
    let clean: Vec<String> = emails
        .into_iter()
        .filter(|e| !e.contains("+blocked"))
        .collect();
    let again = api
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            &upsert_inputs(&clean),
        )
        .await;
    assert_eq!(again.status, 200);
    let results = again.body["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 97);
    assert!(results.iter().all(|r| r["new"] == false));
    assert!(again.body.get("errors").is_none());
    assert_eq!(running.count("contacts"), 97);
}

#[tokio::test]
async fn forced_id_rejections_fail_only_those_inputs() {
    let faults = Faults {
        reject_ids: HashSet::from(["2".to_owned(), "4".to_owned()]),
        ..Faults::none()
    };
    let running = start(Emulator::builder().seed(seed_contacts(5, 3)).faults(faults)).await;
    let api = Api::new(&running);
    let inputs: Vec<Value> = (1..=5)
        .map(|id| json!({"id": id.to_string(), "properties": {"jobtitle": "CFO"}}))
        .collect();
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/update",
            &json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(reply.status, 207);
    assert_eq!(reply.body["numErrors"], 2);
    let updated: Vec<&str> = reply.body["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(updated, vec!["1", "3", "5"]);
    let untouched = running
        .record("contacts", "2")
        .and_then(|r| r.properties.get("jobtitle").cloned());
    assert_ne!(untouched.as_deref(), Some("CFO"));
}

#[tokio::test]
async fn more_than_100_inputs_is_a_400_everywhere() {
    let running = start(Emulator::builder().seed(seed_contacts(3, 1))).await;
    let api = Api::new(&running);
    let inputs: Vec<Value> = (0..101)
        .map(|i| json!({"id": format!("u{i}@example.com"), "idProperty": "email", "properties": {"email": format!("u{i}@example.com")}}))
        .collect();
    for endpoint in ["read", "create", "update", "upsert", "archive"] {
        let reply = api
            .post(
                &format!("/crm/v3/objects/contacts/batch/{endpoint}"),
                &json!({ "inputs": inputs }),
            )
            .await;
        assert_eq!(reply.status, 400, "{endpoint}");
        assert_eq!(reply.body["category"], "VALIDATION_ERROR", "{endpoint}");
        assert_eq!(reply.body["status"], "error");
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("101") && message.contains("100"),
            "{message}"
        );
    }
    assert_eq!(running.count("contacts"), 3);
}

#[tokio::test]
async fn update_and_read_report_missing_ids() {
    let running = start(Emulator::builder().seed(seed_contacts(3, 1))).await;
    let api = Api::new(&running);
    let update = json!({"inputs": [
        {"id": "1", "properties": {"firstname": "One"}},
        {"id": "999", "properties": {"firstname": "Ghost"}},
        {"id": "3", "properties": {"email": "broken"}}
    ]});
    let reply = api
        .post("/crm/v3/objects/contacts/batch/update", &update)
        .await;
    assert_eq!(reply.status, 207);
    assert_eq!(reply.body["numErrors"], 2);
    assert_eq!(reply.body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(reply.body["errors"][0]["context"]["ids"], json!(["999"]));
    assert_eq!(reply.body["errors"][1]["category"], "VALIDATION_ERROR");
    assert_eq!(reply.body["results"][0]["properties"]["firstname"], "One");

    let read =
        json!({"inputs": [{"id": "2"}, {"id": "998"}, {"id": "999"}], "properties": ["email"]});
    let reply = api.post("/crm/v3/objects/contacts/batch/read", &read).await;
    assert_eq!(reply.status, 207);
    assert_eq!(reply.ids(), vec!["2"]);
    assert_eq!(reply.body["numErrors"], 1);
    assert_eq!(
        reply.body["errors"][0]["context"]["ids"],
        json!(["998", "999"])
    );

    let dupes = json!({"inputs": [{"id": "1", "properties": {}}, {"id": "1", "properties": {}}]});
    let reply = api
        .post("/crm/v3/objects/contacts/batch/update", &dupes)
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body["message"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Duplicate IDs"));
}

#[tokio::test]
async fn batch_create_is_all_or_nothing_unless_trace_ids_are_given() {
    let seed = vec![SeedRecord::new(
        "contacts",
        [("email", "taken@example.com")],
    )];
    let running = start(Emulator::builder().seed(seed)).await;
    let api = Api::new(&running);
    let props = [
        "a@example.com",
        "bad-email",
        "b@example.com",
        "taken@example.com",
    ];
    let plain: Vec<Value> = props
        .iter()
        .map(|e| json!({"properties": {"email": e}}))
        .collect();
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            &json!({"inputs": plain}),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(running.count("contacts"), 1);

    let traced: Vec<Value> = props
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"properties": {"email": e}, "objectWriteTraceId": format!("t{i}")}))
        .collect();
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            &json!({"inputs": traced}),
        )
        .await;
    assert_eq!(reply.status, 207);
    assert_eq!(reply.body["numErrors"], 2);
    assert_eq!(
        reply.body["errors"][0]["context"]["objectWriteTraceId"],
        json!(["t1"])
    );
    assert_eq!(reply.body["errors"][1]["category"], "CONFLICT");
    assert_eq!(running.count("contacts"), 3);

    let fine: Vec<Value> = ["c@example.com", "d@example.com"]
        .iter()
        .map(|e| json!({"properties": {"email": e}}))
        .collect();
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/create",
            &json!({"inputs": fine}),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.ids(), vec!["4", "5"]);
}

#[tokio::test]
async fn upsert_rejects_unusable_identifiers() {
    let running = start(Emulator::builder()).await;
    let api = Api::new(&running);
    let cases = [
        (
            json!({"id": "", "idProperty": "email", "properties": {}}),
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "x@example.com", "idProperty": "firstname", "properties": {}}),
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "not an email", "idProperty": "email", "properties": {}}),
            "VALIDATION_ERROR",
        ),
        (
            json!({"id": "12", "properties": {"firstname": "Nobody"}}),
            "OBJECT_NOT_FOUND",
        ),
    ];
    for (input, category) in cases {
        let reply = api
            .post(
                "/crm/v3/objects/contacts/batch/upsert",
                &json!({"inputs": [input.clone()]}),
            )
            .await;
        assert_eq!(reply.status, 207, "{input}");
        assert_eq!(reply.body["errors"][0]["category"], category, "{input}");
        assert_eq!(reply.body["results"], json!([]), "{input}");
    }
    assert_eq!(running.count("contacts"), 0);
}

#[tokio::test]
async fn batch_archive_archives_and_ignores_unknown_ids() {
    let running = start(Emulator::builder().seed(seed_contacts(4, 1))).await;
    let api = Api::new(&running);
    let reply = api
        .post(
            "/crm/v3/objects/contacts/batch/archive",
            &json!({"inputs": [{"id": "1"}, {"id": "3"}, {"id": "404"}]}),
        )
        .await;
    assert_eq!((reply.status, reply.body.clone()), (204, Value::Null));
    assert_eq!(running.count("contacts"), 2);
    let archived = api.get("/crm/v3/objects/contacts?archived=true").await;
    assert_eq!(archived.ids(), vec!["1", "3"]);
}
