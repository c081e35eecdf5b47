//! Header → field mapping: built-in synonyms for common CRM exports, user overrides, and the
//! choice of the key column.

use crate::model::Field;
use std::collections::BTreeMap;

/// What one input column feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A canonical field.
    Field(Field),
    /// The record's id in its source (the dedup key).
    SourceId,
    /// "First Last" in one column; split when the file has no separate name columns.
    FullName,
    /// Last-modified timestamp in the source.
    ModifiedAt,
    /// Creation timestamp in the source.
    CreatedAt,
    /// Email opt-out flag (HasOptedOutOfEmail, unsubscribed, …).
    EmailOptOut,
    /// Call opt-out flag (DoNotCall).
    CallOptOut,
    /// A general do-not-contact flag.
    DoNotContact,
    /// Kept under its header name in the record's custom fields.
    Custom,
    /// Dropped on purpose (only by explicit user mapping).
    Ignore,
}

impl Target {
    /// Parse a mapping target as written in `--map "Col=field"` or the config file.
    pub fn parse(name: &str) -> Option<Target> {
        let t = match name.trim().to_ascii_lowercase().as_str() {
            "source_id" | "id" | "key" => Target::SourceId,
            "full_name" | "name" => Target::FullName,
            "modified_at" | "source_modified_at" => Target::ModifiedAt,
            "created_at" | "source_created_at" => Target::CreatedAt,
            "email_opt_out" => Target::EmailOptOut,
            "call_opt_out" => Target::CallOptOut,
            "do_not_contact" => Target::DoNotContact,
            "custom" => Target::Custom,
            "ignore" | "skip" => Target::Ignore,
            other => Target::Field(Field::from_name(other)?),
        };
        Some(t)
    }

    /// All names [`Target::parse`] accepts, for error messages.
    pub fn valid_names() -> String {
        let mut names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
        names.extend([
            "source_id",
            "full_name",
            "modified_at",
            "created_at",
            "email_opt_out",
            "call_opt_out",
            "do_not_contact",
            "custom",
            "ignore",
        ]);
        names.join(", ")
    }
}

/// Header text folded for synonym lookup: lowercase ASCII letters and digits only.
pub fn fold_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Built-in synonyms (folded header → target), covering HubSpot and Salesforce exports and
/// generic spreadsheets.
fn builtin(folded: &str) -> Option<Target> {
    use Field::*;
    let t = match folded {
        "recordid" | "id" | "contactid" | "leadid" | "sourceid" | "externalid" | "hsobjectid"
        | "crmid" | "crmsyncidc" => Target::SourceId,
        "firstname" | "first" | "givenname" | "fname" | "forename" => Target::Field(FirstName),
        "lastname" | "last" | "surname" | "familyname" | "lname" => Target::Field(LastName),
        "name" | "fullname" | "contactname" | "leadname" => Target::FullName,
        "email" | "emailaddress" | "mail" | "workemail" | "primaryemail" | "businessemail" => {
            Target::Field(Email)
        }
        "phone" | "phonenumber" | "telephone" | "tel" | "workphone" | "businessphone"
        | "officephone" | "telephonenumber" => Target::Field(Phone),
        "extension" | "phoneextension" | "ext" => Target::Field(PhoneExt),
        "mobile" | "mobilephone" | "mobilephonenumber" | "cell" | "cellphone" | "mobilenumber" => {
            Target::Field(Mobile)
        }
        "company" | "companyname" | "organization" | "organisation" | "account" | "accountname"
        | "employer" => Target::Field(Company),
        "title" | "jobtitle" | "position" | "role" => Target::Field(Title),
        "website" | "websiteurl" | "url" | "web" | "companywebsite" | "companydomainname"
        | "domain" => Target::Field(Website),
        "lifecyclestage" => Target::Field(LifecycleStage),
        "leadstatus" | "status" => Target::Field(LeadStatus),
        "leadsource" | "source" | "originalsource" => Target::Field(LeadSource),
        "owner" | "contactowner" | "leadowner" | "ownerid" | "ownername" => Target::Field(Owner),
        "street" | "address" | "streetaddress" | "address1" | "mailingstreet" => {
            Target::Field(Street)
        }
        "city" | "town" | "mailingcity" => Target::Field(City),
        "state" | "stateregion" | "province" | "region" | "mailingstate" | "stateprovince" => {
            Target::Field(State)
        }
        "postalcode" | "zip" | "zipcode" | "postcode" | "mailingpostalcode" => {
            Target::Field(PostalCode)
        }
        "country" | "countryregion" | "mailingcountry" => Target::Field(Country),
        "notes" | "note" | "description" | "comments" | "comment" => Target::Field(Notes),
        "lastmodifieddate" | "lastmodified" | "modified" | "modifiedat" | "modifieddate"
        | "updatedat" | "updated" | "lastupdated" | "systemmodstamp" | "hslastmodifieddate" => {
            Target::ModifiedAt
        }
        "createdate" | "createddate" | "createdat" | "created" | "createdon" => Target::CreatedAt,
        "hasoptedoutofemail"
        | "emailoptout"
        | "unsubscribed"
        | "unsubscribedfromallemail"
        | "optout"
        | "optedout"
        | "hsemailoptout"
        | "emailoptedout" => Target::EmailOptOut,
        "donotcall" | "nocall" | "callsoptout" => Target::CallOptOut,
        "donotcontact" | "dnc" => Target::DoNotContact,
        _ => return None,
    };
    Some(t)
}

