//! SQLite's bulk path for imports: a synchronous connection with cached prepared single-row
//! statements, so that a row costs one bind per value and one step, with no async hop.
//!
//! The connection is opened on first use and kept (with its statement cache) between
//! transactions. Its calls block, so they run through [`blocking`], which tells a
//! multi-threaded tokio runtime to move its other work elsewhere meanwhile.
//!
//! Loading into an empty `records` table, the first batch drops the secondary indexes
//! ([`DEFERRED_INDEXES`]) in its own transaction and [`ensure_indexes`] rebuilds them
//! once the import is done: one sort instead of a million random B-tree inserts, each batch
//! rewriting thousands of index pages. A kill in between leaves the data complete and
//! correct without the indexes; the next open of the store or the end of the next import
//! rebuilds them.
//!
//! ## Layout
//!
//! - this file: the writer connection ([`WriterSlot`]) and the import transaction.
//! - [`checkpoint`]: WAL checkpoints on a thread of their own while the writer writes.
//! - [`codec`]: values between records and SQLite columns.

mod checkpoint;
mod codec;

use super::shared::{prefixed_record_columns, DEFERRED_INDEXES, RECORD_COLUMNS, RECORD_UPDATE_SET};
use super::{
    AuditEntry, ExistingRecord, ImportTx, NewRecord, RecordUpdate, RunCounts, StoreError,
    StoreResult, WriteCtx,
};
use async_trait::async_trait;
use checkpoint::{Checkpointer, Pacing, RESTART_FRAMES};
use codec::{bind_record, record_from_row, ts, NullBinds};
use crmsync_sdk::Reject;
use rusqlite::{Connection, OpenFlags};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Run blocking database work without stalling a multi-threaded runtime's other tasks.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// The import connection of one SQLite store, and its checkpoint thread.
#[derive(Debug)]
pub(super) struct WriterSlot {
    path: PathBuf,
    idle: Mutex<Option<Connection>>,
    /// Started with the first connection.
    checkpoints: OnceLock<Checkpointer>,
}

impl WriterSlot {
    /// A slot for the database file at `path`; nothing is opened yet.
    pub(super) fn new(path: &Path) -> Self {
        WriterSlot {
            path: path.to_path_buf(),
            idle: Mutex::new(None),
            checkpoints: OnceLock::new(),
        }
    }

    fn take(&self) -> StoreResult<Connection> {
        let idle = self.idle.lock().map(|mut g| g.take()).unwrap_or(None);
        match idle {
            Some(conn) => Ok(conn),
            None => {
                let conn = open(&self.path)?;
                let checkpoints = self
                    .checkpoints
                    .get_or_init(|| Checkpointer::start(&self.path, Pacing::default()));
                if !checkpoints.is_off() {
                    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
                }
                Ok(conn)
            }
        }
    }

    /// Before a write transaction on `conn`: let the checkpoint thread catch up when the WAL
    /// is due to start over, or give checkpoints back to the writer if that thread is gone.
    fn before_write(&self, conn: &Connection) -> StoreResult<()> {
        if let Some(checkpoints) = self.checkpoints.get() {
            if checkpoints.is_off() {
                conn.pragma_update(None, "wal_autocheckpoint", RESTART_FRAMES)?;
            } else {
                checkpoints.before_begin();
            }
        }
        Ok(())
    }

    /// After a committed write transaction.
    fn after_commit(&self) {
        if let Some(checkpoints) = self.checkpoints.get() {
            checkpoints.after_commit();
        }
    }

    fn put(&self, conn: Connection) {
        if let Ok(mut g) = self.idle.lock() {
            *g = Some(conn);
        }
    }
}

/// A read-write connection to the store's file (already in WAL mode) as every connection
/// of this module starts: 30 s busy timeout, `synchronous = NORMAL` (commits need no sync in
/// WAL mode; a checkpoint syncs the WAL before copying and the database after).
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Open the writer connection with the settings of the sqlx pool, foreign keys aside (WAL is
/// a property of the file, set when the store was opened).
fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = connect(path)?;
    // This connection only inserts a link right after the record it points to, never changes
    // a link's record and never deletes, so the foreign key cannot break here; checking it
    // would cost a records lookup per link (about a third of the link insert).
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.pragma_update(None, "cache_size", -16384)?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    // Checkpoint every 64 MiB of WAL instead of every 4 (when the checkpoint thread cannot
    // do it): an index page rewritten by many batches is copied once per checkpoint.
    conn.pragma_update(None, "wal_autocheckpoint", RESTART_FRAMES)?;
    conn.set_prepared_statement_cache_capacity(16);
    Ok(conn)
}

