//! JSON rendering of records and parsing of common request pieces.

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super::clock::iso;
use super::errors::ApiError;
use super::schema::ObjectSchema;
use super::store::{Props, Record};

/// Which properties a response carries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Selection<'a> {
    /// The type's default properties (nothing requested).
    Default,
    /// The requested names plus `hs_object_id` and the creation/modification dates.
    Named(&'a [String]),
    /// Every stored property (write responses).
    All,
}

impl<'a> Selection<'a> {
    /// `Named` unless the list is empty.
    pub(crate) fn from_list(names: &'a [String]) -> Self {
        if names.is_empty() {
            Self::Default
        } else {
            Self::Named(names)
        }
    }
}

/// A record as HubSpot's `SimplePublicObject`. Requested properties that exist but are unset
/// come back as `null`, as HubSpot does; unknown names are ignored.
pub(crate) fn record_json(
    record: &Record,
    schema: &ObjectSchema,
    selection: Selection<'_>,
) -> Value {
    let mut props = Map::new();
    let mut put = |name: &str| {
        if schema.properties.contains_key(name) {
            let value = record
                .properties
                .get(name)
                .map_or(Value::Null, |v| json!(v));
            props.insert(name.to_owned(), value);
        }
    };
    match selection {
        Selection::Default => schema.default_props.iter().for_each(|name| put(name)),
        Selection::Named(names) => {
            names.iter().for_each(|name| put(name.trim()));
            put("hs_object_id");
            put(schema.created_prop);
            put(schema.modified_prop);
        }
        Selection::All => {
            for (name, value) in &record.properties {
                props.insert(name.clone(), json!(value));
            }
        }
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(record.id));
    out.insert("properties".into(), Value::Object(props));
    out.insert("createdAt".into(), json!(iso(record.created_at)));
    out.insert("updatedAt".into(), json!(iso(record.updated_at)));
    out.insert("archived".into(), json!(record.archived));
    if let Some(at) = record.archived_at {
        out.insert("archivedAt".into(), json!(iso(at)));
    }
    Value::Object(out)
}

/// A JSON scalar as HubSpot stores it: a string. `null` clears a property (empty string).
pub(crate) fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The `properties` object of a write input.
pub(crate) fn props_from(value: Option<&Value>) -> Result<Props, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(Props::new()),
        Some(Value::Object(map)) => Ok(map
            .iter()
            .map(|(k, v)| (k.clone(), scalar_text(v)))
            .collect()),
        Some(_) => Err(ApiError::validation(
            "Invalid input JSON: `properties` must be an object of property names to values",
        )),
    }
}

/// Parses a JSON request body.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ApiError::invalid_json(&e))
}

/// Query string pairs; repeated keys are kept (`properties=a&properties=b`).
#[derive(Debug, Default)]
pub(crate) struct QueryParams(pub(crate) Vec<(String, String)>);

impl QueryParams {
    /// The last value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values of `key`, comma-split, trimmed, without empties.
    pub(crate) fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A boolean flag; absent means `false`.
    pub(crate) fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::validation(format!(
                "Unable to process JSON: invalid boolean value `{other}` for `{key}`"
            ))),
        }
    }
}

/// A JSON string list that may hold strings or other scalars.
pub(crate) fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().map(scalar_text).collect(),
        Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_owned()).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::schema::schema_for;
    use chrono::Utc;

    fn record() -> Record {
        let now = Utc::now();
        Record {
            id: "7".into(),
            properties: [
                ("email", "a@x.example"),
                ("hs_object_id", "7"),
                ("phone", "1"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            created_at: now,
            updated_at: now,
            archived: false,
            archived_at: None,
        }
    }

    #[test]
    fn selection_controls_properties() {
        let schema = schema_for("contacts");
        let default = record_json(&record(), &schema, Selection::Default);
        assert_eq!(default["properties"]["email"], "a@x.example");
        assert_eq!(default["properties"]["firstname"], Value::Null);
        assert!(default["properties"].get("phone").is_none());
        let wanted = vec!["phone".to_owned(), "bogus".to_owned()];
        let named = record_json(&record(), &schema, Selection::Named(&wanted));
        let keys: Vec<&String> = named["properties"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            vec!["createdate", "hs_object_id", "lastmodifieddate", "phone"]
        );
        assert!(named.get("archivedAt").is_none());
    }

    #[test]
    fn query_params_split_and_repeat() {
        let q = QueryParams(vec![
            ("properties".into(), "email, firstname".into()),
            ("properties".into(), "phone".into()),
            ("archived".into(), "TRUE".into()),
        ]);
        assert_eq!(q.list("properties"), vec!["email", "firstname", "phone"]);
        assert_eq!(q.flag("archived").ok(), Some(true));
        assert_eq!(q.flag("missing").ok(), Some(false));
    }
}
