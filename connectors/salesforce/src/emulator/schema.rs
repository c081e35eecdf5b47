//! The sObject schemas the emulator serves: Lead, Contact and Account.
//!
//! Each object carries the standard system fields, a realistic set of standard fields
//! (including the compound `Name` and address fields) and one external id custom field
//! (`Crmsync_Id__c` unless configured otherwise). A record is stored as one value per field,
//! in schema order, so field lookups are index-based.

use std::collections::HashMap;

use super::fields::{lead_fields, other_fields, FieldDef};

/// Name of the external id field unless the builder says otherwise.
pub const DEFAULT_EXTERNAL_ID_FIELD: &str = "Crmsync_Id__c";

/// Indexes of the fields every object has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SystemFields {
    pub id: usize,
    pub is_deleted: usize,
    pub created_date: usize,
    pub created_by: usize,
    pub last_modified_date: usize,
    pub last_modified_by: usize,
    pub system_modstamp: usize,
    pub owner: usize,
    pub external_id: usize,
}

/// One sObject type.
#[derive(Debug, Clone)]
pub(crate) struct ObjectSchema {
    pub name: &'static str,
    pub label: &'static str,
    pub label_plural: &'static str,
    pub key_prefix: &'static str,
    pub fields: Vec<FieldDef>,
    pub sys: SystemFields,
    /// Lower-cased field name to index: SOQL and JSON field names are case-insensitive.
    index: HashMap<String, usize>,
}

impl ObjectSchema {
    fn new(
        name: &'static str,
        labels: (&'static str, &'static str),
        key_prefix: &'static str,
        fields: Vec<FieldDef>,
    ) -> Self {
        let index: HashMap<String, usize> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
            .collect();
        let find = |n: &str| index.get(&n.to_ascii_lowercase()).copied().unwrap_or(0);
        let external_id = fields.iter().position(|f| f.external_id).unwrap_or(0);
        let sys = SystemFields {
            id: find("Id"),
            is_deleted: find("IsDeleted"),
            created_date: find("CreatedDate"),
            created_by: find("CreatedById"),
            last_modified_date: find("LastModifiedDate"),
            last_modified_by: find("LastModifiedById"),
            system_modstamp: find("SystemModstamp"),
            owner: find("OwnerId"),
            external_id,
        };
        Self {
            name,
            label: labels.0,
            label_plural: labels.1,
            key_prefix,
            fields,
            sys,
            index,
        }
    }

    /// Index of a field by case-insensitive name.
    pub(crate) fn field_index(&self, name: &str) -> Option<usize> {
        self.index.get(&name.to_ascii_lowercase()).copied()
    }

    /// The field definition at `idx`.
    pub(crate) fn field(&self, idx: usize) -> Option<&FieldDef> {
        self.fields.get(idx)
    }

    /// Canonical name of the field at `idx` (empty if out of range).
    pub(crate) fn field_name(&self, idx: usize) -> &str {
        self.fields.get(idx).map(|f| f.name.as_str()).unwrap_or("")
    }

    /// The configured external id field's name.
    pub(crate) fn external_id_name(&self) -> &str {
        self.field_name(self.sys.external_id)
    }
}

/// How the external id custom field is set up on every object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdConfig {
    /// API name, e.g. `Crmsync_Id__c`.
    pub field: String,
    /// Whether the field has the "unique" attribute: creates with a taken value fail with
    /// `DUPLICATE_VALUE`; without it, upserts can match several records.
    pub unique: bool,
}

impl Default for ExternalIdConfig {
    fn default() -> Self {
        Self {
            field: DEFAULT_EXTERNAL_ID_FIELD.to_string(),
            unique: true,
        }
    }
}

/// All object schemas, looked up by case-insensitive name.
#[derive(Debug, Clone)]
pub(crate) struct Schemas {
    objects: Vec<ObjectSchema>,
}

impl Schemas {
    /// Builds Lead, Contact and Account with the given external id field.
    pub(crate) fn new(ext: &ExternalIdConfig) -> Self {
        let objects = vec![
            ObjectSchema::new("Lead", ("Lead", "Leads"), "00Q", lead_fields(ext)),
            ObjectSchema::new(
                "Contact",
                ("Contact", "Contacts"),
                "003",
                other_fields("Contact", ext),
            ),
            ObjectSchema::new(
                "Account",
                ("Account", "Accounts"),
                "001",
                other_fields("Account", ext),
            ),
        ];
        Self { objects }
    }

    /// Position of an object by case-insensitive name.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// The object at `pos`.
    pub(crate) fn get(&self, pos: usize) -> Option<&ObjectSchema> {
        self.objects.get(pos)
    }

    /// Object by case-insensitive name.
    pub(crate) fn by_name(&self, name: &str) -> Option<&ObjectSchema> {
        self.position(name).and_then(|p| self.objects.get(p))
    }

    /// Object owning an id, by key prefix.
    pub(crate) fn by_id_prefix(&self, id: &str) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| id.starts_with(o.key_prefix))
    }

    /// All objects in a stable order.
    pub(crate) fn all(&self) -> &[ObjectSchema] {
        &self.objects
    }
}
