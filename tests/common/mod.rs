//! Shared test harness: a fresh database per test on SQLite (a real file) and PostgreSQL (a
//! schema of its own on the real server), and helpers to run the real `crmsync` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Default PostgreSQL used in CI and on the project's machines.
pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL schema.
    Postgres,
}

/// A fresh database for one test.
pub struct TestDb {
    pub dialect: Dialect,
    /// URL to hand to crmsync.
    pub url: String,
    /// Working directory for files (and the SQLite database).
    pub dir: tempfile::TempDir,
    schema: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL URL to test against, or None (after printing why) when PostgreSQL tests
/// are not requested outside CI. In CI a missing server fails the test loudly.
pub fn postgres_base_url() -> Option<String> {
    match std::env::var("CRMSYNC_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok() => Some(DEFAULT_PG.to_string()),
        _ => {
            eprintln!(
                "NOTICE: skipping PostgreSQL half of this test: set CRMSYNC_TEST_POSTGRES \
                 (e.g. {DEFAULT_PG}) to run it"
            );
            None
        }
    }
}

impl TestDb {
    /// A new SQLite database file in a temp dir.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("crm.db").display());
        TestDb {
            dialect: Dialect::Sqlite,
            url,
            dir,
            schema: None,
        }
    }

    /// A new, empty schema on the test PostgreSQL server, or None when not requested.
    pub async fn postgres() -> Option<TestDb> {
        let base = postgres_base_url()?;
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let schema = format!("crmsync_t{}_{}", std::process::id(), n);
        let pool = sqlx::PgPool::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is required for this test: {e}"));
        // Test-generated name (digits and letters only), never user input.
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let dir = tempfile::tempdir().expect("tempdir");
        Some(TestDb {
            dialect: Dialect::Postgres,
            url,
            dir,
            schema: Some(schema),
        })
    }

    /// Both databases (PostgreSQL only when available).
    pub async fn both() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite()];
        if let Some(pg) = TestDb::postgres().await {
            v.push(pg);
        }
        v
    }

    /// A path inside the test's temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write a file into the temp dir.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    /// Run `crmsync --db URL ARGS…` in the temp dir.
    pub fn crmsync(&self, args: &[&str]) -> Output {
        crmsync_in(self.dir.path(), &self.url, args)
    }

    /// Run `crmsync --db URL ARGS…` in the temp dir with extra environment variables, off the
    /// async runtime (so in-process emulators keep serving while the binary runs).
    pub async fn crmsync_env(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let dir = self.dir.path().to_path_buf();
        let url = self.url.clone();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let envs: Vec<(String, String)> = envs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_crmsync"))
                .current_dir(&dir)
                .arg("--db")
                .arg(&url)
                .args(&args)
                .envs(envs)
                .env_remove("CRMSYNC_DATABASE_URL")
                .output()
                .expect("run crmsync")
        })
        .await
        .expect("crmsync runner")
    }

    /// A sqlx connection pool on this database, for assertions.
    pub async fn pool(&self) -> Pool {
        match self.dialect {
            Dialect::Sqlite => Pool::Sqlite(sqlx::SqlitePool::connect(&self.url).await.unwrap()),
            Dialect::Postgres => Pool::Postgres(sqlx::PgPool::connect(&self.url).await.unwrap()),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            let base = postgres_base_url().unwrap_or_else(|| DEFAULT_PG.to_string());
            // Best effort: a leftover schema only costs disk.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let pool = sqlx::PgPool::connect(&base).await.ok()?;
                    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(&pool)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// Run the binary with `--db url` in `dir`.
pub fn crmsync_in(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmsync"))
        .current_dir(dir)
        .arg("--db")
        .arg(url)
        .args(args)
        .env_remove("CRMSYNC_DATABASE_URL")
        .output()
        .expect("run crmsync")
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code (panics if killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status
        .code()
        .unwrap_or_else(|| panic!("killed by signal; stderr: {}", stderr(o)))
}

/// Parse `--json` stdout.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(o),
            stderr(o)
        )
    })
}

