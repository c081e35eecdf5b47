//! Record saves: create, update, upsert and delete with Salesforce's validation rules.
//!
//! Every API write path (single-record REST, sObject Collections, Bulk API 2.0) goes through
//! a [`Writer`], which validates a record, applies it, and keeps an undo log so that an
//! all-or-none request can be rolled back as a unit.

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::Rng;

use super::faults::Faults;
use super::fields::FieldType;
use super::ids;
use super::schema::ObjectSchema;
use super::store::{Row, Store, Undo};
use super::validate::{check_values, RecordError};
use super::value::Val;

/// Field assignments for one record: (field index, value).
pub(crate) type Fields = Vec<(usize, Val)>;

/// How a write stamps the audit fields.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stamp {
    /// A user edit: `LastModifiedDate` and `SystemModstamp` both move.
    User,
    /// An automated change: only `SystemModstamp` moves.
    System,
    /// A user edit at a forced timestamp (several records can share it).
    At(DateTime<Utc>),
}

/// Result of a successful upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Saved {
    pub id: String,
    pub created: bool,
}

/// Per-record fault injection for API writes.
pub(crate) struct FaultCtx<'a> {
    pub faults: &'a Faults,
    pub rng: &'a mut StdRng,
}

/// Applies writes to one object's table, remembering how to undo them.
pub(crate) struct Writer<'a> {
    pub(super) store: &'a mut Store,
    pub(super) obj: usize,
    undo: Vec<Undo>,
    faults: Option<FaultCtx<'a>>,
}

impl<'a> Writer<'a> {
    /// A writer for object `obj`; `faults` is `None` for direct edits made by tests.
    pub(crate) fn new(store: &'a mut Store, obj: usize, faults: Option<FaultCtx<'a>>) -> Self {
        Self {
            store,
            obj,
            undo: Vec::new(),
            faults,
        }
    }

    /// The undo log of everything written so far.
    pub(crate) fn into_undo(self) -> Vec<Undo> {
        self.undo
    }

    pub(super) fn schema(&self) -> Result<ObjectSchema, RecordError> {
        self.store
            .schemas
            .get(self.obj)
            .cloned()
            .ok_or_else(|| RecordError::new("INVALID_TYPE", "sObject type is not supported", &[]))
    }

    /// Forced per-record failures: a configured code for an external id value, or a
    /// random row-lock failure.
    fn injected(&mut self, ext_value: Option<&str>, id: Option<&str>) -> Result<(), RecordError> {
        let Some(ctx) = self.faults.as_mut() else {
            return Ok(());
        };
        if let Some(code) = ext_value.and_then(|v| ctx.faults.reject_external_ids.get(v)) {
            let message = match *code {
                "DUPLICATES_DETECTED" => "Use one of these records?".to_string(),
                "UNABLE_TO_LOCK_ROW" => lock_message(id),
                other => format!("{other}: rejected by the org's configuration"),
            };
            return Err(RecordError::new(code, &message, &[]));
        }
        let p = ctx.faults.lock_row_probability;
        if p > 0.0 && ctx.rng.gen_bool(p.clamp(0.0, 1.0)) {
            return Err(RecordError::new(
                "UNABLE_TO_LOCK_ROW",
                &lock_message(id),
                &[],
            ));
        }
        Ok(())
    }

    /// Creates a record.
    pub(crate) fn create(&mut self, fields: Fields) -> Result<String, RecordError> {
        let schema = self.schema()?;
        let ext = ext_value(&schema, &fields);
        self.injected(ext.as_deref(), None)?;
        self.create_unchecked(&schema, fields)
    }

    fn create_unchecked(
        &mut self,
        schema: &ObjectSchema,
        fields: Fields,
    ) -> Result<String, RecordError> {
        let mut row = self.blank_row(schema);
        for (idx, val) in &fields {
            if let Some(slot) = row.get_mut(*idx) {
                *slot = val.clone();
            }
        }
        check_values(self.store, schema, &mut row, &fields, true, None)?;
        let id = self.store.new_id(self.obj).ok_or_else(|| {
            RecordError::new("STORAGE_LIMIT_EXCEEDED", "storage limit exceeded", &[])
        })?;
        let ts = self.store.clock.tick();
        let sys = schema.sys;
        set(&mut row, sys.id, Val::Text(id.clone()));
        for idx in [
            sys.created_date,
            sys.last_modified_date,
            sys.system_modstamp,
        ] {
            set(&mut row, idx, Val::DateTime(ts));
        }
        self.put(&id, row);
        Ok(id)
    }

    /// Updates a live record.
    pub(crate) fn update(
        &mut self,
        id: &str,
        fields: Fields,
        stamp: Stamp,
    ) -> Result<(), RecordError> {
        let schema = self.schema()?;
        let id = self.live_id(id)?;
        let ext = ext_value(&schema, &fields);
        self.injected(ext.as_deref(), Some(&id))?;
        self.update_unchecked(&schema, &id, fields, stamp)
    }

    fn update_unchecked(
        &mut self,
        schema: &ObjectSchema,
        id: &str,
        fields: Fields,
        stamp: Stamp,
    ) -> Result<(), RecordError> {
        let mut row = self.row(id)?;
        for (idx, val) in &fields {
            if let Some(slot) = row.get_mut(*idx) {
                *slot = val.clone();
            }
        }
        check_values(self.store, schema, &mut row, &fields, false, Some(id))?;
        self.stamp(schema, &mut row, stamp);
        self.put(id, row);
        Ok(())
    }

