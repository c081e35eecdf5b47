//! Opening a workbook with the right parser once the safety checks pass, listing the sheets
//! a selector may pick, and streaming a sheet's cells.

use crate::biff::{self, BiffError};
use crate::cfb::Compound;
use crate::convert;
use crate::error::{self, guarded};
use crate::feed::Placed;
use crate::options::{ExcelOptions, SheetSelector};
use crate::sniff::{self, Container};
use crate::zipguard::{self, human_bytes, ZipKind};
use calamine::{
    open_workbook, DataRef, Ods, OdsError, Range, Reader, Sheet, SheetType, SheetVisible, Xls,
    XlsError, Xlsb, XlsbError, Xlsx, XlsxError,
};
use crmsync_sdk::ConnectorError;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

/// The parser for the workbook's actual format.
enum Book {
    Xlsx(Xlsx<BufReader<File>>),
    Xlsb(Xlsb<BufReader<File>>),
    Xls(Xls<Cursor<Vec<u8>>>),
    Ods(Ods<BufReader<File>>),
}

/// An open workbook.
pub(crate) struct Workbook {
    book: Book,
    file: String,
}

impl Workbook {
    /// Check the file and open it with the parser its content calls for.
    pub(crate) fn open(path: &Path, opts: &ExcelOptions) -> Result<Workbook, ConnectorError> {
        let file = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| error::io(&file, e))?;
        if !meta.is_file() {
            return Err(error::config(format!("{file} is not a file")));
        }
        if meta.len() > opts.max_file_bytes {
            return Err(error::too_large(
                &file,
                &format!(
                    "it is {}, over the {} limit",
                    human_bytes(meta.len()),
                    human_bytes(opts.max_file_bytes)
                ),
            ));
        }
        let mut handle = File::open(path).map_err(|e| error::io(&file, e))?;
        let head = sniff::read_head(&mut handle).map_err(|e| error::io(&file, e))?;
        let book = match sniff::classify(&file, &head)? {
            Container::Zip => match zipguard::inspect(handle, &file, opts)? {
                ZipKind::Xlsx => Book::Xlsx(guarded(&file, "xlsx", || {
                    open_workbook(path).map_err(|e| xlsx_error(&file, e))
                })?),
                ZipKind::Xlsb => Book::Xlsb(guarded(&file, "xlsb", || {
                    open_workbook(path).map_err(|e| xlsb_error(&file, e))
                })?),
                ZipKind::Ods => Book::Ods(guarded(&file, "ods", || {
                    open_workbook(path).map_err(|e| ods_error(&file, e))
                })?),
            },
            Container::Compound => {
                let bytes = read_all(&mut handle, &file, opts.max_file_bytes)?;
                check_compound(&file, &bytes, opts.max_cells)?;
                Book::Xls(guarded(&file, "xls", || {
                    Xls::new(Cursor::new(bytes)).map_err(|e| xls_error(&file, e))
                })?)
            }
        };
        Ok(Workbook { book, file })
    }

    /// The file as named in messages.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// The workbook's actual format.
    pub(crate) fn format(&self) -> &'static str {
        match self.book {
            Book::Xlsx(_) => "xlsx",
            Book::Xlsb(_) => "xlsb",
            Book::Xls(_) => "xls",
            Book::Ods(_) => "ods",
        }
    }

    fn sheets(&self) -> Vec<Sheet> {
        match &self.book {
            Book::Xlsx(b) => b.sheets_metadata().to_vec(),
            Book::Xlsb(b) => b.sheets_metadata().to_vec(),
            Book::Xls(b) => b.sheets_metadata().to_vec(),
            Book::Ods(b) => b.sheets_metadata().to_vec(),
        }
    }

    /// All sheet names in workbook order, chart sheets included.
    pub(crate) fn sheet_names(&self) -> Vec<String> {
        self.sheets().into_iter().map(|s| s.name).collect()
    }

    /// The sheets `selector` may pick, in the order to try them: one sheet for a name or a
    /// number, every worksheet (visible ones first) for the first non-empty one.
    pub(crate) fn candidates(&self, selector: &SheetSelector) -> Result<Choice, ConnectorError> {
        let sheets = self.sheets();
        let chosen = match selector {
            SheetSelector::FirstNonEmpty => {
                let worksheets = sheets
                    .iter()
                    .filter(|s| matches!(s.typ, SheetType::WorkSheet));
                let visible = worksheets
                    .clone()
                    .filter(|s| matches!(s.visible, SheetVisible::Visible));
                let hidden = worksheets.filter(|s| !matches!(s.visible, SheetVisible::Visible));
                return Ok(Choice {
                    names: visible.chain(hidden).map(|s| s.name.clone()).collect(),
                    named: false,
                    listing: listing(&sheets),
                });
            }
            SheetSelector::Name(name) => by_name(&sheets, name).ok_or_else(|| {
                error::config(format!(
                    "no sheet named \"{name}\" in {}; its sheets are: {}",
                    self.file,
                    listing(&sheets)
                ))
            })?,
            SheetSelector::Index(index) => sheets.get(*index).ok_or_else(|| {
                error::config(format!(
                    "{} has no sheet number {}; its sheets are: {}",
                    self.file,
                    index.saturating_add(1),
                    listing(&sheets)
                ))
            })?,
        };
        if !matches!(chosen.typ, SheetType::WorkSheet) {
            return Err(error::config(format!(
                "sheet \"{}\" of {} is a {} with no cells to import; its sheets are: {}",
                chosen.name,
                self.file,
                kind_name(chosen.typ),
                listing(&sheets)
            )));
        }
        Ok(Choice {
            names: vec![chosen.name.clone()],
            named: true,
            listing: listing(&sheets),
        })
    }

    /// Stream the non-empty cells of sheet `name`, in file order, to `visit`: first
    /// [`Visit::Extent`], then one [`Visit::Cell`] each, until `visit` says stop. The parser
    /// runs under the panic guard, so malformed content becomes an error.
    pub(crate) fn each_cell(
        &mut self,
        name: &str,
        max_cells: u64,
        visit: &mut dyn FnMut(Visit) -> Flow,
    ) -> Result<(), ConnectorError> {
        let file = self.file.as_str();
        match &mut self.book {
            Book::Xlsx(book) => guarded(file, "xlsx", || {
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|e| xlsx_error(file, e))?;
                let extent = cells.dimensions().end.0;
                stream_cells(extent, || cells.next_cell(), |e| xlsx_error(file, e), visit)
            }),
            Book::Xlsb(book) => guarded(file, "xlsb", || {
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|e| xlsb_error(file, e))?;
                let extent = cells.dimensions().end.0;
                stream_cells(extent, || cells.next_cell(), |e| xlsb_error(file, e), visit)
            }),
            Book::Xls(book) => guarded(file, "xls", || {
                let range = book.worksheet_range(name).map_err(|e| xls_error(file, e))?;
                visit_dense(&range, file, name, max_cells, visit)
            }),
            Book::Ods(book) => guarded(file, "ods", || {
                let range = book.worksheet_range(name).map_err(|e| ods_error(file, e))?;
                visit_dense(&range, file, name, max_cells, visit)
            }),
        }
    }
}

