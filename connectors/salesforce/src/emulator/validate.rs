//! Save-time validation and the per-record error shape.

use serde::Serialize;

use super::fields::FieldType;
use super::ids;
use super::schema::ObjectSchema;
use super::store::{Row, Store};
use super::value::Val;
use super::write::Fields;

/// A per-record save error: `{statusCode, message, fields}` in REST results and
/// `CODE:message:fields --` in Bulk API result files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecordError {
    pub status_code: String,
    pub message: String,
    pub fields: Vec<String>,
}

impl RecordError {
    /// Builds an error.
    pub(crate) fn new(code: &str, message: &str, fields: &[&str]) -> Self {
        Self {
            status_code: code.to_string(),
            message: message.to_string(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        }
    }

    /// The `sf__Error` cell of a Bulk API failed-results row.
    pub(crate) fn bulk_cell(&self) -> String {
        format!(
            "{}:{}:{} --",
            self.status_code,
            self.message,
            self.fields.join(",")
        )
    }
}

/// Validates a record about to be saved. `row` already holds the merged values; `changed`
/// lists the fields the caller set. Reference ids are normalised to 18 characters in `row`.
pub(crate) fn check_values(
    store: &Store,
    schema: &ObjectSchema,
    row: &mut Row,
    changed: &Fields,
    creating: bool,
    self_id: Option<&str>,
) -> Result<(), RecordError> {
    let locked: Vec<&str> = changed
        .iter()
        .filter_map(|(idx, _)| schema.field(*idx))
        .filter(|f| {
            if creating {
                !f.createable
            } else {
                !f.updateable
            }
        })
        .map(|f| f.name.as_str())
        .collect();
    if !locked.is_empty() {
        return Err(RecordError::new(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            &format!(
                "Unable to create/update fields: {}. Please check the security settings of this \
                 field and verify that it is read/write for your profile or permission set.",
                locked.join(", ")
            ),
            &locked,
        ));
    }
    for (idx, _) in changed {
        let Some(field) = schema.field(*idx) else {
            continue;
        };
        let Some(text) = row.get(*idx).and_then(Val::as_text).map(str::to_string) else {
            continue;
        };
        if field.ftype.is_text() && field.length > 0 && text.chars().count() > field.length as usize
        {
            return Err(RecordError::new(
                "STRING_TOO_LONG",
                &format!(
                    "{}: data value too large: {} (max length={})",
                    field.label, text, field.length
                ),
                &[&field.name],
            ));
        }
        match field.ftype {
            FieldType::Email if !valid_email(&text) => {
                return Err(RecordError::new(
                    "INVALID_EMAIL_ADDRESS",
                    &format!("{}: invalid email address: {}", field.label, text),
                    &[&field.name],
                ));
            }
            FieldType::Reference => {
                let id = check_reference(store, field.reference_to, &field.label, &text)
                    .map_err(|(code, msg)| RecordError::new(code, &msg, &[&field.name]))?;
                if let Some(slot) = row.get_mut(*idx) {
                    *slot = Val::Text(id);
                }
            }
            _ => {}
        }
    }
    let missing: Vec<&str> = schema
        .fields
        .iter()
        .enumerate()
        .filter(|(i, f)| f.required && row.get(*i).is_none_or(Val::is_null))
        .map(|(_, f)| f.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(RecordError::new(
            "REQUIRED_FIELD_MISSING",
            &format!("Required fields are missing: [{}]", missing.join(", ")),
            &missing,
        ));
    }
    let ext_idx = schema.sys.external_id;
    let ext_changed = changed.iter().any(|(idx, _)| *idx == ext_idx);
    let unique = schema.field(ext_idx).is_some_and(|f| f.unique);
    if let (true, true, Some(value)) =
        (ext_changed, unique, row.get(ext_idx).and_then(Val::as_text))
    {
        let obj = store.schemas.position(schema.name);
        let taken = obj
            .and_then(|o| store.table(o))
            .map(|t| t.find_external(value))
            .unwrap_or_default()
            .into_iter()
            .find(|other| Some(other.as_str()) != self_id);
        if let Some(other) = taken {
            return Err(RecordError::new(
                "DUPLICATE_VALUE",
                &format!(
                    "duplicate value found: {} duplicates value on record with id: {}",
                    schema.external_id_name(),
                    other
                ),
                &[],
            ));
        }
    }
    Ok(())
}

/// Checks a lookup value: a well-formed id of a live record of the referenced object (or the
/// integration user for owner fields). Returns the 18-character id.
fn check_reference(
    store: &Store,
    target: Option<&str>,
    label: &str,
    value: &str,
) -> Result<String, (&'static str, String)> {
    let malformed = || {
        (
            "MALFORMED_ID",
            format!("{label}: id value of incorrect type: {value}"),
        )
    };
    let id = ids::normalize(value).ok_or_else(malformed)?;
    let cross = || {
        (
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id".to_string(),
        )
    };
    match target {
        Some("User") => {
            if id == store.user_id {
                Ok(id)
            } else if id.starts_with("005") {
                Err(cross())
            } else {
                Err(malformed())
            }
        }
        Some(object) => {
            let schema = store.schemas.by_name(object).ok_or_else(cross)?;
            if !id.starts_with(schema.key_prefix) {
                return Err(malformed());
            }
            match store.locate(&id) {
                Some((obj, id)) => {
                    let live = store
                        .table(obj)
                        .and_then(|t| t.get(&id).map(|r| !t.is_deleted(r)))
                        .unwrap_or(false);
                    if live {
                        Ok(id)
                    } else {
                        Err(("ENTITY_IS_DELETED", "entity is deleted".to_string()))
                    }
                }
                None => Err(cross()),
            }
        }
        None => Ok(id),
    }
}

/// A pragmatic address check in the spirit of Salesforce's: one `@`, a non-empty local
/// part, a dotted domain of letters, digits and hyphens, no whitespace.
pub(crate) fn valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') || text.chars().any(char::is_whitespace) {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_rules() {
        let cases = [
            ("ada@example.com", true),
            ("ada.lovelace+crm@mail.example.co.uk", true),
            ("bad@", false),
            ("@example.com", false),
            ("no-at-sign", false),
            ("two@@example.com", false),
            ("space @example.com", false),
            ("ada@example", false),
            ("ada@example.c", false),
            ("ada@-example.com", false),
        ];
        for (text, ok) in cases {
            assert_eq!(valid_email(text), ok, "{text}");
        }
    }

    #[test]
    fn bulk_cell_format() {
        let e = RecordError::new(
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: bad@",
            &["Email"],
        );
        assert_eq!(
            e.bulk_cell(),
            "INVALID_EMAIL_ADDRESS:Email: invalid email address: bad@:Email --"
        );
    }
}
