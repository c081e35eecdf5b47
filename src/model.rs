//! The canonical record model every source is mapped into.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A canonical contact field, stored in its own column of `records`.
///
/// Column names come from this closed list only: nothing a user writes in a config file or a
/// header ever reaches SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// Normalized email address.
    Email,
    /// Main phone in E.164.
    Phone,
    /// Extension of the main phone.
    PhoneExt,
    /// Mobile phone in E.164.
    Mobile,
    /// Company / account name.
    Company,
    /// Job title.
    Title,
    /// Company website.
    Website,
    /// HubSpot-style lifecycle stage.
    LifecycleStage,
    /// Lead status.
    LeadStatus,
    /// Where the lead came from.
    LeadSource,
    /// Owner (name, email or id as exported).
    Owner,
    /// Street address.
    Street,
    /// City.
    City,
    /// State / region / province.
    State,
    /// Postal code.
    PostalCode,
    /// Country.
    Country,
    /// Free-text notes (newlines kept).
    Notes,
}

impl Field {
    /// Every field, in column order.
    pub const ALL: [Field; 19] = [
        Field::FirstName,
        Field::LastName,
        Field::Email,
        Field::Phone,
        Field::PhoneExt,
        Field::Mobile,
        Field::Company,
        Field::Title,
        Field::Website,
        Field::LifecycleStage,
        Field::LeadStatus,
        Field::LeadSource,
        Field::Owner,
        Field::Street,
        Field::City,
        Field::State,
        Field::PostalCode,
        Field::Country,
        Field::Notes,
    ];

    /// Number of fields.
    pub const COUNT: usize = Self::ALL.len();

    /// The field's name, which is also its column name.
    pub fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::PhoneExt => "phone_ext",
            Field::Mobile => "mobile",
            Field::Company => "company",
            Field::Title => "title",
            Field::Website => "website",
            Field::LifecycleStage => "lifecycle_stage",
            Field::LeadStatus => "lead_status",
            Field::LeadSource => "lead_source",
            Field::Owner => "owner",
            Field::Street => "street",
            Field::City => "city",
            Field::State => "state",
            Field::PostalCode => "postal_code",
            Field::Country => "country",
            Field::Notes => "notes",
        }
    }

    /// Position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Look a field up by its name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// How a record's `source_id` was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// From an id column of the input (Record ID, Id, `--key-column`).
    Column,
    /// Derived from the normalized email (the input had no id column).
    Email,
    /// Derived from the E.164 phone (no id column and no valid email).
    Phone,
}

impl KeyKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Column => "column",
            KeyKind::Email => "email",
            KeyKind::Phone => "phone",
        }
    }
}

/// A value that failed validation: kept raw, with the reason, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidValue {
    /// The value as it was in the input.
    pub raw: String,
    /// Why it was not accepted.
    pub reason: String,
}

/// The data of one record: canonical fields, flags, custom fields and invalid raw values.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordData {
    /// Canonical values indexed by [`Field::index`].
    pub values: [Option<String>; Field::COUNT],
    /// Opted out of email.
    pub email_opt_out: bool,
    /// Opted out of calls.
    pub call_opt_out: bool,
    /// Must not be contacted (DNC list match or any opt-out).
    pub do_not_contact: bool,
    /// Why `do_not_contact` is set.
    pub dnc_reason: Option<String>,
    /// Unmapped input columns, by header name.
    pub custom: BTreeMap<String, String>,
    /// Values that failed validation, by field (or header) name.
    pub invalid: BTreeMap<String, InvalidValue>,
    /// Creation time in the source system.
    pub source_created_at: Option<DateTime<Utc>>,
    /// Last modification time in the source system (decides which duplicate wins).
    pub source_modified_at: Option<DateTime<Utc>>,
}

