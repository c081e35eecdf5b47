//! Opening a workbook with the right parser once the safety checks pass, choosing the sheet,
//! and loading it into a [`Grid`].

use crate::biff::{self, BiffError};
use crate::cfb::Compound;
use crate::convert;
use crate::error::{self, guarded};
use crate::grid::{Grid, Placed};
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
use std::path::Path;

/// The most cells we reserve room for up front on the word of the file (40 MiB); beyond
/// that the list grows as cells actually arrive.
const RESERVE_CAP: u64 = 1 << 20;

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

    /// Load the sheet `selector` picks; returns its name and cells.
    pub(crate) fn load(
        &mut self,
        selector: &SheetSelector,
        max_cells: u64,
    ) -> Result<(String, Grid), ConnectorError> {
        let sheets = self.sheets();
        let chosen = match selector {
            SheetSelector::FirstNonEmpty => return self.first_non_empty(&sheets, max_cells),
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
        let grid = self.load_sheet(&chosen.name, max_cells)?;
        if !grid.has_values() {
            return Err(error::data(format!(
                "sheet \"{}\" of {} is empty",
                chosen.name, self.file
            )));
        }
        Ok((chosen.name.clone(), grid))
    }

    fn first_non_empty(
        &mut self,
        sheets: &[Sheet],
        max_cells: u64,
    ) -> Result<(String, Grid), ConnectorError> {
        let worksheets = sheets
            .iter()
            .filter(|s| matches!(s.typ, SheetType::WorkSheet));
        let visible = worksheets
            .clone()
            .filter(|s| matches!(s.visible, SheetVisible::Visible));
        let hidden = worksheets.filter(|s| !matches!(s.visible, SheetVisible::Visible));
        for sheet in visible.chain(hidden) {
            let grid = self.load_sheet(&sheet.name, max_cells)?;
            if grid.has_values() {
                return Ok((sheet.name.clone(), grid));
            }
        }
        Err(error::data(format!(
            "{} has no sheet with data; its sheets are: {}",
            self.file,
            listing(sheets)
        )))
    }

    fn load_sheet(&mut self, name: &str, max_cells: u64) -> Result<Grid, ConnectorError> {
        let file = self.file.as_str();
        match &mut self.book {
            Book::Xlsx(book) => guarded(file, "xlsx", || {
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|e| xlsx_error(file, e))?;
                let declared = cells.dimensions().len();
                let placed = collect(
                    declared,
                    || cells.next_cell(),
                    |e| xlsx_error(file, e),
                    file,
                    name,
                    max_cells,
                )?;
                Ok(Grid::sparse(placed))
            }),
            Book::Xlsb(book) => guarded(file, "xlsb", || {
                let mut cells = book
                    .worksheet_cells_reader(name)
                    .map_err(|e| xlsb_error(file, e))?;
                let declared = cells.dimensions().len();
                let placed = collect(
                    declared,
                    || cells.next_cell(),
                    |e| xlsb_error(file, e),
                    file,
                    name,
                    max_cells,
                )?;
                Ok(Grid::sparse(placed))
            }),
            Book::Xls(book) => guarded(file, "xls", || {
                let range = book.worksheet_range(name).map_err(|e| xls_error(file, e))?;
                dense(range, file, name, max_cells)
            }),
            Book::Ods(book) => guarded(file, "ods", || {
                let range = book.worksheet_range(name).map_err(|e| ods_error(file, e))?;
                dense(range, file, name, max_cells)
            }),
        }
    }
}

/// Read the non-empty cells from a streaming cell reader, refusing sheets with more than
/// `max_cells` of them before they are all in memory. `declared` is the size the sheet
/// claims, used only as a capped hint for the initial allocation.
fn collect<'a, E>(
    declared: u64,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    on_error: impl Fn(E) -> ConnectorError,
    file: &str,
    sheet: &str,
    max_cells: u64,
) -> Result<Vec<Placed>, ConnectorError> {
    let hint = declared.min(max_cells).min(RESERVE_CAP);
    let mut placed = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    while let Some(cell) = next().map_err(&on_error)? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        if placed.len() as u64 >= max_cells {
            return Err(error::too_large(
                file,
                &format!("sheet \"{sheet}\" has more than the {max_cells} non-empty cells allowed"),
            ));
        }
        let (row, col) = cell.get_position();
        placed.push(Placed {
            row,
            col,
            cell: convert::from_data_ref(value),
        });
    }
    Ok(placed)
}

fn dense(
    range: Range<calamine::Data>,
    file: &str,
    sheet: &str,
    max_cells: u64,
) -> Result<Grid, ConnectorError> {
    let (rows, cols) = range.get_size();
    let span = (rows as u64).saturating_mul(cols as u64);
    if span > max_cells {
        return Err(error::too_large(
            file,
            &format!("sheet \"{sheet}\" spans {rows} rows × {cols} columns, more than the {max_cells} cells allowed"),
        ));
    }
    Ok(Grid::dense(range))
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
