//! Reading xlsx workbooks: header detection, cell typing, dates in both date systems, merged
//! cells, blank and over-wide rows, row numbering and limits.

mod common;

use common::{craft_xlsx, date, datetime, edit_zip, open_err, read, t, Ev};
use crmsync_excel::{open, ExcelOptions};
use crmsync_sdk::{Cell, ErrorKind, Progress, TableReader};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use std::path::{Path, PathBuf};

/// A realistic export: a merged title, a subtitle, the header on row 4, typed data, blank
/// rows, an over-wide row and a merged data cell.
fn leads_xlsx(dir: &Path) -> PathBuf {
    let path = dir.join("leads.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Leads").unwrap();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let clock = Format::new().set_num_format("hh:mm:ss");
    ws.merge_range(0, 0, 0, 9, "Q3 Tradeshow leads export", &Format::new())
        .unwrap();
    ws.write_string(2, 0, "Exported 2024-10-01 by sales-ops")
        .unwrap();
    ws.write_string(2, 1, "confidential").unwrap();
    let header = [
        "Name",
        "Email",
        "Phone",
        "Intl phone",
        "Customer ID",
        "Signed up",
        "Last contact",
        "Score",
        "Active",
        "Status",
    ];
    for (c, name) in header.iter().enumerate() {
        ws.write_string(3, c as u16, *name).unwrap();
    }
    ws.write_string(4, 0, "Ada Lovelace").unwrap();
    ws.write_string(4, 1, "ada@example.com").unwrap();
    ws.write_number(4, 2, 4155550132.0).unwrap();
    ws.write_number(4, 3, 442071838750.0).unwrap();
    ws.write_number(4, 4, 123456789012345.0).unwrap();
    ws.write_datetime_with_format(4, 5, ExcelDateTime::from_ymd(2024, 3, 15).unwrap(), &day)
        .unwrap();
    let last = ExcelDateTime::from_ymd(2024, 3, 16)
        .unwrap()
        .and_hms(9, 30, 0)
        .unwrap();
    ws.write_datetime_with_format(4, 6, &last, &stamp).unwrap();
    ws.write_number(4, 7, 87.5).unwrap();
    ws.write_boolean(4, 8, true).unwrap();
    ws.write_formula(4, 9, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();

    ws.write_string(5, 0, "Grace Hopper").unwrap();
    ws.write_string(5, 1, "grace@example.com").unwrap();
    ws.write_number(5, 2, 4155550199.0).unwrap();
    ws.write_number(5, 3, 33142685300.0).unwrap();
    ws.write_number(5, 4, 42.0).unwrap();
    ws.write_datetime_with_format(5, 5, ExcelDateTime::from_ymd(2023, 11, 2).unwrap(), &day)
        .unwrap();
    ws.write_number_with_format(5, 6, 0.5208333333333334, &clock)
        .unwrap();
    ws.write_number(5, 7, 92.0).unwrap();
    ws.write_boolean(5, 8, false).unwrap();
    ws.write_string(5, 9, "Won").unwrap();

    ws.write_string(7, 0, "   ").unwrap();
    ws.write_string(8, 0, "Linus Torvalds").unwrap();
    ws.write_string(9, 0, "Extra Columns").unwrap();
    ws.write_string(9, 1, "extra@example.com").unwrap();
    ws.write_string(9, 10, "stray note").unwrap();
    ws.write_string(9, 12, "another").unwrap();
    ws.merge_range(10, 0, 10, 1, "Merged Name", &Format::new())
        .unwrap();
    wb.save(&path).unwrap();
    path
}

fn empties(n: usize) -> Vec<Cell> {
    vec![Cell::Empty; n]
}

#[test]
fn realistic_export_reads_with_exact_rows_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = leads_xlsx(dir.path());
    let (names, header_row, events) = read(&path, &ExcelOptions::default());
    assert_eq!(header_row, 4);
    assert_eq!(
        names,
        [
            "Name",
            "Email",
            "Phone",
            "Intl phone",
            "Customer ID",
            "Signed up",
            "Last contact",
            "Score",
            "Active",
            "Status"
        ]
    );
    let mut linus = vec![t("Linus Torvalds")];
    linus.extend(empties(9));
    let mut merged = vec![t("Merged Name")];
    merged.extend(empties(9));
    let expected_rows = [
        Ev::Row(
            5,
            vec![
                t("Ada Lovelace"),
                t("ada@example.com"),
                Cell::Int(4155550132),
                Cell::Int(442071838750),
                Cell::Int(123456789012345),
                date(2024, 3, 15),
                datetime(2024, 3, 16, 9, 30, 0),
                Cell::Float(87.5),
                Cell::Bool(true),
                Cell::Error("#N/A".into()),
            ],
        ),
        Ev::Row(
            6,
            vec![
                t("Grace Hopper"),
                t("grace@example.com"),
                Cell::Int(4155550199),
                Cell::Int(33142685300),
                Cell::Int(42),
                date(2023, 11, 2),
                t("12:30:00"),
                Cell::Int(92),
                Cell::Bool(false),
                t("Won"),
            ],
        ),
        Ev::Blank(7),
        Ev::Blank(8),
        Ev::Row(9, linus),
    ];
    assert_eq!(events[..5], expected_rows);
    let Ev::Reject(reject) = &events[5] else {
        panic!("row 10 should be rejected: {:?}", events[5])
    };
    assert_eq!(reject.row, 10);
    assert_eq!(reject.file, path.display().to_string());
    assert_eq!(
        reject.reason,
        "2 values outside the table, right of the last header column J (\"Status\"): K10, M10; \
         add a header for those columns or remove the values"
    );
    assert_eq!(
        reject.raw.as_deref(),
        Some("A10=Extra Columns; B10=extra@example.com; K10=stray note; M10=another")
    );
    assert_eq!(events[6], Ev::Row(11, merged));
    assert_eq!(events.len(), 7);
}

