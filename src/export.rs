//! `crmsync export`: the cleaned, deduplicated records back out as CSV or XLSX.

use crate::model::Field;
use crate::report::table::{TableError, TableFormat, TableWriter};
use crate::store::{Store, StoreError};
use std::path::Path;

/// Which records to export with respect to Do-Not-Contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DncFilter {
    /// All records (the `do_not_contact` column tells them apart).
    Include,
    /// Only contactable records.
    Exclude,
    /// Only do-not-contact records.
    Only,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error(transparent)]
    Write(#[from] TableError),
}

/// Write every record matching `dnc` to `path`; returns the number written. Memory stays
/// bounded: records are read in pages of 5,000 (XLSX buffers the workbook itself).
///
/// # Errors
/// [`ExportError`].
pub async fn export(
    store: &dyn Store,
    path: &Path,
    format: TableFormat,
    dnc: DncFilter,
) -> Result<u64, ExportError> {
    let mut header: Vec<&str> = vec!["id"];
    header.extend(Field::ALL.iter().map(|f| f.name()));
    header.extend([
        "email_opt_out",
        "call_opt_out",
        "do_not_contact",
        "dnc_reason",
        "source_created_at",
        "source_modified_at",
        "custom",
        "invalid",
    ]);
    let mut w = TableWriter::create(path, format, &header)?;
    let mut after = 0i64;
    let mut written = 0u64;
    loop {
        let page = store.records_page(after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for rec in &page {
            let d = &rec.data;
            let keep = match dnc {
                DncFilter::Include => true,
                DncFilter::Exclude => !d.do_not_contact,
                DncFilter::Only => d.do_not_contact,
            };
            if !keep {
                continue;
            }
            let ts = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.to_rfc3339()).unwrap_or_default()
            };
            let json = |empty: bool, s: String| if empty { String::new() } else { s };
            let mut cells: Vec<String> = vec![rec.id.to_string()];
            cells.extend(
                Field::ALL
                    .iter()
                    .map(|f| d.get(*f).unwrap_or("").to_string()),
            );
            cells.extend([
                d.email_opt_out.to_string(),
                d.call_opt_out.to_string(),
                d.do_not_contact.to_string(),
                d.dnc_reason.clone().unwrap_or_default(),
                ts(d.source_created_at),
                ts(d.source_modified_at),
                json(
                    d.custom.is_empty(),
                    serde_json::to_string(&d.custom).unwrap_or_default(),
                ),
                json(
                    d.invalid.is_empty(),
                    serde_json::to_string(&d.invalid).unwrap_or_default(),
                ),
            ]);
            w.write_row(cells.iter().map(String::as_str))?;
            written += 1;
        }
    }
    w.finish()?;
    Ok(written)
}
