//! Seed data: explicit records, JSON seed files and deterministic generators.
//!
//! A seed file is a JSON array of `{"objectType": "contacts", "id"?: "17", "properties": {…}}`
//! objects (`object` is accepted for `objectType`; non-string property values are turned
//! into strings). Seeded records bypass write validation, except that ids and unique values
//! must not collide; property names the type does not know become custom text properties.
//! Unless the seed sets them, creation and modification dates are spread one millisecond
//! apart ending at build time, so every seeded record is already in the past.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::Utc;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::Value;

use super::clock::from_millis;
use super::schema::custom_text_property;
use super::store::Store;
use super::{EmulatorError, Result};

/// One record to load before the emulator starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRecord {
    /// Object type (`contacts`, `companies`, `0-1`, or a custom name).
    pub object: String,
    /// Fixed numeric id; the next free id when `None`.
    pub id: Option<String>,
    /// Property values.
    pub properties: BTreeMap<String, String>,
}

impl SeedRecord {
    /// A record of `object` with the given properties and an automatic id.
    pub fn new<K, V>(object: &str, properties: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            object: object.to_owned(),
            id: None,
            properties: properties
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The same record with a fixed id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileRecord {
    #[serde(alias = "object")]
    object_type: String,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    properties: BTreeMap<String, Value>,
}

fn value_text(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// Reads a seed file.
pub(crate) fn load_file(path: &Path) -> Result<Vec<SeedRecord>> {
    let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::SeedFileRead {
        path: path.to_owned(),
        source,
    })?;
    let records: Vec<FileRecord> =
        serde_json::from_str(&text).map_err(|source| EmulatorError::SeedFileFormat {
            path: path.to_owned(),
            source,
        })?;
    Ok(records
        .into_iter()
        .map(|r| SeedRecord {
            object: r.object_type,
            id: r.id.and_then(value_text),
            properties: r
                .properties
                .into_iter()
                .filter_map(|(k, v)| value_text(v).map(|v| (k, v)))
                .collect(),
        })
        .collect())
}

/// Loads seed records into the store.
pub(crate) fn apply(store: &mut Store, seeds: Vec<SeedRecord>) -> Result<()> {
    let now = Utc::now();
    let count = i64::try_from(seeds.len()).unwrap_or(i64::MAX);
    let base = now.timestamp_millis().saturating_sub(count);
    let mut used: HashSet<(String, String)> = HashSet::new();
    for (index, seed) in seeds.into_iter().enumerate() {
        let invalid = |reason: String| EmulatorError::InvalidSeed {
            index,
            object: seed.object.clone(),
            reason,
        };
        let key = match &seed.id {
            Some(id) => Some(
                id.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|k| *k > 0)
                    .ok_or_else(|| invalid(format!("id `{id}` is not a positive number")))?,
            ),
            None => None,
        };
        let at = from_millis(base.saturating_add(i64::try_from(index).unwrap_or(0)));
        let table = store.table_or_create(&seed.object);
        let name = table.schema.name.clone();
        if let Some(key) = key {
            if table.get(key).is_some() {
                return Err(invalid(format!("duplicate id {key}")));
            }
        }
        for prop in seed.properties.keys() {
            if !table.schema.properties.contains_key(prop) {
                table.define(custom_text_property(prop, now));
            }
        }
        for (prop, value) in table.unique_values(&seed.properties) {
            if !used.insert((format!("{name}.{prop}"), value.clone())) {
                return Err(invalid(format!("duplicate {prop} `{value}`")));
            }
        }
        table.insert(seed.properties, at, key);
    }
    store.clock.observe(now);
    Ok(())
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Alan", "Amara", "Ana", "Arjun", "Beatriz", "Ben", "Carla", "Chen", "Chloe", "Daniel",
    "Dmitri", "Elena", "Emma", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Isaac",
    "Jamal", "Julia", "Kai", "Karin", "Lars", "Leila", "Liam", "Lucia", "Malik", "Maria", "Mateo",
    "Mei", "Nadia", "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sami", "Sofia", "Tariq",
    "Thomas", "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zoe",
];

const LAST_NAMES: &[&str] = &[
    "Abbott", "Alvarez", "Bauer", "Becker", "Brooks", "Castillo", "Chen", "Dubois", "Eriksson",
    "Fischer", "Garcia", "Gupta", "Hansen", "Hoffmann", "Ito", "Jensen", "Kowalski", "Larsen",
    "Lopez", "Martin", "Meyer", "Moreau", "Nakamura", "Novak", "Okafor", "Olsen", "Patel",
    "Petrov", "Quinn", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Sato", "Tanaka", "Torres",
    "Nguyen", "Varga", "Wagner", "Weber", "Williams", "Wong", "Yilmaz", "Zhang",
];

const COMPANIES: &[(&str, &str, &str)] = &[
    ("Acme Logistics", "acme-logistics.example", "Chicago"),
    ("Blue Harbor Foods", "blueharbor.example", "Seattle"),
    ("Cobalt Analytics", "cobalt-analytics.example", "Austin"),
    ("Delta Robotics", "deltarobotics.example", "Pittsburgh"),
    ("Evergreen Health", "evergreen-health.example", "Portland"),
    ("Fjord Software", "fjord.example", "Oslo"),
    ("Granite Capital", "granitecap.example", "Boston"),
    ("Helios Energy", "helios-energy.example", "Phoenix"),
    ("Iris Design Studio", "irisdesign.example", "Lisbon"),
    ("Juniper Retail", "juniper-retail.example", "Denver"),
    ("Kestrel Aviation", "kestrel.example", "Toulouse"),
    ("Lumen Labs", "lumenlabs.example", "Berlin"),
    ("Meridian Travel", "meridian-travel.example", "Madrid"),
    ("Northwind Traders", "northwind.example", "London"),
    ("Orchid Biotech", "orchidbio.example", "San Diego"),
    ("Pinnacle Insurance", "pinnacle-ins.example", "Hartford"),
    ("Quarry Media", "quarrymedia.example", "Toronto"),
    (
        "Redwood Partners",
        "redwood-partners.example",
        "San Francisco",
    ),
    ("Summit Outdoor", "summit-outdoor.example", "Salt Lake City"),
    ("Tidewater Marine", "tidewater.example", "Norfolk"),
];

const JOB_TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "Head of Sales",
    "Account Executive",
    "Marketing Manager",
    "Data Analyst",
    "Operations Lead",
    "Software Engineer",
    "Office Manager",
    "VP Finance",
    "Product Manager",
    "Customer Success Manager",
];

const STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "customer",
    "opportunity",
];

const AREA_CODES: &[&str] = &[
    "212", "312", "415", "512", "617", "646", "702", "720", "206",
];

fn pick<'a>(rng: &mut SmallRng, items: &[&'a str]) -> &'a str {
    items
        .get(rng.gen_range(0..items.len()))
        .copied()
        .unwrap_or("")
}

/// `n` realistic contacts: unique emails and phone numbers, names, companies, job titles
/// and lifecycle stages, the same for the same `seed`. About one in ten has no job title.
pub fn seed_contacts(n: usize, seed: u64) -> Vec<SeedRecord> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let first = pick(&mut rng, FIRST_NAMES);
            let last = pick(&mut rng, LAST_NAMES);
            let company = COMPANIES.get(rng.gen_range(0..COMPANIES.len()));
            let (company, domain, _) = company.copied().unwrap_or(("", "example.com", ""));
            let area = pick(&mut rng, AREA_CODES);
            // The index makes emails and phone numbers unique however names collide.
            let email = format!(
                "{}.{}{}@{domain}",
                first.to_lowercase(),
                last.to_lowercase(),
                i + 1
            );
            let exchange = 200 + (i / 10_000) % 800;
            let phone = format!("+1 {area}-{exchange:03}-{:04}", i % 10_000);
            let mut props = vec![
                ("email", email),
                ("firstname", first.to_owned()),
                ("lastname", last.to_owned()),
                ("phone", phone),
                ("company", company.to_owned()),
                ("lifecyclestage", pick(&mut rng, STAGES).to_owned()),
            ];
            if rng.gen_range(0..10) != 0 {
                props.push(("jobtitle", pick(&mut rng, JOB_TITLES).to_owned()));
            }
            SeedRecord::new("contacts", props)
        })
        .collect()
}

