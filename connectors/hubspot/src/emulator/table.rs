//! One object type's records, property definitions and unique-value indexes.
//!
//! Writes are split into `check_*` (pure, so batch calls can validate every input before
//! deciding whether to write anything) and `insert`/`update`/`archive` (which assume a passed
//! check). Unique indexes cover live records only: archiving a contact frees its email, as in
//! HubSpot.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::clock::{from_millis, iso, parse_time_millis};
use super::schema::{ObjectSchema, PropertyDef};
use super::store::{InputFailure, Props, Record, Rejects};
use super::validate::{check_value, PropIssue};

/// Records and schema of one object type.
#[derive(Debug)]
pub(crate) struct ObjectTable {
    pub(crate) schema: ObjectSchema,
    records: BTreeMap<u64, Record>,
    next_id: u64,
    /// Unique property → normalized value → record key (live records only).
    unique: HashMap<String, HashMap<String, u64>>,
}

impl ObjectTable {
    pub(crate) fn new(schema: ObjectSchema) -> Self {
        let mut table = Self {
            schema,
            records: BTreeMap::new(),
            next_id: 1,
            unique: HashMap::new(),
        };
        if table.schema.email_is_unique {
            table.unique.insert("email".to_owned(), HashMap::new());
        }
        let flagged: Vec<String> = table
            .schema
            .properties
            .values()
            .filter(|p| p.has_unique_value)
            .map(|p| p.name.clone())
            .collect();
        for name in flagged {
            table.unique.insert(name, HashMap::new());
        }
        table
    }

    /// Adds a property definition (properties API, or an unknown name in seed data).
    pub(crate) fn define(&mut self, def: PropertyDef) {
        if def.has_unique_value {
            self.unique.entry(def.name.clone()).or_default();
        }
        self.schema.properties.insert(def.name.clone(), def);
    }

    /// Whether `name` can address a record: `hs_object_id`, contact `email`, or a property
    /// with `hasUniqueValue`.
    pub(crate) fn is_unique_prop(&self, name: &str) -> bool {
        name == "hs_object_id" || self.unique.contains_key(name)
    }

    fn normalize(name: &str, value: &str) -> String {
        if name == "email" {
            value.trim().to_lowercase()
        } else {
            value.trim().to_owned()
        }
    }

    /// The key of the live record addressed by `id` (a record id, or a unique value of
    /// `id_property`).
    pub(crate) fn find_live(&self, id: &str, id_property: Option<&str>) -> Option<u64> {
        match id_property {
            None | Some("hs_object_id") => {
                let key = id.trim().parse::<u64>().ok()?;
                self.records.get(&key).filter(|r| !r.archived).map(|_| key)
            }
            Some(prop) => self
                .unique
                .get(prop)?
                .get(&Self::normalize(prop, id))
                .copied(),
        }
    }

    /// The record addressed by `id`, among live records or (with `archived`) archived ones.
    pub(crate) fn lookup(
        &self,
        id: &str,
        id_property: Option<&str>,
        archived: bool,
    ) -> Option<&Record> {
        if !archived {
            return self
                .find_live(id, id_property)
                .and_then(|k| self.records.get(&k));
        }
        let wanted = |r: &&Record| r.archived;
        match id_property {
            None | Some("hs_object_id") => {
                let key = id.trim().parse::<u64>().ok()?;
                self.records.get(&key).filter(wanted)
            }
            Some(prop) => {
                let value = Self::normalize(prop, id);
                self.records.values().filter(wanted).find(|r| {
                    r.properties
                        .get(prop)
                        .is_some_and(|v| Self::normalize(prop, v) == value)
                })
            }
        }
    }

    /// A record by key.
    pub(crate) fn get(&self, key: u64) -> Option<&Record> {
        self.records.get(&key)
    }

    /// Records in id order, starting at key `from`.
    pub(crate) fn range_from(&self, from: u64) -> impl Iterator<Item = &Record> {
        self.records.range(from..).map(|(_, r)| r)
    }

