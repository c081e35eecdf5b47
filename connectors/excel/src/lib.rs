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
//!   last header column is rejected with the cells named, never truncated silently.
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
//!   limit; xls and ods sheets, which calamine only returns whole, are bounded by the checks
//!   above before they are parsed;
//! - calamine calls run under [`std::panic::catch_unwind`], so a parser panic on input we did
//!   not anticipate becomes an error for that file instead of ending the process.
//!
//! ## Memory
//!
//! The chosen sheet is held in memory while it is read (spreadsheet formats store sheets
//! whole). For xlsx and xlsb only the non-empty cells are kept, already converted, and each
//! row's text is released as the row is handed on. For xls and ods, calamine parses every
//! sheet on open and returns a copy of the chosen one, so peak memory is about twice that
//! sheet's rectangle; rows are converted as they are read.
//!
//! ## Layout
//!
//! - `options`: [`ExcelOptions`], [`SheetSelector`].
//! - `sniff`: what a file is, from its first bytes.
//! - `zipguard`: zip-bomb and allocation checks for xlsx, xlsb and ods.
//! - `cfb`, `biff`: the compound-file and record pre-scan for xls.
//! - `workbook`: opening the parser, choosing and loading the sheet.
//! - `grid`: the loaded cells, row by row.
//! - `header`: header-row detection.
//! - `convert`: cell typing.
//! - `reader`: [`ExcelReader`].
//! - `error`: messages and the panic guard.
#![forbid(unsafe_code)]

mod biff;
mod cfb;
mod convert;
mod error;
mod grid;
mod header;
mod options;
mod reader;
mod sniff;
mod workbook;
mod zipguard;

pub use options::{ExcelOptions, SheetSelector, DEFAULT_MAX_CELLS, DEFAULT_MAX_FILE_BYTES};
pub use reader::ExcelReader;

use crmsync_sdk::ConnectorError;
use std::path::Path;
use workbook::Workbook;

/// File extensions this crate reads, lower case.
const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Open `path` and prepare to read the sheet `opts.sheet` selects.
///
/// The whole sheet is parsed here, so format, size and sheet errors surface now; the returned
/// reader then yields its rows.
///
/// # Errors
/// [`crmsync_sdk::ErrorKind::Config`] for a missing file or an unknown sheet (the message
/// lists the sheets); [`crmsync_sdk::ErrorKind::Data`] for a file that is not a readable
/// workbook, is password-protected, exceeds a limit, or whose sheet is empty;
/// [`crmsync_sdk::ErrorKind::Io`] for other I/O failures.
pub fn open(path: &Path, opts: &ExcelOptions) -> Result<ExcelReader, ConnectorError> {
    let mut workbook = Workbook::open(path, opts)?;
    let (sheet, grid) = workbook.load(&opts.sheet, opts.max_cells)?;
    let format = workbook.format();
    let file = workbook.file().to_string();
    // Release the parser's copy of the workbook before rows are read.
    drop(workbook);
    ExcelReader::new(grid, file, format, &sheet, opts.max_cells)
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
