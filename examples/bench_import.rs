//! Import benchmark: throughput and peak memory against the raw-load baselines.
//!
//! ```text
//! cargo run --release --example bench_import -- [--rows 1000000] [--xlsx-rows 200000]
//!     [--dir bench-data] [--pg postgres://postgres@127.0.0.1:5432/test] [--skip-pg] [--skip-xlsx]
//!     [--runs 3]
//! ```
//!
//! Generates a deterministic messy leads CSV (~150 MB for 1M rows: ~3% duplicate ids, mixed
//! phone/email formats, blank rows, multi-line notes), then times
//! 1. `sqlite3 .import` of the file into a fresh database (the raw-load floor),
//! 2. `crmsync import` of the same file into a fresh SQLite file,
//! 3. `psql \copy` into a staging table plus one dedup upsert, and `crmsync import` into
//!    PostgreSQL (a fresh schema),
//! 4. calamine alone reading a 200k-row workbook, and `crmsync import` of that workbook.
//!
//! Each comparison runs `--runs` times, the baseline and crmsync taking turns, and the
//! medians are compared: on a shared 2-core machine one run of either can be 20–30% off,
//! and the baseline swings as much as crmsync does. Every run's pair is printed too.
//!
//! crmsync runs as its own process (the release binary next to this example), so its peak
//! RSS is its own (reported by the process from /proc/self/status).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

struct Args {
    rows: u64,
    xlsx_rows: u64,
    dir: PathBuf,
    pg: String,
    skip_pg: bool,
    skip_xlsx: bool,
    runs: usize,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        rows: 1_000_000,
        xlsx_rows: 200_000,
        dir: PathBuf::from("bench-data"),
        pg: std::env::var("CRMSYNC_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        skip_pg: false,
        skip_xlsx: false,
        runs: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rows" => a.rows = value()?.parse()?,
            "--xlsx-rows" => a.xlsx_rows = value()?.parse()?,
            "--dir" => a.dir = value()?.into(),
            "--pg" => a.pg = value()?,
            "--skip-pg" => a.skip_pg = true,
            "--skip-xlsx" => a.skip_xlsx = true,
            "--runs" => a.runs = value()?.parse::<usize>()?.max(1),
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

fn crmsync_bin() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("no target dir")?;
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--bin", "crmsync"])
        .status()
        .context("building the crmsync binary")?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    Ok(dir.join("crmsync"))
}

fn timed(cmd: &mut Command) -> Result<(f64, std::process::Output)> {
    let t = Instant::now();
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() && out.status.code() != Some(4) {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok((secs, out))
}

fn crmsync_import(bin: &Path, db: &str, file: &Path) -> Result<(f64, serde_json::Value)> {
    let (secs, out) = timed(
        Command::new(bin)
            .arg("--db")
            .arg(db)
            .arg("import")
            .arg(file)
            .args(["--source", "bench", "--json"]),
    )?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    Ok((secs, v))
}

fn report(label: &str, rows: u64, secs: f64, baseline: Option<f64>, rss_kb: Option<u64>) {
    let ratio = baseline
        .map(|b| format!("{:.2}x baseline", secs / b))
        .unwrap_or_default();
    let rss = rss_kb
        .map(|k| format!("peak RSS {:.0} MB", k as f64 / 1024.0))
        .unwrap_or_default();
    println!(
        "{label:<44} {secs:>8.2} s {:>12.0} rows/s  {ratio:<18} {rss}",
        rows as f64 / secs
    );
}

fn psql(url: &str, sql: &str) -> Command {
    let mut c = Command::new("psql");
    c.args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]);
    c
}

/// One comparison's timings over the runs: the baseline's and crmsync's seconds, and
/// crmsync's peak RSS.
#[derive(Default)]
struct Series {
    baseline: Vec<f64>,
    crmsync: Vec<f64>,
    rss_kb: Vec<u64>,
}

impl Series {
    fn push(&mut self, baseline: f64, crmsync: f64, summary: &serde_json::Value) {
        self.baseline.push(baseline);
        self.crmsync.push(crmsync);
        self.rss_kb.extend(summary["peak_rss_kb"].as_u64());
    }

