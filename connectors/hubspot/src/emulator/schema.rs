//! Object types and their property definitions.
//!
//! Built-in types mirror HubSpot's standard objects (`contacts`/`0-1`, `companies`/`0-2`,
//! `deals`/`0-3`) with a small set of default properties. Any other type name that appears in
//! seed data becomes a generic custom object with only the system properties. Contacts keep
//! their modification date in `lastmodifieddate`; every other type uses `hs_lastmodifieddate`
//! (a real-world trap: filtering contacts on `hs_lastmodifieddate` silently matches nothing,
//! which the emulator reproduces because contacts have no such property).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::clock::iso;

/// HubSpot property data types (`type` in the properties API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropKind {
    String,
    Number,
    Bool,
    Date,
    DateTime,
    Enumeration,
    PhoneNumber,
}

impl PropKind {
    /// Parses the wire name; `None` for names HubSpot does not accept.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "number" => Self::Number,
            "bool" => Self::Bool,
            "date" => Self::Date,
            "datetime" => Self::DateTime,
            "enumeration" => Self::Enumeration,
            "phone_number" => Self::PhoneNumber,
            _ => return None,
        })
    }

    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Bool => "bool",
            Self::Date => "date",
            Self::DateTime => "datetime",
            Self::Enumeration => "enumeration",
            Self::PhoneNumber => "phone_number",
        }
    }
}

/// Field types HubSpot accepts when creating a property.
pub(crate) const FIELD_TYPES: &[&str] = &[
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
];

/// One property definition.
#[derive(Debug, Clone)]
pub(crate) struct PropertyDef {
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) kind: PropKind,
    pub(crate) field_type: String,
    pub(crate) group_name: String,
    pub(crate) description: String,
    /// `(label, value)` pairs for enumerations.
    pub(crate) options: Vec<(String, String)>,
    pub(crate) has_unique_value: bool,
    pub(crate) hubspot_defined: bool,
    pub(crate) calculated: bool,
    pub(crate) read_only_value: bool,
    pub(crate) created_at: DateTime<Utc>,
}

impl PropertyDef {
    fn builtin(name: &str, label: &str, kind: PropKind, field_type: &str, group: &str) -> Self {
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            field_type: field_type.to_owned(),
            group_name: group.to_owned(),
            description: String::new(),
            options: Vec::new(),
            has_unique_value: false,
            hubspot_defined: true,
            calculated: false,
            read_only_value: false,
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn read_only(mut self) -> Self {
        self.read_only_value = true;
        self
    }

    fn with_options(mut self, values: &[(&str, &str)]) -> Self {
        self.options = values
            .iter()
            .map(|(label, value)| ((*label).to_owned(), (*value).to_owned()))
            .collect();
        self
    }

    /// The property as the properties API renders it.
    pub(crate) fn to_json(&self) -> Value {
        let options: Vec<Value> = self
            .options
            .iter()
            .enumerate()
            .map(|(order, (label, value))| {
                json!({"label": label, "value": value, "displayOrder": order, "hidden": false})
            })
            .collect();
        let at = iso(self.created_at);
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.kind.as_str(),
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": options,
            "displayOrder": -1,
            "calculated": self.calculated,
            "externalOptions": false,
            "hasUniqueValue": self.has_unique_value,
            "hidden": false,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": !self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
            "formField": !self.read_only_value,
            "dataSensitivity": "non_sensitive",
            "archived": false,
            "createdAt": at,
            "updatedAt": at,
        })
    }
}

/// The fixed facts about one object type.
#[derive(Debug, Clone)]
pub(crate) struct ObjectSchema {
    /// Canonical plural name (`contacts`).
    pub(crate) name: String,
    /// Object type id (`0-1`), if HubSpot assigns a well-known one.
    pub(crate) type_id: Option<&'static str>,
    /// Property holding the creation time.
    pub(crate) created_prop: &'static str,
    /// Property holding the last modification time.
    pub(crate) modified_prop: &'static str,
    /// Properties returned when a read names none.
    pub(crate) default_props: Vec<&'static str>,
    /// Properties matched by the free-text `query` of search.
    pub(crate) searchable: Vec<&'static str>,
    /// Whether `email` is a unique identifier (contacts).
    pub(crate) email_is_unique: bool,
    /// Singular display name for messages (`Contact`).
    pub(crate) display: &'static str,
    /// Property definitions by name.
    pub(crate) properties: BTreeMap<String, PropertyDef>,
}

/// The canonical name of a built-in type from any of its spellings.
pub(crate) fn builtin_name(object: &str) -> Option<&'static str> {
    Some(match object.to_ascii_lowercase().as_str() {
        "contacts" | "contact" | "0-1" => "contacts",
        "companies" | "company" | "0-2" => "companies",
        "deals" | "deal" | "0-3" => "deals",
        _ => return None,
    })
}

fn system_props(created: &str, modified: &str) -> Vec<PropertyDef> {
    vec![
        PropertyDef::builtin(
            "hs_object_id",
            "Record ID",
            PropKind::Number,
            "number",
            "info",
        )
        .read_only(),
        PropertyDef::builtin(created, "Create Date", PropKind::DateTime, "date", "info"),
        PropertyDef::builtin(
            modified,
            "Last Modified Date",
            PropKind::DateTime,
            "date",
            "info",
        )
        .read_only(),
    ]
}