/// The resolved mapping of one input's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    /// Target per column, in header order.
    pub targets: Vec<Target>,
    /// Header names, in order.
    pub headers: Vec<String>,
    /// Index of the key column, if the input has one.
    pub key_column: Option<usize>,
    /// Which canonical fields the input carries (absent fields never erase stored values).
    pub present: [bool; Field::COUNT],
}

/// A mapping problem the user must fix (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// `--key-column` names no column.
    #[error("key column {column:?} is not in the header; columns are: {available}")]
    KeyColumnMissing {
        /// What the user asked for.
        column: String,
        /// The header, comma-separated.
        available: String,
    },
    /// A `--map` entry names no column.
    #[error(
        "mapping names column {column:?}, which is not in the header; columns are: {available}"
    )]
    MappedColumnMissing {
        /// The column in the mapping.
        column: String,
        /// The header, comma-separated.
        available: String,
    },
    /// A mapping target is not a known field.
    #[error("unknown field {target:?} in mapping for column {column:?}; valid fields: {valid}")]
    UnknownTarget {
        /// The column.
        column: String,
        /// The unknown target.
        target: String,
        /// Valid names.
        valid: String,
    },
}

/// Find a column by exact header text, then by folded text.
fn find_column(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h == name).or_else(|| {
        let folded = fold_header(name);
        headers.iter().position(|h| fold_header(h) == folded)
    })
}

