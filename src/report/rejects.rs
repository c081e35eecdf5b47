//! The rejects file written after an import with rejected rows.

use super::table::{TableError, TableFormat, TableWriter};
use crmsync_sdk::Reject;
use std::path::{Path, PathBuf};

/// Default rejects path: next to an SQLite database, else in the current directory.
pub fn default_path(db_url: &str, run_id: i64) -> PathBuf {
    let name = format!("crmsync-run-{run_id}.rejects.csv");
    match crate::store::url::DbUrl::parse(db_url) {
        Ok(crate::store::url::DbUrl::Sqlite(db)) => match db.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
            _ => PathBuf::from(name),
        },
        _ => PathBuf::from(name),
    }
}

/// Write `rejects` as CSV: file, row, column, reason, raw.
///
/// # Errors
/// [`TableError`] when the file cannot be written.
pub fn write(path: &Path, rejects: &[Reject]) -> Result<(), TableError> {
    let mut w = TableWriter::create(
        path,
        TableFormat::Csv,
        &["file", "row", "column", "reason", "raw"],
    )?;
    for r in rejects {
        let row = r.row.to_string();
        w.write_row([
            r.file.as_str(),
            row.as_str(),
            r.column.as_deref().unwrap_or(""),
            r.reason.as_str(),
            r.raw.as_deref().unwrap_or(""),
        ])?;
    }
    w.finish()
}
