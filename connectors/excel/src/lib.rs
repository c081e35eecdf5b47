//! # crmsync-excel
//!
//! Reads one worksheet of an Excel or OpenDocument workbook (xlsx, xlsm, xlsb, xls, ods) as a
//! [`crmsync_sdk::TableReader`]: a header row and one [`crmsync_sdk::RowEvent`] per row
//! below it, with cells typed as the workbook types them.
//!
//! ```no_run
//! use crmsync_excel::{open, ExcelOptions, SheetSelector};
//! use crmsync_sdk::TableReader;
//!
//! let opts = ExcelOptions { sheet: SheetSelector::parse("Leads"), ..ExcelOptions::default() };
//! let mut reader = open(std::path::Path::new("leads.xlsx"), &opts)?;
//! println!("{:?}", reader.header().names);
//! while let Some(event) = reader.next_event()? {
//!     println!("{event:?}");
//! }
//! # Ok::<(), crmsync_sdk::ConnectorError>(())
//! ```
//!
//! ## What the reader does with messy exports
//!
//! - **Format by content.** The file's first bytes decide the parser, not its extension: an
//!   `.xls` that is really an `.xlsx` is read, while a CSV, an HTML table or a PDF with a
//!   spreadsheet extension gets an error that says what it is and what to do.
//! - **Sheet choice.** [`SheetSelector`]: by name, by number, or the first sheet with data.
//! - **Header detection.** Title and blank rows above the header are skipped; see the
//!   `header` module for the exact rule.
//! - **Cell types.** See the `convert` module: whole numbers keep every digit, dates honour
//!   the workbook's 1900 or 1904 date system, times and durations become `HH:MM:SS` text.
//! - **Row shape.** Rows are padded to the header's width; a row with values right of the
//!   last header column is rejected with the cells named, never truncated silently. Values
//!   left of the header's first column become an unnamed column when they appear in the
//!   first [`LOOKAHEAD_ROWS`] rows below the header (an untitled ID column); further down,
//!   the table's shape is fixed and such a value rejects its row the same way.
//!
//! ## Safety on hostile files
//!
//! A corrupt, truncated, encrypted or oversized file is a [`crmsync_sdk::ErrorKind::Data`]
//! error, never a panic or an unbounded allocation:
//!
//! - the file size is checked against [`ExcelOptions::max_file_bytes`] before reading;
//! - zip-based formats are checked against the sizes their zip directory declares (which the
//!   zip reader enforces), and the counts calamine would allocate from (shared-string count,
//!   ods repeats) are checked against [`ExcelOptions::max_cells`];
//! - xls files are walked by our own bounds-checked compound-file and record scanner first,
//!   because calamine sizes buffers from numbers in the file;
//! - xlsx and xlsb sheets are streamed cell by cell and refused once they exceed the cell
//!   limit, or once the table (rows × columns) would; xls and ods sheets, which calamine
//!   only returns whole, are bounded by the checks above before they are parsed;
//! - calamine calls run under [`std::panic::catch_unwind`], so a parser panic on input we did
//!   not anticipate becomes an error for that file instead of ending the process.
//!
//! ## Memory
//!
//! xlsx and xlsb sheets are parsed as they are read, on a thread of their own that runs a
//! few thousand cells ahead of the reader (see the `feed` module), so memory does not grow
//! with the sheet: what stays is the workbook's shared-string table, which the formats keep
//! whole, and the first rows read to find the header. For xls and ods, calamine parses
//! every sheet on open and returns a copy of the chosen one, so peak memory is about twice
//! that sheet's rectangle.
//!
//! ## Layout
//!
//! - `options`: [`ExcelOptions`], [`SheetSelector`].
//! - `sniff`: what a file is, from its first bytes.
//! - `zipguard`: zip-bomb and allocation checks for xlsx, xlsb and ods.
//! - `cfb`, `biff`: the compound-file and record pre-scan for xls.
//! - `workbook`: opening the parser, choosing the sheet, streaming its cells.
//! - `feed`: the parser thread and the channel that brings its cells to the reader.
//! - `header`: header-row detection.
//! - `convert`: cell typing.
//! - `reader`: [`ExcelReader`].
//! - `error`: messages and the panic guard.
#![forbid(unsafe_code)]

mod biff;
mod cfb;
mod convert;
mod error;
mod feed;
mod header;
mod options;
mod reader;
mod sniff;
mod workbook;
mod zipguard;

pub use options::{ExcelOptions, SheetSelector, DEFAULT_MAX_CELLS, DEFAULT_MAX_FILE_BYTES};
pub use reader::{ExcelReader, LOOKAHEAD_ROWS};

use crmsync_sdk::ConnectorError;
use std::path::Path;
use workbook::Workbook;

/// File extensions this crate reads, lower case.
const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Open `path` and prepare to read the sheet `opts.sheet` selects.
///
/// The workbook is opened and checked here, and the sheet's first rows are read to find the
/// header, so format, sheet and most size errors surface now. The rest of the sheet is
/// parsed on a thread of its own while the returned reader yields rows; an error found
/// there (a damaged part further into the sheet, a cell limit reached) comes from
/// [`TableReader::next_event`](crmsync_sdk::TableReader::next_event).
///
/// # Errors
/// [`crmsync_sdk::ErrorKind::Config`] for a missing file or an unknown sheet (the message
/// lists the sheets); [`crmsync_sdk::ErrorKind::Data`] for a file that is not a readable
/// workbook, is password-protected, exceeds a limit, or whose sheet is empty;
/// [`crmsync_sdk::ErrorKind::Io`] for other I/O failures.
pub fn open(path: &Path, opts: &ExcelOptions) -> Result<ExcelReader, ConnectorError> {
    let workbook = Workbook::open(path, opts)?;
    let choice = workbook.candidates(&opts.sheet)?;
    let format = workbook.format();
    let file = workbook.file().to_string();
    let opened = feed::start(workbook, choice, opts.max_cells)?;
    ExcelReader::new(opened, file, format, opts.max_cells)
}

/// The names of all sheets of the workbook at `path`, in workbook order (chart sheets
/// included), for listing choices to the user. Uses the default limits.
///
/// # Errors
/// As [`open`], except that no sheet is read.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, ConnectorError> {
    Ok(Workbook::open(path, &ExcelOptions::default())?.sheet_names())
}

/// Whether `path` has a spreadsheet extension this crate reads (xlsx, xlsm, xlsb, xls, ods;
/// any case). The content decides the format when the file is opened.
pub fn is_spreadsheet_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_extensions_are_recognised_in_any_case() {
        let cases = [
            ("a.xlsx", true),
            ("a.XLSX", true),
            ("dir/b.Xlsm", true),
            ("b.xlsb", true),
            ("c.xls", true),
            ("d.ods", true),
            ("e.csv", false),
            ("xlsx", false),
            ("f.xlsx.bak", false),
        ];
        for (path, expected) in cases {
            assert_eq!(is_spreadsheet_path(Path::new(path)), expected, "{path}");
        }
    }
}
