//! Checks on zip-based workbooks (xlsx, xlsm, xlsb, ods) before the parser opens them.
//!
//! The zip reader refuses to unpack an entry past the size its directory declares, so the
//! declared sizes are a trustworthy upper bound and we can refuse zip bombs up front by
//! adding them up. Two further checks mirror allocations calamine makes from numbers in the
//! file: the `uniqueCount` of an xlsx shared-string table (calamine reserves that many strings
//! at once) and the repeat counts of an ods sheet (calamine expands repeated rows, columns
//! and spaces into real cells and characters when it opens the file).

use crate::error;
use crate::options::ExcelOptions;
use crmsync_sdk::ConnectorError;
use quick_xml::events::{BytesStart, Event};
use std::fs::File;
use std::io::{BufReader, Read};
use zip::ZipArchive;

/// Which zip-based format a workbook is, judged by its parts rather than its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ZipKind {
    /// Office Open XML (xlsx, xlsm).
    Xlsx,
    /// Excel binary workbook.
    Xlsb,
    /// OpenDocument spreadsheet.
    Ods,
}

/// The smallest shared-string entry a real writer produces is `<si><t></t></si>`, so a table
/// cannot hold more strings than its size divided by this.
const MIN_SHARED_STRING_BYTES: u64 = 8;
/// Per-cell overhead added to the text of an ods cell when estimating what its expansion
/// costs in memory.
const ODS_CELL_OVERHEAD: u64 = 32;

type Archive = ZipArchive<BufReader<File>>;

/// Identify the workbook inside a zip archive and refuse archives that would unpack to
/// more than the options allow.
pub(crate) fn inspect(
    file: File,
    name: &str,
    opts: &ExcelOptions,
) -> Result<ZipKind, ConnectorError> {
    let mut archive = ZipArchive::new(BufReader::new(file)).map_err(|e| {
        error::data(format!(
            "{name} is damaged or truncated: it starts like a zip-based workbook (xlsx, xlsb or \
             ods) but its zip directory cannot be read ({e}); open it in Excel or LibreOffice \
             and save a fresh copy, or export the sheet as CSV"
        ))
    })?;
    let mut parts = Vec::with_capacity(archive.len());
    let mut unpacked = 0u64;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| error::damaged(name, "zip", e))?;
        if entry.encrypted() {
            return Err(error::password(name));
        }
        let original = entry
            .name()
            .map_err(|e| error::damaged(name, "zip", e))?
            .into_owned();
        let part = Part {
            lower: original.to_ascii_lowercase(),
            original,
            size: entry.size(),
        };
        if [".xml", ".rels", ".bin"]
            .iter()
            .any(|ext| part.lower.ends_with(ext))
        {
            unpacked = unpacked.saturating_add(part.size);
        }
        parts.push(part);
    }
    let budget = opts.unpacked_budget();
    if unpacked > budget {
        return Err(error::too_large(
            name,
            &format!(
                "its parts unpack to {}, more than the {} allowed (a zip bomb looks like this)",
                human_bytes(unpacked),
                human_bytes(budget)
            ),
        ));
    }

    let kind = kind_of(&mut archive, &parts, name)?;
    match kind {
        ZipKind::Xlsx => {
            for part in parts
                .iter()
                .filter(|p| p.lower.ends_with("sharedstrings.xml"))
            {
                check_shared_strings(&mut archive, part, name)?;
            }
        }
        ZipKind::Ods => {
            if parts.iter().any(|p| p.original == "content.xml") {
                check_ods_content(&mut archive, name, opts)?;
            }
        }
        ZipKind::Xlsb => {}
    }
    Ok(kind)
}

/// One entry of the archive.
struct Part {
    original: String,
    lower: String,
    size: u64,
}

fn kind_of(archive: &mut Archive, parts: &[Part], name: &str) -> Result<ZipKind, ConnectorError> {
    let has = |p: &str| parts.iter().any(|part| part.lower == p);
    let has_prefix = |p: &str| parts.iter().any(|part| part.lower.starts_with(p));
    if has("mimetype") {
        let mut mime = String::new();
        if let Ok(entry) = archive.by_name("mimetype") {
            // A mimetype that is not text is simply not an OpenDocument file.
            let _ = entry.take(128).read_to_string(&mut mime);
        }
        let mime = mime.trim();
        if mime == "application/vnd.oasis.opendocument.spreadsheet" {
            return Ok(ZipKind::Ods);
        }
        if let Some(kind) = mime.strip_prefix("application/vnd.oasis.opendocument.") {
            return Err(error::data(format!(
                "{name} is an OpenDocument {kind} document, not a spreadsheet"
            )));
        }
    }
    if has("xl/workbook.bin") {
        return Ok(ZipKind::Xlsb);
    }
    if has_prefix("xl/") {
        return Ok(ZipKind::Xlsx);
    }
    if has("content.xml") {
        return Ok(ZipKind::Ods);
    }
    let what = if has_prefix("word/") {
        "a Word document"
    } else if has_prefix("ppt/") {
        "a PowerPoint presentation"
    } else {
        "a zip archive that holds no workbook"
    };
    Err(error::data(format!("{name} is {what}, not a spreadsheet")))
}

fn xml_reader<R: std::io::BufRead>(inner: R) -> quick_xml::Reader<R> {
    let mut reader = quick_xml::Reader::from_reader(inner);
    let config = reader.config_mut();
    // The same settings calamine parses with, so both see the same elements.
    config.check_end_names = false;
    config.check_comments = false;
    config.expand_empty_elements = true;
    reader
}

