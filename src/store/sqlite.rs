//! SQLite: the embedded default (`./crmsync.db`).

use super::imp::impl_store;
use super::sqlite_bulk::{self, SqliteImportTx, WriterSlot};
use super::sync_imp::impl_sync_store;
use super::{ImportTx, StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const DIALECT: &str = "sqlite";

/// Take the write lock at `BEGIN`, so that reading the next free record id and writing it
/// cannot race another process importing into the same file.
const BEGIN_SQL: &str = "BEGIN IMMEDIATE";

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    url: String,
    /// The synchronous connection imports write through.
    writer: Arc<WriterSlot>,
}

impl SqliteStore {
    /// Open (creating if missing) the database file at `path` and migrate it.
    ///
    /// # Errors
    /// [`StoreError::Connect`] or [`StoreError::Migrate`].
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let url = format!("sqlite://{}", path.display());
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL is durable at every commit boundary that matters to us (a crash
            // loses at most the transaction in flight, which the resume cursor replays).
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Connect {
                url: url.clone(),
                source,
            })?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        // An import killed while loading an empty table leaves it without the indexes it
        // was going to build at the end.
        sqlite_bulk::ensure_indexes(&pool).await?;
        Ok(SqliteStore {
            pool,
            url,
            writer: Arc::new(WriterSlot::new(path)),
        })
    }

    /// The underlying pool (for reports and tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// `n` fresh record ids. Safe because the transaction holds SQLite's write lock
/// (`BEGIN IMMEDIATE`), so nobody else can insert between this read and our insert.
async fn alloc_record_ids(tx: &mut Transaction<'static, Sqlite>, n: i64) -> StoreResult<Vec<i64>> {
    let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM records")
        .fetch_one(&mut **tx)
        .await?;
    let first = max.unwrap_or(0) + 1;
    Ok((first..first + n).collect())
}

async fn begin_import(store: &SqliteStore) -> StoreResult<Box<dyn ImportTx>> {
    SqliteImportTx::begin(Arc::clone(&store.writer)).await
}

async fn import_finished(store: &SqliteStore) -> StoreResult<()> {
    sqlite_bulk::finish_load(&store.writer).await
}

/// Keys to look up, as a JSON array in `$3`.
const KEYS_IN: &str = "IN (SELECT value FROM json_each($3))";

impl_store!(SqliteStore, SqliteTx, Sqlite);
impl_sync_store!(SqliteStore, SqliteTx, Sqlite);
