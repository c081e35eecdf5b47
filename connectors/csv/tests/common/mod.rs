//! Shared helpers for the integration tests: fixture files and a compact, exact rendering of
//! row events.
#![allow(dead_code)] // Each test binary uses its own subset of the helpers.

use crmsync_csv::{CsvOptions, CsvReader};
use crmsync_sdk::{Cell, RowEvent, TableReader};
use std::path::PathBuf;
use tempfile::TempDir;

/// Write `bytes` to `name` in a fresh temporary directory.
pub fn fixture(name: &str, bytes: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    (dir, path)
}

/// Open `bytes` as `name` with `opts` and read every event.
pub fn read_with(name: &str, bytes: &[u8], opts: &CsvOptions) -> (CsvReader, Vec<RowEvent>) {
    let (_dir, path) = fixture(name, bytes);
    let mut reader = crmsync_csv::open(&path, opts).expect("open");
    let events = drain(&mut reader);
    (reader, events)
}

/// Read `bytes` with default options.
pub fn read(bytes: &[u8]) -> (CsvReader, Vec<RowEvent>) {
    read_with("test.csv", bytes, &CsvOptions::default())
}

/// Every remaining event of `reader`.
pub fn drain(reader: &mut CsvReader) -> Vec<RowEvent> {
    let mut events = Vec::new();
    while let Some(event) = reader.next_event().expect("next event") {
        events.push(event);
    }
    events
}

/// One line per event: `"3: a | b"` for a row (empty cells render as nothing),
/// `"4: blank"`, `"5: reject: <reason>"`.
pub fn render(events: &[RowEvent]) -> Vec<String> {
    events
        .iter()
        .map(|event| match event {
            RowEvent::Row(row) => {
                let cells: Vec<String> = row.cells.iter().map(render_cell).collect();
                format!("{}: {}", row.row, cells.join(" | "))
            }
            RowEvent::Blank { row } => format!("{row}: blank"),
            RowEvent::Reject(r) => format!("{}: reject: {}", r.row, r.reason),
        })
        .collect()
}

/// A cell as text; anything but `Empty` and `Text` is a reader bug.
pub fn render_cell(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.clone(),
        other => panic!("a CSV reader must only produce text cells, got {other:?}"),
    }
}

/// UTF-16 bytes of `text`, with a BOM, little- or big-endian.
pub fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        let bytes = if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        out.extend_from_slice(&bytes);
    }
    out
}

/// Options with only the encoding set.
pub fn with_encoding(label: &str) -> CsvOptions {
    CsvOptions {
        encoding: Some(label.to_string()),
        ..CsvOptions::default()
    }
}

/// Options with only the delimiter set.
pub fn with_delimiter(delimiter: u8) -> CsvOptions {
    CsvOptions {
        delimiter: Some(delimiter),
        ..CsvOptions::default()
    }
}
