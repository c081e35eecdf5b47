//! `crmsync runs`, `crmsync export` and `crmsync sample`.

use super::{CliError, Ctx, EXIT_OK};
use crate::export::{self, DncFilter};
use crate::report::table::TableFormat;
use std::path::Path;

/// `crmsync runs`: past runs, newest first.
///
/// # Errors
/// [`CliError`] when the store fails.
pub async fn runs(ctx: &Ctx, limit: i64, json: bool) -> Result<u8, CliError> {
    let store = crate::store::connect(&ctx.db_url).await?;
    let runs = store.list_runs(limit.max(1)).await?;
    if json {
        let v = serde_json::to_string(&runs).map_err(|e| CliError::Failure(e.to_string()))?;
        println!("{v}");
        return Ok(EXIT_OK);
    }
    if runs.is_empty() {
        println!("No runs yet. Start with: crmsync import FILE");
        return Ok(EXIT_OK);
    }
    println!(
        "{:>5}  {:<7} {:<10} {:<20} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  source / input",
        "run",
        "kind",
        "status",
        "started (UTC)",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "dups",
        "rejected",
    );
    for r in runs {
        let c = r.counts;
        println!(
            "{:>5}  {:<7} {:<10} {:<20} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  {} / {}",
            r.id,
            r.kind,
            r.status,
            r.started_at.format("%Y-%m-%d %H:%M:%S"),
            c.rows_read,
            c.inserted,
            c.updated,
            c.unchanged,
            c.duplicates_merged,
            c.rejected,
            r.system,
            r.input.unwrap_or_default()
        );
    }
    Ok(EXIT_OK)
}

/// `crmsync export`.
///
/// # Errors
/// [`CliError`] when the store or the file fails.
pub async fn export(
    ctx: &Ctx,
    out: &Path,
    format: Option<TableFormat>,
    dnc: DncFilter,
) -> Result<u8, CliError> {
    let format = format
        .or_else(|| TableFormat::from_path(out))
        .unwrap_or(TableFormat::Csv);
    let store = crate::store::connect(&ctx.db_url).await?;
    let n = export::export(store.as_ref(), out, format, dnc)
        .await
        .map_err(|e| CliError::Failure(e.to_string()))?;
    println!("Exported {n} records to {}", out.display());
    Ok(EXIT_OK)
}

/// `crmsync sample`: write a messy sample file.
///
/// # Errors
/// [`CliError`] when the file cannot be written.
pub async fn sample(out: &Path, rows: u64, seed: u64) -> Result<u8, CliError> {
    let path = out.to_path_buf();
    let stats = tokio::task::spawn_blocking(move || -> Result<crate::sample::Written, String> {
        if TableFormat::from_path(&path) == Some(TableFormat::Xlsx) {
            crate::sample::write_xlsx(&path, rows, seed).map_err(|e| e.to_string())
        } else {
            let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
            crate::sample::write_csv(std::io::BufWriter::new(file), rows, seed)
                .map_err(|e| e.to_string())
        }
    })
    .await
    .map_err(|e| CliError::Failure(e.to_string()))?
    .map_err(|e| CliError::Failure(format!("cannot write {}: {e}", out.display())))?;
    println!(
        "Wrote {} rows to {} ({} duplicate ids, {} blank rows, {} ragged rows, {} without id)",
        stats.rows,
        out.display(),
        stats.duplicates,
        stats.blank,
        stats.ragged,
        stats.missing_id
    );
    Ok(EXIT_OK)
}
