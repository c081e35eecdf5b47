//! Records on the wire: JSON bodies in, ordered JSON records out.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::fields::Computed;
use super::schema::ObjectSchema;
use super::store::Row;
use super::value::{from_json, Val};
use super::write::Fields;

/// A JSON object that keeps its keys in insertion order, the way Salesforce lists
/// `attributes` first and then fields in SELECT order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct OrderedObject(pub Vec<(String, Value)>);

impl Serialize for OrderedObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl OrderedObject {
    /// Converts to a plain JSON value (key order then follows serde_json's map).
    pub(crate) fn into_value(self) -> Value {
        Value::Object(self.0.into_iter().collect())
    }
}

/// The `attributes` member of a record.
pub(crate) fn attributes(schema: &ObjectSchema, id: Option<&str>, version: &str) -> Value {
    let mut attrs = Map::new();
    attrs.insert("type".into(), Value::String(schema.name.to_string()));
    if let Some(id) = id {
        attrs.insert(
            "url".into(),
            Value::String(format!(
                "/services/data/v{version}/sobjects/{}/{id}",
                schema.name
            )),
        );
    }
    Value::Object(attrs)
}

/// The JSON value of field `idx` of `row`, computing compound fields.
pub(crate) fn render_value(schema: &ObjectSchema, idx: usize, row: &Row) -> Value {
    let Some(field) = schema.field(idx) else {
        return Value::Null;
    };
    let text = |name: &str| {
        schema
            .field_index(name)
            .and_then(|i| row.get(i))
            .and_then(Val::as_text)
            .map(str::to_string)
    };
    match field.computed {
        Some(Computed::FullName) => {
            let full: Vec<String> = [text("FirstName"), text("LastName")]
                .into_iter()
                .flatten()
                .collect();
            if full.is_empty() {
                Value::Null
            } else {
                Value::String(full.join(" "))
            }
        }
        Some(Computed::Address(prefix)) => {
            let parts = [
                ("city", "City"),
                ("country", "Country"),
                ("postalCode", "PostalCode"),
                ("state", "State"),
                ("street", "Street"),
            ]
            .map(|(key, suffix)| (key, text(&format!("{prefix}{suffix}"))));
            if parts.iter().all(|(_, v)| v.is_none()) {
                return Value::Null;
            }
            let mut out = Map::new();
            for (key, value) in parts {
                out.insert(key.to_string(), value.map_or(Value::Null, Value::String));
            }
            out.insert("geocodeAccuracy".into(), Value::Null);
            out.insert("latitude".into(), Value::Null);
            out.insert("longitude".into(), Value::Null);
            Value::Object(out)
        }
        None => row.get(idx).map_or(Value::Null, Val::to_json),
    }
}

/// The text a CSV cell shows for field `idx` (compound address fields are never asked for).
pub(crate) fn render_csv(schema: &ObjectSchema, idx: usize, row: &Row) -> String {
    match schema.field(idx).and_then(|f| f.computed) {
        Some(_) => match render_value(schema, idx, row) {
            Value::String(s) => s,
            _ => String::new(),
        },
        None => row.get(idx).map(Val::to_csv).unwrap_or_default(),
    }
}

/// A full record with `attributes` and the listed fields.
pub(crate) fn render_record(
    schema: &ObjectSchema,
    row: &Row,
    fields: &[usize],
    version: &str,
) -> OrderedObject {
    let id = row.get(schema.sys.id).and_then(Val::as_text);
    let mut out = Vec::with_capacity(fields.len() + 1);
    out.push(("attributes".to_string(), attributes(schema, id, version)));
    for &idx in fields {
        out.push((
            schema.field_name(idx).to_string(),
            render_value(schema, idx, row),
        ));
    }
    OrderedObject(out)
}

/// Converts a JSON record body into field assignments. `attributes` is ignored; unknown
/// fields and values of the wrong JSON type fail the whole request, as they do in
/// Salesforce's JSON deserialisation.
pub(crate) fn fields_from_json(
    schema: &ObjectSchema,
    body: &Map<String, Value>,
) -> Result<Fields, ApiError> {
    let mut out = Vec::with_capacity(body.len());
    for (key, value) in body {
        if key == "attributes" {
            continue;
        }
        let idx = schema.field_index(key).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{key}' on sobject of type {}", schema.name),
            )
        })?;
        let field = schema.field(idx).ok_or_else(ApiError::not_found)?;
        let val = from_json(field, value).map_err(ApiError::json_parser)?;
        out.push((idx, val));
    }
    Ok(out)
}