fn text(name: &str, label: &str, group: &str) -> PropertyDef {
    PropertyDef::builtin(name, label, PropKind::String, "text", group)
}

/// The schema of a built-in type (canonical name) or, for any other name, a custom object.
pub(crate) fn schema_for(name: &str) -> ObjectSchema {
    let (type_id, created, modified, display, mut props, defaults, searchable, email_unique) =
        match name {
            "contacts" => {
                let group = "contactinformation";
                let props = vec![
                    text("email", "Email", group),
                    text("firstname", "First Name", group),
                    text("lastname", "Last Name", group),
                    PropertyDef::builtin(
                        "phone",
                        "Phone Number",
                        PropKind::String,
                        "phonenumber",
                        group,
                    ),
                    text("company", "Company Name", group),
                    text("jobtitle", "Job Title", group),
                    PropertyDef::builtin(
                        "lifecyclestage",
                        "Lifecycle Stage",
                        PropKind::Enumeration,
                        "radio",
                        group,
                    )
                    .with_options(&[
                        ("Subscriber", "subscriber"),
                        ("Lead", "lead"),
                        ("Marketing Qualified Lead", "marketingqualifiedlead"),
                        ("Sales Qualified Lead", "salesqualifiedlead"),
                        ("Opportunity", "opportunity"),
                        ("Customer", "customer"),
                        ("Evangelist", "evangelist"),
                        ("Other", "other"),
                    ]),
                    PropertyDef::builtin(
                        "hs_email_optout",
                        "Unsubscribed from all email",
                        PropKind::Bool,
                        "booleancheckbox",
                        "emailinformation",
                    )
                    .read_only()
                    .with_options(&[("True", "true"), ("False", "false")]),
                ];
                let defaults = vec![
                    "createdate",
                    "email",
                    "firstname",
                    "hs_object_id",
                    "lastmodifieddate",
                    "lastname",
                ];
                let searchable = vec!["firstname", "lastname", "email", "phone", "company"];
                let ids = (Some("0-1"), "createdate", "lastmodifieddate", "Contact");
                (
                    ids.0, ids.1, ids.2, ids.3, props, defaults, searchable, true,
                )
            }
            "companies" => {
                let group = "companyinformation";
                let props = vec![
                    text("name", "Company name", group),
                    text("domain", "Company Domain Name", group),
                    PropertyDef::builtin(
                        "phone",
                        "Phone Number",
                        PropKind::String,
                        "phonenumber",
                        group,
                    ),
                    text("city", "City", group),
                ];
                let defaults = vec![
                    "createdate",
                    "domain",
                    "hs_lastmodifieddate",
                    "hs_object_id",
                    "name",
                ];
                let searchable = vec!["name", "domain", "phone"];
                let ids = (Some("0-2"), "createdate", "hs_lastmodifieddate", "Company");
                (
                    ids.0, ids.1, ids.2, ids.3, props, defaults, searchable, false,
                )
            }
            "deals" => {
                let group = "dealinformation";
                let props = vec![
                    text("dealname", "Deal Name", group),
                    PropertyDef::builtin("amount", "Amount", PropKind::Number, "number", group),
                    text("dealstage", "Deal Stage", group),
                    text("pipeline", "Pipeline", group),
                    PropertyDef::builtin(
                        "closedate",
                        "Close Date",
                        PropKind::DateTime,
                        "date",
                        group,
                    ),
                ];
                let defaults = vec![
                    "amount",
                    "closedate",
                    "createdate",
                    "dealname",
                    "dealstage",
                    "hs_lastmodifieddate",
                    "hs_object_id",
                    "pipeline",
                ];
                let ids = (Some("0-3"), "createdate", "hs_lastmodifieddate", "Deal");
                (
                    ids.0,
                    ids.1,
                    ids.2,
                    ids.3,
                    props,
                    defaults,
                    vec!["dealname"],
                    false,
                )
            }
            _ => {
                let defaults = vec!["hs_createdate", "hs_lastmodifieddate", "hs_object_id"];
                let ids = (None, "hs_createdate", "hs_lastmodifieddate", "Object");
                (
                    ids.0,
                    ids.1,
                    ids.2,
                    ids.3,
                    Vec::new(),
                    defaults,
                    Vec::new(),
                    false,
                )
            }
        };
    props.extend(system_props(created, modified));
    ObjectSchema {
        name: name.to_owned(),
        type_id,
        created_prop: created,
        modified_prop: modified,
        default_props: defaults,
        searchable,
        email_is_unique: email_unique,
        display,
        properties: props.into_iter().map(|p| (p.name.clone(), p)).collect(),
    }
}

/// A user-defined property as created by seed data that names an unknown property.
pub(crate) fn custom_text_property(name: &str, created_at: DateTime<Utc>) -> PropertyDef {
    PropertyDef {
        hubspot_defined: false,
        created_at,
        ..text(name, name, "custom")
    }
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
