//! The example configuration shipped in `examples/` parses and is honoured.

use std::path::Path;

#[test]
fn example_config_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/crmsync.example.toml");
    let cfg = crmsync::config::Config::load(&path, true).expect("example config parses");
    assert_eq!(cfg.database_url(None), "sqlite://crmsync.db");
    assert_eq!(cfg.import.region.as_deref(), Some("US"));
    assert_eq!(
        cfg.import.mapping.get("Badge ID").map(String::as_str),
        Some("source_id")
    );
}

#[test]
fn example_connectors_and_sync_policies_are_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/crmsync.example.toml");
    let cfg = crmsync::config::Config::load(&path, true).expect("example config parses");
    let policies = crmsync::sync::policy::Policies::from_config(&cfg.sync).expect("policies");
    assert_eq!(
        policies.for_field("phone"),
        &crmsync::sync::policy::Policy::Manual
    );
    // Both connectors build once their secrets exist (a key file is needed for JWT, so the
    // Salesforce one is only checked for its configuration errors naming the key).
    let env = |k: &str| (k == "HUBSPOT_TOKEN").then(|| "pat-na1-x".to_string());
    let hs = crmsync::sync::registry::build("hubspot_main", &cfg.connectors, &env).unwrap();
    assert_eq!(hs.objects, ["contacts", "companies"]);
    let err = crmsync::sync::registry::build("sf_prod", &cfg.connectors, &env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("SF_CLIENT_ID") || err.contains("sf.key"),
        "{err}"
    );
}
