//! Tests for SOQL building and field splitting.

use super::*;
use chrono::TimeZone;
use crmsync_sdk::crm::FieldSchema;

fn ts(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn literals() {
    let cases = [
        (ts(1_704_067_200_000), "2024-01-01T00:00:00Z"),
        (ts(1_704_067_200_123), "2024-01-01T00:00:00.123Z"),
    ];
    for (t, want) in cases {
        assert_eq!(datetime_literal(t), want);
    }
    let strings = [
        ("00Q000000000001AAA", "'00Q000000000001AAA'"),
        ("O'Brien", r"'O\'Brien'"),
        (r"a\b", r"'a\\b'"),
        ("x' OR Id != '", r"'x\' OR Id != \''"),
        ("line\nbreak\ttab", r"'line\nbreak\ttab'"),
        ("say \"hi\"", r#"'say \"hi\"'"#),
    ];
    for (raw, want) in strings {
        assert_eq!(string_literal(raw), want, "{raw}");
    }
}

#[test]
fn queries() {
    let fields = names(&["Id", "SystemModstamp", "IsDeleted", "Email"]);
    let t = ts(1_704_067_200_000);
    let cases = [
        (
            full_query("Lead", &fields),
            "SELECT Id, SystemModstamp, IsDeleted, Email FROM Lead ORDER BY SystemModstamp, Id",
        ),
        (
            incremental_query("Lead", &fields, t, Some("00Q000000000001AAA")),
            "SELECT Id, SystemModstamp, IsDeleted, Email FROM Lead WHERE SystemModstamp > \
             2024-01-01T00:00:00Z OR (SystemModstamp = 2024-01-01T00:00:00Z AND Id > \
             '00Q000000000001AAA') ORDER BY SystemModstamp, Id",
        ),
        (
            incremental_query("Contact", &fields, t, None),
            "SELECT Id, SystemModstamp, IsDeleted, Email FROM Contact WHERE SystemModstamp >= \
             2024-01-01T00:00:00Z ORDER BY SystemModstamp, Id",
        ),
        (
            pull_query(
                "Lead",
                &fields,
                &Range {
                    after: Some((t, Some("a"))),
                    until: Some((ts(1_704_067_201_500), "z")),
                },
            ),
            "SELECT Id, SystemModstamp, IsDeleted, Email FROM Lead WHERE (SystemModstamp > \
             2024-01-01T00:00:00Z OR (SystemModstamp = 2024-01-01T00:00:00Z AND Id > 'a')) AND \
             (SystemModstamp < 2024-01-01T00:00:01.500Z OR (SystemModstamp = \
             2024-01-01T00:00:01.500Z AND Id <= 'z')) ORDER BY SystemModstamp, Id",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

#[test]
fn encoding_is_an_upper_bound() {
    assert_eq!(encode_component("a b+c'Z:~"), "a%20b%2Bc%27Z%3A~");
    assert_eq!(encode_component("é"), "%C3%A9");
}

fn field(name: &str, kind: &str) -> FieldSchema {
    FieldSchema {
        name: name.into(),
        label: name.into(),
        kind: kind.into(),
        custom: name.ends_with("__c"),
        unique: false,
        read_only: false,
    }
}

#[test]
fn compound_fields_are_left_out_in_favour_of_their_parts() {
    let schema = ObjectSchema {
        name: "Lead".into(),
        fields: vec![
            field("Id", "id"),
            field("Name", "string"),
            field("FirstName", "string"),
            field("LastName", "string"),
            field("Street", "textarea"),
            field("City", "string"),
            field("Address", "address"),
            field("Geo__c", "location"),
            field("SystemModstamp", "datetime"),
            field("Score__c", "double"),
        ],
    };
    let got = selectable_fields(&schema, &names(&["Name", "Address"]));
    assert_eq!(
        got,
        names(&[
            "Id",
            "SystemModstamp",
            "IsDeleted",
            "FirstName",
            "LastName",
            "Street",
            "City",
            "Score__c"
        ])
    );
}

#[test]
fn short_field_lists_stay_in_one_query() {
    let fields = names(&["Id", "SystemModstamp", "IsDeleted", "Email", "Phone"]);
    let base = "https://acme.my.salesforce.com/services/data/v62.0/queryAll";
    let groups = split_fields(base, &fields, MAX_REQUEST_BYTES, |g| full_query("Lead", g)).unwrap();
    assert_eq!(groups, vec![fields.clone()]);
    // Only the system fields: still one query.
    let groups = split_fields(base, &fields[..3], MAX_REQUEST_BYTES, |g| {
        full_query("Lead", g)
    })
    .unwrap();
    assert_eq!(groups, vec![names(&["Id", "SystemModstamp", "IsDeleted"])]);
}

#[test]
fn long_field_lists_split_and_every_query_fits() {
    let base = "https://acme.my.salesforce.com/services/data/v62.0/queryAll";
    let fields: Vec<String> = (0..1_500)
        .map(|i| format!("Very_Long_Custom_Field_Name_Number_{i:04}__c"))
        .collect();
    let t = ts(1_704_067_200_123);
    let longest = |g: &[String]| {
        pull_query(
            "Lead",
            g,
            &Range {
                after: Some((t, Some("00Q000000000001AAA"))),
                until: Some((t, "00Q000000000001AAA")),
            },
        )
    };
    let groups = split_fields(base, &fields, MAX_REQUEST_BYTES, longest).unwrap();
    assert!(groups.len() > 1, "{} groups", groups.len());
    let mut seen: Vec<String> = Vec::new();
    for group in &groups {
        assert_eq!(
            &group[..3],
            &names(&["Id", "SystemModstamp", "IsDeleted"])[..]
        );
        assert!(request_bytes(base, &longest(group)) <= MAX_REQUEST_BYTES);
        seen.extend(group[3..].iter().cloned());
    }
    assert_eq!(seen, fields, "every field exactly once, in order");
}

#[test]
fn impossible_budgets_are_reported() {
    let base = format!("https://{}.example", "x".repeat(MAX_REQUEST_BYTES));
    let fields = names(&["Email"]);
    assert_eq!(
        split_fields(&base, &fields, MAX_REQUEST_BYTES, |g| full_query("Lead", g)),
        None
    );
}