/// The sheets a selector may pick; see [`Workbook::candidates`].
pub(crate) struct Choice {
    /// Sheet names to try, in order.
    pub(crate) names: Vec<String>,
    /// Whether the user named the sheet (an empty sheet is then an error of its own).
    pub(crate) named: bool,
    /// All sheets, numbered, for messages.
    pub(crate) listing: String,
}

/// What [`Workbook::each_cell`] hands its visitor.
pub(crate) enum Visit {
    /// The last 0-based row the sheet declares; a hint for progress, never trusted as a bound.
    Extent(u32),
    /// A non-empty cell.
    Cell(Placed),
}

/// Whether the visitor wants more cells.
pub(crate) type Flow = ControlFlow<()>;

/// Hand on the cells of one of calamine's streaming cell readers (xlsx, xlsb): `next` is
/// the reader's `next_cell`, `on_error` names its errors.
fn stream_cells<'a, E>(
    extent: u32,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    on_error: impl Fn(E) -> ConnectorError,
    visit: &mut dyn FnMut(Visit) -> Flow,
) -> Result<(), ConnectorError> {
    if visit(Visit::Extent(extent)).is_break() {
        return Ok(());
    }
    while let Some(cell) = next().map_err(&on_error)? {
        if visit_ref(cell, visit).is_break() {
            break;
        }
    }
    Ok(())
}

fn visit_ref(cell: calamine::Cell<DataRef<'_>>, visit: &mut dyn FnMut(Visit) -> Flow) -> Flow {
    let value = cell.get_value();
    if matches!(value, DataRef::Empty) {
        return ControlFlow::Continue(());
    }
    let (row, col) = cell.get_position();
    visit(Visit::Cell(Placed {
        row,
        col,
        cell: convert::from_data_ref(value),
    }))
}

