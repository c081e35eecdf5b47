//! `crmsync.toml`: the optional configuration file, and how the database URL is chosen.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Default database when neither `--db`, `CRMSYNC_DATABASE_URL` nor the config names one.
pub const DEFAULT_DB_URL: &str = "sqlite://crmsync.db";

/// The configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where records are stored.
    #[serde(default)]
    pub store: StoreConfig,
    /// Defaults for `crmsync import`.
    #[serde(default)]
    pub import: ImportConfig,
    /// CRM connectors by name (validated by each connector).
    #[serde(default)]
    pub connectors: BTreeMap<String, toml::Table>,
    /// CRM sync: conflict policies, matching, creation of CRM records.
    #[serde(default)]
    pub sync: crate::sync::policy::SyncConfig,
}

/// `[store]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Database URL (`sqlite://PATH` or `postgres://…`).
    pub url: Option<String>,
}

/// `[import]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    /// Default phone region.
    pub region: Option<String>,
    /// Column → field mapping applied to every import (`--map` adds to it).
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
    /// Key column applied when `--key-column` is not given.
    pub key_column: Option<String>,
    /// Rows per transaction.
    pub batch_rows: Option<usize>,
}

/// A configuration problem (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("invalid config {path}: {message}")]
    Parse {
        /// Path.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
}

impl Config {
    /// Load `path`. A missing file is an empty config when `required` is false (the default
    /// `./crmsync.toml`), and an error when the user named it.
    ///
    /// # Errors
    /// [`ConfigError`] when the file cannot be read or parsed.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default())
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// The database URL: `--db`, else `CRMSYNC_DATABASE_URL` (clap folds both into
    /// `cli_db`), else `[store] url`, else [`DEFAULT_DB_URL`].
    pub fn database_url(&self, cli_db: Option<&str>) -> String {
        cli_db
            .map(str::to_string)
            .or_else(|| self.store.url.clone())
            .unwrap_or_else(|| DEFAULT_DB_URL.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_example_and_rejects_unknown_keys() {
        let cfg: Config = toml::from_str(
            "[store]\nurl = \"postgres://u@h/db\"\n[import]\nregion = \"GB\"\n[import.mapping]\n\"Badge ID\" = \"source_id\"\n",
        )
        .unwrap();
        assert_eq!(cfg.database_url(None), "postgres://u@h/db");
        assert_eq!(cfg.database_url(Some("sqlite://x.db")), "sqlite://x.db");
        assert_eq!(cfg.import.mapping["Badge ID"], "source_id");
        let err = toml::from_str::<Config>("[store]\nurll = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `urll`"), "{err}");
        assert_eq!(Config::default().database_url(None), DEFAULT_DB_URL);
    }

    #[test]
    fn missing_default_file_is_empty_but_named_file_is_required() {
        let p = Path::new("/nonexistent/crmsync.toml");
        assert!(Config::load(p, false).is_ok());
        assert!(matches!(
            Config::load(p, true),
            Err(ConfigError::Read { .. })
        ));
    }
}
