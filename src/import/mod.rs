//! The one-shot import: file → normalize (in parallel) → classify → one writer → store.
//!
//! ## Layout
//!
//! - this file: [`run_import`], the orchestration, and its options/summary types.
//! - [`input`]: choosing the CSV or spreadsheet reader; file fingerprints for resume.
//! - [`plan`]: the pure per-batch classification (dedup, insert/update/unchanged).
//! - [`order`]: which version of a record wins (in-file order, stored versions).
//! - [`slot_index`]: a batch's keys by hash, for the classification.
//! - [`stream`]: the ordered, parallel normalization stage between reader and writer.
//!
//! Crash safety: every batch commits its records, rejects, audit entries, counters and the
//! resume cursor (`runs.events_done`) in one transaction. A rerun of the same command finds
//! the unfinished run (same source, same file fingerprint, same options), replays the keys of
//! the committed prefix (so duplicates across the cut are still recognised), and continues
//! from the cursor; the end state equals an uninterrupted run.

pub mod input;
pub mod order;
pub mod plan;
pub mod slot_index;
pub mod stream;

use crate::normalize::dnc::DncList;
use crate::normalize::mapping::{self, MappingError};
use crate::normalize::phone::{PhoneNormalizer, UnknownRegion};
use crate::normalize::row::RowNormalizer;
use crate::store::{
    ImportTx, NewRecord, NewRun, RecordUpdate, RunCounts, Store, StoreError, WriteCtx,
};
use chrono::Utc;
use crmsync_sdk::{spawn_table_reader, ConnectorError, Progress};
use futures::StreamExt;
use plan::{Classifier, PlanLine};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Object type imported records get.
pub const CONTACT: &str = "contact";

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The file.
    pub path: PathBuf,
    /// Source-system name; default: the file's stem.
    pub source: Option<String>,
    /// Column holding the record id.
    pub key_column: Option<String>,
    /// User mapping, header → field.
    pub mapping: BTreeMap<String, String>,
    /// Default phone region (ISO 3166 alpha-2).
    pub region: String,
    /// Reader options.
    pub input: input::InputOptions,
    /// Plan only: classify every row, write nothing.
    pub dry_run: bool,
    /// Reader events per batch (and per transaction); `None` for the store's default,
    /// [`default_batch_rows`].
    pub batch_rows: Option<usize>,
    /// Normalization threads.
    pub workers: usize,
}

/// Rows per batch when none is configured. SQLite commits cheaply (no fsync per commit in
/// WAL mode), so smaller batches cost it no measurable time and keep a 1M-row import's peak
/// memory near 135 MB instead of 160 MB; PostgreSQL flushes its log on every commit, and
/// halving its batches made the same import 7% slower.
pub fn default_batch_rows(dialect: &str) -> usize {
    if dialect == "sqlite" {
        2_500
    } else {
        5_000
    }
}

impl ImportOptions {
    /// Options with defaults for `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ImportOptions {
            path: path.into(),
            source: None,
            key_column: None,
            mapping: BTreeMap::new(),
            region: "US".into(),
            input: input::InputOptions::default(),
            dry_run: false,
            batch_rows: None,
            workers: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .clamp(1, 8),
        }
    }
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    /// Run id (0 for a dry run, which records no run).
    pub run_id: i64,
    /// Source system.
    pub system: String,
    /// Input description.
    pub input: String,
    /// Counters.
    #[serde(flatten)]
    pub counts: RunCounts,
    /// Wall time of this invocation.
    pub elapsed_ms: i64,
    /// This invocation resumed an interrupted run.
    pub resumed: bool,
    /// Nothing was written.
    pub dry_run: bool,
    /// How keys were obtained: `column NAME`, or derived from email/phone.
    pub key: String,
    /// Peak resident memory of the process, in KiB (Linux).
    pub peak_rss_kb: Option<u64>,
    /// CPU time of the process (user + system), in milliseconds (Linux).
    pub cpu_ms: Option<u64>,
}

