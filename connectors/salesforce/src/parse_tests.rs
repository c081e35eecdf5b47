//! Tests for the wire-format readers.

use super::*;
use chrono::TimeZone;
use serde_json::json;

#[test]
fn datetimes() {
    let at = |ms: i64| Utc.timestamp_millis_opt(ms).single();
    let cases = [
        ("2013-05-07T22:07:19.000+0000", at(1_367_964_439_000)),
        ("2013-05-07T22:07:19.123+0000", at(1_367_964_439_123)),
        ("2013-05-07T22:07:19.000Z", at(1_367_964_439_000)),
        ("2013-05-07T22:07:19Z", at(1_367_964_439_000)),
        ("2013-05-08T00:07:19.000+02:00", at(1_367_964_439_000)),
        ("2013-05-07T17:07:19-0500", at(1_367_964_439_000)),
        ("2013-05-07", None),
        ("2013-05-07T22:07:19", None),
        ("not a date", None),
        ("", None),
    ];
    for (text, want) in cases {
        assert_eq!(parse_datetime(text), want, "{text}");
    }
}

#[test]
fn query_rows_become_records() {
    let row = json!({
        "attributes": {"type": "Lead", "url": "/services/data/v62.0/sobjects/Lead/00Q1"},
        "Id": "00Q000000000001AAA",
        "SystemModstamp": "2024-03-01T10:00:00.250+0000",
        "IsDeleted": false,
        "Email": "a@example.com",
        "Phone": null,
        "AnnualRevenue": 12.5,
        "NumberOfEmployees": 40,
        "HasOptedOutOfEmail": true,
        "Address": {"street": "1 Main St", "city": "Springfield", "country": null,
                    "geocodeAccuracy": null},
        "Owner": {"attributes": {"type": "User"}, "Name": "Ann Admin"}
    });
    let rec = record_from_json("Lead", &row).unwrap();
    assert_eq!(rec.id, "00Q000000000001AAA");
    assert_eq!(rec.object, "Lead");
    assert!(!rec.deleted);
    assert_eq!(
        rec.modified_at,
        Utc.timestamp_millis_opt(1_709_287_200_250).single()
    );
    let want: Vec<(&str, Option<&str>)> = vec![
        ("Address.city", Some("Springfield")),
        ("Address.country", None),
        ("Address.geocodeAccuracy", None),
        ("Address.street", Some("1 Main St")),
        ("AnnualRevenue", Some("12.5")),
        ("Email", Some("a@example.com")),
        ("HasOptedOutOfEmail", Some("true")),
        ("Id", Some("00Q000000000001AAA")),
        ("IsDeleted", Some("false")),
        ("NumberOfEmployees", Some("40")),
        ("Owner.Name", Some("Ann Admin")),
        ("Phone", None),
        ("SystemModstamp", Some("2024-03-01T10:00:00.250+0000")),
    ];
    let got: Vec<(&str, Option<&str>)> = rec
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn deleted_rows_and_malformed_rows() {
    let del = json!({"attributes": {}, "Id": "00Q2", "IsDeleted": true,
                     "SystemModstamp": "2024-03-01T10:00:00.000+0000"});
    assert!(record_from_json("Lead", &del).unwrap().deleted);
    let no_stamp = json!({"Id": "00Q3", "SystemModstamp": "garbage"});
    assert_eq!(
        record_from_json("Lead", &no_stamp).unwrap().modified_at,
        None
    );
    for bad in [
        json!([1, 2]),
        json!({"Email": "x"}),
        json!({"Id": 5}),
        json!(null),
    ] {
        assert_eq!(record_from_json("Lead", &bad), None, "{bad}");
    }
}

#[test]
fn query_pages() {
    let page: QueryPage = serde_json::from_str(
        r#"{"totalSize": 3, "done": false, "nextRecordsUrl": "/services/data/v62.0/query/01gX-2000",
            "records": [{"Id": "a"}]}"#,
    )
    .unwrap();
    assert_eq!(page.total_size, 3);
    assert!(!page.done);
    assert_eq!(
        page.next_records_url.as_deref(),
        Some("/services/data/v62.0/query/01gX-2000")
    );
    assert_eq!(page.records.len(), 1);
}