#[test]
fn progress_counts_rows_below_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = leads_xlsx(dir.path());
    let mut reader = open(&path, &ExcelOptions::default()).unwrap();
    assert_eq!(
        reader.progress(),
        Progress {
            done: 0,
            total: Some(7)
        }
    );
    reader.next_event().unwrap();
    reader.next_event().unwrap();
    assert_eq!(
        reader.progress(),
        Progress {
            done: 2,
            total: Some(7)
        }
    );
    while reader.next_event().unwrap().is_some() {}
    assert_eq!(
        reader.progress(),
        Progress {
            done: 7,
            total: Some(7)
        }
    );
    assert_eq!(reader.next_event().unwrap(), None);
    assert_eq!(
        reader.describe(),
        format!(
            "{} (xlsx, sheet \"Leads\", header on row 4)",
            path.display()
        )
    );
}

/// Serial 43904 with a date format: 2024-03-15 in the 1904 system, 2020-03-14 in 1900.
fn serial_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    ws.write_string(0, 0, "Name").unwrap();
    ws.write_string(0, 1, "Born").unwrap();
    ws.write_string(1, 0, "Ada").unwrap();
    ws.write_number_with_format(1, 1, 43904.0, &day).unwrap();
    ws.write_string(2, 0, "Bob").unwrap();
    ws.write_number_with_format(2, 1, 43904.75, &stamp).unwrap();
    wb.save(path).unwrap();
}

#[test]
fn dates_honour_the_1900_and_1904_systems() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("1900.xlsx");
    serial_xlsx(&plain);
    let mac = dir.path().join("1904.xlsx");
    edit_zip(&plain, &mac, |name, text| {
        if name == "xl/workbook.xml" {
            assert!(text.contains("<workbookPr"), "{text}");
            text.replace("<workbookPr", "<workbookPr date1904=\"1\"")
        } else {
            text
        }
    });
    let cases = [
        (plain, date(2020, 3, 14), datetime(2020, 3, 14, 18, 0, 0)),
        (mac, date(2024, 3, 15), datetime(2024, 3, 15, 18, 0, 0)),
    ];
    for (path, born, stamp) in cases {
        let (_, _, events) = read(&path, &ExcelOptions::default());
        assert_eq!(
            events,
            [
                Ev::Row(2, vec![t("Ada"), born]),
                Ev::Row(3, vec![t("Bob"), stamp])
            ],
            "{}",
            path.display()
        );
    }
}

