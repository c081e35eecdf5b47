//! Dedup by source id: within a file (newest wins, ties the later row) and across runs
//! (update in place with an audit trail; identical rows write nothing).

mod common;
use common::*;

const HEADER: &str = "Id,FirstName,LastName,Email,Company,LastModifiedDate\n";

#[tokio::test]
async fn within_a_file_the_newest_version_wins_and_ties_go_to_the_later_row() {
    for db in TestDb::both().await {
        let file = db.write(
            "leads.csv",
            format!(
                "{HEADER}\
                 1,Ann,Old,ann@x.io,A1,2024-01-02T00:00:00Z\n\
                 1,Ann,Newest,ann@x.io,A3,2024-03-01T00:00:00Z\n\
                 1,Ann,Middle,ann@x.io,A2,2024-02-01T00:00:00Z\n\
                 2,Bo,First,bo@x.io,B1,2024-01-01T00:00:00Z\n\
                 2,Bo,Second,bo@x.io,B2,2024-01-01T00:00:00Z\n"
            ),
        );
        let v = import_json(&db, &file, &[], 0);
        assert_eq!(
            (v["inserted"].as_i64(), v["duplicates_merged"].as_i64()),
            (Some(2), Some(3)),
            "{v}"
        );
        let pool = db.pool().await;
        let rows = pool.rows("SELECT l.source_id, r.last_name, r.company FROM record_links l JOIN records r ON r.id = l.record_id ORDER BY 1").await;
        assert_eq!(rows[0][1].as_deref(), Some("Newest"));
        assert_eq!(rows[0][2].as_deref(), Some("A3"));
        assert_eq!(
            rows[1][1].as_deref(),
            Some("Second"),
            "equal timestamps: the later row wins"
        );
        assert_eq!(
            pool.count("SELECT COUNT(*) FROM audit_log").await,
            0,
            "no history for records born in this run"
        );
    }
}

#[tokio::test]
async fn across_runs_known_ids_update_in_place_with_an_audit_trail() {
    for db in TestDb::both().await {
        let v1 = db.write(
            "crm.csv",
            format!("{HEADER}1,Ann,Lee,ann@x.io,Acme,2024-01-01T00:00:00Z\n2,Bo,Chan,bo@x.io,Globex,2024-01-01T00:00:00Z\n"),
        );
        import_json(&db, &v1, &["--source", "crm"], 0);
        let v2 = db.write(
            "crm2.csv",
            format!(
                "{HEADER}1,Ann,Lee,ann@x.io,Acme Corp,2024-02-01T00:00:00Z\n\
                 2,Bo,Chan,bo@x.io,Globex,2024-01-01T00:00:00Z\n\
                 3,Cy,Diaz,cy@x.io,Initech,2024-02-01T00:00:00Z\n"
            ),
        );
        let v = import_json(&db, &v2, &["--source", "crm"], 0);
        assert_eq!(
            (
                v["inserted"].as_i64(),
                v["updated"].as_i64(),
                v["unchanged"].as_i64()
            ),
            (Some(1), Some(1), Some(1)),
            "{v}"
        );
        let pool = db.pool().await;
        assert_eq!(
            pool.count("SELECT COUNT(*) FROM records").await,
            3,
            "updated in place, not duplicated"
        );
        let audit = pool
            .rows("SELECT field, old_value, new_value FROM audit_log ORDER BY field")
            .await;
        assert_eq!(
            audit,
            vec![
                vec![
                    Some("company".into()),
                    Some("Acme".into()),
                    Some("Acme Corp".into())
                ],
                vec![
                    Some("source_modified_at".into()),
                    Some("2024-01-01T00:00:00+00:00".into()),
                    Some("2024-02-01T00:00:00+00:00".into())
                ],
            ]
        );
        let before = pool
            .rows("SELECT CAST(updated_at AS TEXT) FROM records ORDER BY id")
            .await;
        // Re-importing the same file changes nothing.
        let again = import_json(&db, &v2, &["--source", "crm"], 0);
        assert_eq!(again["unchanged"], 3, "{again}");
        assert_eq!(again["updated"], 0);
        assert_eq!(
            pool.rows("SELECT CAST(updated_at AS TEXT) FROM records ORDER BY id")
                .await,
            before
        );
        assert_eq!(pool.count("SELECT COUNT(*) FROM audit_log").await, 2);
    }
}

#[tokio::test]
async fn an_older_export_does_not_overwrite_a_newer_stored_record() {
    let db = TestDb::sqlite();
    let new = db.write(
        "new.csv",
        format!("{HEADER}1,Ann,Lee,ann@x.io,New Co,2024-05-01T00:00:00Z\n"),
    );
    let old = db.write(
        "old.csv",
        format!("{HEADER}1,Ann,Lee,ann@x.io,Old Co,2024-01-01T00:00:00Z\n"),
    );
    import_json(&db, &new, &["--source", "crm"], 0);
    let v = import_json(&db, &old, &["--source", "crm"], 0);
    assert_eq!(v["unchanged"], 1, "{v}");
    assert_eq!(v["stale_skipped"], 1, "{v}");
    let pool = db.pool().await;
    assert_eq!(
        pool.rows("SELECT company FROM records").await[0][0].as_deref(),
        Some("New Co")
    );
}