    /// All records in id order.
    pub(crate) fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values()
    }

    /// Number of live records.
    pub(crate) fn live_count(&self) -> usize {
        self.records.values().filter(|r| !r.archived).count()
    }

    /// Validates the property values of a write (`key` is the record being updated).
    ///
    /// `claimed` holds unique values taken by earlier inputs of the same batch that are not
    /// written yet.
    pub(crate) fn check(
        &self,
        props: &Props,
        key: Option<u64>,
        rejects: &Rejects,
        claimed: &HashSet<(String, String)>,
    ) -> Result<(), InputFailure> {
        let mut issues = Vec::new();
        for (name, value) in props {
            let Some(def) = self.schema.properties.get(name) else {
                issues.push(PropIssue::unknown(name));
                continue;
            };
            let is_email = name == "email" && self.schema.email_is_unique;
            if let Some(issue) = check_value(def, value, is_email) {
                issues.push(issue);
            } else if let Some(pattern) = &rejects.emails_matching {
                if name == "email" && !pattern.is_empty() && value.contains(pattern.as_str()) {
                    issues.push(PropIssue::invalid_email(value));
                }
            }
        }
        if !issues.is_empty() {
            return Err(InputFailure::Invalid(issues));
        }
        for (name, value) in props {
            let Some(index) = self.unique.get(name) else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            let normalized = Self::normalize(name, value);
            if let Some(&holder) = index.get(&normalized) {
                if Some(holder) != key {
                    return Err(InputFailure::Conflict {
                        property: name.clone(),
                        existing: Some(holder.to_string()),
                    });
                }
            }
            if claimed.contains(&(name.clone(), normalized)) {
                return Err(InputFailure::Conflict {
                    property: name.clone(),
                    existing: None,
                });
            }
        }
        Ok(())
    }

    /// The unique values a write would claim, for batch bookkeeping.
    pub(crate) fn unique_values(&self, props: &Props) -> Vec<(String, String)> {
        props
            .iter()
            .filter(|(name, value)| self.unique.contains_key(*name) && !value.trim().is_empty())
            .map(|(name, value)| (name.clone(), Self::normalize(name, value)))
            .collect()
    }

    /// Inserts a record (already checked). `key` forces an id (seed data).
    pub(crate) fn insert(&mut self, props: Props, at: DateTime<Utc>, key: Option<u64>) -> Record {
        let key = key.unwrap_or(self.next_id);
        self.next_id = self.next_id.max(key.saturating_add(1));
        let created_prop = self.schema.created_prop;
        let modified_prop = self.schema.modified_prop;
        let created_at = props
            .get(created_prop)
            .and_then(|v| parse_time_millis(v))
            .map(from_millis)
            .unwrap_or(at);
        let updated_at = props
            .get(modified_prop)
            .and_then(|v| parse_time_millis(v))
            .map(from_millis)
            .unwrap_or(at);
        let mut properties: BTreeMap<String, String> =
            props.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        properties.insert("hs_object_id".to_owned(), key.to_string());
        properties.insert(created_prop.to_owned(), iso(created_at));
        properties.insert(modified_prop.to_owned(), iso(updated_at));
        let record = Record {
            id: key.to_string(),
            properties,
            created_at,
            updated_at,
            archived: false,
            archived_at: None,
        };
        self.index(key, &record);
        self.records.insert(key, record.clone());
        record
    }

    /// Applies property changes (already checked) and moves the modification date to `at`.
    pub(crate) fn update(&mut self, key: u64, props: Props, at: DateTime<Utc>) -> Option<Record> {
        let old = self.records.get(&key)?.clone();
        self.unindex(key, &old);
        let modified_prop = self.schema.modified_prop;
        let record = self.records.get_mut(&key)?;
        for (name, value) in props {
            if value.is_empty() {
                record.properties.remove(&name);
            } else {
                record.properties.insert(name, value);
            }
        }
        record.updated_at = at;
        record.properties.insert(modified_prop.to_owned(), iso(at));
        let record = record.clone();
        if !record.archived {
            self.index(key, &record);
        }
        Some(record)
    }

    /// Archives a live record; `false` when there is none.
    pub(crate) fn archive(&mut self, key: u64, at: DateTime<Utc>) -> bool {
        let Some(old) = self.records.get(&key).filter(|r| !r.archived).cloned() else {
            return false;
        };
        self.unindex(key, &old);
        let modified_prop = self.schema.modified_prop;
        if let Some(record) = self.records.get_mut(&key) {
            record.archived = true;
            record.archived_at = Some(at);
            record.updated_at = at;
            record.properties.insert(modified_prop.to_owned(), iso(at));
        }
        true
    }

    fn index(&mut self, key: u64, record: &Record) {
        for (name, index) in &mut self.unique {
            if let Some(value) = record.properties.get(name) {
                index.insert(Self::normalize(name, value), key);
            }
        }
    }

    fn unindex(&mut self, key: u64, record: &Record) {
        for (name, index) in &mut self.unique {
            if let Some(value) = record.properties.get(name) {
                let normalized = Self::normalize(name, value);
                if index.get(&normalized) == Some(&key) {
                    index.remove(&normalized);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::schema::schema_for;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn email_index_follows_writes_and_archive() {
        let mut table = ObjectTable::new(schema_for("contacts"));
        let at = Utc::now();
        let first = table.insert(props(&[("email", "Ada@Example.com")]), at, None);
        assert_eq!(first.id, "1");
        assert_eq!(table.find_live("ada@example.com", Some("email")), Some(1));
        let none = HashSet::new();
        let clash = table.check(
            &props(&[("email", "ada@example.com")]),
            None,
            &Rejects::default(),
            &none,
        );
        assert_eq!(
            clash,
            Err(InputFailure::Conflict {
                property: "email".into(),
                existing: Some("1".into())
            })
        );
        table.update(1, props(&[("email", "ada@new.example")]), at);
        assert_eq!(table.find_live("ada@example.com", Some("email")), None);
        assert_eq!(table.find_live("ADA@new.example", Some("email")), Some(1));
        assert!(table.archive(1, at));
        assert_eq!(table.find_live("ada@new.example", Some("email")), None);
        assert!(table.lookup("1", None, true).is_some());
        assert!(!table.archive(1, at));
    }

    #[test]
    fn check_reports_every_bad_property() {
        let table = ObjectTable::new(schema_for("contacts"));
        let rejects = Rejects {
            emails_matching: Some("blocked".into()),
            ..Rejects::default()
        };
        let bad = props(&[
            ("email", "x@blocked.example"),
            ("nope", "1"),
            ("hs_object_id", "9"),
        ]);
        let Err(InputFailure::Invalid(issues)) = table.check(&bad, None, &rejects, &HashSet::new())
        else {
            panic!("expected validation failure");
        };
        let codes: Vec<&str> = issues.iter().map(|i| i.code).collect();
        assert_eq!(
            codes,
            vec!["INVALID_EMAIL", "READ_ONLY_VALUE", "PROPERTY_DOESNT_EXIST"]
        );
    }
}
