//! Unit tests for `search_eval`.

use super::*;
use crate::emulator::schema::schema_for;
use chrono::Utc;
use serde_json::json;

fn record(id: &str, pairs: &[(&str, &str)]) -> Record {
    let now = Utc::now();
    Record {
        id: id.into(),
        properties: pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        created_at: now,
        updated_at: now,
        archived: false,
        archived_at: None,
    }
}

fn plan(filters: serde_json::Value) -> Result<Plan, ApiError> {
    let groups: Vec<WireGroup> = serde_json::from_value(filters).unwrap_or_default();
    Plan::compile(&schema_for("contacts"), groups, Vec::new(), None)
}

#[test]
fn operators() {
    let ada = record(
        "1",
        &[
            ("email", "Ada@Example.com"),
            ("firstname", "Ada"),
            ("lastmodifieddate", "2024-03-01T10:00:00.000Z"),
            ("hs_object_id", "1"),
        ],
    );
    let cases = [
        (
            json!({"propertyName": "email", "operator": "EQ", "value": "ada@example.com"}),
            true,
        ),
        (
            json!({"propertyName": "email", "operator": "NEQ", "value": "ada@example.com"}),
            false,
        ),
        (
            json!({"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1709287200000"}),
            true,
        ),
        (
            json!({"propertyName": "lastmodifieddate", "operator": "GT", "value": "2024-03-01T10:00:00Z"}),
            false,
        ),
        (
            json!({"propertyName": "lastmodifieddate", "operator": "LT", "value": "2024-03-02"}),
            true,
        ),
        (
            json!({"propertyName": "lastmodifieddate", "operator": "BETWEEN", "value": "2024-02-01", "highValue": "2024-03-01T10:00:00Z"}),
            true,
        ),
        (
            json!({"propertyName": "hs_object_id", "operator": "IN", "values": ["3", 1]}),
            true,
        ),
        (
            json!({"propertyName": "hs_object_id", "operator": "NOT_IN", "values": ["1"]}),
            false,
        ),
        (
            json!({"propertyName": "phone", "operator": "HAS_PROPERTY"}),
            false,
        ),
        (
            json!({"propertyName": "phone", "operator": "NOT_HAS_PROPERTY"}),
            true,
        ),
        (
            json!({"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "example"}),
            true,
        ),
        (
            json!({"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@example.com"}),
            true,
        ),
        (
            json!({"propertyName": "email", "operator": "NOT_CONTAINS_TOKEN", "value": "exam"}),
            true,
        ),
        (
            json!({"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}),
            false,
        ),
    ];
    for (filter, want) in cases {
        let compiled = plan(json!([{"filters": [filter.clone()]}]));
        let Ok(compiled) = compiled else {
            panic!("{filter} did not compile");
        };
        assert_eq!(compiled.matches(&ada), want, "{filter}");
    }
}

#[test]
fn groups_or_filters_and() {
    let r = record("1", &[("firstname", "Ada"), ("lastname", "Lovelace")]);
    let eq = |p: &str, v: &str| json!({"propertyName": p, "operator": "EQ", "value": v});
    let both = plan(json!([{"filters": [eq("firstname", "ada"), eq("lastname", "x")]}]));
    assert!(!both.map(|p| p.matches(&r)).unwrap_or(true));
    let either =
        plan(json!([{"filters": [eq("lastname", "x")]}, {"filters": [eq("firstname", "ada")]}]));
    assert!(either.map(|p| p.matches(&r)).unwrap_or(false));
}

#[test]
fn rejects_bad_requests() {
    let f = json!({"propertyName": "email", "operator": "HAS_PROPERTY"});
    let cases = [
        json!([{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}]),
        json!([{"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": "soon"}]}]),
        json!([{"filters": [{"propertyName": "email", "operator": "IN"}]}]),
        json!([{"filters": [f, f, f, f, f, f, f]}]),
        json!([{"filters": []}, {"filters": []}, {"filters": []}, {"filters": []}, {"filters": []}, {"filters": []}]),
    ];
    for case in cases {
        let status = plan(case.clone()).err().map(|e| e.status().as_u16());
        assert_eq!(status, Some(400), "{case}");
    }
}

#[test]
fn sorts_with_missing_last() {
    let a = record("1", &[("lastname", "b")]);
    let b = record("2", &[("lastname", "a")]);
    let c = record("3", &[]);
    let sorts: Vec<WireSort> =
        serde_json::from_value(json!([{"propertyName": "lastname", "direction": "DESCENDING"}]))
            .unwrap_or_default();
    let p = Plan::compile(&schema_for("contacts"), Vec::new(), sorts, None);
    let Ok(p) = p else { panic!("compile failed") };
    let mut rs = vec![&c, &b, &a];
    p.sort(&mut rs);
    let ids: Vec<&str> = rs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec!["1", "2", "3"]);
}