#[test]
fn limit_info() {
    let cases = [
        ("api-usage=18/15000", Some((18, 15_000))),
        ("api-usage=18/15000, api-bursts=1/100", Some((18, 15_000))),
        ("api-bursts=1/100; api-usage=7/10", Some((7, 10))),
        ("API-Usage = 3 / 4", Some((3, 4))),
        ("api-usage=x/10", None),
        ("api-usage=5", None),
        ("", None),
    ];
    for (text, want) in cases {
        let got = parse_limit_info(text).map(|u| (u.used, u.max));
        assert_eq!(got, want, "{text}");
    }
    let usage = ApiUsage { used: 50, max: 100 };
    assert!(usage.at_or_over(50));
    assert!(!usage.at_or_over(51));
    assert!(ApiUsage {
        used: u64::MAX,
        max: u64::MAX
    }
    .at_or_over(100));
}

#[test]
fn error_bodies() {
    let cases = [
        (
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
            Some(("INVALID_SESSION_ID", "Session expired or invalid")),
        ),
        (
            r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED","fields":[]},{"message":"x","errorCode":"Y"}]"#,
            Some(("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")),
        ),
        (
            r#"{"errorCode":"NOT_FOUND","message":"gone"}"#,
            Some(("NOT_FOUND", "gone")),
        ),
        (
            r#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#,
            Some(("invalid_grant", "expired access/refresh token")),
        ),
        ("[]", None),
        ("<html>502</html>", None),
        (r#"{"unexpected": 1}"#, None),
    ];
    for (body, want) in cases {
        let got = parse_error_body(body);
        let got = got.as_ref().map(|(c, m)| (c.as_str(), m.as_str()));
        assert_eq!(got, want, "{body}");
    }
}

#[test]
fn describe() {
    let body = json!({
        "name": "Lead",
        "fields": [
            {"name": "Id", "label": "Lead ID", "type": "id", "custom": false,
             "updateable": false, "createable": false},
            {"name": "Name", "label": "Full Name", "type": "string", "updateable": false,
             "createable": false},
            {"name": "LastName", "label": "Last Name", "type": "string", "updateable": true,
             "createable": true, "compoundFieldName": "Name"},
            {"name": "City", "label": "City", "type": "string", "updateable": true,
             "createable": true, "compoundFieldName": "Address"},
            {"name": "Address", "label": "Address", "type": "address"},
            {"name": "Crmsync_Id__c", "label": "crmsync id", "type": "string", "custom": true,
             "externalId": true, "unique": true, "updateable": true, "createable": true},
            {"label": "nameless"}
        ]
    })
    .to_string();
    let d = parse_describe(&body).unwrap();
    assert_eq!(d.schema.name, "Lead");
    assert_eq!(
        d.compound_parents,
        vec!["Name".to_string(), "Address".to_string()]
    );
    assert_eq!(d.external_ids, vec!["Crmsync_Id__c".to_string()]);
    let summary: Vec<(&str, &str, bool, bool, bool)> = d
        .schema
        .fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.kind.as_str(),
                f.custom,
                f.unique,
                f.read_only,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("Id", "id", false, true, true),
            ("Name", "string", false, false, true),
            ("LastName", "string", false, false, false),
            ("City", "string", false, false, false),
            ("Address", "address", false, false, true),
            ("Crmsync_Id__c", "string", true, true, false),
        ]
    );
    assert_eq!(parse_describe("{\"fields\": []}"), None);
    assert_eq!(parse_describe("nope"), None);
}

#[test]
fn bulk_query_csv() {
    let text = "\"Id\",\"SystemModstamp\",\"IsDeleted\",\"Email\",\"Description\"\n\
                \"00Q1\",\"2024-03-01T10:00:00.250Z\",\"false\",\"a@example.com\",\"line one\nline two\"\n\
                \"00Q2\",\"2024-03-01T10:00:01.000Z\",\"true\",\"\",\"\"\n\
                \"\",\"2024-03-01T10:00:01.000Z\",\"false\",\"x\",\"\"\n";
    let recs = records_from_csv("Lead", text).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].id, "00Q1");
    assert_eq!(
        recs[0].modified_at,
        Utc.timestamp_millis_opt(1_709_287_200_250).single()
    );
    assert!(!recs[0].deleted);
    assert_eq!(
        recs[0].fields["Description"].as_deref(),
        Some("line one\nline two")
    );
    assert_eq!(recs[1].fields["Email"], None);
    assert!(recs[1].deleted);
}
