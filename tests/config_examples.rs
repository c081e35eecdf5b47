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
