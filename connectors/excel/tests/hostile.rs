//! Damaged, disguised, encrypted and oversized inputs fail with clear errors: never a
//! panic, never an unbounded allocation.

mod common;

use common::{craft_xlsx, fixture, open_err, small_xlsx, write, write_zip};
use crmsync_excel::{sheet_names, ExcelOptions};
use crmsync_sdk::{ErrorKind, TableReader};
use std::path::{Path, PathBuf};

fn assert_data_error(path: &Path, opts: &ExcelOptions, expected: &str) {
    let err = open_err(path, opts, ErrorKind::Data);
    assert!(
        err.message.contains(expected),
        "{}: {}",
        path.display(),
        err.message
    );
    assert!(
        err.message.starts_with(&path.display().to_string()),
        "{}",
        err.message
    );
}

#[test]
fn disguised_and_damaged_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = std::fs::read(small_xlsx(dir.path())).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "half.xlsx",
            xlsx[..xlsx.len() / 2].to_vec(),
            "is damaged or truncated",
        ),
        (
            "leads.xlsx",
            b"name,email\nAda,ada@example.com\n".to_vec(),
            "rename it to .csv",
        ),
        (
            "export.xls",
            b"<html><table><tr><td>a</td></tr></table></html>".to_vec(),
            "web page (HTML table)",
        ),
        ("empty.xlsx", Vec::new(), "is empty (0 bytes)"),
        (
            "noise.ods",
            vec![0x00, 0xFF, 0x13, 0x37, 0x42, 0x00, 0x01],
            "matches none of xlsx",
        ),
        (
            "zipjunk.xlsx",
            [b"PK\x03\x04".as_slice(), &[0x55; 300]].concat(),
            "is damaged or truncated",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = write(dir.path(), name, &bytes);
        assert_data_error(&path, &ExcelOptions::default(), expected);
        let listed = sheet_names(&path).unwrap_err();
        assert_eq!(listed.kind, ErrorKind::Data, "{name}");
    }
}

#[test]
fn truncating_a_workbook_anywhere_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        std::fs::read(small_xlsx(dir.path())).unwrap(),
        std::fs::read(fixture("contacts.xls")).unwrap(),
        std::fs::read(fixture("contacts.ods")).unwrap(),
    ];
    for (i, bytes) in sources.iter().enumerate() {
        for cut in (1..bytes.len()).step_by(97) {
            let path = write(dir.path(), &format!("cut{i}.xlsx"), &bytes[..cut]);
            // Either a clean error or, rarely, a readable prefix; never a panic.
            if let Err(e) = crmsync_excel::open(&path, &ExcelOptions::default()) {
                assert!(matches!(e.kind, ErrorKind::Data), "cut {cut}: {e}");
            }
        }
    }
}

#[test]
fn missing_paths_are_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = open_err(
        &dir.path().join("nope.xlsx"),
        &ExcelOptions::default(),
        ErrorKind::Config,
    );
    assert!(
        err.message.ends_with("nope.xlsx: no such file"),
        "{}",
        err.message
    );
    let err = open_err(dir.path(), &ExcelOptions::default(), ErrorKind::Config);
    assert!(err.message.ends_with("is not a file"), "{}", err.message);
}

#[test]
fn zip_archives_that_are_not_workbooks() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "doc.xlsx",
            vec![("word/document.xml", b"<w/>".to_vec())],
            "is a Word document",
        ),
        (
            "other.xlsx",
            vec![("readme.txt", b"hi".to_vec())],
            "holds no workbook",
        ),
        (
            "text.ods",
            vec![(
                "mimetype",
                b"application/vnd.oasis.opendocument.text".to_vec(),
            )],
            "is an OpenDocument text document",
        ),
    ];
    for (name, parts, expected) in cases {
        let path = dir.path().join(name);
        let parts: Vec<(&str, Vec<u8>)> = parts.into_iter().collect();
        write_zip(&path, &parts);
        assert_data_error(&path, &ExcelOptions::default(), expected);
    }
}

