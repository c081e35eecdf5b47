//! Classifying one batch of normalized rows against the store: insert, update, unchanged,
//! merged duplicate or reject. Pure: the writer looks existing records up, hands them in, and
//! executes the returned [`BatchPlan`].
//!
//! Dedup semantics: per key, the newest `source_modified_at` wins; a row with a timestamp
//! beats one without; ties go to the later row (see [`super::order`]). Stored values remember the
//! input and row they came from, so re-importing a file reaches the same winners and
//! changes nothing. The first occurrence of a key in the run is classified
//! against the store; later occurrences are merged duplicates that may still replace the
//! stored values. When such a replacement turns a row first counted as unchanged into a
//! change, the count moves from `unchanged` to `updated`, so the totals describe what the
//! run did to the store.

use super::order::{duplicate_beats, first_beats_stored};
use super::slot_index::SlotIndex;
use crate::model::{Field, KeyKind, RecordData};
use crate::normalize::row::NormalizedRow;
use crate::store::{AuditEntry, ExistingRecord, RunCounts};
use chrono::{DateTime, Utc};
use crmsync_sdk::Reject;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use std::hash::{Hash, Hasher};

/// One normalized reader event.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A record.
    Record(Box<NormalizedRow>),
    /// A rejected row.
    Reject(Reject),
    /// A blank row.
    Blank(u64),
}

/// What happened to one row, for `--dry-run` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    /// Row number.
    pub row: u64,
    /// Description.
    pub text: String,
}

/// A record insert.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertOp {
    /// Input row the data comes from.
    pub row: u64,
    /// Key.
    pub key: String,
    /// Key origin.
    pub key_kind: KeyKind,
    /// Data.
    pub data: Box<RecordData>,
}

/// A record update.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateOp {
    /// Record.
    pub record_id: i64,
    /// Link.
    pub link_id: i64,
    /// New data.
    pub data: Box<RecordData>,
    /// Input row the data comes from.
    pub row: u64,
}

/// Everything the writer must do for a batch.
#[derive(Debug, Default)]
pub struct BatchPlan {
    /// New records.
    pub inserts: Vec<InsertOp>,
    /// Changed records.
    pub updates: Vec<UpdateOp>,
    /// Field changes for the audit log.
    pub audit: Vec<AuditEntry>,
    /// Rejected rows.
    pub rejects: Vec<Reject>,
    /// Counter deltas.
    pub counts: RunCounts,
    /// Row-by-row description (only filled when asked).
    pub lines: Vec<PlanLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Inserted,
    Updated,
    Unchanged,
}

/// The state of one key within the batch.
struct Slot {
    key: String,
    key_kind: KeyKind,
    first_row: u64,
    /// Boxed: a stored record is large and most slots have none, and the batch's slots are
    /// moved around as a vector.
    stored: Option<Box<ExistingRecord>>,
    data: Box<RecordData>,
    winner_modified: Option<DateTime<Utc>>,
    /// Row of this input the current values came from; `None` when they came from another
    /// input (a tie then goes to this input).
    winner_row: Option<u64>,
    /// The key's first occurrence was in an earlier batch (already counted).
    from_earlier_batch: bool,
    /// First occurrence was older than the store.
    stale: bool,
    /// Row numbers folded into this key in this batch.
    dup_rows: Vec<(u64, bool)>,
}

impl Slot {
    fn class(&self) -> Class {
        match &self.stored {
            None => Class::Inserted,
            Some(s) if s.data == *self.data => Class::Unchanged,
            Some(_) => Class::Updated,
        }
    }
}

/// Hash of a key for the run's seen-set. A hit is only a hint, confirmed against the store.
pub fn key_hash(key: &str) -> u64 {
    let mut h = FxHasher::default();
    key.hash(&mut h);
    h.finish()
}

/// Per-run classification state.
#[derive(Debug)]
pub struct Classifier {
    run_id: i64,
    present: [bool; Field::COUNT],
    seen: FxHashSet<u64>,
    /// The store had no records of this source when the run began: first occurrences need no
    /// lookup.
    fresh: bool,
    explain: bool,
    /// Fingerprint of the input: stored values that came from a later row of this same input
    /// win ties against an earlier row (re-importing a file changes nothing).
    source_file: String,
}

