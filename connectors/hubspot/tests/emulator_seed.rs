//! Seeding: JSON seed files, seed errors, and a 25,000-contact account paged end to end.

mod common;

use std::time::Instant;

use common::{start, Api};
use crmsync_hubspot::emulator::{seed_contacts, Emulator, EmulatorError, Limits, SeedRecord};
use serde_json::json;

#[tokio::test]
async fn seed_file_loads_records_of_any_type() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("seed.json");
    let seed = json!([
        {"objectType": "contacts", "properties": {"email": "ada@example.com", "firstname": "Ada"}},
        {"objectType": "companies", "id": 500, "properties": {"name": "Acme", "domain": "acme.example"}},
        {"object": "contacts", "properties": {"email": "alan@example.com", "score": 42}},
        {"objectType": "pets", "properties": {"name": "Rex"}}
    ]);
    std::fs::write(&path, seed.to_string()).unwrap_or_else(|e| panic!("write: {e}"));
    let running = start(Emulator::builder().seed(path.clone())).await;
    let api = Api::new(&running);
    assert_eq!(running.count("contacts"), 2);
    let company = api.get("/crm/v3/objects/companies/500").await;
    assert_eq!(company.body["properties"]["name"], "Acme");
    let alan = api.get("/crm/v3/objects/contacts/2?properties=score").await;
    assert_eq!(
        alan.body["properties"]["score"], "42",
        "numbers become strings"
    );
    let pets = api.get("/crm/v3/objects/pets").await;
    assert_eq!(pets.ids(), vec!["1"]);
    assert!(pets.body["results"][0]["properties"]["hs_lastmodifieddate"].is_string());

    std::fs::write(&path, "{\"not\": \"an array\"}").unwrap_or_else(|e| panic!("write: {e}"));
    let bad = Emulator::builder().seed(path).build();
    assert!(matches!(bad, Err(EmulatorError::SeedFileFormat { .. })));
    let bad_id = Emulator::builder()
        .seed(vec![SeedRecord::new(
            "contacts",
            [("email", "x@example.com")],
        )
        .with_id("abc")])
        .build();
    let message = bad_id.err().map(|e| e.to_string());
    assert_eq!(
        message.as_deref(),
        Some("seed record #0 (contacts): id `abc` is not a positive number")
    );
}

#[tokio::test]
async fn pages_through_25000_generated_contacts() {
    let started = Instant::now();
    let unlimited = Limits {
        ten_secondly: 10_000,
        ..Limits::default()
    };
    let running = start(
        Emulator::builder()
            .seed(seed_contacts(25_000, 11))
            .limits(unlimited),
    )
    .await;
    let built = started.elapsed();
    let api = Api::new(&running);
    let mut after: Option<String> = None;
    let mut seen = 0usize;
    let mut pages = 0usize;
    loop {
        let path = match &after {
            Some(a) => {
                format!("/crm/v3/objects/contacts?limit=100&properties=email,phone&after={a}")
            }
            None => "/crm/v3/objects/contacts?limit=100&properties=email,phone".to_owned(),
        };
        let page = api.get(&path).await;
        assert_eq!(page.status, 200);
        seen += page.ids().len();
        pages += 1;
        after = page.body["paging"]["next"]["after"]
            .as_str()
            .map(str::to_owned);
        if after.is_none() {
            break;
        }
    }
    assert_eq!((seen, pages), (25_000, 250));
    assert_eq!(running.request_log().len(), 250);
    eprintln!(
        "25,000 contacts: seeded in {built:?}, paged in {:?}",
        started.elapsed() - built
    );
}
