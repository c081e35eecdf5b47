//! Reading xls, ods and xlsb, and choosing the parser by content rather than extension.

mod common;

use common::xlsb::{self, V};
use common::{date, datetime, fixture, read, sheet, t, Ev};
use crmsync_excel::{open, sheet_names, ExcelOptions, SheetSelector};
use crmsync_sdk::{Cell, TableReader};
use std::path::Path;

const HEADER: [&str; 7] = [
    "Name",
    "Email",
    "Phone",
    "Signed up",
    "Score",
    "Active",
    "Last contact",
];

/// Events of the "Leads" sheet of the committed fixtures (see tests/fixtures/README.md);
/// only the last cell of row 6 differs between the xls and ods versions.
fn leads_events(row6_last: Cell) -> Vec<Ev> {
    vec![
        Ev::Row(
            5,
            vec![
                t("Ada Lovelace"),
                t("ada@example.com"),
                Cell::Int(4155550132),
                date(2024, 3, 15),
                Cell::Float(87.5),
                Cell::Bool(true),
                datetime(2024, 3, 16, 9, 30, 0),
            ],
        ),
        Ev::Row(
            6,
            vec![
                t("Grace Hopper"),
                t("grace@example.com"),
                Cell::Int(442071838750),
                date(2023, 11, 2),
                Cell::Int(92),
                Cell::Bool(false),
                row6_last,
            ],
        ),
        Ev::Blank(7),
        Ev::Row(
            8,
            vec![
                t("Linus Torvalds"),
                t("linus@example.com"),
                Cell::Empty,
                Cell::Empty,
                Cell::Int(70),
                Cell::Bool(true),
                Cell::Empty,
            ],
        ),
    ]
}

#[test]
fn xls_and_ods_fixtures_read_alike() {
    let cases = [
        ("contacts.xls", "xls", Cell::Error("#N/A".into())),
        ("contacts.ods", "ods", t("12:30:00")),
    ];
    for (name, format, row6_last) in cases {
        let path = fixture(name);
        let (names, header_row, events) = read(&path, &ExcelOptions::default());
        assert_eq!(names, HEADER, "{name}");
        assert_eq!(header_row, 4, "{name}");
        assert_eq!(events, leads_events(row6_last), "{name}");
        let reader = open(&path, &ExcelOptions::default()).unwrap();
        assert!(
            reader
                .describe()
                .contains(&format!("({format}, sheet \"Leads\"")),
            "{name}"
        );
        assert_eq!(sheet_names(&path).unwrap(), ["Leads", "Notes"], "{name}");
        let (notes, _, rest) = read(&path, &sheet(SheetSelector::parse("Notes")));
        assert_eq!(notes, ["internal notes"], "{name}");
        assert_eq!(rest, [Ev::Row(2, vec![t("do not import")])], "{name}");
    }
}

#[test]
fn xls_1904_dates_are_exact() {
    let (names, _, events) = read(&fixture("dates_1904.xls"), &ExcelOptions::default());
    assert_eq!(names, ["Name", "Born"]);
    assert_eq!(
        events,
        [
            Ev::Row(2, vec![t("Ada"), date(2024, 3, 15)]),
            Ev::Row(3, vec![t("Bob"), datetime(1999, 12, 31, 23, 59, 59)]),
        ]
    );
}

fn xlsb_book(path: &Path, date1904: bool) {
    let serial = if date1904 { 43904.0 } else { 45366.0 };
    let sheets = [
        ("Cover", vec![]),
        (
            "Leads",
            vec![
                (0, vec![(0, V::Inline("Leads export"))]),
                (
                    2,
                    vec![
                        (0, V::Shared(0)),
                        (1, V::Shared(1)),
                        (2, V::Inline("Joined")),
                        (3, V::Inline("Flags")),
                    ],
                ),
                (
                    3,
                    vec![
                        (0, V::Shared(2)),
                        (1, V::Num(4155550132.0)),
                        (2, V::Date(serial)),
                        (3, V::Bool(true)),
                    ],
                ),
                (
                    5,
                    vec![
                        (0, V::Inline("Bob")),
                        (1, V::Rk(-42)),
                        (2, V::Num(0.25)),
                        (3, V::Err(0x2A)),
                    ],
                ),
            ],
        ),
    ];
    xlsb::write(path, &sheets, &["Name", "Phone", "Ada"], date1904);
}

#[test]
fn xlsb_reads_in_both_date_systems() {
    let dir = tempfile::tempdir().unwrap();
    for date1904 in [false, true] {
        let path = dir.path().join(format!("book{date1904}.xlsb"));
        xlsb_book(&path, date1904);
        let (names, header_row, events) = read(&path, &ExcelOptions::default());
        assert_eq!(names, ["Name", "Phone", "Joined", "Flags"]);
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
                        t("Bob"),
                        Cell::Int(-42),
                        Cell::Float(0.25),
                        Cell::Error("#N/A".into())
                    ]
                ),
            ],
            "1904={date1904}"
        );
        assert_eq!(sheet_names(&path).unwrap(), ["Cover", "Leads"]);
    }
}

#[test]
fn content_decides_the_parser_not_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let xlsb_as_xlsx = dir.path().join("really_xlsb.xlsx");
    xlsb_book(&xlsb_as_xlsx, false);
    let cases = [
        (fixture("contacts.xls"), "xls_as.xlsx", "xls"),
        (fixture("contacts.ods"), "ods_as.xls", "ods"),
        (fixture("contacts.xls"), "XLS_UPPER.XLS", "xls"),
        (xlsb_as_xlsx.clone(), "xlsb_as.xlsx", "xlsb"),
    ];
    for (source, name, format) in cases {
        let path = dir.path().join(name);
        std::fs::copy(&source, &path).unwrap();
        let reader = open(&path, &ExcelOptions::default()).unwrap();
        assert!(
            reader.describe().contains(&format!("({format}, ")),
            "{name}: {}",
            reader.describe()
        );
    }
}