#[test]
fn zip_bombs_are_refused_from_declared_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.xlsx");
    // 4 MiB of whitespace compresses to a few KiB.
    let padding = " ".repeat(4 << 20);
    let sheet =
        format!(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>{padding}"#);
    craft_xlsx(&path, &[("S", &sheet)], None, false);
    assert!(std::fs::metadata(&path).unwrap().len() < 64 << 10);
    let opts = ExcelOptions {
        max_file_bytes: 1 << 20,
        max_cells: 1000,
        ..ExcelOptions::default()
    };
    assert_data_error(
        &path,
        &opts,
        "its parts unpack to 4.0 MiB, more than the 1.0 MiB allowed",
    );
    // With the default limits the same file is fine.
    assert!(crmsync_excel::open(&path, &ExcelOptions::default()).is_ok());
}

#[test]
fn inflated_shared_string_counts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sst.xlsx");
    let sheet = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
    craft_xlsx(
        &path,
        &[("S", sheet)],
        Some(("uniqueCount=\"100000000000\"", "<si><t>a</t></si>")),
        false,
    );
    assert_data_error(
        &path,
        &ExcelOptions::default(),
        "declares 100000000000 strings",
    );
}

fn ods(path: &Path, table: &str) {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    write_zip(
        path,
        &[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
            ),
            ("content.xml", content.into_bytes()),
        ],
    );
}

#[test]
fn ods_repeat_bombs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("rows.ods");
    ods(
        &rows,
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#,
    );
    assert_data_error(
        &rows,
        &ExcelOptions::default(),
        "span more than 50000000 cells",
    );
    let spaces = dir.path().join("spaces.ods");
    ods(
        &spaces,
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="9000000000"/></text:p></table:table-cell></table:table-row>"#,
    );
    assert_data_error(
        &spaces,
        &ExcelOptions::default(),
        "expand to more than 4.7 GiB of text",
    );
}

