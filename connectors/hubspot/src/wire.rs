//! HubSpot JSON shapes the connector reads, and their conversion to SDK types.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use crmsync_sdk::crm::{FieldSchema, RemoteRecord};
use serde::Deserialize;

/// `SimplePublicObject`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireRecord {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) properties: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
    #[serde(default)]
    pub(crate) archived: bool,
    #[serde(default)]
    pub(crate) archived_at: Option<String>,
}

/// `paging.next.after`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub(crate) next: Option<NextPage>,
}

/// `paging.next`.
#[derive(Debug, Deserialize)]
pub(crate) struct NextPage {
    pub(crate) after: String,
}

/// A list, search or batch-read response.
#[derive(Debug, Deserialize)]
pub(crate) struct Collection {
    #[serde(default)]
    pub(crate) results: Vec<WireRecord>,
    #[serde(default)]
    pub(crate) paging: Option<Paging>,
}

impl Collection {
    /// The continuation token, if another page exists.
    pub(crate) fn next_after(&self) -> Option<String> {
        self.paging
            .as_ref()
            .and_then(|p| p.next.as_ref())
            .map(|n| n.after.clone())
    }
}

/// Parses HubSpot's times: RFC 3339 or epoch milliseconds.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let millis = text.parse::<i64>().ok()?;
    Utc.timestamp_millis_opt(millis).single()
}

impl WireRecord {
    /// The last-modified time: the object's modified property, else `updatedAt`.
    pub(crate) fn modified(&self, modified_prop: &str) -> Option<DateTime<Utc>> {
        self.properties
            .get(modified_prop)
            .and_then(|v| v.as_deref())
            .and_then(parse_time)
            .or_else(|| self.updated_at.as_deref().and_then(parse_time))
    }

    /// As an SDK record; archived records become deletes stamped with their archive time.
    pub(crate) fn into_remote(self, object: &str, modified_prop: &str) -> RemoteRecord {
        let modified_at = if self.archived {
            self.archived_at
                .as_deref()
                .and_then(parse_time)
                .or_else(|| self.modified(modified_prop))
        } else {
            self.modified(modified_prop)
        };
        RemoteRecord {
            id: self.id,
            object: object.to_owned(),
            modified_at,
            deleted: self.archived,
            fields: self.properties,
        }
    }
}

/// Orders HubSpot ids numerically (they are decimal strings) so cursor comparisons agree
/// with the server's sort; non-numeric ids fall back to text order after numeric ones.
pub(crate) fn id_key(id: &str) -> (bool, usize, &str) {
    let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let trimmed = id.trim_start_matches('0');
    if numeric {
        (false, trimmed.len(), trimmed)
    } else {
        (true, id.len(), id)
    }
}

/// A property definition from the properties API.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireProperty {
    pub(crate) name: String,
    #[serde(default)]
    label: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    has_unique_value: bool,
    #[serde(default)]
    hubspot_defined: Option<bool>,
    #[serde(default)]
    calculated: bool,
    #[serde(default)]
    modification_metadata: Option<ModificationMetadata>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModificationMetadata {
    #[serde(default)]
    read_only_value: bool,
}

/// `{results: [Property]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct PropertyList {
    #[serde(default)]
    pub(crate) results: Vec<WireProperty>,
}

impl WireProperty {
    /// As an SDK field; `unique_key` marks the configured upsert key unique too.
    pub(crate) fn into_field(self, unique_key: Option<&str>) -> FieldSchema {
        let read_only = self.calculated
            || self
                .modification_metadata
                .as_ref()
                .is_some_and(|m| m.read_only_value);
        FieldSchema {
            unique: self.has_unique_value || unique_key == Some(self.name.as_str()),
            custom: !self.hubspot_defined.unwrap_or(false),
            read_only,
            label: self.label,
            kind: self.kind,
            name: self.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ids() {
        let at = parse_time("2024-05-01T10:00:00.123Z");
        assert_eq!(at.map(|t| t.timestamp_millis()), Some(1_714_557_600_123));
        assert_eq!(
            parse_time("1714557600123").map(|t| t.timestamp_millis()),
            Some(1_714_557_600_123)
        );
        assert_eq!(parse_time("yesterday"), None);
        let mut ids = vec!["10", "9", "101", "abc", "2"];
        ids.sort_by_key(|id| id_key(id));
        assert_eq!(ids, vec!["2", "9", "10", "101", "abc"]);
    }
}
