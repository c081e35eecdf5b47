//! Seed data: generated Leads and seed files.
//!
//! Seed files are JSON in one of three shapes: Salesforce CLI tree-export style
//! `{"records": [{"attributes": {"type": "Lead"}, ...}]}`, a bare array of such records, or
//! an object keyed by sObject name: `{"Lead": [{...}], "Account": [{...}]}`. Seed records may
//! set system fields (`Id`, `CreatedDate`, `LastModifiedDate`, `SystemModstamp`,
//! `IsDeleted`) to recreate history.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use super::error::EmulatorError;
use super::ids;
use super::seed_names::{
    CITIES, COMPANY_HEADS, COMPANY_TAILS, FIRST_NAMES, LAST_NAMES, STREETS, TITLES,
};
use super::validate::{check_values, RecordError};
use super::value::Val;
use super::write::{set, Fields, Writer};

/// One record to load at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRecord {
    /// sObject name, e.g. `Lead`.
    pub sobject: String,
    /// Field values by API name, as in a REST body.
    pub fields: Map<String, Value>,
}

impl SeedRecord {
    /// A record of `sobject` with the given fields (a JSON object; anything else is empty).
    pub fn new(sobject: &str, fields: Value) -> Self {
        let fields = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Self {
            sobject: sobject.to_string(),
            fields,
        }
    }
}

const STATUSES: [(&str, u32); 4] = [
    ("Open - Not Contacted", 45),
    ("Working - Contacted", 35),
    ("Closed - Not Converted", 15),
    ("Closed - Converted", 5),
];
const SOURCES: [&str; 5] = [
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.gen_range(0..items.len()))
    }
}

fn weighted(rng: &mut StdRng) -> &'static str {
    let total: u32 = STATUSES.iter().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0..total);
    for (status, weight) in STATUSES {
        if roll < weight {
            return status;
        }
        roll -= weight;
    }
    "Open - Not Contacted"
}

/// Phone numbers in the mix of formats real CRMs accumulate.
fn phone(rng: &mut StdRng) -> String {
    let (area, line) = (rng.gen_range(201..990), rng.gen_range(100..10000));
    match rng.gen_range(0..5) {
        0 => format!("({area}) 555-{line:04}"),
        1 => format!("+1 {area} 555 {line:04}"),
        2 => format!("{area}.555.{line:04}"),
        3 => format!("+44 20 7946 {line:04}"),
        _ => format!("{area}-555-{line:04}"),
    }
}

fn slug(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `n` realistic, reproducible Leads: names (some non-ASCII), companies, titles, emails,
/// mixed-format phones, addresses, status and source picklists, opt-out flags and a unique
/// `Crmsync_Id__c`. About 5% lack an email and 10% a phone.
pub fn seed_leads(n: usize, seed: u64) -> Vec<SeedRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let (first, first_ascii) = pick(&mut rng, FIRST_NAMES)
                .copied()
                .unwrap_or(("Ada", "ada"));
            let (last, last_ascii) = pick(&mut rng, LAST_NAMES)
                .copied()
                .unwrap_or(("Lovelace", "lovelace"));
            let head = pick(&mut rng, COMPANY_HEADS).copied().unwrap_or("Acme");
            let tail = pick(&mut rng, COMPANY_TAILS).copied().unwrap_or("Inc.");
            let company = format!("{head} {tail}");
            let domain = format!(
                "{}.{}",
                slug(head),
                if rng.gen_bool(0.7) { "com" } else { "io" }
            );
            let (city, state, country, zip) = pick(&mut rng, CITIES)
                .copied()
                .unwrap_or(("Boston", "MA", "USA", "02108"));
            let street = pick(&mut rng, STREETS).copied().unwrap_or("Main Street");
            let mut fields = json!({
                "FirstName": first,
                "LastName": last,
                "Company": company,
                "Title": pick(&mut rng, TITLES).copied().unwrap_or("Manager"),
                "Status": weighted(&mut rng),
                "LeadSource": pick(&mut rng, &SOURCES).copied().unwrap_or("Web"),
                "Street": format!("{} {street}", rng.gen_range(1..2000)),
                "City": city,
                "State": state,
                "PostalCode": zip,
                "Country": country,
                "DoNotCall": rng.gen_bool(0.05),
                "HasOptedOutOfEmail": rng.gen_bool(0.08),
                "Crmsync_Id__c": format!("L{seed}-{:06}", i + 1),
            });
            if let Some(obj) = fields.as_object_mut() {
                if !rng.gen_bool(0.05) {
                    let email = format!("{first_ascii}.{last_ascii}@{domain}");
                    obj.insert("Email".into(), Value::String(email));
                }
                if !rng.gen_bool(0.10) {
                    obj.insert("Phone".into(), Value::String(phone(&mut rng)));
                }
            }
            SeedRecord::new("Lead", fields)
        })
        .collect()
}

