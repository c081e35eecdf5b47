//! A row writer for CSV or XLSX output.

use super::neutralize;
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Comma-separated, UTF-8, formula-neutralized.
    Csv,
    /// Excel workbook; every cell written as a string cell, never as a formula.
    Xlsx,
}

impl TableFormat {
    /// The format implied by a file extension, if any.
    pub fn from_path(path: &Path) -> Option<TableFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(TableFormat::Csv),
            "xlsx" => Some(TableFormat::Xlsx),
            _ => None,
        }
    }
}

/// Why writing a table failed.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// CSV output failed.
    #[error("cannot write {path}: {source}")]
    Csv {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: csv::Error,
    },
    /// XLSX output failed.
    #[error("cannot write {path}: {source}")]
    Xlsx {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

enum Inner {
    Csv(Box<csv::Writer<std::fs::File>>),
    Xlsx {
        book: Box<rust_xlsxwriter::Workbook>,
        row: u32,
    },
}

/// Writes a header and rows to CSV or XLSX.
pub struct TableWriter {
    inner: Inner,
    path: PathBuf,
}

/// Excel's hard limit on rows per sheet.
const XLSX_MAX_ROWS: u32 = 1_048_576;

impl TableWriter {
    /// Create `path` and write `header`.
    ///
    /// # Errors
    /// [`TableError`] when the file cannot be created.
    pub fn create(path: &Path, format: TableFormat, header: &[&str]) -> Result<Self, TableError> {
        let inner = match format {
            TableFormat::Csv => {
                let w = csv::Writer::from_path(path).map_err(|source| TableError::Csv {
                    path: path.into(),
                    source,
                })?;
                Inner::Csv(Box::new(w))
            }
            TableFormat::Xlsx => Inner::Xlsx {
                book: Box::default(),
                row: 0,
            },
        };
        let mut w = TableWriter {
            inner,
            path: path.to_path_buf(),
        };
        w.write_row(header.iter().copied())?;
        Ok(w)
    }

    /// Write one row.
    ///
    /// # Errors
    /// [`TableError`] on I/O failure or when an XLSX sheet is full.
    pub fn write_row<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), TableError> {
        let path = &self.path;
        match &mut self.inner {
            Inner::Csv(w) => w
                .write_record(cells.into_iter().map(|c| neutralize(c).into_owned()))
                .map_err(|source| TableError::Csv {
                    path: path.clone(),
                    source,
                }),
            Inner::Xlsx { book, row } => {
                let xerr = |source| TableError::Xlsx {
                    path: path.clone(),
                    source,
                };
                if *row >= XLSX_MAX_ROWS {
                    return Err(xerr(rust_xlsxwriter::XlsxError::RowColumnLimitError));
                }
                if book.worksheets_mut().is_empty() {
                    book.add_worksheet();
                }
                let sheet = book.worksheet_from_index(0).map_err(xerr)?;
                for (col, cell) in cells.into_iter().enumerate() {
                    let col = u16::try_from(col)
                        .map_err(|_| xerr(rust_xlsxwriter::XlsxError::RowColumnLimitError))?;
                    if !cell.is_empty() {
                        sheet.write_string(*row, col, cell).map_err(xerr)?;
                    }
                }
                *row += 1;
                Ok(())
            }
        }
    }

    /// Flush and close the file.
    ///
    /// # Errors
    /// [`TableError`] when the final write fails.
    pub fn finish(self) -> Result<(), TableError> {
        let path = self.path;
        match self.inner {
            Inner::Csv(mut w) => w.flush().map_err(|e| TableError::Csv {
                path: path.clone(),
                source: e.into(),
            }),
            Inner::Xlsx { mut book, .. } => {
                if book.worksheets_mut().is_empty() {
                    book.add_worksheet();
                }
                book.save(&path).map_err(|source| TableError::Xlsx {
                    path: path.clone(),
                    source,
                })
            }
        }
    }
}
