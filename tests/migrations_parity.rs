//! The SQLite and PostgreSQL migration folders must hold the same numbered files.

use std::collections::BTreeSet;
use std::path::Path;

fn names(dir: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn sqlite_and_postgres_migrations_stay_in_step() {
    let sqlite = names("sqlite");
    let postgres = names("postgres");
    assert!(
        sqlite.len() >= 4,
        "expected the schema migrations, found {sqlite:?}"
    );
    assert_eq!(sqlite, postgres, "migration files differ between dialects");
    for name in &sqlite {
        let (num, rest) = name.split_once('_').expect("NNNN_name.sql");
        assert_eq!(num.len(), 4, "{name}: four-digit version");
        assert!(
            num.chars().all(|c| c.is_ascii_digit()) && rest.ends_with(".sql"),
            "{name}"
        );
    }
}

#[test]
fn both_dialects_create_the_same_tables() {
    let tables = |dir: &str| -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        let mut out = BTreeSet::new();
        for name in names(dir) {
            let sql = std::fs::read_to_string(root.join(&name)).unwrap();
            for line in sql.lines() {
                if let Some(rest) = line.trim().strip_prefix("CREATE TABLE ") {
                    out.insert(rest.split_whitespace().next().unwrap().to_string());
                }
            }
        }
        out
    };
    assert_eq!(tables("sqlite"), tables("postgres"));
}
