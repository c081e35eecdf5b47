//! CSV imports end to end, through the real binary, into SQLite and PostgreSQL.

mod common;
use common::*;

const EDGE_CASES: &str = "\u{feff}Record ID;First Name;Last Name;Email;Phone Number;Company Name;Notes;Last Modified Date\r\n\
1;ALICE;SMITH;  Alice.Smith@Example.COM ;(415) 867-5309;\"Acme; Inc\";\"line one\r\nline \"\"two\"\"\";2024-03-05T10:00:00Z\r\n\
\r\n\
2;bob;jones;bob@example.com;+44 20 7946 0958 ext. 12;Globex;;2024-03-05 11:00:00\r\n\
3;Carol;Ng;carol@;555-01;Initech;;not a date\r\n\
4;Dan;Ray;dan@example.com\r\n\
;Eve;Moe;eve@example.com;;;;\r\n\
5;Fay;Lu;fay@example.com;4158675310;Hooli;;3/5/2024 2:30 PM\r\n";

#[tokio::test]
async fn csv_edge_cases_import_exactly_on_both_databases() {
    for db in TestDb::both().await {
        let file = db.write("edge.csv", EDGE_CASES);
        let v = import_json(&db, &file, &["--source", "edge"], 4);
        assert_eq!(v["rows_read"], 6, "{v}");
        assert_eq!(v["inserted"], 4, "{v}");
        assert_eq!(v["rejected"], 2, "{v}");
        assert_eq!(v["blank_rows"], 1, "{v}");
        assert_eq!(
            v["invalid_values"], 3,
            "email, phone and date of row 3: {v}"
        );
        let pool = db.pool().await;
        let rows = pool
            .rows(
                "SELECT l.source_id, r.first_name, r.last_name, r.email, r.phone, r.phone_ext, \
                 r.company, r.notes FROM record_links l JOIN records r ON r.id = l.record_id \
                 ORDER BY l.source_id",
            )
            .await;
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            rows[0],
            vec![
                s("1"),
                s("Alice"),
                s("Smith"),
                s("alice.smith@example.com"),
                s("+14158675309"),
                None,
                s("Acme; Inc"),
                s("line one\nline \"two\"")
            ]
        );
        assert_eq!(rows[1][4], s("+442079460958"));
        assert_eq!(rows[1][5], s("12"), "extension kept");
        assert_eq!(rows[2][3], None, "invalid email not stored as email");
        let invalid = pool.rows("SELECT CAST(r.invalid AS TEXT) FROM records r JOIN record_links l ON l.record_id = r.id WHERE l.source_id = '3'").await;
        let invalid: serde_json::Value =
            serde_json::from_str(invalid[0][0].as_deref().unwrap()).unwrap();
        assert_eq!(invalid["Email"]["raw"], "carol@");
        assert_eq!(invalid["Phone Number"]["raw"], "555-01");
        assert_eq!(invalid["Last Modified Date"]["raw"], "not a date");
        // Rejects: the ragged row (line 7) and the row with an empty key (line 8).
        let rejects = pool
            .rows("SELECT CAST(row_num AS TEXT), col, reason FROM rejects ORDER BY row_num")
            .await;
        assert_eq!(rejects.len(), 2);
        assert_eq!(rejects[0][0].as_deref(), Some("7"));
        assert!(
            rejects[0][2].as_deref().unwrap().contains("fields"),
            "{rejects:?}"
        );
        assert_eq!(rejects[1][0].as_deref(), Some("8"));
        assert_eq!(rejects[1][1].as_deref(), Some("Record ID"));
        // The rejects file sits next to the database (SQLite) or in the working directory.
        let path = v["rejects_file"].as_str().expect("rejects file path");
        let path = if std::path::Path::new(path).is_absolute() {
            path.into()
        } else {
            db.path(path)
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("file,row,column,reason,raw"));
        assert!(lines.next().unwrap().starts_with("edge.csv,7,"), "{text}");
        assert!(
            text.contains(
                "edge.csv,8,Record ID,\"missing key: the \"\"Record ID\"\" column is empty\""
            ),
            "{text}"
        );
    }
}

#[tokio::test]
async fn utf16_and_windows_1252_files_decode() {
    for db in TestDb::both().await {
        let text = "Id\tFirstName\tLastName\tEmail\n7\tJosé\tMüller\tjose@example.com\n";
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let f16 = db.write("unicode.txt", &utf16);
        let v = import_json(&db, &f16, &["--source", "u16"], 0);
        assert_eq!(v["inserted"], 1, "{v}");
        // Windows-1252: é = 0xE9, ü = 0xFC, € = 0x80.
        let mut cp = b"Id,First Name,Last Name,Email,Notes\n8,Ren".to_vec();
        cp.extend_from_slice(&[0xE9, b',', b'G', 0xFC, b'n', b't', b'h', b'e', b'r']);
        cp.extend_from_slice(b",ren@example.com,costs 5 ");
        cp.push(0x80);
        cp.push(b'\n');
        let fcp = db.write("cp1252.csv", &cp);
        let v = import_json(&db, &fcp, &["--source", "cp"], 0);
        assert_eq!(v["inserted"], 1, "{v}");
        let pool = db.pool().await;
        let names = pool
            .rows("SELECT r.first_name, r.last_name, r.notes FROM records r ORDER BY r.id")
            .await;
        assert_eq!(names[0][0].as_deref(), Some("José"));
        assert_eq!(names[0][1].as_deref(), Some("Müller"));
        assert_eq!(names[1][0].as_deref(), Some("René"));
        assert_eq!(names[1][1].as_deref(), Some("Günther"));
        assert_eq!(names[1][2].as_deref(), Some("costs 5 €"));
    }
}

