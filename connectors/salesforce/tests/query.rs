//! SOQL over REST: paging, cursors, filters, ordering, queryAll and error shapes.

mod common;

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use common::{reply, start, Sf};
use crmsync_salesforce::emulator::{seed_leads, Emulator, SeedRecord};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn ids(emu_all: Vec<Value>) -> Vec<String> {
    emu_all
        .iter()
        .map(|r| r["Id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn record_ids(page: &Value) -> Vec<String> {
    page["records"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| r["Id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn seeded(n: usize) -> Sf {
    let start_at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    start(
        Emulator::builder()
            .clock_start(start_at)
            .seed(seed_leads(n, 11)),
    )
    .await
}

#[tokio::test]
async fn five_thousand_leads_page_2000_2000_1000() {
    let sf = seeded(5000).await;
    let first = sf
        .soql("/query", "SELECT Id, Email, SystemModstamp FROM Lead")
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let mut page = first.json();
    let mut sizes = Vec::new();
    let mut seen = HashSet::new();
    loop {
        assert_eq!(page["totalSize"], 5000);
        sizes.push(page["records"].as_array().map_or(0, Vec::len));
        seen.extend(record_ids(&page));
        if page["done"] == true {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        let next = page["nextRecordsUrl"]
            .as_str()
            .expect("next url")
            .to_string();
        let (prefix, offset) = next.rsplit_once('-').expect("locator");
        assert!(
            prefix.starts_with("/services/data/v62.0/query/01g") && prefix.len() == 45,
            "{next}"
        );
        assert_eq!(offset.parse::<usize>().ok(), Some(sizes.iter().sum()));
        page = sf
            .get(&format!("{}{next}", sf.emu.instance_url))
            .await
            .json();
    }
    assert_eq!(sizes, vec![2000, 2000, 1000]);
    assert_eq!(seen.len(), 5000);
    let rec = &first.json()["records"][0];
    assert_eq!(rec["attributes"]["type"], "Lead");
    let url = rec["attributes"]["url"].as_str().unwrap_or("");
    assert_eq!(
        url,
        format!(
            "/services/data/v62.0/sobjects/Lead/{}",
            rec["Id"].as_str().unwrap_or("")
        )
    );
    let keys: Vec<&str> = rec
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(keys.len(), 4);
    assert_eq!(rec["SystemModstamp"], "2024-01-01T00:00:00.000+0000");
}

#[tokio::test]
async fn batch_size_header_and_stable_snapshots() {
    let sf = seeded(700).await;
    let resp = sf
        .http
        .get(sf.data("/query"))
        .query(&[("q", "SELECT Id, LastName FROM Lead ORDER BY Id")])
        .bearer_auth(&sf.token)
        .header("Sforce-Query-Options", "batchSize=300")
        .send()
        .await
        .expect("query");
    let first = reply(resp).await.json();
    assert_eq!(first["records"].as_array().map(Vec::len), Some(300));
    let next = first["nextRecordsUrl"].as_str().expect("next").to_string();
    assert!(next.ends_with("-300"), "{next}");
    // Changes after the query ran do not leak into later pages.
    let all = ids(sf.emu.all("Lead"));
    sf.emu.delete("Lead", &all[400]).expect("delete");
    sf.emu
        .edit("Lead", &all[401], json!({"LastName": "Changed"}))
        .expect("edit");
    let second = sf
        .get(&format!("{}{next}", sf.emu.instance_url))
        .await
        .json();
    assert_eq!(record_ids(&second), all[300..600].to_vec());
    assert_ne!(second["records"][101]["LastName"], "Changed");
    // Re-reading a page (a retry) returns the same records.
    let again = sf
        .get(&format!("{}{next}", sf.emu.instance_url))
        .await
        .json();
    assert_eq!(again, second);
    let bad = sf
        .get(&format!(
            "{}/services/data/v62.0/query/01gAAAAAAAAAAAAAAA-300",
            sf.emu.instance_url
        ))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()[0]["errorCode"], "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn systemmodstamp_cursor_with_id_tie_break() {
    let sf = seeded(10).await;
    let all = ids(sf.emu.all("Lead"));
    let boundary = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    let shared: Vec<&str> = all[2..6].iter().map(String::as_str).collect();
    sf.emu
        .edit_at("Lead", &shared, json!({"Title": "Boundary"}), boundary)
        .expect("edit_at");
    sf.emu
        .edit("Lead", &all[8], json!({"Title": "Later"}))
        .expect("edit");
    let later = sf.emu.record("Lead", &all[8]).expect("record");
    assert_eq!(later["SystemModstamp"], "2024-06-01T00:00:01.000+0000");
    assert_eq!(later["LastModifiedDate"], "2024-06-01T00:00:01.000+0000");
    for literal in ["2024-06-01T00:00:00Z", "2024-06-01T00:00:00.000+0000"] {
        let soql = format!(
            "SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp > {literal} OR \
             (SystemModstamp = {literal} AND Id > '{}') ORDER BY SystemModstamp, Id",
            all[3]
        );
        let page = sf.soql("/query", &soql).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let page = page.json();
        assert_eq!(
            record_ids(&page),
            vec![all[4].clone(), all[5].clone(), all[8].clone()],
            "{literal}"
        );
        assert_eq!(
            page["records"][0]["SystemModstamp"],
            "2024-06-01T00:00:00.000+0000"
        );
    }
    // A raw '+' in the URL decodes to a space: Salesforce rejects the literal.
    let raw = format!(
        "{}?q=SELECT+Id+FROM+Lead+WHERE+SystemModstamp+>+2024-06-01T00:00:00.000+0000",
        sf.data("/query")
    );
    let r = sf.get(&raw).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()[0]["errorCode"], "MALFORMED_QUERY");
    // An automated change moves SystemModstamp only.
    sf.emu.system_touch("Lead", &all[0]).expect("touch");
    let touched = sf.emu.record("Lead", &all[0]).expect("record");
    assert_eq!(touched["SystemModstamp"], "2024-06-01T00:00:02.000+0000");
    assert_eq!(touched["LastModifiedDate"], "2024-01-01T00:00:00.000+0000");
}

#[tokio::test]
async fn query_all_returns_soft_deleted_rows() {
    let sf = seeded(100).await;
    let all = ids(sf.emu.all("Lead"));
    sf.emu.delete("Lead", &all[10]).expect("delete");
    let r = sf
        .call(
            reqwest::Method::DELETE,
            &format!("/sobjects/Lead/{}", all[20]),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(sf.emu.count("Lead"), 98);
    let live = sf.soql("/query", "SELECT COUNT() FROM Lead").await.json();
    assert_eq!(live, json!({"totalSize": 98, "done": true, "records": []}));
    let every = sf
        .soql("/queryAll", "SELECT Id, IsDeleted FROM Lead")
        .await
        .json();
    assert_eq!(every["totalSize"], 100);
    let gone = sf
        .soql(
            "/queryAll",
            "SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true",
        )
        .await
        .json();
    assert_eq!(record_ids(&gone), vec![all[10].clone(), all[20].clone()]);
    assert_eq!(gone["records"][0]["IsDeleted"], true);
    let hidden = sf
        .soql(
            "/query",
            &format!("SELECT Id FROM Lead WHERE Id = '{}'", all[10]),
        )
        .await
        .json();
    assert_eq!(hidden["totalSize"], 0);
    assert_eq!(
        sf.get(&format!("/sobjects/Lead/{}", all[10])).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn filters_ordering_and_compound_fields() {
    let rows = [
        (
            "Ada",
            "Lovelace",
            "Analytical Engines",
            Some("ada@example.com"),
            "Boston",
        ),
        ("Grace", "Hopper", "Navy", None, "Arlington"),
        (
            "Alan",
            "Turing",
            "Bletchley",
            Some("alan@example.org"),
            "London",
        ),
        ("Zoë", "O'Brien", "Acme Corp", Some("zoe@acme.io"), "Dublin"),
    ];
    let seed: Vec<SeedRecord> = rows
        .iter()
        .enumerate()
        .map(|(i, (first, last, company, email, city))| {
            SeedRecord::new(
                "Lead",
                json!({"FirstName": first, "LastName": last, "Company": company, "Email": email,
                       "City": city, "Street": "1 Main St", "NumberOfEmployees": i * 10,
                       "Crmsync_Id__c": format!("X-{i}")}),
            )
        })
        .collect();
    let sf = start(Emulator::builder().seed(seed)).await;
    let names = |page: Value| -> Vec<String> {
        page["records"].as_array().map_or_else(Vec::new, |rs| {
            rs.iter()
                .map(|r| r["LastName"].as_str().unwrap_or("").to_string())
                .collect()
        })
    };
    let cases = [
        ("SELECT LastName FROM Lead WHERE Email = null", vec!["Hopper"]),
        ("SELECT LastName FROM Lead WHERE Email != null ORDER BY LastName DESC", vec!["Turing", "O'Brien", "Lovelace"]),
        ("SELECT LastName FROM Lead WHERE LastName = 'o\\'brien'", vec!["O'Brien"]),
        ("SELECT LastName FROM Lead WHERE Crmsync_Id__c IN ('X-0','X-2') ORDER BY LastName", vec!["Lovelace", "Turing"]),
        ("SELECT LastName FROM Lead WHERE Crmsync_Id__c NOT IN ('X-0','X-2') ORDER BY LastName", vec!["Hopper", "O'Brien"]),
        ("SELECT LastName FROM Lead WHERE Company LIKE 'a%' ORDER BY LastName", vec!["Lovelace", "O'Brien"]),
        ("SELECT LastName FROM Lead WHERE NOT (NumberOfEmployees >= 10 AND NumberOfEmployees < 30)", vec!["Lovelace", "O'Brien"]),
        ("SELECT LastName FROM Lead ORDER BY Email NULLS LAST, LastName LIMIT 2", vec!["Lovelace", "Turing"]),
        ("SELECT LastName FROM Lead ORDER BY Email LIMIT 2 OFFSET 1", vec!["Lovelace", "Turing"]),
        ("select lastname from lead where name = 'zoë o\\'brien'", vec!["O'Brien"]),
    ];
    for (soql, want) in cases {
        let r = sf.soql("/query", soql).await;
        assert_eq!(r.status, StatusCode::OK, "{soql}: {}", r.text);
        assert_eq!(names(r.json()), want, "{soql}");
    }
    let r = sf
        .soql(
            "/query",
            "SELECT Name, Address FROM Lead WHERE LastName = 'Lovelace'",
        )
        .await
        .json();
    assert_eq!(r["records"][0]["Name"], "Ada Lovelace");
    assert_eq!(
        r["records"][0]["Address"],
        json!({"city": "Boston", "country": null, "geocodeAccuracy": null, "latitude": null,
               "longitude": null, "postalCode": null, "state": null, "street": "1 Main St"})
    );
}

#[tokio::test]
async fn query_errors_have_salesforce_shape() {
    let sf = seeded(3).await;
    let cases = [
        (
            "SELECT Id FROM Lead WHERE",
            "MALFORMED_QUERY",
            "\nSELECT Id FROM Lead WHERE\n                         ^\nERROR at Row:1:Column:26\nunexpected token: <EOF>",
        ),
        (
            "SELECT Id, Foo FROM Lead",
            "INVALID_FIELD",
            "\nSELECT Id, Foo FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
        ),
        (
            "SELECT Id FROM Leed",
            "INVALID_TYPE",
            "\nSELECT Id FROM Leed\n               ^\nERROR at Row:1:Column:16\nsObject type 'Leed' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
        ),
        (
            "SELECT Id FROM Lead WHERE SystemModstamp > '2024-01-01T00:00:00Z'",
            "INVALID_FIELD",
            "\nSELECT Id FROM Lead WHERE SystemModstamp > '2024-01-01T00:00:00Z'\n                          ^\nERROR at Row:1:Column:27\nvalue of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3",
            "MALFORMED_QUERY",
            "\nSELECT Id FROM Lead WHERE A = 1 AND B = 2 OR C = 3\n                                          ^\nERROR at Row:1:Column:43\nunexpected token: OR",
        ),
    ];
    for (soql, code, message) in cases {
        let r = sf.soql("/query", soql).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{soql}");
        assert_eq!(
            r.json(),
            json!([{"message": message, "errorCode": code}]),
            "{soql}"
        );
    }
    let missing = sf.get("/query").await;
    assert_eq!(missing.json()[0]["errorCode"], "MALFORMED_QUERY");
    // Request lines over 16,384 bytes are refused before anything else.
    let long = format!(
        "SELECT Id FROM Lead WHERE LastName IN ('{}')",
        vec!["x"; 6000].join("','")
    );
    let r = sf.soql("/query", &long).await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG);
    assert_eq!(r.json()[0]["errorCode"], "URI_TOO_LONG");
}
