//! A minimal xlsb writer following [MS-XLSB], enough to exercise the xlsb path: one record
//! stream per part, shared and inline strings, numbers, RK integers, booleans, errors and
//! a date style.

use std::path::Path;

/// A cell value to write.
pub enum V {
    /// Index into the shared strings.
    Shared(u32),
    /// An inline string (BrtCellSt).
    Inline(&'static str),
    /// A double (BrtCellReal).
    Num(f64),
    /// A double with the date style.
    Date(f64),
    /// An integer as an RK number.
    Rk(i32),
    Bool(bool),
    /// An error code (0x2A is #N/A).
    Err(u8),
}

fn varint(mut n: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn record(typ: u32, body: &[u8], out: &mut Vec<u8>) {
    varint(typ, out);
    varint(body.len() as u32, out);
    out.extend_from_slice(body);
}

fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = (units.len() as u32).to_le_bytes().to_vec();
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

fn cell(col: u32, style: u32, tail: &[u8]) -> Vec<u8> {
    let mut body = col.to_le_bytes().to_vec();
    body.extend_from_slice(&(style & 0x00FF_FFFF).to_le_bytes());
    body.extend_from_slice(tail);
    body
}

/// Sheets as (name, rows of (0-based row, cells of (0-based column, value))).
pub type Sheet<'a> = (&'a str, Vec<(u32, Vec<(u32, V)>)>);

/// Write an xlsb workbook.
pub fn write(path: &Path, sheets: &[Sheet<'_>], shared: &[&str], date1904: bool) {
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();

    let mut wb = Vec::new();
    record(0x83, &[], &mut wb); // BrtBeginBook
    let mut props = (u32::from(date1904)).to_le_bytes().to_vec();
    props.extend_from_slice(&0u32.to_le_bytes());
    props.extend_from_slice(&wide(""));
    record(0x99, &props, &mut wb); // BrtWbProp
    record(0x8F, &[], &mut wb); // BrtBeginBundleShs
    let mut rels = String::new();
    for (i, (name, rows)) in sheets.iter().enumerate() {
        let n = i as u32 + 1;
        let mut body = 0u32.to_le_bytes().to_vec(); // visible
        body.extend_from_slice(&n.to_le_bytes());
        body.extend_from_slice(&wide(&format!("rId{n}")));
        body.extend_from_slice(&wide(name));
        record(0x9C, &body, &mut wb); // BrtBundleSh
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.bin"/>"#
        ));
        parts.push((format!("xl/worksheets/sheet{n}.bin"), sheet_part(rows)));
    }
    record(0x90, &[], &mut wb); // BrtEndBundleShs
    record(0x9D, &[0; 26], &mut wb); // BrtCalcProp
    record(0x84, &[], &mut wb); // BrtEndBook

    let mut styles = Vec::new();
    record(0x269, &2u32.to_le_bytes(), &mut styles); // BrtBeginCellXFs
    for fmt in [0u16, 14] {
        let mut xf = 0u16.to_le_bytes().to_vec();
        xf.extend_from_slice(&fmt.to_le_bytes());
        xf.extend_from_slice(&[0; 12]);
        record(0x2F, &xf, &mut styles); // BrtXF
    }
    record(0x26A, &[], &mut styles); // BrtEndCellXFs

    let mut sst = Vec::new();
    let count = (shared.len() as u32).to_le_bytes();
    record(0x9F, &[count, count].concat(), &mut sst); // BrtBeginSst
    for s in shared {
        let mut item = vec![0u8];
        item.extend_from_slice(&wide(s));
        record(0x13, &item, &mut sst); // BrtSSTItem
    }
    record(0xA0, &[], &mut sst); // BrtEndSst

    let mut all: Vec<(String, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".into(),
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels".into(),
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#.to_vec(),
        ),
        ("xl/workbook.bin".into(), wb),
        (
            "xl/_rels/workbook.bin.rels".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#).into_bytes(),
        ),
        ("xl/styles.bin".into(), styles),
        ("xl/sharedStrings.bin".into(), sst),
    ];
    all.extend(parts);
    let borrowed: Vec<(&str, Vec<u8>)> = all.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    super::write_zip(path, &borrowed);
}

fn sheet_part(rows: &[(u32, Vec<(u32, V)>)]) -> Vec<u8> {
    let mut out = Vec::new();
    record(0x81, &[], &mut out); // BrtBeginSheet
    let last_row = rows.iter().map(|(r, _)| *r).max().unwrap_or(0);
    let last_col = rows
        .iter()
        .flat_map(|(_, c)| c.iter().map(|(c, _)| *c))
        .max()
        .unwrap_or(0);
    let dims = [0u32, last_row, 0, last_col]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect::<Vec<_>>();
    record(0x94, &dims, &mut out); // BrtWsDim
    record(0x91, &[], &mut out); // BrtBeginSheetData
    for (row, cells) in rows {
        let mut hdr = row.to_le_bytes().to_vec();
        hdr.extend_from_slice(&[0; 13]);
        record(0x00, &hdr, &mut out); // BrtRowHdr
        for (col, value) in cells {
            match value {
                V::Shared(i) => record(0x07, &cell(*col, 0, &i.to_le_bytes()), &mut out),
                V::Inline(s) => record(0x06, &cell(*col, 0, &wide(s)), &mut out),
                V::Num(f) => record(0x05, &cell(*col, 0, &f.to_le_bytes()), &mut out),
                V::Date(f) => record(0x05, &cell(*col, 1, &f.to_le_bytes()), &mut out),
                V::Rk(i) => {
                    let rk = ((*i as u32) << 2) | 0b10;
                    record(0x02, &cell(*col, 0, &rk.to_le_bytes()), &mut out)
                }
                V::Bool(b) => record(0x04, &cell(*col, 0, &[u8::from(*b)]), &mut out),
                V::Err(code) => record(0x03, &cell(*col, 0, &[*code]), &mut out),
            }
        }
    }
    record(0x92, &[], &mut out); // BrtEndSheetData
    record(0x82, &[], &mut out); // BrtEndSheet
    out
}
