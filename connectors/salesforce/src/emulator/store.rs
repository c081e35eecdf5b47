//! In-memory record tables.
//!
//! Rows live in a `BTreeMap` keyed by id; ids sort in creation order (see `ids`), so a plain
//! scan is a creation-order scan. Each table keeps an index from external id value to the
//! live (not deleted) rows carrying it, which upserts and uniqueness checks use.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::clock::Clock;
use super::ids;
use super::schema::Schemas;
use super::value::Val;

/// One stored record: a value per schema field, in schema order.
pub(crate) type Row = Vec<Val>;

/// The records of one object.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: BTreeMap<String, Row>,
    ext_index: HashMap<String, BTreeSet<String>>,
    ext_field: usize,
    deleted_field: usize,
}

impl Table {
    /// The row with `id`, deleted or not.
    pub(crate) fn get(&self, id: &str) -> Option<&Row> {
        self.rows.get(id)
    }

    /// All rows in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Row)> {
        self.rows.iter()
    }

    /// Number of rows, including soft-deleted ones when `include_deleted`.
    pub(crate) fn count(&self, include_deleted: bool) -> usize {
        if include_deleted {
            self.rows.len()
        } else {
            self.rows.values().filter(|r| !self.is_deleted(r)).count()
        }
    }

    /// Whether a row is soft-deleted.
    pub(crate) fn is_deleted(&self, row: &Row) -> bool {
        matches!(row.get(self.deleted_field), Some(Val::Bool(true)))
    }

    /// Live rows whose external id equals `value` (case-insensitively, as Salesforce
    /// matches external ids).
    pub(crate) fn find_external(&self, value: &str) -> Vec<String> {
        self.ext_index
            .get(&value.to_lowercase())
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Inserts or replaces a row, keeping the external id index in step. Returns the
    /// previous row.
    pub(crate) fn put(&mut self, id: &str, row: Row) -> Option<Row> {
        let old = self.remove(id);
        if !self.is_deleted(&row) {
            if let Some(key) = self.ext_key(&row) {
                self.ext_index
                    .entry(key)
                    .or_default()
                    .insert(id.to_string());
            }
        }
        self.rows.insert(id.to_string(), row);
        old
    }

    /// Removes a row entirely (hard delete or rollback of a create).
    pub(crate) fn remove(&mut self, id: &str) -> Option<Row> {
        let old = self.rows.remove(id)?;
        if let Some(key) = self.ext_key(&old) {
            if let Some(set) = self.ext_index.get_mut(&key) {
                set.remove(id);
                if set.is_empty() {
                    self.ext_index.remove(&key);
                }
            }
        }
        Some(old)
    }

    fn ext_key(&self, row: &Row) -> Option<String> {
        row.get(self.ext_field)
            .and_then(Val::as_text)
            .map(str::to_lowercase)
    }
}

/// A change that can be undone: the row's previous state (`None` if it did not exist).
pub(crate) type Undo = (usize, String, Option<Row>);

/// Every table plus the id sequence and the clock.
#[derive(Debug)]
pub(crate) struct Store {
    pub schemas: Arc<Schemas>,
    tables: Vec<Table>,
    next_seq: u64,
    /// Timestamp source for every write.
    pub clock: Clock,
    /// The integration user: owner and audit user of every write.
    pub user_id: String,
}

impl Store {
    /// Empty tables for every schema.
    pub(crate) fn new(schemas: Arc<Schemas>, clock: Clock, user_id: String) -> Self {
        let tables = schemas
            .all()
            .iter()
            .map(|s| Table {
                ext_field: s.sys.external_id,
                deleted_field: s.sys.is_deleted,
                ..Table::default()
            })
            .collect();
        Self {
            schemas,
            tables,
            next_seq: 1,
            clock,
            user_id,
        }
    }

    /// The table of object `obj` (a position in [`Schemas`]).
    pub(crate) fn table(&self, obj: usize) -> Option<&Table> {
        self.tables.get(obj)
    }

    /// Mutable access to a table.
    pub(crate) fn table_mut(&mut self, obj: usize) -> Option<&mut Table> {
        self.tables.get_mut(obj)
    }

    /// A fresh id for object `obj`, or `None` when the sequence is exhausted.
    pub(crate) fn new_id(&mut self, obj: usize) -> Option<String> {
        let prefix = self.schemas.get(obj)?.key_prefix;
        if self.next_seq > ids::MAX_SEQUENCE {
            return None;
        }
        let id = ids::make_id(prefix, self.next_seq);
        self.next_seq += 1;
        Some(id)
    }

    /// Finds a row anywhere by id (15 or 18 characters), returning its object and the
    /// normalised id.
    pub(crate) fn locate(&self, id: &str) -> Option<(usize, String)> {
        let id = ids::normalize(id)?;
        let obj = self.schemas.by_id_prefix(&id)?;
        self.tables.get(obj)?.get(&id).map(|_| (obj, id))
    }

    /// Reverts changes recorded in `undo`, newest first.
    pub(crate) fn rollback(&mut self, undo: Vec<Undo>) {
        for (obj, id, previous) in undo.into_iter().rev() {
            if let Some(table) = self.tables.get_mut(obj) {
                match previous {
                    Some(row) => {
                        table.put(&id, row);
                    }
                    None => {
                        table.remove(&id);
                    }
                }
            }
        }
    }
}
