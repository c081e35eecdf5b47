//! Every row is accounted for, and a killed import rerun ends where an uninterrupted one
//! does — on SQLite and on PostgreSQL.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Expected counts computed independently from the generated file with the csv crate.
fn oracle(path: &std::path::Path) -> (i64, i64, i64, i64) {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let width = rdr.headers().unwrap().len();
    let (mut rows, mut rejected) = (0i64, 0i64);
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rec.len() != width || rec[0].trim().is_empty() {
            rejected += 1;
        } else {
            ids.insert(rec[0].to_string());
        }
    }
    let distinct = ids.len() as i64;
    (rows, distinct, rows - rejected - distinct, rejected)
}

#[tokio::test]
async fn generated_messy_file_balances_on_both_databases() {
    for db in TestDb::both().await {
        let path = db.path("messy.csv");
        let stats =
            crmsync::sample::write_csv(std::fs::File::create(&path).unwrap(), 20_000, 11).unwrap();
        let (rows, distinct, dups, rejected) = oracle(&path);
        let v = import_json(&db, &path, &["--source", "messy"], 4);
        assert_eq!(v["rows_read"].as_i64(), Some(rows), "{v}");
        assert_eq!(v["inserted"].as_i64(), Some(distinct), "{v}");
        assert_eq!(v["duplicates_merged"].as_i64(), Some(dups), "{v}");
        assert_eq!(v["rejected"].as_i64(), Some(rejected), "{v}");
        assert_eq!(v["blank_rows"].as_i64(), Some(stats.blank as i64), "{v}");
        assert!(
            v["invalid_values"].as_i64().unwrap() > 100,
            "the generator writes invalid emails and phones: {v}"
        );
        let pool = db.pool().await;
        assert_eq!(pool.count("SELECT COUNT(*) FROM records").await, distinct);
        assert_eq!(pool.count("SELECT COUNT(*) FROM rejects").await, rejected);
        let run = pool
            .rows("SELECT status, CAST(rows_read AS TEXT), CAST(inserted AS TEXT), CAST(duplicates_merged AS TEXT), CAST(rejected AS TEXT) FROM runs")
            .await;
        assert_eq!(
            run[0],
            vec![
                Some("completed".into()),
                Some(rows.to_string()),
                Some(distinct.to_string()),
                Some(dups.to_string()),
                Some(rejected.to_string())
            ]
        );
        let out = db.crmsync(&["runs", "--json"]);
        let runs = json(&out);
        assert_eq!(runs[0]["counts"]["rows_read"].as_i64(), Some(rows));
    }
}

/// Everything a run leaves behind, keyed by natural keys (surrogate ids may differ).
async fn state(
    pool: &Pool,
) -> (
    Vec<String>,
    Vec<Vec<Option<String>>>,
    Vec<Vec<Option<String>>>,
    Vec<Vec<Option<String>>>,
) {
    let records = pool.record_digest().await;
    let rejects = pool
        .rows("SELECT file, CAST(row_num AS TEXT), col, reason, raw FROM rejects ORDER BY row_num")
        .await;
    let audit = pool
        .rows("SELECT l.source_id, a.field, a.old_value, a.new_value FROM audit_log a JOIN record_links l ON l.record_id = a.record_id ORDER BY 1, 2, 3, 4")
        .await;
    let runs = pool
        .rows("SELECT status, CAST(events_done AS TEXT), CAST(rows_read AS TEXT), CAST(inserted AS TEXT), CAST(updated AS TEXT), CAST(unchanged AS TEXT), CAST(duplicates_merged AS TEXT), CAST(rejected AS TEXT), CAST(dnc_flagged AS TEXT), CAST(invalid_values AS TEXT), CAST(blank_rows AS TEXT) FROM runs ORDER BY id")
        .await;
    (records, rejects, audit, runs)
}