/// Rebuild any of [`DEFERRED_INDEXES`] that is missing, on the writer connection (whose
/// cache holds much of the table just loaded).
pub(super) async fn finish_load(slot: &WriterSlot) -> StoreResult<()> {
    blocking(|| {
        let conn = slot.take()?;
        let done = (|| {
            for (name, create, _) in DEFERRED_INDEXES {
                let found = conn
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' \
                         AND name = ?1)",
                    )?
                    .query_row([name], |r| r.get::<_, bool>(0))?;
                if !found {
                    slot.before_write(&conn)?;
                    conn.execute_batch(create)?;
                    slot.after_commit();
                }
            }
            Ok(())
        })();
        slot.put(conn);
        done
    })
}

/// Rebuild any of [`DEFERRED_INDEXES`] that is missing, through the sqlx pool (when the
/// store is opened).
pub(super) async fn ensure_indexes(pool: &SqlitePool) -> StoreResult<()> {
    for (name, create, _) in DEFERRED_INDEXES {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'index' AND name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?;
        if found.is_none() {
            sqlx::query(create).execute(pool).await?;
        }
    }
    Ok(())
}

fn lookup_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT l.source_id, l.id, l.record_id, l.last_run_id, l.source_file, l.source_row, \
             r.created_run_id, {} FROM record_links l JOIN records r ON r.id = l.record_id \
             WHERE l.system = ?1 AND l.object = ?2 \
             AND l.source_id IN (SELECT value FROM json_each(?3))",
            prefixed_record_columns("r")
        )
    })
}

/// Rows per multi-row INSERT: one statement step per this many rows instead of one per
/// row, at well under SQLite's 32,766 parameters.
///
/// The inserts say `OR ROLLBACK`: a multi-row statement that may abort half way needs a
/// statement journal (a copy of every page it touches, a few per cent of the writer's time),
/// and an import ends a failed batch's transaction anyway, so a constraint failure may as
/// well roll the whole transaction back at once.
const ROWS_PER_INSERT: usize = 16;

/// Data columns of a `records` row.
fn record_width() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| RECORD_COLUMNS.split(',').count())
}

/// An INSERT of `rows` records. Binds: object, run, time (created and updated), then per
/// row its id and data columns from `?4` on ([`record_width`] + 1 each).
fn insert_records_sql(rows: usize) -> String {
    let per_row = record_width() + 1;
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let first = 4 + r * per_row;
            let data: Vec<String> = (first + 1..first + per_row)
                .map(|i| format!("?{i}"))
                .collect();
            format!("(?{first}, ?1, ?2, ?3, ?3, {})", data.join(", "))
        })
        .collect();
    format!(
        "INSERT OR ROLLBACK INTO records (id, object, created_run_id, created_at, updated_at, \
         {RECORD_COLUMNS}) VALUES {}",
        tuples.join(", ")
    )
}

/// An INSERT of `rows` links. Binds: system, object, run, input, then per row its record
/// id, source id, key kind and input row from `?5` on (4 each).
fn insert_links_sql(rows: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let f = 5 + r * 4;
            format!("(?{f}, ?1, ?2, ?{}, ?{}, ?3, ?4, ?{})", f + 1, f + 2, f + 3)
        })
        .collect();
    format!(
        "INSERT OR ROLLBACK INTO record_links (record_id, system, object, source_id, key_kind, \
         last_run_id, source_file, source_row) VALUES {}",
        tuples.join(", ")
    )
}

/// The statements for a full chunk and for a single row, built once.
fn insert_sql() -> &'static [[String; 2]; 2] {
    static SQL: OnceLock<[[String; 2]; 2]> = OnceLock::new();
    SQL.get_or_init(|| {
        [
            [
                insert_records_sql(ROWS_PER_INSERT),
                insert_links_sql(ROWS_PER_INSERT),
            ],
            [insert_records_sql(1), insert_links_sql(1)],
        ]
    })
}

/// `RECORD_UPDATE_SET` with SQLite's positional parameters: `?1` is the id, the data columns
/// `?2..`, the update time last.
fn update_record_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "UPDATE records SET {} WHERE id = ?1",
            RECORD_UPDATE_SET.replace('$', "?")
        )
    })
}

const UPDATE_LINK_SQL: &str =
    "UPDATE record_links SET last_run_id = ?2, source_file = ?3, source_row = ?4 WHERE id = ?1";