/// Import and return the JSON summary, asserting the exit code.
pub fn import_json(
    db: &TestDb,
    file: &Path,
    extra: &[&str],
    expect_code: i32,
) -> serde_json::Value {
    let f = file.to_str().unwrap();
    let mut args = vec!["import", f, "--json"];
    args.extend_from_slice(extra);
    let out = db.crmsync(&args);
    assert_eq!(
        code(&out),
        expect_code,
        "stdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    let v = json(&out);
    assert_accounting(&v);
    v
}

/// rows_read = inserted + updated + unchanged + duplicates_merged + rejected.
pub fn assert_accounting(v: &serde_json::Value) {
    let n = |k: &str| {
        v[k].as_i64()
            .unwrap_or_else(|| panic!("{k} missing in {v}"))
    };
    assert_eq!(
        n("rows_read"),
        n("inserted") + n("updated") + n("unchanged") + n("duplicates_merged") + n("rejected"),
        "accounting identity broken: {v}"
    );
}

/// A connection to either database for assertions.
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Pool {
    /// Run a query returning rows of text columns (NULL → None). Casts are up to the caller:
    /// write `CAST(x AS TEXT)` for non-text columns so the text reads the same on both.
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        use sqlx::Row;
        match self {
            Pool::Sqlite(p) => sqlx::query(sql)
                .fetch_all(p)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                        .collect()
                })
                .collect(),
            Pool::Postgres(p) => sqlx::query(sql)
                .fetch_all(p)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                        .collect()
                })
                .collect(),
        }
    }

    /// Run a statement; returns the rows it affected.
    pub async fn execute(&self, sql: &str) -> u64 {
        match self {
            Pool::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|d| d.rows_affected()),
            Pool::Postgres(p) => sqlx::query(sql).execute(p).await.map(|d| d.rows_affected()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// A single integer.
    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        match self {
            Pool::Sqlite(p) => sqlx::query(sql)
                .fetch_one(p)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get::<i64, _>(0),
            Pool::Postgres(p) => sqlx::query(sql)
                .fetch_one(p)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get::<i64, _>(0),
        }
    }

    /// One text value per record, keyed by source id: `source_id|email|phone|…`.
    pub async fn record_digest(&self) -> Vec<String> {
        let sql = "SELECT l.system, l.source_id, l.key_kind, r.first_name, r.last_name, r.email, \
            r.phone, r.phone_ext, r.company, r.title, r.lifecycle_stage, r.city, r.state, r.notes, \
            CAST(r.email_opt_out AS TEXT), CAST(r.do_not_contact AS TEXT), r.dnc_reason, \
            CAST(r.custom AS TEXT), CAST(r.invalid AS TEXT), CAST(r.source_modified_at AS TEXT) \
            FROM record_links l JOIN records r ON r.id = l.record_id ORDER BY l.system, l.source_id";
        self.rows(sql)
            .await
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| c.unwrap_or_else(|| "∅".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }
}

/// Assert two keyed contents are equal, reporting only the first few differences.
pub fn assert_same_content(
    got: &std::collections::BTreeMap<String, Vec<String>>,
    want: &std::collections::BTreeMap<String, Vec<String>>,
    what: &str,
) {
    let mut diffs = Vec::new();
    for (k, w) in want {
        match got.get(k) {
            Some(g) if g == w => {}
            Some(g) => diffs.push(format!("{k}: got {g:?}, want {w:?}")),
            None => diffs.push(format!("{k}: missing")),
        }
    }
    for k in got.keys().filter(|k| !want.contains_key(*k)) {
        diffs.push(format!("{k}: unexpected"));
    }
    assert!(
        diffs.is_empty(),
        "{what}: {} of {} differ (got {} records), e.g.\n{}",
        diffs.len(),
        want.len(),
        got.len(),
        diffs[..diffs.len().min(5)].join("\n")
    );
}

/// A phone as crmsync stores it: E.164 in the US default region, else the trimmed text.
pub fn stored_phone(raw: &str) -> String {
    static PHONES: std::sync::OnceLock<crmsync::normalize::phone::PhoneNormalizer> =
        std::sync::OnceLock::new();
    let phones =
        PHONES.get_or_init(|| crmsync::normalize::phone::PhoneNormalizer::new("US").unwrap());
    phones
        .normalize(raw)
        .map(|p| p.e164)
        .unwrap_or_else(|_| raw.trim().to_string())
}
