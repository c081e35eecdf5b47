//! The write side of an import: [`ImportTx`], one transaction of batch writes.
//!
//! An import writes many rows per transaction and nothing else, so each dialect may give it a
//! faster path than the general [`StoreTx`] (SQLite: a synchronous connection with cached
//! prepared statements; PostgreSQL: `COPY`). Stores without one get [`GeneralImportTx`],
//! which forwards to [`StoreTx`].

use super::{
    AuditEntry, ExistingRecord, NewRecord, RecordUpdate, RunCounts, StoreResult, StoreTx, WriteCtx,
};
use async_trait::async_trait;
use crmsync_sdk::Reject;

/// One open import transaction. Dropping it without [`ImportTx::commit`] rolls it back.
///
/// Everything written through one transaction commits together: records, links, audit
/// entries, rejects and the run's counters with its resume cursor.
#[async_trait]
pub trait ImportTx: Send {
    /// Existing records linked to `system`/`object` under any of `keys`, as this transaction
    /// sees them (its own earlier writes included).
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
    /// Overwrite records' data and stamp their links with the run and the input row.
    async fn update_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[RecordUpdate<'_>],
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

/// An import transaction made of a general [`StoreTx`], for stores without a bulk path.
pub struct GeneralImportTx(pub Box<dyn StoreTx>);

#[async_trait]
impl ImportTx for GeneralImportTx {
    async fn lookup(
        &mut self,
        system: &str,
        object: &str,
        keys: &[&str],
    ) -> StoreResult<Vec<ExistingRecord>> {
        self.0.lookup(system, object, keys).await
    }

    async fn insert_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[NewRecord<'_>],
    ) -> StoreResult<()> {
        self.0.insert_records(ctx, rows).await
    }

    async fn update_records(
        &mut self,
        ctx: &WriteCtx<'_>,
        rows: &[RecordUpdate<'_>],
    ) -> StoreResult<()> {
        for u in rows {
            self.0
                .update_record(ctx, u.record_id, u.link_id, u.data, u.row)
                .await?;
        }
        Ok(())
    }

    async fn insert_audit(
        &mut self,
        ctx: &WriteCtx<'_>,
        entries: &[AuditEntry],
    ) -> StoreResult<()> {
        self.0.insert_audit(ctx, entries).await
    }

    async fn insert_rejects(&mut self, run_id: i64, rejects: &[Reject]) -> StoreResult<()> {
        self.0.insert_rejects(run_id, rejects).await
    }

    async fn save_progress(&mut self, run_id: i64, counts: &RunCounts) -> StoreResult<()> {
        self.0.save_progress(run_id, counts).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.0.commit().await
    }

    async fn rollback(self: Box<Self>) -> StoreResult<()> {
        self.0.rollback().await
    }
}