const INSERT_AUDIT_SQL: &str = "INSERT INTO audit_log (run_id, record_id, system, field, \
    old_value, new_value, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

const INSERT_REJECT_SQL: &str =
    "INSERT INTO rejects (run_id, file, row_num, col, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

const SAVE_PROGRESS_SQL: &str = "UPDATE runs SET events_done = ?2, rows_read = ?3, \
    inserted = ?4, updated = ?5, unchanged = ?6, duplicates_merged = ?7, rejected = ?8, \
    dnc_flagged = ?9, invalid_values = ?10, blank_rows = ?11, stale_skipped = ?12 WHERE id = ?1";

fn row_num(row: u64) -> i64 {
    i64::try_from(row).unwrap_or(i64::MAX)
}

/// An import transaction on the writer connection.
pub(super) struct SqliteImportTx {
    conn: Option<Connection>,
    slot: Arc<WriterSlot>,
}

impl SqliteImportTx {
    /// Begin, taking SQLite's write lock at once (`BEGIN IMMEDIATE`, like the sqlx store), so
    /// that lookups and writes see one state no other writer changes.
    pub(super) async fn begin(slot: Arc<WriterSlot>) -> StoreResult<Box<dyn ImportTx>> {
        blocking(|| {
            let conn = slot.take()?;
            if let Err(e) = slot.before_write(&conn) {
                slot.put(conn);
                return Err(e);
            }
            match conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => Ok(Box::new(SqliteImportTx {
                    conn: Some(conn),
                    slot,
                }) as Box<dyn ImportTx>),
                Err(e) => {
                    slot.put(conn);
                    Err(e.into())
                }
            }
        })
    }

    fn conn(&self) -> StoreResult<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| StoreError::Corrupt("import transaction already finished".into()))
    }

    /// End the transaction with `sql` and hand the connection back.
    fn finish(&mut self, sql: &str) -> StoreResult<()> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        let done = conn.execute_batch(sql);
        if !conn.is_autocommit() {
            // A failed COMMIT can leave the transaction open: never hand it on like that.
            let _ = conn.execute_batch("ROLLBACK");
        } else if done.is_ok() && sql == "COMMIT" {
            self.slot.after_commit();
        }
        self.slot.put(conn);
        Ok(done?)
    }
}

impl Drop for SqliteImportTx {
    fn drop(&mut self) {
        if self.conn.is_some() {
            let _ = blocking(|| self.finish("ROLLBACK"));
        }
    }
}

/// Drop [`DEFERRED_INDEXES`] when `records` is empty (see the module docs).
fn defer_indexes_if_empty(conn: &Connection) -> StoreResult<()> {
    let any: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM records)")?
        .query_row([], |r| r.get(0))?;
    if !any {
        for (_, _, drop) in DEFERRED_INDEXES {
            conn.execute_batch(drop)?;
        }
    }
    Ok(())
}

