//! The store's side of CRM sync: record links with their base snapshots, cursors and leases
//! in `sync_state`, the `conflict_log` and the `outbox`.
//!
//! Implemented once for both dialects in `sync_imp` (same pattern as the import queries).

use super::{StoreResult, StoreTx};
use crate::model::RecordData;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A local record linked to a CRM record.
#[derive(Debug, Clone)]
pub struct LinkedRecord {
    /// Link id.
    pub link_id: i64,
    /// Record id.
    pub record_id: i64,
    /// The CRM id.
    pub source_id: String,
    /// The CRM object of the link (`contacts`, `Lead`…).
    pub object: String,
    /// Base snapshot (JSON object), `None` before the first sync.
    pub base: Option<serde_json::Value>,
    /// Whether the CRM record was deleted.
    pub deleted: bool,
    /// The record's data.
    pub data: RecordData,
    /// When crmsync last changed the record.
    pub updated_at: DateTime<Utc>,
}

/// A local record considered for a push, with its link to the target system if any.
#[derive(Debug, Clone)]
pub struct PushCandidate {
    /// Record id.
    pub record_id: i64,
    /// The record's data.
    pub data: RecordData,
    /// The link to the target system.
    pub link: Option<CandidateLink>,
}

/// The target-system link of a [`PushCandidate`].
#[derive(Debug, Clone)]
pub struct CandidateLink {
    /// Link id.
    pub link_id: i64,
    /// The CRM object.
    pub object: String,
    /// The CRM id.
    pub source_id: String,
    /// Base snapshot.
    pub base: Option<serde_json::Value>,
    /// Deleted in the CRM.
    pub deleted: bool,
}

/// A queued push.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    /// Outbox row id.
    pub id: i64,
    /// Record id.
    pub record_id: i64,
    /// The CRM object to write.
    pub object: String,
    /// Canonical values to send (JSON object of field name → value).
    pub fields: serde_json::Value,
    /// Attempts so far.
    pub attempts: i32,
    /// The CRM id when linked.
    pub remote_id: Option<String>,
    /// The link id when linked.
    pub link_id: Option<i64>,
    /// The link's base.
    pub base: Option<serde_json::Value>,
}

/// A conflict row to append.
#[derive(Debug, Clone)]
pub struct NewConflict {
    /// Record id.
    pub record_id: i64,
    /// Field name.
    pub field: String,
    /// Base value.
    pub base_value: Option<String>,
    /// Local value.
    pub local_value: Option<String>,
    /// CRM value.
    pub remote_value: Option<String>,
    /// Policy applied.
    pub policy: String,
    /// `open` or `auto_resolved`.
    pub status: &'static str,
    /// The value the field ended with (resolved conflicts).
    pub resolved_value: Option<String>,
}

/// A stored conflict.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConflictRow {
    /// Conflict id.
    pub id: i64,
    /// Run that found it.
    pub run_id: Option<i64>,
    /// Record id.
    pub record_id: i64,
    /// Field name.
    pub field: String,
    /// Base value.
    pub base_value: Option<String>,
    /// Local value.
    pub local_value: Option<String>,
    /// CRM value.
    pub remote_value: Option<String>,
    /// CRM system.
    pub remote_system: String,
    /// Policy.
    pub policy: String,
    /// Status.
    pub status: String,
    /// Resolved value.
    pub resolved_value: Option<String>,
}

