//! Plain values passed to and from the store.

use crate::model::{KeyKind, RecordData};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A run to create.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// `import`, `sync`, …
    pub kind: String,
    /// The source system name.
    pub system: String,
    /// The input (file path) if any.
    pub input: Option<String>,
    /// Input fingerprint, for resuming.
    pub fingerprint: Option<String>,
    /// Options that change the outcome (mapping, key column, region…), for resuming.
    pub options: serde_json::Value,
}

/// Counters of a run. `rows_read = inserted + updated + unchanged + duplicates_merged +
/// rejected` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// Reader events committed (rows, rejects and blank rows): the resume cursor.
    pub events_done: i64,
    /// Data rows read (blank rows excluded).
    pub rows_read: i64,
    /// New records.
    pub inserted: i64,
    /// Existing records changed.
    pub updated: i64,
    /// Rows identical to (or older than) the stored record.
    pub unchanged: i64,
    /// Rows folded into another row with the same key in this input.
    pub duplicates_merged: i64,
    /// Rows rejected.
    pub rejected: i64,
    /// Rows stored as do-not-contact.
    pub dnc_flagged: i64,
    /// Values that failed validation (kept raw).
    pub invalid_values: i64,
    /// Blank rows skipped (not part of `rows_read`).
    pub blank_rows: i64,
    /// Rows older than the stored record (counted in `unchanged`).
    pub stale_skipped: i64,
}

impl RunCounts {
    /// Whether the accounting identity holds.
    pub fn balanced(&self) -> bool {
        self.rows_read
            == self.inserted
                + self.updated
                + self.unchanged
                + self.duplicates_merged
                + self.rejected
    }
}

/// A stored run.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Run id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// System.
    pub system: String,
    /// Input.
    pub input: Option<String>,
    /// Status: `running`, `completed`, `failed`.
    pub status: String,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// End time.
    pub finished_at: Option<DateTime<Utc>>,
    /// Counters.
    pub counts: RunCounts,
    /// Elapsed milliseconds.
    pub elapsed_ms: i64,
    /// Options JSON.
    pub options: serde_json::Value,
    /// Failure message.
    pub error: Option<String>,
}

/// A stored record found by key.
#[derive(Debug, Clone)]
pub struct ExistingRecord {
    /// The key it was found by.
    pub source_id: String,
    /// Record id.
    pub record_id: i64,
    /// Link id.
    pub link_id: i64,
    /// Last run that wrote this link.
    pub last_run_id: Option<i64>,
    /// Run that created the record.
    pub created_run_id: Option<i64>,
    /// Fingerprint of the input the stored values came from.
    pub source_file: Option<String>,
    /// Row of that input.
    pub source_row: Option<i64>,
    /// The data.
    pub data: RecordData,
}

/// A record with its id, for export.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    /// Record id.
    pub id: i64,
    /// The data.
    pub data: RecordData,
    /// When crmsync created it.
    pub created_at: DateTime<Utc>,
    /// When crmsync last changed it.
    pub updated_at: DateTime<Utc>,
}

/// Context of a write: which run, system and object.
#[derive(Debug, Clone, Copy)]
pub struct WriteCtx<'a> {
    /// The run.
    pub run_id: i64,
    /// The source system.
    pub system: &'a str,
    /// The object type.
    pub object: &'a str,
    /// Fingerprint of the input being imported.
    pub source_file: &'a str,
    /// Write time.
    pub now: DateTime<Utc>,
}

/// A record to insert.
#[derive(Debug, Clone, Copy)]
pub struct NewRecord<'a> {
    /// Its key in the source.
    pub source_id: &'a str,
    /// Where the key came from.
    pub key_kind: KeyKind,
    /// The data.
    pub data: &'a RecordData,
    /// The input row the data came from.
    pub row: u64,
}

/// A record whose data an import replaces.
#[derive(Debug, Clone, Copy)]
pub struct RecordUpdate<'a> {
    /// Record.
    pub record_id: i64,
    /// Its link to the source being imported.
    pub link_id: i64,
    /// The new data.
    pub data: &'a RecordData,
    /// The input row the data comes from.
    pub row: u64,
}

/// One field change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Record changed.
    pub record_id: i64,
    /// Field name.
    pub field: String,
    /// Old value.
    pub old_value: Option<String>,
    /// New value.
    pub new_value: Option<String>,
}

impl std::ops::AddAssign for RunCounts {
    fn add_assign(&mut self, o: RunCounts) {
        self.events_done += o.events_done;
        self.rows_read += o.rows_read;
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.duplicates_merged += o.duplicates_merged;
        self.rejected += o.rejected;
        self.dnc_flagged += o.dnc_flagged;
        self.invalid_values += o.invalid_values;
        self.blank_rows += o.blank_rows;
        self.stale_skipped += o.stale_skipped;
    }
}