/// Refuse a shared-string table whose declared string count could not fit in its size.
fn check_shared_strings(
    archive: &mut Archive,
    part: &Part,
    name: &str,
) -> Result<(), ConnectorError> {
    let size = part.size;
    let entry = archive
        .by_name(&part.original)
        .map_err(|e| error::damaged(name, "xlsx", e))?;
    let mut reader = xml_reader(BufReader::new(entry));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                let declared = attr_u64(&e, "uniqueCount").unwrap_or(0);
                if declared > size / MIN_SHARED_STRING_BYTES + 1 {
                    return Err(error::malformed(
                        name,
                        "xlsx",
                        &format!(
                            "its shared-string table declares {declared} strings but holds only \
                             {size} bytes"
                        ),
                    ));
                }
                return Ok(());
            }
            // Broken XML fails in the parser later with its own message.
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// Bound what calamine will allocate when it expands the repeated rows, columns and spaces
/// of every sheet in `content.xml`.
fn check_ods_content(
    archive: &mut Archive,
    name: &str,
    opts: &ExcelOptions,
) -> Result<(), ConnectorError> {
    let entry = archive
        .by_name("content.xml")
        .map_err(|e| error::damaged(name, "ods", e))?;
    let mut reader = xml_reader(BufReader::new(entry));
    let mut scan = OdsScan::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        scan.event(&event);
        if scan.total_cells() > opts.max_cells {
            return Err(error::too_large(
                name,
                &format!(
                    "its sheets span more than {} cells once repeated rows and columns are \
                     expanded",
                    opts.max_cells
                ),
            ));
        }
        if scan.bytes > opts.unpacked_budget() {
            return Err(error::too_large(
                name,
                &format!(
                    "its repeated cells expand to more than {} of text",
                    human_bytes(opts.unpacked_budget())
                ),
            ));
        }
    }
    Ok(())
}

/// Running totals of an ods content scan.
#[derive(Default)]
struct OdsScan {
    /// Cells spanned by finished sheets (rows × columns from column A, as calamine lays
    /// them out).
    cells: u64,
    /// Bytes of cell text after expansion, over all sheets.
    bytes: u64,
    row: u64,
    row_repeat: u64,
    col: u64,
    cell: Option<OdsCell>,
    /// (first row, last row, last column) of valued cells in the current sheet.
    bounds: Option<(u64, u64, u64)>,
}

struct OdsCell {
    repeat: u64,
    valued: bool,
    text: u64,
}

impl OdsScan {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(e) => match e.name().as_ref() {
                "table:table" => {
                    self.row = 0;
                    self.bounds = None;
                }
                "table:table-row" => {
                    self.row_repeat = attr_u64(e, "table:number-rows-repeated").unwrap_or(1);
                    self.col = 0;
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let valued = e.attributes().flatten().any(|a| {
                        let key = a.key.as_ref();
                        (key.starts_with("office:") && key.ends_with("value"))
                            || key == "table:formula"
                            || (key == "office:value-type" && a.value == "string")
                    });
                    let text = e.attributes().flatten().map(|a| a.value.len() as u64).sum();
                    let repeat = attr_u64(e, "table:number-columns-repeated").unwrap_or(1);
                    self.cell = Some(OdsCell {
                        repeat,
                        valued,
                        text,
                    });
                }
                "text:s" => self.add_text(attr_u64(e, "text:c").unwrap_or(1)),
                _ => {}
            },
            Event::Text(t) => self.add_text(t.len() as u64),
            Event::CData(t) => self.add_text(t.len() as u64),
            Event::GeneralRef(_) => self.add_text(1),
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => self.end_cell(),
                "table:table-row" => self.row = self.row.saturating_add(self.row_repeat),
                "table:table" => {
                    self.cells = self.total_cells();
                    self.bounds = None;
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Cells spanned by the finished sheets and the current one so far.
    fn total_cells(&self) -> u64 {
        let current = self.bounds.map_or(0, |(first, last, last_col)| {
            (last - first + 1).saturating_mul(last_col.saturating_add(1))
        });
        self.cells.saturating_add(current)
    }

    fn add_text(&mut self, len: u64) {
        if let Some(cell) = &mut self.cell {
            cell.text = cell.text.saturating_add(len);
        }
    }

    fn end_cell(&mut self) {
        let Some(cell) = self.cell.take() else { return };
        let first_col = self.col;
        self.col = self.col.saturating_add(cell.repeat);
        if !cell.valued || cell.repeat == 0 || self.row_repeat == 0 {
            return;
        }
        let last_row = self.row.saturating_add(self.row_repeat - 1);
        let last_col = first_col.saturating_add(cell.repeat - 1);
        self.bounds = Some(match self.bounds {
            None => (self.row, last_row, last_col),
            Some((f, l, c)) => (f.min(self.row), l.max(last_row), c.max(last_col)),
        });
        let copies = self.row_repeat.saturating_mul(cell.repeat);
        let each = cell.text.saturating_add(ODS_CELL_OVERHEAD);
        self.bytes = self.bytes.saturating_add(copies.saturating_mul(each));
    }
}

fn attr_u64(e: &BytesStart<'_>, key: &str) -> Option<u64> {
    let attr = e.try_get_attribute(key).ok()??;
    attr.value.trim().parse().ok()
}

/// `n` bytes in MiB or GiB, for messages.
pub(crate) fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let mib = n as f64 / MIB;
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.1} MiB")
    }
}