/// Reads and parses a seed file.
pub(crate) fn load_file(path: &Path) -> Result<Vec<SeedRecord>, EmulatorError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::SeedFile {
        path: path.display().to_string(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| EmulatorError::Seed(format!("{}: not JSON: {e}", path.display())))?;
    parse(value)
}

/// Accepts the three seed shapes described in the module docs.
pub(crate) fn parse(value: Value) -> Result<Vec<SeedRecord>, EmulatorError> {
    let typed = |list: Vec<Value>| -> Result<Vec<SeedRecord>, EmulatorError> {
        list.into_iter()
            .map(|record| {
                let sobject = record
                    .get("attributes")
                    .and_then(|a| a.get("type"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| EmulatorError::Seed("record without attributes.type".into()))?
                    .to_string();
                let mut record = record;
                if let Some(obj) = record.as_object_mut() {
                    obj.remove("attributes");
                }
                Ok(SeedRecord::new(&sobject, record))
            })
            .collect()
    };
    match value {
        Value::Array(list) => typed(list),
        Value::Object(mut map) => match map.remove("records") {
            Some(Value::Array(list)) => typed(list),
            Some(_) => Err(EmulatorError::Seed("\"records\" must be an array".into())),
            None => {
                let mut out = Vec::new();
                for (sobject, list) in map {
                    let Value::Array(list) = list else {
                        return Err(EmulatorError::Seed(format!(
                            "\"{sobject}\" must be an array"
                        )));
                    };
                    out.extend(list.into_iter().map(|r| SeedRecord::new(&sobject, r)));
                }
                Ok(out)
            }
        },
        _ => Err(EmulatorError::Seed(
            "seed data must be a JSON object or array".into(),
        )),
    }
}

impl Writer<'_> {
    /// Inserts seed data verbatim: system fields (`Id`, dates, `IsDeleted`) may be given;
    /// the rest is validated like a create.
    pub(crate) fn seed(&mut self, fields: Fields) -> Result<String, RecordError> {
        let schema = self.schema()?;
        let sys = schema.sys;
        let mut row = self.blank_row(&schema);
        let mut user_fields = Vec::new();
        for (idx, val) in fields {
            if let Some(slot) = row.get_mut(idx) {
                *slot = val.clone();
            }
            let system = [
                sys.id,
                sys.is_deleted,
                sys.created_date,
                sys.last_modified_date,
            ]
            .contains(&idx)
                || idx == sys.system_modstamp;
            if !system {
                user_fields.push((idx, val));
            }
        }
        check_values(self.store, &schema, &mut row, &user_fields, true, None)?;
        let given_id = row
            .get(sys.id)
            .and_then(Val::as_text)
            .and_then(ids::normalize);
        let id = match given_id {
            Some(id) if id.starts_with(schema.key_prefix) => id,
            _ => self.store.new_id(self.obj).ok_or_else(|| {
                RecordError::new("STORAGE_LIMIT_EXCEEDED", "storage limit exceeded", &[])
            })?,
        };
        set(&mut row, sys.id, Val::Text(id.clone()));
        let created = match row.get(sys.created_date) {
            Some(Val::DateTime(ts)) => *ts,
            _ => self.store.clock.tick(),
        };
        for idx in [
            sys.created_date,
            sys.last_modified_date,
            sys.system_modstamp,
        ] {
            if !matches!(row.get(idx), Some(Val::DateTime(_))) {
                set(&mut row, idx, Val::DateTime(created));
            }
            if let Some(Val::DateTime(ts)) = row.get(idx) {
                self.store.clock.observe(*ts);
            }
        }
        self.put(&id, row);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_are_reproducible_and_unique() {
        let a = seed_leads(300, 7);
        assert_eq!(a, seed_leads(300, 7));
        assert_ne!(a, seed_leads(300, 8));
        let ids: std::collections::HashSet<_> = a
            .iter()
            .filter_map(|r| r.fields.get("Crmsync_Id__c"))
            .collect();
        assert_eq!(ids.len(), 300);
        assert!(a
            .iter()
            .all(|r| r.fields.get("LastName").is_some() && r.fields.get("Company").is_some()));
        let with_email = a.iter().filter(|r| r.fields.contains_key("Email")).count();
        assert!((250..300).contains(&with_email), "{with_email}");
    }

    #[test]
    fn seed_shapes() {
        let tree = json!({"records": [{"attributes": {"type": "Account"}, "Name": "Acme"}]});
        let keyed = json!({"Account": [{"Name": "Acme"}]});
        let want = vec![SeedRecord::new("Account", json!({"Name": "Acme"}))];
        assert_eq!(parse(tree).unwrap(), want);
        assert_eq!(parse(keyed).unwrap(), want);
        assert!(parse(json!([{"Name": "x"}])).is_err());
        assert!(parse(json!("x")).is_err());
    }
}