/// Hand on the cells of a parsed rectangle (xls, ods) row by row, after checking the
/// rectangle against the cell limit.
fn visit_dense(
    range: &Range<calamine::Data>,
    file: &str,
    sheet: &str,
    max_cells: u64,
    visit: &mut dyn FnMut(Visit) -> Flow,
) -> Result<(), ConnectorError> {
    let (rows, cols) = range.get_size();
    let span = (rows as u64).saturating_mul(cols as u64);
    if span > max_cells {
        return Err(error::too_large(
            file,
            &format!("sheet \"{sheet}\" spans {rows} rows × {cols} columns, more than the {max_cells} cells allowed"),
        ));
    }
    let (Some((first_row, first_col)), Some((last_row, _))) = (range.start(), range.end()) else {
        return Ok(());
    };
    if visit(Visit::Extent(last_row)).is_break() {
        return Ok(());
    }
    for (r, c, value) in range.used_cells() {
        if matches!(value, calamine::Data::Empty) {
            continue;
        }
        let placed = Placed {
            row: first_row.saturating_add(r as u32),
            col: first_col.saturating_add(c as u32),
            cell: convert::from_data(value),
        };
        if visit(Visit::Cell(placed)).is_break() {
            break;
        }
    }
    Ok(())
}

/// Read the whole file (already known to be within the size limit, but it may have grown).
fn read_all(handle: &mut File, file: &str, max_bytes: u64) -> Result<Vec<u8>, ConnectorError> {
    handle
        .seek(SeekFrom::Start(0))
        .map_err(|e| error::io(file, e))?;
    let mut bytes = Vec::new();
    handle
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| error::io(file, e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(error::too_large(
            file,
            &format!("it is over the {} limit", human_bytes(max_bytes)),
        ));
    }
    Ok(bytes)
}

/// Validate an OLE compound file before the xls parser sees it (see [`crate::cfb`] and
/// [`crate::biff`] for what could go wrong otherwise).
fn check_compound(file: &str, bytes: &[u8], max_cells: u64) -> Result<(), ConnectorError> {
    let cfb = Compound::parse(bytes).map_err(|e| error::malformed(file, "xls", &e.to_string()))?;
    if cfb.has("EncryptedPackage") {
        return Err(error::password(file));
    }
    let Some(stream) = cfb.stream("Workbook").or_else(|| cfb.stream("Book")) else {
        return Err(error::data(format!(
            "{file} is an OLE compound document with no workbook inside (such as a Word 97-2003 \
             or Outlook file), not a spreadsheet"
        )));
    };
    let stream = stream.map_err(|e| error::malformed(file, "xls", &e.to_string()))?;
    biff::check(&stream, max_cells).map_err(|e| match e {
        BiffError::Encrypted => error::password(file),
        BiffError::BadSheetOffset => error::malformed(file, "xls", &e.to_string()),
        BiffError::DeclaredTooLarge { .. } | BiffError::TooLarge { .. } => {
            error::too_large(file, &format!("{e}, more than the {max_cells} allowed"))
        }
    })
}

fn by_name<'s>(sheets: &'s [Sheet], name: &str) -> Option<&'s Sheet> {
    sheets
        .iter()
        .find(|s| s.name == name)
        .or_else(|| {
            sheets
                .iter()
                .find(|s| s.name.to_lowercase() == name.to_lowercase())
        })
        .or_else(|| {
            let number: usize = name.trim().parse().ok()?;
            sheets.get(number.checked_sub(1)?)
        })
}

fn listing(sheets: &[Sheet]) -> String {
    if sheets.is_empty() {
        return "(none)".to_string();
    }
    let names: Vec<String> = sheets
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} \"{}\"", i + 1, s.name))
        .collect();
    names.join(", ")
}

fn kind_name(typ: SheetType) -> &'static str {
    match typ {
        SheetType::WorkSheet => "worksheet",
        SheetType::ChartSheet => "chart sheet",
        SheetType::DialogSheet => "dialog sheet",
        SheetType::MacroSheet => "macro sheet",
        SheetType::Vba => "VBA module",
    }
}

fn xlsx_error(file: &str, e: XlsxError) -> ConnectorError {
    match e {
        XlsxError::Password => error::password(file),
        XlsxError::Io(io) => error::parser_io(file, "xlsx", io),
        e => error::damaged(file, "xlsx", e),
    }
}

fn xlsb_error(file: &str, e: XlsbError) -> ConnectorError {
    match e {
        XlsbError::Password => error::password(file),
        XlsbError::Io(io) => error::parser_io(file, "xlsb", io),
        e => error::damaged(file, "xlsb", e),
    }
}

fn xls_error(file: &str, e: XlsError) -> ConnectorError {
    match e {
        XlsError::Password => error::password(file),
        XlsError::Io(io) => error::parser_io(file, "xls", io),
        e => error::damaged(file, "xls", e),
    }
}

fn ods_error(file: &str, e: OdsError) -> ConnectorError {
    match e {
        OdsError::Password => error::password(file),
        OdsError::Io(io) => error::parser_io(file, "ods", io),
        e => error::damaged(file, "ods", e),
    }
}
