//! Which CRM field feeds which canonical field, per connector type and object, and the
//! conversion of a CRM record into a canonical [`Snapshot`].
//!
//! The tables are closed lists in code: a CRM field name from a remote response is only ever
//! a lookup key, never part of SQL.

use crate::model::Field;
use crate::normalize::email::normalize_email;
use crate::normalize::phone::PhoneNormalizer;
use crate::normalize::text::{clean_line, clean_multiline, clean_name, parse_bool};
use crate::sync::snapshot::{Slot, Snapshot};
use crmsync_sdk::crm::RemoteRecord;

/// How one CRM object maps onto canonical records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectMap {
    /// The canonical record kind stored in `records.object` (`contact` or `company`).
    pub canonical: &'static str,
    /// CRM field name → canonical slot.
    pub fields: &'static [(&'static str, Slot)],
}

use Field as F;
use Slot::{CallOptOut, EmailOptOut, Value as V};

const HUBSPOT_CONTACTS: &[(&str, Slot)] = &[
    ("firstname", V(F::FirstName)),
    ("lastname", V(F::LastName)),
    ("email", V(F::Email)),
    ("phone", V(F::Phone)),
    ("mobilephone", V(F::Mobile)),
    ("company", V(F::Company)),
    ("jobtitle", V(F::Title)),
    ("website", V(F::Website)),
    ("lifecyclestage", V(F::LifecycleStage)),
    ("hs_lead_status", V(F::LeadStatus)),
    ("address", V(F::Street)),
    ("city", V(F::City)),
    ("state", V(F::State)),
    ("zip", V(F::PostalCode)),
    ("country", V(F::Country)),
    ("hs_email_optout", EmailOptOut),
];

const HUBSPOT_COMPANIES: &[(&str, Slot)] = &[
    ("name", V(F::Company)),
    ("domain", V(F::Website)),
    ("phone", V(F::Phone)),
    ("address", V(F::Street)),
    ("city", V(F::City)),
    ("state", V(F::State)),
    ("zip", V(F::PostalCode)),
    ("country", V(F::Country)),
    ("lifecyclestage", V(F::LifecycleStage)),
];

const SALESFORCE_LEAD: &[(&str, Slot)] = &[
    ("FirstName", V(F::FirstName)),
    ("LastName", V(F::LastName)),
    ("Email", V(F::Email)),
    ("Phone", V(F::Phone)),
    ("MobilePhone", V(F::Mobile)),
    ("Company", V(F::Company)),
    ("Title", V(F::Title)),
    ("Website", V(F::Website)),
    ("Status", V(F::LeadStatus)),
    ("LeadSource", V(F::LeadSource)),
    ("Street", V(F::Street)),
    ("City", V(F::City)),
    ("State", V(F::State)),
    ("PostalCode", V(F::PostalCode)),
    ("Country", V(F::Country)),
    ("Description", V(F::Notes)),
    ("HasOptedOutOfEmail", EmailOptOut),
    ("DoNotCall", CallOptOut),
];

const SALESFORCE_CONTACT: &[(&str, Slot)] = &[
    ("FirstName", V(F::FirstName)),
    ("LastName", V(F::LastName)),
    ("Email", V(F::Email)),
    ("Phone", V(F::Phone)),
    ("MobilePhone", V(F::Mobile)),
    ("Title", V(F::Title)),
    ("LeadSource", V(F::LeadSource)),
    ("MailingStreet", V(F::Street)),
    ("MailingCity", V(F::City)),
    ("MailingState", V(F::State)),
    ("MailingPostalCode", V(F::PostalCode)),
    ("MailingCountry", V(F::Country)),
    ("Description", V(F::Notes)),
    ("HasOptedOutOfEmail", EmailOptOut),
    ("DoNotCall", CallOptOut),
];

const SALESFORCE_ACCOUNT: &[(&str, Slot)] = &[
    ("Name", V(F::Company)),
    ("Phone", V(F::Phone)),
    ("Website", V(F::Website)),
    ("BillingStreet", V(F::Street)),
    ("BillingCity", V(F::City)),
    ("BillingState", V(F::State)),
    ("BillingPostalCode", V(F::PostalCode)),
    ("BillingCountry", V(F::Country)),
    ("Description", V(F::Notes)),
];

