//! `crmsync import`: run an import with a progress bar, print its summary, write rejects.

use super::{CliError, Ctx, ImportArgs, EXIT_OK, EXIT_WITH_REJECTS};
use crate::import::plan::PlanLine;
use crate::import::{self, ImportError, ImportObserver, ImportOptions, ImportSummary};
use crate::store::RunCounts;
use crmsync_sdk::{ErrorKind, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::Instant;

impl From<ImportError> for CliError {
    fn from(e: ImportError) -> Self {
        match &e {
            ImportError::Input(c) => match c.kind {
                ErrorKind::Config | ErrorKind::Io => CliError::Usage(e.to_string()),
                _ => CliError::Failure(e.to_string()),
            },
            ImportError::Mapping(_) | ImportError::Region(_) => CliError::Usage(e.to_string()),
            ImportError::Store(_) | ImportError::Io { .. } | ImportError::Internal(_) => {
                CliError::Failure(e.to_string())
            }
        }
    }
}

/// Progress bar on a terminal, plan printer for `--dry-run`.
struct CliObserver {
    bar: Option<ProgressBar>,
    started: Instant,
    plan: Vec<PlanLine>,
    print_plan: bool,
    keep_plan: bool,
}

impl ImportObserver for CliObserver {
    fn started(&mut self, _input: &str, progress: Progress) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::with_draw_target(progress.total, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        self.bar = Some(bar);
    }

    fn batch_done(&mut self, counts: &RunCounts, progress: Progress) {
        if let Some(bar) = &self.bar {
            bar.set_position(progress.done);
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} rows, {:.0} rows/s",
                counts.rows_read,
                counts.rows_read as f64 / secs
            ));
        }
    }

    fn plan_lines(&mut self, lines: &[PlanLine]) {
        if self.print_plan {
            let mut out = std::io::stdout().lock();
            for l in lines {
                let _ = writeln!(out, "row {:>7}  {}", l.row, l.text);
            }
        } else if self.keep_plan {
            self.plan.extend_from_slice(lines);
        }
    }
}

fn parse_delimiter(s: &str) -> Result<u8, CliError> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(CliError::Usage(format!(
            "--delimiter takes one ASCII character or \"tab\", got {s:?}"
        ))),
    }
}

/// Run `crmsync import`.
///
/// # Errors
/// [`CliError`] for usage problems, unreadable inputs and store failures.
pub async fn run(ctx: &Ctx, args: ImportArgs) -> Result<u8, CliError> {
    let mut opts = ImportOptions::new(&args.file);
    opts.source = args.source.clone();
    opts.key_column = args
        .key_column
        .clone()
        .or_else(|| ctx.config.import.key_column.clone());
    opts.mapping = ctx.config.import.mapping.clone();
    for m in &args.map {
        let (col, field) = m
            .rsplit_once('=')
            .ok_or_else(|| CliError::Usage(format!("--map takes COLUMN=FIELD, got {m:?}")))?;
        opts.mapping
            .insert(col.trim().to_string(), field.trim().to_string());
    }
    if let Some(region) = args
        .region
        .clone()
        .or_else(|| ctx.config.import.region.clone())
    {
        opts.region = region;
    }
    opts.input.sheet = args.sheet.clone();
    opts.input.encoding = args.encoding.clone();
    opts.input.delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    opts.dry_run = args.dry_run;
    if let Some(n) = args.batch_rows.or(ctx.config.import.batch_rows) {
        if n == 0 {
            return Err(CliError::Usage("--batch-rows must be at least 1".into()));
        }
        opts.batch_rows = Some(n);
    }
    crate::normalize::phone::warm_up(&opts.region);
    let store = crate::store::connect(&ctx.db_url).await?;
    let mut observer = CliObserver {
        bar: None,
        started: Instant::now(),
        plan: Vec::new(),
        print_plan: args.dry_run && !args.json,
        keep_plan: args.dry_run && args.json,
    };
    let result = import::run_import(store.as_ref(), &opts, &mut observer).await;
    if let Some(bar) = observer.bar.take() {
        bar.finish_and_clear();
    }
    let summary = result?;
    let rejects_path = if summary.counts.rejected > 0 && !summary.dry_run {
        let path = args
            .rejects
            .clone()
            .unwrap_or_else(|| crate::report::rejects::default_path(&ctx.db_url, summary.run_id));
        let rejects = store.rejects(summary.run_id).await?;
        crate::report::rejects::write(&path, &rejects)
            .map_err(|e| CliError::Failure(e.to_string()))?;
        Some(path)
    } else {
        None
    };
    if args.json {
        let mut value =
            serde_json::to_value(&summary).map_err(|e| CliError::Failure(e.to_string()))?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("database".into(), store.display_url().into());
            obj.insert(
                "rejects_file".into(),
                rejects_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .into(),
            );
            if args.dry_run {
                let plan: Vec<serde_json::Value> = observer
                    .plan
                    .iter()
                    .map(|l| serde_json::json!({"row": l.row, "action": l.text}))
                    .collect();
                obj.insert("plan".into(), plan.into());
            }
        }
        println!("{value}");
    } else {
        print_summary(&summary, store.display_url(), rejects_path.as_deref());
    }
    Ok(if summary.counts.rejected > 0 {
        EXIT_WITH_REJECTS
    } else {
        EXIT_OK
    })
}

fn print_summary(s: &ImportSummary, db: &str, rejects: Option<&std::path::Path>) {
    let c = &s.counts;
    let verb = if s.dry_run {
        "Dry run of"
    } else if s.resumed {
        "Resumed and finished"
    } else {
        "Imported"
    };
    let run = if s.dry_run {
        "nothing written".to_string()
    } else {
        format!("run {}", s.run_id)
    };
    println!(
        "{verb} {} into {db} as source {:?} ({run})",
        s.input, s.system
    );
    let rows = [
        ("rows read", c.rows_read),
        ("inserted", c.inserted),
        ("updated", c.updated),
        ("unchanged", c.unchanged),
        ("duplicates merged", c.duplicates_merged),
        ("rejected", c.rejected),
    ];
    for (label, n) in rows {
        println!("  {label:<20}{n:>10}");
    }
    println!("  {:<20}{:>10}", "do-not-contact", c.dnc_flagged);
    println!(
        "  {:<20}{:>10}  (kept raw in each record's `invalid` field)",
        "invalid values", c.invalid_values
    );
    if c.blank_rows > 0 {
        println!("  {:<20}{:>10}", "blank rows skipped", c.blank_rows);
    }
    if c.stale_skipped > 0 {
        println!(
            "  {:<20}{:>10}  (counted as unchanged: the stored version is newer)",
            "older than stored", c.stale_skipped
        );
    }
    println!("  key: {}", s.key);
    let secs = s.elapsed_ms as f64 / 1000.0;
    let rate = if secs > 0.0 {
        c.rows_read as f64 / secs
    } else {
        0.0
    };
    println!("  elapsed {secs:.2} s ({rate:.0} rows/s)");
    if let Some(path) = rejects {
        println!(
            "Rejected rows with their row, column and reason: {}",
            path.display()
        );
    }
}