/// Resolve the mapping for `headers`: user mapping first, then built-in synonyms, the rest
/// custom. `key_column` forces the key. When several columns claim the same canonical
/// target, the first wins and the others are kept as custom fields (never dropped).
///
/// # Errors
/// [`MappingError`] when the key column or a mapped column is missing or a target is unknown.
pub fn resolve(
    headers: &[String],
    user: &BTreeMap<String, String>,
    key_column: Option<&str>,
) -> Result<ColumnMap, MappingError> {
    let available = || headers.join(", ");
    let mut targets: Vec<Option<Target>> = vec![None; headers.len()];
    for (column, target_name) in user {
        let idx =
            find_column(headers, column).ok_or_else(|| MappingError::MappedColumnMissing {
                column: column.clone(),
                available: available(),
            })?;
        let target = Target::parse(target_name).ok_or_else(|| MappingError::UnknownTarget {
            column: column.clone(),
            target: target_name.clone(),
            valid: Target::valid_names(),
        })?;
        targets[idx] = Some(target);
    }
    let forced_key = match key_column {
        Some(name) => {
            let idx = find_column(headers, name).ok_or_else(|| MappingError::KeyColumnMissing {
                column: name.to_string(),
                available: available(),
            })?;
            targets[idx] = Some(Target::SourceId);
            Some(idx)
        }
        None => None,
    };
    let mut claimed: Vec<Target> = targets.iter().flatten().copied().collect();
    let mut resolved = Vec::with_capacity(headers.len());
    for (idx, header) in headers.iter().enumerate() {
        let target = match targets[idx] {
            Some(t) => t,
            None => match builtin(&fold_header(header)) {
                // A second SourceId synonym when the key is forced stays custom data.
                Some(t) if !claimed.contains(&t) => {
                    claimed.push(t);
                    t
                }
                _ => Target::Custom,
            },
        };
        resolved.push(target);
    }
    let key_column = forced_key.or_else(|| resolved.iter().position(|t| *t == Target::SourceId));
    // Only the key column feeds the key; any other column the user also mapped to it is data.
    for (idx, t) in resolved.iter_mut().enumerate() {
        if *t == Target::SourceId && Some(idx) != key_column {
            *t = Target::Custom;
        }
    }
    let mut present = [false; Field::COUNT];
    for t in &resolved {
        match t {
            Target::Field(f) => present[f.index()] = true,
            Target::FullName => {
                present[Field::FirstName.index()] = true;
                present[Field::LastName.index()] = true;
            }
            _ => {}
        }
    }
    if present[Field::Phone.index()] {
        present[Field::PhoneExt.index()] = true;
    }
    Ok(ColumnMap {
        targets: resolved,
        headers: headers.to_vec(),
        key_column,
        present,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hubspot_export_headers_map_to_fields() {
        let headers = h(&[
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Phone Number",
            "Company Name",
            "Lifecycle Stage",
            "Last Modified Date",
            "Favourite Colour",
        ]);
        let m = resolve(&headers, &BTreeMap::new(), None).unwrap();
        assert_eq!(m.key_column, Some(0));
        assert_eq!(
            m.targets,
            vec![
                Target::SourceId,
                Target::Field(Field::FirstName),
                Target::Field(Field::LastName),
                Target::Field(Field::Email),
                Target::Field(Field::Phone),
                Target::Field(Field::Company),
                Target::Field(Field::LifecycleStage),
                Target::ModifiedAt,
                Target::Custom,
            ]
        );
    }

    #[test]
    fn salesforce_export_headers_map_to_fields() {
        let headers = h(&[
            "Id",
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            "Company",
            "Title",
            "Status",
            "DoNotCall",
            "HasOptedOutOfEmail",
            "LastModifiedDate",
        ]);
        let m = resolve(&headers, &BTreeMap::new(), None).unwrap();
        assert_eq!(m.targets[7], Target::Field(Field::LeadStatus));
        assert_eq!(m.targets[8], Target::CallOptOut);
        assert_eq!(m.targets[9], Target::EmailOptOut);
        assert_eq!(m.targets[10], Target::ModifiedAt);
        assert_eq!(m.key_column, Some(0));
    }

    #[test]
    fn generic_synonyms_and_duplicates_become_custom() {
        let headers = h(&["E-mail Address", "Mobile", "Email"]);
        let m = resolve(&headers, &BTreeMap::new(), None).unwrap();
        assert_eq!(
            m.targets,
            vec![
                Target::Field(Field::Email),
                Target::Field(Field::Mobile),
                Target::Custom
            ]
        );
        assert_eq!(m.key_column, None);
    }

    #[test]
    fn key_column_and_user_mapping_override() {
        let headers = h(&["Badge ID", "Id", "Mail", "Booth"]);
        let mut user = BTreeMap::new();
        user.insert("Booth".to_string(), "lead_source".to_string());
        let m = resolve(&headers, &user, Some("badge id")).unwrap();
        assert_eq!(m.key_column, Some(0));
        assert_eq!(
            m.targets[1],
            Target::Custom,
            "a second id column stays data"
        );
        assert_eq!(m.targets[3], Target::Field(Field::LeadSource));
    }

    #[test]
    fn mapping_errors_name_the_problem() {
        let headers = h(&["A", "B"]);
        let err = resolve(&headers, &BTreeMap::new(), Some("Badge")).unwrap_err();
        assert!(err
            .to_string()
            .contains("\"Badge\" is not in the header; columns are: A, B"));
        let mut user = BTreeMap::new();
        user.insert("A".to_string(), "emial".to_string());
        let err = resolve(&headers, &user, None).unwrap_err();
        assert!(matches!(err, MappingError::UnknownTarget { .. }));
    }
}
