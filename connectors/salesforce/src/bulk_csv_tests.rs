//! Tests for Bulk API 2.0 upload CSV.

use std::collections::BTreeMap;

use super::*;

fn record(local_id: i64, fields: &[(&str, Option<&str>)]) -> OutboundRecord {
    OutboundRecord {
        local_id,
        remote_id: None,
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// Parses CSV the way a strict RFC 4180 reader does.
fn parse(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn cells_are_quoted_only_when_needed() {
    let cases = [
        ("plain", "plain"),
        (" spaced ", " spaced "),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rlf", "\"cr\rlf\""),
        ("Zoë Ng 山田", "Zoë Ng 山田"),
    ];
    for (value, want) in cases {
        let mut out = String::new();
        push_cell(&mut out, value);
        assert_eq!(out, want, "{value:?}");
    }
}

#[test]
fn rows_carry_values_nulls_and_untouched_fields() {
    let batch = vec![
        record(
            1,
            &[
                ("LastName", Some("Ng, \"Ada\"\nJr.")),
                ("Phone", None),
                ("Id", Some("00Q000000000001AAA")),
            ],
        ),
        record(2, &[("LastName", Some("Li")), ("Email", Some(""))]),
        record(
            3,
            &[
                ("Crmsync_Id__c", Some("x-3")),
                ("Email", Some("z@é.example")),
            ],
        ),
    ];
    let keys = vec!["1".to_string(), "2".to_string(), "x-3".to_string()];
    let uploads = build_uploads(&batch, &keys, &[0, 1, 2], "Crmsync_Id__c", UPLOAD_MAX_BYTES);
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].positions, vec![0, 1, 2]);
    assert_eq!(
        uploads[0].csv,
        "Email,LastName,Phone,Crmsync_Id__c\n\
         ,\"Ng, \"\"Ada\"\"\nJr.\",#N/A,1\n\
         #N/A,Li,,2\n\
         z@é.example,,,x-3\n"
    );
    assert_eq!(
        parse(&uploads[0].csv),
        vec![
            vec!["Email", "LastName", "Phone", "Crmsync_Id__c"],
            vec!["", "Ng, \"Ada\"\nJr.", "#N/A", "1"],
            vec!["#N/A", "Li", "", "2"],
            vec!["z@é.example", "", "", "x-3"],
        ]
    );
}

#[test]
fn uploads_are_cut_by_size_and_keep_every_row_in_order() {
    let batch: Vec<OutboundRecord> = (0..100)
        .map(|i| {
            let name = format!("Name {i} {}", "x".repeat(i % 7));
            record(i as i64, &[("LastName", Some(name.as_str()))])
        })
        .collect();
    let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
    let positions: Vec<usize> = (0..100).rev().collect();
    let uploads = build_uploads(&batch, &keys, &positions, "Ext__c", 300);
    assert!(uploads.len() > 5, "{} uploads", uploads.len());
    let mut seen = Vec::new();
    for upload in &uploads {
        assert!(upload.csv.len() <= 300, "{}", upload.csv.len());
        assert!(upload.csv.starts_with("LastName,Ext__c\n"));
        let rows = parse(&upload.csv);
        assert_eq!(rows.len(), upload.positions.len() + 1);
        for (row, &p) in rows.iter().skip(1).zip(&upload.positions) {
            assert_eq!(row[1], keys[p]);
        }
        seen.extend(upload.positions.iter().copied());
    }
    assert_eq!(seen, positions);
    // A row bigger than the cap still travels, alone.
    let big = vec![record(1, &[("LastName", Some(&"y".repeat(500)))])];
    let uploads = build_uploads(&big, &["1".to_string()], &[0], "Ext__c", 300);
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].positions, vec![0]);
}
