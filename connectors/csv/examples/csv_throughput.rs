//! Read-throughput benchmark for the CSV reader.
//!
//! Generates a CRM-like CSV of N rows (first argument, default 1,000,000) with 15 columns,
//! about 150 bytes per row, in a temporary directory, then reads it through the
//! `TableReader` interface and prints rows/s and MB/s. Pass `win1252` as the second argument
//! to write the file in Windows-1252 and measure the transcoding path instead. Give the path
//! of an existing file instead of a row count to measure reading that file.
//!
//! ```text
//! cargo run --release -p crmsync-csv --example csv_throughput -- 1000000
//! cargo run --release -p crmsync-csv --example csv_throughput -- exports/leads.csv
//! ```

use crmsync_csv::CsvOptions;
use crmsync_sdk::{RowEvent, TableReader};
use std::io::{BufWriter, Write};
use std::time::Instant;

const HEADER: &str = "id,first_name,last_name,email,phone,company,title,street,city,state,\
                      zip,country,created_at,lead_source,notes\n";
const FIRST: [&str; 8] = [
    "Ann", "Bob", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hiro",
];
const LAST: [&str; 6] = ["Smith", "Müller", "Okafor", "Nguyen", "García", "Kowalski"];
const COMPANY: [&str; 5] = [
    "Acme Inc",
    "\"Foo, Bar & Co\"",
    "Globex",
    "Initech",
    "Umbrella",
];
const CITY: [&str; 5] = ["Berlin", "Austin", "Lyon", "Osaka", "São Paulo"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let first = args.next().unwrap_or_else(|| "1000000".into());
    let win1252 = args.next().as_deref() == Some("win1252");

    let dir = tempfile::tempdir()?;
    let path = if std::path::Path::new(&first).is_file() {
        first.into()
    } else {
        let rows: u64 = first.replace(['_', ','], "").parse()?;
        let path = dir.path().join("leads.csv");
        let started = Instant::now();
        write_file(&path, rows, win1252)?;
        println!("wrote {rows} rows in {:.2?}", started.elapsed());
        path
    };
    let size = std::fs::metadata(&path)?.len();

    let started = Instant::now();
    let mut reader = crmsync_csv::open(&path, &CsvOptions::default())?;
    let (mut data, mut other, mut cells) = (0u64, 0u64, 0u64);
    while let Some(event) = reader.next_event()? {
        match event {
            RowEvent::Row(row) => {
                data += 1;
                cells += std::hint::black_box(row.cells).len() as u64;
            }
            RowEvent::Blank { .. } | RowEvent::Reject(_) => other += 1,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "read {}: {data} rows ({cells} cells), {other} other events",
        reader.describe()
    );
    println!(
        "{:.1} MB in {secs:.2} s: {:.0} rows/s, {:.1} MB/s",
        size as f64 / 1e6,
        data as f64 / secs,
        size as f64 / 1e6 / secs
    );
    Ok(())
}

/// Write the benchmark file.
fn write_file(path: &std::path::Path, rows: u64, win1252: bool) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(HEADER.as_bytes())?;
    let mut line = String::with_capacity(256);
    for i in 0..rows {
        let pick = |n: usize| (i as usize).wrapping_mul(2_654_435_761) % n;
        let (first, last) = (FIRST[pick(FIRST.len())], LAST[i as usize % LAST.len()]);
        line.clear();
        use std::fmt::Write as _;
        let _ = writeln!(
            line,
            "{i},{first},{last},{}.{}{i}@example.com,+1 (415) 555-{:04},{},Account Manager,\
             {} Main Street,{},CA,{:05},US,2024-03-{:02}T10:{:02}:00Z,web,Met at expo",
            first.to_lowercase(),
            last.to_lowercase(),
            i % 10_000,
            COMPANY[pick(COMPANY.len())],
            i % 9_999 + 1,
            CITY[i as usize % CITY.len()],
            i % 99_999,
            i % 28 + 1,
            i % 60,
        );
        if win1252 {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&line);
            out.write_all(&bytes)?;
        } else {
            out.write_all(line.as_bytes())?;
        }
    }
    out.flush()
}