#[test]
fn crafted_cells_of_every_storage_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crafted.xlsx");
    // The table starts at B3 (with a stray blank cell at A4); inline and shared strings, ISO
    // dates, booleans, errors.
    let sheet = r#"
        <row r="3"><c r="B3" t="inlineStr"><is><t>Name</t></is></c><c r="C3" t="s"><v>0</v></c><c r="D3" t="inlineStr"><is><t>When</t></is></c><c r="E3" t="s"><v>1</v></c></row>
        <row r="4"><c r="A4" t="inlineStr"><is><t> </t></is></c><c r="B4" t="inlineStr"><is><t>Ada</t></is></c><c r="C4"><v>4155550132</v></c><c r="D4" t="d"><v>2024-03-15T00:00:00</v></c><c r="E4" t="b"><v>1</v></c></row>
        <row r="6"><c r="B6" t="s"><v>2</v></c><c r="C6" t="e"><v>#DIV/0!</v></c><c r="D6" s="1"><v>45366</v></c><c r="E6"><v>1E+20</v></c></row>
        <row r="7"><c r="B7" s="1"/><c r="C7" t="s"><v>3</v></c></row>"#;
    let shared =
        r#"<si><t>Phone</t></si><si><t>Subscribed</t></si><si><t>Grace</t></si><si><t> </t></si>"#;
    craft_xlsx(
        &path,
        &[("Data", sheet)],
        Some(("count=\"4\" uniqueCount=\"4\"", shared)),
        false,
    );
    let (names, header_row, events) = read(&path, &ExcelOptions::default());
    assert_eq!(names, ["Name", "Phone", "When", "Subscribed"]);
    assert_eq!(header_row, 3);
    assert_eq!(
        events,
        [
            Ev::Row(
                4,
                vec![
                    t("Ada"),
                    Cell::Int(4155550132),
                    date(2024, 3, 15),
                    Cell::Bool(true)
                ]
            ),
            Ev::Blank(5),
            Ev::Row(
                6,
                vec![
                    t("Grace"),
                    Cell::Error("#DIV/0!".into()),
                    date(2024, 3, 15),
                    Cell::Float(1e20)
                ]
            ),
            Ev::Blank(7),
        ]
    );
}

#[test]
fn unnamed_leading_columns_with_data_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(1, 1, "Name").unwrap();
    ws.write_string(1, 2, "Email").unwrap();
    ws.write_number(2, 0, 17.0).unwrap();
    ws.write_string(2, 1, "Ada").unwrap();
    ws.write_string(2, 2, "ada@example.com").unwrap();
    wb.save(&path).unwrap();
    let (names, header_row, events) = read(&path, &ExcelOptions::default());
    assert_eq!(names, ["column_1", "Name", "Email"]);
    assert_eq!(header_row, 2);
    assert_eq!(
        events,
        [Ev::Row(
            3,
            vec![Cell::Int(17), t("Ada"), t("ada@example.com")]
        )]
    );
}

#[test]
fn cell_limits_are_enforced_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = leads_xlsx(dir.path());
    let few = ExcelOptions {
        max_cells: 20,
        ..ExcelOptions::default()
    };
    let err = open_err(&path, &few, ErrorKind::Data);
    assert!(
        err.message
            .contains("sheet \"Leads\" has more than the 20 non-empty cells allowed"),
        "{}",
        err.message
    );

    // Few cells, but one far away: the table would span 1,048,576 rows × 16,384 columns.
    let far = dir.path().join("far.xlsx");
    let sheet = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="XFD1" t="inlineStr"><is><t>b</t></is></c></row>
        <row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
    craft_xlsx(&far, &[("Far", sheet)], None, false);
    let err = open_err(&far, &ExcelOptions::default(), ErrorKind::Data);
    assert!(
        err.message.contains("spans 1048576 rows × 16384 columns = 17179869184 cells, more than the 50000000 allowed"),
        "{}",
        err.message
    );

    let tiny = ExcelOptions {
        max_file_bytes: 100,
        ..ExcelOptions::default()
    };
    let err = open_err(&path, &tiny, ErrorKind::Data);
    assert!(
        err.message.contains("over the 0.0 MiB limit"),
        "{}",
        err.message
    );
}