impl Classifier {
    /// A classifier for `run_id`; `present` lists the canonical fields the input carries.
    pub fn new(
        run_id: i64,
        present: [bool; Field::COUNT],
        fresh: bool,
        explain: bool,
        source_file: String,
    ) -> Self {
        Classifier {
            run_id,
            present,
            seen: FxHashSet::default(),
            fresh,
            explain,
            source_file,
        }
    }

    /// The row of this input the stored values came from, if they came from this input.
    fn stored_row(&self, ex: &ExistingRecord) -> Option<u64> {
        if ex.source_file.as_deref() == Some(self.source_file.as_str()) {
            ex.source_row.and_then(|r| u64::try_from(r).ok())
        } else {
            None
        }
    }

    /// Record the keys of an already-committed batch (resuming an interrupted run).
    pub fn replay(&mut self, items: &[Item]) {
        for item in items {
            if let Item::Record(r) = item {
                self.seen.insert(key_hash(&r.key));
            }
        }
    }

    /// The keys to look up in the store before [`Classifier::plan`].
    pub fn keys_to_lookup<'a>(&self, items: &'a [Item]) -> Vec<&'a str> {
        let mut keys: Vec<&str> = items
            .iter()
            .filter_map(|i| match i {
                Item::Record(r) if !self.fresh || self.seen.contains(&key_hash(&r.key)) => {
                    Some(r.key.as_str())
                }
                _ => None,
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Classify a batch given the stored records found for [`Classifier::keys_to_lookup`].
    pub fn plan(&mut self, items: Vec<Item>, existing: Vec<ExistingRecord>) -> BatchPlan {
        let mut existing: FxHashMap<String, ExistingRecord> = existing
            .into_iter()
            .map(|e| (e.source_id.clone(), e))
            .collect();
        let mut plan = BatchPlan::default();
        let mut slots: Vec<Slot> = Vec::with_capacity(items.len());
        let mut by_key = SlotIndex::default();
        for item in items {
            plan.counts.events_done += 1;
            let row = match item {
                Item::Blank(row) => {
                    plan.counts.blank_rows += 1;
                    self.line(&mut plan, row, || "blank row, skipped".into());
                    continue;
                }
                Item::Reject(r) => {
                    plan.counts.rows_read += 1;
                    plan.counts.rejected += 1;
                    let (row, reason) = (r.row, r.reason.clone());
                    self.line(&mut plan, row, || format!("reject: {reason}"));
                    plan.rejects.push(r);
                    continue;
                }
                Item::Record(row) => row,
            };
            plan.counts.rows_read += 1;
            plan.counts.invalid_values += i64::from(row.invalid_count);
            let hash = key_hash(&row.key);
            if let Some(idx) = by_key.find(hash, &row.key, |i| &slots[i].key) {
                self.merge_duplicate(&mut slots[idx], *row, &mut plan);
                continue;
            }
            let seen_before = !self.seen.insert(hash);
            let stored = existing.remove(&row.key).map(Box::new);
            let slot = match stored {
                Some(ex) if seen_before => {
                    let mut slot = Slot {
                        key: row.key.clone(),
                        key_kind: row.key_kind,
                        first_row: 0,
                        winner_modified: ex.data.source_modified_at,
                        winner_row: self.stored_row(&ex),
                        data: Box::new(ex.data.clone()),
                        stored: Some(ex),
                        from_earlier_batch: true,
                        stale: false,
                        dup_rows: Vec::new(),
                    };
                    self.merge_duplicate(&mut slot, *row, &mut plan);
                    slot
                }
                Some(ex) => {
                    let stored_row = self.stored_row(&ex);
                    // The very row the stored values came from is not stale: it is the same.
                    let stale = stored_row != Some(row.row)
                        && !first_beats_stored(
                            row.data.source_modified_at,
                            row.row,
                            ex.data.source_modified_at,
                            stored_row,
                        );
                    let data = Box::new(if stale {
                        ex.data.clone()
                    } else {
                        ex.data.merged_with(&row.data, &self.present)
                    });
                    Slot {
                        key: row.key,
                        key_kind: row.key_kind,
                        first_row: row.row,
                        winner_modified: if stale {
                            ex.data.source_modified_at
                        } else {
                            row.data.source_modified_at
                        },
                        winner_row: if stale { stored_row } else { Some(row.row) },
                        data,
                        stored: Some(ex),
                        from_earlier_batch: false,
                        stale,
                        dup_rows: Vec::new(),
                    }
                }
                None => Slot {
                    key: row.key,
                    key_kind: row.key_kind,
                    first_row: row.row,
                    winner_modified: row.data.source_modified_at,
                    winner_row: Some(row.row),
                    data: row.data,
                    stored: None,
                    from_earlier_batch: false,
                    stale: false,
                    dup_rows: Vec::new(),
                },
            };
            by_key.insert(hash, &slot.key, slots.len());
            slots.push(slot);
        }
        for slot in slots {
            self.finish_slot(slot, &mut plan);
        }
        plan.lines.sort_by_key(|l| l.row);
        plan
    }

    fn merge_duplicate(&self, slot: &mut Slot, row: NormalizedRow, plan: &mut BatchPlan) {
        plan.counts.duplicates_merged += 1;
        let wins = duplicate_beats(
            row.data.source_modified_at,
            row.row,
            slot.winner_modified,
            slot.winner_row,
        );
        if wins {
            *slot.data = slot.data.merged_with(&row.data, &self.present);
            slot.winner_modified = row.data.source_modified_at;
            slot.winner_row = Some(row.row);
        }
        slot.dup_rows.push((row.row, wins));
    }

    fn finish_slot(&self, slot: Slot, plan: &mut BatchPlan) {
        let class = slot.class();
        let dnc_now = slot.data.do_not_contact;
        if slot.from_earlier_batch {
            // Counted when first seen; only a change that the first occurrence did not make
            // moves the row from unchanged to updated.
            if let Some(ex) = &slot.stored {
                let first_was_unchanged = ex.last_run_id != Some(self.run_id);
                if class == Class::Updated && first_was_unchanged {
                    plan.counts.unchanged -= 1;
                    plan.counts.updated += 1;
                }
                if dnc_now && !ex.data.do_not_contact {
                    plan.counts.dnc_flagged += 1;
                }
            }
        } else {
            match class {
                Class::Inserted => plan.counts.inserted += 1,
                Class::Updated => plan.counts.updated += 1,
                Class::Unchanged => {
                    plan.counts.unchanged += 1;
                    if slot.stale {
                        plan.counts.stale_skipped += 1;
                    }
                }
            }
            if dnc_now {
                plan.counts.dnc_flagged += 1;
            }
        }
        if self.explain {
            self.explain_slot(&slot, class, plan);
        }
        match (class, slot.stored) {
            (Class::Inserted, _) => plan.inserts.push(InsertOp {
                row: slot.winner_row.unwrap_or(slot.first_row),
                key: slot.key,
                key_kind: slot.key_kind,
                data: slot.data,
            }),
            (Class::Updated, Some(ex)) => {
                // Changes to records this run created are not history: the audit log records
                // changes to what was there before the run.
                if ex.created_run_id != Some(self.run_id) {
                    for (field, old_value, new_value) in ex.data.diff(&slot.data) {
                        plan.audit.push(AuditEntry {
                            record_id: ex.record_id,
                            field,
                            old_value,
                            new_value,
                        });
                    }
                }
                plan.updates.push(UpdateOp {
                    record_id: ex.record_id,
                    link_id: ex.link_id,
                    data: slot.data,
                    row: slot.winner_row.unwrap_or(slot.first_row),
                });
            }
            _ => {}
        }
    }

    fn explain_slot(&self, slot: &Slot, class: Class, plan: &mut BatchPlan) {
        let key = &slot.key;
        if !slot.from_earlier_batch {
            let text = match (class, &slot.stored) {
                (Class::Inserted, _) => format!("insert {key}"),
                (Class::Updated, Some(ex)) => {
                    let fields: Vec<String> = ex
                        .data
                        .diff(&slot.data)
                        .into_iter()
                        .map(|(f, _, _)| f)
                        .collect();
                    format!("update {key} ({})", fields.join(", "))
                }
                (_, _) if slot.stale => format!("unchanged {key} (stored version is newer)"),
                _ => format!("unchanged {key}"),
            };
            plan.lines.push(PlanLine {
                row: slot.first_row,
                text,
            });
        }
        for (row, wins) in &slot.dup_rows {
            let how = if *wins {
                "newer or equal, its values win"
            } else {
                "older, ignored"
            };
            plan.lines.push(PlanLine {
                row: *row,
                text: format!("duplicate of {key}: {how}"),
            });
        }
    }

    fn line(&self, plan: &mut BatchPlan, row: u64, text: impl FnOnce() -> String) {
        if self.explain {
            plan.lines.push(PlanLine { row, text: text() });
        }
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
