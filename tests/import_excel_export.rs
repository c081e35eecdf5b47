//! Spreadsheet imports, exports back out, formula-injection safety and dry runs.

mod common;
use common::*;

#[tokio::test]
async fn bundled_style_workbook_imports_with_title_rows_dates_and_numeric_phones() {
    for db in TestDb::both().await {
        let path = db.path("leads.xlsx");
        let stats = crmsync::sample::write_xlsx(&path, 400, 3).unwrap();
        let v = import_json(&db, &path, &[], 4);
        assert_eq!(v["rows_read"].as_u64(), Some(stats.rows), "{v}");
        assert_eq!(v["blank_rows"].as_u64(), Some(stats.blank), "{v}");
        assert!(v["input"].as_str().unwrap().contains("leads.xlsx"), "{v}");
        let pool = db.pool().await;
        // Phones typed as numbers keep every digit and become E.164.
        let bad = pool
            .count("SELECT COUNT(*) FROM records WHERE phone LIKE '%e%' OR phone LIKE '%.%'")
            .await;
        assert_eq!(bad, 0);
        assert!(
            pool.count("SELECT COUNT(*) FROM records WHERE phone LIKE '+1%'")
                .await
                > 100
        );
        // Header found under the title rows: rejects (rows without an id) point at
        // spreadsheet rows below it, row 4 or later.
        assert!(
            v["rejected"].as_u64().unwrap() > 0,
            "the sample has id-less rows: {v}"
        );
        let first = pool.count("SELECT MIN(row_num) FROM rejects").await;
        assert!(first >= 4, "first reject on row {first}");
        // Date cells and text timestamps both land as timestamps.
        assert_eq!(
            pool.count("SELECT COUNT(*) FROM records WHERE source_modified_at IS NULL")
                .await,
            0,
            "every generated row has a parseable Last Modified Date"
        );
    }
}

#[tokio::test]
async fn corrupt_and_fake_workbooks_fail_cleanly() {
    let db = TestDb::sqlite();
    let good = db.path("good.xlsx");
    crmsync::sample::write_xlsx(&good, 50, 1).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let half = db.write("half.xlsx", &bytes[..bytes.len() / 2]);
    let fake = db.write("fake.xlsx", "Id,Email\n1,a@b.co\n");
    for f in [half, fake] {
        let out = db.crmsync(&["import", f.to_str().unwrap()]);
        let c = code(&out);
        assert!(
            c == 1 || c == 2,
            "exit {c} for {}: {}",
            f.display(),
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(f.file_name().unwrap().to_str().unwrap()),
            "error names the file: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        db.pool().await.count("SELECT COUNT(*) FROM records").await,
        0
    );
}

#[tokio::test]
async fn exports_neutralize_formulas_and_filter_dnc() {
    for db in TestDb::both().await {
        let file = db.write(
            "evil.csv",
            "Id,Email,Company,Phone,Notes\n1,a@x.io,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",+1 415 867 5309,@SUM(A1)\n2,b@x.io,Plain,,-2+3+cmd|' /C calc'!A0\n",
        );
        import_json(&db, &file, &[], 0);
        let out = db.crmsync(&["export", "--out", "out.csv"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = std::fs::read_to_string(db.path("out.csv")).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let header = rdr.headers().unwrap().clone();
        let col = |n: &str| header.iter().position(|h| h == n).unwrap();
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(
            &rows[0][col("company")],
            "'=HYPERLINK(\"http://evil\",\"x\")"
        );
        assert_eq!(&rows[0][col("notes")], "'@SUM(A1)");
        assert_eq!(
            &rows[0][col("phone")],
            "+14158675309",
            "phone numbers stay intact"
        );
        assert_eq!(&rows[1][col("notes")], "'-2+3+cmd|' /C calc'!A0");
        // XLSX: every value is a string cell, so nothing is evaluated.
        let out = db.crmsync(&["export", "--out", "out.xlsx"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let mut reader = crmsync_excel::open(&db.path("out.xlsx"), &Default::default()).unwrap();
        use crmsync_sdk::{Cell, RowEvent, TableReader};
        let company = reader
            .header()
            .names
            .iter()
            .position(|h| h == "company")
            .unwrap();
        let Some(RowEvent::Row(row)) = reader.next_event().unwrap() else {
            panic!("no row")
        };
        assert_eq!(
            row.cells[company],
            Cell::Text("=HYPERLINK(\"http://evil\",\"x\")".into())
        );
    }
}

#[tokio::test]
async fn dry_run_plans_row_by_row_and_writes_nothing() {
    for db in TestDb::both().await {
        let first = db.write(
            "crm.csv",
            "Id,Email,Company\n1,a@x.io,Acme\n2,b@x.io,Globex\n",
        );
        import_json(&db, &first, &[], 0);
        let pool = db.pool().await;
        let before = (
            pool.record_digest().await,
            pool.count("SELECT COUNT(*) FROM runs").await,
        );
        let next = db.write("crm.csv", "Id,Email,Company\n1,a@x.io,Acme Corp\n2,b@x.io,Globex\n3,c@x.io,New\n3,c@x.io,Newer\n,d@x.io,\n");
        let out = db.crmsync(&["import", next.to_str().unwrap(), "--dry-run"]);
        assert_eq!(code(&out), 4, "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("row       2  update 1 (company)"), "{text}");
        assert!(text.contains("row       3  unchanged 2"), "{text}");
        assert!(text.contains("row       4  insert 3"), "{text}");
        assert!(
            text.contains("row       5  duplicate of 3: newer or equal, its values win"),
            "{text}"
        );
        assert!(text.contains("row       6  reject:"), "{text}");
        assert!(text.contains("Dry run of"), "{text}");
        let after = (
            pool.record_digest().await,
            pool.count("SELECT COUNT(*) FROM runs").await,
        );
        assert_eq!(before, after, "a dry run writes nothing");
        let out = db.crmsync(&["import", next.to_str().unwrap(), "--dry-run", "--json"]);
        let v = json(&out);
        assert_eq!(v["dry_run"], true);
        assert_eq!(v["plan"].as_array().unwrap().len(), 5, "{v}");
        assert_eq!(v["updated"], 1);
    }
}