/// Store operations of the sync engine outside a transaction.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Begin a transaction that can also do everything [`StoreTx`] does.
    async fn begin_sync(&self) -> StoreResult<Box<dyn SyncTx>>;
    /// The stored pull cursor of `system`/`object`.
    async fn cursor(&self, system: &str, object: &str) -> StoreResult<Option<serde_json::Value>>;
    /// Take (or renew) the lease on `system`/`object`/`direction` for `owner` until
    /// `until`; false when another owner holds an unexpired lease. `take_over` names a
    /// holder known to be dead whose lease may be taken before it expires.
    async fn acquire_lease(
        &self,
        system: &str,
        object: &str,
        direction: &str,
        owner: &str,
        until: DateTime<Utc>,
        take_over: Option<&str>,
    ) -> StoreResult<bool>;
    /// The current holder of a lease, if any (expired or not).
    async fn lease_holder(
        &self,
        system: &str,
        object: &str,
        direction: &str,
    ) -> StoreResult<Option<String>>;
    /// Give a lease back.
    async fn release_lease(
        &self,
        system: &str,
        object: &str,
        direction: &str,
        owner: &str,
    ) -> StoreResult<()>;
    /// Records of kind `canonical` with id > `after_id`, with their link to `system`.
    async fn push_candidates(
        &self,
        system: &str,
        canonical: &str,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<PushCandidate>>;
    /// Fields with open conflicts against `system` for records in `(after_id, up_to]`.
    async fn open_conflicts_in_range(
        &self,
        system: &str,
        after_id: i64,
        up_to: i64,
    ) -> StoreResult<Vec<(i64, String)>>;
    /// Pending outbox rows of `system`/`object` with id > `after_id`.
    async fn outbox_pending(
        &self,
        system: &str,
        object: &str,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxEntry>>;
    /// Outbox rows of `system` by status (`pending`, `failed`).
    async fn outbox_count(&self, system: &str, status: &str) -> StoreResult<i64>;
    /// Conflicts, newest first, optionally only one status.
    async fn conflicts(&self, status: Option<&str>, limit: i64) -> StoreResult<Vec<ConflictRow>>;
}

/// A sync transaction.
#[async_trait]
pub trait SyncTx: StoreTx {
    /// Links of `system`/`object` for the CRM ids `ids`, with their records.
    async fn links_by_source(
        &mut self,
        system: &str,
        object: &str,
        ids: &[&str],
    ) -> StoreResult<Vec<LinkedRecord>>;
    /// Records of kind `canonical` whose email is one of `emails` and that have no link to
    /// `system` yet, as (email, record id, data, updated_at).
    async fn unlinked_by_email(
        &mut self,
        system: &str,
        canonical: &str,
        emails: &[&str],
    ) -> StoreResult<Vec<(String, i64, RecordData, DateTime<Utc>)>>;
    /// Insert a record of kind `canonical`; returns its id.
    async fn insert_record_for_sync(
        &mut self,
        run_id: i64,
        canonical: &str,
        data: &RecordData,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// Overwrite a record's data.
    async fn update_record_data(
        &mut self,
        record_id: i64,
        data: &RecordData,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Create (or re-point) the link of `system`/`object`/`source_id` to `record_id`.
    #[allow(clippy::too_many_arguments)]
    async fn upsert_link(
        &mut self,
        record_id: i64,
        system: &str,
        object: &str,
        source_id: &str,
        base: &serde_json::Value,
        remote_modified_at: Option<DateTime<Utc>>,
        deleted: bool,
        run_id: i64,
    ) -> StoreResult<()>;
    /// Fields with open conflicts for links of `system`/`object` among `ids`, as
    /// (record id, field).
    async fn open_conflicts_for(
        &mut self,
        system: &str,
        object: &str,
        ids: &[&str],
    ) -> StoreResult<Vec<(i64, String)>>;
    /// Append conflicts found by `run_id` against `system`.
    async fn insert_conflicts(
        &mut self,
        run_id: i64,
        system: &str,
        rows: &[NewConflict],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Save the pull cursor of `system`/`object`.
    async fn set_cursor(
        &mut self,
        system: &str,
        object: &str,
        cursor: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Save a run's sync counters (JSON).
    async fn save_stats(&mut self, run_id: i64, stats: &serde_json::Value) -> StoreResult<()>;
    /// Queue (or refresh) the push of `fields` for a record; a row that failed for good
    /// stays failed while its fields are the same.
    async fn outbox_put(
        &mut self,
        system: &str,
        object: &str,
        record_id: i64,
        fields: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Drop queued pushes of `system` for records that no longer differ.
    async fn outbox_clear(&mut self, system: &str, record_id: i64) -> StoreResult<()>;
    /// Acknowledge a push (delete its row).
    async fn outbox_ack(&mut self, id: i64) -> StoreResult<()>;
    /// Record a refused push: `pending` again when retryable, else `failed`.
    async fn outbox_fail(
        &mut self,
        id: i64,
        error: &str,
        retryable: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Commit (a `SyncTx` is not usable as a `Box<dyn StoreTx>`).
    async fn commit_sync(self: Box<Self>) -> StoreResult<()>;
}