#[tokio::test]
async fn files_without_an_id_column_derive_keys_from_email_then_phone() {
    for db in TestDb::both().await {
        let file = db.write(
            "badges.csv",
            "Name,E-mail Address,Mobile,Booth\nAnn Lee,ANN@x.io,,B12\nBen Cho,,(212) 736-0182,B7\nNo Contact,,,B1\nAnn Lee,ann@x.io,,B13\n",
        );
        let v = import_json(&db, &file, &[], 4);
        assert_eq!(v["inserted"], 2, "{v}");
        assert_eq!(v["duplicates_merged"], 1, "{v}");
        assert_eq!(v["rejected"], 1, "{v}");
        assert!(
            v["key"].as_str().unwrap().contains("derived from email"),
            "{v}"
        );
        let pool = db.pool().await;
        let keys = pool
            .rows("SELECT system, source_id, key_kind FROM record_links ORDER BY source_id")
            .await;
        let s = |v: &str| Some(v.to_string());
        assert_eq!(keys[0], vec![s("badges"), s("email:ann@x.io"), s("email")]);
        assert_eq!(
            keys[1],
            vec![s("badges"), s("phone:+12127360182"), s("phone")]
        );
        let custom = pool
            .rows("SELECT CAST(custom AS TEXT) FROM records ORDER BY id")
            .await;
        let c: serde_json::Value = serde_json::from_str(custom[0][0].as_deref().unwrap()).unwrap();
        assert_eq!(
            c["Booth"], "B13",
            "unmapped columns are kept; the later duplicate wins"
        );
        let reason = pool.rows("SELECT reason FROM rejects").await;
        assert!(reason[0][0]
            .as_deref()
            .unwrap()
            .contains("no valid email or phone"));
    }
}

#[tokio::test]
async fn key_column_and_mapping_flags_apply() {
    let db = TestDb::sqlite();
    let file = db.write(
        "show.csv",
        "Badge ID,Attendee Mail,Stand\nB-1,a@x.io,North\nB-2,b@x.io,South\n",
    );
    let v = import_json(
        &db,
        &file,
        &[
            "--source",
            "tradeshow_2025",
            "--key-column",
            "Badge ID",
            "--map",
            "Attendee Mail=email",
            "--map",
            "Stand=lead_source",
        ],
        0,
    );
    assert_eq!(v["inserted"], 2);
    let pool = db.pool().await;
    let rows = pool.rows("SELECT l.source_id, r.email, r.lead_source FROM record_links l JOIN records r ON r.id = l.record_id ORDER BY 1").await;
    assert_eq!(
        rows[0],
        vec![
            Some("B-1".into()),
            Some("a@x.io".into()),
            Some("North".into())
        ]
    );
}

#[tokio::test]
async fn usage_errors_exit_2_and_say_what_to_do() {
    let db = TestDb::sqlite();
    let out = db.crmsync(&["import", "does-not-exist.csv"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does-not-exist.csv"),
        "{}",
        stderr(&out)
    );
    let file = db.write("a.csv", "Id,Email\n1,a@x.io\n");
    let out = db.crmsync(&["import", file.to_str().unwrap(), "--key-column", "Badge"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("columns are: Id, Email"),
        "{}",
        stderr(&out)
    );
    let out = db.crmsync(&["import", file.to_str().unwrap(), "--map", "Email=emial"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("unknown field \"emial\""),
        "{}",
        stderr(&out)
    );
    let out = db.crmsync(&["import", file.to_str().unwrap(), "--region", "XX"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let out = crmsync_in(db.dir.path(), "mysql://root@localhost/x", &["runs"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    // Nothing was imported by the failed attempts.
    let out = db.crmsync(&["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["inserted"], 1);
}

#[tokio::test]
async fn garbage_input_never_panics() {
    let db = TestDb::sqlite();
    let mut bytes = b"Id,Email\n".to_vec();
    let mut x: u32 = 12345;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push((x & 0xFF) as u8);
    }
    let file = db.write("garbage.csv", &bytes);
    let out = db.crmsync(&["import", file.to_str().unwrap(), "--json"]);
    // Random bytes after a valid header: read as Windows-1252 text, the rows are mostly
    // ragged or id-less, so the import finishes with rejects, and every row is accounted for.
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let v = json(&out);
    assert_accounting(&v);
    assert!(v["rejected"].as_u64().unwrap() > 0, "{v}");
}