impl RecordData {
    /// The value of `field`.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values[field.index()].as_deref()
    }

    /// Set `field`.
    pub fn set(&mut self, field: Field, value: Option<String>) {
        self.values[field.index()] = value;
    }

    /// Merge an incoming version over the stored one (`self`): incoming values replace stored
    /// ones, except that opt-outs and Do-Not-Contact are sticky — nothing ever re-opts a
    /// contact in — and an incoming blank never erases a stored value it did not carry a
    /// column for (the caller decides which columns the input had via `present`).
    pub fn merged_with(&self, incoming: &RecordData, present: &[bool; Field::COUNT]) -> RecordData {
        let mut out = incoming.clone();
        for field in Field::ALL {
            if !present[field.index()] {
                out.values[field.index()] = self.values[field.index()].clone();
            }
        }
        out.email_opt_out |= self.email_opt_out;
        out.call_opt_out |= self.call_opt_out;
        if self.do_not_contact {
            out.do_not_contact = true;
            if self.dnc_reason.is_some() {
                out.dnc_reason = self.dnc_reason.clone();
            }
        }
        // Custom fields from other imports stay; this input's columns overwrite.
        for (k, v) in &self.custom {
            out.custom.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if out.source_created_at.is_none() {
            out.source_created_at = self.source_created_at;
        }
        out
    }

    /// Field-level differences from `self` to `other`, as (name, old, new) for the audit log.
    pub fn diff(&self, other: &RecordData) -> Vec<(String, Option<String>, Option<String>)> {
        let mut out = Vec::new();
        for field in Field::ALL {
            let (a, b) = (self.get(field), other.get(field));
            if a != b {
                out.push((
                    field.name().to_string(),
                    a.map(str::to_string),
                    b.map(str::to_string),
                ));
            }
        }
        let flag = |v: bool| Some(v.to_string());
        for (name, a, b) in [
            ("email_opt_out", self.email_opt_out, other.email_opt_out),
            ("call_opt_out", self.call_opt_out, other.call_opt_out),
            ("do_not_contact", self.do_not_contact, other.do_not_contact),
        ] {
            if a != b {
                out.push((name.to_string(), flag(a), flag(b)));
            }
        }
        if self.dnc_reason != other.dnc_reason {
            out.push((
                "dnc_reason".into(),
                self.dnc_reason.clone(),
                other.dnc_reason.clone(),
            ));
        }
        let keys: std::collections::BTreeSet<&String> =
            self.custom.keys().chain(other.custom.keys()).collect();
        for k in keys {
            let (a, b) = (self.custom.get(k), other.custom.get(k));
            if a != b {
                out.push((format!("custom.{k}"), a.cloned(), b.cloned()));
            }
        }
        if self.invalid != other.invalid {
            let render = |m: &BTreeMap<String, InvalidValue>| {
                (!m.is_empty()).then(|| serde_json::to_string(m).unwrap_or_default())
            };
            out.push((
                "invalid".into(),
                render(&self.invalid),
                render(&other.invalid),
            ));
        }
        let ts = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
        if self.source_modified_at != other.source_modified_at {
            out.push((
                "source_modified_at".into(),
                ts(self.source_modified_at),
                ts(other.source_modified_at),
            ));
        }
        if self.source_created_at != other.source_created_at {
            out.push((
                "source_created_at".into(),
                ts(self.source_created_at),
                ts(other.source_created_at),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip_and_index_matches_order() {
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(Field::from_name(f.name()), Some(f));
        }
        assert_eq!(Field::from_name("nope"), None);
    }

    #[test]
    fn merge_keeps_opt_outs_sticky_and_absent_columns() {
        let mut stored = RecordData::default();
        stored.set(Field::City, Some("Oslo".into()));
        stored.do_not_contact = true;
        stored.dnc_reason = Some("asked".into());
        stored.email_opt_out = true;
        let mut incoming = RecordData::default();
        incoming.set(Field::Email, Some("a@b.co".into()));
        let mut present = [false; Field::COUNT];
        present[Field::Email.index()] = true;
        let merged = stored.merged_with(&incoming, &present);
        assert_eq!(merged.get(Field::City), Some("Oslo"));
        assert_eq!(merged.get(Field::Email), Some("a@b.co"));
        assert!(merged.do_not_contact && merged.email_opt_out);
        assert_eq!(merged.dnc_reason.as_deref(), Some("asked"));
        let diff = stored.diff(&merged);
        assert_eq!(
            diff,
            vec![("email".to_string(), None, Some("a@b.co".to_string()))]
        );
    }
}
