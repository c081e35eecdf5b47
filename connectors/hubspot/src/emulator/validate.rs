//! Property value validation, with HubSpot's error codes and messages.
//!
//! HubSpot rejects a write whose values do not fit their property with
//! `Property values were not valid: [{"isValid":false,"message":…,"error":"INVALID_EMAIL",
//! "name":"email",…}]`; this module produces those per-property issues.

use serde_json::{json, Value};

use super::clock::parse_time_millis;
use super::schema::{PropKind, PropertyDef};

/// One invalid property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropIssue {
    /// Property name.
    pub(crate) name: String,
    /// HubSpot error code (`INVALID_EMAIL`, `PROPERTY_DOESNT_EXIST`, …).
    pub(crate) code: &'static str,
    /// Human-readable message.
    pub(crate) message: String,
}

impl PropIssue {
    pub(crate) fn new(name: &str, code: &'static str, message: String) -> Self {
        Self {
            name: name.to_owned(),
            code,
            message,
        }
    }

    /// The issue for a property the object type does not have.
    pub(crate) fn unknown(name: &str) -> Self {
        Self::new(
            name,
            "PROPERTY_DOESNT_EXIST",
            format!("Property \"{name}\" does not exist"),
        )
    }

    /// The issue for an email address HubSpot would refuse.
    pub(crate) fn invalid_email(value: &str) -> Self {
        Self::new(
            "email",
            "INVALID_EMAIL",
            format!("Email address {value} is invalid"),
        )
    }
}

/// The top-level message HubSpot uses for a list of issues.
pub(crate) fn issues_message(issues: &[PropIssue]) -> String {
    let details: Vec<Value> = issues
        .iter()
        .map(|issue| {
            json!({
                "isValid": false,
                "message": issue.message,
                "error": issue.code,
                "name": issue.name,
                "localizedErrorMessage": issue.message,
            })
        })
        .collect();
    format!("Property values were not valid: {}", Value::Array(details))
}

/// Checks one value written to `def`; empty strings clear a property and are always valid.
pub(crate) fn check_value(def: &PropertyDef, value: &str, is_email: bool) -> Option<PropIssue> {
    if def.read_only_value {
        return Some(PropIssue::new(
            &def.name,
            "READ_ONLY_VALUE",
            format!(
                "\"{}\" is a read only property; its value cannot be set.",
                def.name
            ),
        ));
    }
    if value.is_empty() {
        return None;
    }
    if is_email && !is_valid_email(value) {
        return Some(PropIssue::invalid_email(value));
    }
    let bad = |code: &'static str, what: &str| {
        Some(PropIssue::new(
            &def.name,
            code,
            format!("{value} is not a valid {what} for property {}", def.name),
        ))
    };
    match def.kind {
        PropKind::Number => match value.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => None,
            _ => bad("INVALID_NUMBER", "number"),
        },
        PropKind::Bool => match value.to_ascii_lowercase().as_str() {
            "true" | "false" => None,
            _ => bad("INVALID_BOOLEAN", "boolean"),
        },
        PropKind::DateTime => match parse_time_millis(value) {
            Some(_) => None,
            None => bad("INVALID_DATETIME", "datetime"),
        },
        PropKind::Date => match parse_time_millis(value) {
            Some(ms) if ms.rem_euclid(86_400_000) == 0 => None,
            Some(_) => Some(PropIssue::new(
                &def.name,
                "INVALID_DATE",
                format!(
                    "{value} is not at midnight UTC; date property {} only stores days",
                    def.name
                ),
            )),
            None => bad("INVALID_DATE", "date"),
        },
        PropKind::Enumeration if !def.options.is_empty() => {
            let allowed = |part: &str| def.options.iter().any(|(_, v)| v == part);
            if value.split(';').all(allowed) {
                None
            } else {
                let options: Vec<&str> = def.options.iter().map(|(_, v)| v.as_str()).collect();
                Some(PropIssue::new(
                    &def.name,
                    "INVALID_OPTION",
                    format!(
                        "{value} was not one of the allowed options: [{}]",
                        options.join(", ")
                    ),
                ))
            }
        }
        PropKind::Enumeration | PropKind::String | PropKind::PhoneNumber => None,
    }
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub(crate) fn is_valid_email(value: &str) -> bool {
    let value = value.trim();
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::schema::schema_for;

    #[test]
    fn emails() {
        let cases = [
            ("ada@example.com", true),
            ("a.b+tag@sub.example.co.uk", true),
            ("ada@example", false),
            ("ada example@example.com", false),
            ("@example.com", false),
            ("ada@@example.com", false),
            ("ada@example..com", false),
            ("plain", false),
        ];
        for (email, want) in cases {
            assert_eq!(is_valid_email(email), want, "{email}");
        }
    }

    #[test]
    fn values_by_type() {
        let contacts = schema_for("contacts");
        let deals = schema_for("deals");
        let prop = |schema: &crate::emulator::schema::ObjectSchema, name: &str| {
            schema.properties.get(name).cloned()
        };
        let cases = [
            (prop(&contacts, "email"), "bad", true, Some("INVALID_EMAIL")),
            (prop(&contacts, "email"), "", true, None),
            (prop(&contacts, "lifecyclestage"), "lead", false, None),
            (
                prop(&contacts, "lifecyclestage"),
                "boss",
                false,
                Some("INVALID_OPTION"),
            ),
            (
                prop(&contacts, "hs_object_id"),
                "5",
                false,
                Some("READ_ONLY_VALUE"),
            ),
            (prop(&deals, "amount"), "12.5", false, None),
            (
                prop(&deals, "amount"),
                "lots",
                false,
                Some("INVALID_NUMBER"),
            ),
            (
                prop(&deals, "closedate"),
                "2024-02-01T10:00:00Z",
                false,
                None,
            ),
            (
                prop(&deals, "closedate"),
                "soon",
                false,
                Some("INVALID_DATETIME"),
            ),
        ];
        for (def, value, is_email, want) in cases {
            let Some(def) = def else {
                panic!("missing property for {value}");
            };
            let got = check_value(&def, value, is_email).map(|issue| issue.code);
            assert_eq!(got, want, "{} = {value}", def.name);
        }
    }

    #[test]
    fn message_embeds_issue_json() {
        let message = issues_message(&[PropIssue::invalid_email("x")]);
        assert!(message.starts_with("Property values were not valid: [{"));
        assert!(message.contains("\"error\":\"INVALID_EMAIL\""));
        assert!(message.contains("\"name\":\"email\""));
    }
}
