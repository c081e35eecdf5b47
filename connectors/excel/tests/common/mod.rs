//! Shared support for the integration tests: reading all events, committed fixtures, and
//! writing or editing workbooks.
// Each test binary uses a different subset of these functions.
#![allow(dead_code)]

pub mod xlsb;

use crmsync_excel::{open, ExcelOptions, ExcelReader, SheetSelector};
use crmsync_sdk::{Cell, ConnectorError, ErrorKind, Reject, RowEvent, TableReader};
use rust_xlsxwriter::Workbook;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// A committed fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Options selecting `sheet`.
pub fn sheet(sheet: SheetSelector) -> ExcelOptions {
    ExcelOptions {
        sheet,
        ..ExcelOptions::default()
    }
}

/// Every event of a reader.
pub fn events(reader: &mut ExcelReader) -> Vec<RowEvent> {
    let mut out = Vec::new();
    while let Some(event) = reader.next_event().expect("event") {
        out.push(event);
    }
    out
}

/// A compact view of an event, for table-driven assertions.
#[derive(Debug, Clone, PartialEq)]
pub enum Ev {
    Row(u64, Vec<Cell>),
    Blank(u64),
    Reject(Reject),
}

/// Open with `opts` and return the header names, header row and compact events.
pub fn read(path: &Path, opts: &ExcelOptions) -> (Vec<String>, u64, Vec<Ev>) {
    let mut reader = open(path, opts).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let header = reader.header().clone();
    let evs = events(&mut reader)
        .into_iter()
        .map(|e| match e {
            RowEvent::Row(r) => Ev::Row(r.row, r.cells),
            RowEvent::Blank { row } => Ev::Blank(row),
            RowEvent::Reject(r) => Ev::Reject(r),
        })
        .collect();
    (header.names, header.row, evs)
}

/// The error `open` gives, which must be of `kind`.
pub fn open_err(path: &Path, opts: &ExcelOptions, kind: ErrorKind) -> ConnectorError {
    match open(path, opts) {
        Ok(r) => panic!("{} opened as {}", path.display(), r.describe()),
        Err(e) => {
            assert_eq!(e.kind, kind, "{e}");
            assert_eq!(e.connector, "excel");
            e
        }
    }
}

pub fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

pub fn date(y: i32, m: u32, d: u32) -> Cell {
    Cell::Date(chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date"))
}

pub fn datetime(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> Cell {
    let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    Cell::DateTime(date.and_hms_opt(h, min, s).expect("time"))
}

/// Write a zip archive of `parts`, deflated.
pub fn write_zip(path: &Path, parts: &[(&str, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, data) in parts {
        zip.start_file(*name, SimpleFileOptions::default())
            .expect("start");
        zip.write_all(data).expect("write");
    }
    zip.finish().expect("finish");
}

/// All parts of a zip archive, in order.
pub fn read_zip(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).expect("open")).expect("zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("entry");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read");
            (entry.name().expect("name").to_string(), data)
        })
        .collect()
}

/// Copy a zip archive, passing each part's text through `edit`.
pub fn edit_zip(src: &Path, dst: &Path, edit: impl Fn(&str, String) -> String) {
    let parts: Vec<(String, Vec<u8>)> = read_zip(src)
        .into_iter()
        .map(|(name, data)| {
            let data = match String::from_utf8(data) {
                Ok(text) => edit(&name, text).into_bytes(),
                Err(e) => e.into_bytes(),
            };
            (name, data)
        })
        .collect();
    let borrowed: Vec<(&str, Vec<u8>)> =
        parts.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    write_zip(dst, &borrowed);
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// A hand-written xlsx: `sheets` are (name, `<sheetData>` inner XML). Style 1 is the
/// built-in date format 14. `shared` is the inner XML of the shared-string table, if any.
pub fn craft_xlsx(
    path: &Path,
    sheets: &[(&str, &str)],
    shared: Option<(&str, &str)>,
    date1904: bool,
) {
    let mut overrides = String::new();
    let mut wb_sheets = String::new();
    let mut rels = String::new();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, (name, data)) in sheets.iter().enumerate() {
        let n = i + 1;
        overrides.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
        wb_sheets.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>{data}</sheetData></worksheet>"#)
                .into_bytes(),
        ));
    }
    rels.push_str(&format!(
        r#"<Relationship Id="rIdS" Type="{REL_NS}/styles" Target="styles.xml"/>"#
    ));
    if let Some((attrs, items)) = shared {
        rels.push_str(&format!(
            r#"<Relationship Id="rIdT" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>"#
        ));
        parts.push((
            "xl/sharedStrings.xml".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" {attrs}>{items}</sst>"#).into_bytes(),
        ));
    }
    let pr = if date1904 {
        r#"<workbookPr date1904="1"/>"#
    } else {
        "<workbookPr/>"
    };
    let mut all: Vec<(String, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".into(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
            )
            .into_bytes(),
        ),
        (
            "_rels/.rels".into(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            )
            .into_bytes(),
        ),
        (
            "xl/workbook.xml".into(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{pr}<sheets>{wb_sheets}</sheets></workbook>"#
            )
            .into_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>"#)
                .into_bytes(),
        ),
        (
            "xl/styles.xml".into(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#
            )
            .into_bytes(),
        ),
    ];
    all.extend(parts);
    let borrowed: Vec<(&str, Vec<u8>)> = all.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    write_zip(path, &borrowed);
}

/// A 50-row, 2-column xlsx.
pub fn small_xlsx(dir: &Path) -> PathBuf {
    let path = dir.join("small.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..50u32 {
        ws.write_string(r, 0, format!("name {r}")).unwrap();
        ws.write_number(r, 1, f64::from(r)).unwrap();
    }
    wb.save(&path).unwrap();
    path
}

/// Write `bytes` to `dir/name`.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}