/// contacts.xls with `edit` applied to its bytes.
fn patched_xls(dir: &Path, name: &str, edit: impl Fn(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(fixture("contacts.xls")).unwrap();
    edit(&mut bytes);
    write(dir, name, &bytes)
}

fn find(bytes: &[u8], pattern: &[u8]) -> usize {
    bytes
        .windows(pattern.len())
        .position(|w| w == pattern)
        .expect("pattern in fixture")
}

/// The byte offset of directory entry `index` (the fixture's directory is one sector).
fn dir_entry(bytes: &[u8], index: usize) -> usize {
    let dir_start = u32::from_le_bytes(bytes[48..52].try_into().unwrap()) as usize;
    (dir_start + 1) * 512 + index * 128
}

fn rename_entry(bytes: &mut [u8], index: usize, name: &str) {
    let at = dir_entry(bytes, index);
    bytes[at..at + 64].fill(0);
    let units: Vec<u16> = name.encode_utf16().collect();
    for (i, u) in units.iter().enumerate() {
        bytes[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
    }
    bytes[at + 64..at + 66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
}

#[test]
fn hostile_xls_files_are_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ExcelOptions::default();

    // DIMENSIONS claiming about 4 billion rows.
    let dims = patched_xls(dir.path(), "dims.xls", |b| {
        let at = find(b, &[0x00, 0x02, 0x0E, 0x00]) + 4;
        b[at + 4..at + 8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    });
    assert_data_error(
        &dims,
        &opts,
        "sheet 1 declares 30064770960 cells, more than the 50000000 allowed",
    );

    // A directory chain that loops forever.
    let cycle = patched_xls(dir.path(), "cycle.xls", |b| {
        let fat = (u32::from_le_bytes(b[76..80].try_into().unwrap()) as usize + 1) * 512;
        let dir_start = u32::from_le_bytes(b[48..52].try_into().unwrap());
        let at = fat + 4 * dir_start as usize;
        b[at..at + 4].copy_from_slice(&dir_start.to_le_bytes());
    });
    assert_data_error(&cycle, &opts, "a sector chain loops back on itself");

    // An encrypted xlsx is a compound file holding an EncryptedPackage stream.
    let encrypted = patched_xls(dir.path(), "encrypted.xlsx", |b| {
        rename_entry(b, 1, "EncryptedPackage")
    });
    assert_data_error(&encrypted, &opts, "is password-protected (encrypted)");

    // An xls with a FILEPASS record (here replacing the code page record).
    let filepass = patched_xls(dir.path(), "filepass.xls", |b| {
        let at = find(b, &[0x42, 0x00, 0x02, 0x00]);
        b[at] = 0x2F;
    });
    assert_data_error(&filepass, &opts, "is password-protected (encrypted)");

    let word = patched_xls(dir.path(), "word.xls", |b| {
        rename_entry(b, 1, "WordDocument")
    });
    assert_data_error(
        &word,
        &opts,
        "OLE compound document with no workbook inside",
    );

    let few = ExcelOptions {
        max_cells: 20,
        ..ExcelOptions::default()
    };
    assert_data_error(&fixture("contacts.xls"), &few, "more than the 20 allowed");
}

#[test]
fn sparse_cells_far_apart_do_not_allocate_their_rectangle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corners.xlsx");
    // Header at A1:B1 and a lone value at the sheet's last row: 1,048,576 rows × 2 columns
    // is within the cell limit, so the sheet is read, cheaply, as blank rows.
    let sheet = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row><row r="1048576"><c r="B1048576"><v>7</v></c></row>"#;
    craft_xlsx(&path, &[("S", sheet)], None, false);
    let mut reader = crmsync_excel::open(&path, &ExcelOptions::default()).unwrap();
    let mut blanks = 0u64;
    let mut last = None;
    while let Some(event) = reader.next_event().unwrap() {
        match event {
            crmsync_sdk::RowEvent::Blank { .. } => blanks += 1,
            other => last = Some(other),
        }
    }
    assert_eq!(blanks, 1_048_574);
    let Some(crmsync_sdk::RowEvent::Row(row)) = last else {
        panic!("{last:?}")
    };
    assert_eq!(row.row, 1_048_576);
    assert_eq!(
        row.cells,
        [crmsync_sdk::Cell::Empty, crmsync_sdk::Cell::Int(7)]
    );
}

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn corrupted_bytes_give_errors_or_rows_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let xlsb_path = dir.path().join("b.xlsb");
    common::xlsb::write(
        &xlsb_path,
        &[(
            "S",
            vec![(
                0,
                vec![
                    (0, common::xlsb::V::Shared(0)),
                    (1, common::xlsb::V::Num(1.5)),
                ],
            )],
        )],
        &["Name"],
        false,
    );
    let sources = [
        ("xls", std::fs::read(fixture("contacts.xls")).unwrap()),
        ("ods", std::fs::read(fixture("contacts.ods")).unwrap()),
        ("xlsx", std::fs::read(small_xlsx(dir.path())).unwrap()),
        ("xlsb", std::fs::read(&xlsb_path).unwrap()),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (format, original) in &sources {
        for round in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.next() % 8 {
                let at = (rng.next() % bytes.len() as u64) as usize;
                bytes[at] = rng.next() as u8;
            }
            let path = write(dir.path(), &format!("fuzz.{format}"), &bytes);
            match crmsync_excel::open(&path, &ExcelOptions::default()) {
                Ok(mut reader) => while let Ok(Some(_)) = reader.next_event() {},
                Err(e) => assert!(
                    matches!(e.kind, ErrorKind::Data | ErrorKind::Config),
                    "{format} round {round}: {e}"
                ),
            }
        }
    }
}