/// Why an import could not run (row problems are rejects, not errors).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input cannot be read.
    #[error(transparent)]
    Input(#[from] ConnectorError),
    /// The column mapping is wrong.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// Unknown phone region.
    #[error("unknown phone region {0}: use an ISO 3166 code such as US, GB or DE")]
    Region(String),
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Local I/O failure.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A worker thread failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<UnknownRegion> for ImportError {
    fn from(e: UnknownRegion) -> Self {
        ImportError::Region(e.0)
    }
}

/// Observer of an import's progress (progress bar, dry-run printer).
pub trait ImportObserver: Send {
    /// Called once the input is open.
    fn started(&mut self, _input: &str, _progress: Progress) {}
    /// Called after each committed batch.
    fn batch_done(&mut self, _counts: &RunCounts, _progress: Progress) {}
    /// Called with the row-by-row plan in dry-run mode.
    fn plan_lines(&mut self, _lines: &[PlanLine]) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl ImportObserver for Quiet {}

/// Import one file into `store`.
///
/// # Errors
/// [`ImportError`] when the input, the mapping or the store fail as a whole; bad rows are
/// counted as rejects instead.
pub async fn run_import(
    store: &dyn Store,
    opts: &ImportOptions,
    observer: &mut dyn ImportObserver,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    crate::normalize::phone::warm_up(&opts.region);
    let path = opts.path.clone();
    let input_opts = opts.input.clone();
    let reader = tokio::task::spawn_blocking(move || input::open(&path, &input_opts))
        .await
        .map_err(|e| ImportError::Internal(e.to_string()))??;
    let described = reader.describe();
    let header = reader.header().clone();
    let map = mapping::resolve(&header.names, &opts.mapping, opts.key_column.as_deref())?;
    let key = match map.key_column {
        Some(i) => format!("column {:?}", map.headers[i]),
        None => "derived from email (else phone): the file has no id column".to_string(),
    };
    let present = map.present;
    let system = opts
        .source
        .clone()
        .unwrap_or_else(|| input::default_system(&opts.path));
    let fp_path = opts.path.clone();
    let fingerprint = tokio::task::spawn_blocking(move || input::fingerprint(&fp_path))
        .await
        .map_err(|e| ImportError::Internal(e.to_string()))?
        .map_err(|source| ImportError::Io {
            context: format!("reading {}", opts.path.display()),
            source,
        })?;
    let settings = serde_json::json!({
        "object": CONTACT,
        "key_column": opts.key_column,
        "mapping": opts.mapping,
        "region": opts.region.to_ascii_uppercase(),
        "sheet": opts.input.sheet,
        "delimiter": opts.input.delimiter.map(|d| (d as char).to_string()),
        "encoding": opts.input.encoding,
    });
    let phones = PhoneNormalizer::new(&opts.region)?;
    let dnc = Arc::new(DncList::new(store.dnc_entries().await?, Utc::now()));

    let (run_id, mut counts, fresh, resumed) = if opts.dry_run {
        (
            0,
            RunCounts::default(),
            !store.has_links(&system, CONTACT).await?,
            false,
        )
    } else if let Some(run) = store
        .find_resumable(&system, &fingerprint, &settings)
        .await?
    {
        let fresh = run
            .options
            .get("fresh")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        tracing::info!(
            run_id = run.id,
            events_done = run.counts.events_done,
            "Resuming an interrupted import."
        );
        (run.id, run.counts, fresh, true)
    } else {
        let fresh = !store.has_links(&system, CONTACT).await?;
        let run = store
            .create_run(&NewRun {
                kind: "import".into(),
                system: system.clone(),
                input: Some(opts.path.display().to_string()),
                fingerprint: Some(fingerprint.clone()),
                options: serde_json::json!({ "settings": settings, "fresh": fresh }),
            })
            .await?;
        (run.id, RunCounts::default(), fresh, false)
    };
    let resume_point = counts.events_done;
    let normalizer = Arc::new(RowNormalizer {
        map,
        phones,
        dnc,
        file: opts.path.file_name().map_or_else(
            || opts.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    });
    observer.started(&described, reader.progress());
    // Batches in flight: one read ahead, `workers` being normalized, one normalized waiting
    // for the writer, and the one being written; enough to keep both sides busy, and what
    // bounds the import's memory.
    let batch_rows = opts
        .batch_rows
        .unwrap_or_else(|| default_batch_rows(store.dialect()));
    let rx = spawn_table_reader(reader, 0, batch_rows, 1);
    let mut batches = stream::normalized(rx, normalizer, opts.workers, 1);
    let mut classifier = Classifier::new(run_id, present, fresh, opts.dry_run, fingerprint.clone());
    let mut dry_tx: Option<Box<dyn ImportTx>> = None;
    if opts.dry_run {
        dry_tx = Some(store.begin_import().await?);
    }
    let mut events_seen: i64 = 0;
    while let Some(batch) = batches.next().await {
        let mut batch = batch?;
        let n = i64::try_from(batch.items.len()).unwrap_or(i64::MAX);
        if events_seen + n <= resume_point {
            classifier.replay(&batch.items);
            events_seen += n;
            continue;
        }
        if events_seen < resume_point {
            // Only when the batch size changed between runs: replay the committed part.
            let done = usize::try_from(resume_point - events_seen).unwrap_or(0);
            let rest = batch.items.split_off(done.min(batch.items.len()));
            classifier.replay(&batch.items);
            batch.items = rest;
        }
        events_seen += n;
        let now = Utc::now();
        let ctx = WriteCtx {
            run_id,
            system: &system,
            object: CONTACT,
            source_file: &fingerprint,
            now,
        };
        let mut tx = match dry_tx.take() {
            Some(tx) => tx,
            None => store.begin_import().await?,
        };
        let keys = classifier.keys_to_lookup(&batch.items);
        let existing = tx.lookup(&system, CONTACT, &keys).await?;
        let plan = classifier.plan(batch.items, existing);
        let inserts: Vec<NewRecord<'_>> = plan
            .inserts
            .iter()
            .map(|i| NewRecord {
                source_id: &i.key,
                key_kind: i.key_kind,
                data: &i.data,
                row: i.row,
            })
            .collect();
        tx.insert_records(&ctx, &inserts).await?;
        let updates: Vec<RecordUpdate<'_>> = plan
            .updates
            .iter()
            .map(|u| RecordUpdate {
                record_id: u.record_id,
                link_id: u.link_id,
                data: &u.data,
                row: u.row,
            })
            .collect();
        tx.update_records(&ctx, &updates).await?;
        counts += plan.counts;
        if opts.dry_run {
            observer.plan_lines(&plan.lines);
            dry_tx = Some(tx);
        } else {
            tx.insert_audit(&ctx, &plan.audit).await?;
            tx.insert_rejects(run_id, &plan.rejects).await?;
            tx.save_progress(run_id, &counts).await?;
            tx.commit().await?;
        }
        drop((inserts, updates));
        free_elsewhere(plan);
        observer.batch_done(&counts, batch.progress);
    }
    // The seen-set and the pipeline are done with: free them before the index rebuild.
    drop((batches, classifier));
    if let Some(tx) = dry_tx {
        tx.rollback().await?;
    }
    if !opts.dry_run {
        store.import_finished().await?;
    }
    let elapsed_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    if !opts.dry_run {
        store
            .finish_run(run_id, "completed", elapsed_ms, None)
            .await?;
    }
    debug_assert!(counts.balanced(), "accounting identity broken: {counts:?}");
    Ok(ImportSummary {
        run_id,
        system,
        input: described,
        counts,
        elapsed_ms,
        resumed,
        dry_run: opts.dry_run,
        key,
        peak_rss_kb: peak_rss_kb(),
        cpu_ms: cpu_ms(),
    })
}

/// Free a batch's data on a blocking thread. The writer's thread is the pipeline's
/// bottleneck, and a batch is tens of thousands of small allocations made by the
/// normalizer threads; releasing them here would cost the writer about a tenth of its time.
fn free_elsewhere<T: Send + 'static>(value: T) {
    drop(tokio::task::spawn_blocking(move || drop(value)));
}

/// Peak resident set size of this process in KiB, from `/proc/self/status` (Linux only).
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) of this process in milliseconds, from `/proc/self/stat` (Linux;
/// assumes the usual 100 clock ticks per second).
pub fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 10)
}
