//! Database URLs: which dialect, and how to print one without its password.

use super::StoreError;
use std::path::PathBuf;

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL, as given.
    Postgres(String),
}

impl DbUrl {
    /// Parse `sqlite://PATH`, `sqlite:PATH`, a bare path ending in `.db`/`.sqlite`, or
    /// `postgres://…` / `postgresql://…`.
    ///
    /// # Errors
    /// [`StoreError::BadUrl`] for anything else.
    pub fn parse(url: &str) -> Result<DbUrl, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() {
                return Err(StoreError::BadUrl(url.to_string()));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        let lower = url.to_ascii_lowercase();
        if !url.contains("://")
            && (lower.ends_with(".db") || lower.ends_with(".sqlite") || lower.ends_with(".sqlite3"))
        {
            return Ok(DbUrl::Sqlite(PathBuf::from(url)));
        }
        Err(StoreError::BadUrl(redact(url)))
    }
}

/// `url` with the password (if any) replaced by `***`, safe for logs and errors.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}://{}:***{}",
                    &url[..scheme_end],
                    &userinfo[..colon],
                    &rest[at..]
                ),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dialects() {
        assert_eq!(
            DbUrl::parse("sqlite://crm.db").unwrap(),
            DbUrl::Sqlite("crm.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite:/tmp/x.db?mode=rwc").unwrap(),
            DbUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DbUrl::parse("data/crm.sqlite").unwrap(),
            DbUrl::Sqlite("data/crm.sqlite".into())
        );
        assert!(matches!(
            DbUrl::parse("postgresql://u@h/db").unwrap(),
            DbUrl::Postgres(_)
        ));
        assert!(DbUrl::parse("mysql://root@localhost/x").is_err());
    }

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact("postgres://bob:s3cret@db:5432/crm"),
            "postgres://bob:***@db:5432/crm"
        );
        assert_eq!(redact("postgres://bob@db/crm"), "postgres://bob@db/crm");
        assert_eq!(redact("postgres://db/crm?x=a@b"), "postgres://db/crm?x=a@b");
        let err = DbUrl::parse("mysql://root:pw@h/x").unwrap_err().to_string();
        assert!(!err.contains("pw@"), "{err}");
    }
}