#[tokio::test]
async fn batch_size_does_not_change_the_outcome() {
    let mut csv = HEADER.to_string();
    for i in 0..300u32 {
        let id = if i % 7 == 3 { i / 2 } else { i };
        csv.push_str(&format!(
            "{id},N{i},L{i},u{id}@x.io,C{i},2024-01-{:02}T00:00:00Z\n",
            1 + (i % 27)
        ));
    }
    let small = TestDb::sqlite();
    let large = TestDb::sqlite();
    let fs = small.write("f.csv", &csv);
    let fl = large.write("f.csv", &csv);
    let a = import_json(&small, &fs, &["--batch-rows", "7"], 0);
    let b = import_json(&large, &fl, &["--batch-rows", "10000"], 0);
    for k in [
        "inserted",
        "updated",
        "unchanged",
        "duplicates_merged",
        "rejected",
    ] {
        assert_eq!(a[k], b[k], "{k}: {a} vs {b}");
    }
    assert_eq!(
        small.pool().await.record_digest().await,
        large.pool().await.record_digest().await
    );
}

/// A load into an empty store drops the secondary index (and on PostgreSQL the link foreign
/// key and the links' record_id indexes) and builds them once at the end: after the import
/// they are back, and serve lookups by email; no phone index is built.
#[tokio::test]
async fn a_fresh_load_leaves_the_email_index_in_place() {
    for db in TestDb::both().await {
        let mut csv = HEADER.to_string();
        for i in 0..50u32 {
            csv.push_str(&format!(
                "{i},N{i},L{i},u{i}@x.io,C{i},2024-01-01T00:00:00Z\n"
            ));
        }
        let file = db.write("f.csv", &csv);
        let v = import_json(&db, &file, &["--batch-rows", "10"], 0);
        assert_eq!(v["inserted"], 50, "{v}");
        let pool = db.pool().await;
        let sql = match db.dialect {
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' \
                 AND name NOT LIKE 'sqlite_autoindex%' ORDER BY 1"
            }
            Dialect::Postgres => {
                "SELECT CAST(indexname AS TEXT) FROM pg_indexes WHERE tablename = 'records' \
                 AND schemaname = current_schema() AND indexname <> 'records_pkey' ORDER BY 1"
            }
        };
        assert_eq!(
            pool.rows(sql).await,
            vec![vec![Some("records_email".to_string())]],
            "{:?}",
            db.dialect
        );
        assert_eq!(
            pool.count("SELECT COUNT(*) FROM records WHERE email = 'u7@x.io'")
                .await,
            1
        );
        // The links' record_id index (deferred too on PostgreSQL) is in place.
        let link_indexes = match db.dialect {
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' \
                 AND tbl_name = 'record_links' AND name LIKE 'record_links_%' ORDER BY 1"
            }
            Dialect::Postgres => {
                "SELECT CAST(indexname AS TEXT) FROM pg_indexes WHERE tablename = 'record_links' \
                 AND schemaname = current_schema() AND indexname LIKE 'record_links_%' \
                 AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' ORDER BY 1"
            }
        };
        let link_index = vec![vec![Some("record_links_record".to_string())]];
        assert_eq!(
            pool.rows(link_indexes).await,
            link_index,
            "{:?}",
            db.dialect
        );
        let link_index_columns = match db.dialect {
            Dialect::Sqlite => {
                "SELECT group_concat(name, ', ') FROM \
                 (SELECT name FROM pragma_index_info('record_links_record') ORDER BY seqno)"
            }
            Dialect::Postgres => {
                "SELECT substring(indexdef from '\\((.*)\\)') FROM pg_indexes \
                 WHERE indexname = 'record_links_record' AND schemaname = current_schema()"
            }
        };
        assert_eq!(
            pool.rows(link_index_columns).await,
            vec![vec![Some("record_id, system".to_string())]],
            "{:?}: one index serves lookups by record and by record and system",
            db.dialect
        );
        let fk = "SELECT COUNT(*) FROM pg_constraint WHERE conname = \
                  'record_links_record_id_fkey' AND conrelid = to_regclass('record_links')";
        if db.dialect == Dialect::Postgres {
            // The link -> record foreign key, dropped for the load, is back.
            assert_eq!(pool.count(fk).await, 1);
        }
        // A kill between the drop and the rebuild leaves them missing; the next open of the
        // store (any command) puts them back.
        pool.execute("DROP INDEX records_email").await;
        if db.dialect == Dialect::Postgres {
            pool.execute("ALTER TABLE record_links DROP CONSTRAINT record_links_record_id_fkey")
                .await;
            assert_eq!(pool.count(fk).await, 0);
            pool.execute("DROP INDEX record_links_record").await;
            assert_eq!(
                pool.rows(link_indexes).await,
                Vec::<Vec<Option<String>>>::new()
            );
        }
        assert_eq!(pool.rows(sql).await, Vec::<Vec<Option<String>>>::new());
        let out = db.crmsync(&["runs"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(
            pool.rows(sql).await,
            vec![vec![Some("records_email".to_string())]],
            "{:?}: index rebuilt on open",
            db.dialect
        );
        if db.dialect == Dialect::Postgres {
            assert_eq!(pool.count(fk).await, 1, "foreign key restored on open");
        }
        assert_eq!(
            pool.rows(link_indexes).await,
            link_index,
            "{:?}: link indexes rebuilt on open",
            db.dialect
        );
    }
}
