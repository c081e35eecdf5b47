//! Throughput of the xlsx path: calamine alone against [`crmsync_excel::ExcelReader`].
//!
//! ```text
//! cargo run --release -p crmsync-excel --example xlsx_throughput -- [PATH] [--only calamine|reader]
//! ```
//!
//! Writes a 200,000-row × 12-column workbook to PATH (or a temporary directory) unless PATH
//! already exists, then times (a) calamine reading the sheet into a `Range` and iterating
//! it, and (b) `ExcelReader` producing every row event. With `--only`, one of the two runs,
//! so that the peak resident memory printed at the end (Linux) belongs to it alone.

use calamine::{open_workbook, Data, Reader, Xlsx};
use crmsync_excel::{open, ExcelOptions};
use crmsync_sdk::{RowEvent, TableReader};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

const ROWS: u32 = 200_000;
const COMPANIES: [&str; 5] = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli"];
const CITIES: [&str; 4] = ["Lisbon", "Osaka", "Denver", "Nairobi"];

fn write_workbook(path: &Path) -> Result<(), Box<dyn Error>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Contacts")?;
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let header = [
        "ID",
        "First name",
        "Last name",
        "Email",
        "Phone",
        "Company",
        "City",
        "Country",
        "Signed up",
        "Score",
        "Active",
        "Notes",
    ];
    for (c, name) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *name)?;
    }
    let signed = ExcelDateTime::from_ymd(2024, 3, 15)?;
    for i in 1..=ROWS {
        let n = f64::from(i);
        ws.write_number(i, 0, n)?;
        ws.write_string(i, 1, format!("First{}", i % 5000))?;
        ws.write_string(i, 2, format!("Last{}", i % 7919))?;
        ws.write_string(i, 3, format!("person{i}@example.com"))?;
        ws.write_number(i, 4, 4_155_550_000.0 + n)?;
        ws.write_string(i, 5, COMPANIES[i as usize % COMPANIES.len()])?;
        ws.write_string(i, 6, CITIES[i as usize % CITIES.len()])?;
        ws.write_string(i, 7, "US")?;
        ws.write_datetime_with_format(i, 8, &signed, &day)?;
        ws.write_number(i, 9, n / 7.0)?;
        ws.write_boolean(i, 10, i % 2 == 0)?;
        ws.write_string(i, 11, format!("met at booth {} on day {}", i % 40, i % 3))?;
    }
    wb.save(path)?;
    Ok(())
}

/// Peak resident set size, from /proc on Linux.
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}

fn calamine_alone(path: &Path) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let mut book: Xlsx<_> = open_workbook(path)?;
    let range = book.worksheet_range_at(0).ok_or("no sheet")??;
    let mut rows = 0usize;
    let mut cells = 0usize;
    for row in range.rows() {
        rows += 1;
        cells += row.iter().filter(|d| !matches!(d, Data::Empty)).count();
    }
    println!(
        "calamine Range + iterate: {:>8.2?}  ({rows} rows, {cells} cells)",
        start.elapsed()
    );
    Ok(())
}

fn reader(path: &Path) -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let mut reader = open(path, &ExcelOptions::default())?;
    let opened = start.elapsed();
    let (mut rows, mut other) = (0usize, 0usize);
    while let Some(event) = reader.next_event()? {
        match event {
            RowEvent::Row(_) => rows += 1,
            _ => other += 1,
        }
    }
    println!(
        "ExcelReader all events:   {:>8.2?}  ({rows} rows, {other} other events; open took {opened:.2?})",
        start.elapsed()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let given = args
        .iter()
        .find(|a| !a.starts_with("--") && Some(*a) != only.as_ref());
    let tmp = tempfile::tempdir()?;
    let path: PathBuf = given.map_or_else(|| tmp.path().join("throughput.xlsx"), PathBuf::from);
    if !path.exists() {
        let start = Instant::now();
        write_workbook(&path)?;
        let size = std::fs::metadata(&path)?.len();
        println!(
            "wrote {} ({ROWS} rows x 12 columns, {:.1} MiB) in {:.2?}",
            path.display(),
            size as f64 / 1048576.0,
            start.elapsed()
        );
    }
    match only.as_deref() {
        Some("calamine") => calamine_alone(&path)?,
        Some("reader") => reader(&path)?,
        None => {
            calamine_alone(&path)?;
            reader(&path)?;
        }
        Some(other) => return Err(format!("--only takes calamine or reader, not {other}").into()),
    }
    if let Some(rss) = peak_rss() {
        println!("peak resident memory: {rss}");
    }
    Ok(())
}