/// `n` companies with names, domains, phone numbers and cities, the same for the same `seed`.
/// Names and domains repeat with a numeric suffix once the built-in list is used up.
pub fn seed_companies(n: usize, seed: u64) -> Vec<SeedRecord> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let (name, domain, city) = COMPANIES.get(i % COMPANIES.len()).copied().unwrap_or((
                "Company",
                "company.example",
                "Springfield",
            ));
            let round = i / COMPANIES.len();
            let (name, domain) = if round == 0 {
                (name.to_owned(), domain.to_owned())
            } else {
                (
                    format!("{name} {}", round + 1),
                    format!("{}{domain}", round + 1),
                )
            };
            let area = pick(&mut rng, AREA_CODES);
            let phone = format!("+1 {area}-555-{:04}", i % 10_000);
            SeedRecord::new(
                "companies",
                [
                    ("name", name),
                    ("domain", domain),
                    ("phone", phone),
                    ("city", city.to_owned()),
                ],
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_contacts_are_unique_and_deterministic() {
        let a = seed_contacts(25_000, 9);
        assert_eq!(a, seed_contacts(25_000, 9));
        assert_ne!(a, seed_contacts(25_000, 10));
        let emails: HashSet<&str> = a
            .iter()
            .filter_map(|r| r.properties.get("email"))
            .map(String::as_str)
            .collect();
        let phones: HashSet<&str> = a
            .iter()
            .filter_map(|r| r.properties.get("phone"))
            .map(String::as_str)
            .collect();
        assert_eq!((emails.len(), phones.len()), (25_000, 25_000));
        let without_title = a
            .iter()
            .filter(|r| !r.properties.contains_key("jobtitle"))
            .count();
        assert!((2_000..3_000).contains(&without_title), "{without_title}");
    }

    #[test]
    fn apply_rejects_duplicate_ids_and_emails() {
        let mut store = Store::new();
        let dup_id = vec![
            SeedRecord::new("contacts", [("email", "a@x.example")]).with_id("5"),
            SeedRecord::new("contacts", [("email", "b@x.example")]).with_id("5"),
        ];
        let err = apply(&mut store, dup_id).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("seed record #1 (contacts): duplicate id 5")
        );
        let mut store = Store::new();
        let dup_email = vec![
            SeedRecord::new("contacts", [("email", "a@x.example")]),
            SeedRecord::new("contacts", [("email", "A@x.example")]),
        ];
        let err = apply(&mut store, dup_email).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("seed record #1 (contacts): duplicate email `a@x.example`")
        );
    }

    #[test]
    fn apply_spreads_dates_in_the_past_and_defines_unknown_properties() {
        let mut store = Store::new();
        let before = Utc::now();
        let seeds = vec![
            SeedRecord::new(
                "contacts",
                [("email", "a@x.example"), ("favourite_color", "teal")],
            ),
            SeedRecord::new("contacts", [("email", "b@x.example")]),
        ];
        assert!(apply(&mut store, seeds).is_ok());
        let Some(table) = store.table("contacts") else {
            panic!("contacts table missing");
        };
        let records: Vec<_> = table.records().collect();
        assert_eq!(records.len(), 2);
        let (a, b) = (records[0].updated_at, records[1].updated_at);
        assert_eq!((b - a).num_milliseconds(), 1);
        assert!(b <= Utc::now() && a >= before - chrono::Duration::seconds(1));
        assert!(table.schema.properties.contains_key("favourite_color"));
    }
}
