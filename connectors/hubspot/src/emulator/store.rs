//! The record store: one [`ObjectTable`] per object type plus the write clock.
//!
//! All mutation happens under one lock held by the caller, so a batch call is atomic with
//! respect to other requests, as far as a client can observe.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::clock::WriteClock;
use super::schema::{builtin_name, schema_for};
use super::table::ObjectTable;
use super::validate::PropIssue;

/// Property name → string value, as written or stored.
pub(crate) type Props = BTreeMap<String, String>;

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Record id (numeric string, like HubSpot's).
    pub id: String,
    /// Property values; every value is a string and unset properties are absent.
    pub properties: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last write time; equals the modification-date property.
    pub updated_at: DateTime<Utc>,
    /// Whether the record is archived (deleted).
    pub archived: bool,
    /// When it was archived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime<Utc>>,
}

impl Record {
    /// A property value, if set.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }
}

/// Inputs that fault configuration forces to fail validation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rejects {
    /// Reject writes whose `email` contains this substring.
    pub(crate) emails_matching: Option<String>,
    /// Reject writes addressed by one of these ids.
    pub(crate) ids: HashSet<String>,
}

/// Why one write input failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InputFailure {
    /// Property values failed validation.
    Invalid(Vec<PropIssue>),
    /// A unique value already belongs to another record (`existing` is its id, when the
    /// other record already exists rather than being earlier in the same batch).
    Conflict {
        /// Property that collided.
        property: String,
        /// The id of the record holding the value.
        existing: Option<String>,
    },
    /// The addressed record does not exist.
    NotFound(String),
    /// The input itself is malformed (missing id, unusable `idProperty`, …).
    BadInput(String),
}

/// All object tables and the write clock.
#[derive(Debug)]
pub(crate) struct Store {
    tables: BTreeMap<String, ObjectTable>,
    /// Shared clock so timestamps increase across object types too.
    pub(crate) clock: WriteClock,
}

impl Store {
    /// A store with the built-in object types and no records.
    pub(crate) fn new() -> Self {
        let tables = ["contacts", "companies", "deals"]
            .into_iter()
            .map(|name| (name.to_owned(), ObjectTable::new(schema_for(name))))
            .collect();
        Self {
            tables,
            clock: WriteClock::default(),
        }
    }

    /// The canonical name of `object` (aliases like `0-1` or `contact` included), if known.
    pub(crate) fn canonical(&self, object: &str) -> Option<String> {
        if let Some(name) = builtin_name(object) {
            return Some(name.to_owned());
        }
        if self.tables.contains_key(object) {
            return Some(object.to_owned());
        }
        // Custom objects may also be addressed by their type id (`2-1234`).
        self.tables
            .values()
            .find(|t| t.schema.type_id == Some(object))
            .map(|t| t.schema.name.clone())
    }

    /// The table of `object`, if the type is known.
    pub(crate) fn table(&self, object: &str) -> Option<&ObjectTable> {
        let name = self.canonical(object)?;
        self.tables.get(&name)
    }

    /// The table of `object` and the clock, for writes.
    pub(crate) fn table_mut(
        &mut self,
        object: &str,
    ) -> Option<(&mut ObjectTable, &mut WriteClock)> {
        let name = self.canonical(object)?;
        let table = self.tables.get_mut(&name)?;
        Some((table, &mut self.clock))
    }

    /// The table of `object`, creating a custom object type when the name is new.
    pub(crate) fn table_or_create(&mut self, object: &str) -> &mut ObjectTable {
        let name = self.canonical(object).unwrap_or_else(|| object.to_owned());
        self.tables
            .entry(name.clone())
            .or_insert_with(|| ObjectTable::new(schema_for(&name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_aliases_and_custom_types() {
        let mut store = Store::new();
        assert_eq!(store.canonical("0-2").as_deref(), Some("companies"));
        assert_eq!(store.canonical("pets"), None);
        store.table_or_create("pets");
        assert_eq!(store.canonical("pets").as_deref(), Some("pets"));
        assert!(store.table("tickets").is_none());
    }
}
