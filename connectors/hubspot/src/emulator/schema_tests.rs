//! Unit tests for `schema`.

use super::*;

#[test]
fn aliases_resolve_to_canonical_names() {
    let cases = [
        ("contacts", Some("contacts")),
        ("0-1", Some("contacts")),
        ("Company", Some("companies")),
        ("0-3", Some("deals")),
        ("tickets", None),
    ];
    for (input, want) in cases {
        assert_eq!(builtin_name(input), want, "{input}");
    }
}

#[test]
fn modified_property_differs_by_type() {
    assert_eq!(schema_for("contacts").modified_prop, "lastmodifieddate");
    assert!(!schema_for("contacts")
        .properties
        .contains_key("hs_lastmodifieddate"));
    assert_eq!(schema_for("companies").modified_prop, "hs_lastmodifieddate");
    assert_eq!(schema_for("pets").created_prop, "hs_createdate");
}

#[test]
fn property_json_carries_required_fields() {
    let schema = schema_for("contacts");
    let email = schema.properties.get("email").map(PropertyDef::to_json);
    let email = email.unwrap_or_default();
    assert_eq!(email["type"], "string");
    assert_eq!(email["fieldType"], "text");
    assert_eq!(email["modificationMetadata"]["readOnlyValue"], false);
    assert_eq!(email["options"], json!([]));
    let id = schema
        .properties
        .get("hs_object_id")
        .map(PropertyDef::to_json);
    assert_eq!(
        id.unwrap_or_default()["modificationMetadata"]["readOnlyValue"],
        true
    );
}
