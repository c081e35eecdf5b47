//! The local SQL store: SQLite (embedded default) or PostgreSQL, chosen once by URL.
//!
//! ## Layout
//!
//! - this file: the [`Store`] and [`StoreTx`] traits, their value types and [`StoreError`].
//! - [`url`]: parsing and redacting database URLs.
//! - `shared`: the query code both dialects run (one text, instantiated per dialect).
//! - [`sqlite`], [`postgres`]: connection setup, migrations and the few dialect-only
//!   statements.
//! - [`sync`]: what the CRM sync engine stores (links with base snapshots, cursors, leases,
//!   conflicts, outbox); `sync_imp` implements it for both dialects.
//! - [`import_tx`]: [`ImportTx`], the batch writes of an import, with a bulk path per
//!   dialect (`sqlite_bulk`: a synchronous SQLite writer; `postgres/copy`: `COPY`).
//!
//! Every statement is static text with bound parameters; column names come from the closed
//! [`crate::model::Field`] list, never from configuration or input.

mod imp;
pub mod import_tx;
pub mod postgres;
mod shared;
pub mod sqlite;
mod sqlite_bulk;
pub mod sync;
mod sync_imp;
pub mod types;
pub mod url;

pub use import_tx::{GeneralImportTx, ImportTx};
pub use types::*;

use crate::model::RecordData;
use crate::normalize::dnc::{DncEntry, DncKind};
use async_trait::async_trait;
use crmsync_sdk::Reject;
use std::sync::Arc;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL is not a database URL crmsync understands.
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://USER@HOST:PORT/DB")]
    BadUrl(String),
    /// Could not connect.
    #[error("cannot open database {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// Cause.
        #[source]
        source: sqlx::Error,
    },
    /// Schema migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// An error of the synchronous SQLite writer used by imports.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Stored data that crmsync cannot read back.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// The store, shared across tasks.
#[async_trait]
pub trait Store: sync::SyncStore + Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn dialect(&self) -> &'static str;
    /// The URL with any password redacted.
    fn display_url(&self) -> &str;
    /// Begin a transaction.
    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>>;
    /// Begin a transaction for an import's batch writes. Dialects with a bulk path override
    /// this; the default wraps [`Store::begin`].
    async fn begin_import(&self) -> StoreResult<Box<dyn ImportTx>> {
        Ok(Box::new(GeneralImportTx(self.begin().await?)))
    }
    /// Called once an import has committed its last batch, before its run is marked finished:
    /// a store that deferred work during a bulk load completes it here (SQLite rebuilds the
    /// secondary indexes it dropped while loading an empty table).
    async fn import_finished(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Whether any record is linked to `system` (used to skip lookups on a fresh import).
    async fn has_links(&self, system: &str, object: &str) -> StoreResult<bool>;

    /// Create a run.
    async fn create_run(&self, run: &NewRun) -> StoreResult<RunRecord>;
    /// The latest unfinished run with this system and fingerprint whose stored
    /// `options.settings` equal `options`, if any.
    async fn find_resumable(
        &self,
        system: &str,
        fingerprint: &str,
        options: &serde_json::Value,
    ) -> StoreResult<Option<RunRecord>>;
    /// Mark a run finished (`completed` / `failed`).
    async fn finish_run(
        &self,
        id: i64,
        status: &str,
        elapsed_ms: i64,
        error: Option<&str>,
    ) -> StoreResult<()>;
    /// Runs, newest first.
    async fn list_runs(&self, limit: i64) -> StoreResult<Vec<RunRecord>>;
    /// One run.
    async fn get_run(&self, id: i64) -> StoreResult<Option<RunRecord>>;
    /// Rejects of a run, in row order.
    async fn rejects(&self, run_id: i64) -> StoreResult<Vec<Reject>>;

    /// Insert or refresh DNC entries; returns how many were new.
    async fn dnc_upsert(&self, entries: &[DncEntry]) -> StoreResult<u64>;
    /// Remove an entry; true if it existed.
    async fn dnc_remove(&self, kind: DncKind, value: &str) -> StoreResult<bool>;
    /// All entries, expired ones included, ordered by kind and value.
    async fn dnc_entries(&self) -> StoreResult<Vec<DncEntry>>;

    /// Records with id > `after_id`, in id order, at most `limit`.
    async fn records_page(&self, after_id: i64, limit: i64) -> StoreResult<Vec<StoredRecord>>;
}

/// One open transaction. Dropping it without [`StoreTx::commit`] rolls it back.
#[async_trait]
pub trait StoreTx: Send {
    /// Existing records linked to `system`/`object` under any of `keys`.
    async fn lookup(
        &mut self,
        system: &str,
        object: &str,
        keys: &[&str],
    ) -> StoreResult<Vec<ExistingRecord>>;
    /// Insert new records with their links.
    async fn insert_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[NewRecord<'_>],
    ) -> StoreResult<()>;
    /// Overwrite a record's data and stamp its link with the run and the input row.
    async fn update_record(
        &mut self,
        ctx: &WriteCtx<'_>,
        record_id: i64,
        link_id: i64,
        data: &RecordData,
        row: u64,
    ) -> StoreResult<()>;
    /// Append audit entries.
    async fn insert_audit(&mut self, ctx: &WriteCtx<'_>, entries: &[AuditEntry])
        -> StoreResult<()>;
    /// Append rejects.
    async fn insert_rejects(&mut self, run_id: i64, rejects: &[Reject]) -> StoreResult<()>;
    /// Save a run's counters and resume cursor.
    async fn save_progress(&mut self, run_id: i64, counts: &RunCounts) -> StoreResult<()>;
    /// Commit.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
    /// Roll back.
    async fn rollback(self: Box<Self>) -> StoreResult<()>;
}

/// Open the store at `url` (creating the SQLite file if needed) and bring its schema up to
/// date.
///
/// # Errors
/// [`StoreError::BadUrl`] for an unknown scheme, [`StoreError::Connect`] when the database
/// cannot be reached, [`StoreError::Migrate`] when the schema cannot be upgraded.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    match url::DbUrl::parse(url)? {
        url::DbUrl::Sqlite(path) => Ok(Arc::new(sqlite::SqliteStore::open(&path).await?)),
        url::DbUrl::Postgres(raw) => Ok(Arc::new(postgres::PgStore::open(&raw).await?)),
    }
}