#[tokio::test]
async fn kill_9_then_rerun_equals_an_uninterrupted_run() {
    for (clean, crashed) in TestDb::both().await.into_iter().zip(TestDb::both().await) {
        // A base import first, so the crashed run also exercises updates and the audit log.
        let base = clean.path("base.csv");
        crmsync::sample::write_csv(std::fs::File::create(&base).unwrap(), 3_000, 5).unwrap();
        std::fs::copy(&base, crashed.path("base.csv")).unwrap();
        for db in [&clean, &crashed] {
            import_json(db, &db.path("base.csv"), &["--source", "crm"], 4);
        }
        let file = clean.path("big.csv");
        crmsync::sample::write_csv(std::fs::File::create(&file).unwrap(), 40_000, 9).unwrap();
        std::fs::copy(&file, crashed.path("big.csv")).unwrap();
        let args = [
            "import",
            "big.csv",
            "--source",
            "crm",
            "--batch-rows",
            "400",
            "--json",
        ];
        let reference = clean.crmsync(&args);
        assert_eq!(code(&reference), 4, "{}", stderr(&reference));

        // Kill the second import part-way, at a moment chosen by its committed progress.
        let pool = crashed.pool().await;
        let mut killed_at = 0;
        for attempt in 0..3 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_crmsync"))
                .current_dir(crashed.dir.path())
                .arg("--db")
                .arg(&crashed.url)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let target = 2_000 + 6_000 * attempt;
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let done = pool
                    .count("SELECT COALESCE(MAX(events_done), 0) FROM runs WHERE input = 'big.csv'")
                    .await;
                if done >= target || Instant::now() > deadline {
                    child.kill().unwrap(); // SIGKILL
                    let _ = child.wait();
                    killed_at = done;
                    break;
                }
                if child.try_wait().unwrap().is_some() {
                    break; // finished before we could kill it
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        assert!(killed_at > 0, "the import was never caught part-way");
        let status = pool
            .rows("SELECT status FROM runs WHERE input = 'big.csv'")
            .await;
        assert_eq!(
            status,
            vec![vec![Some("running".to_string())]],
            "the killed run is left resumable"
        );
        let rerun = crashed.crmsync(&args);
        assert_eq!(code(&rerun), 4, "{}", stderr(&rerun));
        let (a, b) = (json(&reference), json(&rerun));
        assert_eq!(b["resumed"], true);
        for k in [
            "rows_read",
            "inserted",
            "updated",
            "unchanged",
            "duplicates_merged",
            "rejected",
            "dnc_flagged",
            "invalid_values",
            "blank_rows",
        ] {
            assert_eq!(a[k], b[k], "{k}: uninterrupted {a} vs resumed {b}");
        }
        let (ra, rb) = (state(&clean.pool().await).await, state(&pool).await);
        assert_eq!(ra.0, rb.0, "records differ");
        assert_eq!(ra.1, rb.1, "rejects differ");
        assert_eq!(ra.2, rb.2, "audit log differs");
        assert_eq!(ra.3, rb.3, "runs differ");
        // And importing the same file again changes nothing.
        let again = json(&crashed.crmsync(&args));
        assert_eq!(
            (again["inserted"].as_i64(), again["updated"].as_i64()),
            (Some(0), Some(0)),
            "{again}"
        );
        let rc = state(&pool).await;
        assert_eq!(rb.0, rc.0);
        assert_eq!(rb.2, rc.2);
    }
}

/// A pooled PostgreSQL connection that sat idle is checked before it is handed out, so one
/// the server dropped meanwhile is replaced instead of failing the next import.
#[tokio::test]
async fn postgres_connections_dropped_while_idle_are_replaced() {
    use crmsync::import::{run_import, ImportOptions, Quiet};
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let app = format!("crmsync_idle_{}", std::process::id());
    let url = format!("{}&application_name={app}", db.url);
    let store = crmsync::store::connect(&url).await.unwrap();
    let first = db.write("first.csv", "Record ID,Email\n1,a@example.com\n");
    let done = run_import(&*store, &ImportOptions::new(&first), &mut Quiet)
        .await
        .unwrap();
    assert_eq!(done.counts.inserted, 1);

    let pool = db.pool().await;
    let dropped = pool
        .count(&format!(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = '{app}'"
        ))
        .await;
    assert!(dropped > 0, "the store kept no connection open to drop");
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let second = db.write("second.csv", "Record ID,Email\n2,b@example.com\n");
    let done = run_import(&*store, &ImportOptions::new(&second), &mut Quiet)
        .await
        .unwrap();
    assert_eq!(done.counts.inserted, 1);
    assert_eq!(pool.count("SELECT COUNT(*) FROM records").await, 2);
}