#[async_trait]
impl ImportTx for SqliteImportTx {
    async fn lookup(
        &mut self,
        system: &str,
        object: &str,
        keys: &[&str],
    ) -> StoreResult<Vec<ExistingRecord>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys_json =
            serde_json::to_string(keys).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let conn = self.conn()?;
        blocking(|| {
            let mut stmt = conn.prepare_cached(lookup_sql())?;
            let mut rows = stmt.query(rusqlite::params![system, object, keys_json])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(ExistingRecord {
                    source_id: row.get(0)?,
                    link_id: row.get(1)?,
                    record_id: row.get(2)?,
                    last_run_id: row.get(3)?,
                    source_file: row.get(4)?,
                    source_row: row.get(5)?,
                    created_run_id: row.get(6)?,
                    data: record_from_row(row, 7)?,
                });
            }
            Ok(out)
        })
    }

    async fn insert_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[NewRecord<'_>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let conn = self.conn()?;
        let now = ts(ctx.now);
        blocking(|| {
            defer_indexes_if_empty(conn)?;
            // Ids are given, not left to SQLite, so that a multi-row insert's links know
            // their records: the transaction holds the write lock, so nobody else takes
            // the ids after the current largest.
            let mut next_id: i64 = conn
                .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM records")?
                .query_row([], |r| r.get(0))?;
            let per_row = record_width() + 1;
            let full = rows.len() - rows.len() % ROWS_PER_INSERT;
            let (chunks, rest) = rows.split_at(full);
            let [chunked, single] = insert_sql();
            for (group, sql, size) in [(chunks, chunked, ROWS_PER_INSERT), (rest, single, 1)] {
                if group.is_empty() {
                    continue;
                }
                let mut rec = conn.prepare_cached(&sql[0])?;
                let mut link = conn.prepare_cached(&sql[1])?;
                let mut nulls = NullBinds::cleared(&mut rec);
                // A binding stays until it is replaced, so what every row shares is bound
                // once.
                rec.raw_bind_parameter(1, ctx.object)?;
                rec.raw_bind_parameter(2, ctx.run_id)?;
                rec.raw_bind_parameter(3, now.as_str())?;
                link.raw_bind_parameter(1, ctx.system)?;
                link.raw_bind_parameter(2, ctx.object)?;
                link.raw_bind_parameter(3, ctx.run_id)?;
                link.raw_bind_parameter(4, ctx.source_file)?;
                for chunk in group.chunks(size) {
                    for (i, r) in chunk.iter().enumerate() {
                        let id = next_id + i as i64;
                        let first = 4 + i * per_row;
                        rec.raw_bind_parameter(first, id)?;
                        bind_record(&mut rec, &mut nulls, first + 1, r.data)?;
                        let f = 5 + i * 4;
                        link.raw_bind_parameter(f, id)?;
                        link.raw_bind_parameter(f + 1, r.source_id)?;
                        link.raw_bind_parameter(f + 2, r.key_kind.as_str())?;
                        link.raw_bind_parameter(f + 3, row_num(r.row))?;
                    }
                    rec.raw_execute()?;
                    link.raw_execute()?;
                    next_id += chunk.len() as i64;
                }
            }
            Ok(())
        })
    }

    async fn update_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[RecordUpdate<'_>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let conn = self.conn()?;
        let now = ts(ctx.now);
        let last = 2 + RECORD_COLUMNS.split(',').count();
        blocking(|| {
            let mut rec = conn.prepare_cached(update_record_sql())?;
            let mut link = conn.prepare_cached(UPDATE_LINK_SQL)?;
            let mut nulls = NullBinds::cleared(&mut rec);
            for u in rows {
                rec.raw_bind_parameter(1, u.record_id)?;
                bind_record(&mut rec, &mut nulls, 2, u.data)?;
                rec.raw_bind_parameter(last, now.as_str())?;
                rec.raw_execute()?;
                link.execute(rusqlite::params![
                    u.link_id,
                    ctx.run_id,
                    ctx.source_file,
                    row_num(u.row)
                ])?;
            }
            Ok(())
        })
    }

    async fn insert_audit(
        &mut self,
        ctx: &WriteCtx<'_>,
        entries: &[AuditEntry],
    ) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let conn = self.conn()?;
        let now = ts(ctx.now);
        blocking(|| {
            let mut stmt = conn.prepare_cached(INSERT_AUDIT_SQL)?;
            for e in entries {
                stmt.execute(rusqlite::params![
                    ctx.run_id,
                    e.record_id,
                    ctx.system,
                    e.field,
                    e.old_value,
                    e.new_value,
                    now
                ])?;
            }
            Ok(())
        })
    }

    async fn insert_rejects(&mut self, run_id: i64, rejects: &[Reject]) -> StoreResult<()> {
        if rejects.is_empty() {
            return Ok(());
        }
        let conn = self.conn()?;
        blocking(|| {
            let mut stmt = conn.prepare_cached(INSERT_REJECT_SQL)?;
            for r in rejects {
                stmt.execute(rusqlite::params![
                    run_id,
                    r.file,
                    row_num(r.row),
                    r.column,
                    r.reason,
                    r.raw
                ])?;
            }
            Ok(())
        })
    }

    async fn save_progress(&mut self, run_id: i64, c: &RunCounts) -> StoreResult<()> {
        let conn = self.conn()?;
        blocking(|| {
            conn.prepare_cached(SAVE_PROGRESS_SQL)?
                .execute(rusqlite::params![
                    run_id,
                    c.events_done,
                    c.rows_read,
                    c.inserted,
                    c.updated,
                    c.unchanged,
                    c.duplicates_merged,
                    c.rejected,
                    c.dnc_flagged,
                    c.invalid_values,
                    c.blank_rows,
                    c.stale_skipped
                ])?;
            Ok(())
        })
    }

    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        blocking(|| self.finish("COMMIT"))
    }

    async fn rollback(mut self: Box<Self>) -> StoreResult<()> {
        blocking(|| self.finish("ROLLBACK"))
    }
}