    /// The medians, ratio of medians, every run's ratio and the highest peak RSS.
    fn report(&self, baseline_label: &str, label: &str, rows: u64) {
        let (base, secs) = (median(&self.baseline), median(&self.crmsync));
        report(baseline_label, rows, base, None, None);
        report(
            label,
            rows,
            secs,
            Some(base),
            self.rss_kb.iter().max().copied(),
        );
        if self.crmsync.len() > 1 {
            let runs: Vec<String> = self
                .baseline
                .iter()
                .zip(&self.crmsync)
                .map(|(b, c)| format!("{c:.2}/{b:.2} s = {:.2}x", c / b))
                .collect();
            println!("    runs (crmsync/baseline): {}", runs.join(", "));
        }
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() -> Result<()> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.dir)?;
    let dir = args.dir.canonicalize()?;
    let bin = crmsync_bin()?;
    let csv_path = dir.join(format!("leads_{}.csv", args.rows));
    if !csv_path.exists() {
        let t = Instant::now();
        let f = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
        let stats = crmsync::sample::write_csv(f, args.rows, 2025)?;
        println!(
            "generated {} in {:.1} s: {stats:?}",
            csv_path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let mb = std::fs::metadata(&csv_path)?.len() as f64 / 1e6;
    println!(
        "input: {} ({mb:.0} MB, {} rows); {} run(s) of each, medians shown\n",
        csv_path.display(),
        args.rows,
        args.runs
    );

    let mut sqlite = Series::default();
    for _ in 0..args.runs {
        let (base, secs, v) = sqlite_round(&bin, &dir, &csv_path)?;
        sqlite.push(base, secs, &v);
    }
    sqlite.report(
        "sqlite3 .import (raw load, no cleaning)",
        "crmsync import -> SQLite (fresh file)",
        args.rows,
    );

    if !args.skip_pg {
        let copyable = copyable_csv(&dir, &csv_path, args.rows)?;
        let mut pg = Series::default();
        for _ in 0..args.runs {
            let (base, secs, v) = pg_round(&bin, &args.pg, &csv_path, &copyable)?;
            pg.push(base, secs, &v);
        }
        pg.report(
            "psql \\copy + one dedup upsert",
            "crmsync import -> PostgreSQL (fresh schema)",
            args.rows,
        );
    }

    if !args.skip_xlsx {
        let xlsx = dir.join(format!("leads_{}.xlsx", args.xlsx_rows));
        if !xlsx.exists() {
            crmsync::sample::write_xlsx(&xlsx, args.xlsx_rows, 2025)?;
        }
        let mut sheet = Series::default();
        let mut cells = 0;
        for _ in 0..args.runs {
            let t = Instant::now();
            cells = calamine_alone(&xlsx)?;
            let base = t.elapsed().as_secs_f64();
            let db = fresh_sqlite(&dir, "crmsync_xlsx.db");
            let (secs, v) = crmsync_import(&bin, &db, &xlsx)?;
            sheet.push(base, secs, &v);
        }
        sheet.report(
            &format!("calamine alone ({cells} cells)"),
            "crmsync import xlsx -> SQLite",
            args.xlsx_rows,
        );
    }
    Ok(())
}

/// The URL of a SQLite database `name` in `dir`, with any earlier copy removed.
fn fresh_sqlite(dir: &Path, name: &str) -> String {
    let db = dir.join(name);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    format!("sqlite://{}", db.display())
}

/// `sqlite3 .import` of the file, then `crmsync import` of it into a fresh file.
fn sqlite_round(bin: &Path, dir: &Path, csv_path: &Path) -> Result<(f64, f64, serde_json::Value)> {
    let base_db = dir.join("baseline.db");
    let _ = std::fs::remove_file(&base_db);
    let (base, _) = timed(Command::new("sqlite3").arg(&base_db).args([
        ".mode csv",
        &format!(".import {} leads", csv_path.display()),
    ]))?;
    let db = fresh_sqlite(dir, "crmsync.db");
    let (secs, v) = crmsync_import(bin, &db, csv_path)?;
    Ok((base, secs, v))
}

/// A copy of the input without its ragged rows: COPY refuses them outright.
fn copyable_csv(dir: &Path, csv_path: &Path, rows: u64) -> Result<PathBuf> {
    let copyable = dir.join(format!("leads_{rows}.copyable.csv"));
    if !copyable.exists() {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_path(csv_path)?;
        let mut w = csv::Writer::from_path(&copyable)?;
        for rec in rdr.records() {
            let rec = rec?;
            if rec.len() == crmsync::sample::HEADER.len() {
                w.write_record(&rec)?;
            }
        }
        w.flush()?;
    }
    Ok(copyable)
}

/// `psql \copy` into a staging table plus one dedup upsert, then `crmsync import` into a
/// fresh schema.
fn pg_round(
    bin: &Path,
    pg: &str,
    csv_path: &Path,
    copyable: &Path,
) -> Result<(f64, f64, serde_json::Value)> {
    let setup = "DROP SCHEMA IF EXISTS crmsync_bench CASCADE; CREATE SCHEMA crmsync_bench; \
        CREATE TABLE crmsync_bench.staging (record_id text, first_name text, last_name text, email text, phone text, company text, title text, stage text, city text, state text, notes text, modified text, unsubscribed text); \
        CREATE TABLE crmsync_bench.leads (LIKE crmsync_bench.staging); \
        CREATE UNIQUE INDEX ON crmsync_bench.leads (record_id);";
    timed(&mut psql(pg, setup))?;
    let t = Instant::now();
    timed(&mut psql(
        pg,
        &format!(
            "\\copy crmsync_bench.staging FROM '{}' WITH (FORMAT csv, HEADER true)",
            copyable.display()
        ),
    ))?;
    timed(&mut psql(pg, "INSERT INTO crmsync_bench.leads SELECT DISTINCT ON (record_id) * FROM crmsync_bench.staging WHERE record_id <> '' ORDER BY record_id, modified DESC ON CONFLICT (record_id) DO UPDATE SET email = excluded.email"))?;
    let base = t.elapsed().as_secs_f64();
    timed(&mut psql(
        pg,
        "DROP SCHEMA IF EXISTS crmsync_bench CASCADE; CREATE SCHEMA crmsync_bench;",
    ))?;
    let sep = if pg.contains('?') { '&' } else { '?' };
    let url = format!("{pg}{sep}options=-c%20search_path%3Dcrmsync_bench");
    let (secs, v) = crmsync_import(bin, &url, csv_path)?;
    timed(&mut psql(
        pg,
        "DROP SCHEMA IF EXISTS crmsync_bench CASCADE;",
    ))?;
    Ok((base, secs, v))
}

fn calamine_alone(path: &Path) -> Result<u64> {
    use calamine::{open_workbook_auto, Reader};
    let mut wb = open_workbook_auto(path)?;
    let name = wb.sheet_names().first().cloned().context("no sheet")?;
    let range = wb.worksheet_range(&name)?;
    let mut n = 0u64;
    for row in range.rows() {
        for c in row {
            if !matches!(c, calamine::Data::Empty) {
                n += 1;
            }
        }
    }
    Ok(n)
}