/// The map for `object` of connector type `kind`, or `None` when crmsync does not sync that
/// object (deals, opportunities…).
pub fn object_map(kind: &str, object: &str) -> Option<ObjectMap> {
    let (canonical, fields) = match (kind, object) {
        ("hubspot", "contacts") => ("contact", HUBSPOT_CONTACTS),
        ("hubspot", "companies") => ("company", HUBSPOT_COMPANIES),
        ("salesforce", "Lead") => ("contact", SALESFORCE_LEAD),
        ("salesforce", "Contact") => ("contact", SALESFORCE_CONTACT),
        ("salesforce", "Account") => ("company", SALESFORCE_ACCOUNT),
        _ => return None,
    };
    Some(ObjectMap { canonical, fields })
}

/// Cleans CRM values the same way an import cleans spreadsheet cells, so that a formatting
/// difference alone (`(415) 555-0132` vs `+14155550132`) is never seen as a change.
#[derive(Debug)]
pub struct ValueCleaner {
    phones: PhoneNormalizer,
}

impl ValueCleaner {
    /// A cleaner parsing national phone numbers in `phones`' default region.
    pub fn new(phones: PhoneNormalizer) -> Self {
        ValueCleaner { phones }
    }

    /// The canonical form of `raw` for `slot`. Invalid emails and phones keep their trimmed
    /// raw text: a value the CRM holds is never silently dropped.
    pub fn clean(&self, slot: Slot, raw: Option<&str>) -> Option<String> {
        match slot {
            Slot::EmailOptOut | Slot::CallOptOut => {
                let on = raw.and_then(parse_bool).unwrap_or(false);
                Some(on.to_string())
            }
            Slot::Value(field) => {
                let raw = raw?;
                match field {
                    F::Email => {
                        let t = clean_line(raw)?;
                        Some(normalize_email(&t).unwrap_or(t))
                    }
                    F::Phone | F::Mobile => {
                        let t = clean_line(raw)?;
                        Some(self.phones.normalize(&t).map(|p| p.e164).unwrap_or(t))
                    }
                    F::FirstName | F::LastName => clean_name(raw),
                    F::Notes | F::Street => clean_multiline(raw),
                    _ => clean_line(raw),
                }
            }
        }
    }

    /// The canonical snapshot of a CRM record under `map`.
    pub fn snapshot(&self, map: &ObjectMap, record: &RemoteRecord) -> Snapshot {
        let mut snap = Snapshot::default();
        for (name, slot) in map.fields {
            let raw = record.fields.get(*name).and_then(|v| v.as_deref());
            // A field the CRM did not send at all stays out of the snapshot (not "empty").
            if record.fields.contains_key(*name) {
                snap.set(*slot, self.clean(*slot, raw));
            }
        }
        snap
    }
}

/// The CRM field name of `slot` under `map`, if the object has one.
pub fn remote_name(map: &ObjectMap, slot: Slot) -> Option<&'static str> {
    map.fields.iter().find(|(_, s)| *s == slot).map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn record(fields: &[(&str, Option<&str>)]) -> RemoteRecord {
        RemoteRecord {
            id: "1".into(),
            object: "contacts".into(),
            modified_at: None,
            deleted: false,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn hubspot_contact_values_are_cleaned_like_imports() {
        let cleaner = ValueCleaner::new(PhoneNormalizer::new("US").unwrap());
        let map = object_map("hubspot", "contacts").unwrap();
        let snap = cleaner.snapshot(
            &map,
            &record(&[
                ("email", Some("  Alice@Example.COM ")),
                ("phone", Some("(415) 555-0132")),
                ("firstname", Some("  alice ")),
                ("hs_email_optout", Some("true")),
                ("lastname", None),
                ("unmapped", Some("x")),
            ]),
        );
        assert_eq!(snap.get(Slot::Value(F::Email)), Some("alice@example.com"));
        assert_eq!(snap.get(Slot::Value(F::Phone)), Some("+14155550132"));
        assert_eq!(snap.get(Slot::EmailOptOut), Some("true"));
        assert!(snap.contains(Slot::Value(F::LastName)));
        assert_eq!(snap.get(Slot::Value(F::LastName)), None);
        // Not sent → not in the snapshot at all.
        assert!(!snap.contains(Slot::Value(F::City)));
        assert_eq!(snap.len(), 5);
    }

    #[test]
    fn invalid_phone_keeps_its_raw_text_and_unknown_objects_have_no_map() {
        let cleaner = ValueCleaner::new(PhoneNormalizer::new("US").unwrap());
        assert_eq!(
            cleaner.clean(Slot::Value(F::Phone), Some(" 12 ")),
            Some("12".to_string())
        );
        assert!(object_map("hubspot", "deals").is_none());
        let lead = object_map("salesforce", "Lead").unwrap();
        assert_eq!(remote_name(&lead, Slot::CallOptOut), Some("DoNotCall"));
        assert_eq!(lead.canonical, "contact");
    }
}