    /// Creates or updates by external id (or by `Id` when `ext_field` is the id field).
    pub(crate) fn upsert(
        &mut self,
        ext_field: usize,
        value: &str,
        mut fields: Fields,
    ) -> Result<Saved, RecordError> {
        let schema = self.schema()?;
        if ext_field == schema.sys.id {
            return match self.live_id(value) {
                Ok(id) => self
                    .update(&id, fields, Stamp::User)
                    .map(|()| Saved { id, created: false }),
                Err(_) if value.is_empty() => {
                    self.create(fields).map(|id| Saved { id, created: true })
                }
                Err(e) => Err(e),
            };
        }
        let matches = self
            .store
            .table(self.obj)
            .map(|t| t.find_external(value))
            .unwrap_or_default();
        fields.retain(|(idx, _)| *idx != ext_field);
        match matches.as_slice() {
            [] => {
                self.injected(Some(value), None)?;
                fields.push((ext_field, Val::Text(value.to_string())));
                self.create_unchecked(&schema, fields)
                    .map(|id| Saved { id, created: true })
            }
            [id] => {
                self.injected(Some(value), Some(id))?;
                let id = id.clone();
                self.update_unchecked(&schema, &id, fields, Stamp::User)
                    .map(|()| Saved { id, created: false })
            }
            many => Err(RecordError::new(
                "DUPLICATE_EXTERNAL_ID",
                &format!(
                    "{}: more than one record found for external id field: [{}]",
                    schema.field_name(ext_field),
                    many.join(", ")
                ),
                &[schema.field_name(ext_field)],
            )),
        }
    }

    /// Soft-deletes a live record: it stays visible to `queryAll` with `IsDeleted = true`.
    pub(crate) fn delete(&mut self, id: &str) -> Result<(), RecordError> {
        let schema = self.schema()?;
        let id = self.live_id(id)?;
        self.injected(None, Some(&id))?;
        let mut row = self.row(&id)?;
        set(&mut row, schema.sys.is_deleted, Val::Bool(true));
        self.stamp(&schema, &mut row, Stamp::System);
        self.put(&id, row);
        Ok(())
    }

    /// Removes a record outright (Bulk `hardDelete`).
    pub(crate) fn hard_delete(&mut self, id: &str) -> Result<(), RecordError> {
        let id = self.live_id(id)?;
        self.injected(None, Some(&id))?;
        if let Some(old) = self.store.table_mut(self.obj).and_then(|t| t.remove(&id)) {
            self.undo.push((self.obj, id, Some(old)));
        }
        Ok(())
    }

    pub(super) fn blank_row(&self, schema: &ObjectSchema) -> Row {
        let mut row = vec![Val::Null; schema.fields.len()];
        for (i, field) in schema.fields.iter().enumerate() {
            if field.ftype == FieldType::Boolean {
                set(&mut row, i, Val::Bool(false));
            } else if let Some(default) = field.default_value {
                set(&mut row, i, Val::Text(default.to_string()));
            }
        }
        let user = Val::Text(self.store.user_id.clone());
        for idx in [
            schema.sys.owner,
            schema.sys.created_by,
            schema.sys.last_modified_by,
        ] {
            set(&mut row, idx, user.clone());
        }
        row
    }

    fn stamp(&mut self, schema: &ObjectSchema, row: &mut Row, stamp: Stamp) {
        let ts = match stamp {
            Stamp::At(ts) => {
                self.store.clock.observe(ts);
                ts
            }
            Stamp::User | Stamp::System => self.store.clock.tick(),
        };
        set(row, schema.sys.system_modstamp, Val::DateTime(ts));
        if !matches!(stamp, Stamp::System) {
            set(row, schema.sys.last_modified_date, Val::DateTime(ts));
            set(
                row,
                schema.sys.last_modified_by,
                Val::Text(self.store.user_id.clone()),
            );
        }
    }

    /// Normalises `id` and checks it names a live record of this object.
    fn live_id(&self, id: &str) -> Result<String, RecordError> {
        let table = self.store.table(self.obj);
        let norm = ids::normalize(id).ok_or_else(|| {
            RecordError::new("MALFORMED_ID", &format!("malformed id {id}"), &["Id"])
        })?;
        match table.and_then(|t| t.get(&norm).map(|r| t.is_deleted(r))) {
            Some(false) => Ok(norm),
            Some(true) => Err(RecordError::new(
                "ENTITY_IS_DELETED",
                "entity is deleted",
                &[],
            )),
            None => Err(RecordError::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                &[],
            )),
        }
    }

    fn row(&self, id: &str) -> Result<Row, RecordError> {
        self.store
            .table(self.obj)
            .and_then(|t| t.get(id))
            .cloned()
            .ok_or_else(|| {
                RecordError::new(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                    &[],
                )
            })
    }

    pub(super) fn put(&mut self, id: &str, row: Row) {
        if let Some(table) = self.store.table_mut(self.obj) {
            let old = table.put(id, row);
            self.undo.push((self.obj, id.to_string(), old));
        }
    }
}

/// Sets one field of a row (out-of-range indexes are ignored).
pub(super) fn set(row: &mut Row, idx: usize, val: Val) {
    if let Some(slot) = row.get_mut(idx) {
        *slot = val;
    }
}

fn ext_value(schema: &ObjectSchema, fields: &Fields) -> Option<String> {
    fields
        .iter()
        .find(|(idx, _)| *idx == schema.sys.external_id)
        .and_then(|(_, v)| v.as_text().map(str::to_string))
}

fn lock_message(id: Option<&str>) -> String {
    match id {
        Some(id) => format!("unable to obtain exclusive access to this record or 1 records: {id}"),
        None => "unable to obtain exclusive access to this record".to_string(),
    }
}
