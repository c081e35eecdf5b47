//! Stored field values and their conversions from JSON bodies and CSV uploads.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::clock::{format_bulk, format_rest, parse_datetime};
use super::fields::{FieldDef, FieldType};

/// A stored field value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Text(String),
    Bool(bool),
    Num(f64),
    Int(i64),
    DateTime(DateTime<Utc>),
}

impl Val {
    /// Whether the value is null.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    /// The text payload, if any.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }

    /// JSON rendering as the REST API returns it.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Text(s) => Value::String(s.clone()),
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Val::Int(n) => Value::from(*n),
            Val::DateTime(ts) => Value::String(format_rest(ts)),
        }
    }

    /// CSV rendering as Bulk API 2.0 returns it (nulls are empty cells).
    pub(crate) fn to_csv(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Text(s) => s.clone(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => format_number(*n),
            Val::Int(n) => n.to_string(),
            Val::DateTime(ts) => format_bulk(ts),
        }
    }

    /// Orders two values of the same field. Text compares case-insensitively (SOQL's
    /// collation) except ids, which compare byte-wise; nulls sort first.
    pub(crate) fn cmp_for(&self, other: &Val, ftype: FieldType) -> Ordering {
        match (self, other) {
            (Val::Null, Val::Null) => Ordering::Equal,
            (Val::Null, _) => Ordering::Less,
            (_, Val::Null) => Ordering::Greater,
            (Val::Text(a), Val::Text(b)) => {
                if matches!(ftype, FieldType::Id | FieldType::Reference) {
                    a.cmp(b)
                } else {
                    a.to_lowercase().cmp(&b.to_lowercase())
                }
            }
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            (Val::DateTime(a), Val::DateTime(b)) => a.cmp(b),
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => Ordering::Equal,
            },
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Int(n) => Some(*n as f64),
            _ => None,
        }
    }
}

/// Renders a number without a trailing `.0` for whole values, as Salesforce's CSV does.
fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Converts a JSON body value into a stored value for `field`. The error is the
/// `JSON_PARSER_ERROR` message Salesforce gives for a value of the wrong JSON type.
pub(crate) fn from_json(field: &FieldDef, value: &Value) -> Result<Val, String> {
    let bad = || {
        format!(
            "Cannot deserialize instance of {} from {} value {} or request may be missing a \
             required field",
            field.ftype.soql_name(),
            json_kind(value),
            value
        )
    };
    if value.is_null() {
        return Ok(Val::Null);
    }
    match field.ftype {
        FieldType::Boolean => match value {
            Value::Bool(b) => Ok(Val::Bool(*b)),
            Value::String(s) => parse_bool(s).map(Val::Bool).ok_or_else(bad),
            _ => Err(bad()),
        },
        FieldType::DateTime => match value {
            Value::String(s) => parse_datetime(s).map(Val::DateTime).ok_or_else(bad),
            _ => Err(bad()),
        },
        FieldType::Currency => match value {
            Value::Number(n) => n.as_f64().map(Val::Num).ok_or_else(bad),
            Value::String(s) => s.trim().parse::<f64>().map(Val::Num).map_err(|_| bad()),
            _ => Err(bad()),
        },
        FieldType::Int => match value {
            Value::Number(n) => n.as_i64().map(Val::Int).ok_or_else(bad),
            Value::String(s) => s.trim().parse::<i64>().map(Val::Int).map_err(|_| bad()),
            _ => Err(bad()),
        },
        FieldType::Address => Err(bad()),
        // Salesforce stores an empty text value as null.
        _ => match value {
            Value::String(s) if s.is_empty() => Ok(Val::Null),
            Value::String(s) => Ok(Val::Text(s.clone())),
            Value::Number(n) => Ok(Val::Text(n.to_string())),
            Value::Bool(b) => Ok(Val::Text(b.to_string())),
            _ => Err(bad()),
        },
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(_) => "VALUE_TRUE",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Converts a Bulk API CSV cell. Empty cells mean "leave unchanged" (`Ok(None)`), `#N/A`
/// sets null. The error is the message for an `INVALID_FIELD` row failure.
pub(crate) fn from_csv(field: &FieldDef, cell: &str) -> Result<Option<Val>, String> {
    if cell.is_empty() {
        return Ok(None);
    }
    if cell == "#N/A" {
        return Ok(Some(Val::Null));
    }
    let bad = || {
        format!(
            "'{cell}' is not a valid value for the type {}",
            field.ftype.soap_type()
        )
    };
    let val = match field.ftype {
        FieldType::Boolean => parse_bool(cell).map(Val::Bool).ok_or_else(bad)?,
        FieldType::DateTime => parse_datetime(cell).map(Val::DateTime).ok_or_else(bad)?,
        FieldType::Currency => cell
            .trim()
            .parse::<f64>()
            .map(Val::Num)
            .map_err(|_| bad())?,
        FieldType::Int => cell
            .trim()
            .parse::<i64>()
            .map(Val::Int)
            .map_err(|_| bad())?,
        FieldType::Address => return Err(bad()),
        _ => Val::Text(cell.to_string()),
    };
    Ok(Some(val))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::schema::{ExternalIdConfig, Schemas};

    #[test]
    fn json_conversions_follow_field_types() {
        let schemas = Schemas::new(&ExternalIdConfig::default());
        let lead = schemas.by_name("lead").unwrap();
        let field = |n: &str| lead.field(lead.field_index(n).unwrap()).unwrap();
        assert_eq!(
            from_json(field("DoNotCall"), &Value::Bool(true)),
            Ok(Val::Bool(true))
        );
        assert!(from_json(field("DoNotCall"), &Value::from("maybe")).is_err());
        assert_eq!(
            from_json(field("Phone"), &Value::from(555)),
            Ok(Val::Text("555".into()))
        );
        assert_eq!(
            from_json(field("NumberOfEmployees"), &Value::from(12)),
            Ok(Val::Int(12))
        );
        assert!(from_json(field("Address"), &Value::from("x")).is_err());
        assert_eq!(from_csv(field("Email"), ""), Ok(None));
        assert_eq!(from_csv(field("Email"), "#N/A"), Ok(Some(Val::Null)));
        assert_eq!(
            from_csv(field("DoNotCall"), "nope"),
            Err("'nope' is not a valid value for the type xsd:boolean".to_string())
        );
        assert_eq!(Val::Num(1500.0).to_csv(), "1500");
        assert_eq!(Val::Num(12.5).to_csv(), "12.5");
    }
}
