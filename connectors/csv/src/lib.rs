//! # crmsync-csv
//!
//! Streaming CSV reader for crmsync's file import: the exports Excel, HubSpot and Salesforce
//! actually produce, in whatever encoding and delimiter they came in.
//!
//! [`open`] detects the encoding (UTF-8 with or without BOM, UTF-16LE/BE, Windows-1252) and
//! the delimiter (`,` `;` tab `|`) from the first 64 KiB, reads the header, and returns a
//! [`CsvReader`], a [`crmsync_sdk::TableReader`] that yields one
//! [`RowEvent`](crmsync_sdk::RowEvent) per physical row position: data rows, blank lines
//! (counted, not imported) and rejects (ragged rows, invalid UTF-8), each with the 1-based
//! line where the record starts. Memory stays bounded by the largest record, whatever the
//! file size.
//!
//! ```no_run
//! use crmsync_sdk::{RowEvent, TableReader};
//!
//! let mut reader = crmsync_csv::open("leads.csv".as_ref(), &Default::default())?;
//! println!("{} columns: {:?}", reader.describe(), reader.header().names);
//! while let Some(event) = reader.next_event()? {
//!     if let RowEvent::Row(row) = event {
//!         println!("line {}: {:?}", row.row, row.cells);
//!     }
//! }
//! # Ok::<(), crmsync_sdk::ConnectorError>(())
//! ```
//!
//! ## Layout
//!
//! - [`open`](crate::open()) (`open.rs`): options checks, encoding and delimiter detection,
//!   the header.
//! - [`CsvReader`] (`reader.rs`): turns records into rows, blanks and rejects.
//! - `detect.rs`: encoding detection; `sniff.rs`: delimiter sniffing.
//! - `source.rs`: the file as a UTF-8 byte stream (transcoding only non-UTF-8 input).
//! - `records.rs`: record splitting with exact physical line numbers; `lines.rs`: line
//!   counting for CRLF, LF and CR endings.
//! - `header.rs`: column names (trimmed, `column_N` for unnamed, ` (2)` for duplicates).
//! - `error.rs`: the connector's error messages.
#![forbid(unsafe_code)]

mod detect;
mod error;
mod header;
mod lines;
mod open;
mod reader;
mod records;
mod sniff;
mod source;

pub use open::open;
pub use reader::CsvReader;

/// How to read a CSV file. Every field left at its default is detected from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field delimiter; `None` sniffs it among `,` `;` tab `|`. Must be an ASCII
    /// character other than `"`, `\r` and `\n`.
    pub delimiter: Option<u8>,
    /// An encoding label (`utf-8`, `windows-1252`, `latin1`, `utf-16le`, `utf-16be`, …, as
    /// the WHATWG Encoding Standard names them); `None` detects it. A byte-order mark is
    /// skipped only when it matches the given encoding.
    pub encoding: Option<String>,
    /// Whether the first non-blank record names the columns (default `true`). Without a
    /// header, columns are named `column_1`, `column_2`, … after the first non-blank record's
    /// width, that record is the first data row, and [`crmsync_sdk::Header::row`] is 0.
    pub has_header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            encoding: None,
            has_header: true,
        }
    }
}
